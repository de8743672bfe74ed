/*
 * test_ip_input.c - IP and UDP input (src/ip/ip4_input.c, ip6_input.c,
 * src/udp/udp_input.c): checksum known answers, every IPv4 header drop
 * counter, options skipped, the "for us" decision (local, broadcast,
 * multicast, not ours), UDP length, port 0 and checksum rules (UD-1),
 * ancillary data from the real headers, the IPv6 extension header chain
 * with each of its drop counters, and the accounting ledgers of ip.h
 * over a mixture of everything (checked after every test by teardown).
 */
#include "ip_fixture.h"
#include "ip/ip_internal.h"

static uint8_t P[PB_MAX];

/* ---- checksums --------------------------------------------------------- */

static void cksum_known_answers(void **state)
{
	/* The classic IPv4 header example: checksum 0xb861. */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
	                  0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
	                  0xc0, 0xa8, 0x00, 0xc7 };
	struct in6_addr s6 = fx_in6("2001:db8::1"), d6 = fx_in6("2001:db8::10");
	uint8_t u[13] = { 0x04, 0xd2, 0x00, 0x35, 0x00, 0x0d, 0, 0,
	                  'h', 'e', 'l', 'l', 'o' };
	uint8_t odd[3] = { 0x01, 0x02, 0x03 };

	(void)state;
	assert_int_equal(cksum(h, sizeof(h)), 0xb861);
	h[10] = 0xb8;
	h[11] = 0x61;
	assert_int_equal(cksum(h, sizeof(h)), 0);
	/* UDP 192.0.2.1:1234 -> 192.0.2.10:53 "hello": 0x32ef (Python). */
	assert_int_equal(cksum_finish(cksum_add(cksum_pseudo4(fx_in4("192.0.2.1"),
	                 fx_in4("192.0.2.10"), 17, 13), u, 13)), 0x32ef);
	/* The same over IPv6 2001:db8::1 -> 2001:db8::10: 0x5b78. */
	assert_int_equal(cksum_finish(cksum_add(cksum_pseudo6(&s6, &d6, 17, 13),
	                 u, 13)), 0x5b78);
	/* An odd length pads with a zero byte: 0x0102 + 0x0300. */
	assert_int_equal(cksum(odd, 3), (~0x0402) & 0xffff);
}

/* ---- IPv4 delivery and ancillary data ---------------------------------- */

static void ip4_udp_delivered_with_ancillary(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);
	struct inp_rcvinfo ri;
	struct sockaddr_in *src = (struct sockaddr_in *)&ri.src;
	struct sockaddr_in *dst = (struct sockaddr_in *)&ri.dst;
	char buf[16];
	size_t n;

	(void)state;
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVDSTADDR, 1);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVTTL, 1);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVTOS, 1);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVIF, 1);
	n = pb_udp4(P, "198.51.100.7", 4242, "192.0.2.10", 5000, "hello", 5);
	P[1] = 0xb8;                          /* TOS: DSCP EF */
	P[8] = 17;                            /* TTL */
	pb_ip4_cksum(P);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(a, &ri, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(src->sin_addr.s_addr, fx_in4("198.51.100.7").s_addr);
	assert_int_equal(ntohs(src->sin_port), 4242);
	assert_int_equal(ri.have, INP_RCV_DSTADDR | INP_RCV_TTL | INP_RCV_TOS |
	                          INP_RCV_IF);
	assert_int_equal(dst->sin_addr.s_addr, fx_in4("192.0.2.10").s_addr);
	assert_int_equal(ri.ttl, 17);
	assert_int_equal(ri.tos, 0xb8);
	assert_int_equal(ri.ifindex, inp_if_index(W->em0));
	assert_int_equal(ipw_udp().udps_delivered, 1);
	assert_int_equal(ipw_ip().ips_delivered, 1);

	/* A broadcast: the real destination and interface are reported. */
	n = pb_udp4(P, "192.0.2.77", 1, "192.0.2.255", 5000, "b", 1);
	ipw_in(W->em0, P, n, INP_PKT_LINK_BCAST);
	assert_int_equal(ipw_recv(a, &ri, NULL, 0), 1);
	assert_int_equal(dst->sin_addr.s_addr, fx_in4("192.0.2.255").s_addr);
	assert_int_equal(ri.ifindex, inp_if_index(W->em0));
	/* The same on em1, whose broadcast it is not: not for us. */
	ipw_in(W->em1, P, n, 0);
	assert_int_equal(ipw_ip().ips_cantforward, 1);
	/* 255.255.255.255 on em1. */
	n = pb_udp4(P, "203.0.113.9", 1, "255.255.255.255", 5000, NULL, 0);
	ipw_in(W->em1, P, n, 0);
	assert_int_equal(ipw_recv(a, &ri, NULL, 0), 0);
	assert_int_equal(ri.ifindex, inp_if_index(W->em1));
	/* Weak host model: em1's address arriving on em0 is ours. */
	n = pb_udp4(P, "192.0.2.77", 1, "203.0.113.5", 5000, NULL, 0);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(a, &ri, NULL, 0), 0);
}

static void ip4_options_skipped(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);
	/* NOP, NOP, record route with room for 2 addresses, EOL padding */
	uint8_t opts[12] = { 1, 1, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0 };
	struct inp_rcvinfo ri;
	char buf[8];
	size_t n;

	(void)state;
	n = pb_udp4(P, "198.51.100.7", 1, "192.0.2.10", 5000, "opt", 3);
	n = pb_ip4_options(P, n, opts, sizeof(opts));
	assert_int_equal(n, 20 + 12 + 8 + 3);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(a, &ri, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "opt", 3);
	/* Options up to the maximum (60-byte header). */
	n = pb_udp4(P, "198.51.100.7", 1, "192.0.2.10", 5000, "max", 3);
	{
		uint8_t nops[40];

		memset(nops, 1, sizeof(nops));
		n = pb_ip4_options(P, n, nops, sizeof(nops));
	}
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(a, &ri, buf, sizeof(buf)), 3);
}

/* ---- IPv4 header drops ------------------------------------------------- */

static void ip4_header_drops(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);
	struct inp_ipstat s;
	size_t n;

	(void)state;
	ipw_in(W->em0, P, 0, 0);                            /* empty */
	n = pb_udp4(P, "198.51.100.7", 1, "192.0.2.10", 5000, "abcd", 4);
	ipw_in(W->em0, P, 19, 0);                           /* no header */
	P[0] = 0x55;                                        /* version 5 */
	ipw_in(W->em0, P, n, 0);
	P[0] = 0x44;                                        /* hl 16 */
	ipw_in(W->em0, P, n, 0);
	P[0] = 0x4f;                                        /* hl 60 > 32 */
	ipw_in(W->em0, P, n, 0);
	P[0] = 0x45;
	P[12] ^= 1;                                         /* checksum */
	ipw_in(W->em0, P, n, 0);
	/* ... which a NIC that verified it would not have passed: trusted */
	P[12] ^= 1;
	pb_put16(P + 2, 19);                                /* total < hl */
	pb_ip4_cksum(P);
	ipw_in(W->em0, P, n, 0);
	pb_put16(P + 2, (unsigned)n + 1);                   /* total > buf */
	pb_ip4_cksum(P);
	ipw_in(W->em0, P, n, 0);
	s = ipw_ip();
	assert_int_equal(s.ips_total, 8);
	assert_int_equal(s.ips_toosmall, 2);
	assert_int_equal(s.ips_badvers, 1);
	assert_int_equal(s.ips_badhlen, 2);
	assert_int_equal(s.ips_badsum, 1);
	assert_int_equal(s.ips_badlen, 1);
	assert_int_equal(s.ips_tooshort, 1);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), -EAGAIN);

	/* A longer buffer is trimmed to the total length (link padding). */
	n = pb_udp4(P, "198.51.100.7", 1, "192.0.2.10", 5000, "abcd", 4);
	memset(P + n, 0xee, 18);
	ipw_in(W->em0, P, n + 18, 0);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), 4);
	/* A bad header checksum with INP_PKT_CSUM_OK: the NIC said fine. */
	P[10] ^= 0xff;
	ipw_in(W->em0, P, n, INP_PKT_CSUM_OK);
	assert_int_equal(ipw_udp().udps_delivered, 2);
}

static void ip4_not_for_us(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);
	struct inp_ipstat s;
	size_t n;

	(void)state;
	n = pb_udp4(P, "198.51.100.7", 1, "192.0.2.99", 5000, NULL, 0);
	ipw_in(W->em0, P, n, 0);                  /* not ours: no forwarding */
	n = pb_udp4(P, "127.0.0.1", 1, "192.0.2.10", 5000, NULL, 0);
	ipw_in(W->em0, P, n, 0);                  /* 127/8 on a wire */
	n = pb_udp4(P, "192.0.2.7", 1, "127.0.0.1", 5000, NULL, 0);
	ipw_in(W->em0, P, n, 0);
	ipw_in(NULL, P, n, 0);                    /* lo0 may carry 127/8 */
	pb_ip4(P, "198.51.100.7", "192.0.2.10", 6, 20);  /* TCP: no stack */
	ipw_in(W->em0, P, 40, 0);
	pb_ip4(P, "198.51.100.7", "192.0.2.10", 58, 8);  /* ICMPv6 in IPv4 */
	ipw_in(W->em0, P, 28, 0);
	s = ipw_ip();
	assert_int_equal(s.ips_cantforward, 1);
	assert_int_equal(s.ips_badaddr, 2);
	assert_int_equal(s.ips_noproto, 2);
	assert_int_equal(s.ips_delivered, 1);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), 0);
}

static void ip4_multicast(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, NULL, 0);
	struct inp_rcvinfo ri;
	size_t n;

	(void)state;
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEADDR, 1);
	fx_bind_ok(a, "0.0.0.0", 5353);
	fx_member4_ok(a, INP_IP_ADD_MEMBERSHIP, "239.1.1.1", "192.0.2.10");
	n = pb_udp4(P, "192.0.2.77", 9, "239.1.1.1", 5353, "m", 1);
	ipw_in(W->em0, P, n, INP_PKT_LINK_BCAST);
	assert_int_equal(ipw_recv(a, &ri, NULL, 0), 1);
	ipw_in(W->em1, P, n, INP_PKT_LINK_BCAST);         /* not joined there */
	assert_int_equal(ipw_recv(a, &ri, NULL, 0), -EAGAIN);
	assert_int_equal(ipw_udp().ips_notmember, 1);
	assert_int_equal(ipw_udp().udps_noportmcast, 1);
}

/* ---- UDP (UD-1) -------------------------------------------------------- */

static void udp_header_rules(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);
	struct inp_udpstat u;
	char buf[16];
	size_t n;

	(void)state;
	pb_ip4(P, "198.51.100.7", "192.0.2.10", 17, 7);   /* 7 UDP bytes */
	ipw_in(W->em0, P, 27, 0);
	n = pb_udp4(P, "198.51.100.7", 1, "192.0.2.10", 0, NULL, 4);
	P[26] ^= 0x55;                       /* port 0 beats a bad checksum */
	ipw_in(W->em0, P, n, 0);
	n = pb_udp4(P, "198.51.100.7", 1, "192.0.2.10", 5000, NULL, 4);
	pb_put16(P + 24, 7);                                /* ulen < 8 */
	ipw_in(W->em0, P, n, 0);
	pb_put16(P + 24, 13);                               /* ulen > plen */
	ipw_in(W->em0, P, n, 0);
	pb_put16(P + 24, 12);
	P[30] ^= 1;                                         /* checksum */
	ipw_in(W->em0, P, n, 0);
	u = ipw_udp();
	assert_int_equal(u.udps_ipackets, 5);
	assert_int_equal(u.udps_hdrops, 1);
	assert_int_equal(u.udps_dport0, 1);
	assert_int_equal(u.udps_badlen, 2);
	assert_int_equal(u.udps_badsum, 1);

	/* ulen < plen trims: the checksum covers ulen bytes only (UD-1 4). */
	n = pb_udp4(P, "198.51.100.7", 1, "192.0.2.10", 5000, "abcdef", 6);
	pb_put16(P + 24, 8 + 3);
	pb_udp4_cksum(P);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(a, NULL, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "abc", 3);
	/* A zero checksum: no checksum, accepted for IPv4. */
	n = pb_udp4(P, "198.51.100.7", 1, "192.0.2.10", 5000, "z", 1);
	pb_put16(P + 26, 0);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), 1);
	assert_int_equal(ipw_udp().udps_nosum, 1);
	/* A bad one the NIC verified (INP_PKT_CSUM_OK) is accepted. */
	n = pb_udp4(P, "198.51.100.7", 1, "192.0.2.10", 5000, "z", 1);
	P[26] ^= 0xff;
	ipw_in(W->em0, P, n, INP_PKT_CSUM_OK);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), 1);
	assert_int_equal(ipw_udp().udps_badsum, 1);
}

/* ---- IPv6 -------------------------------------------------------------- */

static void ip6_udp_delivered(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET6, "::", 5000);
	struct inp_rcvinfo ri;
	struct sockaddr_in6 *src = (struct sockaddr_in6 *)&ri.src;
	char buf[8];
	size_t n;

	(void)state;
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVTTL, 1);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVTOS, 1);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVIF, 1);
	n = pb_udp6(P, "2001:db8::77", 4242, "2001:db8::10", 5000, "six", 3);
	P[0] = 0x6b;                   /* traffic class 0xb8: 1011 1000 */
	P[1] = 0x80;
	P[7] = 9;                      /* hop limit */
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(a, &ri, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "six", 3);
	assert_true(fx_in6_equal(&src->sin6_addr, "2001:db8::77"));
	assert_int_equal(ntohs(src->sin6_port), 4242);
	assert_int_equal(ri.tos, 0xb8);
	assert_int_equal(ri.ttl, 9);
	assert_int_equal(ri.ifindex, inp_if_index(W->em0));

	/* Link-local: fe80::10 is ours on em0 only; the zone is em0. */
	n = pb_udp6(P, "fe80::77", 1, "fe80::10", 5000, NULL, 0);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(a, &ri, NULL, 0), 0);
	assert_int_equal(src->sin6_scope_id, inp_if_index(W->em0));
	ipw_in(W->em1, P, n, 0);
	assert_int_equal(ipw_ip().ips_cantforward, 1);
	/* A zero checksum is a bad one (RFC 8200 8.1); ulen != plen too. */
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::10", 5000, "ab", 2);
	pb_put16(P + 46, 0);
	ipw_in(W->em0, P, n, 0);
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::10", 5000, "ab", 2);
	pb_put16(P + 44, 9);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_udp().udps_badsum, 1);
	assert_int_equal(ipw_udp().udps_badlen, 1);
}

static void ip6_header_drops(void **state)
{
	struct inp_ipstat s;
	size_t n;

	(void)state;
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::10", 5000, NULL, 0);
	ipw_in(W->em0, P, 39, 0);                            /* toosmall */
	pb_put16(P + 4, 9);                                  /* tooshort */
	ipw_in(W->em0, P, n, 0);
	pb_put16(P + 4, 8);
	pb_addr6("ff02::1", P + 8);                          /* mcast src */
	ipw_in(W->em0, P, n, 0);
	pb_addr6("::1", P + 8);                              /* ::1 on wire */
	ipw_in(W->em0, P, n, 0);
	pb_addr6("::ffff:192.0.2.7", P + 8);                 /* v4-mapped */
	ipw_in(W->em0, P, n, 0);
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::99", 5000, NULL, 0);
	ipw_in(W->em0, P, n, 0);                             /* not ours */
	n = pb_udp6(P, "2001:db8::77", 1, "::", 5000, NULL, 0);
	ipw_in(W->em0, P, n, 0);                             /* dst :: */
	pb_ip6(P, "2001:db8::77", "2001:db8::10", 6, 0);     /* TCP */
	ipw_in(W->em0, P, 40, 0);
	pb_ip6(P, "2001:db8::77", "2001:db8::10", 59, 0);    /* no next */
	ipw_in(W->em0, P, 40, 0);
	pb_ip6(P, "2001:db8::77", "2001:db8::10", 1, 0);     /* ICMPv4 */
	ipw_in(W->em0, P, 40, 0);
	s = ipw_ip();
	assert_int_equal(s.ips_total, 10);
	assert_int_equal(s.ips_toosmall, 1);
	assert_int_equal(s.ips_tooshort, 1);
	assert_int_equal(s.ip6s_badscope, 4);
	assert_int_equal(s.ips_cantforward, 1);
	assert_int_equal(s.ips_noproto, 3);
}

static void ip6_extension_headers(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET6, "::", 5000);
	static const uint8_t router_alert[6] = { 5, 2, 0, 0, 1, 0 };
	static const uint8_t skip_unknown[6] = { 0x1e, 4, 0, 0, 0, 0 };
	static const uint8_t discard[6] = { 0x5e, 4, 0, 0, 0, 0 };
	static const uint8_t jumbo[6] = { 0xc2, 4, 0, 0, 0, 0 };
	static const uint8_t rh_done[6] = { 4, 0, 0, 0, 0, 0 };
	static const uint8_t rh_left[6] = { 4, 1, 0, 0, 0, 0 };
	static const uint8_t rh0_left[6] = { 0, 1, 0, 0, 0, 0 };
	struct inp_ipstat s;
	size_t n;
	int i;

	(void)state;
	/* HBH (router alert), routing (done), destination options. */
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::10", 5000, "x", 1);
	n = pb_ip6_padn_ext(P, n, 60);
	n = pb_ip6_ext(P, n, 43, rh_done, 6);
	n = pb_ip6_ext(P, n, 0, router_alert, 6);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), 1);
	/* An unknown option whose type says "skip" is skipped. */
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::10", 5000, "x", 1);
	n = pb_ip6_ext(P, n, 60, skip_unknown, 6);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), 1);

	/* Drops: each with its counter. */
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::10", 5000, "x", 1);
	n = pb_ip6_padn_ext(P, n, 0);
	n = pb_ip6_padn_ext(P, n, 60);            /* HBH not first */
	ipw_in(W->em0, P, n, 0);
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::10", 5000, "x", 1);
	n = pb_ip6_ext(P, n, 60, discard, 6);     /* unknown: discard */
	ipw_in(W->em0, P, n, 0);
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::10", 5000, "x", 1);
	n = pb_ip6_ext(P, n, 0, jumbo, 6);        /* jumbo: unsupported */
	ipw_in(W->em0, P, n, 0);
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::10", 5000, "x", 1);
	n = pb_ip6_ext(P, n, 43, rh0_left, 6);    /* type 0 with segments */
	ipw_in(W->em0, P, n, 0);
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::10", 5000, "x", 1);
	n = pb_ip6_ext(P, n, 43, rh_left, 6);     /* SRH to forward */
	ipw_in(W->em0, P, n, 0);
	n = pb_udp6(P, "2001:db8::77", 1, "2001:db8::10", 5000, "x", 1);
	for (i = 0; i < 16; i++)                   /* hdrnestlimit is 15 */
		n = pb_ip6_padn_ext(P, n, 60);
	ipw_in(W->em0, P, n, 0);
	/* A header longer than the packet: length 2 (24 bytes), 8 there. */
	pb_ip6(P, "2001:db8::77", "2001:db8::10", 60, 8);
	memset(P + 40, 0, 8);
	P[40] = 59;
	P[41] = 2;
	ipw_in(W->em0, P, 48, 0);
	s = ipw_ip();
	assert_int_equal(s.ip6s_badoptions, 4);
	assert_int_equal(s.ips_cantforward, 1);
	assert_int_equal(s.ip6s_toomanyhdr, 1);
	assert_int_equal(s.ips_tooshort, 1);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), -EAGAIN);
}

static void ip6_multicast(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET6, NULL, 0);
	struct ipv6_mreq m;
	size_t n;

	(void)state;
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_bind_ok(a, "::", 5353);
	m.ipv6mr_multiaddr = fx_in6("ff02::fb");
	m.ipv6mr_interface = inp_if_index(W->em0);
	assert_int_equal(inp_sock_setopt(a, INP_IPPROTO_IPV6, INP_IPV6_JOIN_GROUP,
	                                 &m, sizeof(m), NULL), 0);
	n = pb_udp6(P, "fe80::77", 5353, "ff02::fb", 5353, "md", 2);
	ipw_in(W->em0, P, n, INP_PKT_LINK_BCAST);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), 2);
	ipw_in(W->em1, P, n, INP_PKT_LINK_BCAST);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), -EAGAIN);
	assert_int_equal(ipw_udp().udps_noportmcast, 1);
}

/* ---- the ledgers over a mixture ---------------------------------------- */

static void ledgers_over_a_mixture(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);
	struct inp_sock *b = ipw_sock(AF_INET6, "::", 5000);
	unsigned i;
	size_t n;

	(void)state;
	for (i = 0; i < 64; i++) {
		n = pb_udp4(P, "198.51.100.7", 1 + i, "192.0.2.10",
		            i % 3 ? 5000 : 6000 + i, NULL, i);
		if (i % 5 == 0)
			P[(i * 7) % n] ^= (uint8_t)(1 + i);   /* damage a byte */
		ipw_in(W->em0, P, n - (i % 11 == 0 ? 3 : 0), 0);
		n = pb_udp6(P, "2001:db8::7", 1 + i, "2001:db8::10",
		            i % 4 ? 5000 : 7000, NULL, i);
		if (i % 6 == 0)
			P[(i * 13) % n] ^= (uint8_t)(1 + i);
		ipw_in(W->em0, P, n, 0);
	}
	while (ipw_recv(a, NULL, NULL, 0) >= 0)
		;
	while (ipw_recv(b, NULL, NULL, 0) >= 0)
		;
	assert_int_equal(ipw_ip().ips_total, 128);
	assert_true(ipw_ip().icps_error > 0);       /* port unreachables */
	ipw_ledgers();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cksum_known_answers),
		IPW_TEST(ip4_udp_delivered_with_ancillary),
		IPW_TEST(ip4_options_skipped),
		IPW_TEST(ip4_header_drops),
		IPW_TEST(ip4_not_for_us),
		IPW_TEST(ip4_multicast),
		IPW_TEST(udp_header_rules),
		IPW_TEST(ip6_udp_delivered),
		IPW_TEST(ip6_header_drops),
		IPW_TEST(ip6_extension_headers),
		IPW_TEST(ip6_multicast),
		IPW_TEST(ledgers_over_a_mixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
