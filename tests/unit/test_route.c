/*
 * test_route.c - routing tables and longest-prefix match: connected,
 * loopback (IF-6), point-to-point peer, gateway, interface and default
 * routes; ties (first added wins); deletion and the routes that move to
 * another address; the source address of a result (S5); IPv6 with
 * link-local zones; limits and bad input; and a randomised comparison with
 * a brute-force longest match.
 */
#include "fixture.h"

#include "net/net_internal.h"

/*
 * Look up dst and check kind, interface, prefix length and source address
 * (src NULL: none).  Releases the reference the lookup returned.
 */
static void expect4(struct fx *w, const char *dst, enum inp_route_kind kind,
                    struct inp_ifnet *ifp, unsigned plen, const char *src)
{
	struct sockaddr_in d = fx_sin4(dst, 0);
	struct inp_route_info info;
	struct rt_result rt;

	assert_int_equal(rt_lookup_in4(w->vnet, fx_in4(dst), &rt), 0);
	assert_int_equal(rt.kind, kind);
	assert_ptr_equal(rt.ifp, ifp);
	if (src == NULL) {
		assert_null(rt.ifa);
	} else {
		assert_non_null(rt.ifa);
		assert_int_equal(rt.ifa->u.in.addr.s_addr, fx_in4(src).s_addr);
	}
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w->vnet), src ? 1 : 0);
	ifa_rele(rt.ifa);
	assert_int_equal(inp_route_lookup(w->vnet, (struct sockaddr *)&d, &info), 0);
	assert_int_equal(info.kind, kind);
	assert_int_equal(info.plen, plen);
	assert_ptr_equal(info.ifp, ifp);
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w->vnet), 0);
}

static void expect4_none(struct fx *w, const char *dst)
{
	struct sockaddr_in d = fx_sin4(dst, 0);
	struct inp_route_info info;
	struct rt_result rt;

	assert_int_equal(rt_lookup_in4(w->vnet, fx_in4(dst), &rt), -ENETUNREACH);
	assert_null(rt.ifa);
	assert_int_equal(inp_route_lookup(w->vnet, (struct sockaddr *)&d, &info),
	                 -ENETUNREACH);
}

/* ---- the fresh world --------------------------------------------------- */

static void test_fresh_vnet(void **state)
{
	struct fx *w = *state;
	struct inp_ifnet *lo = w->vnet->lo0;

	expect4(w, "127.0.0.1", INP_RT_LOOPBACK, lo, 32, "127.0.0.1");
	expect4(w, "127.0.0.7", INP_RT_CONNECTED, lo, 8, "127.0.0.1");
	expect4_none(w, "198.51.100.7");
	expect4_none(w, "0.0.0.0");
}

/* ---- connected, loopback, gateway, default, host ----------------------- */

static void test_connected_and_loopback(void **state)
{
	struct fx *w = *state;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	expect4(w, "192.0.2.20", INP_RT_CONNECTED, w->em0, 24, "192.0.2.10");
	expect4(w, "192.0.2.255", INP_RT_CONNECTED, w->em0, 24, "192.0.2.10");
	/* IF-6: the own address goes through lo0, the source is itself. */
	expect4(w, "192.0.2.10", INP_RT_LOOPBACK, w->vnet->lo0, 32, "192.0.2.10");
	expect4_none(w, "192.0.3.1");
}

static void test_gateway_default_host(void **state)
{
	struct fx *w = *state;
	struct sockaddr_in d = fx_sin4("198.51.100.7", 0);
	struct inp_route_info info;
	struct rt_result rt;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(fx_if_add4(w->em1, "203.0.113.5", 24, NULL), 0);
	assert_int_equal(fx_route_add4(w->vnet, "0.0.0.0", 0, "192.0.2.1",
	                               NULL), 0);
	/* Default route: via em0, source = the address holding the gateway. */
	expect4(w, "198.51.100.7", INP_RT_GATEWAY, w->em0, 0, "192.0.2.10");
	assert_int_equal(rt_lookup_in4(w->vnet, fx_in4("198.51.100.7"), &rt), 0);
	assert_int_equal(rt.gw4.s_addr, fx_in4("192.0.2.1").s_addr);
	ifa_rele(rt.ifa);
	assert_int_equal(inp_route_lookup(w->vnet, (struct sockaddr *)&d, &info), 0);
	assert_int_equal(((struct sockaddr_in *)&info.gateway)->sin_addr.s_addr,
	                 fx_in4("192.0.2.1").s_addr);
	assert_int_equal(((struct sockaddr_in *)&info.dst)->sin_addr.s_addr, 0);
	/* A more specific gateway route wins over the default ... */
	assert_int_equal(fx_route_add4(w->vnet, "198.51.100.0", 24,
	                               "203.0.113.1", NULL), 0);
	expect4(w, "198.51.100.7", INP_RT_GATEWAY, w->em1, 24, "203.0.113.5");
	expect4(w, "198.51.101.7", INP_RT_GATEWAY, w->em0, 0, "192.0.2.10");
	/* ... and a host route over both. */
	assert_int_equal(fx_route_add4(w->vnet, "198.51.100.7", 32, "192.0.2.2",
	                               NULL), 0);
	expect4(w, "198.51.100.7", INP_RT_GATEWAY, w->em0, 32, "192.0.2.10");
	expect4(w, "198.51.100.8", INP_RT_GATEWAY, w->em1, 24, "203.0.113.5");
	/* Connected prefixes still beat the default. */
	expect4(w, "203.0.113.9", INP_RT_CONNECTED, w->em1, 24, "203.0.113.5");
	/* Deleting static routes, longest first. */
	assert_int_equal(fx_route_del4(w->vnet, "198.51.100.7", 32), 0);
	expect4(w, "198.51.100.7", INP_RT_GATEWAY, w->em1, 24, "203.0.113.5");
	assert_int_equal(fx_route_del4(w->vnet, "198.51.100.7", 32), -ESRCH);
	assert_int_equal(fx_route_del4(w->vnet, "198.51.100.0", 24), 0);
	assert_int_equal(fx_route_del4(w->vnet, "0.0.0.0", 0), 0);
	expect4_none(w, "198.51.100.7");
	/* Connected routes cannot be deleted as static routes. */
	assert_int_equal(fx_route_del4(w->vnet, "192.0.2.0", 24), -ESRCH);
	expect4(w, "192.0.2.77", INP_RT_CONNECTED, w->em0, 24, "192.0.2.10");
}

static void test_gateway_unreachable(void **state)
{
	struct fx *w = *state;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(fx_route_add4(w->vnet, "0.0.0.0", 0, "203.0.113.1",
	                               NULL), -ENETUNREACH);
	expect4_none(w, "198.51.100.7");
	/* The own address or lo0's prefix is no gateway either way. */
	assert_int_equal(fx_route_add4(w->vnet, "0.0.0.0", 0, "10.1.1.1",
	                               NULL), -ENETUNREACH);
	/* The gateway's address is removed later: the route stays, with no
	 * source address and the interface it was added on. */
	assert_int_equal(fx_route_add4(w->vnet, "0.0.0.0", 0, "192.0.2.1",
	                               NULL), 0);
	assert_int_equal(fx_if_del4(w->em0, "192.0.2.10"), 0);
	expect4(w, "198.51.100.7", INP_RT_GATEWAY, w->em0, 0, NULL);
	/* When a prefix holds it again, the source follows. */
	assert_int_equal(fx_if_add4(w->em1, "192.0.2.30", 24, NULL), 0);
	expect4(w, "198.51.100.7", INP_RT_GATEWAY, w->em1, 0, "192.0.2.30");
}

static void test_duplicates_and_ties(void **state)
{
	struct fx *w = *state;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(fx_if_add4(w->em1, "203.0.113.5", 24, NULL), 0);
	assert_int_equal(fx_route_add4(w->vnet, "0.0.0.0", 0, "192.0.2.1",
	                               NULL), 0);
	assert_int_equal(fx_route_add4(w->vnet, "0.0.0.0", 0, "203.0.113.1",
	                               NULL), -EEXIST);
	assert_int_equal(fx_route_add4(w->vnet, "0.0.0.0", 0, NULL,
	                               w->em1), -EEXIST);
	/* dst is masked: 10.1.2.3/16 is 10.1.0.0/16. */
	assert_int_equal(fx_route_add4(w->vnet, "10.1.2.3", 16, NULL,
	                               w->em1), 0);
	assert_int_equal(fx_route_add4(w->vnet, "10.1.0.0", 16, "192.0.2.1",
	                               NULL), -EEXIST);
	expect4(w, "10.1.200.1", INP_RT_INTERFACE, w->em1, 16, "203.0.113.5");
	/* A second address of the same prefix shares the connected route:
	 * the first one added keeps it (ties: first added wins). */
	assert_int_equal(fx_if_add4(w->em1, "192.0.2.20", 24, NULL), 0);
	expect4(w, "192.0.2.99", INP_RT_CONNECTED, w->em0, 24, "192.0.2.10");
	/* A static route with a connected route's prefix loses the tie. */
	assert_int_equal(fx_route_add4(w->vnet, "192.0.2.0", 24, NULL,
	                               w->em1), 0);
	expect4(w, "192.0.2.99", INP_RT_CONNECTED, w->em0, 24, "192.0.2.10");
	/* Deleting the first address moves the connected route to the
	 * other address of the prefix, which still beats the static one. */
	assert_int_equal(fx_if_del4(w->em0, "192.0.2.10"), 0);
	expect4(w, "192.0.2.99", INP_RT_CONNECTED, w->em1, 24, "192.0.2.20");
	assert_int_equal(fx_if_del4(w->em1, "192.0.2.20"), 0);
	/* Now only the static interface route is left for the prefix. */
	expect4(w, "192.0.2.99", INP_RT_INTERFACE, w->em1, 24, "203.0.113.5");
	assert_int_equal(fx_route_del4(w->vnet, "192.0.2.0", 24), 0);
	/* Only the default route is left; its gateway is off-link now. */
	expect4(w, "192.0.2.99", INP_RT_GATEWAY, w->em0, 0, NULL);
}

/* The same address on two interfaces: one loopback route, which moves. */
static void test_shared_loopback_route(void **state)
{
	struct fx *w = *state;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(fx_if_add4(w->em1, "192.0.2.10", 24, NULL), 0);
	expect4(w, "192.0.2.10", INP_RT_LOOPBACK, w->vnet->lo0, 32, "192.0.2.10");
	assert_int_equal(fx_if_del4(w->em0, "192.0.2.10"), 0);
	expect4(w, "192.0.2.10", INP_RT_LOOPBACK, w->vnet->lo0, 32, "192.0.2.10");
	expect4(w, "192.0.2.11", INP_RT_CONNECTED, w->em1, 24, "192.0.2.10");
	assert_int_equal(fx_if_del4(w->em1, "192.0.2.10"), 0);
	expect4_none(w, "192.0.2.10");
}

/* ---- point-to-point (E25) and loopback interfaces ----------------------- */

static void test_p2p(void **state)
{
	struct fx *w = *state;
	struct inp_ifnet *tun;

	assert_int_equal(inp_if_create(w->vnet, "tun0", &tun), 0);
	assert_int_equal(fx_if_add4(tun, "10.0.0.1", 32, "10.0.0.2"), 0);
	/* A host route to the peer instead of a prefix route ... */
	expect4(w, "10.0.0.2", INP_RT_HOST_PEER, tun, 32, "10.0.0.1");
	/* ... and the local end through loopback (IF-6). */
	expect4(w, "10.0.0.1", INP_RT_LOOPBACK, w->vnet->lo0, 32, "10.0.0.1");
	expect4_none(w, "10.0.0.3");
	/* The peer can be a gateway. */
	assert_int_equal(fx_route_add4(w->vnet, "172.16.0.0", 12, "10.0.0.2",
	                               NULL), 0);
	expect4(w, "172.20.1.1", INP_RT_GATEWAY, tun, 12, "10.0.0.1");
	/* A p2p address on a /24 still has no prefix route. */
	assert_int_equal(fx_if_add4(tun, "10.9.0.1", 24, "10.9.0.2"), 0);
	expect4_none(w, "10.9.0.77");
	/* Deleting removes both routes; the gateway route stays, sourceless. */
	assert_int_equal(fx_if_del4(tun, "10.0.0.1"), 0);
	expect4_none(w, "10.0.0.2");
	expect4_none(w, "10.0.0.1");
	expect4(w, "172.20.1.1", INP_RT_GATEWAY, tun, 12, NULL);
}

/* Local == peer: no loopback route (IF-6), only the peer route. */
static void test_p2p_self(void **state)
{
	struct fx *w = *state;
	struct inp_ifnet *tun;

	assert_int_equal(inp_if_create(w->vnet, "tun0", &tun), 0);
	assert_int_equal(fx_if_add4(tun, "10.0.0.1", 32, "10.0.0.1"), 0);
	expect4(w, "10.0.0.1", INP_RT_HOST_PEER, tun, 32, "10.0.0.1");
}

static void test_loopback_interface(void **state)
{
	struct fx *w = *state;
	struct inp_ifnet *lo1;

	assert_int_equal(inp_if_create(w->vnet, "lo1", &lo1), 0);
	assert_int_equal(fx_if_add4(lo1, "10.1.1.1", 24, NULL), 0);
	expect4(w, "10.1.1.1", INP_RT_LOOPBACK, w->vnet->lo0, 32, "10.1.1.1");
	/* Marked loopback: its addresses are reached through itself. */
	assert_int_equal(inp_if_set_loopback(lo1), 0);
	expect4(w, "10.1.1.1", INP_RT_LOOPBACK, lo1, 32, "10.1.1.1");
	assert_int_equal(fx_if_add4(lo1, "10.2.2.2", 32, NULL), 0);
	/* A /32: its connected route came first and wins the tie. */
	expect4(w, "10.2.2.2", INP_RT_CONNECTED, lo1, 32, "10.2.2.2");
	expect4(w, "10.1.1.9", INP_RT_CONNECTED, lo1, 24, "10.1.1.1");
}

/* "Routes through a down interface match like others." */
static void test_down_interface(void **state)
{
	struct fx *w = *state;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(inp_if_set_up(w->em0, false), 0);
	expect4(w, "192.0.2.20", INP_RT_CONNECTED, w->em0, 24, "192.0.2.10");
}

/* ---- IPv6 ------------------------------------------------------------------ */

static void expect6(struct fx *w, const char *dst, unsigned scope,
                    enum inp_route_kind kind, struct inp_ifnet *ifp,
                    unsigned plen, const char *src)
{
	struct sockaddr_in6 d = fx_sin6_scope(dst, 0, scope);
	struct inp_route_info info;
	struct rt_result rt;
	struct in6_addr a = fx_in6(dst);

	assert_int_equal(rt_lookup_in6_scoped(w->vnet, &a, scope, &rt), 0);
	assert_int_equal(rt.kind, kind);
	assert_ptr_equal(rt.ifp, ifp);
	if (src == NULL) {
		assert_null(rt.ifa);
	} else {
		struct in6_addr s = fx_in6(src);
		assert_non_null(rt.ifa);
		assert_memory_equal(&rt.ifa->u.in6.addr, &s, sizeof(s));
	}
	ifa_rele(rt.ifa);
	assert_int_equal(inp_route_lookup(w->vnet, (struct sockaddr *)&d, &info), 0);
	assert_int_equal(info.kind, kind);
	assert_int_equal(info.plen, plen);
	assert_ptr_equal(info.ifp, ifp);
}

static void test_ipv6(void **state)
{
	struct fx *w = *state;
	struct sockaddr_in6 d = fx_sin6("::", 0), g = fx_sin6("2001:db8::1", 0);
	struct in6_addr x = fx_in6("2001:db8:1::9");
	struct rt_result rt;

	expect6(w, "::1", 0, INP_RT_CONNECTED, w->vnet->lo0, 128, "::1");
	assert_int_equal(fx_if_add6(w->em0, "2001:db8::50", 64), 0);
	expect6(w, "2001:db8::99", 0, INP_RT_CONNECTED, w->em0, 64, "2001:db8::50");
	expect6(w, "2001:db8::50", 0, INP_RT_LOOPBACK, w->vnet->lo0, 128,
	        "2001:db8::50");
	assert_int_equal(rt_lookup_in6(w->vnet, &x, &rt), -ENETUNREACH);
	/* Default route through a gateway on the connected prefix. */
	assert_int_equal(inp_route_add(w->vnet, (struct sockaddr *)&d, 0,
	                               (struct sockaddr *)&g, NULL), 0);
	expect6(w, "2001:db8:1::9", 0, INP_RT_GATEWAY, w->em0, 0, "2001:db8::50");
	assert_int_equal(rt_lookup_in6(w->vnet, &x, &rt), 0);
	assert_memory_equal(&rt.gw6, &g.sin6_addr, sizeof(g.sin6_addr));
	ifa_rele(rt.ifa);
	/* A /48 beats the default, a /56 beats the /48. */
	d = fx_sin6("2001:db8:1::", 0);
	assert_int_equal(inp_route_add(w->vnet, (struct sockaddr *)&d, 48, NULL,
	                               w->em1), 0);
	d = fx_sin6("2001:db8:1:ff00::", 0);
	assert_int_equal(inp_route_add(w->vnet, (struct sockaddr *)&d, 56,
	                               (struct sockaddr *)&g, NULL), 0);
	expect6(w, "2001:db8:1::9", 0, INP_RT_INTERFACE, w->em1, 48, NULL);
	expect6(w, "2001:db8:1:ff12::9", 0, INP_RT_GATEWAY, w->em0, 56,
	        "2001:db8::50");
	/* Unreachable gateway; bad plen. */
	g = fx_sin6("2001:db8:5::1", 0);
	assert_int_equal(inp_route_add(w->vnet, (struct sockaddr *)&d, 64,
	                               (struct sockaddr *)&g, NULL), -ENETUNREACH);
	assert_int_equal(inp_route_add(w->vnet, (struct sockaddr *)&d, 129, NULL,
	                               w->em1), -EINVAL);
	assert_int_equal(inp_route_delete(w->vnet, (struct sockaddr *)&d, 56), 0);
	expect6(w, "2001:db8:1:ff12::9", 0, INP_RT_INTERFACE, w->em1, 48, NULL);
}

/* Link-local prefixes exist per interface: the zone picks the route. */
static void test_ipv6_zones(void **state)
{
	struct fx *w = *state;
	unsigned e0 = inp_if_index(w->em0), e1 = inp_if_index(w->em1);
	struct sockaddr_in6 d = fx_sin6("::", 0), g = fx_sin6_scope("fe80::1", 0, e1);

	assert_int_equal(fx_if_add6(w->em0, "fe80::a", 64), 0);
	assert_int_equal(fx_if_add6(w->em1, "fe80::b", 64), 0);
	expect6(w, "fe80::99", e0, INP_RT_CONNECTED, w->em0, 64, "fe80::a");
	expect6(w, "fe80::99", e1, INP_RT_CONNECTED, w->em1, 64, "fe80::b");
	/* No zone: any interface's, the first added. */
	expect6(w, "fe80::99", 0, INP_RT_CONNECTED, w->em0, 64, "fe80::a");
	/* The own link-local address: loopback, in its zone. */
	expect6(w, "fe80::b", e1, INP_RT_LOOPBACK, w->vnet->lo0, 128, "fe80::b");
	/* A default route via a link-local gateway in em1's zone. */
	assert_int_equal(inp_route_add(w->vnet, (struct sockaddr *)&d, 0,
	                               (struct sockaddr *)&g, NULL), 0);
	expect6(w, "2001:db8::1", 0, INP_RT_GATEWAY, w->em1, 0, "fe80::b");
	/* Deleting em1's address removes only em1's link-local routes. */
	g = fx_sin6("fe80::b", 0);
	assert_int_equal(inp_if_addr_delete(w->em1, (struct sockaddr *)&g), 0);
	expect6(w, "fe80::99", e0, INP_RT_CONNECTED, w->em0, 64, "fe80::a");
	expect6(w, "fe80::99", 0, INP_RT_CONNECTED, w->em0, 64, "fe80::a");
}

/* ---- bad input and limits ---------------------------------------------- */

static void test_bad_input(void **state)
{
	struct fx *w = *state;
	struct sockaddr_in d = fx_sin4("10.0.0.0", 0), g = fx_sin4("192.0.2.1", 0);
	struct sockaddr_in6 g6 = fx_sin6("2001:db8::1", 0);
	struct sockaddr bad = { .sa_family = AF_UNIX };
	struct inp_route_info info;
	struct rt_result rt;
	struct inp_vnet *other;
	struct inp_ifnet *oifp;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(inp_route_add(NULL, (struct sockaddr *)&d, 8,
	                               (struct sockaddr *)&g, NULL), -EINVAL);
	assert_int_equal(inp_route_add(w->vnet, NULL, 8,
	                               (struct sockaddr *)&g, NULL), -EINVAL);
	assert_int_equal(inp_route_add(w->vnet, &bad, 8,
	                               (struct sockaddr *)&g, NULL), -EAFNOSUPPORT);
	assert_int_equal(inp_route_add(w->vnet, (struct sockaddr *)&d, 33,
	                               (struct sockaddr *)&g, NULL), -EINVAL);
	assert_int_equal(inp_route_add(w->vnet, (struct sockaddr *)&d, 8,
	                               NULL, NULL), -EINVAL);
	assert_int_equal(inp_route_add(w->vnet, (struct sockaddr *)&d, 8,
	                               (struct sockaddr *)&g, w->em0), -EINVAL);
	assert_int_equal(inp_route_add(w->vnet, (struct sockaddr *)&d, 8,
	                               (struct sockaddr *)&g6, NULL), -EINVAL);
	assert_int_equal(inp_vnet_create(w->host, "other", &other), 0);
	assert_int_equal(inp_if_create(other, "em0", &oifp), 0);
	assert_int_equal(inp_route_add(w->vnet, (struct sockaddr *)&d, 8,
	                               NULL, oifp), -EINVAL);
	assert_int_equal(inp_vnet_destroy(other), 0);
	expect4_none(w, "10.1.1.1");   /* nothing was added */
	assert_int_equal(inp_route_delete(w->vnet, &bad, 8), -EAFNOSUPPORT);
	assert_int_equal(inp_route_delete(w->vnet, (struct sockaddr *)&d, 40),
	                 -EINVAL);
	assert_int_equal(inp_route_delete(NULL, (struct sockaddr *)&d, 8), -EINVAL);
	assert_int_equal(inp_route_lookup(w->vnet, &bad, &info), -EAFNOSUPPORT);
	assert_int_equal(inp_route_lookup(w->vnet, (struct sockaddr *)&d, NULL),
	                 -EINVAL);
	assert_int_equal(rt_lookup_in4(NULL, d.sin_addr, &rt), -EINVAL);
	assert_int_equal(rt_lookup_in6(w->vnet, NULL, &rt), -EINVAL);
}

static void test_route_limit(void **state)
{
	/* lo0 brings 127/8, 127.0.0.1/32: two of three IPv4 routes. */
	struct inp_limits lim = { .max_routes = 3 };
	struct fx_config cfg = { .vnet = "v", .limits = &lim };
	struct fx w2;
	struct sockaddr_in d = fx_sin4("10.0.0.0", 0);

	(void)state;
	fx_init(&w2, &cfg);
	w2.em0 = fx_if(&w2, "em0");
	/* An address needs two more routes: refused as a whole. */
	assert_int_equal(fx_if_add4(w2.em0, "192.0.2.10", 24, NULL), -ENOBUFS);
	assert_null(w2.em0->addrs);
	assert_int_equal(w2.vnet->n_addrs, 2);
	assert_int_equal(inp_route_add(w2.vnet, (struct sockaddr *)&d, 8, NULL,
	                               w2.em0), 0);
	assert_int_equal(fx_route_add4(w2.vnet, "10.1.0.0", 16, NULL,
	                               w2.em0), -ENOBUFS);
	assert_int_equal(inp_host_destroy(w2.host), 0);
}

/* ---- LPM against brute force ------------------------------------------- */

struct ref_route {
	uint32_t dst;   /* host order, masked */
	unsigned plen;
	unsigned order;
};

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s;
}

static uint32_t hmask(unsigned plen)
{
	return plen == 0 ? 0 : 0xffffffffu << (32 - plen);
}

static void test_lpm_random(void **state)
{
	struct fx *w = *state;
	static struct ref_route ref[300];
	unsigned n = 0, i, k, q;
	uint32_t seed = 42;

	/* Routes in 10.0.0.0/8 with clustered prefixes so they nest. */
	while (n < 300) {
		unsigned plen = 8 + lcg(&seed) % 25;
		uint32_t dst = (0x0a000000u | (lcg(&seed) & 0x00ffff00u) |
		                (lcg(&seed) % 4)) & hmask(plen);
		struct sockaddr_in d = { .sin_family = AF_INET };
		int rc;

		d.sin_addr.s_addr = htonl(dst);
		rc = inp_route_add(w->vnet, (struct sockaddr *)&d, plen, NULL,
		                   (n % 2) ? w->em0 : w->em1);
		for (k = 0; k < n; k++)
			if (ref[k].dst == dst && ref[k].plen == plen)
				break;
		if (k < n) {
			assert_int_equal(rc, -EEXIST);
			continue;
		}
		assert_int_equal(rc, 0);
		ref[n].dst = dst;
		ref[n].plen = plen;
		ref[n].order = n;
		n++;
	}
	for (q = 0; q < 2000; q++) {
		uint32_t a = 0x0a000000u | (lcg(&seed) & 0x00ffffffu);
		struct sockaddr_in d = { .sin_family = AF_INET };
		struct inp_route_info info;
		int best = -1;

		if (q % 3 == 0)   /* often an address inside some route */
			a = ref[lcg(&seed) % n].dst | (lcg(&seed) & 0xff &
			                               ~hmask(32));
		for (k = 0; k < n; k++)
			if ((a & hmask(ref[k].plen)) == ref[k].dst &&
			    (best < 0 || ref[k].plen > ref[best].plen))
				best = (int)k;
		d.sin_addr.s_addr = htonl(a);
		if (best < 0) {
			assert_int_equal(inp_route_lookup(w->vnet, (struct sockaddr *)&d,
			                                  &info), -ENETUNREACH);
			continue;
		}
		assert_int_equal(inp_route_lookup(w->vnet, (struct sockaddr *)&d,
		                                  &info), 0);
		assert_int_equal(info.plen, ref[best].plen);
		assert_int_equal(ntohl(((struct sockaddr_in *)&info.dst)->sin_addr.s_addr),
		                 ref[best].dst);
		assert_ptr_equal(info.ifp, (ref[best].order % 2) ? w->em0 : w->em1);
	}
	/* Delete half, check again that every remaining one is found. */
	for (i = 0; i < n; i += 2) {
		struct sockaddr_in d = { .sin_family = AF_INET };
		d.sin_addr.s_addr = htonl(ref[i].dst);
		assert_int_equal(inp_route_delete(w->vnet, (struct sockaddr *)&d,
		                                  ref[i].plen), 0);
	}
	for (i = 1; i < n; i += 2) {
		struct sockaddr_in d = { .sin_family = AF_INET };
		struct inp_route_info info;
		int best = -1;

		for (k = 1; k < n; k += 2)
			if ((ref[i].dst & hmask(ref[k].plen)) == ref[k].dst &&
			    (best < 0 || ref[k].plen > ref[best].plen))
				best = (int)k;
		assert_int_equal(best >= 0, 1);
		d.sin_addr.s_addr = htonl(ref[i].dst);
		assert_int_equal(inp_route_lookup(w->vnet, (struct sockaddr *)&d,
		                                  &info), 0);
		assert_int_equal(info.plen, ref[best].plen);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup_em0_em1, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_fresh_vnet),
		T(test_connected_and_loopback),
		T(test_gateway_default_host),
		T(test_gateway_unreachable),
		T(test_duplicates_and_ties),
		T(test_shared_loopback_route),
		T(test_p2p),
		T(test_p2p_self),
		T(test_loopback_interface),
		T(test_down_interface),
		T(test_ipv6),
		T(test_ipv6_zones),
		T(test_bad_input),
		cmocka_unit_test(test_route_limit),
		T(test_lpm_random),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
