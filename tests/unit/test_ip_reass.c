/*
 * test_ip_reass.c - IPv4 and IPv6 reassembly (src/ip/ip_reass.c): in
 * order, out of order, duplicates, overlaps (the whole datagram goes),
 * the 30 s / 60 s timeouts on the host clock, the per-vnet limits
 * (datagrams, fragments each, bytes), malformed fragments, options of
 * the first fragment, atomic and nested IPv6 fragments, and the fragment
 * ledger: every fragment is dropped, timed out, pending or part of a
 * reassembled datagram.
 */
#include "ip_fixture.h"

static uint8_t P[PB_MAX], F[PB_MAX];

/* A datagram of dlen payload bytes 0, 1, 2, ... to 192.0.2.10:5000. */
static size_t dgram4(unsigned id, size_t dlen)
{
	static uint8_t data[PB_MAX];
	size_t i, n;

	for (i = 0; i < dlen; i++)
		data[i] = (uint8_t)(i * 7 + id);
	n = pb_udp4(P, "198.51.100.7", 1000 + id, "192.0.2.10", 5000, data,
	            dlen);
	pb_put16(P + 4, id);
	pb_ip4_cksum(P);
	return n;
}

static size_t dgram6(size_t dlen)
{
	static uint8_t data[PB_MAX];
	size_t i;

	for (i = 0; i < dlen; i++)
		data[i] = (uint8_t)(i * 3);
	return pb_udp6(P, "2001:db8::7", 1000, "2001:db8::10", 5000, data,
	               dlen);
}

/* Fragment [off, off+len) of P's payload, into the stack on em0. */
static void frag4_in(size_t off, size_t len, bool more)
{
	ipw_in(W->em0, F, pb_frag4(F, P, off, len, more), 0);
}

static void frag6_in(size_t off, size_t len, bool more, uint32_t id)
{
	ipw_in(W->em0, F, pb_frag6(F, P, off, len, more, id), 0);
}

/* The one datagram queued on so has dlen bytes equal to P's payload. */
static void got(struct inp_sock *so, size_t hl, size_t dlen)
{
	static uint8_t buf[PB_MAX];

	assert_int_equal(ipw_recv(so, NULL, buf, sizeof(buf)), dlen);
	assert_memory_equal(buf, P + hl + 8, dlen);
}

static unsigned pending(void)
{
	return ip_reass_pending(W->vnet);
}

/* ---- IPv4 -------------------------------------------------------------- */

static void v4_in_and_out_of_order(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);
	struct inp_ipstat s;

	(void)state;
	dgram4(1, 3000);                      /* 3008 bytes after the header */
	frag4_in(0, 1480, true);
	frag4_in(1480, 1480, true);
	assert_int_equal(pending(), 2);
	frag4_in(2960, 48, false);
	got(a, 20, 3000);
	assert_int_equal(pending(), 0);

	dgram4(2, 3000);                      /* last first, a duplicate */
	frag4_in(2960, 48, false);
	frag4_in(1480, 1480, true);
	frag4_in(1480, 1480, true);
	frag4_in(0, 1480, true);
	got(a, 20, 3000);
	s = ipw_ip();
	assert_int_equal(s.ips_fragments, 7);
	assert_int_equal(s.ips_fragdropped, 1);
	assert_int_equal(s.ips_reassembled, 2);
	assert_int_equal(s.ips_delivered, 2);
	assert_int_equal(ipw_udp().udps_delivered, 2);
}

static void v4_overlap_drops_the_datagram(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);

	(void)state;
	dgram4(3, 2000);
	frag4_in(0, 1000, true);
	frag4_in(1000, 1000, true);
	frag4_in(992, 16, true);              /* overlaps both */
	assert_int_equal(pending(), 0);
	assert_int_equal(ipw_ip().ips_fragdropped, 3);
	/* A disagreeing end drops it too. */
	frag4_in(0, 1000, true);
	frag4_in(1000, 1008, false);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), 2000);
	dgram4(4, 2000);
	frag4_in(1000, 1008, false);
	frag4_in(1000, 504, false);           /* a second, shorter end */
	assert_int_equal(pending(), 0);
	assert_int_equal(ipw_ip().ips_fragdropped, 5);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), -EAGAIN);
}

static void v4_malformed_fragments(void **state)
{
	(void)state;
	dgram4(5, 2000);
	frag4_in(0, 1001, true);              /* not a multiple of 8 */
	frag4_in(0, 0, true);                 /* empty with more */
	/* Offset 8189 * 8 plus 1000 bytes: beyond 65535. */
	pb_frag4(F, P, 0, 1000, false);
	pb_put16(F + 6, 8189);
	pb_ip4_cksum(F);
	ipw_in(W->em0, F, 1020, 0);
	assert_int_equal(ipw_ip().ips_fragments, 3);
	assert_int_equal(ipw_ip().ips_fragdropped, 3);
	assert_int_equal(pending(), 0);
}

static void v4_first_fragment_options(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);
	static const uint8_t nops[8] = { 1, 1, 1, 1, 1, 1, 1, 0 };
	size_t n;

	(void)state;
	n = dgram4(6, 100);
	n = pb_ip4_options(P, n, nops, sizeof(nops));
	(void)n;
	frag4_in(56, 52, false);              /* payload is 108 bytes */
	frag4_in(0, 56, true);
	got(a, 28, 100);
}

static void v4_timeout(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);

	(void)state;
	dgram4(7, 3000);
	frag4_in(0, 1480, true);
	frag4_in(2960, 48, false);
	fx_advance(W, 29 * FX_SEC);
	assert_int_equal(pending(), 2);
	fx_advance(W, 1 * FX_SEC);            /* 30 s: expired */
	assert_int_equal(pending(), 0);
	assert_int_equal(ipw_ip().ips_fragtimeout, 2);
	frag4_in(1480, 1480, true);           /* the rest starts anew */
	assert_int_equal(pending(), 1);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), -EAGAIN);
	/* Without the timer: the next fragment expires what is due. */
	W->now += 31 * FX_SEC;
	dgram4(8, 100);
	frag4_in(0, 56, true);
	assert_int_equal(ipw_ip().ips_fragtimeout, 3);
	assert_int_equal(pending(), 1);
}

/* ---- limits ------------------------------------------------------------ */

static int setup_small(void **state)
{
	static const struct inp_limits lim = { .reass_max_datagrams = 2,
	                                       .reass_max_frags = 4,
	                                       .reass_max_bytes = 4000 };
	struct fx_config cfg = { .limits = &lim };

	return ipw_setup_cfg(state, &cfg);
}

static void limits(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);

	(void)state;
	dgram4(10, 3000);
	frag4_in(0, 1480, true);
	dgram4(11, 3000);
	frag4_in(0, 1480, true);
	dgram4(12, 3000);                     /* a third: the oldest goes */
	frag4_in(0, 1480, true);
	assert_int_equal(pending(), 2);
	assert_int_equal(ipw_ip().ips_fragdropped, 1);
	/* Bytes: 2 x 1480 held, a 3rd 1480 does not fit in 4000: the
	 * other datagram (11) is evicted to make room. */
	frag4_in(1480, 1480, true);
	assert_int_equal(pending(), 2);
	assert_int_equal(ipw_ip().ips_fragdropped, 2);
	frag4_in(2960, 48, false);
	assert_int_equal(pending(), 0);
	got(a, 20, 3000);
	/* More than 4 fragments in one datagram drop it. */
	dgram4(13, 800);
	frag4_in(0, 160, true);
	frag4_in(160, 160, true);
	frag4_in(320, 160, true);
	frag4_in(480, 160, true);
	frag4_in(640, 168, false);
	assert_int_equal(pending(), 0);
	assert_int_equal(ipw_ip().ips_fragdropped, 7);
	/* A fragment larger than all the memory is dropped alone. */
	dgram4(14, 7000);
	frag4_in(0, 6400, true);
	assert_int_equal(ipw_ip().ips_fragdropped, 8);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), -EAGAIN);
}

/* ---- IPv6 -------------------------------------------------------------- */

static void v6_reassembly(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET6, "::", 5000);
	struct inp_ipstat s;
	size_t n;

	(void)state;
	dgram6(2500);                          /* 2508 payload bytes */
	frag6_in(1232, 1232, true, 77);
	frag6_in(0, 1232, true, 77);
	assert_int_equal(pending(), 2);
	frag6_in(2464, 44, false, 77);
	got(a, 40, 2500);
	/* An atomic fragment is an unfragmented packet (RFC 6946). */
	n = dgram6(10);
	ipw_in(W->em0, F, pb_frag6(F, P, 0, n - 40, false, 78), 0);
	got(a, 40, 10);
	s = ipw_ip();
	assert_int_equal(s.ips_fragments, 3);
	assert_int_equal(s.ips_reassembled, 1);
	/* An overlap drops the datagram (RFC 5722). */
	dgram6(2500);
	frag6_in(0, 1232, true, 79);
	frag6_in(1224, 1232, true, 79);
	assert_int_equal(pending(), 0);
	assert_int_equal(ipw_ip().ips_fragdropped, 2);
	/* Different ids are different datagrams. */
	frag6_in(0, 1232, true, 80);
	frag6_in(1232, 1276, false, 81);
	assert_int_equal(pending(), 2);
	/* 60 s for IPv6: still there after 31 s. */
	fx_advance(W, 31 * FX_SEC);
	assert_int_equal(pending(), 2);
	fx_advance(W, 29 * FX_SEC);
	assert_int_equal(pending(), 0);
	assert_int_equal(ipw_ip().ips_fragtimeout, 2);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), -EAGAIN);
}

static void v6_nested_fragment(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET6, "::", 5000);
	static uint8_t inner[PB_MAX];
	size_t n;

	(void)state;
	/* A datagram whose fragmentable part holds another fragment header. */
	n = dgram6(64);
	n = pb_frag6(inner, P, 0, n - 40, true, 5);   /* not atomic: M set */
	memcpy(P, inner, n);
	frag6_in(0, 32, true, 6);
	frag6_in(32, n - 40 - 32, false, 6);
	assert_int_equal(ipw_ip().ips_reassembled, 1);
	assert_int_equal(ipw_ip().ip6s_badoptions, 1);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), -EAGAIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		IPW_TEST(v4_in_and_out_of_order),
		IPW_TEST(v4_overlap_drops_the_datagram),
		IPW_TEST(v4_malformed_fragments),
		IPW_TEST(v4_first_fragment_options),
		IPW_TEST(v4_timeout),
		cmocka_unit_test_setup_teardown(limits, setup_small, ipw_teardown),
		IPW_TEST(v6_reassembly),
		IPW_TEST(v6_nested_fragment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
