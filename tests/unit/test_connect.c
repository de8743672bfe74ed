/*
 * test_connect.c - connect where the scenarios do not look (src/sock/
 * sock_proto.c, src/pcb/pcb_connect.c, src/pcb/srcsel4.c): C1's exact
 * sockaddr length; S3, SO_DONTROUTE skips the route lookup; S7, a jail
 * without IPv4 has no source to fall back to; S8 / V9, a selected 0.0.0.0
 * is EHOSTUNREACH (an interface route out of an interface without an IPv4
 * address).  Every failure leaves the socket as it was (C9).
 */
#include "pcb_fixture.h"

/* The preamble: em0 192.0.2.10/24, default route via 192.0.2.1; em1. */
static int setup(void **state)
{
	struct fx *f = fx_new(NULL);

	fx_preamble(f);
	f->em1 = fx_if(f, "em1");
	*state = f;
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

/* The local address a connected AF_INET socket got, as a string. */
static const char *local4(struct inp_sock *so, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	assert_int_equal(inp_sock_name(so, &ss, &sl), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_non_null(inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
	                          buf, len));
	return buf;
}

/* Neither bound nor connected (C9: a failure changed nothing). */
static void assert_untouched(struct inp_sock *so)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	assert_int_equal(inp_sock_peer(so, &ss, &sl), -ENOTCONN);
	assert_int_equal(inp_sock_name(so, &ss, &sl), 0);
	if (ss.ss_family == AF_INET) {
		assert_int_equal(((struct sockaddr_in *)&ss)->sin_port, 0);
		assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr, 0);
	} else {
		assert_int_equal(((struct sockaddr_in6 *)&ss)->sin6_port, 0);
	}
	assert_false(inp_sock_pcb(so)->flags & INP_F_INHASHLIST);
}

/* ---- C1: the length ----------------------------------------------------- */

static void test_c1_exact_length(void **state)
{
	struct fx *f = *state;
	struct inp_sock *u = fx_sock(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *t = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_sock *u6 = fx_sock(f, AF_INET6, INP_PROTO_UDP, NULL);
	struct sockaddr_storage big;
	struct sockaddr_in sin = fx_sin4("198.51.100.7", 53);
	struct sockaddr_in6 sin6 = fx_sin6("2001:db8::1", 53);
	struct inp_explain why;

	memset(&big, 0, sizeof(big));
	memcpy(&big, &sin, sizeof(sin));
	memset(&why, 0, sizeof(why));
	assert_int_equal(inp_sock_connect(u, (struct sockaddr *)&big,
	                                  sizeof(sin) + 4, &why), -EINVAL);
	assert_string_equal(why.rule, "C1");
	assert_int_equal(inp_sock_connect(u, (struct sockaddr *)&sin,
	                                  sizeof(sin) - 1, &why), -EINVAL);
	assert_string_equal(why.rule, "C1");
	assert_int_equal(inp_sock_connect(u, (struct sockaddr *)&sin, 1, &why),
	                 -EINVAL);                      /* no family even */
	assert_string_equal(why.rule, "C1");
	assert_int_equal(inp_sock_connect(t, (struct sockaddr *)&big,
	                                  sizeof(struct sockaddr_in6), &why),
	                 -EINVAL);
	assert_string_equal(why.rule, "C1");
	assert_untouched(u);
	assert_untouched(t);

	memcpy(&big, &sin6, sizeof(sin6));
	assert_int_equal(inp_sock_connect(u6, (struct sockaddr *)&big,
	                                  sizeof(sin6) - 4, &why), -EINVAL);
	assert_string_equal(why.rule, "C1");
	assert_int_equal(inp_sock_connect(u6, (struct sockaddr *)&big,
	                                  sizeof(sin6) + 1, &why), -EINVAL);
	assert_untouched(u6);

	/* The right length connects. */
	assert_int_equal(inp_sock_connect(u, (struct sockaddr *)&sin, sizeof(sin),
	                                  NULL), 0);
	fx_sock_close(f, u);
	fx_sock_close(f, t);
	fx_sock_close(f, u6);
}

/* ---- S3: SO_DONTROUTE --------------------------------------------------- */

static void test_s3_dontroute_skips_the_route(void **state)
{
	struct fx *f = *state;
	struct inp_sock *a = fx_sock(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *b = fx_sock(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *c = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_explain why;
	char buf[INET_ADDRSTRLEN];

	/* Routed: the default route's source address (S5). */
	assert_int_equal(fx_connect(a, "198.51.100.7", 53), 0);
	assert_string_equal(local4(a, buf, sizeof(buf)), "192.0.2.10");

	/* SO_DONTROUTE: no route lookup, only a directly reachable peer. */
	fx_setopt_int_ok(b, INP_SOL_SOCKET, INP_SO_DONTROUTE, 1);
	memset(&why, 0, sizeof(why));
	assert_int_equal(inp_sock_connect(b, (struct sockaddr *)&(struct sockaddr_in){
	                                      .sin_family = AF_INET,
	                                      .sin_port = htons(53),
	                                      .sin_addr = fx_in4("198.51.100.7") },
	                                  sizeof(struct sockaddr_in), &why),
	                 -ENETUNREACH);
	assert_string_equal(why.rule, "S4");
	assert_untouched(b);
	/* On the connected prefix it still works (S4's candidate). */
	assert_int_equal(fx_connect(b, "192.0.2.20", 53), 0);
	assert_string_equal(local4(b, buf, sizeof(buf)), "192.0.2.10");

	/* An interface route is a route too: skipped. */
	fx_if_add4_ok(f->em1, "203.0.113.5", 24);
	assert_int_equal(fx_route_add4(f->vnet, "100.64.0.0", 10, NULL, f->em1),
	                 0);
	fx_setopt_int_ok(c, INP_SOL_SOCKET, INP_SO_DONTROUTE, 1);
	assert_int_equal(fx_connect(c, "100.64.0.1", 80), -ENETUNREACH);
	assert_untouched(c);
	fx_setopt_int_ok(c, INP_SOL_SOCKET, INP_SO_DONTROUTE, 0);
	assert_int_equal(fx_connect(c, "100.64.0.1", 80), 0);
	assert_string_equal(local4(c, buf, sizeof(buf)), "203.0.113.5");
	fx_sock_close(f, a);
	fx_sock_close(f, b);
	fx_sock_close(f, c);
}

/* ---- S8 / V9: a selected 0.0.0.0 ---------------------------------------- */

static void test_s8_zero_source_is_ehostunreach(void **state)
{
	struct fx *f = *state;
	struct inp_sock *u = fx_sock(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *t = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_explain why;
	char buf[INET_ADDRSTRLEN];

	/* em1 has no IPv4 address: the interface route has no source. */
	assert_int_equal(fx_if_add6(f->em1, "2001:db8:1::1", 64), 0);
	assert_int_equal(fx_route_add4(f->vnet, "100.64.0.0", 10, NULL, f->em1),
	                 0);
	memset(&why, 0, sizeof(why));
	assert_int_equal(inp_sock_connect(u, (struct sockaddr *)&(struct sockaddr_in){
	                                      .sin_family = AF_INET,
	                                      .sin_port = htons(53),
	                                      .sin_addr = fx_in4("100.64.0.1") },
	                                  sizeof(struct sockaddr_in), &why),
	                 -EHOSTUNREACH);
	assert_string_equal(why.rule, "S8");
	assert_untouched(u);
	assert_int_equal(fx_connect(t, "100.64.0.1", 80), -EHOSTUNREACH);
	assert_untouched(t);
	/* Invariant 27: the route lookup's address reference went back. */
	fx_assert_invariant_27(f->vnet);

	/* With an address on em1 the same route gives a source (S5). */
	fx_if_add4_ok(f->em1, "203.0.113.5", 24);
	assert_int_equal(fx_connect(u, "100.64.0.1", 53), 0);
	assert_string_equal(local4(u, buf, sizeof(buf)), "203.0.113.5");
	assert_int_equal(fx_connect(t, "100.64.0.1", 80), 0);
	fx_sock_close(f, u);
	fx_sock_close(f, t);
}

/* ---- S7: a jail without IPv4 --------------------------------------------- */

/*
 * Through the API J9 refuses the AF_INET socket and C4 the v4-mapped
 * destination first; the rule itself is pcb_srcsel4's (in_pcbladdr), run
 * here with the jailed credential on a host PCB.
 */
static void test_s7_jail_without_ipv4(void **state)
{
	struct fx *f = *state;
	struct inp_jail *nov4 = fx_jail(f, "nov4", NULL, "inherit");
	struct inp_jail *has4 = fx_jail(f, "has4", "192.0.2.11", "inherit");
	struct inp_cred *c0 = fx_cred(f, 0, nov4), *c1 = fx_cred(f, 0, has4);
	struct inp_pcb *p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "p");
	static const char *const dsts[] = {
		"198.51.100.7",     /* S5: via the default route */
		"192.0.2.20",       /* S5: on-link, the connected route */
		"192.0.2.10",       /* S6: a local address, through loopback */
	};
	struct inp_sock *so = NULL;
	struct sockaddr_in6 mapped = fx_sin6("::ffff:198.51.100.7", 53);
	struct inp_explain why;
	struct in_addr out;
	size_t i;

	pcb_wlock(p);
	for (i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
		out.s_addr = 0x01010101;
		memset(&why, 0, sizeof(why));
		assert_int_equal(pcb_srcsel4(p, fx_in4(dsts[i]), c0, &out, &why),
		                 -EAFNOSUPPORT);
		assert_string_equal(why.rule, "S7");
		assert_int_equal(out.s_addr, 0x01010101);   /* not written */
		/* A jail with an IPv4 address falls back to its primary. */
		assert_int_equal(pcb_srcsel4(p, fx_in4(dsts[i]), c1, &out, &why),
		                 0);
		assert_int_equal(out.s_addr, fx_in4("192.0.2.11").s_addr);
	}
	pcb_unlock(p);
	fx_free(p);

	/* Why no scenario reaches it: the socket layer refuses first. */
	assert_int_equal(inp_sock_open(f->vnet, AF_INET, INP_PROTO_UDP, c0, &so),
	                 -EAFNOSUPPORT);                          /* J9 */
	so = fx_sock(f, AF_INET6, INP_PROTO_UDP, c0);
	fx_setopt_int_ok(so, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY, 0);
	assert_int_equal(inp_sock_connect(so, (struct sockaddr *)&mapped,
	                                  sizeof(mapped), &why), -EAFNOSUPPORT);
	assert_string_equal(why.rule, "C4");
	fx_sock_close(f, so);
	fx_cred_rele_all(c0, c1);
	assert_int_equal(inp_jail_remove(nov4), 0);
	assert_int_equal(inp_jail_remove(has4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_c1_exact_length),
		T(test_s3_dontroute_skips_the_route),
		T(test_s8_zero_source_is_ehostunreach),
		T(test_s7_jail_without_ipv4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
