/*
 * ip_internal.h - the IP module's contracts: the view of a received
 * datagram that IP input hands to UDP and ICMP, checksums, byte access,
 * output, reassembly, ICMP errors and their rate limit.
 *
 * Packets are byte arrays in network order; every multi-byte field is
 * read and written through get16/put16/get32/put32, never through a cast
 * of a possibly unaligned pointer.
 *
 * Locking: nothing here is called with a lock held, except where a
 * function says so.  IP input may run inside ip_output() (a destination
 * inside the stack), which may run inside IP input (an ICMP error): both
 * take only the locks they need for the moment they need them.
 */
#ifndef INPCB_IP_INTERNAL_H
#define INPCB_IP_INTERNAL_H

#include "net/net_internal.h"

/* ---- byte access ------------------------------------------------------ */

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	       ((uint32_t)p[2] << 8) | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * An interface's INP_IFF_* flags.  The field is atomic (net_internal.h):
 * no cfg_lock, which every received packet would otherwise take, and
 * every receiving thread contend for.
 */
static inline unsigned ip_if_flags(struct inp_ifnet *ifp)
{
	return atomic_load_explicit(&ifp->flags, memory_order_relaxed);
}

/* ---- header sizes and constants ---------------------------------------- */

#define IP4_HDR_LEN     20
#define IP6_HDR_LEN     40
#define UDP_HDR_LEN     8
#define ICMP_HDR_LEN    8          /* type, code, checksum, 4 more bytes */
#define IP_MAXPACKET    65535
#define IP4_MF          0x2000     /* more fragments */
#define IP4_OFFMASK     0x1fff     /* fragment offset, 8-byte units */
#define IP_DEFTTL       64         /* net.inet.ip.ttl, ip6_defhlim */

#define ICMP_UNREACH        3
#define ICMP_UNREACH_PORT   3
#define ICMP6_DST_UNREACH   1
#define ICMP6_DST_UNREACH_NOPORT 4

/*
 * Internal packet flags, above the public INP_PKT_* of ip.h:
 * IP_PKT_LOOPED  the packet never left the stack (ip_output looped it), so
 *                the "127/8 and ::1 never on a wire" checks do not apply;
 * IP_PKT_REASS   a datagram rebuilt from fragments (IPv6: a second
 *                fragment header in it is a bad chain).
 */
#define IP_PKT_LOOPED 0x100
#define IP_PKT_REASS  0x200

/* ---- the datagram as the transport layers see it ----------------------- */

struct ip_pkt {
	struct inp_vnet *vnet;
	struct inp_ifnet *rcvif;      /* never NULL */
	unsigned flags;               /* INP_PKT_*, IP_PKT_* */
	int af;                       /* AF_INET or AF_INET6 */
	struct in_addr src4, dst4;
	struct in6_addr src6, dst6;   /* wire form: no zone */
	uint8_t tos, ttl;             /* TOS / traffic class, TTL / hop limit */
	uint8_t proto;                /* transport protocol */
	const uint8_t *pkt;           /* the whole datagram, IP header first */
	size_t pktlen;                /* its length, trimmed to the IP length */
	size_t hlen;                  /* IP header (+ extension headers) */
	const uint8_t *data;          /* transport header: pkt + hlen */
	size_t len;                   /* transport bytes: pktlen - hlen */
};

/* A packet view of family af, empty but for where it came from. */
static inline void ip_pkt_init(struct ip_pkt *pk, struct inp_vnet *vnet,
                               struct inp_ifnet *rcvif, unsigned flags, int af)
{
	memset(pk, 0, sizeof(*pk));
	pk->vnet = vnet;
	pk->rcvif = rcvif;
	pk->flags = flags;
	pk->af = af;
}

/* The zone of a scoped IPv6 address that arrived on pk (0: unscoped). */
static inline unsigned ip_pkt_zone(const struct ip_pkt *pk,
                                   const struct in6_addr *a)
{
	return in6_is_scoped(a) ? inp_if_index(pk->rcvif) : 0;
}

/* ---- checksums (cksum.c, RFC 1071) ------------------------------------- */

/*
 * Add len bytes to a running one's complement sum of big-endian 16-bit
 * words.  Only the last piece of a sum may have an odd length.
 */
uint32_t cksum_add(uint32_t sum, const void *buf, size_t len);
/* The checksum field value for a finished sum (complement of the fold). */
uint16_t cksum_finish(uint32_t sum);
/* The checksum of one buffer; 0 over data that carries a valid one. */
uint16_t cksum(const void *buf, size_t len);
/* The sums of the TCP/UDP/ICMPv6 pseudo-headers (RFC 768, RFC 8200 8.1). */
uint32_t cksum_pseudo4(struct in_addr src, struct in_addr dst, uint8_t proto,
                       uint32_t len);
uint32_t cksum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
                       uint8_t nxt, uint32_t len);

/* ---- input (ip_input.c, ip4_input.c, ip6_input.c) ---------------------- */

/*
 * inp_ip_input() without the argument checks, with internal flags:
 * counts ips_total and dispatches on the version.
 */
void ip_input_internal(struct inp_vnet *vnet, struct inp_ifnet *rcvif,
                       const uint8_t *pkt, size_t len, unsigned flags);
void ip4_input(struct inp_vnet *vnet, struct inp_ifnet *rcvif,
               const uint8_t *pkt, size_t len, unsigned flags);
void ip6_input(struct inp_vnet *vnet, struct inp_ifnet *rcvif,
               const uint8_t *pkt, size_t len, unsigned flags);
/* A validated datagram for this host: ips_delivered, UDP or ICMP. */
void ip_deliver(const struct ip_pkt *pk);

/* ---- reassembly (ip_reass.c) ------------------------------------------- */

/* One fragment as IP input found it. */
struct reass_frag {
	int af;
	const void *src, *dst;       /* 4 or 16 bytes, wire form */
	uint32_t id;                 /* IPv4: 16 bits */
	uint8_t proto;               /* IPv4: part of the key; IPv6: the
	                              * fragment header's next header */
	uint32_t off;                /* in bytes */
	bool more;                   /* more fragments follow */
	const uint8_t *hdr;          /* IPv4 header, IPv6 unfragmentable part */
	size_t hdrlen;
	size_t nxt_off;              /* IPv6: where in hdr the next header
	                              * byte before the fragment header is */
	const uint8_t *data;         /* the fragment's payload */
	size_t len;
	struct inp_ifnet *rcvif;
	unsigned flags;
};

/* A datagram reassembly completed: malloc'd, the caller frees pkt. */
struct reass_done {
	uint8_t *pkt;
	size_t len;
	struct inp_ifnet *rcvif;     /* of the first fragment (offset 0) */
	unsigned flags;
};

/*
 * Add a fragment (ips_fragments already counted).  Returns true with
 * *done filled when it completed its datagram; false when it was kept or
 * dropped (ips_fragdropped, counted here).
 */
bool ip_reass(struct inp_vnet *vnet, const struct reass_frag *f,
              struct reass_done *done);
/* Fragments waiting in incomplete datagrams (tests, invariants). */
unsigned ip_reass_pending(struct inp_vnet *vnet);

/* ---- transport input (src/udp/udp_input.c, icmp.c, icmp6.c) ------------ */

void udp_input(const struct ip_pkt *pk);
/*
 * An ICMP error reached UDP (FreeBSD udp_common_ctlinput): the quoted
 * datagram went from local to peer; the connected socket with exactly
 * that 4-tuple gets err as its pending error.  Addresses are sockaddrs
 * with the zone in sin6_scope_id.
 */
void udp_ctlinput(struct inp_vnet *vnet, const struct sockaddr *local,
                  const struct sockaddr *peer, int err);
void icmp4_input(const struct ip_pkt *pk);
void icmp6_input(const struct ip_pkt *pk);

/* ---- ICMP errors (icmp_error.c) ---------------------------------------- */

/*
 * The ICMP unreachable budget (UD-9): net.inet.icmp.icmplim per second
 * of the host clock, shared by ICMP and ICMPv6.  false, counted in
 * icps_ratelimited, when this second's budget is spent.  Takes cfg_lock.
 */
bool icmp_ratelimit_allow(struct inp_vnet *vnet);

/*
 * Answer pk with an ICMP port unreachable (IPv4: type 3 code 3, quoting
 * the header without options and up to 548 bytes in all; IPv6: type 1
 * code 4, quoting as much as fits in 1280 bytes), from pk's destination
 * to its source.  The rate limit was applied by the caller (UDP).
 * Counts icps_error, icps_oldicmp or icps_badaddr.
 */
void icmp_port_unreach(const struct ip_pkt *pk);

/* ---- output (ip_output.c) ---------------------------------------------- */

struct ip_out {
	int af;
	struct in_addr dst4;
	struct in6_addr dst6;         /* wire form */
	unsigned zone;                /* of a scoped dst6 (0: none) */
	struct inp_ifnet *ifp;        /* multicast interface, or NULL */
	bool mloop;                   /* multicast: deliver a copy here */
	bool bcast_ok;                /* SO_BROADCAST */
	const uint8_t *pkt;           /* the complete packet */
	size_t len;
};

/*
 * Send a built packet (ips_localout): to the stack itself when the
 * destination is local or the interface is a loopback one, else to the
 * outgoing interface's driver.  Returns 0 or a negative errno, counted
 * in the output ledger (ip.h).
 */
int ip_output(struct inp_vnet *vnet, const struct ip_out *o);

/* Write a 20-byte IPv4 header with its checksum (DF clear, no options). */
void ip4_header(uint8_t *h, uint8_t tos, uint8_t ttl, uint8_t proto,
                uint16_t id, struct in_addr src, struct in_addr dst,
                size_t total);
/* Write a 40-byte IPv6 header (flow label 0). */
void ip6_header(uint8_t *h, uint8_t tclass, uint8_t nxt, uint8_t hlim,
                const struct in6_addr *src, const struct in6_addr *dst,
                size_t plen);

#endif
