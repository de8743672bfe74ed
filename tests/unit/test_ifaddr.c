/*
 * test_ifaddr.c - interfaces and addresses (spec section 9): interface
 * names, indexes and flags; address configuration order and the primary
 * address (C6); broadcast addresses (B8, IF-3, UD-4); IPv6 zones and
 * usability; the reference counts of IF-1/IF-2 (invariant 27); bad input
 * changing nothing.
 */
#include "fixture.h"

#include "net/net_internal.h"

/* ---- interfaces ------------------------------------------------------- */

static void test_interfaces(void **state)
{
	struct fx *w = *state;
	struct inp_ifnet *ifp = NULL;
	char longname[INP_NAME_MAX + 1];

	assert_int_equal(inp_if_index(w->em0), 2);
	assert_int_equal(inp_if_index(w->em1), 3);
	assert_int_equal(inp_if_flags(w->em0),
	                 INP_IFF_UP | INP_IFF_BROADCAST | INP_IFF_MULTICAST);
	assert_ptr_equal(inp_if_find(w->vnet, "em1"), w->em1);
	assert_ptr_equal(inp_if_byindex(w->vnet, 3), w->em1);
	assert_null(inp_if_byindex(w->vnet, 4));
	assert_null(inp_if_byindex(w->vnet, 0));
	assert_null(inp_if_find(w->vnet, "em9"));
	assert_int_equal(inp_if_create(w->vnet, "em0", &ifp), -EEXIST);
	assert_null(ifp);
	assert_int_equal(inp_if_create(w->vnet, "", &ifp), -EINVAL);
	assert_int_equal(inp_if_create(w->vnet, "0em", &ifp), -EINVAL);
	assert_int_equal(inp_if_create(w->vnet, "e m", &ifp), -EINVAL);
	assert_int_equal(inp_if_create(w->vnet, NULL, &ifp), -EINVAL);
	assert_int_equal(inp_if_create(NULL, "x", &ifp), -EINVAL);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(inp_if_create(w->vnet, longname, &ifp), -EINVAL);
	longname[INP_NAME_MAX - 1] = '\0';   /* 63 characters: fine */
	assert_int_equal(inp_if_create(w->vnet, longname, &ifp), 0);
	assert_int_equal(inp_if_index(ifp), 4);
	assert_int_equal(inp_if_create(w->vnet, "_vlan0.100-x", NULL), 0);
	assert_int_equal(w->vnet->n_ifnets, 5);

	assert_int_equal(inp_if_set_up(w->em0, false), 0);
	assert_false(inp_if_flags(w->em0) & INP_IFF_UP);
	assert_int_equal(inp_if_set_up(w->em0, true), 0);
	assert_true(inp_if_flags(w->em0) & INP_IFF_UP);
	assert_int_equal(inp_if_set_up(NULL, true), -EINVAL);
	assert_int_equal(inp_if_set_loopback(w->em1), 0);
	assert_int_equal(inp_if_flags(w->em1),
	                 INP_IFF_UP | INP_IFF_LOOPBACK | INP_IFF_MULTICAST);
	assert_int_equal(inp_if_set_loopback(NULL), -EINVAL);
	assert_null(inp_if_name(NULL));
	assert_int_equal(inp_if_index(NULL), 0);
}

static void test_ifnet_limit(void **state)
{
	struct inp_limits lim = { .max_ifnets = 2, .max_ifaddrs = 3 };
	struct fx_config cfg = { .vnet = "v", .limits = &lim };
	struct fx w2;
	struct inp_ifnet *e;

	(void)state;
	fx_init(&w2, &cfg);                     /* lo0 + 2 addrs */
	assert_int_equal(inp_if_create(w2.vnet, "em0", &e), 0);
	assert_int_equal(inp_if_create(w2.vnet, "em1", NULL), -ENOBUFS);
	assert_int_equal(fx_if_add4(e, "192.0.2.1", 24, NULL), 0);
	assert_int_equal(fx_if_add4(e, "192.0.2.2", 24, NULL), -ENOBUFS);
	assert_int_equal(w2.vnet->n_addrs, 3);
	assert_int_equal(inp_host_destroy(w2.host), 0);
}

/* ---- addresses: order, primary, duplicates ----------------------------- */

static void test_order_and_primary(void **state)
{
	struct fx *w = *state;
	struct inp_ifaddr *ifa;
	struct inp_ifnet *ifp;
	struct in_addr a;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(fx_if_add4(w->em1, "203.0.113.5", 24, NULL), 0);
	assert_int_equal(fx_if_add4(w->em0, "192.0.2.11", 24, NULL), 0);
	/* Configuration order: lo0's two, then in the order added. */
	ifa = w->vnet->addrs;
	assert_int_equal(ifa->u.in.addr.s_addr, htonl(INADDR_LOOPBACK));
	ifa = ifa->v_next;
	assert_int_equal(ifa->family, AF_INET6);
	ifa = ifa->v_next;
	assert_int_equal(ifa->u.in.addr.s_addr, fx_in4("192.0.2.10").s_addr);
	ifa = ifa->v_next;
	assert_int_equal(ifa->u.in.addr.s_addr, fx_in4("203.0.113.5").s_addr);
	ifa = ifa->v_next;
	assert_int_equal(ifa->u.in.addr.s_addr, fx_in4("192.0.2.11").s_addr);
	assert_null(ifa->v_next);
	/* Per interface, too. */
	assert_int_equal(w->em0->addrs->u.in.addr.s_addr,
	                 fx_in4("192.0.2.10").s_addr);
	assert_int_equal(w->em0->addrs->if_next->u.in.addr.s_addr,
	                 fx_in4("192.0.2.11").s_addr);
	/* C6: the primary is the first IPv4 address: 127.0.0.1 ... */
	assert_true(vnet_primary_in4(w->vnet, &a, &ifp));
	assert_int_equal(a.s_addr, htonl(INADDR_LOOPBACK));
	assert_ptr_equal(ifp, w->vnet->lo0);
	/* ... until it goes. */
	assert_int_equal(fx_if_del4(w->vnet->lo0, "127.0.0.1"), 0);
	assert_true(vnet_primary_in4(w->vnet, &a, &ifp));
	assert_int_equal(a.s_addr, fx_in4("192.0.2.10").s_addr);
	assert_ptr_equal(ifp, w->em0);
	assert_int_equal(fx_if_del4(w->em0, "192.0.2.10"), 0);
	assert_int_equal(fx_if_del4(w->em0, "192.0.2.11"), 0);
	assert_int_equal(fx_if_del4(w->em1, "203.0.113.5"), 0);
	assert_false(vnet_primary_in4(w->vnet, &a, NULL));
}

static void test_duplicates(void **state)
{
	struct fx *w = *state;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), -EEXIST);
	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 16, NULL), -EEXIST);
	/* Another interface may carry the same address. */
	assert_int_equal(fx_if_add4(w->em1, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(fx_if_add6(w->em0, "2001:db8::1", 64), 0);
	assert_int_equal(fx_if_add6(w->em0, "2001:db8::1", 64), -EEXIST);
	assert_int_equal(w->vnet->n_addrs, 5);
	assert_int_equal(fx_if_del4(w->em0, "192.0.2.99"), -EADDRNOTAVAIL);
	assert_int_equal(fx_if_del4(w->em0, "192.0.2.10"), 0);
	assert_int_equal(fx_if_del4(w->em0, "192.0.2.10"), -EADDRNOTAVAIL);
	/* Still local through em1. */
	assert_true(ifa_is_local_in4(w->vnet, fx_in4("192.0.2.10")));
}

/* Bad input: a negative errno and no change. */
static void test_bad_input(void **state)
{
	struct fx *w = *state;
	struct sockaddr_in s = fx_sin4("192.0.2.10", 0);
	struct sockaddr_in6 s6 = fx_sin6("2001:db8::1", 0);
	struct sockaddr_in p = fx_sin4("192.0.2.1", 0);
	struct sockaddr bad = { .sa_family = AF_UNIX };
	struct inp_ifaddr *ifa = NULL;
	unsigned n = w->vnet->n_addrs;

	assert_int_equal(inp_if_addr_add(NULL, (struct sockaddr *)&s, 24, NULL),
	                 -EINVAL);
	assert_int_equal(inp_if_addr_add(w->em0, NULL, 24, NULL), -EINVAL);
	assert_int_equal(inp_if_addr_add(w->em0, &bad, 24, NULL), -EAFNOSUPPORT);
	assert_int_equal(inp_if_addr_add(w->em0, (struct sockaddr *)&s, 33, NULL),
	                 -EINVAL);
	assert_int_equal(inp_if_addr_add(w->em0, (struct sockaddr *)&s6, 129, NULL),
	                 -EINVAL);
	assert_int_equal(inp_if_addr_add(w->em0, (struct sockaddr *)&s6, 64,
	                                 (struct sockaddr *)&p), -EINVAL);
	assert_int_equal(inp_if_addr_add(w->em0, (struct sockaddr *)&s, 24,
	                                 (struct sockaddr *)&s6), -EINVAL);
	assert_int_equal(fx_if_add4(w->em0, "0.0.0.0", 8, NULL), -EINVAL);
	assert_int_equal(fx_if_add4(w->em0, "224.0.0.1", 24, NULL), -EINVAL);
	assert_int_equal(fx_if_add4(w->em0, "255.255.255.255", 32, NULL), -EINVAL);
	assert_int_equal(fx_if_add6(w->em0, "::", 64), -EINVAL);
	assert_int_equal(fx_if_add6(w->em0, "ff02::1", 64), -EINVAL);
	assert_int_equal(fx_if_add6(w->em0, "::ffff:192.0.2.1", 96), -EINVAL);
	assert_int_equal(inp_if_addr_delete(w->em0, &bad), -EAFNOSUPPORT);
	assert_int_equal(inp_if_addr_delete(NULL, (struct sockaddr *)&s), -EINVAL);
	assert_int_equal(w->vnet->n_addrs, n);
	assert_null(w->em0->addrs);
	assert_int_equal(inp_ifa_find(w->vnet, &bad, &ifa), -EAFNOSUPPORT);
	assert_int_equal(inp_ifa_find(w->vnet, NULL, &ifa), -EINVAL);
	assert_int_equal(inp_ifa_find(NULL, (struct sockaddr *)&s, &ifa), -EINVAL);
	assert_null(ifa);
	assert_false(inp_ifa_is_local(w->vnet, &bad));
	assert_false(inp_ifa_is_local(NULL, (struct sockaddr *)&s));
}

/* ---- broadcast (B8, IF-3, UD-4) ----------------------------------------- */

static void test_broadcast_addresses(void **state)
{
	struct fx *w = *state;
	struct inp_ifnet *tun;
	struct sockaddr_in s;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(fx_if_add4(w->em0, "198.51.100.1", 30, NULL), 0);
	assert_int_equal(fx_if_add4(w->em0, "198.51.100.8", 31, NULL), 0);
	assert_int_equal(fx_if_add4(w->em0, "198.51.100.20", 32, NULL), 0);
	assert_int_equal(inp_if_create(w->vnet, "tun0", &tun), 0);
	assert_int_equal(fx_if_add4(tun, "10.0.0.1", 24, "10.0.0.2"), 0);
	assert_true(inp_if_flags(tun) & INP_IFF_POINTOPOINT);

	/* IF-3: broadcast addresses of broadcast-capable interfaces are local. */
	assert_true(ifa_is_local_in4(w->vnet, fx_in4("192.0.2.255")));
	assert_true(ifa_is_local_in4(w->vnet, fx_in4("198.51.100.3")));   /* /30 */
	assert_false(ifa_is_local_in4(w->vnet, fx_in4("198.51.100.9")));  /* /31 */
	assert_false(ifa_is_local_in4(w->vnet, fx_in4("10.0.0.255")));    /* p2p */
	assert_false(ifa_is_local_in4(w->vnet, fx_in4("127.255.255.255"))); /* lo */
	assert_false(ifa_is_local_in4(w->vnet, fx_in4("255.255.255.255")));
	assert_false(ifa_is_local_in4(w->vnet, fx_in4("192.0.2.11")));
	assert_true(ifa_is_local_in4(w->vnet, fx_in4("198.51.100.20")));
	assert_true(ifa_is_local_in4(w->vnet, fx_in4("10.0.0.1")));
	assert_false(ifa_is_local_in4(w->vnet, fx_in4("10.0.0.2")));      /* peer */
	s = fx_sin4("192.0.2.255", 0);
	assert_true(inp_ifa_is_local(w->vnet, (struct sockaddr *)&s));
	s = fx_sin4("192.0.2.254", 0);
	assert_false(inp_ifa_is_local(w->vnet, (struct sockaddr *)&s));

	/* UD-4 on em0. */
	assert_true(ifa_is_broadcast_in4(w->em0, fx_in4("255.255.255.255")));
	assert_true(ifa_is_broadcast_in4(w->em0, fx_in4("0.0.0.0")));
	assert_true(ifa_is_broadcast_in4(NULL, fx_in4("255.255.255.255")));
	assert_true(ifa_is_broadcast_in4(w->em0, fx_in4("192.0.2.255")));
	assert_true(ifa_is_broadcast_in4(w->em0, fx_in4("192.0.2.0")));     /* net */
	assert_true(ifa_is_broadcast_in4(w->em0, fx_in4("198.51.100.0")));  /* /30 */
	assert_false(ifa_is_broadcast_in4(w->em0, fx_in4("198.51.100.8"))); /* /31 */
	assert_false(ifa_is_broadcast_in4(w->em0, fx_in4("198.51.100.9")));
	assert_false(ifa_is_broadcast_in4(w->em0, fx_in4("198.51.100.20"))); /* /32 */
	assert_false(ifa_is_broadcast_in4(w->em0, fx_in4("192.0.2.10")));
	/* Only the receiving interface's addresses count. */
	assert_false(ifa_is_broadcast_in4(w->em1, fx_in4("192.0.2.255")));
	assert_false(ifa_is_broadcast_in4(tun, fx_in4("10.0.0.255")));
	assert_false(ifa_is_broadcast_in4(w->vnet->lo0, fx_in4("127.255.255.255")));

	/* A loopback interface has no broadcast, even for older addresses. */
	assert_int_equal(inp_if_set_loopback(w->em0), 0);
	assert_false(ifa_is_local_in4(w->vnet, fx_in4("192.0.2.255")));
	assert_false(ifa_is_broadcast_in4(w->em0, fx_in4("192.0.2.255")));
	assert_true(ifa_is_local_in4(w->vnet, fx_in4("192.0.2.10")));
}

static void test_p2p_flag(void **state)
{
	struct fx *w = *state;

	assert_int_equal(fx_if_add4(w->em1, "10.0.0.1", 32, "10.0.0.2"), 0);
	assert_int_equal(fx_if_add4(w->em1, "10.0.1.1", 32, "10.0.1.2"), 0);
	assert_true(inp_if_flags(w->em1) & INP_IFF_POINTOPOINT);
	assert_int_equal(fx_if_del4(w->em1, "10.0.0.1"), 0);
	assert_true(inp_if_flags(w->em1) & INP_IFF_POINTOPOINT);
	assert_int_equal(fx_if_del4(w->em1, "10.0.1.1"), 0);
	assert_false(inp_if_flags(w->em1) & INP_IFF_POINTOPOINT);
}

/* S4 / IF-7 helpers: by peer, and by most specific connected prefix. */
static void test_dst_and_net(void **state)
{
	struct fx *w = *state;
	struct inp_ifaddr *ifa;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(fx_if_add4(w->em0, "192.0.2.130", 25, NULL), 0);
	assert_int_equal(fx_if_add4(w->em1, "192.0.2.20", 24, NULL), 0);
	assert_int_equal(fx_if_add4(w->em1, "10.0.0.1", 24, "10.0.0.2"), 0);

	ifa = ifa_find_net_in4(w->vnet, fx_in4("192.0.2.200"));
	assert_non_null(ifa);
	assert_int_equal(ifa->u.in.addr.s_addr, fx_in4("192.0.2.130").s_addr);
	ifa_rele(ifa);
	ifa = ifa_find_net_in4(w->vnet, fx_in4("192.0.2.5"));   /* tie: first */
	assert_int_equal(ifa->u.in.addr.s_addr, fx_in4("192.0.2.10").s_addr);
	ifa_rele(ifa);
	assert_null(ifa_find_net_in4(w->vnet, fx_in4("10.0.0.5")));  /* p2p: no */
	ifa = ifa_find_dst_in4(w->vnet, fx_in4("10.0.0.2"));
	assert_non_null(ifa);
	assert_int_equal(ifa->u.in.addr.s_addr, fx_in4("10.0.0.1").s_addr);
	assert_ptr_equal(inp_ifa_ifnet(ifa), w->em1);
	ifa_rele(ifa);
	assert_null(ifa_find_dst_in4(w->vnet, fx_in4("10.0.0.1")));
	assert_null(ifa_find_dst_in4(NULL, fx_in4("10.0.0.1")));
	assert_null(ifa_find_net_in4(NULL, fx_in4("10.0.0.1")));
}

/* ---- IPv6 zones and states --------------------------------------------- */

static void test_ipv6(void **state)
{
	struct fx *w = *state;
	struct in6_addr ll = fx_in6("fe80::1"), g = fx_in6("2001:db8::50");
	struct inp_ifaddr *ifa;
	struct sockaddr_storage ss;
	struct sockaddr_in6 s;
	unsigned e0 = inp_if_index(w->em0), e1 = inp_if_index(w->em1);

	assert_int_equal(fx_if_add6(w->em0, "fe80::1", 64), 0);
	assert_int_equal(fx_if_add6(w->em1, "fe80::1", 64), 0);   /* other zone */
	assert_int_equal(fx_if_add6(w->em0, "2001:db8::50", 64), 0);

	/* A link-local address is found only in its zone. */
	assert_null(ifa_find_in6(w->vnet, &ll, 0));
	ifa = ifa_find_in6(w->vnet, &ll, e1);
	assert_non_null(ifa);
	assert_ptr_equal(ifa->ifp, w->em1);
	inp_ifa_addr(ifa, &ss);
	assert_int_equal(((struct sockaddr_in6 *)&ss)->sin6_scope_id, e1);
	assert_int_equal(inp_ifa_plen(ifa), 64);
	ifa_rele(ifa);
	assert_null(ifa_find_in6(w->vnet, &ll, 99));
	/* Global addresses ignore the zone. */
	ifa = ifa_find_in6(w->vnet, &g, 0);
	assert_non_null(ifa);
	ifa_rele(ifa);
	ifa = ifa_find_in6(w->vnet, &g, e1);
	assert_non_null(ifa);
	assert_int_equal(ifa->u.in6.flags6, 0);   /* usable at once, no DAD */
	inp_ifa_addr(ifa, &ss);
	assert_int_equal(((struct sockaddr_in6 *)&ss)->sin6_scope_id, 0);

	/* 2.6: tentative, duplicated, detached are not bindable; anycast is. */
	assert_true(ifa_is_bindable_in6(w->vnet, &g, 0));
	ifa->u.in6.flags6 = IFA6_TENTATIVE;
	assert_false(ifa_is_bindable_in6(w->vnet, &g, 0));
	ifa->u.in6.flags6 = IFA6_DUPLICATED;
	assert_false(ifa_is_bindable_in6(w->vnet, &g, 0));
	ifa->u.in6.flags6 = IFA6_DETACHED;
	assert_false(ifa_is_bindable_in6(w->vnet, &g, 0));
	ifa->u.in6.flags6 = IFA6_ANYCAST | IFA6_DEPRECATED;
	assert_true(ifa_is_bindable_in6(w->vnet, &g, 0));
	ifa->u.in6.flags6 = 0;
	ifa_rele(ifa);
	assert_true(ifa_is_bindable_in6(w->vnet, &ll, e0));
	assert_false(ifa_is_bindable_in6(w->vnet, &ll, 0));
	assert_false(ifa_is_bindable_in6(w->vnet, &in6addr_any, 0));

	s = fx_sin6_scope("fe80::1", 0, e0);
	assert_true(inp_ifa_is_local(w->vnet, (struct sockaddr *)&s));
	s = fx_sin6("fe80::1", 0);
	assert_false(inp_ifa_is_local(w->vnet, (struct sockaddr *)&s));
	s = fx_sin6("::1", 0);
	assert_true(inp_ifa_is_local(w->vnet, (struct sockaddr *)&s));
	s = fx_sin6_scope("fe80::1", 0, e1);
	assert_int_equal(inp_if_addr_delete(w->em1, (struct sockaddr *)&s), 0);
	assert_null(ifa_find_in6(w->vnet, &ll, e1));
	assert_true(ifa_is_bindable_in6(w->vnet, &ll, e0));
}

/* ---- reference counts (IF-1, IF-2, invariant 27) ----------------------- */

static void test_refcounts(void **state)
{
	struct fx *w = *state;
	struct sockaddr_in s = fx_sin4("192.0.2.10", 0);
	struct sockaddr_storage ss;
	struct inp_ifaddr *ifa, *ifa2;

	assert_int_equal(fx_if_add4(w->em0, "192.0.2.10", 24, NULL), 0);
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w->vnet), 0);
	/* A lookup returns a reference (IF-2) ... */
	assert_int_equal(inp_ifa_find(w->vnet, (struct sockaddr *)&s, &ifa), 0);
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w->vnet), 1);
	assert_int_equal(atomic_load(&ifa->refcount), 2);
	ifa2 = ifa_find_in4(w->vnet, fx_in4("192.0.2.10"));
	assert_ptr_equal(ifa, ifa2);
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w->vnet), 2);
	ifa_rele(ifa2);
	/* ... and the boolean check takes none (IF-3). */
	assert_true(inp_ifa_is_local(w->vnet, (struct sockaddr *)&s));
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w->vnet), 1);
	/* Deleting a held address unlinks it; it stays readable. */
	assert_int_equal(fx_if_del4(w->em0, "192.0.2.10"), 0);
	assert_false(ifa->linked);
	assert_int_equal(atomic_load(&ifa->refcount), 1);
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w->vnet), 1);
	inp_ifa_addr(ifa, &ss);
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr,
	                 fx_in4("192.0.2.10").s_addr);
	assert_ptr_equal(inp_ifa_ifnet(ifa), w->em0);
	assert_int_equal(inp_ifa_find(w->vnet, (struct sockaddr *)&s, &ifa2),
	                 -EADDRNOTAVAIL);
	assert_false(ifa_is_local_in4(w->vnet, fx_in4("192.0.2.10")));
	inp_ifa_ref(ifa);
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w->vnet), 2);
	inp_ifa_rele(ifa);
	inp_ifa_rele(ifa);   /* the last one frees it (ASan checks) */
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w->vnet), 0);
	inp_ifa_rele(NULL);
	inp_ifa_ref(NULL);
}

/* An address still held when its vnet goes is orphaned, not freed. */
static void test_orphan_after_vnet_destroy(void **state)
{
	struct fx *w = *state;
	struct inp_vnet *v;
	struct inp_ifnet *e;
	struct inp_ifaddr *ifa;

	assert_int_equal(inp_vnet_create(w->host, "tmp", &v), 0);
	assert_int_equal(inp_if_create(v, "em0", &e), 0);
	assert_int_equal(fx_if_add4(e, "192.0.2.1", 24, NULL), 0);
	ifa = ifa_find_in4(v, fx_in4("192.0.2.1"));
	assert_non_null(ifa);
	assert_int_equal(inp_vnet_destroy(v), 0);
	assert_null(inp_ifa_ifnet(ifa));
	ifa_rele(ifa);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup_em0_em1, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_interfaces),
		cmocka_unit_test(test_ifnet_limit),
		T(test_order_and_primary),
		T(test_duplicates),
		T(test_bad_input),
		T(test_broadcast_addresses),
		T(test_p2p_flag),
		T(test_dst_and_net),
		T(test_ipv6),
		T(test_refcounts),
		T(test_orphan_after_vnet_destroy),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
