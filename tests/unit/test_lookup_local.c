/*
 * test_lookup_local.c - the bind-time lookup (spec 5.5): LL1 exact mode,
 * LL2 best-fit costs and thresholds (the dual-stack +3, the IPv6 view),
 * "first examined wins" (newest first) and the J8 namespace filter.
 */

#include "pcb_fixture.h"

static struct inp_pcb *ll(struct fx *f, enum inp_proto proto, int af,
                          const char *laddr, uint16_t lport, bool wildcard,
                          struct inp_cred *cred)
{
	struct inp_pcbinfo *info = fx_info(f, proto);
	union inp_addr a = fx_addr(laddr);
	struct inp_pcb *t;

	if (cred == NULL)
		cred = f->host->root_cred;
	hash_rlock(info);
	t = pcb_lookup_local(info, af, &a, htons(lport), wildcard, cred);
	hash_unlock(info);
	return t;
}

/* LL1: only an unconnected PCB on exactly that address; * equals only *. */
static void test_exact_mode(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *w = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "w",
	                             "0.0.0.0", 5000, 0);
	struct inp_pcb *s = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "s");

	assert_null(ll(f, INP_PROTO_UDP, AF_INET, "192.0.2.10", 5000, false,
	               NULL));
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 5000, false,
	                    NULL), w);
	assert_null(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 5001, false,
	               NULL));
	/* a connected PCB is never an exact-mode answer */
	assert_int_equal(fx_insert(s, "192.0.2.10", 5000, "198.51.100.1", 53,
	                           0), 0);
	assert_null(ll(f, INP_PROTO_UDP, AF_INET, "192.0.2.10", 5000, false,
	               NULL));
	/* other protocol table, other family view: nothing */
	assert_null(ll(f, INP_PROTO_TCP, AF_INET, "0.0.0.0", 5000, false,
	               NULL));
	assert_null(ll(f, INP_PROTO_UDP, AF_INET6, "::", 5000, false, NULL));
	fx_free_all(w, s);
}

/* LL2 costs 0 and 1 in the IPv4 view, and the skip of another address. */
static void test_bestfit_costs(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *w, *s, *o;

	w = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "w", "0.0.0.0", 5000, 0);
	/* cost 1: PCB wildcard, request specific */
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "192.0.2.10", 5000,
	                    true, NULL), w);
	/* cost 0 beats it, whatever the age */
	s = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "s", "192.0.2.10", 5000,
	             0);
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "192.0.2.10", 5000,
	                    true, NULL), s);
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 5000, true,
	                    NULL), w);
	/* another specific address is skipped, not costed */
	o = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "o", "192.0.2.11", 5001,
	             0);
	assert_null(ll(f, INP_PROTO_UDP, AF_INET, "192.0.2.10", 5001, true,
	               NULL));
	/* cost 1: PCB specific, request wildcard */
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 5001, true,
	                    NULL), o);
	fx_free_all(w, s, o);
}

/* LL2 ties: first examined wins, and the port index is newest first. */
static void test_bestfit_tie_newest(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *w, *c;

	/* both cost 1 for 192.0.2.10: wildcard w, connected c on .10 */
	w = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "w", "0.0.0.0", 6000, 0);
	c = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "c");
	assert_int_equal(fx_insert(c, "192.0.2.10", 6000, "198.51.100.1", 53,
	                           0), 0);
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "192.0.2.10", 6000,
	                    true, NULL), c);
	fx_free(w);
	w = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "w2", "0.0.0.0", 6000,
	             0);
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "192.0.2.10", 6000,
	                    true, NULL), w);
	/* cost 2 (connected, request wildcard) loses to cost 0 */
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 6000, true,
	                    NULL), w);
	fx_free(w);
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 6000, true,
	                    NULL), c);
	fx_free(c);
}

/* The dual-stack +3 in the IPv4 view; no +3 and threshold 3 in IPv6. */
static void test_dualstack_cost(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *d, *w, *x;

	d = fx_v6pcb(f, INP_PROTO_UDP, "d", INP_V_IPV4 | INP_V_IPV6, "::",
	             8400, NULL, 0);
	/* cost 3 (alone): still found for 0.0.0.0, and 4 for a specific */
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 8400, true,
	                    NULL), d);
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "192.0.2.10", 8400,
	                    true, NULL), d);
	/* an AF_INET wildcard (cost 1 for .10, 0 for *) beats it */
	w = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "w", "0.0.0.0", 8400, 0);
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "192.0.2.10", 8400,
	                    true, NULL), w);
	fx_free(w);
	/* even a connected IPv4 PCB (cost 1) beats the dual-stack (3) */
	w = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "c");
	assert_int_equal(fx_insert(w, "0.0.0.0", 8400, "198.51.100.1", 53, 0),
	                 0);
	fx_free(d);
	d = fx_v6pcb(f, INP_PROTO_UDP, "d2", INP_V_IPV4 | INP_V_IPV6, "::",
	             8400, NULL, 0);
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 8400, true,
	                    NULL), w);
	/* IPv6 view: the dual-stack PCB costs 0 for :: */
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET6, "::", 8400, true,
	                    NULL), d);
	fx_free_all(w, d);

	/* the maximum IPv4 cost 5 is below the threshold 6 */
	x = fx_v6pcb(f, INP_PROTO_UDP, "x", INP_V_IPV4 | INP_V_IPV6,
	             "192.0.2.10", 8401, "198.51.100.1", 53);
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 8401, true,
	                    NULL), x);
	fx_free(x);
	/* the maximum IPv6 cost 2 is below the threshold 3 */
	x = fx_v6pcb(f, INP_PROTO_UDP, "y", INP_V_IPV6, "2001:db8::10", 8402,
	             "2001:db8::1", 53);
	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET6, "::", 8402, true,
	                    NULL), x);
	/* and a V6ONLY PCB is invisible to the IPv4 view */
	assert_null(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 8402, true,
	               NULL));
	fx_free(x);
}

/* J8: host and a jail with its own addresses have separate port spaces;
 * an inherit child shares its parent's. */
static void test_namespaces(void **state)
{
	struct fx *f = *state;
	struct inp_jail *j = fx_jail(f, "web", "192.0.2.11", "inherit");
	struct inp_jail *k = fx_jail(f, "web.kid", "inherit", "inherit");
	struct inp_jail *o = fx_jail(f, "other", "192.0.2.11", "inherit");
	struct inp_cred *jc = fx_cred(f, 0, j), *kc = fx_cred(f, 0, k);
	struct inp_cred *oc = fx_cred(f, 0, o);
	struct inp_pcb *jp, *hp;

	jp = fx_bound(f, INP_PROTO_TCP, AF_INET, jc, "j", "192.0.2.11", 8080,
	              0);
	assert_null(ll(f, INP_PROTO_TCP, AF_INET, "192.0.2.11", 8080, true,
	               NULL));
	assert_null(ll(f, INP_PROTO_TCP, AF_INET, "192.0.2.11", 8080, false,
	               NULL));
	assert_ptr_equal(ll(f, INP_PROTO_TCP, AF_INET, "192.0.2.11", 8080,
	                    true, jc), jp);
	assert_ptr_equal(ll(f, INP_PROTO_TCP, AF_INET, "192.0.2.11", 8080,
	                    false, kc), jp);
	assert_null(ll(f, INP_PROTO_TCP, AF_INET, "192.0.2.11", 8080, true,
	               oc));                           /* sibling: separate */
	hp = fx_bound(f, INP_PROTO_TCP, AF_INET, NULL, "h", "0.0.0.0", 8080,
	              0);
	assert_ptr_equal(ll(f, INP_PROTO_TCP, AF_INET, "192.0.2.11", 8080,
	                    true, NULL), hp);
	assert_ptr_equal(ll(f, INP_PROTO_TCP, AF_INET, "192.0.2.11", 8080,
	                    true, jc), jp);
	/* the IPv6 namespace of these jails is the host's (inherit) */
	fx_free_all(jp, hp);
	fx_cred_rele_all(jc, kc, oc);
	assert_int_equal(inp_jail_remove(k), 0);
	assert_int_equal(inp_jail_remove(j), 0);
	assert_int_equal(inp_jail_remove(o), 0);
}

/* Removal (free, drop) takes a PCB out of the port index. */
static void test_removed_invisible(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *a = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "a",
	                             "0.0.0.0", 7000, 0);

	assert_ptr_equal(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 7000, true,
	                    NULL), a);
	pcb_wlock(a);
	pcb_drop(a);
	pcb_unlock(a);
	assert_null(ll(f, INP_PROTO_UDP, AF_INET, "0.0.0.0", 7000, true,
	               NULL));
	fx_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCB_TEST(test_exact_mode),
		PCB_TEST(test_bestfit_costs),
		PCB_TEST(test_bestfit_tie_newest),
		PCB_TEST(test_dualstack_cost),
		PCB_TEST(test_namespaces),
		PCB_TEST(test_removed_invisible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
