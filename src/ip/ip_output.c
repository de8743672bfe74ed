/*
 * ip_output.c - sending a built IPv4 or IPv6 packet (FreeBSD ip_output(),
 * ip6_output()): header writers, the choice of the outgoing interface,
 * delivery inside the stack for local destinations, broadcast and
 * multicast rules, and the hand-off to the interface's driver.
 *
 * Where a packet goes:
 *   - a local destination (a loopback route to one of our addresses)
 *     comes back in through IP input with rcvif = the interface owning
 *     the address, and never reaches a driver;
 *   - a route through a loopback interface (127.0.0.2 via lo0) comes back
 *     in on that interface (and, not being ours, is dropped there, as in
 *     FreeBSD);
 *   - everything else goes to the outgoing interface's driver; a
 *     multicast with loop on is first delivered here on that interface
 *     (FreeBSD ip_mloopback), a broadcast is delivered here once the
 *     driver took it (an IFF_SIMPLEX interface hears its own broadcasts).
 *
 * The caller holds no lock: IP input may run from here.
 */
#include "ip/ip_internal.h"

/* ---- headers ----------------------------------------------------------- */

void ip4_header(uint8_t *h, uint8_t tos, uint8_t ttl, uint8_t proto,
                uint16_t id, struct in_addr src, struct in_addr dst,
                size_t total)
{
	h[0] = 0x45;                     /* version 4, 5 words, no options */
	h[1] = tos;
	put16(h + 2, (uint16_t)total);
	put16(h + 4, id);
	put16(h + 6, 0);                 /* DF clear, not a fragment */
	h[8] = ttl;
	h[9] = proto;
	put16(h + 10, 0);
	memcpy(h + 12, &src, 4);
	memcpy(h + 16, &dst, 4);
	put16(h + 10, cksum(h, IP4_HDR_LEN));
}

void ip6_header(uint8_t *h, uint8_t tclass, uint8_t nxt, uint8_t hlim,
                const struct in6_addr *src, const struct in6_addr *dst,
                size_t plen)
{
	put32(h, 0x60000000u | ((uint32_t)tclass << 20));
	put16(h + 4, (uint16_t)plen);
	h[6] = nxt;
	h[7] = hlim;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

/* ---- the outgoing interface -------------------------------------------- */

struct route_out {
	struct inp_ifnet *ifp;      /* outgoing; the receiving one if local */
	bool local;                 /* deliver inside the stack */
};

static struct inp_ifnet *ifa_owner(struct inp_ifaddr *ifa)
{
	struct inp_ifnet *ifp;

	if (ifa == NULL)
		return NULL;
	ifp = ifa->ifp;              /* interfaces live as long as the vnet */
	ifa_rele(ifa);
	return ifp;
}

/* Fill r from a route found for a destination that owner (may be NULL)
 * resolves to a local interface. */
static void route_from_rt(struct rt_result *rt, struct inp_ifnet *owner,
                          struct route_out *r)
{
	if (rt->ifa != NULL)
		ifa_rele(rt->ifa);      /* IF-2 */
	r->ifp = rt->ifp;
	r->local = (ip_if_flags(rt->ifp) & INP_IFF_LOOPBACK) != 0;
	if (rt->kind == INP_RT_LOOPBACK) {
		r->local = true;
		if (owner != NULL)
			r->ifp = owner;
	}
}

static int route4(struct inp_vnet *vnet, const struct ip_out *o,
                  struct route_out *r)
{
	struct rt_result rt;

	if (o->ifp != NULL && in4_is_multicast(o->dst4)) {
		r->ifp = o->ifp;             /* IP_MULTICAST_IF: no route */
		r->local = (ip_if_flags(o->ifp) & INP_IFF_LOOPBACK) != 0;
		return 0;
	}
	memset(&rt, 0, sizeof(rt));
	if (rt_lookup_in4(vnet, o->dst4, &rt) != 0)
		return -EHOSTUNREACH;
	route_from_rt(&rt, rt.kind == INP_RT_LOOPBACK
	                   ? ifa_owner(ifa_find_in4(vnet, o->dst4)) : NULL, r);
	return 0;
}

/* A scoped IPv6 destination with its zone: on that link, no route. */
static int route6_zone(struct inp_vnet *vnet, const struct ip_out *o,
                       struct route_out *r)
{
	struct inp_ifnet *owner = NULL;

	if (!in6_is_multicast(&o->dst6))
		owner = ifa_owner(ifa_find_in6(vnet, &o->dst6, o->zone));
	r->ifp = owner != NULL ? owner : inp_if_byindex(vnet, o->zone);
	if (r->ifp == NULL)
		return -EHOSTUNREACH;
	r->local = owner != NULL || (ip_if_flags(r->ifp) & INP_IFF_LOOPBACK);
	return 0;
}

static int route6(struct inp_vnet *vnet, const struct ip_out *o,
                  struct route_out *r)
{
	struct rt_result rt;

	if (o->ifp != NULL && in6_is_multicast(&o->dst6)) {
		r->ifp = o->ifp;             /* IPV6_MULTICAST_IF */
		r->local = (ip_if_flags(o->ifp) & INP_IFF_LOOPBACK) != 0;
		return 0;
	}
	if (o->zone != 0)
		return route6_zone(vnet, o, r);
	memset(&rt, 0, sizeof(rt));
	if (rt_lookup_in6(vnet, &o->dst6, &rt) != 0)
		return -EHOSTUNREACH;
	route_from_rt(&rt, rt.kind == INP_RT_LOOPBACK
	                   ? ifa_owner(ifa_find_in6(vnet, &o->dst6, 0)) : NULL,
	              r);
	return 0;
}

/* ---- sending ----------------------------------------------------------- */

/* Broadcast rules (FreeBSD ip_output): the interface must have it, the
 * socket must have asked for it. */
static int bcast_check(const struct ip_out *o, struct inp_ifnet *ifp)
{
	if (!(ip_if_flags(ifp) & INP_IFF_BROADCAST))
		return -EADDRNOTAVAIL;
	return o->bcast_ok ? 0 : -EACCES;
}

/* A copy for this host on ifp: looped multicast and broadcast. */
static void loop_copy(struct inp_vnet *vnet, struct inp_ifnet *ifp,
                      const struct ip_out *o)
{
	ip_input_internal(vnet, ifp, o->pkt, o->len,
	                  IP_PKT_LOOPED | INP_PKT_LINK_BCAST);
}

int ip_output(struct inp_vnet *vnet, const struct ip_out *o)
{
	struct route_out r = { 0 };
	bool mcast, bcast = false;
	int rc;

	IPSTAT_INC(vnet, ips_localout);
	rc = o->af == AF_INET ? route4(vnet, o, &r) : route6(vnet, o, &r);
	if (rc != 0) {
		IPSTAT_INC(vnet, ips_noroute);
		return rc;
	}
	if (r.local) {
		IPSTAT_INC(vnet, ips_oloopback);
		ip_input_internal(vnet, r.ifp, o->pkt, o->len, IP_PKT_LOOPED);
		return 0;
	}
	mcast = o->af == AF_INET ? in4_is_multicast(o->dst4)
	                         : in6_is_multicast(&o->dst6);
	if (o->af == AF_INET && !mcast) {
		bcast = ifa_is_broadcast_in4(r.ifp, o->dst4);
		if (bcast && (rc = bcast_check(o, r.ifp)) != 0) {
			IPSTAT_INC(vnet, ips_odropped);
			return rc;
		}
	}
	if (mcast && o->mloop)
		loop_copy(vnet, r.ifp, o);
	rc = if_driver_output(r.ifp, o->pkt, o->len);
	if (rc != 0) {
		IPSTAT_INC(vnet, ips_odropped);
		return rc;
	}
	IPSTAT_INC(vnet, ips_otransmitted);
	if (bcast)
		loop_copy(vnet, r.ifp, o);
	return 0;
}
