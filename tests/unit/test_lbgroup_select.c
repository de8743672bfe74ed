/*
 * test_lbgroup_select.c - the SO_REUSEPORT_LB selector (inpcb/lbgroup.h):
 * without one the member is G4's; a selector's answer in range picks the
 * member, anything else falls back to G4; clearing it restores G4; the
 * selector belongs to the group and survives growth and shrinking, and
 * goes with the group; what it is shown (packet, members, default) and
 * that explanations name its decision (G4).  Both lookup paths: the
 * serialised one (with an explanation) and the lockless one (a
 * registered thread).
 */

#include "pcb_fixture.h"
#include "pcb/pcb_jhash.h"

#include <inpcb/lbgroup.h>
#include <limits.h>

#define PORT 9100
#define PEER "198.51.100.1"
#define LOCAL "192.0.2.10"

/* A selector that records what it saw and answers as told. */
struct rec {
	unsigned calls;
	struct inp_lb_pick last;        /* members is stale after the call */
	void *udata[64];                /* last->members[i].udata */
	bool by_udata;                  /* answer the member whose udata */
	void *want;                     /* is want, else INP_LB_DEFAULT */
	int answer;                     /* the answer when !by_udata */
};

static int rec_select(const struct inp_lb_pick *pk, void *arg)
{
	struct rec *r = arg;
	unsigned i;

	r->calls++;
	r->last = *pk;
	for (i = 0; i < pk->nmembers && i < 64; i++)
		r->udata[i] = pk->members[i].udata;
	if (!r->by_udata)
		return r->answer;
	for (i = 0; i < pk->nmembers; i++)
		if (pk->members[i].udata == r->want)
			return (int)i;
	return INP_LB_DEFAULT;
}

/* An SO_REUSEPORT_LB UDP socket with udata, bound to addr:PORT. */
static struct inp_sock *member(struct fx *f, int family, const char *addr,
                               uintptr_t udata)
{
	struct inp_sock *so = fx_sock_kept(f, family, INP_PROTO_UDP, NULL);
	char label[16];

	snprintf(label, sizeof(label), "m%lu", (unsigned long)udata);
	assert_int_equal(inp_sock_set_label(so, label), 0);
	inp_sock_set_udata(so, (void *)udata);
	fx_setopt_int_ok(so, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 1);
	fx_bind_ok(so, addr, PORT);
	return so;
}

/*
 * The PCB inp_pcb_lookup() returns for a packet from PEER:sport (or
 * 2001:db8::1:sport) to dst:PORT, unlocked; NULL when none.
 */
static struct inp_pcb *lookup_proto(struct fx *f, enum inp_proto proto,
                                    const char *dst, unsigned sport,
                                    struct inp_explain *why)
{
	struct sockaddr_storage s = fx_sa(strchr(dst, ':') ? "2001:db8::1"
	                                                   : PEER, sport);
	struct sockaddr_storage d = fx_sa(dst, PORT);
	struct inp_pcb *p = NULL;

	if (why != NULL)
		memset(why, 0, sizeof(*why));
	if (inp_pcb_lookup(f->vnet, proto, (struct sockaddr *)&s,
	                   (struct sockaddr *)&d, INP_LOOKUP_WILDCARD |
	                   INP_LOOKUP_RLOCKPCB, NULL, &p, why) != 0)
		return NULL;
	inp_pcb_runlock(p);
	return p;
}

static struct inp_pcb *lookup(struct fx *f, const char *dst, unsigned sport,
                              struct inp_explain *why)
{
	return lookup_proto(f, INP_PROTO_UDP, dst, sport, why);
}

static struct inp_pcb *lookup_tcp(struct fx *f, unsigned sport)
{
	return lookup_proto(f, INP_PROTO_TCP, LOCAL, sport, NULL);
}

/* The same lookup on the lockless path (a registered thread). */
static struct inp_pcb *lookup_lockless(struct fx *f, unsigned sport)
{
	struct inp_pcb *p;

	assert_int_equal(inp_thread_register(), 0);
	p = lookup(f, LOCAL, sport, NULL);
	assert_int_equal(inp_thread_unregister(), 0);
	return p;
}

/* G4 as the spec writes it, for PEER:sport -> PORT over n members. */
static unsigned g4_index(struct fx *f, unsigned sport, unsigned n)
{
	union inp_addr fa = fx_addr(PEER);
	uint32_t w[4];

	memcpy(w, &fa, sizeof(w));
	return (jh_5words(w, 0, fx_info(f, INP_PROTO_UDP)->seed) ^
	        (uint16_t)(sport ^ PORT)) % n;
}

static unsigned group_size(struct inp_sock *so)
{
	struct inp_pcb *p = inp_sock_pcb(so);
	unsigned size = 0;

	hash_rlock(p->info);
	assert_int_equal(lbgroup_stats(p, &size, NULL, NULL), 0);
	hash_unlock(p->info);
	return size;
}

/* Four members m1..m4, in join order (the array order while none left). */
static void four(struct fx *f, struct inp_sock *m[4])
{
	unsigned i;

	for (i = 0; i < 4; i++)
		m[i] = member(f, AF_INET, "0.0.0.0", i + 1);
}

/* No selector, or one with no opinion: G4, on both lookup paths. */
static void test_default_without_selector(void **state)
{
	struct fx *f = *state;
	struct inp_sock *m[4];
	struct rec r = { .answer = INP_LB_DEFAULT };
	struct inp_explain why;
	unsigned k, i;

	four(f, m);
	for (k = 1; k <= 48; k++) {
		i = g4_index(f, k, 4);
		assert_ptr_equal(lookup(f, LOCAL, k, &why), inp_sock_pcb(m[i]));
		assert_string_equal(why.rule, "G4");
		assert_non_null(strstr(why.reason, "by hash: udp4 'm"));
		assert_ptr_equal(lookup_lockless(f, k), inp_sock_pcb(m[i]));
	}
	assert_int_equal(inp_lbgroup_set_selector(m[2], rec_select, &r), 0);
	for (k = 1; k <= 48; k++) {
		i = g4_index(f, k, 4);
		assert_ptr_equal(lookup(f, LOCAL, k, &why), inp_sock_pcb(m[i]));
		assert_non_null(strstr(why.reason, "answered -1 (no opinion)"));
		assert_int_equal(r.last.default_index, i);
		assert_ptr_equal(lookup_lockless(f, k), inp_sock_pcb(m[i]));
	}
	/* the serialised lookup asks twice (it confirms its answer) */
	assert_true(r.calls >= 96);
}

/* An answer in range is the member, whichever path the lookup takes. */
static void test_selector_picks_member(void **state)
{
	struct fx *f = *state;
	struct inp_sock *m[4];
	struct rec r = { .by_udata = true, .want = (void *)3 };
	struct inp_explain why;
	unsigned k, i, calls;

	four(f, m);
	assert_int_equal(inp_lbgroup_set_selector(m[0], rec_select, &r), 0);
	for (k = 1; k <= 32; k++) {
		assert_ptr_equal(lookup(f, LOCAL, k, &why), inp_sock_pcb(m[2]));
		assert_string_equal(why.rule, "G4");
		assert_non_null(strstr(why.reason, "member 2 of 4 by the "
		                                   "group's selector"));
		assert_non_null(strstr(why.reason, "'m3'"));
		calls = r.calls;
		assert_ptr_equal(lookup_lockless(f, k), inp_sock_pcb(m[2]));
		assert_int_equal(r.calls, calls + 1);   /* one snapshot, once */
	}
	/* What it saw: the packet as on the wire, the members in order. */
	assert_int_equal(r.last.key.family, AF_INET);
	assert_int_equal(r.last.key.saddr.v4.s_addr, fx_in4(PEER).s_addr);
	assert_int_equal(r.last.key.daddr.v4.s_addr, fx_in4(LOCAL).s_addr);
	assert_int_equal(r.last.key.sport, htons(32));
	assert_int_equal(r.last.key.dport, htons(PORT));
	assert_int_equal(r.last.hashtype, INP_HASH_NONE);
	assert_int_equal(r.last.nmembers, 4);
	assert_int_equal(r.last.default_index, g4_index(f, 32, 4));
	for (i = 0; i < 4; i++)
		assert_ptr_equal(r.udata[i], (void *)(uintptr_t)(i + 1));
	/* A member set through any socket is the group's: m4 replaces it. */
	r.want = (void *)1;
	assert_int_equal(inp_lbgroup_set_selector(m[3], rec_select, &r), 0);
	assert_ptr_equal(lookup_lockless(f, 7), inp_sock_pcb(m[0]));
}

/* Out of range, negative, no opinion: the default member (G4). */
static void test_out_of_range_falls_back(void **state)
{
	static const int answers[] = { 4, 5, 1000, INT_MAX, -7, INT_MIN,
	                               INP_LB_DEFAULT };
	struct fx *f = *state;
	struct inp_sock *m[4];
	struct rec r = { .answer = 0 };
	struct inp_explain why;
	unsigned a, k, i;

	four(f, m);
	assert_int_equal(inp_lbgroup_set_selector(m[1], rec_select, &r), 0);
	for (a = 0; a < sizeof(answers) / sizeof(answers[0]); a++) {
		r.answer = answers[a];
		for (k = 1; k <= 16; k++) {
			i = g4_index(f, k, 4);
			assert_ptr_equal(lookup(f, LOCAL, k, &why),
			                 inp_sock_pcb(m[i]));
			assert_non_null(strstr(why.reason,
			                       answers[a] == INP_LB_DEFAULT
			                           ? "(no opinion)"
			                           : "(out of range)"));
			assert_ptr_equal(lookup_lockless(f, k),
			                 inp_sock_pcb(m[i]));
		}
	}
	r.answer = 3;                           /* the last one is in range */
	assert_ptr_equal(lookup(f, LOCAL, 1, &why), inp_sock_pcb(m[3]));
}

/* Clearing the selector: G4 again, the old one never called again. */
static void test_detach(void **state)
{
	struct fx *f = *state;
	struct inp_sock *m[4];
	struct rec r = { .answer = 0 };
	struct inp_explain why;
	unsigned k, calls;

	four(f, m);
	assert_int_equal(inp_lbgroup_set_selector(m[0], rec_select, &r), 0);
	assert_ptr_equal(lookup_lockless(f, 1), inp_sock_pcb(m[0]));
	assert_int_equal(inp_lbgroup_set_selector(m[3], NULL, &r), 0);
	calls = r.calls;
	for (k = 1; k <= 32; k++) {
		assert_ptr_equal(lookup(f, LOCAL, k, &why),
		                 inp_sock_pcb(m[g4_index(f, k, 4)]));
		assert_non_null(strstr(why.reason, "by hash: udp4 'm"));
		assert_ptr_equal(lookup_lockless(f, k),
		                 inp_sock_pcb(m[g4_index(f, k, 4)]));
	}
	assert_int_equal(r.calls, calls);
	/* clearing twice is no error */
	assert_int_equal(inp_lbgroup_set_selector(m[3], NULL, NULL), 0);
}

/* The selector survives growth and shrinking; it goes with the group. */
static void test_growth_keeps_selector(void **state)
{
	struct fx *f = *state;
	struct inp_sock *m[40], *again;
	struct rec r = { .by_udata = true, .want = (void *)1 };
	struct inp_pcb *p;
	unsigned i, calls;

	m[0] = member(f, AF_INET, "0.0.0.0", 1);
	m[1] = member(f, AF_INET, "0.0.0.0", 2);
	assert_int_equal(inp_lbgroup_set_selector(m[1], rec_select, &r), 0);
	for (i = 2; i < 40; i++) {
		m[i] = member(f, AF_INET, "0.0.0.0", i + 1);
		assert_ptr_equal(lookup_lockless(f, i), inp_sock_pcb(m[0]));
		assert_int_equal(r.last.nmembers, i + 1);
	}
	assert_int_equal(group_size(m[0]), 64);            /* 8 -> 64 */
	for (i = 39; i >= 4; i--)
		fx_sock_close(f, m[i]);
	assert_int_equal(group_size(m[0]), 8);             /* 64 -> 8 */
	assert_ptr_equal(lookup_lockless(f, 9), inp_sock_pcb(m[0]));
	assert_int_equal(r.last.nmembers, 4);
	/* Its member gone, the selector has no opinion: G4 over three. */
	fx_sock_close(f, m[0]);
	p = lookup(f, LOCAL, 9, NULL);
	assert_int_equal(r.last.nmembers, 3);
	assert_ptr_equal(inp_pcb_udata(p), r.udata[g4_index(f, 9, 3)]);
	/* The last member leaves: a new group starts without a selector. */
	for (i = 1; i < 4; i++)
		fx_sock_close(f, m[i]);
	calls = r.calls;
	again = member(f, AF_INET, "0.0.0.0", 1);
	assert_ptr_equal(lookup_lockless(f, 9), inp_sock_pcb(again));
	assert_int_equal(r.calls, calls);
}

/* Only group members can set it; NULL is EINVAL. */
static void test_errors(void **state)
{
	struct fx *f = *state;
	struct inp_sock *unbound, *plain, *conn, *ds, *m;
	struct rec r = { .answer = 0 };

	fx_preamble(f);
	assert_int_equal(inp_lbgroup_set_selector(NULL, rec_select, &r),
	                 -EINVAL);
	unbound = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	fx_setopt_int_ok(unbound, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 1);
	assert_int_equal(inp_lbgroup_set_selector(unbound, rec_select, &r),
	                 -ENOENT);
	plain = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	fx_bind_ok(plain, "0.0.0.0", 9200);
	assert_int_equal(inp_lbgroup_set_selector(plain, rec_select, &r),
	                 -ENOENT);
	/* G1: connecting leaves the group */
	m = member(f, AF_INET, "0.0.0.0", 1);
	conn = member(f, AF_INET, "0.0.0.0", 2);
	assert_int_equal(fx_connect(conn, "203.0.113.7", 53), 0);
	assert_int_equal(inp_lbgroup_set_selector(conn, rec_select, &r),
	                 -ENOENT);
	assert_int_equal(inp_lbgroup_set_selector(m, rec_select, &r), 0);
	/* LB-4: a dual-stack '::' socket joins no group */
	ds = fx_sock_kept(f, AF_INET6, INP_PROTO_UDP, NULL);
	fx_setopt_int_ok(ds, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY, 0);
	fx_setopt_int_ok(ds, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 1);
	fx_bind_ok(ds, "::", 9300);
	assert_int_equal(inp_lbgroup_set_selector(ds, rec_select, &r),
	                 -ENOENT);
	assert_int_equal(r.calls, 0);
}

/* G1: pending TCP members are not offered; listen() adds them. */
static void test_pending_tcp_not_offered(void **state)
{
	struct fx *f = *state;
	struct inp_sock *a, *b;
	struct rec r = { .answer = INP_LB_DEFAULT };
	unsigned k;

	a = fx_sock_kept(f, AF_INET, INP_PROTO_TCP, NULL);
	b = fx_sock_kept(f, AF_INET, INP_PROTO_TCP, NULL);
	inp_sock_set_udata(a, (void *)1);
	inp_sock_set_udata(b, (void *)2);
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 1);
	fx_setopt_int_ok(b, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 1);
	fx_bind_ok(a, "0.0.0.0", PORT);
	fx_bind_ok(b, "0.0.0.0", PORT);
	assert_int_equal(inp_lbgroup_set_selector(b, rec_select, &r), 0);
	assert_int_equal(inp_sock_listen(a, 5, NULL), 0);
	for (k = 1; k <= 8; k++) {
		assert_ptr_equal(lookup_tcp(f, k), inp_sock_pcb(a));
		assert_int_equal(r.last.nmembers, 1);
		assert_ptr_equal(r.udata[0], (void *)1);
	}
	assert_int_equal(inp_sock_listen(b, 5, NULL), 0);
	r.by_udata = true;
	r.want = (void *)2;
	assert_ptr_equal(lookup_tcp(f, 1), inp_sock_pcb(b));
	assert_int_equal(r.last.nmembers, 2);
}

/* IPv6: the addresses bare, a scoped one's zone in key.zone. */
static void test_ipv6_pick(void **state)
{
	struct fx *f = *state;
	struct inp_ifnet *em0 = fx_if(f, "em0");
	struct inp_sock *m;
	struct rec r = { .answer = 0 };
	struct sockaddr_in6 s, d;
	struct inp_pcb *p;

	m = fx_sock_kept(f, AF_INET6, INP_PROTO_UDP, NULL);
	fx_setopt_int_ok(m, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 1);
	fx_bind_ok(m, "::", PORT);                  /* V6ONLY by default */
	assert_int_equal(inp_lbgroup_set_selector(m, rec_select, &r), 0);
	assert_ptr_equal(lookup(f, "2001:db8::10", 77, NULL), inp_sock_pcb(m));
	assert_int_equal(r.last.key.family, AF_INET6);
	assert_true(fx_in6_equal(&r.last.key.saddr.v6, "2001:db8::1"));
	assert_true(fx_in6_equal(&r.last.key.daddr.v6, "2001:db8::10"));
	assert_int_equal(r.last.key.zone, 0);

	s = fx_sin6_scope("fe80::1", 77, inp_if_index(em0));
	d = fx_sin6_scope("fe80::10", PORT, inp_if_index(em0));
	assert_int_equal(inp_pcb_lookup(f->vnet, INP_PROTO_UDP,
	                                (struct sockaddr *)&s,
	                                (struct sockaddr *)&d,
	                                INP_LOOKUP_WILDCARD |
	                                INP_LOOKUP_RLOCKPCB, NULL, &p, NULL),
	                 0);
	inp_pcb_runlock(p);
	assert_ptr_equal(p, inp_sock_pcb(m));
	assert_true(fx_in6_equal(&r.last.key.saddr.v6, "fe80::1"));
	assert_true(fx_in6_equal(&r.last.key.daddr.v6, "fe80::10"));
	assert_int_equal(r.last.key.zone, inp_if_index(em0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCB_TEST(test_default_without_selector),
		PCB_TEST(test_selector_picks_member),
		PCB_TEST(test_out_of_range_falls_back),
		PCB_TEST(test_detach),
		PCB_TEST(test_growth_keeps_selector),
		PCB_TEST(test_errors),
		PCB_TEST(test_pending_tcp_not_offered),
		PCB_TEST(test_ipv6_pick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
