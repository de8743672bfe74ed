/*
 * toeplitz.c - the Toeplitz hash RSS NICs compute (spec section 5):
 * RSS-3's definition, the default key of RSS-5 and the input layouts of
 * 5.3.  Pure functions.
 *
 * Input bit i (MSB first) contributes the 32 key bits i..i+31.  For input
 * byte k those windows all lie in key bytes k..k+4, so we load those five
 * bytes once (40 bits) and shift out the eight windows: a byte-at-a-time
 * form of RSS-3 that needs no per-key table.  Key bits past the end of
 * the key count as zero (RSS-4), which only matters beyond 36 bytes.
 */
#include "base/base.h"

const uint8_t inp_rss_default_key[INP_RSS_KEYLEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* Key bytes k..k+4 as a 40-bit number (zero past the key). */
static uint64_t key_window40(const uint8_t *key, size_t k)
{
	uint64_t w = 0;
	size_t i;

	for (i = 0; i < 5; i++)
		w = (w << 8) | (k + i < INP_RSS_KEYLEN ? key[k + i] : 0);
	return w;
}

uint32_t inp_toeplitz(const uint8_t key[INP_RSS_KEYLEN], const void *data,
                      size_t len)
{
	const uint8_t *d = data;
	uint32_t result = 0;
	size_t k;
	int b;

	if (key == NULL || (d == NULL && len != 0))
		return 0;
	for (k = 0; k < len; k++) {
		uint64_t w;

		if (d[k] == 0)
			continue;
		w = key_window40(key, k);
		for (b = 0; b < 8; b++)   /* bit b of the byte, MSB first */
			if (d[k] & (0x80u >> b))
				result ^= (uint32_t)(w >> (8 - b));
	}
	return result;
}

/*
 * 5.3: source address, destination address, then source and destination
 * ports, all in network order, of a *received* packet (RSS-6).
 */
uint32_t inp_rss_hash(const uint8_t key[INP_RSS_KEYLEN],
                      const struct sockaddr *src, const struct sockaddr *dst,
                      bool with_ports)
{
	uint8_t buf[36];
	size_t alen, n;

	if (src == NULL || dst == NULL || src->sa_family != dst->sa_family)
		return 0;
	if (key == NULL)
		key = inp_rss_default_key;
	if (src->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)src, *t = (const void *)dst;
		alen = 4;
		memcpy(buf, &s->sin_addr, 4);
		memcpy(buf + 4, &t->sin_addr, 4);
		memcpy(buf + 8, &s->sin_port, 2);
		memcpy(buf + 10, &t->sin_port, 2);
	} else if (src->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)src, *t = (const void *)dst;
		alen = 16;
		memcpy(buf, &s->sin6_addr, 16);
		memcpy(buf + 16, &t->sin6_addr, 16);
		memcpy(buf + 32, &s->sin6_port, 2);
		memcpy(buf + 34, &t->sin6_port, 2);
	} else {
		return 0;
	}
	n = 2 * alen + (with_ports ? 4 : 0);
	return inp_toeplitz(key, buf, n);
}
