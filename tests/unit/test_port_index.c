/*
 * test_port_index.c - the ephemeral allocator's occupancy index (issue 3
 * item 5; src/pcb/portmap.c, src/pcb/port_index.c): the two-level bitmap,
 * what the index records and forgets, and the promise that matters: the
 * allocator picks exactly the port (and leaves exactly the cursor) that
 * FreeBSD's plain walk of P5 would, which a small reference walk kept here
 * checks over randomised tables.  Also the allocator counters.
 */
#include "pcb_fixture.h"

/* ---- the bitmap ------------------------------------------------------ */

static struct portmap *map_full(void)
{
	struct portmap *m = portmap_new();
	unsigned p;

	assert_non_null(m);
	for (p = 0; p < 65536; p++)
		portmap_set(m, (uint16_t)p);
	return m;
}

static long next1(const struct portmap *m, unsigned from, unsigned to)
{
	return portmap_next_clear(&m, 1, from, to);
}

static void test_map_set_clear_find(void **state)
{
	struct portmap *m = portmap_new();

	(void)state;
	assert_int_equal(next1(m, 0, 65535), 0);
	portmap_set(m, 0);
	portmap_set(m, 1);
	portmap_set(m, 3);
	assert_true(portmap_test(m, 1));
	assert_false(portmap_test(m, 2));
	assert_int_equal(next1(m, 0, 65535), 2);
	assert_int_equal(next1(m, 3, 65535), 4);
	assert_int_equal(next1(m, 3, 3), -1);          /* [from, to] only */
	portmap_clear(m, 1);
	assert_int_equal(next1(m, 0, 65535), 1);
	assert_int_equal(next1(m, 9, 8), -1);          /* empty interval */
	free(m);
}

/* A full range has no free port; one free port is found wherever it is. */
static void test_map_one_free_port_anywhere(void **state)
{
	struct portmap *m = map_full();
	unsigned p;

	(void)state;
	assert_int_equal(next1(m, 0, 65535), -1);
	for (p = 0; p < 65536; p++) {
		portmap_clear(m, (uint16_t)p);
		assert_int_equal(next1(m, 0, 65535), (long)p);
		assert_int_equal(next1(m, p, p), (long)p);
		if (p < 65535)
			assert_int_equal(next1(m, p + 1, 65535), -1);
		if (p > 0)
			assert_int_equal(next1(m, 0, p - 1), -1);
		portmap_set(m, (uint16_t)p);
	}
	free(m);
}

/* The union of maps: a port is open only when clear in all of them. */
static void test_map_union(void **state)
{
	struct portmap *a = portmap_new(), *b = portmap_new();
	const struct portmap *both[3] = { a, NULL, b };
	unsigned p;

	(void)state;
	for (p = 0; p < 65536; p++)
		portmap_set(p % 2 ? a : b, (uint16_t)p);
	assert_int_equal(portmap_next_clear(both, 3, 0, 65535), -1);
	portmap_clear(b, 40000);
	assert_int_equal(portmap_next_clear(both, 3, 0, 65535), 40000);
	assert_int_equal(portmap_next_clear(both, 3, 40001, 65535), -1);
	/* A full word in one map is skipped through its summary. */
	for (p = 0; p < 64 * 100; p++)
		portmap_set(a, (uint16_t)p);
	assert_int_equal(portmap_next_clear(both, 3, 10, 65535), 40000);
	free(a);
	free(b);
}

/* ---- what the index records ------------------------------------------ */

static union inp_addr any_addr(void)
{
	union inp_addr a;

	memset(&a, 0, sizeof(a));
	return a;
}

/* Is port taken for a bind-style best-fit allocation at laddr (root)? */
static bool bind_skips(struct fx *f, const char *laddr, uint16_t port)
{
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_UDP);
	union inp_addr la = fx_addr(laddr);
	struct port_skip s;
	bool taken = false;
	unsigned i;

	hash_wlock(info);
	port_skip_bind(info, AF_INET, &la, true, false, f->host->root_cred,
	               &s);
	for (i = 0; i < s.n; i++)
		taken |= portmap_test(s.maps[i], port);
	hash_unlock(info);
	return taken;
}

/* SO_REUSEPORT sharers: the port stays known taken until the last goes. */
static void test_index_tracks_bound_pcbs(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *a, *b, *c;

	assert_false(bind_skips(f, "192.0.2.10", 7000));
	a = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "a", "192.0.2.10", 7000,
	             INP_REUSEPORT);
	b = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "b", "192.0.2.10", 7000,
	             INP_REUSEPORT);
	c = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "c", "0.0.0.0", 7001, 0);
	assert_true(bind_skips(f, "192.0.2.10", 7000));
	assert_true(bind_skips(f, "0.0.0.0", 7000));     /* all[] */
	assert_false(bind_skips(f, "192.0.2.11", 7000)); /* another address */
	assert_true(bind_skips(f, "192.0.2.11", 7001));  /* the wildcard */
	fx_free(a);
	assert_true(bind_skips(f, "192.0.2.10", 7000));  /* b still has it */
	fx_free(b);
	assert_false(bind_skips(f, "192.0.2.10", 7000));
	assert_false(bind_skips(f, "0.0.0.0", 7000));
	fx_free(c);
	assert_false(bind_skips(f, "192.0.2.11", 7001));
}

/* A connection blocks only its own 4-tuple: not in the local maps. */
static void test_index_leaves_connections_out(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "p");

	assert_int_equal(fx_insert(p, "192.0.2.10", 7000, "198.51.100.7", 53,
	                           0), 0);
	assert_false(bind_skips(f, "192.0.2.10", 7000));
	fx_free(p);
}

/* A jailed PCB's conflicts depend on the asker: never recorded. */
static void test_index_leaves_jailed_out(void **state)
{
	struct fx *f = *state;
	struct inp_jail *j = fx_jail(f, "web", "192.0.2.11", "inherit");
	struct inp_cred *c = fx_cred(f, 0, j);
	struct inp_pcb *p = fx_bound(f, INP_PROTO_UDP, AF_INET, c, "p",
	                             "192.0.2.11", 7000, 0);

	assert_false(bind_skips(f, "192.0.2.11", 7000));
	fx_free(p);
	inp_cred_rele(c);
	assert_int_equal(inp_jail_remove(j), 0);
}

/* ---- candidate order: the index against FreeBSD's plain walk --------- */

#define LO 20000
#define HI 20255
#define MAXP 1024

struct world {
	struct fx *f;
	struct inp_pcb *pcbs[MAXP];
	unsigned n;
	uint32_t rng;
};

static uint32_t rnd(struct world *w, uint32_t n)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 17;
	w->rng ^= w->rng << 5;
	return w->rng % n;
}

static const char *const laddrs[] = { "192.0.2.10", "192.0.2.11",
                                      "0.0.0.0" };
static const char *const faddrs[] = { "198.51.100.7", "198.51.100.8" };

static void world_add(struct world *w, struct inp_pcb *p)
{
	assert_true(w->n < MAXP);
	w->pcbs[w->n++] = p;
}

/* One port's occupant(s), drawn at random. */
static void world_port(struct world *w, uint16_t port)
{
	struct fx *f = w->f;
	struct inp_pcb *p;
	uint32_t k = rnd(w, 100);

	if (k < 35) {                           /* a connection */
		p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "c");
		assert_int_equal(fx_insert(p, laddrs[rnd(w, 2)], port,
		                           faddrs[rnd(w, 2)], 53, 0), 0);
	} else if (k < 55) {                    /* bound, maybe shared */
		p = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "b",
		             laddrs[rnd(w, 3)], port, INP_REUSEPORT);
		if (k < 40)
			world_add(w, fx_bound(f, INP_PROTO_UDP, AF_INET, NULL,
			                      "s", IA4(p->laddr).s_addr ?
			                      "192.0.2.10" : "0.0.0.0",
			                      port, INP_REUSEPORT));
	} else if (k < 60) {                    /* dual-stack '::' */
		p = fx_v6pcb(f, INP_PROTO_UDP, "d", INP_V_IPV4 | INP_V_IPV6,
		             "::", port, NULL, 0);
	} else if (k < 63) {                    /* IPv6 only */
		p = fx_v6pcb(f, INP_PROTO_UDP, "6", INP_V_IPV6,
		             "2001:db8::1", port, NULL, 0);
	} else {
		return;
	}
	world_add(w, p);
}

static void world_build(struct world *w)
{
	unsigned port, i;

	for (port = LO; port <= HI; port++)
		world_port(w, (uint16_t)port);
	/* Close a fifth again: the index must forget exactly those. */
	for (i = 0; i < w->n; i++)
		if (rnd(w, 5) == 0) {
			fx_free(w->pcbs[i]);
			w->pcbs[i] = w->pcbs[--w->n];
		}
}

static void world_free(struct world *w)
{
	while (w->n > 0)
		fx_free(w->pcbs[--w->n]);
}

/* One allocation: bind-style (faddr NULL) or connect-style. */
struct alloc {
	int af;
	union inp_addr laddr, faddr;
	bool connect, bestfit;
};

/* FreeBSD's P6 / P7 test, as pcb_port.c did it before the index. */
static bool ref_taken(struct inp_pcb *p, const struct alloc *a,
                      uint16_t port)
{
	static const union inp_addr any;
	struct inp_pcbinfo *info = p->info;
	struct inp_cred *cred = p->cred;

	if (a->connect)
		return pcb_lookup_hash(info, a->af, &a->faddr, htons(53),
		                       &a->laddr, htons(port), true,
		                       NULL) != NULL;
	if (pcb_lookup_local(info, a->af, &a->laddr, htons(port), a->bestfit,
	                     cred) != NULL)
		return true;
	return a->af == AF_INET6 && (p->vflag & INP_V_IPV4) &&
	       (p->vflag & INP_V_IPV6) &&
	       pcb_lookup_local(info, AF_INET, &any, htons(port), a->bestfit,
	                        cred) != NULL;
}

/* P5 as a plain loop: every candidate tested, in order. */
static int ref_walk(struct inp_pcb *p, const struct alloc *a,
                    uint16_t *cursor, uint16_t *found, uint64_t *tries)
{
	uint16_t cur = *cursor;
	uint32_t n = HI - LO + 1;

	while (n-- > 0) {
		cur++;
		if (cur < LO || cur > HI)
			cur = LO;
		(*tries)++;
		if (!ref_taken(p, a, cur)) {
			*cursor = *found = cur;
			return 0;
		}
	}
	*cursor = cur;
	return -EADDRNOTAVAIL;
}

static void alloc_draw(struct world *w, struct inp_pcb *p, struct alloc *a)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET;
	a->connect = rnd(w, 2) == 0;
	a->bestfit = a->connect || rnd(w, 4) != 0;
	a->laddr = fx_addr(laddrs[rnd(w, a->connect ? 2 : 3)]);
	a->faddr = fx_addr(faddrs[rnd(w, 2)]);
	if (!a->connect && p->family == AF_INET6) {
		a->af = AF_INET6;
		a->laddr = any_addr();
	}
}

/*
 * The allocator and the reference from the same cursor: same port, same
 * error, same cursor afterwards; tested + skipped equals the tries.
 */
static void check_one(struct world *w, struct inp_pcb *p)
{
	struct inp_pcbinfo *info = p->info;
	struct inp_portstat before, after;
	uint16_t start = (uint16_t)(LO - 3 + rnd(w, HI - LO + 6));
	uint16_t cref = start, fref = 0, got = 0;
	uint64_t tries = 0;
	struct alloc a;
	int rref, rc;

	alloc_draw(w, p, &a);
	assert_int_equal(inp_port_stats(w->f->vnet, INP_PROTO_UDP, &before),
	                 0);
	hash_wlock(info);
	rref = ref_walk(p, &a, &cref, &fref, &tries);
	info->cursor_def = start;
	rc = pcb_lport(p, a.af, &a.laddr, a.connect ? &a.faddr : NULL,
	               htons(53), &got, p->cred, a.bestfit, NULL);
	assert_int_equal(rc, rref);
	if (rc == 0)
		assert_int_equal(ntohs(got), fref);
	assert_int_equal(info->cursor_def, cref);
	hash_unlock(info);
	assert_int_equal(inp_port_stats(w->f->vnet, INP_PROTO_UDP, &after),
	                 0);
	assert_int_equal(after.allocs - before.allocs, 1);
	assert_int_equal(after.failures - before.failures, rc != 0);
	assert_int_equal((after.tested - before.tested) +
	                 (after.skipped - before.skipped), tries);
}

/* Sometimes keep the connection made, so new ones meet learned maps. */
static void maybe_commit(struct world *w, struct inp_pcb *p)
{
	struct inp_pcbinfo *info = p->info;
	union inp_addr la = fx_addr("192.0.2.10"), fa = fx_addr(faddrs[0]);
	uint16_t port;
	int rc;

	if (rnd(w, 3) != 0)
		return;
	hash_wlock(info);
	rc = pcb_lport(p, AF_INET, &la, &fa, htons(53), &port, p->cred, true,
	               NULL);
	hash_unlock(info);
	if (rc != 0)
		return;
	assert_int_equal(fx_insert(p, "192.0.2.10", ntohs(port),
	                           faddrs[0], 53, 0), 0);
}

static void test_order_matches_plain_walk(void **state)
{
	struct fx *f = *state;
	struct world *w = calloc(1, sizeof(*w));
	struct inp_pcb *p;
	unsigned trial, k;

	assert_non_null(w);
	w->f = f;
	w->rng = 0x2545F491u;
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.randomized", 0);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.first", LO);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.last", HI);
	for (trial = 0; trial < 12; trial++) {
		world_build(w);
		for (k = 0; k < 40; k++) {
			p = rnd(w, 4) == 0 ?
			    fx_alloc6(f, INP_PROTO_UDP, "n6",
			              INP_V_IPV4 | INP_V_IPV6) :
			    fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "n");
			pcb_wlock(p);
			check_one(w, p);
			pcb_unlock(p);
			if (p->family == AF_INET)
				maybe_commit(w, p);
			if (p->flags & INP_F_INHASHLIST)
				world_add(w, p);
			else
				fx_free(p);
		}
		world_free(w);
	}
	free(w);
}

/* A full range fails after counting every port once. */
static void test_exhaustion_counted(void **state)
{
	struct fx *f = *state;
	struct world w = { .f = f };
	struct inp_pcb *p;
	struct inp_portstat st;
	unsigned port;

	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.first", LO);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.last", LO + 63);
	for (port = LO; port <= LO + 63; port++)
		world_add(&w, fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "b",
		                       "0.0.0.0", (uint16_t)port, 0));
	p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "n");
	pcb_wlock(p);
	{
		union inp_addr any = any_addr();
		uint16_t got;

		hash_wlock(p->info);
		assert_int_equal(pcb_lport(p, AF_INET, &any, NULL, 0, &got,
		                           p->cred, true, NULL),
		                 -EADDRNOTAVAIL);
		hash_unlock(p->info);
	}
	pcb_unlock(p);
	assert_int_equal(inp_port_stats(f->vnet, INP_PROTO_UDP, &st), 0);
	assert_int_equal(st.allocs, 1);
	assert_int_equal(st.failures, 1);
	assert_int_equal(st.tested, 0);         /* the index knew them all */
	assert_int_equal(st.skipped, 64);
	assert_int_equal(inp_port_stats(NULL, INP_PROTO_UDP, &st), -EINVAL);
	assert_int_equal(inp_port_stats(f->vnet, (enum inp_proto)7, &st),
	                 -EINVAL);
	fx_free(p);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_set_clear_find),
		cmocka_unit_test(test_map_one_free_port_anywhere),
		cmocka_unit_test(test_map_union),
		PCB_TEST(test_index_tracks_bound_pcbs),
		PCB_TEST(test_index_leaves_connections_out),
		PCB_TEST(test_index_leaves_jailed_out),
		PCB_TEST(test_order_matches_plain_walk),
		PCB_TEST(test_exhaustion_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
