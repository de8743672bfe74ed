/*
 * test_lookup_contract.c - what a lookup promises its caller (spec 3.2,
 * 2.4, src/pcb/pcb_lookup.c): LK-8 and invariant 7 (only the PCB lock is
 * held on return, nothing on failure), LK-10 (the locked variants return
 * bare pointers), L2 (without INP_LOOKUP_WILDCARD neither the groups nor
 * the wild phase run), RC-14 / RC-6 (a PCB dropped or freed while the
 * lookup waited for its lock is not returned; two threads), LL3 (packet
 * lookups never use lookup_local's bind-time view) and LB-9 (membership
 * changes remap unconnected flows only).
 */
#include "pcb_fixture.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#define LB INP_REUSEPORT_LB

/* noinline: GCC 12 + ASan misreport atomic loads here (stringop-overflow) */
__attribute__((noinline)) static unsigned refs(struct inp_pcb *p)
{
	return atomic_load(&p->refcount);
}

static bool pcb_lock_free(struct inp_pcb *p)
{
	if (!pcb_trywlock(p))
		return false;
	pcb_unlock(p);
	return true;
}

static bool hash_lock_free(struct inp_pcbinfo *info)
{
	if (pthread_mutex_trylock(&info->hash_lock) != 0)
		return false;
	pthread_mutex_unlock(&info->hash_lock);
	return true;
}

/* The public lookup of a packet src:sport -> dst:dport. */
static int lookup(struct fx *f, enum inp_proto proto, const char *src,
                  unsigned sport, const char *dst, unsigned dport,
                  unsigned flags, struct inp_pcb **out,
                  struct inp_explain *why)
{
	struct sockaddr_in s = fx_sin4(src, sport), d = fx_sin4(dst, dport);

	return inp_pcb_lookup(f->vnet, proto, (struct sockaddr *)&s,
	                      (struct sockaddr *)&d, flags, NULL, out, why);
}

/* ---- LK-8, invariant 7 ---------------------------------------------------- */

static void test_lk8_only_the_pcb_lock_is_held(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_UDP);
	struct inp_pcb *p = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "p",
	                             "0.0.0.0", 6000, 0);
	struct inp_pcb *out;

	/* Success: the PCB locked, the table's hash lock released. */
	assert_int_equal(lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                        "192.0.2.10", 6000,
	                        INP_LOOKUP_WILDCARD | INP_LOOKUP_WLOCKPCB, &out,
	                        NULL), 0);
	assert_ptr_equal(out, p);
	assert_false(pcb_lock_free(p));
	assert_true(hash_lock_free(info));
	assert_int_equal(refs(p), 1);
	inp_pcb_wunlock(out);
	/* Not found, and refused flags: nothing is left locked. */
	out = (struct inp_pcb *)0x1;
	assert_int_equal(lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                        "192.0.2.10", 6001,
	                        INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB, &out,
	                        NULL), -ENOENT);
	assert_null(out);
	assert_true(hash_lock_free(info));
	assert_true(pcb_lock_free(p));
	assert_int_equal(lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                        "192.0.2.10", 6000, INP_LOOKUP_WILDCARD, &out,
	                        NULL), -EINVAL);
	assert_true(hash_lock_free(info));
	assert_true(pcb_lock_free(p));
	assert_int_equal(refs(p), 1);
	fx_free(p);
}

/* ---- LK-10 ------------------------------------------------------------------ */

static void test_lk10_locked_variants_return_bare_pointers(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_UDP);
	struct inp_pcb *p = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "p",
	                             "192.0.2.10", 6002, 0);
	union inp_addr la = fx_addr("192.0.2.10"), fa = fx_addr("198.51.100.1");
	struct inp_pcb *got;

	hash_rlock(info);
	got = pcb_lookup_hash(info, AF_INET, &fa, htons(9), &la, htons(6002),
	                      true, NULL);
	assert_ptr_equal(got, p);
	got = pcb_lookup_local(info, AF_INET, &la, htons(6002), false,
	                       f->host->root_cred);
	assert_ptr_equal(got, p);
	/* No reference taken, no PCB lock, the caller's hash lock kept. */
	assert_int_equal(refs(p), 1);
	assert_true(pcb_lock_free(p));
	assert_false(hash_lock_free(info));
	hash_unlock(info);
	fx_free(p);
}

/* ---- L2 ---------------------------------------------------------------------- */

static void test_l2_without_wildcard_exact_only(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *g1, *g2, *w, *c, *out;
	struct inp_explain why;

	g1 = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "g1", "0.0.0.0", 6003,
	              LB);
	g2 = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "g2", "0.0.0.0", 6003,
	              LB);
	w = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "w", "192.0.2.10", 6004,
	             0);
	c = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "c");
	assert_int_equal(fx_insert(c, "192.0.2.10", 6003, "198.51.100.1", 1000,
	                           0), 0);

	/* The group and the wild PCB answer only wildcard lookups ... */
	assert_int_equal(lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                        "192.0.2.10", 6003,
	                        INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB, &out,
	                        &why), 0);
	assert_true(out == g1 || out == g2);
	assert_string_equal(why.rule, "G4");
	inp_pcb_runlock(out);
	assert_int_equal(lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                        "192.0.2.10", 6003, INP_LOOKUP_RLOCKPCB, &out,
	                        &why), -ENOENT);
	assert_string_equal(why.rule, "L2");
	assert_int_equal(lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                        "192.0.2.10", 6004, INP_LOOKUP_RLOCKPCB, &out,
	                        &why), -ENOENT);
	assert_string_equal(why.rule, "L2");
	/* ... the connected one answers both. */
	assert_int_equal(lookup(f, INP_PROTO_UDP, "198.51.100.1", 1000,
	                        "192.0.2.10", 6003, INP_LOOKUP_RLOCKPCB, &out,
	                        &why), 0);
	assert_ptr_equal(out, c);
	assert_string_equal(why.rule, "L1");
	inp_pcb_runlock(out);
	fx_free_all(g1, g2, w, c);
}

/* ---- RC-14 / RC-6: the PCB changes while the lookup waits ------------------ */

/* A lookup on another thread; no cmocka call there (it longjmps). */
struct waiter {
	struct inp_vnet *vnet;
	struct sockaddr_in src, dst;
	unsigned flags;
	int rc;
	struct inp_pcb *out;
	bool alive;               /* INP_FREED, INP_DROPPED clear when found */
	bool quiet;               /* no explanation: the lockless path */
	struct inp_explain why;
};

static void waiter_init(struct waiter *w, struct fx *f, unsigned flags)
{
	memset(w, 0, sizeof(*w));
	w->vnet = f->vnet;
	w->src = fx_sin4("198.51.100.1", 9);
	w->dst = fx_sin4("192.0.2.10", 6005);
	w->flags = flags;
}

static void *lookup_thread(void *arg)
{
	struct waiter *w = arg;

	inp_thread_register();
	w->rc = inp_pcb_lookup(w->vnet, INP_PROTO_UDP,
	                       (struct sockaddr *)&w->src,
	                       (struct sockaddr *)&w->dst, w->flags, NULL,
	                       &w->out, w->quiet ? NULL : &w->why);
	if (w->rc == 0) {
		/* Read the PCB while it is ours: it must be alive. */
		w->alive = !(w->out->flags & (INP_F_FREED | INP_F_DROPPED));
		if (w->flags & INP_LOOKUP_WLOCKPCB)
			inp_pcb_wunlock(w->out);
		else
			inp_pcb_runlock(w->out);
	}
	inp_thread_unregister();
	return NULL;
}

/*
 * Start a lookup for 6005 while we hold p's write lock, and return once
 * it holds its reference (it then waits for the lock, or is about to).
 */
static void start_waiter(struct inp_pcb *p, struct waiter *w, pthread_t *t)
{
	time_t deadline = time(NULL) + 10;

	assert_int_equal(pthread_create(t, NULL, lookup_thread, w), 0);
	while (refs(p) != 2) {
		if (time(NULL) > deadline)
			fail_msg("the lookup never referenced the PCB");
		sched_yield();
	}
}

static void test_rc14_changes_while_waiting(void **state)
{
	struct fx *f = *state;
	struct inp_cred *c = fx_cred(f, 1001, NULL);
	unsigned c0 = atomic_load(&c->refcount);
	struct inp_pcb *p;
	struct waiter w;
	pthread_t t;

	/* Nothing happens meanwhile: found, locked, reference released. */
	p = fx_bound(f, INP_PROTO_UDP, AF_INET, c, "p", "0.0.0.0", 6005, 0);
	waiter_init(&w, f, INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB);
	pcb_wlock(p);
	start_waiter(p, &w, &t);
	pcb_unlock(p);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rc, 0);
	assert_ptr_equal(w.out, p);
	assert_true(w.alive);
	assert_int_equal(refs(p), 1);

	/* Dropped meanwhile: not returned (RC-14), nothing left locked. */
	waiter_init(&w, f, INP_LOOKUP_WILDCARD | INP_LOOKUP_WLOCKPCB);
	pcb_wlock(p);
	start_waiter(p, &w, &t);
	pcb_drop(p);
	pcb_unlock(p);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rc, -ENOENT);
	assert_string_equal(w.why.rule, "RC-6");
	assert_int_equal(refs(p), 1);
	assert_true(pcb_lock_free(p));
	fx_free(p);
	assert_int_equal(atomic_load(&c->refcount), c0);

	/*
	 * Freed meanwhile (section 2.3): the lookup's release answers "gone"
	 * and, holding the last reference, reclaims the PCB (the credential
	 * goes back at that final release, LC-22).
	 */
	p = fx_bound(f, INP_PROTO_UDP, AF_INET, c, "q", "0.0.0.0", 6005, 0);
	assert_int_equal(atomic_load(&c->refcount), c0 + 1);
	waiter_init(&w, f, INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB);
	pcb_wlock(p);
	start_waiter(p, &w, &t);
	pcb_free(p);                       /* unlocks; one reference left */
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rc, -ENOENT);
	assert_null(w.out);
	assert_string_equal(w.why.rule, "RC-6");
	assert_int_equal(atomic_load(&c->refcount), c0);
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_UDP), 0);
	inp_cred_rele(c);
}

/*
 * RC-15 [modern]: the PCB the lookup found moves while the lookup waits
 * for its lock (here: it connects to another peer, so it no longer
 * answers the packet), and meanwhile a better answer appears (a socket
 * bound to the exact address).  The 2011 lookup returned the PCB it had
 * matched; the library re-checks it under the lock and finds the new one:
 * the lockless lookup (LK-13 re-check, then the serialised one) and the
 * serialised lookup an explanation asks for (its second search).
 */
static void rc15_round(struct fx *f, bool quiet)
{
	union inp_addr peer = fx_addr("198.51.100.2");
	struct inp_pcb *p, *q;
	struct waiter w;
	pthread_t t;

	p = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "p", "0.0.0.0", 6005, 0);
	waiter_init(&w, f, INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB);
	w.quiet = quiet;
	pcb_wlock(p);
	start_waiter(p, &w, &t);
	q = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "q", "192.0.2.10", 6005,
	             0);
	/* connect(p) to 198.51.100.2:53, as conn_commit moves a hashed PCB */
	hash_wlock(p->info);
	pcb_move_begin(p->info);
	pcb_addr_store(&p->faddr, &peer);
	PCB_STORE(p->fport, htons(53));
	pcb_rehash(p);
	pcb_move_end(p->info);
	hash_unlock(p->info);
	pcb_unlock(p);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rc, 0);
	assert_ptr_equal(w.out, q);
	assert_true(w.alive);
	assert_int_equal(refs(p), 1);          /* the lookup's reference went */
	fx_free_all(p, q);
}

static void test_rc15_moves_while_waiting(void **state)
{
	rc15_round(*state, true);
	rc15_round(*state, false);
}

/* ---- LL3 ---------------------------------------------------------------------- */

/*
 * lookup_local answers "who uses 192.0.2.10:6006" with a connected PCB
 * (best fit, cost 1); a packet from anyone but its peer matches nothing.
 */
static void test_ll3_packets_never_use_lookup_local(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_UDP);
	struct inp_pcb *c = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "c");
	union inp_addr la = fx_addr("192.0.2.10");
	struct inp_explain why;

	assert_int_equal(fx_insert(c, "192.0.2.10", 6006, "198.51.100.1", 53,
	                           0), 0);
	hash_rlock(info);
	assert_ptr_equal(pcb_lookup_local(info, AF_INET, &la, htons(6006), true,
	                                  f->host->root_cred), c);
	hash_unlock(info);
	assert_null(fx_lookup(f, INP_PROTO_UDP, "198.51.100.2", 53, "192.0.2.10",
	                      6006, true, &why));
	assert_string_equal(why.rule, "L4");
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", 53,
	                           "192.0.2.10", 6006, true, &why), c);
	fx_free(c);
}

/* ---- LB-9 ---------------------------------------------------------------------- */

static void test_lb9_only_unconnected_flows_move(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *m[3], *c, *before[64], *got;
	struct inp_explain why;
	unsigned k, moved = 0;

	c = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "c");
	assert_int_equal(fx_insert(c, "192.0.2.10", 6100, "198.51.100.1", 1000,
	                           0), 0);
	for (k = 0; k < 3; k++)
		m[k] = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "m", "0.0.0.0",
		                6100, LB);
	for (k = 0; k < 64; k++)
		before[k] = fx_lookup(f, INP_PROTO_UDP, "198.51.100.2",
		                      (uint16_t)(2000 + k), "192.0.2.10", 6100,
		                      true, &why);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", 1000,
	                           "192.0.2.10", 6100, true, &why), c);

	fx_free(m[0]);
	for (k = 0; k < 64; k++) {
		got = fx_lookup(f, INP_PROTO_UDP, "198.51.100.2",
		                (uint16_t)(2000 + k), "192.0.2.10", 6100, true,
		                &why);
		assert_true(got == m[1] || got == m[2]);
		moved += got != before[k];
	}
	assert_true(moved > 0);       /* the modulus changed: flows move */
	/* The connection is not a member: its flow stays where it was. */
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", 1000,
	                           "192.0.2.10", 6100, true, &why), c);
	assert_string_equal(why.rule, "L1");
	fx_free_all(m[1], m[2], c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCB_TEST(test_lk8_only_the_pcb_lock_is_held),
		PCB_TEST(test_lk10_locked_variants_return_bare_pointers),
		PCB_TEST(test_l2_without_wildcard_exact_only),
		PCB_TEST(test_rc14_changes_while_waiting),
		PCB_TEST(test_rc15_moves_while_waiting),
		PCB_TEST(test_ll3_packets_never_use_lookup_local),
		PCB_TEST(test_lb9_only_unconnected_flows_move),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
