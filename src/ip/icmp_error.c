/*
 * icmp_error.c - the ICMP and ICMPv6 errors this stack sends: port
 * unreachable for a UDP datagram nobody receives (UD-9), and the rate
 * limit that budgets them (net.inet.icmp.icmplim).
 *
 * Which datagrams are answered (RFC 1122 3.2.2, RFC 1812 4.3.2.7, RFC
 * 4443 2.4): never one sent to a broadcast or multicast address or in a
 * link-layer broadcast (UDP does not ask, UD-8/UD-9), never an ICMP error
 * (icps_oldicmp), never one whose source cannot take an answer -- the
 * unspecified address, a multicast, broadcast or (IPv4) class E
 * address (icps_badaddr).  The error goes from the address the datagram
 * was sent to back to its source, through ip_output(): out of the route's
 * interface, or inside the stack when the sender is local.
 *
 * Quoting: IPv4 quotes the datagram's header without its options (the
 * UDP layer's view, UD-1 steps 1 and 5; total length adjusted, checksum
 * recomputed) and as much of the rest as keeps the error within 576
 * bytes (RFC 1812 4.3.2.3; FreeBSD's net.inet.icmp.quotelen); IPv6 quotes
 * the packet as received, extension headers included, as far as fits in
 * the minimum MTU of 1280 bytes (RFC 4443 2.4 (c)).
 */
#include "ip/ip_internal.h"

#include <stdlib.h>

#define NS_PER_SEC      1000000000ull
#define ICMP4_ERR_MAX   576     /* RFC 1812: the whole error datagram */
#define ICMP6_ERR_MAX   1280    /* RFC 4443: the IPv6 minimum MTU */
#define ICMP6_ERR_FIRST 128     /* types below are errors (RFC 4443) */

/* ---- the rate limit --------------------------------------------------- */

bool icmp_ratelimit_allow(struct inp_vnet *vnet)
{
	uint64_t sec = host_now_ns(vnet->host) / NS_PER_SEC;
	long lim;
	bool ok;

	/* icmp_sec/icmp_count live with the knobs, under cfg_lock. */
	pthread_mutex_lock(&vnet->cfg_lock);
	lim = vnet->sc.icmp_lim;
	if (vnet->icmp_sec != sec) {
		vnet->icmp_sec = sec;
		vnet->icmp_count = 0;
	}
	ok = lim <= 0 || vnet->icmp_count < (unsigned long)lim;
	if (ok)
		vnet->icmp_count++;
	pthread_mutex_unlock(&vnet->cfg_lock);
	if (!ok)
		IPSTAT_INC(vnet, icps_ratelimited);
	return ok;
}

/* ---- which datagrams get an answer ------------------------------------- */

/* 240.0.0.0/4 */
static bool in4_is_experimental(struct in_addr a)
{
	return (ntohl(a.s_addr) & 0xf0000000u) == 0xf0000000u;
}

static bool answerable4(const struct ip_pkt *pk)
{
	return !in4_is_any(pk->src4) && !in4_is_multicast(pk->src4) &&
	       !in4_is_experimental(pk->src4) &&
	       !ifa_is_broadcast_in4(pk->rcvif, pk->src4) &&
	       !in4_is_multicast(pk->dst4) &&
	       !ifa_is_broadcast_in4(pk->rcvif, pk->dst4);
}

static bool answerable6(const struct ip_pkt *pk)
{
	return !in6_is_any(&pk->src6) && !in6_is_multicast(&pk->src6) &&
	       !in6_is_multicast(&pk->dst6);
}

/* The datagram is an ICMP error itself (or too short to tell). */
static bool is_icmp_error(const struct ip_pkt *pk)
{
	if (pk->af == AF_INET && pk->proto == IPPROTO_ICMP) {
		/* Error types: unreach 3, source quench 4, redirect 5,
		 * time exceeded 11, parameter problem 12. */
		uint8_t t = pk->len > 0 ? pk->data[0] : ICMP_UNREACH;

		return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
	}
	if (pk->af == AF_INET6 && pk->proto == IPPROTO_ICMPV6)
		return pk->len == 0 || pk->data[0] < ICMP6_ERR_FIRST;
	return false;
}

/* ---- building and sending ---------------------------------------------- */

static void icmp4_send(const struct ip_pkt *pk, uint8_t type, uint8_t code)
{
	size_t quote = IP4_HDR_LEN + pk->len, total;
	struct ip_out o = { .af = AF_INET, .dst4 = pk->src4 };
	uint8_t *b, *q;

	if (quote > ICMP4_ERR_MAX - IP4_HDR_LEN - ICMP_HDR_LEN)
		quote = ICMP4_ERR_MAX - IP4_HDR_LEN - ICMP_HDR_LEN;
	total = IP4_HDR_LEN + ICMP_HDR_LEN + quote;
	b = calloc(1, total);
	if (b == NULL)
		return;           /* like an mbuf shortage: nothing sent */
	ip4_header(b, 0, IP_DEFTTL, IPPROTO_ICMP,
	           (uint16_t)host_random32(pk->vnet->host), pk->dst4, pk->src4,
	           total);
	q = b + IP4_HDR_LEN + ICMP_HDR_LEN;
	memcpy(q, pk->pkt, IP4_HDR_LEN);          /* the header ... */
	q[0] = 0x45;                              /* ... without options */
	put16(q + 2, (uint16_t)(IP4_HDR_LEN + pk->len));
	put16(q + 10, 0);
	put16(q + 10, cksum(q, IP4_HDR_LEN));
	memcpy(q + IP4_HDR_LEN, pk->data, quote - IP4_HDR_LEN);
	b[IP4_HDR_LEN] = type;
	b[IP4_HDR_LEN + 1] = code;
	put16(b + IP4_HDR_LEN + 2, cksum(b + IP4_HDR_LEN, total - IP4_HDR_LEN));
	IPSTAT_INC(pk->vnet, icps_error);
	o.pkt = b;
	o.len = total;
	(void)ip_output(pk->vnet, &o);        /* counted by the output ledger */
	free(b);
}

static void icmp6_send(const struct ip_pkt *pk, uint8_t type, uint8_t code)
{
	size_t quote = pk->pktlen, plen;
	struct ip_out o = { .af = AF_INET6, .dst6 = pk->src6,
	                    .zone = ip_pkt_zone(pk, &pk->src6) };
	uint8_t *b, *m;
	uint32_t sum;

	if (quote > ICMP6_ERR_MAX - IP6_HDR_LEN - ICMP_HDR_LEN)
		quote = ICMP6_ERR_MAX - IP6_HDR_LEN - ICMP_HDR_LEN;
	plen = ICMP_HDR_LEN + quote;
	b = calloc(1, IP6_HDR_LEN + plen);
	if (b == NULL)
		return;
	ip6_header(b, 0, IPPROTO_ICMPV6, IP_DEFTTL, &pk->dst6, &pk->src6,
	           plen);
	m = b + IP6_HDR_LEN;
	m[0] = type;
	m[1] = code;
	memcpy(m + ICMP_HDR_LEN, pk->pkt, quote);
	sum = cksum_pseudo6(&pk->dst6, &pk->src6, IPPROTO_ICMPV6,
	                    (uint32_t)plen);
	put16(m + 2, cksum_finish(cksum_add(sum, m, plen)));
	IPSTAT_INC(pk->vnet, icps_error);
	o.pkt = b;
	o.len = IP6_HDR_LEN + plen;
	(void)ip_output(pk->vnet, &o);
	free(b);
}

void icmp_port_unreach(const struct ip_pkt *pk)
{
	bool v4 = pk->af == AF_INET;

	if (is_icmp_error(pk)) {
		IPSTAT_INC(pk->vnet, icps_oldicmp);
		return;
	}
	if (!(v4 ? answerable4(pk) : answerable6(pk))) {
		IPSTAT_INC(pk->vnet, icps_badaddr);
		return;
	}
	if (v4)
		icmp4_send(pk, ICMP_UNREACH, ICMP_UNREACH_PORT);
	else
		icmp6_send(pk, ICMP6_DST_UNREACH, ICMP6_DST_UNREACH_NOPORT);
}
