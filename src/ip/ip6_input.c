/*
 * ip6_input.c - IPv6 input (RFC 8200; FreeBSD ip6_input()): header and
 * payload length, the addresses that may not arrive (badscope), whether
 * the packet is for this host (we never forward), the extension header
 * chain -- hop-by-hop (first only), routing, destination options,
 * fragment -- and the hand-off to the transport protocol.
 *
 * Options are checked, not acted on: Pad1, PadN and (hop-by-hop) router
 * alert are understood; an unknown option whose type says "skip" (RFC
 * 8200 4.2, high bits 00) is skipped; any other, the jumbo payload
 * included (not supported), drops the packet as ip6s_badoptions, without
 * the ICMPv6 parameter problem RFC 8200 asks for (not implemented).  A
 * routing header with segments left would need forwarding: dropped
 * (ips_cantforward; ip6s_badoptions for type 0 and unknown types).
 */
#include "ip/ip_internal.h"

#include <stdlib.h>

/* net.inet6.ip6.hdrnestlimit: extension headers a packet may have. */
#define IP6_HDR_NESTLIMIT 15

#define IP6_RT_TYPE0 0          /* deprecated by RFC 5095 */
#define IP6_RT_SRH   4          /* highest routing header type known */

/* Where the walk of the chain stands. */
struct ip6_walk {
	size_t off;                 /* start of the current header */
	uint8_t nxt;                /* its type */
	size_t nxt_off;             /* offset of the byte that named it */
	unsigned count;             /* extension headers so far */
};

/* ---- addresses -------------------------------------------------------- */

/*
 * Addresses that never arrive (FreeBSD counts ip6s_badscope): a
 * multicast or v4-mapped source, an unspecified or v4-mapped destination,
 * and ::1 on a wire (RFC 4291 2.5.3).
 */
static bool ip6_bad_addrs(const struct ip_pkt *pk)
{
	bool wire = !(pk->flags & IP_PKT_LOOPED) &&
	            !(ip_if_flags(pk->rcvif) & INP_IFF_LOOPBACK);

	if (in6_is_multicast(&pk->src6) || in6_is_any(&pk->dst6) ||
	    in6_is_v4mapped(&pk->src6) || in6_is_v4mapped(&pk->dst6))
		return true;
	return wire && (in6_is_loopback(&pk->src6) ||
	                in6_is_loopback(&pk->dst6));
}

/*
 * For this host: a multicast group on a multicast-capable interface (UDP
 * filters the memberships), or one of our addresses that is not
 * tentative or duplicated -- a link-local one on the receiving
 * interface only (its zone).
 */
static bool ip6_for_us(const struct ip_pkt *pk)
{
	struct inp_ifaddr *ifa;
	bool ok;

	if (in6_is_multicast(&pk->dst6))
		return (ip_if_flags(pk->rcvif) & INP_IFF_MULTICAST) != 0;
	ifa = ifa_find_in6(pk->vnet, &pk->dst6, ip_pkt_zone(pk, &pk->dst6));
	if (ifa == NULL)
		return false;
	ok = !(ifa->u.in6.flags6 & (IFA6_TENTATIVE | IFA6_DUPLICATED));
	ifa_rele(ifa);
	return ok;
}

/* ---- the extension header chain ---------------------------------------- */

/* The TLV options of a hop-by-hop or destination options header. */
static bool ip6_opts_ok(const uint8_t *h, size_t hlen, bool hbh)
{
	size_t i = 2, olen;
	uint8_t type;

	while (i < hlen) {
		type = h[i];
		if (type == 0) {                       /* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > hlen)
			return false;
		olen = h[i + 1];
		if (i + 2 + olen > hlen)
			return false;
		/* PadN, router alert; else only "skip me" unknown types. */
		if (type != 1 && !(hbh && type == 5) && (type >> 6) != 0)
			return false;
		i += 2 + olen;
	}
	return true;
}

/* The routing header: acceptable only when nothing is left to route. */
static bool ip6_routing_ok(struct inp_vnet *vnet, const uint8_t *h)
{
	uint8_t type = h[2], segleft = h[3];

	if (segleft == 0)
		return true;
	if (type == IP6_RT_TYPE0 || type > IP6_RT_SRH)
		IPSTAT_INC(vnet, ip6s_badoptions);
	else
		IPSTAT_INC(vnet, ips_cantforward);
	return false;
}

/* One hop-by-hop, routing or destination options header; false: dropped. */
static bool ip6_ext_header(const struct ip_pkt *pk, struct ip6_walk *w)
{
	struct inp_vnet *vnet = pk->vnet;
	const uint8_t *h = pk->pkt + w->off;
	size_t hlen;

	if (w->nxt == IPPROTO_HOPOPTS && w->off != IP6_HDR_LEN) {
		IPSTAT_INC(vnet, ip6s_badoptions);    /* RFC 8200 4.1 */
		return false;
	}
	if (w->off + 8 > pk->pktlen ||
	    w->off + (hlen = ((size_t)h[1] + 1) * 8) > pk->pktlen) {
		IPSTAT_INC(vnet, ips_tooshort);
		return false;
	}
	if (w->nxt == IPPROTO_ROUTING) {
		if (!ip6_routing_ok(vnet, h))
			return false;
	} else if (!ip6_opts_ok(h, hlen, w->nxt == IPPROTO_HOPOPTS)) {
		IPSTAT_INC(vnet, ip6s_badoptions);
		return false;
	}
	w->nxt_off = w->off;
	w->nxt = h[0];
	w->off += hlen;
	return true;
}

static bool ip6_is_ext(uint8_t nxt)
{
	return nxt == IPPROTO_HOPOPTS || nxt == IPPROTO_ROUTING ||
	       nxt == IPPROTO_DSTOPTS || nxt == IPPROTO_FRAGMENT;
}

/* ---- fragments --------------------------------------------------------- */

static void ip6_process(struct inp_vnet *vnet, struct inp_ifnet *rcvif,
                        const uint8_t *pkt, size_t len, unsigned flags);

/*
 * A fragment header at w->off.  An atomic fragment (offset 0, no more
 * fragments) is processed as an unfragmented packet (RFC 6946): true,
 * and the walk goes on.  Otherwise the fragment is queued (false) and
 * the datagram it may complete is processed from the start.
 */
static bool ip6_fragment(const struct ip_pkt *pk, struct ip6_walk *w)
{
	const uint8_t *h = pk->pkt + w->off;
	struct reass_frag f;
	struct reass_done done;
	uint16_t offlg;

	if (w->off + 8 > pk->pktlen) {
		IPSTAT_INC(pk->vnet, ips_tooshort);
		return false;
	}
	offlg = get16(h + 2);        /* offset << 3 | 2 reserved bits | M */
	if ((offlg & 0xfff9) == 0) {                  /* atomic */
		w->nxt_off = w->off;
		w->nxt = h[0];
		w->off += 8;
		return true;
	}
	if (pk->flags & IP_PKT_REASS) {
		IPSTAT_INC(pk->vnet, ip6s_badoptions);  /* a second one */
		return false;
	}
	IPSTAT_INC(pk->vnet, ips_fragments);
	f = (struct reass_frag){
		.af = AF_INET6, .src = &pk->src6, .dst = &pk->dst6,
		.id = get32(h + 4), .proto = h[0],
		.off = offlg & 0xfff8u, .more = (offlg & 1) != 0,
		.hdr = pk->pkt, .hdrlen = w->off, .nxt_off = w->nxt_off,
		.data = h + 8, .len = pk->pktlen - w->off - 8,
		.rcvif = pk->rcvif, .flags = pk->flags,
	};
	if (ip_reass(pk->vnet, &f, &done)) {
		IPSTAT_INC(pk->vnet, ips_reassembled);
		ip6_process(pk->vnet, done.rcvif, done.pkt, done.len,
		            done.flags | IP_PKT_REASS);
		free(done.pkt);
	}
	return false;
}

/*
 * Walk the chain to the transport header.  true: w->off/w->nxt name it;
 * false: the packet was dropped, queued as a fragment or consumed.
 */
static bool ip6_walk_chain(const struct ip_pkt *pk, struct ip6_walk *w)
{
	while (ip6_is_ext(w->nxt)) {
		if (++w->count > IP6_HDR_NESTLIMIT) {
			IPSTAT_INC(pk->vnet, ip6s_toomanyhdr);
			return false;
		}
		if (w->nxt == IPPROTO_FRAGMENT) {
			if (!ip6_fragment(pk, w))
				return false;
		} else if (!ip6_ext_header(pk, w)) {
			return false;
		}
	}
	return true;
}

/* ---- input ------------------------------------------------------------- */

static void ip6_view(struct ip_pkt *pk, struct inp_vnet *vnet,
                     struct inp_ifnet *rcvif, const uint8_t *pkt, size_t len,
                     unsigned flags)
{
	ip_pkt_init(pk, vnet, rcvif, flags, AF_INET6);
	memcpy(&pk->src6, pkt + 8, 16);
	memcpy(&pk->dst6, pkt + 24, 16);
	pk->tos = (uint8_t)(get32(pkt) >> 20);     /* traffic class */
	pk->ttl = pkt[7];                         /* hop limit */
	pk->pkt = pkt;
	pk->pktlen = len;
}

/* A packet of len bytes (its payload length checked): the rest of input. */
static void ip6_process(struct inp_vnet *vnet, struct inp_ifnet *rcvif,
                        const uint8_t *pkt, size_t len, unsigned flags)
{
	struct ip6_walk w = { .off = IP6_HDR_LEN, .nxt = pkt[6], .nxt_off = 6 };
	struct ip_pkt pk;

	ip6_view(&pk, vnet, rcvif, pkt, len, flags);
	if (ip6_bad_addrs(&pk)) {
		IPSTAT_INC(vnet, ip6s_badscope);
		return;
	}
	if (!ip6_for_us(&pk)) {
		IPSTAT_INC(vnet, ips_cantforward);
		return;
	}
	if (!ip6_walk_chain(&pk, &w))
		return;
	pk.proto = w.nxt;
	pk.hlen = w.off;
	pk.data = pkt + w.off;
	pk.len = len - w.off;
	ip_deliver(&pk);
}

void ip6_input(struct inp_vnet *vnet, struct inp_ifnet *rcvif,
               const uint8_t *pkt, size_t len, unsigned flags)
{
	size_t total;

	if (len < IP6_HDR_LEN) {
		IPSTAT_INC(vnet, ips_toosmall);
		return;
	}
	/* A payload length of 0 with a jumbo option is not supported. */
	total = IP6_HDR_LEN + (size_t)get16(pkt + 4);
	if (total > len) {
		IPSTAT_INC(vnet, ips_tooshort);
		return;
	}
	ip6_process(vnet, rcvif, pkt, total, flags);
}
