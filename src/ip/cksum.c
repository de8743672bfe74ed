/*
 * cksum.c - the Internet checksum (RFC 1071): a one's complement sum of
 * big-endian 16-bit words, and the pseudo-headers UDP and ICMPv6 add to
 * it (RFC 768, RFC 8200 section 8.1).
 *
 * The running sum is kept in 32 bits and folded only at the end; a
 * datagram is at most 64 KiB, so 32 bits never overflow.
 */
#include "ip/ip_internal.h"

uint32_t cksum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len >= 2) {
		sum += get16(p);
		p += 2;
		len -= 2;
	}
	if (len == 1)
		sum += (uint32_t)p[0] << 8;    /* padded with a zero byte */
	return sum;
}

uint16_t cksum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t cksum(const void *buf, size_t len)
{
	return cksum_finish(cksum_add(0, buf, len));
}

uint32_t cksum_pseudo4(struct in_addr src, struct in_addr dst, uint8_t proto,
                       uint32_t len)
{
	uint32_t sum = cksum_add(0, &src, 4);

	sum = cksum_add(sum, &dst, 4);
	return sum + proto + len;      /* len fits 16 bits for IPv4 */
}

uint32_t cksum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
                       uint8_t nxt, uint32_t len)
{
	uint32_t sum = cksum_add(0, src, 16);

	sum = cksum_add(sum, dst, 16);
	return sum + (len >> 16) + (len & 0xffff) + nxt;
}
