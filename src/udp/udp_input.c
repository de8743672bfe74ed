/*
 * udp_input.c - UDP input from IP (spec 7.1, UD-1; FreeBSD udp_input(),
 * udp6_input()): header, destination port, length, checksum, then
 * delivery at the PCB level (udp_deliver.c) with the ancillary data taken
 * from the real headers, and the ICMP port unreachable when nobody
 * receives it.  Also the way back: an ICMP error for one of our
 * datagrams becomes the connected socket's pending error (udp_ctlinput).
 *
 * Counting (invariant 25 extended to the IP path): a datagram dropped
 * here counts udps_ipackets and exactly one of udps_hdrops, udps_dport0,
 * udps_badlen, udps_badsum; every other one is counted by
 * inp_udp_deliver(), udps_ipackets included.  udps_nosum (IPv4, zero
 * checksum) is a note, not an outcome.
 */
#include "ip/ip_internal.h"
#include "sock/sock_internal.h"

/* Count a datagram UDP input drops itself. */
#define UDP_DROP(vnet, field)                                                 \
	do {                                                                  \
		UDPSTAT_INC(vnet, udps_ipackets);                             \
		UDPSTAT_INC(vnet, field);                                     \
	} while (0)

/*
 * UD-1 step 4.  IPv4: a UDP length that differs from the IP payload
 * length must lie in [8, payload] and trims it.  IPv6 (FreeBSD
 * udp6_input): they must agree; 0, a jumbogram's, is not supported.
 * Returns the UDP length, 0 for a bad one.
 */
static size_t udp_length(const struct ip_pkt *pk, size_t ulen)
{
	if (ulen == pk->len)
		return ulen;
	if (pk->af == AF_INET && ulen >= UDP_HDR_LEN && ulen <= pk->len)
		return ulen;
	return 0;
}

/*
 * UD-1 step 6 over the pseudo-header and ulen bytes.  A zero field means
 * "no checksum" for IPv4 (udps_nosum, accepted) and is a bad checksum
 * for IPv6, where it is mandatory (RFC 8200 8.1; FreeBSD counts that
 * case in udps_nosum, we in udps_badsum).
 */
static bool udp_cksum_ok(const struct ip_pkt *pk, size_t ulen)
{
	uint32_t sum;

	if (get16(pk->data + 6) == 0) {
		if (pk->af == AF_INET6)
			return false;
		UDPSTAT_INC(pk->vnet, udps_nosum);
		return true;
	}
	if (pk->flags & INP_PKT_CSUM_OK)
		return true;            /* hardware-verified (UD-1 step 6) */
	sum = pk->af == AF_INET
	      ? cksum_pseudo4(pk->src4, pk->dst4, IPPROTO_UDP, (uint32_t)ulen)
	      : cksum_pseudo6(&pk->src6, &pk->dst6, IPPROTO_UDP,
	                      (uint32_t)ulen);
	return cksum_finish(cksum_add(sum, pk->data, ulen)) == 0;
}

/* The datagram's endpoints as sockaddrs (zones in sin6_scope_id). */
static void udp_endpoints(const struct ip_pkt *pk, struct sockaddr_storage *src,
                          struct sockaddr_storage *dst)
{
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	if (pk->af == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)src;
		struct sockaddr_in *d = (struct sockaddr_in *)dst;

		s->sin_family = d->sin_family = AF_INET;
		s->sin_addr = pk->src4;
		d->sin_addr = pk->dst4;
		memcpy(&s->sin_port, pk->data, 2);
		memcpy(&d->sin_port, pk->data + 2, 2);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)src;
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		s->sin6_addr = pk->src6;
		d->sin6_addr = pk->dst6;
		s->sin6_scope_id = ip_pkt_zone(pk, &pk->src6);
		d->sin6_scope_id = ip_pkt_zone(pk, &pk->dst6);
		memcpy(&s->sin6_port, pk->data, 2);
		memcpy(&d->sin6_port, pk->data + 2, 2);
	}
}

void udp_input(const struct ip_pkt *pk)
{
	struct inp_vnet *vnet = pk->vnet;
	struct sockaddr_storage src, dst;
	struct inp_udp_meta meta;
	struct inp_udp_result res = { .outcome = INP_UDP_DROPPED };
	size_t ulen;

	if (pk->len < UDP_HDR_LEN) {                       /* step 2 */
		UDP_DROP(vnet, udps_hdrops);
		return;
	}
	if (get16(pk->data + 2) == 0) {                    /* step 3 */
		UDP_DROP(vnet, udps_dport0);
		return;
	}
	ulen = udp_length(pk, get16(pk->data + 4));        /* step 4 */
	if (ulen == 0) {
		UDP_DROP(vnet, udps_badlen);
		return;
	}
	if (!udp_cksum_ok(pk, ulen)) {                     /* step 6 */
		UDP_DROP(vnet, udps_badsum);
		return;
	}
	udp_endpoints(pk, &src, &dst);
	memset(&meta, 0, sizeof(meta));
	meta.rcvif = pk->rcvif;
	meta.tos = pk->tos;
	meta.ttl = pk->ttl;
	meta.link_bcast = (pk->flags & INP_PKT_LINK_BCAST) != 0;
	meta.payload = pk->data + UDP_HDR_LEN;
	meta.len = ulen - UDP_HDR_LEN;
	(void)inp_udp_deliver(vnet, (struct sockaddr *)&src,
	                      (struct sockaddr *)&dst, &meta, &res, NULL);
	if (res.outcome == INP_UDP_UNREACH)                /* UD-9 */
		icmp_port_unreach(pk);
}

/*
 * FreeBSD udp_common_ctlinput with an exact lookup: only a connected
 * socket whose 4-tuple is the quoted datagram's hears of the error; an
 * unconnected one could not tell which of its datagrams it was about.
 */
void udp_ctlinput(struct inp_vnet *vnet, const struct sockaddr *local,
                  const struct sockaddr *peer, int err)
{
	struct inp_pcb *p;

	/* The PCB's foreign side is the peer, its local side ours. */
	if (inp_pcb_lookup(vnet, INP_PROTO_UDP, peer, local,
	                   INP_LOOKUP_RLOCKPCB, NULL, &p, NULL) != 0)
		return;
	if (p->socket != NULL)           /* the read lock keeps the socket */
		sock_set_error(p->socket, err);
	pcb_unlock(p);
}
