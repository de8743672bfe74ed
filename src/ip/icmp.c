/*
 * icmp.c - ICMP input (RFC 792; FreeBSD icmp_input()): length, checksum,
 * and destination unreachable, whose quoted datagram tells UDP which
 * connected socket's peer is unreachable (udp_ctlinput).  Other types,
 * echo requests included, are counted (icps_inhist_other) and ignored:
 * this stack answers nothing but UDP datagrams without a receiver.
 *
 * Every message handed here ends in exactly one of icps_tooshort,
 * icps_checksum, icps_badcode, icps_badlen, icps_inhist_unreach,
 * icps_inhist_other (ip.h, "delivered" ledger).
 */
#include "ip/ip_internal.h"

#define ICMP_UNREACH_CODE_MAX 15

/*
 * The error a socket sees for an unreachable code (FreeBSD's mapping):
 * refused for port, protocol and administratively prohibited, host
 * unreachable for the net and host family; 0 (nothing to report) for
 * "fragmentation needed", as this stack does no path MTU discovery.
 */
static int unreach_errno(uint8_t code)
{
	switch (code) {
	case 2: case 3: case 9: case 10: case 13:
		return ECONNREFUSED;
	case 4:
		return 0;
	default:
		return EHOSTUNREACH;
	}
}

/*
 * Destination unreachable: the quoted datagram (its header and at least
 * 8 bytes of what followed) went from one of our sockets to the peer.
 */
static void icmp4_unreach(const struct ip_pkt *pk)
{
	const uint8_t *q = pk->data + ICMP_HDR_LEN;
	size_t qlen = pk->len - ICMP_HDR_LEN, qhl;
	struct sockaddr_in local = { .sin_family = AF_INET };
	struct sockaddr_in peer = { .sin_family = AF_INET };
	int err;

	if (pk->data[1] > ICMP_UNREACH_CODE_MAX) {
		IPSTAT_INC(pk->vnet, icps_badcode);
		return;
	}
	qhl = qlen >= IP4_HDR_LEN ? (size_t)(q[0] & 0x0f) * 4 : 0;
	if (qlen < IP4_HDR_LEN || (q[0] >> 4) != 4 || qhl < IP4_HDR_LEN ||
	    qlen < qhl + 8) {
		IPSTAT_INC(pk->vnet, icps_badlen);
		return;
	}
	memcpy(&local.sin_addr, q + 12, 4);
	memcpy(&peer.sin_addr, q + 16, 4);
	if (in4_is_multicast(peer.sin_addr)) {
		IPSTAT_INC(pk->vnet, icps_badcode);   /* as FreeBSD */
		return;
	}
	IPSTAT_INC(pk->vnet, icps_inhist_unreach);
	err = unreach_errno(pk->data[1]);
	if (err == 0 || q[9] != IPPROTO_UDP)
		return;
	memcpy(&local.sin_port, q + qhl, 2);
	memcpy(&peer.sin_port, q + qhl + 2, 2);
	udp_ctlinput(pk->vnet, (struct sockaddr *)&local,
	             (struct sockaddr *)&peer, err);
}

void icmp4_input(const struct ip_pkt *pk)
{
	if (pk->len < ICMP_HDR_LEN) {
		IPSTAT_INC(pk->vnet, icps_tooshort);
		return;
	}
	if (!(pk->flags & INP_PKT_CSUM_OK) && cksum(pk->data, pk->len) != 0) {
		IPSTAT_INC(pk->vnet, icps_checksum);
		return;
	}
	if (pk->data[0] == ICMP_UNREACH)
		icmp4_unreach(pk);
	else
		IPSTAT_INC(pk->vnet, icps_inhist_other);
}
