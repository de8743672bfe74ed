/*
 * ip4_input.c - IPv4 input (RFC 791, RFC 1122 3.2.1; FreeBSD ip_input()):
 * header checks in FreeBSD's order, the decision whether the packet is
 * for this host (we never forward), reassembly of fragments, and the
 * hand-off to the transport protocol.
 *
 * Options are skipped, not interpreted: the transport layers see the
 * datagram from the end of the header on (UD-1 step 1), and an ICMP
 * error quotes the header without them (icmp_error.c).
 */
#include "ip/ip_internal.h"

#include <stdlib.h>

/* 127.0.0.0/8 */
static bool in4_is_loopnet(struct in_addr a)
{
	return (ntohl(a.s_addr) >> 24) == 127;
}

/*
 * The header checks: length for a header (toosmall), header length
 * (badhlen), header checksum (badsum, unless the NIC verified it), total
 * length against the header (badlen) and against the buffer (tooshort).
 * Returns the total length, 0 when the packet was dropped (counted).
 */
static size_t ip4_check_header(struct inp_vnet *vnet, const uint8_t *pkt,
                               size_t len, unsigned flags)
{
	size_t hl, total;

	if (len < IP4_HDR_LEN) {
		IPSTAT_INC(vnet, ips_toosmall);
		return 0;
	}
	hl = (size_t)(pkt[0] & 0x0f) * 4;
	if (hl < IP4_HDR_LEN || hl > len) {
		IPSTAT_INC(vnet, ips_badhlen);
		return 0;
	}
	if (!(flags & INP_PKT_CSUM_OK) && cksum(pkt, hl) != 0) {
		IPSTAT_INC(vnet, ips_badsum);
		return 0;
	}
	total = get16(pkt + 2);
	if (total < hl) {
		IPSTAT_INC(vnet, ips_badlen);
		return 0;
	}
	if (total > len) {
		IPSTAT_INC(vnet, ips_tooshort);
		return 0;
	}
	return total;          /* a longer buffer is trimmed (link padding) */
}

/*
 * For this host: one of our addresses on any interface (the weak host
 * model, as FreeBSD without ip.check_interface), a broadcast address of
 * the receiving interface or 255.255.255.255 / 0.0.0.0 (UD-4), or any
 * multicast group on a multicast-capable interface (UDP filters the
 * memberships, UD-6).
 */
static bool ip4_for_us(struct inp_vnet *vnet, struct inp_ifnet *rcvif,
                       struct in_addr dst)
{
	if (in4_is_multicast(dst))
		return (ip_if_flags(rcvif) & INP_IFF_MULTICAST) != 0;
	return ifa_is_ours_in4(vnet, dst) || ifa_is_broadcast_in4(rcvif, dst);
}

/* The view of a checked datagram of total length len (header hl). */
static void ip4_view(struct ip_pkt *pk, struct inp_vnet *vnet,
                     struct inp_ifnet *rcvif, const uint8_t *pkt, size_t len,
                     unsigned flags)
{
	ip_pkt_init(pk, vnet, rcvif, flags, AF_INET);
	memcpy(&pk->src4, pkt + 12, 4);
	memcpy(&pk->dst4, pkt + 16, 4);
	pk->tos = pkt[1];
	pk->ttl = pkt[8];
	pk->proto = pkt[9];
	pk->pkt = pkt;
	pk->pktlen = len;
	pk->hlen = (size_t)(pkt[0] & 0x0f) * 4;
	pk->data = pkt + pk->hlen;
	pk->len = len - pk->hlen;
}

/* A fragment for us: queue it; deliver the datagram it may complete. */
static void ip4_fragment(const struct ip_pkt *pk)
{
	uint16_t off = get16(pk->pkt + 6);
	struct reass_frag f = {
		.af = AF_INET, .src = &pk->src4, .dst = &pk->dst4,
		.id = get16(pk->pkt + 4), .proto = pk->proto,
		.off = (uint32_t)(off & IP4_OFFMASK) * 8,
		.more = (off & IP4_MF) != 0,
		.hdr = pk->pkt, .hdrlen = pk->hlen,
		.data = pk->data, .len = pk->len,
		.rcvif = pk->rcvif, .flags = pk->flags,
	};
	struct reass_done done;
	struct ip_pkt whole;

	IPSTAT_INC(pk->vnet, ips_fragments);
	if (!ip_reass(pk->vnet, &f, &done))
		return;
	IPSTAT_INC(pk->vnet, ips_reassembled);
	ip4_view(&whole, pk->vnet, done.rcvif, done.pkt, done.len,
	         done.flags | IP_PKT_REASS);
	ip_deliver(&whole);
	free(done.pkt);
}

void ip4_input(struct inp_vnet *vnet, struct inp_ifnet *rcvif,
               const uint8_t *pkt, size_t len, unsigned flags)
{
	struct ip_pkt pk;
	size_t total;

	total = ip4_check_header(vnet, pkt, len, flags);
	if (total == 0)
		return;
	ip4_view(&pk, vnet, rcvif, pkt, total, flags);
	/*
	 * RFC 1122 3.2.1.3: 127/8 must not appear on a network; packets the
	 * stack looped to itself, or that a loopback interface carried, may.
	 */
	if (!(flags & IP_PKT_LOOPED) &&
	    !(ip_if_flags(rcvif) & INP_IFF_LOOPBACK) &&
	    (in4_is_loopnet(pk.src4) || in4_is_loopnet(pk.dst4))) {
		IPSTAT_INC(vnet, ips_badaddr);
		return;
	}
	if (!ip4_for_us(vnet, rcvif, pk.dst4)) {
		IPSTAT_INC(vnet, ips_cantforward);
		return;
	}
	if (get16(pkt + 6) & (IP4_MF | IP4_OFFMASK)) {
		ip4_fragment(&pk);
		return;
	}
	ip_deliver(&pk);
}
