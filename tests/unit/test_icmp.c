/*
 * test_icmp.c - ICMP and ICMPv6 (src/ip/icmp_error.c, icmp.c, icmp6.c,
 * udp_ctlinput): the port unreachable a datagram without a receiver
 * gets (contents, quoting, source, checksums), the cases that get none
 * (broadcast, multicast, link broadcast, bad sources, blackhole) and the
 * rate limit; ICMP input: the connected socket's ECONNREFUSED (once, via
 * recv, sendto or inp_sock_error), the code mapping, the drops, and the
 * whole round trip inside the stack and through the loop driver.
 */
#include "ip_fixture.h"

static uint8_t P[PB_MAX], Q[PB_MAX];

/* ---- errors sent ------------------------------------------------------- */

static void unreach4_contents(void **state)
{
	static const uint8_t opts[4] = { 1, 1, 1, 0 };
	size_t n, qn;
	const uint8_t *m = P + 20, *q = P + 28;

	(void)state;
	qn = pb_udp4(Q, "198.51.100.7", 4242, "192.0.2.10", 9, NULL, 1000);
	qn = pb_ip4_options(Q, qn, opts, sizeof(opts));
	ipw_in(W->em0, Q, qn, 0);
	n = ipw_sent(D0, P);
	assert_int_equal(n, 576);                       /* RFC 1812 */
	assert_true(pb_ip4_valid(P));
	assert_int_equal(P[9], 1);
	assert_int_equal(P[8], 64);
	assert_int_equal(pb_get16(P + 6), 0);
	assert_memory_equal(P + 12, Q + 16, 4);         /* from its dst */
	assert_memory_equal(P + 16, Q + 12, 4);         /* to its src */
	assert_int_equal(m[0], 3);
	assert_int_equal(m[1], 3);
	assert_true(pb_icmp4_valid(P, n));
	/* The quote: the header without options, then the datagram. */
	assert_int_equal(q[0], 0x45);
	assert_int_equal(pb_get16(q + 2), 20 + 1008);
	assert_true(pb_ip4_valid(q));
	assert_memory_equal(q + 8, Q + 8, 2);           /* TTL, protocol */
	assert_memory_equal(q + 12, Q + 12, 8);         /* addresses */
	assert_memory_equal(q + 20, Q + 24, 548 - 20);  /* UDP header, data */
	assert_int_equal(ipw_ip().icps_error, 1);

	/* A small datagram is quoted whole. */
	qn = pb_udp4(Q, "198.51.100.7", 4242, "192.0.2.10", 9, "tiny", 4);
	ipw_in(W->em0, Q, qn, 0);
	n = ipw_sent(D0, P);
	assert_int_equal(n, 28 + qn);
	assert_memory_equal(P + 28, Q, qn);
	assert_true(pb_icmp4_valid(P, n));
}

static void unreach6_contents(void **state)
{
	size_t n, qn;
	const uint8_t *m = P + 40;

	(void)state;
	qn = pb_udp6(Q, "2001:db8::77", 4242, "2001:db8::10", 9, NULL, 1400);
	qn = pb_ip6_padn_ext(Q, qn, 60);
	ipw_in(W->em0, Q, qn, 0);
	n = ipw_sent(D0, P);
	assert_int_equal(n, 1280);                      /* the minimum MTU */
	assert_int_equal(P[0] >> 4, 6);
	assert_int_equal(P[6], 58);
	assert_int_equal(P[7], 64);
	assert_int_equal(pb_get16(P + 4), 1240);
	assert_memory_equal(P + 8, Q + 24, 16);
	assert_memory_equal(P + 24, Q + 8, 16);
	assert_int_equal(m[0], 1);
	assert_int_equal(m[1], 4);
	assert_true(pb_l4_6_valid(P, 40, 1240, 58));
	assert_memory_equal(P + 48, Q, 1232);           /* extension too */

	/* Link-local: answered on the link it came from. */
	qn = pb_udp6(Q, "fe80::77", 1, "fe80::10", 9, NULL, 0);
	ipw_in(W->em0, Q, qn, 0);
	n = ipw_sent(D0, P);
	assert_int_equal(n, 48 + qn);
	assert_true(pb_l4_6_valid(P, 40, n - 40, 58));
	assert_int_equal(ipw_ip().icps_error, 2);
}

static void no_error_for(void **state)
{
	struct inp_ipstat s;
	size_t n;

	(void)state;
	n = pb_udp4(Q, "192.0.2.77", 1, "192.0.2.255", 9, NULL, 0);
	ipw_in(W->em0, Q, n, 0);                        /* broadcast */
	n = pb_udp4(Q, "192.0.2.77", 1, "239.9.9.9", 9, NULL, 0);
	ipw_in(W->em0, Q, n, 0);                        /* multicast */
	n = pb_udp4(Q, "192.0.2.77", 1, "192.0.2.10", 9, NULL, 0);
	ipw_in(W->em0, Q, n, INP_PKT_LINK_BCAST);       /* link broadcast */
	n = pb_udp4(Q, "0.0.0.0", 68, "192.0.2.10", 9, NULL, 0);
	ipw_in(W->em0, Q, n, 0);                        /* no source */
	n = pb_udp4(Q, "224.1.1.1", 1, "192.0.2.10", 9, NULL, 0);
	ipw_in(W->em0, Q, n, 0);                        /* multicast source */
	n = pb_udp4(Q, "192.0.2.255", 1, "192.0.2.10", 9, NULL, 0);
	ipw_in(W->em0, Q, n, 0);                        /* broadcast source */
	n = pb_udp6(Q, "::", 1, "2001:db8::10", 9, NULL, 0);
	ipw_in(W->em0, Q, n, 0);                        /* unspecified */
	fx_sysctl_set_ok(W->vnet, "net.inet.udp.blackhole", 1);
	n = pb_udp4(Q, "192.0.2.77", 1, "192.0.2.10", 9, NULL, 0);
	ipw_in(W->em0, Q, n, 0);
	assert_int_equal(ipw_drain(D0), 0);
	s = ipw_ip();
	assert_int_equal(s.icps_error, 0);
	assert_int_equal(s.icps_badaddr, 4);
	fx_sysctl_set_ok(W->vnet, "net.inet.udp.blackhole", 0);
	/* the ledger's blackhole exception: account for the one dropped */
	n = pb_udp4(Q, "192.0.2.77", 1, "192.0.2.10", 9, NULL, 0);
	ipw_in(W->em0, Q, n, 0);
	assert_int_equal(ipw_drain(D0), 1);
}

static int teardown_blackholed(void **state)
{
	/* no_error_for blackholed one datagram: not in the error ledger */
	(void)state;
	fx_fini(W);
	free(W);
	W = NULL;
	return 0;
}

static void rate_limit(void **state)
{
	unsigned i;
	size_t n;

	(void)state;
	fx_sysctl_set_ok(W->vnet, "net.inet.icmp.icmplim", 2);
	n = pb_udp4(Q, "192.0.2.77", 1, "192.0.2.10", 9, NULL, 0);
	for (i = 0; i < 3; i++)
		ipw_in(W->em0, Q, n, 0);
	assert_int_equal(ipw_drain(D0), 2);
	assert_int_equal(ipw_ip().icps_ratelimited, 1);
	fx_advance(W, FX_SEC);                          /* a new second */
	ipw_in(W->em0, Q, n, 0);
	n = pb_udp6(Q, "2001:db8::77", 1, "2001:db8::10", 9, NULL, 0);
	ipw_in(W->em0, Q, n, 0);                        /* one budget */
	ipw_in(W->em0, Q, n, 0);
	assert_int_equal(ipw_drain(D0), 2);
	assert_int_equal(ipw_ip().icps_ratelimited, 2);
	assert_int_equal(ipw_ip().icps_error, 4);
}

/* ---- errors received --------------------------------------------------- */

/* A connected socket 192.0.2.10:6000 -> 198.51.100.1:53. */
static struct inp_sock *connected4(void)
{
	struct inp_sock *so = ipw_sock(AF_INET, "192.0.2.10", 6000);

	assert_int_equal(fx_connect(so, "198.51.100.1", 53), 0);
	return so;
}

/* An ICMP unreachable (code) from the router quoting lport -> fport. */
static void unreach4_in(uint8_t code, unsigned lport, unsigned fport)
{
	size_t qn, n;

	qn = pb_udp4(Q, "192.0.2.10", lport, "198.51.100.1", fport, "q", 1);
	n = pb_icmp4_unreach(P, "192.0.2.1", "192.0.2.10", code, Q, qn);
	ipw_in(W->em0, P, n, 0);
}

static void econnrefused(void **state)
{
	struct inp_sock *c = connected4();
	struct inp_sock *u = ipw_sock(AF_INET, "0.0.0.0", 6001);
	size_t n;

	(void)state;
	unreach4_in(3, 6000, 53);
	assert_int_equal(ipw_recv(c, NULL, NULL, 0), -ECONNREFUSED);
	assert_int_equal(ipw_recv(c, NULL, NULL, 0), -EAGAIN);   /* once */
	assert_int_equal(inp_sock_error(c), 0);
	/* inp_sock_error reads and clears it. */
	unreach4_in(3, 6000, 53);
	assert_int_equal(inp_sock_error(c), ECONNREFUSED);
	assert_int_equal(inp_sock_error(c), 0);
	/* sendto reports it first, then sends. */
	unreach4_in(3, 6000, 53);
	assert_int_equal(inp_sock_sendto(c, "x", 1, NULL, 0), -ECONNREFUSED);
	assert_int_equal(inp_sock_sendto(c, "x", 1, NULL, 0), 1);
	assert_int_equal(ipw_drain(D0), 1);
	/* Queued data comes first (soreceive_dgram), then the error. */
	n = pb_udp4(Q, "198.51.100.1", 53, "192.0.2.10", 6000, "data", 4);
	ipw_in(W->em0, Q, n, 0);
	unreach4_in(3, 6000, 53);
	assert_int_equal(ipw_recv(c, NULL, NULL, 0), 4);
	assert_int_equal(ipw_recv(c, NULL, NULL, 0), -ECONNREFUSED);
	/* Codes: host unreachable, administratively prohibited, need frag. */
	unreach4_in(1, 6000, 53);
	assert_int_equal(inp_sock_error(c), EHOSTUNREACH);
	unreach4_in(13, 6000, 53);
	assert_int_equal(inp_sock_error(c), ECONNREFUSED);
	unreach4_in(4, 6000, 53);
	assert_int_equal(inp_sock_error(c), 0);
	/* Not this 4-tuple, or an unconnected socket: nobody hears it. */
	unreach4_in(3, 6000, 54);
	unreach4_in(3, 6001, 53);
	assert_int_equal(inp_sock_error(c), 0);
	assert_int_equal(inp_sock_error(u), 0);
	assert_int_equal(ipw_ip().icps_inhist_unreach, 9);
}

static void icmp4_drops(void **state)
{
	struct inp_sock *c = connected4();
	struct inp_ipstat s;
	size_t qn, n;

	(void)state;
	qn = pb_udp4(Q, "192.0.2.10", 6000, "198.51.100.1", 53, NULL, 0);
	n = pb_icmp4_unreach(P, "192.0.2.1", "192.0.2.10", 3, Q, qn);
	pb_put16(P + 2, 27);                            /* 7 ICMP bytes */
	pb_ip4_cksum(P);
	ipw_in(W->em0, P, 27, 0);
	pb_put16(P + 2, (unsigned)n);
	pb_ip4_cksum(P);
	P[22] ^= 1;
	ipw_in(W->em0, P, n, 0);                        /* checksum */
	ipw_in(W->em0, P, n, INP_PKT_CSUM_OK);          /* ... trusted */
	assert_int_equal(inp_sock_error(c), ECONNREFUSED);
	n = pb_icmp4_unreach(P, "192.0.2.1", "192.0.2.10", 16, Q, qn);
	ipw_in(W->em0, P, n, 0);                        /* no code 16 */
	n = pb_icmp4_unreach(P, "192.0.2.1", "192.0.2.10", 3, Q, 27);
	ipw_in(W->em0, P, n, 0);                        /* quote too short */
	qn = pb_udp4(Q, "192.0.2.10", 6000, "239.1.1.1", 53, NULL, 0);
	n = pb_icmp4_unreach(P, "192.0.2.1", "192.0.2.10", 3, Q, qn);
	ipw_in(W->em0, P, n, 0);                        /* to a group */
	n = pb_icmp4_unreach(P, "192.0.2.1", "192.0.2.10", 0, Q, qn);
	P[20] = 8;                                      /* echo request */
	pb_put16(P + 22, 0);
	pb_put16(P + 22, pb_fold(pb_sum(0, P + 20, n - 20)));
	ipw_in(W->em0, P, n, 0);
	s = ipw_ip();
	assert_int_equal(s.icps_tooshort, 1);
	assert_int_equal(s.icps_checksum, 1);
	assert_int_equal(s.icps_badcode, 2);
	assert_int_equal(s.icps_badlen, 1);
	assert_int_equal(s.icps_inhist_unreach, 1);
	assert_int_equal(s.icps_inhist_other, 1);
	assert_int_equal(inp_sock_error(c), 0);
	assert_int_equal(ipw_drain(D0), 0);             /* nothing answered */
}

static void icmp6_input(void **state)
{
	struct inp_sock *c = ipw_sock(AF_INET6, "2001:db8::10", 6000);
	struct inp_ipstat s;
	size_t qn, n;

	(void)state;
	assert_int_equal(fx_connect(c, "2001:db8::77", 53), 0);
	qn = pb_udp6(Q, "2001:db8::10", 6000, "2001:db8::77", 53, "q", 1);
	qn = pb_ip6_padn_ext(Q, qn, 60);               /* walked past */
	n = pb_icmp6_unreach(P, "2001:db8::1", "2001:db8::10", 4, Q, qn);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(c, NULL, NULL, 0), -ECONNREFUSED);
	n = pb_icmp6_unreach(P, "2001:db8::1", "2001:db8::10", 0, Q, qn);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(inp_sock_error(c), EHOSTUNREACH);
	n = pb_icmp6_unreach(P, "2001:db8::1", "2001:db8::10", 7, Q, qn);
	ipw_in(W->em0, P, n, 0);                        /* bad code */
	n = pb_icmp6_unreach(P, "2001:db8::1", "2001:db8::10", 4, Q, 39);
	ipw_in(W->em0, P, n, 0);                        /* short quote */
	n = pb_icmp6_unreach(P, "2001:db8::1", "2001:db8::10", 4, Q, 44);
	ipw_in(W->em0, P, n, 0);                        /* no UDP header */
	n = pb_icmp6_unreach(P, "2001:db8::1", "2001:db8::10", 4, Q, qn);
	P[50] ^= 1;
	ipw_in(W->em0, P, n, 0);                        /* checksum */
	pb_put16(P + 4, 7);
	ipw_in(W->em0, P, 47, 0);                       /* 7 bytes */
	pb_put16(P + 4, (unsigned)(n - 40));
	P[40] = 128;                                    /* echo request */
	pb_put16(P + 42, 0);
	P[50] ^= 1;
	pb_put16(P + 42, pb_cksum6(P, 40, n - 40, 58));
	ipw_in(W->em0, P, n, 0);
	s = ipw_ip();
	assert_int_equal(s.icps_inhist_unreach, 3);
	assert_int_equal(s.icps_badcode, 1);
	assert_int_equal(s.icps_badlen, 1);
	assert_int_equal(s.icps_checksum, 1);
	assert_int_equal(s.icps_tooshort, 1);
	assert_int_equal(s.icps_inhist_other, 1);
	assert_int_equal(inp_sock_error(c), 0);
}

/* ---- round trips ------------------------------------------------------- */

static void round_trip_inside_the_stack(void **state)
{
	struct inp_sock *c4 = ipw_sock(AF_INET, NULL, 0);
	struct inp_sock *c6 = ipw_sock(AF_INET6, NULL, 0);

	(void)state;
	assert_int_equal(fx_connect(c4, "127.0.0.1", 7999), 0);
	assert_int_equal(inp_sock_sendto(c4, "ping", 4, NULL, 0), 4);
	assert_int_equal(ipw_recv(c4, NULL, NULL, 0), -ECONNREFUSED);
	assert_int_equal(fx_connect(c6, "::1", 7999), 0);
	assert_int_equal(inp_sock_sendto(c6, "ping", 4, NULL, 0), 4);
	assert_int_equal(ipw_recv(c6, NULL, NULL, 0), -ECONNREFUSED);
	assert_int_equal(ipw_ip().icps_error, 2);
	assert_int_equal(ipw_drain(D0), 0);
}

/* The datagram leaves by em0; its refusal comes back through the driver. */
static void round_trip_through_the_driver(void **state)
{
	struct inp_sock *c = ipw_sock(AF_INET, NULL, 0);
	size_t qn, n;

	(void)state;
	assert_int_equal(fx_connect(c, "198.51.100.1", 53), 0);
	assert_int_equal(inp_sock_sendto(c, "q", 1, NULL, 0), 1);
	qn = ipw_sent(D0, Q);
	assert_int_equal(qn, 29);
	n = pb_icmp4_unreach(P, "198.51.100.1", "192.0.2.10", 3, Q, qn);
	assert_int_equal(inp_loop_push(D0, P, n), 0);
	assert_int_equal(inp_if_poll(W->em0, 8), 1);
	assert_int_equal(ipw_recv(c, NULL, NULL, 0), -ECONNREFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		IPW_TEST(unreach4_contents),
		IPW_TEST(unreach6_contents),
		cmocka_unit_test_setup_teardown(no_error_for, ipw_setup,
		                                teardown_blackholed),
		IPW_TEST(rate_limit),
		IPW_TEST(econnrefused),
		IPW_TEST(icmp4_drops),
		IPW_TEST(icmp6_input),
		IPW_TEST(round_trip_inside_the_stack),
		IPW_TEST(round_trip_through_the_driver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
