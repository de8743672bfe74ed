/*
 * test_lifecycle.c - a PCB's life where test_refcount.c does not look
 * (spec lifecycle 1.2-1.9, src/pcb/pcb_alloc.c, pcb_hash.c, pcb_list.c,
 * pcb_timewait.c): LC-1 (allocation inputs), LC-5 (UDP attach: buffer
 * sizes, TTL 64), LC-6 and invariant 14 (detach breaks the association
 * both ways and nothing else), LC-7 (a socketless PCB is never taken for
 * a receiver), LC-12 / LC-14 (drop also leaves the load-balancing
 * group; listings still show the dropped PCB), LC-17 (TIME_WAIT through
 * the API: the socket goes, the PCB lives on until 2 MSL), LC-20 (a
 * second free is refused), LC-26 (what a listing includes and excludes)
 * and LC-28 (one routine sizes and creates every protocol's table).
 */
#include "pcb_fixture.h"

/* noinline: GCC 12 + ASan misreport atomic loads here (stringop-overflow) */
__attribute__((noinline)) static unsigned refs(struct inp_pcb *p)
{
	return atomic_load(&p->refcount);
}

/* The preamble (em0 192.0.2.10/24, default route), clock at 1 s. */
static int setup(void **state)
{
	static const struct fx_config cfg = { .start_ns = FX_SEC };
	struct fx *f = fx_new(&cfg);

	fx_preamble(f);
	*state = f;
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

/* A listing's entries by label, with their states. */
struct listing {
	unsigned n;
	char label[16][INP_LABEL_MAX];
	enum inp_pcb_state state[16];
	struct fx *alloc_during;     /* allocate a PCB in the first call */
	struct inp_pcb *allocated;
};

static int collect(const struct inp_pcb_info *info, void *arg)
{
	struct listing *l = arg;

	if (l->n < 16) {
		snprintf(l->label[l->n], INP_LABEL_MAX, "%s", info->label);
		l->state[l->n] = info->state;
	}
	l->n++;
	if (l->alloc_during != NULL && l->allocated == NULL)
		l->allocated = fx_alloc(l->alloc_during, info->proto, AF_INET,
		                        NULL, "late");
	return 0;
}

/* The state listed for label, or -1 when it was not listed. */
static int listed(const struct listing *l, const char *label)
{
	unsigned i;

	for (i = 0; i < l->n && i < 16; i++)
		if (strcmp(l->label[i], label) == 0)
			return (int)l->state[i];
	return -1;
}

/* ---- LC-1 --------------------------------------------------------------- */

static void test_lc1_alloc_inputs(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_UDP);
	struct inp_cred *root = f->host->root_cred;
	struct inp_pcb *p = (struct inp_pcb *)0x1;
	uint64_t gen0 = info->gencnt;

	assert_int_equal(pcb_alloc(NULL, AF_INET, root, NULL, &p), -EINVAL);
	assert_int_equal(pcb_alloc(info, AF_INET, NULL, NULL, &p), -EINVAL);
	assert_int_equal(pcb_alloc(info, AF_INET, root, NULL, NULL), -EINVAL);
	assert_int_equal(pcb_alloc(info, AF_UNIX, root, NULL, &p),
	                 -EAFNOSUPPORT);
	assert_ptr_equal(p, (struct inp_pcb *)0x1);
	assert_int_equal(info->count, 0);
	assert_int_equal(info->gencnt, gen0);
	/* The good case returns it write-locked (LC-4) for the caller. */
	assert_int_equal(pcb_alloc(info, AF_INET6, root, NULL, &p), 0);
	assert_false(pcb_tryrlock(p));
	assert_ptr_equal(p->info, info);
	assert_int_equal(p->proto, INP_PROTO_UDP);
	assert_ptr_equal(p->cred, root);
	assert_null(p->socket);
	pcb_free(p);
	assert_int_equal(info->count, 0);
}

/* ---- LC-5 --------------------------------------------------------------- */

/* UDP attach: FreeBSD's buffer reservations and the default TTL. */
static void test_lc5_attach_defaults(void **state)
{
	struct fx *f = *state;
	struct inp_sock *u = fx_sock(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *u6 = fx_sock(f, AF_INET6, INP_PROTO_UDP, NULL);
	struct inp_sock *t = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);

	assert_int_equal(fx_getopt_int(u, INP_SOL_SOCKET, INP_SO_RCVBUF),
	                 40 * (1024 + sizeof(struct sockaddr_in6)));
	assert_int_equal(fx_getopt_int(u, INP_SOL_SOCKET, INP_SO_SNDBUF), 9216);
	assert_int_equal(fx_getopt_int(u6, INP_SOL_SOCKET, INP_SO_RCVBUF),
	                 40 * (1024 + sizeof(struct sockaddr_in6)));
	assert_int_equal(fx_getopt_int(u, INP_IPPROTO_IP, INP_IP_TTL), 64);
	assert_int_equal(inp_sock_pcb(u6)->ip_ttl, 64);
	/* TCP's defaults differ (sock.h). */
	assert_int_equal(fx_getopt_int(t, INP_SOL_SOCKET, INP_SO_RCVBUF), 65536);
	assert_int_equal(fx_getopt_int(t, INP_SOL_SOCKET, INP_SO_SNDBUF), 32768);
	fx_sock_close(f, u);
	fx_sock_close(f, u6);
	fx_sock_close(f, t);
}

/* ---- LC-6, invariant 14 ---------------------------------------------------- */

static void test_lc6_detach_only_the_association(void **state)
{
	struct fx *f = *state;
	struct inp_sock *so = fx_sock(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_pcb *p = inp_sock_pcb(so);
	struct inp_explain why;
	unsigned n = inp_pcb_count(f->vnet, INP_PROTO_UDP);

	/* Invariant 14: the socket and its PCB point at each other. */
	assert_ptr_equal(so->pcb, p);
	assert_ptr_equal(p->socket, so);
	assert_ptr_equal(inp_pcb_sock(p), so);
	fx_bind_ok(so, "192.0.2.10", 6200);

	pcb_wlock(p);
	pcb_detach(p);
	assert_null(so->pcb);                    /* both ways */
	assert_null(p->socket);
	assert_null(inp_pcb_sock(p));
	/* Nothing else: still listed, hashed, referenced once. */
	assert_true(p->flags & INP_F_INHASHLIST);
	assert_false(p->flags & (INP_F_DROPPED | INP_F_FREED));
	assert_int_equal(refs(p), 1);
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_UDP), n);
	pcb_detach(p);                           /* a second detach: no-op */
	pcb_unlock(p);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                           "192.0.2.10", 6200, true, &why), p);
	fx_free(p);
	sock_release(so);
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_UDP), n - 1);
}

/* ---- LC-7 ------------------------------------------------------------------ */

/*
 * A socketless, hashed UDP PCB (invariant 20 says the library never makes
 * one; the internal API can): delivery finds it and must not use its
 * socket.  It is no receiver, for unicast and for the fan-out.
 */
static void test_lc7_socketless_pcb_is_no_receiver(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *p = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "ghost",
	                             "0.0.0.0", 6201, INP_REUSEPORT);
	struct sockaddr_in s = fx_sin4("192.0.2.77", 4000);
	struct sockaddr_in d = fx_sin4("192.0.2.10", 6201);
	struct sockaddr_in b = fx_sin4("192.0.2.255", 6201);
	struct inp_udp_meta meta = { .rcvif = f->em0, .len = 1 };
	struct inp_udp_result res = { 0 };
	struct inp_pcb_info info;

	assert_int_equal(inp_udp_deliver(f->vnet, (struct sockaddr *)&s,
	                                 (struct sockaddr *)&d, &meta, &res,
	                                 NULL), 0);
	assert_int_equal(res.outcome, INP_UDP_UNREACH);
	assert_int_equal(res.n, 0);
	assert_int_equal(inp_udp_deliver(f->vnet, (struct sockaddr *)&s,
	                                 (struct sockaddr *)&b, &meta, &res,
	                                 NULL), 0);
	assert_int_equal(res.outcome, INP_UDP_NOPORT_BCAST);
	assert_int_equal(res.n, 0);
	pcb_rlock(p);
	assert_null(inp_pcb_sock(p));
	inp_pcb_get_info(p, &info);              /* no socket counters read */
	pcb_unlock(p);
	assert_string_equal(info.label, "ghost");
	fx_free(p);
}

/* ---- LC-12, LC-14 ------------------------------------------------------------ */

static void test_lc12_drop_leaves_group_keeps_socket(void **state)
{
	struct fx *f = *state;
	struct inp_sock *a = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_sock *b = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_pcb *pa = inp_sock_pcb(a), *pb = inp_sock_pcb(b);
	struct listing l;
	struct inp_explain why;
	unsigned n;
	int k;

	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 1);
	fx_setopt_int_ok(b, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 1);
	assert_int_equal(inp_sock_set_label(a, "a"), 0);
	assert_int_equal(inp_sock_set_label(b, "b"), 0);
	fx_bind_ok(a, "0.0.0.0", 6202);
	fx_bind_ok(b, "0.0.0.0", 6202);
	assert_int_equal(inp_sock_listen(a, 5, NULL), 0);
	assert_int_equal(inp_sock_listen(b, 5, NULL), 0);
	hash_rlock(pa->info);
	assert_int_equal(lbgroup_stats(pa, NULL, &n, NULL), 0);
	hash_unlock(pa->info);
	assert_int_equal(n, 2);

	pcb_wlock(pa);
	pcb_drop(pa);
	pcb_unlock(pa);
	/* Out of the group (and its flag) as well as the tables ... */
	assert_false(pa->flags2 & INP_INLBGROUP);
	hash_rlock(pa->info);
	assert_int_equal(lbgroup_stats(pa, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(lbgroup_stats(pb, NULL, &n, NULL), 0);
	hash_unlock(pa->info);
	assert_int_equal(n, 1);
	for (k = 1; k <= 16; k++)
		assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1",
		                           (uint16_t)k, "192.0.2.10", 6202, true,
		                           &why), pb);
	/* ... while the socket keeps its PCB and the 4-tuple stays. */
	assert_ptr_equal(inp_sock_pcb(a), pa);
	assert_ptr_equal(pa->socket, a);
	assert_int_equal(fx_local_port(a), 6202);
	/* LC-14: listings still show it. */
	memset(&l, 0, sizeof(l));
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_TCP, NULL, collect, &l,
	                              NULL), 2);
	assert_int_equal(listed(&l, "a"), INP_ST_DROPPED);
	assert_int_equal(listed(&l, "b"), INP_ST_LISTEN);
	fx_sock_close(f, a);
	fx_sock_close(f, b);
}

/* ---- LC-17 ------------------------------------------------------------------ */

static void test_lc17_timewait_outlives_its_socket(void **state)
{
	struct fx *f = *state;
	struct inp_sock *c = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_pcb *p = inp_sock_pcb(c), *out;
	struct sockaddr_in src = fx_sin4("198.51.100.7", 80);
	struct sockaddr_in dst;
	struct sockaddr_storage ss;
	socklen_t len;
	long msl = fx_sysctl(f->vnet, "net.inet.tcp.msl");
	struct listing l;

	assert_int_equal(inp_sock_set_label(c, "c"), 0);
	assert_int_equal(fx_connect(c, "198.51.100.7", 80), 0);
	assert_int_equal(inp_sock_name(c, &ss, &len), 0);
	memcpy(&dst, &ss, sizeof(dst));
	assert_int_equal(inp_sock_timewait(c), 0);   /* the socket is gone */

	/* The PCB lives on: counted, hashed, found, socketless. */
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_TCP), 1);
	assert_int_equal(inp_pcb_lookup(f->vnet, INP_PROTO_TCP,
	                                (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst,
	                                INP_LOOKUP_RLOCKPCB, NULL, &out, NULL), 0);
	assert_ptr_equal(out, p);
	assert_null(inp_pcb_sock(out));
	assert_true(out->flags & INP_F_TIMEWAIT);
	assert_string_equal(inp_pcb_label(out), "c");
	inp_pcb_runlock(out);
	memset(&l, 0, sizeof(l));
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_TCP, NULL, collect, &l,
	                              NULL), 1);
	assert_int_equal(listed(&l, "c"), INP_ST_TIMEWAIT);

	/* Until 2 MSL have passed: then dropped and, socketless, freed. */
	fx_advance(f, 2 * (uint64_t)msl * 1000000u - 1);
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_TCP), 1);
	fx_advance(f, 1);
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_TCP), 0);
	assert_int_equal(inp_pcb_lookup(f->vnet, INP_PROTO_TCP,
	                                (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst,
	                                INP_LOOKUP_RLOCKPCB, NULL, &out, NULL),
	                 -ENOENT);
}

/* ---- LC-20 ------------------------------------------------------------------ */

static void test_lc20_second_free_refused(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_UDP);
	struct inp_pcb *p = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "p",
	                             "0.0.0.0", 6203, 0);
	uint64_t gen;

	pcb_wlock(p);
	pcb_ref(p);                              /* keeps the memory */
	pcb_free(p);                             /* unlocks */
	assert_true(p->flags & INP_F_FREED);
	assert_int_equal(info->count, 0);
	gen = info->gencnt;
	assert_int_equal(p->gencnt, gen);

	pcb_wlock(p);
	pcb_free(p);                             /* refused, but unlocks */
	assert_true(pcb_trywlock(p));
	pcb_unlock(p);
	assert_int_equal(info->count, 0);        /* not counted twice */
	assert_int_equal(info->gencnt, gen);     /* no second generation */
	assert_int_equal(refs(p), 1);
	pcb_wlock(p);
	assert_true(pcb_rele_wlocked(p));        /* gone: reclaimed */
}

/* ---- LC-26 ------------------------------------------------------------------ */

static void test_lc26_what_a_listing_holds(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *u = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "unbound");
	struct inp_pcb *b = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "bound",
	                             "0.0.0.0", 6204, 0);
	struct inp_pcb *d = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "dropped",
	                             "0.0.0.0", 6205, 0);
	struct inp_pcb *x = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "freed",
	                             "0.0.0.0", 6206, 0);
	struct listing l;
	bool changed = false;

	pcb_wlock(d);
	pcb_drop(d);
	pcb_unlock(d);
	fx_free(x);
	memset(&l, 0, sizeof(l));
	l.alloc_during = f;
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_UDP, NULL, collect, &l,
	                              &changed), 3);
	assert_int_equal(listed(&l, "unbound"), INP_ST_UNBOUND);
	assert_int_equal(listed(&l, "bound"), INP_ST_BOUND);
	assert_int_equal(listed(&l, "dropped"), INP_ST_DROPPED);
	assert_int_equal(listed(&l, "freed"), -1);
	/* Created during the walk: after gen0, not listed; the trailer says
	 * the table changed. */
	assert_non_null(l.allocated);
	assert_int_equal(listed(&l, "late"), -1);
	assert_true(changed);
	fx_free_all(u, b, d, l.allocated);
}

/* ---- LC-28 ------------------------------------------------------------------ */

/*
 * Buckets of every table of every protocol for max_pcbs (0: default):
 * the exact table exact_b, the port-keyed ones (wild, port index, LB
 * groups) buckets.
 */
static void expect_buckets2(unsigned max_pcbs, uint32_t exact_b,
                            uint32_t buckets)
{
	struct inp_limits lim = { .max_pcbs = max_pcbs };
	struct fx_config cfg = { .vnet = "v", .limits = &lim };
	struct fx w;
	int proto;

	fx_init(&w, &cfg);
	for (proto = 0; proto < INP_NPROTO; proto++) {
		struct inp_pcbinfo *info = w.vnet->pcbinfo[proto];

		assert_non_null(info);
		assert_int_equal(info->proto, proto);
		assert_ptr_equal(info->vnet, w.vnet);
		assert_int_equal(info->count, 0);
		assert_int_equal(info->gencnt, 0);
		assert_null(info->list);
		assert_int_equal(info->exact.mask + 1, exact_b);
		assert_int_equal(info->wild.mask + 1, buckets);
		assert_int_equal(info->porthash.mask + 1, buckets);
	}
	fx_fini(&w);
}

static void expect_buckets(unsigned max_pcbs, uint32_t buckets)
{
	expect_buckets2(max_pcbs, buckets, buckets);
}

static void test_lc28_one_routine_sizes_every_table(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info = NULL;

	/* Port-keyed tables: hashinit(), the largest power of two not above
	 * the element count, at least 64 buckets, at most 65536.  The exact
	 * table: the smallest power of two not below it, at most 2^23, so
	 * that a full table has at most one PCB per bucket on average
	 * (docs/architecture.md). */
	expect_buckets(0, 65536);                /* default max_pcbs 65536 */
	expect_buckets2(1000, 1024, 512);
	expect_buckets(1024, 1024);
	expect_buckets(10, 64);
	expect_buckets2(1u << 20, 1u << 20, 65536);
	expect_buckets2((1u << 20) + 4096, 1u << 21, 65536);
	assert_int_equal(pcb_exact_buckets(4u << 20), 4u << 20);
	assert_int_equal(pcb_exact_buckets((4u << 20) + 1), 8u << 20);
	assert_int_equal(pcb_exact_buckets(100u << 20), 1u << 23);
	assert_int_equal(pcb_port_buckets(4u << 20), 65536);
	assert_int_equal(pcbinfo_create(NULL, INP_PROTO_UDP, &info), -EINVAL);
	assert_int_equal(pcbinfo_create(f->vnet, (enum inp_proto)7, &info),
	                 -EINVAL);
	assert_int_equal(pcbinfo_create(f->vnet, INP_PROTO_TCP, NULL), -EINVAL);
	assert_null(info);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lc1_alloc_inputs),
		T(test_lc5_attach_defaults),
		T(test_lc6_detach_only_the_association),
		T(test_lc7_socketless_pcb_is_no_receiver),
		T(test_lc12_drop_leaves_group_keeps_socket),
		T(test_lc17_timewait_outlives_its_socket),
		T(test_lc20_second_free_refused),
		T(test_lc26_what_a_listing_holds),
		T(test_lc28_one_routine_sizes_every_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
