/*
 * test_refcount.c - PCB lifecycle and reference counting: allocation
 * (LC-3, LC-4), the seed release semantics (RC-6, RC-9, RC-11), the
 * INP_FREED race of section 2.3 replayed step by step, drop (LC-12),
 * TIME_WAIT (LC-16..LC-18), the generation-checked listing (LC-25) and
 * invariants 4, 5, 9, 11, 12 and 13.
 */

#include "pcb_fixture.h"

/* Is the PCB lock held by anyone (in any mode)? */
static bool pcb_is_locked(struct inp_pcb *p)
{
	if (!pcb_trywlock(p))
		return true;
	pcb_unlock(p);
	return false;
}

/* noinline: GCC 12 + ASan misreport atomic loads here (stringop-overflow) */
__attribute__((noinline)) static unsigned refs(struct inp_pcb *p)
{
	return atomic_load(&p->refcount);
}

static unsigned cred_refs(struct inp_cred *c)
{
	return atomic_load(&c->refcount);
}

/* Invariant 11: count equals the list length; 12: generations. */
static void check_list(struct inp_pcbinfo *info)
{
	struct inp_pcb *p, *q;
	unsigned n = 0;

	pthread_mutex_lock(&info->list_lock);
	for (p = info->list; p != NULL; p = p->list_next) {
		n++;
		assert_true(p->gencnt <= info->gencnt);
		assert_false(p->flags & INP_F_FREED);          /* inv. 5 */
		if (p->list_next != NULL)   /* head insertion: newest first */
			assert_true(p->gencnt > p->list_next->gencnt);
		for (q = p->list_next; q != NULL; q = q->list_next)
			assert_true(p->gencnt != q->gencnt);
	}
	assert_int_equal(n, info->count);
	pthread_mutex_unlock(&info->list_lock);
}

static void test_alloc_initial_state(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_UDP);
	struct inp_pcb *p = NULL, *q = NULL;
	uint64_t gen = info->gencnt;

	assert_int_equal(pcb_alloc(info, AF_INET, f->host->root_cred, NULL,
	                           &p), 0);
	assert_true(pcb_is_locked(p));                 /* LC-4: write-locked */
	assert_int_equal(refs(p), 1);                  /* attachment ref */
	assert_int_equal(p->vflag, INP_V_IPV4);
	assert_false(p->flags & INP_F_INHASHLIST);
	assert_int_equal(p->lport, 0);
	assert_int_equal(p->ip_ttl, 64);
	assert_true(p->gencnt == gen + 1 && info->gencnt == gen + 1);
	assert_ptr_equal(info->list, p);
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_UDP), 1);
	pcb_unlock(p);

	/* FreeBSD's default v6only=1: an AF_INET6 PCB speaks IPv6 only. */
	q = fx_alloc(f, INP_PROTO_UDP, AF_INET6, NULL, "six");
	assert_int_equal(q->vflag, INP_V_IPV6 | INP_V_IPV6PROTO);
	assert_true(q->flags & INP_F_V6ONLY);
	fx_free(q);
	assert_int_equal(inp_sysctl_set(f->vnet, "net.inet6.ip6.v6only", 0), 0);
	q = fx_alloc(f, INP_PROTO_UDP, AF_INET6, NULL, "dual");
	assert_int_equal(q->vflag,
	                 INP_V_IPV4 | INP_V_IPV6 | INP_V_IPV6PROTO);
	assert_false(q->flags & INP_F_V6ONLY);
	fx_free(q);

	check_list(info);
	fx_free(p);
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_UDP), 0);
}

static void test_alloc_limit(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_TCP);
	unsigned saved = f->host->limits.max_pcbs;
	struct inp_pcb *a, *b = NULL;

	f->host->limits.max_pcbs = 1;
	a = fx_alloc(f, INP_PROTO_TCP, AF_INET, NULL, "a");
	assert_int_equal(pcb_alloc(info, AF_INET, f->host->root_cred, NULL,
	                           &b), -ENOBUFS);
	assert_null(b);
	assert_int_equal(info->count, 1);              /* nothing linked */
	f->host->limits.max_pcbs = saved;
	fx_free(a);
}

/* RC-6 "valid": not the last reference, the lock stays with the caller. */
static void test_rele_not_last_keeps_lock(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "a");

	pcb_wlock(p);
	inp_pcb_ref(p);
	assert_int_equal(refs(p), 2);
	assert_false(inp_pcb_rele_wlocked(p));
	assert_int_equal(refs(p), 1);
	assert_true(pcb_is_locked(p));
	pcb_unlock(p);

	inp_pcb_rlock(p);
	inp_pcb_ref(p);
	assert_false(inp_pcb_rele_rlocked(p));
	assert_true(pcb_is_locked(p));
	assert_int_equal(refs(p), 1);
	inp_pcb_runlock(p);
	assert_false(pcb_is_locked(p));
	fx_free(p);
}

/* A release without a matching reference never frees a live PCB. */
static void test_rele_never_drops_attachment(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "a");

	pcb_rlock(p);
	assert_false(pcb_rele_rlocked(p));
	assert_int_equal(refs(p), 1);                  /* inv. 9 */
	assert_true(pcb_is_locked(p));
	pcb_unlock(p);
	fx_free(p);
}

/*
 * Section 2.3, one thread playing A, B and C.  a_write / b_write choose
 * the release variant of each reader; first_a chooses who releases first.
 */
static void replay_freed_race(struct fx *f, bool a_write, bool b_write,
                              bool first_a)
{
	struct inp_cred *c = fx_cred(f, 1001, NULL);
	unsigned c0 = cred_refs(c);
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_UDP);
	struct inp_pcb *p = fx_bound(f, INP_PROTO_UDP, AF_INET, c, "x",
	                             "192.0.2.10", 5000, 0);
	struct inp_explain why;
	bool w1 = first_a ? a_write : b_write;
	bool w2 = first_a ? b_write : a_write;

	assert_int_equal(cred_refs(c), c0 + 1);        /* LC-3: cred held */
	/* steps 1-3: both readers find it under the hash lock and ref it */
	hash_rlock(info);
	pcb_ref(p);
	pcb_ref(p);
	hash_unlock(info);
	assert_int_equal(refs(p), 3);

	/* steps 4-5: C closes it */
	pcb_wlock(p);
	pcb_free(p);
	assert_int_equal(refs(p), 2);
	assert_true(p->flags & INP_F_FREED);
	assert_false(p->flags & INP_F_INHASHLIST);    /* inv. 5 */
	assert_null(p->socket);
	assert_int_equal(p->gencnt, info->gencnt);     /* inv. 13 */
	assert_int_equal(info->count, 0);
	assert_null(info->list);
	assert_false(pcb_is_locked(p));
	assert_null(fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                      "192.0.2.10", 5000, true, &why));
	check_list(info);

	/* step 6: the first reader gets "gone", not a torn-down PCB */
	if (w1) {
		pcb_wlock(p);
		assert_true(pcb_rele_wlocked(p));
	} else {
		pcb_rlock(p);
		assert_true(pcb_rele_rlocked(p));
	}
	assert_int_equal(refs(p), 1);
	assert_false(pcb_is_locked(p));                /* callee unlocked */
	assert_int_equal(cred_refs(c), c0 + 1);        /* not reclaimed yet */

	/* step 7: the second one drops the last reference and reclaims */
	if (w2) {
		pcb_wlock(p);
		assert_true(pcb_rele_wlocked(p));
	} else {
		pcb_rlock(p);
		assert_true(pcb_rele_rlocked(p));
	}
	assert_int_equal(cred_refs(c), c0);            /* LC-22: released */
	inp_cred_rele(c);
}

static void test_freed_race_readers(void **state)
{
	replay_freed_race(*state, false, false, true);
	replay_freed_race(*state, false, false, false);
}

static void test_freed_race_writers(void **state)
{
	replay_freed_race(*state, true, true, true);
}

static void test_freed_race_mixed(void **state)
{
	replay_freed_race(*state, false, true, true);
	replay_freed_race(*state, true, false, true);
}

/* LC-21: without other references, free reclaims at once. */
static void test_free_last_reference(void **state)
{
	struct fx *f = *state;
	struct inp_cred *c = fx_cred(f, 1001, NULL);
	unsigned c0 = cred_refs(c);
	struct inp_pcb *p = fx_bound(f, INP_PROTO_TCP, AF_INET, c, "x",
	                             "192.0.2.10", 80, 0);

	fx_free(p);
	assert_int_equal(cred_refs(c), c0);
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_TCP), 0);
	inp_cred_rele(c);
}

/* LC-12, LC-15, LC-14, invariant 4. */
static void test_drop(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *p = fx_alloc(f, INP_PROTO_TCP, AF_INET, NULL, "c");
	struct inp_pcb *out = NULL;
	struct sockaddr_in src = fx_sin4("198.51.100.1", 1000);
	struct sockaddr_in dst = fx_sin4("192.0.2.10", 80);
	struct inp_explain why;

	assert_int_equal(fx_insert(p, "192.0.2.10", 80, "198.51.100.1", 1000,
	                           0), 0);
	assert_int_equal(inp_pcb_lookup(f->vnet, INP_PROTO_TCP,
	                                (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst,
	                                INP_LOOKUP_WLOCKPCB, NULL, &out, &why),
	                 0);
	assert_ptr_equal(out, p);
	assert_string_equal(why.rule, "L1");
	pcb_drop(p);                     /* we hold the write lock */
	assert_true(p->flags & INP_F_DROPPED);
	assert_false(p->flags & INP_F_INHASHLIST);
	assert_int_equal(ntohs(p->lport), 80);         /* tuple kept */
	assert_true(pcb_has_faddr(p));
	pcb_drop(p);                                   /* harmless */
	assert_true(p->flags & INP_F_DROPPED);
	inp_pcb_wunlock(p);
	assert_int_equal(inp_pcb_lookup(f->vnet, INP_PROTO_TCP,
	                                (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst,
	                                INP_LOOKUP_RLOCKPCB, NULL, &out, NULL),
	                 -ENOENT);
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_TCP), 1);
	fx_free(p);
}

/* Invariants 7 and 8: lock modes and flag validation of the lookup. */
static void test_lookup_lock_modes(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *p = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "a",
	                             "0.0.0.0", 53, 0);
	struct inp_pcb *out = (struct inp_pcb *)0x1;
	struct sockaddr_in src = fx_sin4("198.51.100.1", 9);
	struct sockaddr_in dst = fx_sin4("192.0.2.10", 53);
	struct sockaddr_in6 dst6 = { .sin6_family = AF_INET6 };
	const unsigned bad[] = {
		0, INP_LOOKUP_WILDCARD,
		INP_LOOKUP_RLOCKPCB | INP_LOOKUP_WLOCKPCB,
		INP_LOOKUP_RLOCKPCB | 0x80,
	};
	unsigned i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(inp_pcb_lookup(f->vnet, INP_PROTO_UDP,
		                                (struct sockaddr *)&src,
		                                (struct sockaddr *)&dst, bad[i],
		                                NULL, &out, NULL), -EINVAL);
	assert_ptr_equal(out, (struct inp_pcb *)0x1);  /* nothing changed */
	assert_int_equal(inp_pcb_lookup(f->vnet, INP_PROTO_UDP,
	                                (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst6,
	                                INP_LOOKUP_RLOCKPCB, NULL, &out, NULL),
	                 -EINVAL);
	assert_int_equal(inp_pcb_lookup(f->vnet, (enum inp_proto)7,
	                                (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst,
	                                INP_LOOKUP_RLOCKPCB, NULL, &out, NULL),
	                 -EINVAL);
	/* L2: a wildcard PCB needs INP_LOOKUP_WILDCARD */
	assert_int_equal(inp_pcb_lookup(f->vnet, INP_PROTO_UDP,
	                                (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst,
	                                INP_LOOKUP_RLOCKPCB, NULL, &out, NULL),
	                 -ENOENT);

	assert_int_equal(inp_pcb_lookup(f->vnet, INP_PROTO_UDP,
	                                (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst,
	                                INP_LOOKUP_WILDCARD |
	                                INP_LOOKUP_RLOCKPCB, NULL, &out, NULL),
	                 0);
	assert_ptr_equal(out, p);
	/* read-locked: another reader may enter, a writer may not */
	assert_true(pcb_tryrlock(p));
	pcb_unlock(p);
	assert_true(pcb_is_locked(p));
	assert_int_equal(refs(p), 1);      /* the lookup's reference is gone */
	inp_pcb_runlock(p);

	assert_int_equal(inp_pcb_lookup(f->vnet, INP_PROTO_UDP,
	                                (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst,
	                                INP_LOOKUP_WILDCARD |
	                                INP_LOOKUP_WLOCKPCB, NULL, &out, NULL),
	                 0);
	assert_false(pcb_tryrlock(p));
	inp_pcb_wunlock(p);
	assert_false(pcb_is_locked(p));
	fx_free(p);
}

/* LC-16..LC-18 with the injected clock. */
static void test_timewait_expiry(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_TCP);
	struct inp_pcb *p = fx_alloc(f, INP_PROTO_TCP, AF_INET, NULL, "s");
	struct inp_pcb *q = fx_alloc(f, INP_PROTO_TCP, AF_INET, NULL, "k");
	uint64_t msl_ns = (uint64_t)f->vnet->sc.tcp_msl_ms * 1000000u;
	struct inp_sock *so = calloc(1, sizeof(*so));
	struct inp_explain why;

	assert_non_null(so);
	assert_true(msl_ns > 0);
	assert_int_equal(fx_insert(p, "192.0.2.10", 8200, "198.51.100.9",
	                           5555, INP_REUSEADDR), 0);
	assert_int_equal(fx_insert(q, "192.0.2.10", 8200, "198.51.100.9",
	                           5556, 0), 0);
	/* q keeps a (fake) socket: expiry only drops it (LC-18) */
	pcb_wlock(q);
	q->socket = so;
	so->pcb = q;
	pcb_timewait(q);
	pcb_unlock(q);

	pcb_wlock(p);
	pcb_timewait(p);
	assert_true(p->flags & INP_F_TIMEWAIT);
	assert_true(p->flags & INP_F_INHASHLIST);     /* stays hashed */
	assert_true(p->flags2 & INP_REUSEADDR);       /* cached flags kept */
	pcb_unlock(p);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "198.51.100.9", 5555,
	                           "192.0.2.10", 8200, false, &why), p);
	assert_string_equal(why.rule, "L1");

	pcbinfo_expire_timewait(info, f->now + 2 * msl_ns - 1);
	assert_int_equal(info->count, 2);
	assert_true(p->flags & INP_F_INHASHLIST);

	f->now += 2 * msl_ns;
	assert_int_equal(inp_host_run_timers(f->host), 0);
	assert_int_equal(info->count, 1);              /* p freed */
	assert_null(fx_lookup(f, INP_PROTO_TCP, "198.51.100.9", 5555,
	                      "192.0.2.10", 8200, true, &why));
	assert_true(q->flags & INP_F_DROPPED);
	assert_false(q->flags & INP_F_INHASHLIST);
	assert_ptr_equal(q->socket, so);
	pcbinfo_expire_timewait(info, f->now + 10 * msl_ns);   /* once only */
	assert_int_equal(info->count, 1);

	pcb_wlock(q);
	pcb_detach(q);
	assert_null(so->pcb);
	pcb_free(q);
	free(so);
	check_list(info);
}

struct list_ctx {
	unsigned calls;
	struct inp_pcb *victim;     /* freed during the first call */
	char labels[8][INP_LABEL_MAX];
};

static int list_cb(const struct inp_pcb_info *info, void *arg)
{
	struct list_ctx *c = arg;

	if (c->calls < 8)
		snprintf(c->labels[c->calls], INP_LABEL_MAX, "%s", info->label);
	c->calls++;
	if (c->victim != NULL) {
		fx_free(c->victim);
		c->victim = NULL;
	}
	return 0;
}

static int list_stop(const struct inp_pcb_info *info, void *arg)
{
	(void)info;
	(void)arg;
	return -42;
}

/* LC-25: generations, a free during the walk, visibility, early stop. */
static void test_listing(void **state)
{
	struct fx *f = *state;
	struct inp_jail *j = fx_jail(f, "web", "192.0.2.11", "inherit");
	struct inp_cred *jc = fx_cred(f, 0, j);
	struct inp_pcb *a = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "a");
	struct inp_pcb *b = fx_alloc(f, INP_PROTO_UDP, AF_INET, jc, "b");
	struct inp_pcb *c = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "c");
	struct list_ctx ctx;
	bool changed = true;

	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_UDP, NULL, list_cb,
	                              &ctx, &changed), 3);
	assert_false(changed);
	assert_string_equal(ctx.labels[0], "c");       /* newest first */
	assert_string_equal(ctx.labels[2], "a");

	/* a jailed viewer sees its jail's PCBs only */
	memset(&ctx, 0, sizeof(ctx));
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_UDP, jc, list_cb,
	                              &ctx, NULL), 1);
	assert_string_equal(ctx.labels[0], "b");
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_UDP,
	                              f->host->root_cred, list_stop, NULL,
	                              NULL), -42);

	/* a PCB freed during the walk is skipped; the trailer differs */
	memset(&ctx, 0, sizeof(ctx));
	ctx.victim = a;
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_UDP, NULL, list_cb,
	                              &ctx, &changed), 2);
	assert_true(changed);
	assert_int_equal(ctx.calls, 2);
	assert_int_equal(inp_pcb_list(f->vnet, INP_PROTO_UDP, NULL, NULL,
	                              NULL, NULL), -EINVAL);

	fx_free_all(b, c);
	inp_cred_rele(jc);
	assert_int_equal(inp_jail_remove(j), 0);
}

static void test_get_info_and_describe(void **state)
{
	struct fx *f = *state;
	struct inp_jail *j = fx_jail(f, "web", "192.0.2.11", "inherit");
	struct inp_cred *jc = fx_cred(f, 1001, j);
	struct inp_pcb *p = fx_alloc(f, INP_PROTO_TCP, AF_INET6, jc, "x");
	struct inp_pcb *m = fx_alloc6(f, INP_PROTO_UDP, "m", INP_V_IPV4);
	struct inp_pcb_info info;
	const struct sockaddr_in6 *l6;
	char buf[160], a[64];

	assert_int_equal(fx_insert(p, "::", 8400, "2001:db8::1", 1000, 0), 0);
	pcb_rlock(p);
	inp_pcb_get_info(p, &info);
	assert_string_equal(pcb_describe(p, buf, sizeof(buf)),
	                    "tcp6 'x' [::]:8400 -> [2001:db8::1]:1000 uid 1001 "
	                    "jail web");
	pcb_unlock(p);
	assert_int_equal(info.state, INP_ST_CONNECTED);
	assert_int_equal(info.family, AF_INET6);
	assert_int_equal(info.uid, 1001);
	assert_string_equal(info.jail, "web");
	assert_string_equal(info.label, "x");
	assert_true(info.flags & INP_F_INHASHLIST);

	/* an AF_INET6 socket's IPv4 PCB shows v4-mapped addresses */
	assert_int_equal(fx_insert(m, "192.0.2.10", 8600, NULL, 0, 0), 0);
	pcb_rlock(m);
	inp_pcb_get_info(m, &info);
	assert_string_equal(pcb_describe(m, buf, sizeof(buf)),
	                    "udp6 'm' [::ffff:192.0.2.10]:8600");
	pcb_unlock(m);
	l6 = (const struct sockaddr_in6 *)&info.local;
	assert_int_equal(l6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(l6->sin6_port), 8600);
	inet_ntop(AF_INET6, &l6->sin6_addr, a, sizeof(a));
	assert_string_equal(a, "::ffff:192.0.2.10");
	assert_int_equal(info.state, INP_ST_BOUND);
	assert_string_equal(info.jail, "");

	fx_free_all(p, m);
	inp_cred_rele(jc);
	assert_int_equal(inp_jail_remove(j), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCB_TEST(test_alloc_initial_state),
		PCB_TEST(test_alloc_limit),
		PCB_TEST(test_rele_not_last_keeps_lock),
		PCB_TEST(test_rele_never_drops_attachment),
		PCB_TEST(test_freed_race_readers),
		PCB_TEST(test_freed_race_writers),
		PCB_TEST(test_freed_race_mixed),
		PCB_TEST(test_free_last_reference),
		PCB_TEST(test_drop),
		PCB_TEST(test_lookup_lock_modes),
		PCB_TEST(test_timewait_expiry),
		PCB_TEST(test_listing),
		PCB_TEST(test_get_info_and_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
