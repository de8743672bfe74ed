/*
 * ip_input.c - where received packets enter: the argument checks of
 * inp_ip_input(), the count of every packet (ips_total), the dispatch on
 * the version nibble, the hand-off of a datagram for this host to its
 * transport protocol, and the statistics call.
 *
 * The accounting rule (ip.h, "ledgers"): from here on every packet ends
 * in exactly one counter; the version-specific input counts its drops,
 * ip_deliver() counts ips_delivered or ips_noproto.
 */
#include "ip/ip_internal.h"

#define PKT_PUBLIC_FLAGS (INP_PKT_LINK_BCAST | INP_PKT_CSUM_OK)

int inp_ip_input(struct inp_vnet *vnet, struct inp_ifnet *rcvif,
                 const void *pkt, size_t len, unsigned flags)
{
	/* Bad arguments are the caller's bug, not a packet: not counted. */
	if (vnet == NULL || (pkt == NULL && len > 0) ||
	    (flags & ~PKT_PUBLIC_FLAGS) != 0)
		return -EINVAL;
	if (rcvif == NULL)
		rcvif = vnet->lo0;
	else if (rcvif->vnet != vnet)
		return -EINVAL;
	ip_input_internal(vnet, rcvif, pkt, len, flags);
	return 0;
}

void ip_input_internal(struct inp_vnet *vnet, struct inp_ifnet *rcvif,
                       const uint8_t *pkt, size_t len, unsigned flags)
{
	IPSTAT_INC(vnet, ips_total);
	if (len == 0) {
		IPSTAT_INC(vnet, ips_toosmall);
		return;
	}
	switch (pkt[0] >> 4) {
	case 4:
		ip4_input(vnet, rcvif, pkt, len, flags);
		return;
	case 6:
		ip6_input(vnet, rcvif, pkt, len, flags);
		return;
	default:
		IPSTAT_INC(vnet, ips_badvers);
		return;
	}
}

/*
 * The transport protocols this stack has: UDP for both families, ICMP
 * in IPv4 and ICMPv6 in IPv6.  Anything else (TCP included: the library
 * has no TCP state machine) is ips_noproto, silently: no ICMP protocol
 * unreachable is sent.
 */
void ip_deliver(const struct ip_pkt *pk)
{
	struct inp_vnet *vnet = pk->vnet;

	if (pk->proto == IPPROTO_UDP) {
		IPSTAT_INC(vnet, ips_delivered);
		udp_input(pk);
	} else if (pk->proto == IPPROTO_ICMP && pk->af == AF_INET) {
		IPSTAT_INC(vnet, ips_delivered);
		icmp4_input(pk);
	} else if (pk->proto == IPPROTO_ICMPV6 && pk->af == AF_INET6) {
		IPSTAT_INC(vnet, ips_delivered);
		icmp6_input(pk);
	} else {
		IPSTAT_INC(vnet, ips_noproto);
	}
}

int inp_ip_stats(struct inp_vnet *vnet, struct inp_ipstat *st)
{
	size_t n = sizeof(*st) / sizeof(uint64_t);

	if (vnet == NULL || st == NULL)
		return -EINVAL;
	stat_shards_sum(vnet, false, (uint64_t *)st, n);
	return 0;
}
