/*
 * test_pcb_lookup.c - the packet lookup (spec 5.1 L1-L4, 5.2, 5.4): exact
 * match first, the wildcard ranks 1-5, newest-wins ties (also across the
 * dual-stack class for IPv6 packets), the family flags and the jail
 * checks with the PCB's credential.
 */

#include "pcb_fixture.h"

/* L1 before everything, L2 without the wildcard flag (E12). */
static void test_exact_first(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *b, *s;
	struct inp_explain why;

	b = fx_bound(f, INP_PROTO_TCP, AF_INET, NULL, "b", "192.0.2.10", 8300,
	             0);
	s = fx_alloc(f, INP_PROTO_TCP, AF_INET, NULL, "s");
	assert_int_equal(fx_insert(s, "192.0.2.10", 8300, "198.51.100.1",
	                           1000, 0), 0);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1000,
	                           "192.0.2.10", 8300, true, &why), s);
	assert_string_equal(why.rule, "L1");
	assert_non_null(strstr(why.reason, "'s'"));
	assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1001,
	                           "192.0.2.10", 8300, true, &why), b);
	assert_null(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1001,
	                      "192.0.2.10", 8300, false, &why));
	assert_string_equal(why.rule, "L2");
	assert_null(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1001,
	                      "192.0.2.10", 8301, true, &why));
	assert_string_equal(why.rule, "L4");
	fx_free_all(b, s);
}

/* Rank 3 beats rank 4 (E4); ties go to the newest insertion (E5). */
static void test_ranks_and_ties(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *a, *b, *x, *y;
	struct inp_explain why;

	a = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "a", "192.0.2.10", 5000,
	             0);
	b = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "b", "0.0.0.0", 5000, 0);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                           "192.0.2.10", 5000, true, &why), a);
	assert_string_equal(why.rule, "L4");
	assert_non_null(strstr(why.reason, "rank 3"));
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                           "127.0.0.1", 5000, true, &why), b);
	assert_non_null(strstr(why.reason, "rank 4"));

	/* x is allocated first but inserted last: it is the newest */
	x = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "x");
	y = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "y");
	assert_int_equal(fx_insert(y, "0.0.0.0", 6000, NULL, 0,
	                           INP_REUSEPORT), 0);
	assert_int_equal(fx_insert(x, "0.0.0.0", 6000, NULL, 0,
	                           INP_REUSEPORT), 0);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                           "192.0.2.10", 6000, true, &why), x);
	fx_free(x);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", 9,
	                           "192.0.2.10", 6000, true, &why), y);
	fx_free_all(y, a, b);
}

/* Rank 5 and the family flags (E13, E14). */
static void test_dualstack(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *v4, *ds, *only6, *m;
	struct inp_explain why;

	v4 = fx_bound(f, INP_PROTO_TCP, AF_INET, NULL, "v4", "0.0.0.0", 8400,
	              0);
	ds = fx_v6pcb(f, INP_PROTO_TCP, "v6", INP_V_IPV4 | INP_V_IPV6, "::",
	              8400, NULL, 0);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1000,
	                           "192.0.2.10", 8400, true, &why), v4);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "2001:db8::1", 1000,
	                           "2001:db8::10", 8400, true, &why), ds);
	assert_non_null(strstr(why.reason, "rank 4"));     /* no rank 5 */
	fx_free(v4);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1000,
	                           "192.0.2.10", 8400, true, &why), ds);
	assert_non_null(strstr(why.reason, "rank 5"));

	/* a V6ONLY PCB never sees IPv4; an IPv4-only PCB never IPv6 */
	only6 = fx_v6pcb(f, INP_PROTO_TCP, "z", INP_V_IPV6, "::", 8500,
	                 NULL, 0);
	assert_null(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1000,
	                      "192.0.2.10", 8500, true, &why));
	m = fx_v6pcb(f, INP_PROTO_TCP, "m", INP_V_IPV4, "0.0.0.0", 8600,
	             NULL, 0);
	assert_null(fx_lookup(f, INP_PROTO_TCP, "2001:db8::1", 1000,
	                      "2001:db8::10", 8600, true, &why));
	/* '::ffff:0.0.0.0' of an AF_INET6 socket is rank 5 too */
	assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1000,
	                           "192.0.2.10", 8600, true, &why), m);
	assert_non_null(strstr(why.reason, "rank 5"));
	fx_free_all(ds, only6, m);
}

/*
 * For IPv6 packets a dual-stack '::' PCB ties with a V6ONLY '::' PCB
 * (rank 4) although the wild chain keeps it last: the newest still wins.
 */
static void test_ipv6_tie_across_classes(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *w, *d;
	struct inp_explain why;

	w = fx_v6pcb(f, INP_PROTO_UDP, "w", INP_V_IPV6, "::", 8700, NULL, 0);
	d = fx_v6pcb(f, INP_PROTO_UDP, "d", INP_V_IPV4 | INP_V_IPV6, "::", 8700,
	             NULL, 0);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "2001:db8::1", 7,
	                           "2001:db8::10", 8700, true, &why), d);
	fx_free(w);
	w = fx_v6pcb(f, INP_PROTO_UDP, "w2", INP_V_IPV6, "::", 8700, NULL, 0);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "2001:db8::1", 7,
	                           "2001:db8::10", 8700, true, &why), w);
	fx_free_all(w, d);
}

/* 5.2 / J3: jailed PCBs only for their jail's addresses (E27, E28). */
static void test_jails(void **state)
{
	struct fx *f = *state;
	struct inp_jail *one = fx_jail(f, "one", "192.0.2.11", "inherit");
	struct inp_jail *two = fx_jail(f, "two", "192.0.2.12,192.0.2.13",
	                               "inherit");
	struct inp_cred *c1 = fx_cred(f, 0, one), *c2 = fx_cred(f, 0, two);
	struct inp_pcb *j, *a, *h;
	struct inp_explain why;

	a = fx_bound(f, INP_PROTO_TCP, AF_INET, c2, "a", "0.0.0.0", 8080, 0);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1000,
	                           "192.0.2.12", 8080, true, &why), a);
	assert_null(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1000,
	                      "192.0.2.10", 8080, true, &why));
	h = fx_bound(f, INP_PROTO_TCP, AF_INET, NULL, "h", "0.0.0.0", 8080, 0);
	j = fx_bound(f, INP_PROTO_TCP, AF_INET, c1, "j", "192.0.2.11", 8080,
	             0);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1000,
	                           "192.0.2.11", 8080, true, &why), j);
	assert_non_null(strstr(why.reason, "rank 1"));
	assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1000,
	                           "192.0.2.12", 8080, true, &why), a);
	assert_non_null(strstr(why.reason, "rank 2"));
	assert_ptr_equal(fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1000,
	                           "192.0.2.10", 8080, true, &why), h);
	fx_free_all(j, a, h);
	fx_cred_rele_all(c1, c2);
	assert_int_equal(inp_jail_remove(one), 0);
	assert_int_equal(inp_jail_remove(two), 0);
}

/*
 * 1.5 / 5.4: the wild chain is kept jailed before unjailed, specific
 * before wildcard, AF_INET6 wildcards taking IPv4 last, newest first
 * within a class, so that a first-match reader gets the best PCB.
 */
static void test_wild_chain_order(void **state)
{
	struct fx *f = *state;
	struct inp_jail *jl = fx_jail(f, "two", "192.0.2.12,192.0.2.13",
	                              "inherit");
	struct inp_cred *jc = fx_cred(f, 0, jl);
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_UDP);
	struct inp_pcb *w1, *js, *ds, *us, *jw, *w2, *p;
	struct inp_pcb *want[6];
	unsigned n = 0;

	w1 = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "w1", "0.0.0.0", 8800,
	              INP_REUSEPORT);
	js = fx_bound(f, INP_PROTO_UDP, AF_INET, jc, "js", "192.0.2.12", 8800,
	              0);
	ds = fx_v6pcb(f, INP_PROTO_UDP, "ds", INP_V_IPV4 | INP_V_IPV6, "::",
	              8800, NULL, 0);
	us = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "us", "192.0.2.10",
	              8800, 0);
	jw = fx_bound(f, INP_PROTO_UDP, AF_INET, jc, "jw", "0.0.0.0", 8800, 0);
	w2 = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "w2", "0.0.0.0", 8800,
	              INP_REUSEPORT);
	want[0] = js, want[1] = jw, want[2] = us;
	want[3] = w2, want[4] = w1, want[5] = ds;
	hash_rlock(info);
	for (p = info->wild.heads[pcb_hash_port(info, htons(8800))].first;
	     p != NULL; p = p->wild_next) {
		if (p->lport != htons(8800))
			continue;
		assert_true(n < 6);
		assert_ptr_equal(p, want[n]);
		n++;
	}
	hash_unlock(info);
	assert_int_equal(n, 6);
	fx_free_all(w1, js, ds, us, jw, w2);
	inp_cred_rele(jc);
	assert_int_equal(inp_jail_remove(jl), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCB_TEST(test_exact_first),
		PCB_TEST(test_ranks_and_ties),
		PCB_TEST(test_dualstack),
		PCB_TEST(test_ipv6_tie_across_classes),
		PCB_TEST(test_jails),
		PCB_TEST(test_wild_chain_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
