/*
 * icmp6.c - ICMPv6 input (RFC 4443; FreeBSD icmp6_input()): length,
 * checksum over the pseudo-header, and destination unreachable, whose
 * quoted packet tells UDP which connected socket's peer is unreachable.
 * The quoted packet's extension headers are walked to find its UDP
 * header; a quote of a non-first fragment names no port.  Other types --
 * echo, neighbour discovery, MLD, too big, time exceeded -- are counted
 * (icps_inhist_other) and ignored: on TUN and pcap links there is no
 * link layer to resolve.
 *
 * Every message handed here ends in exactly one of icps_tooshort,
 * icps_checksum, icps_badcode, icps_badlen, icps_inhist_unreach,
 * icps_inhist_other (ip.h).
 */
#include "ip/ip_internal.h"

#define ICMP6_UNREACH_CODE_MAX 6
#define QUOTE_HDR_MAX 8          /* extension headers walked in a quote */

/* FreeBSD's mapping, with the newer policy codes taken as refusals. */
static int unreach6_errno(uint8_t code)
{
	switch (code) {
	case 1: case 4: case 5: case 6:       /* admin, port, policy, reject */
		return ECONNREFUSED;
	default:                              /* no route, scope, address */
		return EHOSTUNREACH;
	}
}

/* The offset of the quoted packet's UDP header, 0 when there is none. */
static size_t quote_udp_offset(const uint8_t *q, size_t qlen)
{
	uint8_t nxt = q[6];
	size_t off = IP6_HDR_LEN;
	unsigned n;

	for (n = 0; n < QUOTE_HDR_MAX; n++) {
		if (nxt == IPPROTO_UDP)
			return off + UDP_HDR_LEN <= qlen ? off : 0;
		if (off + 8 > qlen)
			return 0;
		if (nxt == IPPROTO_FRAGMENT) {
			/* A later fragment quotes no UDP header. */
			if ((get16(q + off + 2) & 0xfff8) != 0)
				return 0;
			nxt = q[off];
			off += 8;
		} else if (nxt == IPPROTO_HOPOPTS || nxt == IPPROTO_ROUTING ||
		           nxt == IPPROTO_DSTOPTS) {
			nxt = q[off];
			off += ((size_t)q[off + 1] + 1) * 8;
		} else {
			return 0;
		}
	}
	return 0;
}

static void icmp6_unreach(const struct ip_pkt *pk)
{
	const uint8_t *q = pk->data + ICMP_HDR_LEN;
	size_t qlen = pk->len - ICMP_HDR_LEN, uoff;
	struct sockaddr_in6 local = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 peer = { .sin6_family = AF_INET6 };

	if (pk->data[1] > ICMP6_UNREACH_CODE_MAX) {
		IPSTAT_INC(pk->vnet, icps_badcode);
		return;
	}
	if (qlen < IP6_HDR_LEN || (q[0] >> 4) != 6) {
		IPSTAT_INC(pk->vnet, icps_badlen);
		return;
	}
	IPSTAT_INC(pk->vnet, icps_inhist_unreach);
	uoff = quote_udp_offset(q, qlen);
	if (uoff == 0)
		return;
	memcpy(&local.sin6_addr, q + 8, 16);
	memcpy(&peer.sin6_addr, q + 24, 16);
	local.sin6_scope_id = ip_pkt_zone(pk, &local.sin6_addr);
	peer.sin6_scope_id = ip_pkt_zone(pk, &peer.sin6_addr);
	memcpy(&local.sin6_port, q + uoff, 2);
	memcpy(&peer.sin6_port, q + uoff + 2, 2);
	udp_ctlinput(pk->vnet, (struct sockaddr *)&local,
	             (struct sockaddr *)&peer, unreach6_errno(pk->data[1]));
}

void icmp6_input(const struct ip_pkt *pk)
{
	uint32_t sum;

	if (pk->len < ICMP_HDR_LEN) {
		IPSTAT_INC(pk->vnet, icps_tooshort);
		return;
	}
	if (!(pk->flags & INP_PKT_CSUM_OK)) {
		sum = cksum_pseudo6(&pk->src6, &pk->dst6, IPPROTO_ICMPV6,
		                    (uint32_t)pk->len);
		if (cksum_finish(cksum_add(sum, pk->data, pk->len)) != 0) {
			IPSTAT_INC(pk->vnet, icps_checksum);
			return;
		}
	}
	if (pk->data[0] == ICMP6_DST_UNREACH)
		icmp6_unreach(pk);
	else
		IPSTAT_INC(pk->vnet, icps_inhist_other);
}
