/*
 * pkt_build.h - packets byte by byte for the datapath tests: IPv4 and
 * IPv6 headers, UDP, IPv4 options, IPv6 extension headers, fragments of
 * a datagram, ICMP and ICMPv6 destination unreachables quoting a packet,
 * and readers for the fields the tests check.
 *
 * Independent of the library: the checksum here is the tests' own
 * (RFC 1071), so a library checksum bug cannot hide behind a shared one.
 * Addresses are strings; a buffer is PB_MAX bytes (any IP packet fits).
 * Builders return the packet's length.  Every function is static inline.
 */
#ifndef INPCB_TEST_PKT_BUILD_H
#define INPCB_TEST_PKT_BUILD_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PB_MAX 65600

/* ---- bytes ------------------------------------------------------------- */

static inline void pb_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline unsigned pb_get16(const uint8_t *p)
{
	return ((unsigned)p[0] << 8) | p[1];
}

static inline uint32_t pb_sum(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += ((uint32_t)p[i] << 8) | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static inline unsigned pb_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

static inline void pb_addr4(const char *s, uint8_t *out)
{
	inet_pton(AF_INET, s, out);
}

static inline void pb_addr6(const char *s, uint8_t *out)
{
	inet_pton(AF_INET6, s, out);
}

/* ---- IPv4 -------------------------------------------------------------- */

static inline unsigned pb_hl4(const uint8_t *p)
{
	return (p[0] & 0x0f) * 4u;
}

/* Recompute the IPv4 header checksum. */
static inline void pb_ip4_cksum(uint8_t *p)
{
	pb_put16(p + 10, 0);
	pb_put16(p + 10, pb_fold(pb_sum(0, p, pb_hl4(p))));
}

/* A 20-byte IPv4 header for a payload of plen bytes (TTL 64, id 1). */
static inline void pb_ip4(uint8_t *p, const char *src, const char *dst,
                          uint8_t proto, size_t plen)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	pb_put16(p + 2, (unsigned)(20 + plen));
	pb_put16(p + 4, 1);
	p[8] = 64;
	p[9] = proto;
	pb_addr4(src, p + 12);
	pb_addr4(dst, p + 16);
	pb_ip4_cksum(p);
}

/* The UDP checksum of the datagram at u (ulen bytes) inside IPv4 p. */
static inline void pb_udp4_cksum(uint8_t *p)
{
	uint8_t *u = p + pb_hl4(p);
	unsigned ulen = pb_get16(u + 4), c;
	uint32_t s = pb_sum(0, p + 12, 8) + 17 + ulen;

	pb_put16(u + 6, 0);
	c = pb_fold(pb_sum(s, u, ulen));
	pb_put16(u + 6, c ? c : 0xffff);
}

static inline void pb_udp_hdr(uint8_t *u, unsigned sport, unsigned dport,
                              const void *data, size_t dlen)
{
	pb_put16(u, sport);
	pb_put16(u + 2, dport);
	pb_put16(u + 4, (unsigned)(8 + dlen));
	pb_put16(u + 6, 0);
	if (dlen > 0) {
		if (data != NULL)
			memcpy(u + 8, data, dlen);
		else
			memset(u + 8, 'x', dlen);
	}
}

/* UDP in IPv4 with valid checksums; data NULL: dlen bytes of 'x'. */
static inline size_t pb_udp4(uint8_t *p, const char *src, unsigned sport,
                             const char *dst, unsigned dport,
                             const void *data, size_t dlen)
{
	pb_ip4(p, src, dst, 17, 8 + dlen);
	pb_udp_hdr(p + 20, sport, dport, data, dlen);
	pb_udp4_cksum(p);
	return 28 + dlen;
}

/* Insert IPv4 options (optlen a multiple of 4) after the fixed header. */
static inline size_t pb_ip4_options(uint8_t *p, size_t len,
                                    const uint8_t *opts, size_t optlen)
{
	memmove(p + 20 + optlen, p + 20, len - 20);
	memcpy(p + 20, opts, optlen);
	p[0] = (uint8_t)(0x40 | ((20 + optlen) / 4));
	pb_put16(p + 2, (unsigned)(len + optlen));
	pb_ip4_cksum(p);
	return len + optlen;
}

/*
 * Fragment of the IPv4 datagram pkt: its payload bytes [off, off+flen)
 * with pkt's header (options included), MF as more says.
 */
static inline size_t pb_frag4(uint8_t *out, const uint8_t *pkt, size_t off,
                              size_t flen, bool more)
{
	unsigned hl = pb_hl4(pkt);

	memcpy(out, pkt, hl);
	memcpy(out + hl, pkt + hl + off, flen);
	pb_put16(out + 2, (unsigned)(hl + flen));
	pb_put16(out + 6, (unsigned)((more ? 0x2000 : 0) | (off / 8)));
	pb_ip4_cksum(out);
	return hl + flen;
}

/* ---- IPv6 -------------------------------------------------------------- */

static inline void pb_ip6(uint8_t *p, const char *src, const char *dst,
                          uint8_t nxt, size_t plen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	pb_put16(p + 4, (unsigned)plen);
	p[6] = nxt;
	p[7] = 64;
	pb_addr6(src, p + 8);
	pb_addr6(dst, p + 24);
}

/* The checksum of the upper-layer message at off (ICMPv6 or UDP). */
static inline unsigned pb_cksum6(const uint8_t *p, size_t off, size_t len,
                                 uint8_t nxt)
{
	uint32_t s = pb_sum(0, p + 8, 32) + (uint32_t)len + nxt;

	return pb_fold(pb_sum(s, p + off, len));
}

/* UDP in IPv6 (no extension headers) with a valid checksum. */
static inline size_t pb_udp6(uint8_t *p, const char *src, unsigned sport,
                             const char *dst, unsigned dport,
                             const void *data, size_t dlen)
{
	unsigned c;

	pb_ip6(p, src, dst, 17, 8 + dlen);
	pb_udp_hdr(p + 40, sport, dport, data, dlen);
	c = pb_cksum6(p, 40, 8 + dlen, 17);
	pb_put16(p + 46, c ? c : 0xffff);
	return 48 + dlen;
}

/*
 * Insert an extension header of type `type` right after the IPv6 header
 * (it becomes the first of the chain): body are its bytes after the
 * next-header and length bytes, blen + 2 a multiple of 8.  The upper
 * layer checksum does not cover extension headers, so it stays valid.
 */
static inline size_t pb_ip6_ext(uint8_t *p, size_t len, uint8_t type,
                                const uint8_t *body, size_t blen)
{
	size_t hlen = blen + 2;

	memmove(p + 40 + hlen, p + 40, len - 40);
	p[40] = p[6];
	p[41] = (uint8_t)(hlen / 8 - 1);
	memcpy(p + 42, body, blen);
	p[6] = type;
	pb_put16(p + 4, (unsigned)(len - 40 + hlen));
	return len + hlen;
}

/* A 6-byte options body: PadN of 4 (or the given 6 bytes). */
static inline size_t pb_ip6_padn_ext(uint8_t *p, size_t len, uint8_t type)
{
	static const uint8_t padn[6] = { 1, 4, 0, 0, 0, 0 };

	return pb_ip6_ext(p, len, type, padn, sizeof(padn));
}

/*
 * Fragment of the IPv6 packet pkt (no extension headers): the IPv6
 * header, a fragment header (id, next header = pkt's), and the payload
 * bytes [off, off+flen).
 */
static inline size_t pb_frag6(uint8_t *out, const uint8_t *pkt, size_t off,
                              size_t flen, bool more, uint32_t id)
{
	memcpy(out, pkt, 40);
	out[6] = 44;
	out[40] = pkt[6];
	out[41] = 0;
	pb_put16(out + 42, (unsigned)(off | (more ? 1 : 0)));
	out[44] = (uint8_t)(id >> 24);
	out[45] = (uint8_t)(id >> 16);
	out[46] = (uint8_t)(id >> 8);
	out[47] = (uint8_t)id;
	memcpy(out + 48, pkt + 40 + off, flen);
	pb_put16(out + 4, (unsigned)(8 + flen));
	return 48 + flen;
}

/* ---- ICMP errors ------------------------------------------------------- */

/* ICMP type 3 from src to dst quoting q[0..qlen). */
static inline size_t pb_icmp4_unreach(uint8_t *p, const char *src,
                                      const char *dst, uint8_t code,
                                      const uint8_t *q, size_t qlen)
{
	uint8_t *m = p + 20;

	pb_ip4(p, src, dst, 1, 8 + qlen);
	memset(m, 0, 8);
	m[0] = 3;
	m[1] = code;
	memcpy(m + 8, q, qlen);
	pb_put16(m + 2, pb_fold(pb_sum(0, m, 8 + qlen)));
	return 28 + qlen;
}

/* ICMPv6 type 1 from src to dst quoting q[0..qlen). */
static inline size_t pb_icmp6_unreach(uint8_t *p, const char *src,
                                      const char *dst, uint8_t code,
                                      const uint8_t *q, size_t qlen)
{
	uint8_t *m = p + 40;

	pb_ip6(p, src, dst, 58, 8 + qlen);
	memset(m, 0, 8);
	m[0] = 1;
	m[1] = code;
	memcpy(m + 8, q, qlen);
	pb_put16(m + 2, pb_cksum6(p, 40, 8 + qlen, 58));
	return 48 + qlen;
}

/* ---- checks ------------------------------------------------------------ */

/* The IPv4 header checksum and, for UDP, the UDP checksum are valid. */
static inline bool pb_ip4_valid(const uint8_t *p)
{
	return pb_fold(pb_sum(0, p, pb_hl4(p))) == 0;
}

static inline bool pb_udp4_valid(const uint8_t *p)
{
	const uint8_t *u = p + pb_hl4(p);
	unsigned ulen = pb_get16(u + 4);
	uint32_t s = pb_sum(0, p + 12, 8) + 17 + ulen;

	return pb_fold(pb_sum(s, u, ulen)) == 0;
}

/* The ICMP message of an IPv4 packet checks out. */
static inline bool pb_icmp4_valid(const uint8_t *p, size_t len)
{
	unsigned hl = pb_hl4(p);

	return pb_fold(pb_sum(0, p + hl, len - hl)) == 0;
}

/* The upper-layer message at off of an IPv6 packet checks out. */
static inline bool pb_l4_6_valid(const uint8_t *p, size_t off, size_t len,
                                 uint8_t nxt)
{
	return pb_cksum6(p, off, len, nxt) == 0;
}

#endif
