/*
 * test_sockopt.c - socket options (src/sock/sockopt.c) and the socket
 * entry checks they interact with (src/sock/sock_proto.c, sock.c):
 * the reuse-option cache of §1.3 (PR 179901), BINDANY privilege (E2),
 * IPV6_V6ONLY and the v4/v6 flags (§1.2, §1.4, X3, E15), port ranges,
 * the multicast interface (S2) and memberships, the IP byte options,
 * receive flags (UD-12), and bad input.
 *
 * Through the public API; the internal headers are read only to check
 * the PCB's cached flags, which no public call exposes directly.
 */
#include "fixture.h"

#include "sock/sock_internal.h"

/* ---- a small world: lo0, em0 192.0.2.10/24, em1 203.0.113.5+6/24 ------ */

/* The preamble (default route via 192.0.2.1), em1's two addresses, alice. */
static int setup(void **state)
{
	struct fx *f = fx_new(NULL);

	fx_two_nets(f);
	fx_if_add4_ok(f->em1, "203.0.113.6", 24);
	fx_alice(f);
	*state = f;
	return 0;
}

static unsigned pcb_flags2(struct inp_sock *so)
{
	return inp_sock_pcb(so)->flags2;
}

static unsigned pcb_flags(struct inp_sock *so)
{
	return inp_sock_pcb(so)->flags;
}

static unsigned pcb_vflag(struct inp_sock *so)
{
	return inp_sock_pcb(so)->vflag;
}

/* ---- §1.3: the cached reuse options ---------------------------------- */

static void cache_follows_option_before_bind(void **state)
{
	struct fx *w = *state;
	struct inp_sock *a = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_explain why;

	assert_int_equal(inp_sock_setopt(a, INP_SOL_SOCKET, INP_SO_REUSEADDR,
	                                 &(int){ 1 }, sizeof(int), &why), 0);
	assert_string_equal(why.rule, "1.3");
	assert_true(pcb_flags2(a) & INP_REUSEADDR);
	assert_false(pcb_flags2(a) & (INP_REUSEPORT | INP_REUSEPORT_LB));
	assert_int_equal(fx_getopt_int(a, INP_SOL_SOCKET, INP_SO_REUSEADDR), 1);

	assert_int_equal(fx_setopt_int(a, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1), 0);
	assert_int_equal(fx_setopt_int(a, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 7),
	                 0);
	assert_int_equal(pcb_flags2(a) & (INP_REUSEADDR | INP_REUSEPORT |
	                                  INP_REUSEPORT_LB),
	                 INP_REUSEADDR | INP_REUSEPORT | INP_REUSEPORT_LB);
	assert_int_equal(fx_getopt_int(a, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB), 1);

	/* Clearing clears the cache too: never only one side. */
	assert_int_equal(fx_setopt_int(a, INP_SOL_SOCKET, INP_SO_REUSEADDR, 0), 0);
	assert_int_equal(fx_setopt_int(a, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 0),
	                 0);
	assert_int_equal(pcb_flags2(a) & (INP_REUSEADDR | INP_REUSEPORT |
	                                  INP_REUSEPORT_LB), INP_REUSEPORT);
	assert_int_equal(fx_getopt_int(a, INP_SOL_SOCKET, INP_SO_REUSEADDR), 0);
	assert_int_equal(inp_sock_close(a), 0);
}

static void cache_follows_option_after_bind(void **state)
{
	struct fx *w = *state;
	struct inp_sock *a = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *b = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);

	/* E7: the option set after binding a group updates the bound PCB. */
	assert_int_equal(fx_bind(a, "239.2.2.2", 7000), 0);
	assert_false(pcb_flags2(a) & INP_REUSEADDR);
	assert_int_equal(fx_setopt_int(a, INP_SOL_SOCKET, INP_SO_REUSEADDR, 1), 0);
	assert_true(pcb_flags2(a) & INP_REUSEADDR);
	assert_int_equal(fx_setopt_int(b, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1), 0);
	assert_int_equal(fx_bind(b, "239.2.2.2", 7000), 0);
	inp_sock_close(b);
	inp_sock_close(a);
}

/* E6: all four SO_REUSEADDR / SO_REUSEPORT pairs on a multicast group. */
static void multicast_four_combinations(void **state)
{
	struct fx *w = *state;
	static const int opts[4][2] = FX_REUSE_PAIRS;
	int i;

	for (i = 0; i < 4; i++) {
		struct inp_sock *a = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
		struct inp_sock *b = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);

		assert_int_equal(fx_setopt_int(a, INP_SOL_SOCKET, opts[i][0], 1),
		                 0);
		assert_int_equal(fx_bind(a, "239.1.1.1", 5001 + i), 0);
		assert_int_equal(fx_setopt_int(b, INP_SOL_SOCKET, opts[i][1], 1),
		                 0);
		assert_int_equal(fx_bind(b, "239.1.1.1", 5001 + i), 0);
		inp_sock_close(b);
		inp_sock_close(a);
	}
}

static void dontroute_is_a_socket_option(void **state)
{
	struct fx *w = *state;
	struct inp_sock *a = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);

	assert_int_equal(fx_getopt_int(a, INP_SOL_SOCKET, INP_SO_DONTROUTE), 0);
	assert_int_equal(fx_setopt_int(a, INP_SOL_SOCKET, INP_SO_DONTROUTE, 1), 0);
	assert_int_equal(fx_getopt_int(a, INP_SOL_SOCKET, INP_SO_DONTROUTE), 1);
	assert_false(pcb_flags2(a) & (INP_REUSEADDR | INP_REUSEPORT));
	inp_sock_close(a);
}

/* ---- §1.2: BINDANY --------------------------------------------------- */

static void bindany_needs_privilege_whatever_the_value(void **state)
{
	struct fx *w = *state;
	struct inp_sock *c = fx_sock(w, AF_INET, INP_PROTO_UDP, w->alice);
	struct inp_sock *a = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *b = fx_sock(w, AF_INET6, INP_PROTO_UDP, NULL);
	struct inp_explain why;

	assert_int_equal(inp_sock_setopt(c, INP_IPPROTO_IP, INP_IP_BINDANY,
	                                 &(int){ 1 }, sizeof(int), &why), -EPERM);
	assert_string_equal(why.rule, "J12");
	assert_int_equal(fx_setopt_int(c, INP_IPPROTO_IP, INP_IP_BINDANY, 0),
	                 -EPERM);
	assert_false(pcb_flags(c) & INP_F_BINDANY);

	/* E2: root binds a non-local address once BINDANY is on. */
	assert_int_equal(fx_bind(a, "198.51.100.7", 5000), -EADDRNOTAVAIL);
	assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, INP_IP_BINDANY, 1), 0);
	assert_true(pcb_flags(a) & INP_F_BINDANY);
	assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, INP_IP_BINDANY), 1);
	assert_int_equal(fx_bind(a, "198.51.100.7", 5000), 0);

	assert_int_equal(fx_setopt_int(b, INP_IPPROTO_IPV6, INP_IPV6_BINDANY, 1),
	                 0);
	assert_int_equal(fx_getopt_int(b, INP_IPPROTO_IPV6, INP_IPV6_BINDANY), 1);
	assert_int_equal(fx_bind(b, "2001:db8::99", 5000), 0);
	assert_int_equal(fx_setopt_int(b, INP_IPPROTO_IPV6, INP_IPV6_BINDANY, 0),
	                 0);
	assert_false(pcb_flags(b) & INP_F_BINDANY);

	/* IPv6 options on an AF_INET socket do not exist. */
	assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IPV6, INP_IPV6_BINDANY, 1),
	                 -ENOPROTOOPT);
	inp_sock_close(a);
	inp_sock_close(b);
	inp_sock_close(c);
}

/* ---- §1.2 / §1.4: V6ONLY --------------------------------------------- */

static void v6only_flips_ipv4_until_bound(void **state)
{
	struct fx *w = *state;
	struct inp_sock *z = fx_sock(w, AF_INET6, INP_PROTO_UDP, NULL);
	struct inp_sock *v4 = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_explain why;

	/* net.inet6.ip6.v6only=1 by default. */
	assert_int_equal(fx_getopt_int(z, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY), 1);
	assert_false(pcb_vflag(z) & INP_V_IPV4);
	assert_true(pcb_vflag(z) & INP_V_IPV6PROTO);

	assert_int_equal(fx_setopt_int(z, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY, 0), 0);
	assert_true(pcb_vflag(z) & INP_V_IPV4);
	assert_false(pcb_flags(z) & INP_F_V6ONLY);
	assert_int_equal(fx_setopt_int(z, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY, 1), 0);
	assert_false(pcb_vflag(z) & INP_V_IPV4);
	assert_true(pcb_flags(z) & INP_F_V6ONLY);
	assert_true(pcb_vflag(z) & INP_V_IPV6);

	/* E14: once bound the option is frozen. */
	assert_int_equal(fx_bind(z, "::", 8500), 0);
	assert_int_equal(inp_sock_setopt(z, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY,
	                                 &(int){ 0 }, sizeof(int), &why), -EINVAL);
	assert_string_equal(why.rule, "1.2");
	assert_int_equal(fx_getopt_int(z, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY), 1);

	assert_int_equal(fx_setopt_int(v4, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY, 1),
	                 -ENOPROTOOPT);
	inp_sock_close(z);
	inp_sock_close(v4);
}

/* E15, X3: v4-mapped binds and connects, and the names they report. */
static void v4mapped_bind_makes_an_ipv4_pcb(void **state)
{
	struct fx *w = *state;
	struct inp_sock *m = fx_sock(w, AF_INET6, INP_PROTO_UDP, NULL);
	struct inp_sock *n = fx_sock(w, AF_INET6, INP_PROTO_UDP, NULL);
	struct sockaddr_in6 dst6 = fx_sin6("2001:db8::1", 53);
	struct sockaddr_in6 mapped = fx_sin6("::ffff:192.0.2.20", 53);
	struct sockaddr_storage ss;
	struct sockaddr_in6 *got = (struct sockaddr_in6 *)&ss;
	socklen_t len = 0;
	char buf[INET6_ADDRSTRLEN];
	unsigned before;

	assert_int_equal(fx_setopt_int(m, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY, 0), 0);
	assert_int_equal(fx_bind(m, "::ffff:192.0.2.10", 8600), 0);
	assert_int_equal(pcb_vflag(m), INP_V_IPV4 | INP_V_IPV6PROTO);
	assert_int_equal(inp_sock_name(m, &ss, &len), 0);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(got->sin6_family, AF_INET6);
	assert_int_equal(ntohs(got->sin6_port), 8600);
	inet_ntop(AF_INET6, &got->sin6_addr, buf, sizeof(buf));
	assert_string_equal(buf, "::ffff:192.0.2.10");
	assert_int_equal(inp_sock_peer(m, &ss, &len), -ENOTCONN);
	assert_int_equal(inp_sock_connect(m, (struct sockaddr *)&dst6,
	                                  sizeof(dst6), NULL), -EAFNOSUPPORT);

	/* V6ONLY: a mapped address is just an IPv6 address nobody has. */
	before = pcb_vflag(n);
	assert_int_equal(fx_bind(n, "::ffff:192.0.2.10", 8601), -EADDRNOTAVAIL);
	assert_int_equal(pcb_vflag(n), before);               /* V15 */
	assert_int_equal(inp_sock_connect(n, (struct sockaddr *)&mapped,
	                                  sizeof(mapped), NULL), -EINVAL);
	inp_sock_close(m);
	inp_sock_close(n);
}

/* ---- IP_PORTRANGE / IPV6_PORTRANGE ------------------------------------ */

static void portrange_values(void **state)
{
	struct fx *w = *state;
	struct inp_sock *a = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *b = fx_sock(w, AF_INET6, INP_PROTO_UDP, NULL);

	assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, INP_IP_PORTRANGE),
	                 INP_IP_PORTRANGE_DEFAULT);
	assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, INP_IP_PORTRANGE,
	                               INP_IP_PORTRANGE_HIGH), 0);
	assert_int_equal(pcb_flags(a) & (INP_HIGHPORT | INP_LOWPORT), INP_HIGHPORT);
	assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, INP_IP_PORTRANGE,
	                               INP_IP_PORTRANGE_LOW), 0);
	assert_int_equal(pcb_flags(a) & (INP_HIGHPORT | INP_LOWPORT), INP_LOWPORT);
	assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, INP_IP_PORTRANGE),
	                 INP_IP_PORTRANGE_LOW);
	assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, INP_IP_PORTRANGE, 3),
	                 -EINVAL);
	assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, INP_IP_PORTRANGE, -1),
	                 -EINVAL);
	assert_int_equal(pcb_flags(a) & (INP_HIGHPORT | INP_LOWPORT), INP_LOWPORT);
	assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, INP_IP_PORTRANGE,
	                               INP_IP_PORTRANGE_DEFAULT), 0);
	assert_int_equal(pcb_flags(a) & (INP_HIGHPORT | INP_LOWPORT), 0);

	assert_int_equal(fx_setopt_int(b, INP_IPPROTO_IPV6, INP_IPV6_PORTRANGE,
	                               INP_IP_PORTRANGE_HIGH), 0);
	assert_int_equal(fx_getopt_int(b, INP_IPPROTO_IPV6, INP_IPV6_PORTRANGE),
	                 INP_IP_PORTRANGE_HIGH);
	assert_int_equal(fx_setopt_int(b, INP_IPPROTO_IPV6, INP_IPV6_PORTRANGE, 9),
	                 -EINVAL);
	inp_sock_close(a);
	inp_sock_close(b);
}

/* E16: the low range needs the reserved-port privilege at bind time. */
static void portrange_low_refused_at_allocation(void **state)
{
	struct fx *w = *state;
	struct inp_sock *m = fx_sock(w, AF_INET, INP_PROTO_UDP, w->alice);

	assert_int_equal(fx_setopt_int(m, INP_IPPROTO_IP, INP_IP_PORTRANGE,
	                               INP_IP_PORTRANGE_LOW), 0);
	assert_int_equal(fx_bind(m, "0.0.0.0", 0), -EPERM);
	inp_sock_close(m);
}

/* ---- S2: IP_MULTICAST_IF ---------------------------------------------- */

static void multicast_if_selects_the_interface(void **state)
{
	struct fx *w = *state;
	struct inp_sock *o = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	struct in_addr a = fx_in4("198.51.100.1"), got;
	socklen_t len = sizeof(got);
	struct inp_explain why;

	assert_int_equal(inp_sock_setopt(o, INP_IPPROTO_IP, INP_IP_MULTICAST_IF,
	                                 &a, sizeof(a), &why), -EADDRNOTAVAIL);
	assert_string_equal(why.rule, "S2");
	a = fx_in4("203.0.113.6");
	assert_int_equal(inp_sock_setopt(o, INP_IPPROTO_IP, INP_IP_MULTICAST_IF,
	                                 &a, sizeof(a), NULL), 0);
	assert_ptr_equal(inp_sock_pcb(o)->moptions->ifp, w->em1);
	/* It names the interface; reading it back gives its first address. */
	assert_int_equal(inp_sock_getopt(o, INP_IPPROTO_IP, INP_IP_MULTICAST_IF,
	                                 &got, &len), 0);
	assert_int_equal(got.s_addr, fx_in4("203.0.113.5").s_addr);
	assert_int_equal(inp_sock_setopt(o, INP_IPPROTO_IP, INP_IP_MULTICAST_IF,
	                                 &a, 2, NULL), -EINVAL);
	a.s_addr = 0;
	assert_int_equal(inp_sock_setopt(o, INP_IPPROTO_IP, INP_IP_MULTICAST_IF,
	                                 &a, sizeof(a), NULL), 0);
	assert_null(inp_sock_pcb(o)->moptions->ifp);
	inp_sock_close(o);
}

static void multicast_if_needs_a_multicast_interface(void **state)
{
	struct fx *w = *state;
	struct inp_sock *o = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_ifnet *tun = NULL;
	struct in_addr a = fx_in4("10.9.9.1");

	assert_int_equal(inp_if_create(w->vnet, "tun9", &tun), 0);
	fx_if_add4_ok(tun, "10.9.9.1", 24);
	tun->flags &= ~INP_IFF_MULTICAST;     /* no public knob for this */
	assert_int_equal(inp_sock_setopt(o, INP_IPPROTO_IP, INP_IP_MULTICAST_IF,
	                                 &a, sizeof(a), NULL), -EOPNOTSUPP);
	assert_null(inp_sock_pcb(o)->moptions);
	inp_sock_close(o);
}

/* E26: the interface's first address is the source, not the one named. */
static void multicast_if_overrides_source_selection(void **state)
{
	struct fx *w = *state;
	struct inp_sock *n = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	struct in_addr a = fx_in4("203.0.113.6");
	struct sockaddr_in grp = fx_sin4("239.9.9.9", 5000);
	struct sockaddr_storage ss;
	socklen_t len;

	assert_int_equal(inp_sock_setopt(n, INP_IPPROTO_IP, INP_IP_MULTICAST_IF,
	                                 &a, sizeof(a), NULL), 0);
	assert_int_equal(inp_sock_connect(n, (struct sockaddr *)&grp,
	                                  sizeof(grp), NULL), 0);
	assert_int_equal(inp_sock_name(n, &ss, &len), 0);
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr,
	                 fx_in4("203.0.113.5").s_addr);
	assert_int_equal(inp_sock_peer(n, &ss, &len), 0);
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_port, htons(5000));
	inp_sock_close(n);
}

/* ---- memberships ------------------------------------------------------ */

static unsigned count_mships(struct inp_sock *so)
{
	const struct inp_mship *m;
	unsigned n = 0;

	if (inp_sock_pcb(so)->moptions == NULL)
		return 0;
	for (m = inp_sock_pcb(so)->moptions->memberships; m; m = m->next)
		n++;
	return n;
}

static void ipv4_memberships(void **state)
{
	struct fx *w = *state;
	struct inp_sock *a = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	const int add = INP_IP_ADD_MEMBERSHIP, drop = INP_IP_DROP_MEMBERSHIP;
	struct ip_mreq m = fx_mreq4("239.1.1.1", "192.0.2.10");

	assert_int_equal(fx_member4(a, add, "192.0.2.99", "192.0.2.10"), -EINVAL);
	assert_int_equal(fx_member4(a, add, "239.1.1.1", "198.51.100.1"),
	                 -EADDRNOTAVAIL);
	assert_int_equal(count_mships(a), 0);
	assert_int_equal(fx_member4(a, add, "239.1.1.1", "192.0.2.10"), 0);
	assert_int_equal(fx_member4(a, add, "239.1.1.1", "192.0.2.10"),
	                 -EADDRINUSE);
	assert_int_equal(fx_member4(a, add, "239.1.1.1", "203.0.113.6"), 0);
	assert_int_equal(count_mships(a), 2);
	assert_int_equal(fx_member4(a, drop, "239.1.1.1", "192.0.2.10"), 0);
	assert_int_equal(fx_member4(a, drop, "239.1.1.1", "192.0.2.10"),
	                 -EADDRNOTAVAIL);
	assert_int_equal(count_mships(a), 1);
	assert_int_equal(inp_sock_pcb(a)->moptions->memberships->ifindex,
	                 inp_if_index(w->em1));

	/* 0.0.0.0: the interface of the route to the group (default, em0). */
	assert_int_equal(fx_member4(a, add, "239.3.3.3", "0.0.0.0"), 0);
	assert_int_equal(inp_sock_pcb(a)->moptions->memberships->ifindex,
	                 inp_if_index(w->em0));
	/* Dropping by the wildcard: the group on whatever interface. */
	assert_int_equal(fx_member4(a, drop, "239.3.3.3", "0.0.0.0"), 0);
	assert_int_equal(fx_member4(a, drop, "239.3.3.3", "0.0.0.0"),
	                 -EADDRNOTAVAIL);
	assert_int_equal(count_mships(a), 1);

	assert_int_equal(inp_sock_setopt(a, INP_IPPROTO_IP, add, &m, 4, NULL),
	                 -EINVAL);
	assert_int_equal(inp_sock_setopt(a, INP_IPPROTO_IP, add, NULL,
	                                 sizeof(m), NULL), -EINVAL);
	inp_sock_close(a);   /* memberships freed with the socket */
}

static void ipv6_memberships(void **state)
{
	struct fx *w = *state;
	struct inp_sock *b = fx_sock(w, AF_INET6, INP_PROTO_UDP, NULL);
	struct ipv6_mreq m;
	unsigned idx;
	socklen_t len = sizeof(idx);

	m.ipv6mr_multiaddr = fx_sin6("ff05::1:3", 0).sin6_addr;
	m.ipv6mr_interface = 99;
	assert_int_equal(inp_sock_setopt(b, INP_IPPROTO_IPV6, INP_IPV6_JOIN_GROUP,
	                                 &m, sizeof(m), NULL), -ENXIO);
	m.ipv6mr_interface = inp_if_index(w->em0);
	assert_int_equal(inp_sock_setopt(b, INP_IPPROTO_IPV6, INP_IPV6_JOIN_GROUP,
	                                 &m, sizeof(m), NULL), 0);
	assert_int_equal(inp_sock_setopt(b, INP_IPPROTO_IPV6, INP_IPV6_JOIN_GROUP,
	                                 &m, sizeof(m), NULL), -EADDRINUSE);
	assert_int_equal(count_mships(b), 1);
	assert_int_equal(inp_sock_setopt(b, INP_IPPROTO_IPV6, INP_IPV6_LEAVE_GROUP,
	                                 &m, sizeof(m), NULL), 0);
	assert_int_equal(inp_sock_setopt(b, INP_IPPROTO_IPV6, INP_IPV6_LEAVE_GROUP,
	                                 &m, sizeof(m), NULL), -EADDRNOTAVAIL);
	m.ipv6mr_multiaddr = fx_sin6("2001:db8::1", 0).sin6_addr;
	assert_int_equal(inp_sock_setopt(b, INP_IPPROTO_IPV6, INP_IPV6_JOIN_GROUP,
	                                 &m, sizeof(m), NULL), -EINVAL);

	idx = inp_if_index(w->em1);
	assert_int_equal(inp_sock_setopt(b, INP_IPPROTO_IPV6, INP_IPV6_MULTICAST_IF,
	                                 &idx, sizeof(idx), NULL), 0);
	idx = 0;
	assert_int_equal(inp_sock_getopt(b, INP_IPPROTO_IPV6, INP_IPV6_MULTICAST_IF,
	                                 &idx, &len), 0);
	assert_int_equal(idx, inp_if_index(w->em1));
	idx = 77;
	assert_int_equal(inp_sock_setopt(b, INP_IPPROTO_IPV6, INP_IPV6_MULTICAST_IF,
	                                 &idx, sizeof(idx), NULL), -EADDRNOTAVAIL);
	inp_sock_close(b);
}

/* ---- byte options and receive flags ------------------------------------ */

static void ip_byte_options(void **state)
{
	struct fx *w = *state;
	struct inp_sock *a = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	unsigned char c = 5;
	static const int names[] = { INP_IP_TOS, INP_IP_TTL, INP_IP_MINTTL,
	                             INP_IP_MULTICAST_TTL };
	size_t i;

	assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, INP_IP_TTL), 64);   /* LC-5 */
	assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, INP_IP_MULTICAST_TTL), 1);
	assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, INP_IP_MULTICAST_LOOP),
	                 1);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, names[i], 200),
		                 0);
		assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, names[i]), 200);
		assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, names[i], 256),
		                 -EINVAL);
		assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, names[i], -1),
		                 -EINVAL);
		assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, names[i]), 200);
	}
	assert_int_equal(inp_sock_pcb(a)->ip_tos, 200);
	assert_int_equal(inp_sock_pcb(a)->ip_minttl, 200);
	/* The multicast ones also take a u_char, as in FreeBSD. */
	assert_int_equal(inp_sock_setopt(a, INP_IPPROTO_IP, INP_IP_MULTICAST_TTL,
	                                 &c, 1, NULL), 0);
	assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, INP_IP_MULTICAST_TTL), 5);
	assert_int_equal(inp_sock_setopt(a, INP_IPPROTO_IP, INP_IP_TTL, &c, 1,
	                                 NULL), -EINVAL);
	assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, INP_IP_MULTICAST_LOOP, 0),
	                 0);
	assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, INP_IP_MULTICAST_LOOP),
	                 0);
	inp_sock_close(a);
}

static void receive_flags(void **state)
{
	struct fx *w = *state;
	struct inp_sock *a = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	static const struct { int name; unsigned flag; } rf[] = {
		{ INP_IP_RECVDSTADDR, INP_RECVDSTADDR },
		{ INP_IP_RECVTTL, INP_RECVTTL },
		{ INP_IP_RECVTOS, INP_RECVTOS },
		{ INP_IP_RECVIF, INP_RECVIF },
	};
	size_t i;

	for (i = 0; i < sizeof(rf) / sizeof(rf[0]); i++) {
		assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, rf[i].name), 0);
		assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, rf[i].name, 1),
		                 0);
		assert_true(pcb_flags(a) & rf[i].flag);
		assert_int_equal(fx_getopt_int(a, INP_IPPROTO_IP, rf[i].name), 1);
	}
	assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, INP_IP_RECVTTL, 0), 0);
	assert_false(pcb_flags(a) & INP_RECVTTL);
	assert_true(pcb_flags(a) & INP_RECVTOS);
	inp_sock_close(a);
}

/* ---- bad input --------------------------------------------------------- */

static void bad_input(void **state)
{
	struct fx *w = *state;
	struct inp_sock *a = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	int v = 1;
	char small[2];
	socklen_t len;
	struct inp_explain why;

	assert_int_equal(fx_setopt_int(NULL, INP_SOL_SOCKET, INP_SO_REUSEADDR, 1),
	                 -EINVAL);
	assert_int_equal(fx_setopt_int(a, 1234, INP_SO_REUSEADDR, 1), -ENOPROTOOPT);
	assert_int_equal(fx_setopt_int(a, INP_SOL_SOCKET, 0x4000, 1), -ENOPROTOOPT);
	assert_int_equal(fx_setopt_int(a, INP_IPPROTO_IP, 99, 1), -ENOPROTOOPT);
	/* Unknown wins over a missing value: the option is checked first. */
	assert_int_equal(inp_sock_setopt(a, INP_IPPROTO_IP, 99, NULL, 0, NULL),
	                 -ENOPROTOOPT);
	assert_int_equal(inp_sock_setopt(a, INP_SOL_SOCKET, INP_SO_REUSEPORT,
	                                 NULL, sizeof(int), NULL), -EINVAL);
	assert_int_equal(inp_sock_setopt(a, INP_SOL_SOCKET, INP_SO_REUSEPORT,
	                                 &v, 2, &why), -EINVAL);
	assert_string_equal(why.rule, "1.2");
	assert_int_equal(inp_sock_setopt(a, 1234, 1, &v, sizeof(v), &why),
	                 -ENOPROTOOPT);
	assert_non_null(strstr(why.reason, "no option"));
	assert_false(pcb_flags2(a) & INP_REUSEPORT);

	len = sizeof(small);
	assert_int_equal(inp_sock_getopt(a, INP_SOL_SOCKET, INP_SO_REUSEPORT,
	                                 small, &len), -EINVAL);
	assert_int_equal(inp_sock_getopt(a, INP_SOL_SOCKET, INP_SO_REUSEPORT,
	                                 &v, NULL), -EINVAL);
	len = sizeof(v);
	assert_int_equal(inp_sock_getopt(a, INP_IPPROTO_IP, INP_IP_ADD_MEMBERSHIP,
	                                 &v, &len), -ENOPROTOOPT);
	assert_int_equal(inp_sock_getopt(NULL, INP_SOL_SOCKET, INP_SO_REUSEPORT,
	                                 &v, &len), -EINVAL);
	inp_sock_close(a);
}

/* ---- the socket entry around the options -------------------------------- */

static void open_and_close(void **state)
{
	struct fx *w = *state;
	struct inp_sock *so = NULL;
	unsigned n0 = inp_pcb_count(w->vnet, INP_PROTO_UDP);

	assert_int_equal(inp_sock_open(w->vnet, AF_UNIX, INP_PROTO_UDP, NULL, &so),
	                 -EAFNOSUPPORT);
	assert_int_equal(inp_sock_open(w->vnet, AF_INET, (enum inp_proto)7, NULL,
	                               &so), -EINVAL);
	assert_int_equal(inp_sock_open(NULL, AF_INET, INP_PROTO_UDP, NULL, &so),
	                 -EINVAL);
	assert_int_equal(inp_sock_open(w->vnet, AF_INET, INP_PROTO_UDP, NULL,
	                               NULL), -EINVAL);
	assert_null(so);
	so = fx_sock(w, AF_INET6, INP_PROTO_UDP, w->alice);
	assert_int_equal(inp_pcb_count(w->vnet, INP_PROTO_UDP), n0 + 1);
	assert_int_equal(inp_sock_family(so), AF_INET6);
	assert_int_equal(inp_sock_proto(so), INP_PROTO_UDP);
	assert_int_equal(inp_sock_set_label(so, "a-label"), 0);
	assert_string_equal(inp_sock_label(so), "a-label");
	assert_string_equal(inp_pcb_label(inp_sock_pcb(so)), "a-label");
	assert_int_equal(inp_sock_set_label(so, "0123456789012345678901234567890123"),
	                 -EINVAL);
	assert_string_equal(inp_sock_label(so), "a-label");
	inp_sock_set_udata(so, w);
	assert_ptr_equal(inp_sock_udata(so), w);
	assert_ptr_equal(inp_pcb_udata(inp_sock_pcb(so)), w);
	assert_int_equal(inp_sock_close(so), 0);
	assert_int_equal(inp_pcb_count(w->vnet, INP_PROTO_UDP), n0);
	assert_int_equal(inp_sock_close(NULL), -EINVAL);
}

static void bind_entry_checks(void **state)
{
	struct fx *w = *state;
	struct inp_sock *a = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *t = fx_sock(w, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_sock *t6 = fx_sock(w, AF_INET6, INP_PROTO_TCP, NULL);
	struct sockaddr_in6 s6 = fx_sin6("::1", 5000);
	struct sockaddr_in s = fx_sin4("0.0.0.0", 5010);
	struct inp_explain why;

	/* B2: E34 and the AF_UNSPEC exception for 0.0.0.0. */
	assert_int_equal(inp_sock_bind(a, (struct sockaddr *)&s6, sizeof(s6),
	                               &why), -EAFNOSUPPORT);
	assert_string_equal(why.rule, "B2");
	s.sin_family = AF_UNSPEC;
	s.sin_addr = fx_in4("192.0.2.10");
	assert_int_equal(inp_sock_bind(a, (struct sockaddr *)&s, sizeof(s), NULL),
	                 -EAFNOSUPPORT);
	s.sin_family = AF_INET;
	/* B3: the length must be exact. */
	assert_int_equal(inp_sock_bind(a, (struct sockaddr *)&s, sizeof(s) + 4,
	                               &why), -EINVAL);
	assert_string_equal(why.rule, "B3");
	assert_int_equal(inp_sock_bind(a, (struct sockaddr *)&s, 1, NULL), -EINVAL);
	s.sin_family = AF_UNSPEC;
	s.sin_addr.s_addr = 0;
	assert_int_equal(inp_sock_bind(a, (struct sockaddr *)&s, sizeof(s), NULL), 0);
	/* B4, also v4-mapped multicast on an AF_INET6 TCP socket. */
	assert_int_equal(fx_bind(t, "239.1.1.1", 5000), -EAFNOSUPPORT);
	assert_int_equal(fx_bind(t6, "::ffff:239.1.1.1", 5000), -EAFNOSUPPORT);
	assert_int_equal(fx_bind(t6, "ff05::1", 5000), -EAFNOSUPPORT);
	inp_sock_close(a);
	inp_sock_close(t);
	inp_sock_close(t6);
}

/* E23 and §4.5: AF_UNSPEC connect, plain disconnect. */
static void disconnect_paths(void **state)
{
	struct fx *w = *state;
	struct inp_sock *u = fx_sock(w, AF_INET, INP_PROTO_UDP, NULL);
	struct sockaddr_in peer = fx_sin4("198.51.100.7", 53);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_storage ss;
	socklen_t len;

	assert_int_equal(fx_bind(u, "0.0.0.0", 5300), 0);
	assert_int_equal(inp_sock_connect(u, &unspec, sizeof(unspec), NULL),
	                 -ENOTCONN);
	assert_int_equal(inp_sock_connect(u, (struct sockaddr *)&peer,
	                                  sizeof(peer), NULL), 0);
	assert_int_equal(inp_sock_peer(u, &ss, &len), 0);
	assert_int_equal(inp_sock_connect(u, &unspec, sizeof(unspec), NULL),
	                 -EAFNOSUPPORT);
	assert_int_equal(inp_sock_peer(u, &ss, &len), -ENOTCONN);
	assert_int_equal(inp_sock_name(u, &ss, &len), 0);
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_port, htons(5300));
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr, 0);

	assert_int_equal(inp_sock_connect(u, (struct sockaddr *)&peer,
	                                  sizeof(peer), NULL), 0);
	assert_int_equal(inp_sock_disconnect(u, NULL), 0);
	assert_int_equal(inp_sock_disconnect(u, NULL), -ENOTCONN);
	inp_sock_close(u);
}

/*
 * 1.1: FreeBSD's multicast option code serves datagram sockets only; a
 * TCP socket gets EOPNOTSUPP for every multicast option, set or get,
 * whatever the value, and nothing changes.
 */
static void multicast_options_need_datagram(void **state)
{
	struct fx *w = *state;
	struct inp_sock *t = fx_sock(w, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_sock *t6 = fx_sock(w, AF_INET6, INP_PROTO_TCP, NULL);
	struct ip_mreq m4 = fx_mreq4("239.1.1.1", "192.0.2.10");
	struct ipv6_mreq m6 = { .ipv6mr_interface = inp_if_index(w->em0) };
	struct in_addr ifa = fx_in4("192.0.2.10");
	unsigned idx = inp_if_index(w->em0);
	struct inp_explain why;
	unsigned char buf[32];
	socklen_t len;

	m6.ipv6mr_multiaddr = fx_in6("ff15::1");
	assert_int_equal(inp_sock_setopt(t, INP_IPPROTO_IP, INP_IP_MULTICAST_IF,
	                                 &ifa, sizeof(ifa), &why), -EOPNOTSUPP);
	assert_string_equal(why.rule, "1.1");
	assert_non_null(strstr(why.reason, "IP_MULTICAST_IF"));
	assert_int_equal(fx_setopt_int(t, INP_IPPROTO_IP, INP_IP_MULTICAST_TTL, 4),
	                 -EOPNOTSUPP);
	assert_int_equal(fx_setopt_int(t, INP_IPPROTO_IP, INP_IP_MULTICAST_LOOP, 0),
	                 -EOPNOTSUPP);
	assert_int_equal(fx_member4(t, INP_IP_ADD_MEMBERSHIP, "239.1.1.1",
	                            "192.0.2.10"), -EOPNOTSUPP);
	assert_int_equal(fx_member4(t, INP_IP_DROP_MEMBERSHIP, "239.1.1.1",
	                            "192.0.2.10"), -EOPNOTSUPP);
	/* Before the value: a NULL value is not EINVAL here. */
	assert_int_equal(inp_sock_setopt(t, INP_IPPROTO_IP, INP_IP_ADD_MEMBERSHIP,
	                                 NULL, sizeof(m4), NULL), -EOPNOTSUPP);
	assert_int_equal(inp_sock_setopt(t6, INP_IPPROTO_IPV6,
	                                 INP_IPV6_MULTICAST_IF, &idx, sizeof(idx),
	                                 NULL), -EOPNOTSUPP);
	assert_int_equal(inp_sock_setopt(t6, INP_IPPROTO_IPV6, INP_IPV6_JOIN_GROUP,
	                                 &m6, sizeof(m6), NULL), -EOPNOTSUPP);
	assert_int_equal(inp_sock_setopt(t6, INP_IPPROTO_IPV6,
	                                 INP_IPV6_LEAVE_GROUP, &m6, sizeof(m6),
	                                 NULL), -EOPNOTSUPP);
	assert_int_equal(inp_sock_setopt(t6, INP_IPPROTO_IP, INP_IP_ADD_MEMBERSHIP,
	                                 &m4, sizeof(m4), NULL), -EOPNOTSUPP);
	assert_null(inp_sock_pcb(t)->moptions);
	assert_null(inp_sock_pcb(t6)->moptions);
	/* getsockopt too (FreeBSD's inp_getmoptions / ip6_getmoptions). */
	len = sizeof(buf);
	assert_int_equal(inp_sock_getopt(t, INP_IPPROTO_IP, INP_IP_MULTICAST_TTL,
	                                 buf, &len), -EOPNOTSUPP);
	len = sizeof(buf);
	assert_int_equal(inp_sock_getopt(t6, INP_IPPROTO_IPV6,
	                                 INP_IPV6_MULTICAST_IF, buf, &len),
	                 -EOPNOTSUPP);
	/* Other options of a TCP socket are unaffected. */
	assert_int_equal(fx_setopt_int(t, INP_IPPROTO_IP, INP_IP_TTL, 64), 0);
	assert_int_equal(fx_getopt_int(t, INP_IPPROTO_IP, INP_IP_TTL), 64);
	/* An unknown option stays ENOPROTOOPT, an IPv6 one on AF_INET too. */
	assert_int_equal(inp_sock_setopt(t, INP_IPPROTO_IPV6, INP_IPV6_JOIN_GROUP,
	                                 &m6, sizeof(m6), NULL), -ENOPROTOOPT);
	inp_sock_close(t);
	inp_sock_close(t6);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(cache_follows_option_before_bind),
		T(cache_follows_option_after_bind),
		T(multicast_four_combinations),
		T(dontroute_is_a_socket_option),
		T(bindany_needs_privilege_whatever_the_value),
		T(v6only_flips_ipv4_until_bound),
		T(v4mapped_bind_makes_an_ipv4_pcb),
		T(portrange_values),
		T(portrange_low_refused_at_allocation),
		T(multicast_if_selects_the_interface),
		T(multicast_if_needs_a_multicast_interface),
		T(multicast_if_overrides_source_selection),
		T(ipv4_memberships),
		T(ipv6_memberships),
		T(ip_byte_options),
		T(receive_flags),
		T(bad_input),
		T(open_and_close),
		T(bind_entry_checks),
		T(disconnect_paths),
		T(multicast_options_need_datagram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
