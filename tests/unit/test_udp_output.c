/*
 * test_udp_output.c - sending (src/udp/udp_output.c, src/ip/ip_output.c):
 * the implicit bind of spec 2.7, the headers on the wire (read back from
 * the loop driver), connected and unconnected sends and their errors,
 * broadcast (SO_BROADCAST) with its local copy, destinations inside the
 * stack, multicast TTL / loop / interface, IP_TOS reaching IP_RECVTOS
 * through the loop driver, IPv6 and v4-mapped sends, and the receive
 * and send buffer sizes in bytes.
 */
#include "ip_fixture.h"

static uint8_t P[PB_MAX];

static struct inp_pcb_info pcb_info(struct inp_sock *so)
{
	struct inp_pcb_info info;
	struct inp_pcb *p = inp_sock_pcb(so);

	inp_pcb_rlock(p);
	inp_pcb_get_info(p, &info);
	inp_pcb_runlock(p);
	return info;
}

/* The IPv4 address at p is a. */
static void assert_a4(const uint8_t *p, const char *a)
{
	struct in_addr x = fx_in4(a);

	assert_memory_equal(p, &x, 4);
}

static unsigned local_port(struct inp_sock *so)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(inp_sock_name(so, &ss, &len), 0);
	return ipw_port(&ss);
}

/* ---- the implicit bind and the headers --------------------------------- */

static void implicit_bind_and_headers(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, NULL, 0);
	struct inp_pcb_info info;
	unsigned port, id1;
	size_t n;

	(void)state;
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_TOS, 0x10);
	assert_int_equal(ipw_sendto(a, "query", 5, "198.51.100.1", 53), 5);
	/* 2.7: the port only; the address stays the wildcard. */
	info = pcb_info(a);
	assert_true(info.flags & INP_F_ANONPORT);
	assert_true(info.flags & INP_F_INHASHLIST);
	assert_int_equal(((struct sockaddr_in *)&info.local)->sin_addr.s_addr, 0);
	port = local_port(a);
	assert_true(port >= 10000);
	n = ipw_sent(D0, P);
	assert_int_equal(n, 33);
	assert_int_equal(P[0], 0x45);
	assert_int_equal(P[1], 0x10);                         /* IP_TOS */
	assert_int_equal(pb_get16(P + 2), 33);
	assert_int_equal(pb_get16(P + 6), 0);                 /* DF clear */
	assert_int_equal(P[8], 64);                           /* IP_TTL */
	assert_int_equal(P[9], 17);
	assert_true(pb_ip4_valid(P));
	assert_a4(P + 12, "192.0.2.10");
	assert_a4(P + 16, "198.51.100.1");
	assert_int_equal(pb_get16(P + 20), port);
	assert_int_equal(pb_get16(P + 22), 53);
	assert_int_equal(pb_get16(P + 24), 13);
	assert_true(pb_udp4_valid(P));
	assert_memory_equal(P + 28, "query", 5);
	id1 = pb_get16(P + 4);
	/* IP_TTL; the same port; a new IPv4 id from the random source. */
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_TTL, 7);
	assert_int_equal(ipw_sendto(a, NULL, 0, "203.0.113.9", 9), 0);
	assert_int_equal(ipw_sent(D1, P), 28);                /* via em1 */
	assert_int_equal(P[8], 7);
	assert_int_equal(pb_get16(P + 20), port);
	assert_a4(P + 12, "203.0.113.5");
	assert_true(pb_get16(P + 4) != id1);
	assert_true(pb_udp4_valid(P));
	assert_int_equal(ipw_ip().ips_otransmitted, 2);
	assert_int_equal(ipw_udp().udps_opackets, 2);
	/* A reply reaches the wildcard-bound socket. */
	n = pb_udp4(P, "198.51.100.1", 53, "192.0.2.10", port, "ans", 3);
	ipw_in(W->em0, P, n, 0);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), 3);
}

static void connected_and_errors(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 6000);
	struct inp_sock *t = fx_sock_kept(W, AF_INET, INP_PROTO_TCP, NULL);
	struct sockaddr_in6 s6 = fx_sin6("2001:db8::1", 53);
	struct sockaddr_in sin = fx_sin4("198.51.100.1", 53);
	static char big[65536];

	(void)state;
	assert_int_equal(inp_sock_sendto(a, "x", 1, NULL, 0), -ENOTCONN);
	assert_int_equal(ipw_sendto(a, "x", 1, "198.51.100.1", 0), -EADDRNOTAVAIL);
	assert_int_equal(inp_sock_sendto(a, "x", 1, (struct sockaddr *)&s6,
	                                 sizeof(s6)), -EAFNOSUPPORT);
	assert_int_equal(inp_sock_sendto(a, "x", 1, (struct sockaddr *)&sin,
	                                 sizeof(sin) - 1), -EINVAL);
	assert_int_equal(inp_sock_sendto(a, NULL, 1, NULL, 0), -EINVAL);
	assert_int_equal(ipw_sendto(a, "x", 1, "0.0.0.0", 53), -ENETUNREACH);
	assert_int_equal(ipw_sendto(t, "x", 1, "198.51.100.1", 53), -EOPNOTSUPP);
	/* SO_SNDBUF (9216) bounds a datagram, IPv4 65507 in any case. */
	assert_int_equal(fx_getopt_int(a, INP_SOL_SOCKET, INP_SO_SNDBUF), 9216);
	assert_int_equal(ipw_sendto(a, big, 9217, "198.51.100.1", 53), -EMSGSIZE);
	assert_int_equal(ipw_sendto(a, big, 9216, "198.51.100.1", 53), 9216);
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_SNDBUF, 65536);
	assert_int_equal(ipw_sendto(a, big, 65507, "198.51.100.1", 53), 65507);
	assert_int_equal(ipw_sendto(a, big, 65508, "198.51.100.1", 53), -EMSGSIZE);
	assert_int_equal(ipw_drain(D0), 2);
	assert_int_equal(fx_connect(a, "198.51.100.1", 53), 0);
	assert_int_equal(inp_sock_sendto(a, "c", 1, NULL, 0), 1);
	assert_int_equal(ipw_sendto(a, "c", 1, "198.51.100.1", 53), -EISCONN);
	assert_int_equal(ipw_sent(D0, P), 29);
	assert_a4(P + 12, "192.0.2.10");
	assert_int_equal(pb_get16(P + 20), 6000);
	/* No driver, a down interface: ENETDOWN, counted as dropped. */
	assert_int_equal(inp_if_detach_driver(W->em0), 0);
	assert_int_equal(inp_sock_sendto(a, "c", 1, NULL, 0), -ENETDOWN);
	assert_int_equal(inp_if_attach_driver(W->em0, NULL, NULL), -EINVAL);
	assert_int_equal(inp_loop_open(4, &DRV, &D0), 0);
	assert_int_equal(inp_if_attach_driver(W->em0, DRV, D0), 0);
	assert_int_equal(inp_if_set_up(W->em0, false), 0);
	assert_int_equal(inp_sock_sendto(a, "c", 1, NULL, 0), -ENETDOWN);
	assert_int_equal(inp_if_set_up(W->em0, true), 0);
	assert_int_equal(ipw_ip().ips_odropped, 2);
	/* No route at all: source selection finds none (S4). */
	assert_int_equal(fx_route_del4(W->vnet, "0.0.0.0", 0), 0);
	assert_int_equal(ipw_sendto(ipw_sock(AF_INET, NULL, 0), "x", 1,
	                            "198.51.100.1", 53), -ENETUNREACH);
}

static void broadcast(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 6700);
	struct inp_sock *r = ipw_sock(AF_INET, NULL, 0);
	struct inp_rcvinfo ri;

	(void)state;
	fx_setopt_int_ok(r, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_bind_ok(r, "0.0.0.0", 67);
	fx_setopt_int_ok(r, INP_IPPROTO_IP, INP_IP_RECVIF, 1);
	assert_int_equal(ipw_sendto(a, "b", 1, "192.0.2.255", 67), -EACCES);
	assert_int_equal(ipw_sendto(a, "b", 1, "255.255.255.255", 67), -EACCES);
	assert_int_equal(ipw_ip().ips_odropped, 2);
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_BROADCAST, 1);
	assert_int_equal(fx_getopt_int(a, INP_SOL_SOCKET, INP_SO_BROADCAST), 1);
	assert_int_equal(ipw_sendto(a, "b", 1, "192.0.2.255", 67), 1);
	assert_int_equal(ipw_sent(D0, P), 29);
	assert_a4(P + 16, "192.0.2.255");
	/* The interface hears its own broadcast (IFF_SIMPLEX). */
	assert_int_equal(ipw_recv(r, &ri, NULL, 0), 1);
	assert_int_equal(ri.ifindex, inp_if_index(W->em0));
	/* 255.255.255.255 leaves by the default route's interface. */
	assert_int_equal(ipw_sendto(a, "B", 1, "255.255.255.255", 67), 1);
	assert_int_equal(ipw_sent(D0, P), 29);
	assert_int_equal(ipw_recv(r, &ri, NULL, 0), 1);
	assert_int_equal(ipw_recv(a, &ri, NULL, 0), -EAGAIN);
}

/* ---- inside the stack -------------------------------------------------- */

static void local_destinations(void **state)
{
	struct inp_sock *r = ipw_sock(AF_INET, "0.0.0.0", 7000);
	struct inp_sock *a = ipw_sock(AF_INET, NULL, 0);
	struct inp_rcvinfo ri;
	struct sockaddr_in *src = (struct sockaddr_in *)&ri.src;
	char buf[8];

	(void)state;
	fx_setopt_int_ok(r, INP_IPPROTO_IP, INP_IP_RECVIF, 1);
	fx_setopt_int_ok(r, INP_IPPROTO_IP, INP_IP_RECVDSTADDR, 1);
	assert_int_equal(ipw_sendto(a, "lo", 2, "127.0.0.1", 7000), 2);
	assert_int_equal(ipw_recv(r, &ri, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "lo", 2);
	assert_int_equal(src->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	assert_int_equal(ntohs(src->sin_port), local_port(a));
	assert_int_equal(ri.ifindex, 1);                          /* lo0 */
	/* Our em0 address: delivered on em0, the interface owning it. */
	assert_int_equal(ipw_sendto(a, "em", 2, "192.0.2.10", 7000), 2);
	assert_int_equal(ipw_recv(r, &ri, NULL, 0), 2);
	assert_int_equal(ri.ifindex, inp_if_index(W->em0));
	assert_int_equal(src->sin_addr.s_addr, fx_in4("192.0.2.10").s_addr);
	/* And em1's, from a socket bound on em0's address. */
	assert_int_equal(ipw_sendto(r, "x", 1, "203.0.113.5", 7000), 1);
	assert_int_equal(ipw_recv(r, &ri, NULL, 0), 1);
	assert_int_equal(ri.ifindex, inp_if_index(W->em1));
	assert_int_equal(ipw_drain(D0) + ipw_drain(D1), 0);
	assert_int_equal(ipw_ip().ips_oloopback, 3);
	/* 127.0.0.2 is lo0's prefix but not an address: not for us. */
	assert_int_equal(ipw_sendto(a, "x", 1, "127.0.0.2", 7000), 1);
	assert_int_equal(ipw_ip().ips_cantforward, 1);
	/* No receiver: the port unreachable comes back inside the stack. */
	assert_int_equal(ipw_sendto(a, "x", 1, "127.0.0.1", 7999), 1);
	assert_int_equal(ipw_ip().icps_error, 1);
	assert_int_equal(ipw_ip().icps_inhist_unreach, 1);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), -EAGAIN);    /* unconnected */
}

/* ---- multicast --------------------------------------------------------- */

static struct inp_sock *member(const char *group, const char *ifaddr)
{
	struct inp_sock *r = ipw_sock(AF_INET, NULL, 0);

	fx_setopt_int_ok(r, INP_SOL_SOCKET, INP_SO_REUSEADDR, 1);
	fx_bind_ok(r, "0.0.0.0", 5353);
	fx_member4_ok(r, INP_IP_ADD_MEMBERSHIP, group, ifaddr);
	fx_setopt_int_ok(r, INP_IPPROTO_IP, INP_IP_RECVTOS, 1);
	fx_setopt_int_ok(r, INP_IPPROTO_IP, INP_IP_RECVTTL, 1);
	return r;
}

static void multicast_options(void **state)
{
	struct inp_sock *r = member("239.1.1.1", "192.0.2.10");
	struct inp_sock *a = ipw_sock(AF_INET, NULL, 0);
	struct in_addr em1 = fx_in4("203.0.113.5");
	struct inp_rcvinfo ri;

	(void)state;
	assert_int_equal(ipw_sendto(a, "m", 1, "239.1.1.1", 5353), 1);
	assert_int_equal(ipw_sent(D0, P), 29);
	assert_int_equal(P[8], 1);                  /* IP_MULTICAST_TTL 1 */
	assert_int_equal(ipw_recv(r, &ri, NULL, 0), 1);   /* loop default */
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_MULTICAST_TTL, 5);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_MULTICAST_LOOP, 0);
	assert_int_equal(ipw_sendto(a, "m", 1, "239.1.1.1", 5353), 1);
	assert_int_equal(ipw_sent(D0, P), 29);
	assert_int_equal(P[8], 5);
	assert_int_equal(ipw_recv(r, &ri, NULL, 0), -EAGAIN);
	/* IP_MULTICAST_IF: out of em1, from em1's address. */
	assert_int_equal(inp_sock_setopt(a, INP_IPPROTO_IP, INP_IP_MULTICAST_IF,
	                                 &em1, sizeof(em1), NULL), 0);
	assert_int_equal(ipw_sendto(a, "m", 1, "239.1.1.1", 5353), 1);
	assert_int_equal(ipw_sent(D0, P), 0);
	assert_int_equal(ipw_sent(D1, P), 29);
	assert_a4(P + 12, "203.0.113.5");
	/* A multicast copy reaches members even when the driver fails. */
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_MULTICAST_LOOP, 1);
	em1 = fx_in4("192.0.2.10");
	assert_int_equal(inp_sock_setopt(a, INP_IPPROTO_IP, INP_IP_MULTICAST_IF,
	                                 &em1, sizeof(em1), NULL), 0);
	assert_int_equal(inp_if_detach_driver(W->em0), 0);
	assert_int_equal(ipw_sendto(a, "m", 1, "239.1.1.1", 5353), -ENETDOWN);
	assert_int_equal(ipw_recv(r, &ri, NULL, 0), 1);
	assert_int_equal(inp_loop_open(8, &DRV, &D0), 0);
	assert_int_equal(inp_if_attach_driver(W->em0, DRV, D0), 0);
}

/* IP_TOS -> the wire -> the loop driver -> inp_if_poll -> IP_RECVTOS. */
static void tos_through_the_loop_driver(void **state)
{
	struct inp_sock *r = member("239.2.2.2", "192.0.2.10");
	struct inp_sock *a = ipw_sock(AF_INET, NULL, 0);
	struct inp_rcvinfo ri;

	(void)state;
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_TOS, 0x2e);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_MULTICAST_LOOP, 0);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_MULTICAST_TTL, 9);
	assert_int_equal(ipw_sendto(a, "tos", 3, "239.2.2.2", 5353), 3);
	assert_int_equal(ipw_recv(r, &ri, NULL, 0), -EAGAIN);
	assert_int_equal(inp_if_poll(W->em0, 16), 1);         /* back in */
	assert_int_equal(ipw_recv(r, &ri, NULL, 0), 3);
	assert_int_equal(ri.have & (INP_RCV_TOS | INP_RCV_TTL),
	                 INP_RCV_TOS | INP_RCV_TTL);
	assert_int_equal(ri.tos, 0x2e);
	assert_int_equal(ri.ttl, 9);
	assert_int_equal(inp_if_poll(W->em0, 16), 0);
}

/* ---- IPv6 -------------------------------------------------------------- */

static void ipv6_sends(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET6, NULL, 0);
	struct inp_sock *d = ipw_sock(AF_INET6, NULL, 0);
	struct inp_sock *r = ipw_sock(AF_INET6, "::1", 7000);
	struct sockaddr_in6 ll = fx_sin6_scope("fe80::77", 53,
	                                       inp_if_index(W->em0));
	size_t n;

	(void)state;
	assert_int_equal(ipw_sendto(a, "v6", 2, "2001:db8::77", 53), 2);
	n = ipw_sent(D0, P);
	assert_int_equal(n, 50);
	assert_int_equal(P[0] >> 4, 6);
	assert_int_equal(pb_get16(P + 4), 10);
	assert_int_equal(P[6], 17);
	assert_int_equal(P[7], 64);                          /* hop limit */
	assert_true(fx_in6_equal((struct in6_addr *)(P + 8), "2001:db8::10"));
	assert_true(pb_l4_6_valid(P, 40, 10, 17));
	/* Link-local, with its zone: from fe80::10 out of em0. */
	assert_int_equal(inp_sock_sendto(a, "ll", 2, (struct sockaddr *)&ll,
	                                 sizeof(ll)), 2);
	assert_int_equal(ipw_sent(D0, P), 50);
	assert_true(fx_in6_equal((struct in6_addr *)(P + 8), "fe80::10"));
	assert_true(pb_l4_6_valid(P, 40, 10, 17));
	/* ::1 inside the stack. */
	assert_int_equal(ipw_sendto(a, "lo", 2, "::1", 7000), 2);
	assert_int_equal(ipw_recv(r, NULL, NULL, 0), 2);
	/* v4-mapped: IPv4 on the wire, V6ONLY refuses it. */
	assert_int_equal(ipw_sendto(a, "m", 1, "::ffff:198.51.100.1", 53),
	                 -EINVAL);
	fx_setopt_int_ok(d, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY, 0);
	assert_int_equal(ipw_sendto(d, "m", 1, "::ffff:198.51.100.1", 53), 1);
	assert_int_equal(ipw_sent(D0, P), 29);
	assert_int_equal(P[0], 0x45);
	assert_true(pb_udp4_valid(P));
	/* ... and the same dual-stack socket sends IPv6 too. */
	assert_int_equal(ipw_sendto(d, "6", 1, "2001:db8::77", 53), 1);
	assert_int_equal(ipw_sent(D0, P), 49);
	/* '::' means ::1. */
	assert_int_equal(ipw_sendto(a, "w", 1, "::", 7000), 1);
	assert_int_equal(ipw_recv(r, NULL, NULL, 0), 1);
}

/* ---- socket buffers ---------------------------------------------------- */

static void buffers_in_bytes(void **state)
{
	struct inp_sock *r = ipw_sock(AF_INET, "0.0.0.0", 7100);
	struct inp_sock *a = ipw_sock(AF_INET, NULL, 0);
	static char big[65536];
	int v;

	(void)state;
	assert_int_equal(fx_getopt_int(r, INP_SOL_SOCKET, INP_SO_RCVBUF), 42080);
	assert_int_equal(fx_setopt_int(r, INP_SOL_SOCKET, INP_SO_RCVBUF, 0),
	                 -EINVAL);
	assert_int_equal(fx_setopt_int(r, INP_SOL_SOCKET, INP_SO_RCVBUF, -5),
	                 -EINVAL);
	assert_int_equal(fx_setopt_int(r, INP_SOL_SOCKET, INP_SO_RCVBUF,
	                               2097153), -ENOBUFS);
	v = 2097152;
	fx_setopt_int_ok(r, INP_SOL_SOCKET, INP_SO_RCVBUF, v);
	fx_setopt_int_ok(r, INP_SOL_SOCKET, INP_SO_RCVBUF, 100);
	assert_int_equal(fx_getopt_int(r, INP_SOL_SOCKET, INP_SO_RCVBUF), 100);
	/* 84 bytes and a sockaddr_in: 100; 85 do not fit, even alone. */
	assert_int_equal(ipw_sendto(a, big, 85, "127.0.0.1", 7100), 85);
	assert_int_equal(ipw_udp().udps_fullsock, 1);
	assert_int_equal(ipw_sendto(a, big, 84, "127.0.0.1", 7100), 84);
	assert_int_equal(ipw_sendto(a, big, 0, "127.0.0.1", 7100), 0);
	assert_int_equal(ipw_udp().udps_fullsock, 2);
	assert_int_equal(ipw_recv(r, NULL, NULL, 0), 84);
	assert_int_equal(ipw_sendto(a, big, 0, "127.0.0.1", 7100), 0);
	assert_int_equal(ipw_recv(r, NULL, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		IPW_TEST(implicit_bind_and_headers),
		IPW_TEST(connected_and_errors),
		IPW_TEST(broadcast),
		IPW_TEST(local_destinations),
		IPW_TEST(multicast_options),
		IPW_TEST(tos_through_the_loop_driver),
		IPW_TEST(ipv6_sends),
		IPW_TEST(buffers_in_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
