/*
 * test_lbgroup.c - SO_REUSEPORT_LB groups (spec 5.3 G1-G5, LB-2..LB-9):
 * growth to 256 and the 257th socket, shrinking, the dense array and its
 * removal order, the member formula of G4, pending TCP members, group
 * choice (G3) and precedence over the wild phase (G5); invariants 18, 19.
 */

#include "pcb_fixture.h"
#include "pcb/pcb_jhash.h"

#define LB INP_REUSEPORT_LB

struct lbstat {
	int rc;
	unsigned size, nactive, npending;
};

static struct lbstat stats(struct inp_pcb *p)
{
	struct lbstat s = { 0, 0, 0, 0 };

	hash_rlock(p->info);
	s.rc = lbgroup_stats(p, &s.size, &s.nactive, &s.npending);
	hash_unlock(p->info);
	if (s.rc == 0) {                               /* invariant 18 */
		assert_true(s.size >= 8 && s.size <= 256);
		assert_int_equal(s.size & (s.size - 1), 0);
		assert_true(s.nactive + s.npending >= 1);
		assert_true(s.nactive + s.npending <= s.size);
		assert_true(p->flags2 & INP_INLBGROUP);
	}
	return s;
}

/* G4 as the spec writes it, recomputed here. */
static unsigned g4_index(struct fx *f, enum inp_proto proto, const char *src,
                         uint16_t sport, uint16_t dport, unsigned n)
{
	union inp_addr fa = fx_addr(src);
	uint32_t w[4];

	memcpy(w, &fa, sizeof(w));
	return (jh_5words(w, 0, fx_info(f, proto)->seed) ^
	        ntohs((uint16_t)(sport ^ dport))) % n;
}

static void listen_pcb(struct inp_pcb *p)
{
	pcb_wlock(p);
	p->flags |= INP_LISTEN;
	hash_wlock(p->info);
	lbgroup_activate(p);
	hash_unlock(p->info);
	pcb_unlock(p);
}

/* Grow 8 -> 256, the 257th is not added, then shrink by halves. */
static void test_grow_cap_shrink(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *m[257];
	struct inp_explain why;
	struct lbstat s;
	unsigned i, k;

	for (i = 0; i < 257; i++) {
		m[i] = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "m",
		                "0.0.0.0", 9000, LB);
		if (i == 0 || i == 7)
			assert_int_equal(stats(m[0]).size, 8);
		if (i == 8)
			assert_int_equal(stats(m[0]).size, 16);
	}
	s = stats(m[0]);
	assert_int_equal(s.size, 256);
	assert_int_equal(s.nactive, 256);
	/* LB-5: the 257th is hashed (bind succeeded) but not a member */
	assert_true(m[256]->flags & INP_F_INHASHLIST);
	assert_false(m[256]->flags2 & INP_INLBGROUP);
	assert_int_equal(stats(m[256]).rc, -ENOENT);
	for (k = 1; k < 600; k++)
		assert_ptr_not_equal(fx_lb_pick(f, INP_PROTO_UDP,
		                                "198.51.100.1", k, "192.0.2.10",
		                                9000, &why), m[256]);

	/* LB-8: halve when over 8 slots and at most a quarter used */
	for (i = 0; i < 252; i++) {
		unsigned left = 255 - i;

		fx_free(m[i]);
		s = stats(m[255]);
		assert_int_equal(s.nactive, left);
		if (left == 65)
			assert_int_equal(s.size, 256);
		if (left == 64)
			assert_int_equal(s.size, 128);
		if (left == 32)
			assert_int_equal(s.size, 64);
		if (left == 5)
			assert_int_equal(s.size, 16);
		if (left == 4)
			assert_int_equal(s.size, 8);
		if (s.size > 8)                        /* invariant 19 */
			assert_true(s.nactive > s.size / 4);
	}
	for (i = 252; i < 256; i++)
		fx_free(m[i]);
	/* no empty group survives: the old non-member is still not one */
	assert_null(fx_lb_pick(f, INP_PROTO_UDP, "198.51.100.1", 1,
	                       "192.0.2.10", 9000, &why));
	fx_free(m[256]);
}

/* G4: index = H mod n over a dense array; removal moves the last in. */
static void test_member_choice_and_removal(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *a, *b, *c, *d, *got;
	struct inp_pcb *arr4[4], *arr3[3];
	struct inp_explain why;
	unsigned k, seen = 0;
	char want[32];

	a = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "a", "0.0.0.0", 9100, LB);
	b = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "b", "0.0.0.0", 9100, LB);
	c = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "c", "0.0.0.0", 9100, LB);
	d = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "d", "0.0.0.0", 9100, LB);
	arr4[0] = a, arr4[1] = b, arr4[2] = c, arr4[3] = d;
	for (k = 1; k <= 64; k++) {
		unsigned i = g4_index(f, INP_PROTO_UDP, "198.51.100.1",
		                      htons(k), htons(9100), 4);

		got = fx_lb_pick(f, INP_PROTO_UDP, "198.51.100.1", k,
		                 "192.0.2.10", 9100, &why);
		assert_ptr_equal(got, arr4[i]);
		assert_string_equal(why.rule, "G4");
		snprintf(want, sizeof(want), "member %u of 4", i);
		assert_non_null(strstr(why.reason, want));
		/* stable: the same 4-tuple, the same member */
		assert_ptr_equal(fx_lb_pick(f, INP_PROTO_UDP, "198.51.100.1", k,
		                            "127.0.0.1", 9100, &why), got);
		seen |= 1u << i;
	}
	assert_int_equal(seen, 0xf);                   /* all four used */

	fx_free(b);                                    /* d moves into slot 1 */
	arr3[0] = a, arr3[1] = d, arr3[2] = c;
	for (k = 1; k <= 64; k++) {
		unsigned i = g4_index(f, INP_PROTO_UDP, "198.51.100.1",
		                      htons(k), htons(9100), 3);

		assert_ptr_equal(fx_lb_pick(f, INP_PROTO_UDP, "198.51.100.1", k,
		                            "192.0.2.10", 9100, &why), arr3[i]);
	}
	fx_free_all(a, c, d);
}

/* G1 (15): TCP members are pending until listen(). */
static void test_pending_tcp(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *a, *b, *c, *got;
	struct inp_explain why;
	unsigned k;

	a = fx_bound(f, INP_PROTO_TCP, AF_INET, NULL, "a", "0.0.0.0", 9443, LB);
	b = fx_bound(f, INP_PROTO_TCP, AF_INET, NULL, "b", "0.0.0.0", 9443, LB);
	assert_int_equal(stats(a).nactive, 0);
	assert_int_equal(stats(a).npending, 2);
	assert_null(fx_lb_pick(f, INP_PROTO_TCP, "198.51.100.1", 1000,
	                       "192.0.2.10", 9443, &why));
	assert_string_equal(why.rule, "G3");
	/* no selectable member: the wild phase runs (newest wins rank 4) */
	got = fx_lookup(f, INP_PROTO_TCP, "198.51.100.1", 1000, "192.0.2.10",
	                9443, true, &why);
	assert_ptr_equal(got, b);
	assert_string_equal(why.rule, "L4");

	listen_pcb(a);
	assert_int_equal(stats(b).nactive, 1);
	for (k = 1; k <= 32; k++)
		assert_ptr_equal(fx_lb_pick(f, INP_PROTO_TCP, "198.51.100.1", k,
		                            "192.0.2.10", 9443, &why), a);

	/* removing the active member keeps the pending one pending */
	c = fx_bound(f, INP_PROTO_TCP, AF_INET, NULL, "c", "0.0.0.0", 9443, LB);
	listen_pcb(c);
	fx_free(a);
	assert_int_equal(stats(b).nactive, 1);
	assert_int_equal(stats(b).npending, 1);
	for (k = 1; k <= 32; k++)
		assert_ptr_equal(fx_lb_pick(f, INP_PROTO_TCP, "198.51.100.1", k,
		                            "192.0.2.10", 9443, &why), c);
	listen_pcb(b);
	listen_pcb(b);                                 /* idempotent */
	assert_int_equal(stats(b).nactive, 2);
	assert_int_equal(stats(b).npending, 0);
	fx_free_all(b, c);
}

/* LB-3, LB-4: who joins which group. */
static void test_membership_keys(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *v4, *ds, *m, *o, *s6;
	struct inp_explain why;

	v4 = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "v4", "0.0.0.0", 9200,
	              LB);
	ds = fx_alloc6(f, INP_PROTO_UDP, "ds", INP_V_IPV4 | INP_V_IPV6);
	assert_int_equal(fx_insert(ds, "::", 9200, NULL, 0, LB), 0);
	assert_false(ds->flags2 & INP_INLBGROUP);      /* dual-stack :: */

	m = fx_alloc6(f, INP_PROTO_UDP, "m", INP_V_IPV4);     /* mapped */
	assert_int_equal(fx_insert(m, "0.0.0.0", 9200, NULL, 0, LB), 0);
	assert_true(m->flags2 & INP_INLBGROUP);
	assert_int_equal(stats(m).nactive, 1);         /* its own vflag */
	assert_int_equal(stats(v4).nactive, 1);

	s6 = fx_bound(f, INP_PROTO_UDP, AF_INET6, NULL, "s6", "::", 9200, LB);
	assert_true(s6->flags2 & INP_INLBGROUP);       /* V6ONLY '::' joins */
	assert_ptr_equal(fx_lb_pick(f, INP_PROTO_UDP, "2001:db8::1", 7,
	                            "2001:db8::10", 9200, &why), s6);

	o = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "o", "0.0.0.0", 9200, 0);
	assert_false(o->flags2 & INP_INLBGROUP);       /* no option */

	/* connecting leaves the group (G1), disconnecting re-joins */
	pcb_wlock(v4);
	hash_wlock(v4->info);
	v4->faddr = fx_addr("198.51.100.1");
	v4->fport = htons(53);
	pcb_rehash(v4);
	assert_false(v4->flags2 & INP_INLBGROUP);
	memset(&v4->faddr, 0, sizeof(v4->faddr));
	v4->fport = 0;
	pcb_rehash(v4);
	assert_true(v4->flags2 & INP_INLBGROUP);
	hash_unlock(v4->info);
	pcb_unlock(v4);

	fx_free_all(v4, ds, m, s6, o);
}

/* G3 ranks, jails (J3 with the member's credential), G5 precedence. */
static void test_group_choice(void **state)
{
	struct fx *f = *state;
	struct inp_jail *j = fx_jail(f, "web", "192.0.2.11,192.0.2.12",
	                             "inherit");
	struct inp_cred *jc = fx_cred(f, 0, j);
	struct inp_pcb *w, *e, *jw, *plain;
	struct inp_explain why;

	w = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "w", "0.0.0.0", 9500, LB);
	e = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "e", "192.0.2.10", 9500,
	             LB);
	jw = fx_bound(f, INP_PROTO_UDP, AF_INET, jc, "jw", "0.0.0.0", 9500,
	              LB);
	assert_ptr_equal(fx_lb_pick(f, INP_PROTO_UDP, "198.51.100.1", 1,
	                            "192.0.2.10", 9500, &why), e);
	assert_non_null(strstr(why.reason, "unjailed, exact"));
	assert_ptr_equal(fx_lb_pick(f, INP_PROTO_UDP, "198.51.100.1", 1,
	                            "127.0.0.1", 9500, &why), w);
	assert_ptr_equal(fx_lb_pick(f, INP_PROTO_UDP, "198.51.100.1", 1,
	                            "192.0.2.12", 9500, &why), jw);
	assert_non_null(strstr(why.reason, "jailed, wildcard"));

	/* G5: the wildcard group beats a plain socket on the exact address */
	plain = fx_bound(f, INP_PROTO_UDP, AF_INET, NULL, "p", "127.0.0.1",
	                 9500, INP_REUSEADDR);
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", 1,
	                           "127.0.0.1", 9500, true, &why), w);
	assert_string_equal(why.rule, "G4");
	fx_free(w);
	/* no group for 127.0.0.1 any more: the wild phase (rank 3) */
	assert_ptr_equal(fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", 1,
	                           "127.0.0.1", 9500, true, &why), plain);
	assert_string_equal(why.rule, "L4");

	fx_free_all(e, jw, plain);
	inp_cred_rele(jc);
	assert_int_equal(inp_jail_remove(j), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCB_TEST(test_grow_cap_shrink),
		PCB_TEST(test_member_choice_and_removal),
		PCB_TEST(test_pending_tcp),
		PCB_TEST(test_membership_keys),
		PCB_TEST(test_group_choice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
