/*
 * test_toeplitz.c - the Toeplitz hash against the verification vectors of
 * spec 5.5 (invariant 29): every row, 2-tuple and 4-tuple, IPv4 and IPv6,
 * through both inp_toeplitz() on the 5.3 byte layouts and inp_rss_hash()
 * on sockaddrs; RSS-4 linearity; bucket = hash & mask (RSS-11).
 */
#include "fixture.h"

struct vector {
	const char *dst;
	uint16_t dport;
	const char *src;
	uint16_t sport;
	uint32_t h2, h4;
};

static const struct vector v4[] = {
	{ "161.142.100.80", 1766, "66.9.149.187", 2794, 0x323e8fc2, 0x51ccc178 },
	{ "65.69.140.83", 4739, "199.92.111.2", 14230, 0xd718262a, 0xc626b0ea },
	{ "12.22.207.184", 38024, "24.19.198.95", 12898, 0xd2d0a5de, 0x5c2b394a },
	{ "209.142.163.6", 2217, "38.27.205.30", 48228, 0x82989176, 0xafc7327f },
	{ "202.188.127.2", 1303, "153.39.163.191", 44251, 0x5d1809c5, 0x10e828a2 },
};

static const struct vector v6[] = {
	{ "3ffe:2501:200:3::1", 1766, "3ffe:2501:200:1fff::7", 2794,
	  0x2cc18cd5, 0x40207d3d },
	{ "ff02::1", 4739, "3ffe:501:8::260:97ff:fe40:efab", 14230,
	  0x0f0c461c, 0xdde51bbf },
	{ "fe80::200:f8ff:fe21:67cf", 38024,
	  "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251, 0x4b61e985, 0x02d1feef },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Byte layout of 5.3: src, dst, sport, dport, network order. */
static size_t layout(int af, const struct vector *v, bool ports, uint8_t *buf)
{
	size_t alen = af == AF_INET ? 4 : 16;
	uint16_t sp = htons(v->sport), dp = htons(v->dport);

	assert_int_equal(inet_pton(af, v->src, buf), 1);
	assert_int_equal(inet_pton(af, v->dst, buf + alen), 1);
	if (!ports)
		return 2 * alen;
	memcpy(buf + 2 * alen, &sp, 2);
	memcpy(buf + 2 * alen + 2, &dp, 2);
	return 2 * alen + 4;
}

static void test_worked_byte_string(void **state)
{
	static const uint8_t in[] = { 0x42, 0x09, 0x95, 0xbb, 0xa1, 0x8e,
	                              0x64, 0x50, 0x0a, 0xea, 0x06, 0xe6 };
	uint8_t buf[36];

	(void)state;
	assert_int_equal(inp_toeplitz(inp_rss_default_key, in, sizeof(in)),
	                 0x51ccc178);
	/* Our layout produces exactly that string. */
	assert_int_equal(layout(AF_INET, &v4[0], true, buf), 12);
	assert_memory_equal(buf, in, sizeof(in));
}

static void test_default_key(void **state)
{
	(void)state;
	/* RSS-5: Microsoft's key, first and last bytes. */
	assert_int_equal(inp_rss_default_key[0], 0x6d);
	assert_int_equal(inp_rss_default_key[1], 0x5a);
	assert_int_equal(inp_rss_default_key[38], 0x01);
	assert_int_equal(inp_rss_default_key[39], 0xfa);
}

static void check_raw(int af, const struct vector *vs, size_t n)
{
	uint8_t buf[36];
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = layout(af, &vs[i], false, buf);
		assert_int_equal(inp_toeplitz(inp_rss_default_key, buf, len),
		                 vs[i].h2);
		len = layout(af, &vs[i], true, buf);
		assert_int_equal(inp_toeplitz(inp_rss_default_key, buf, len),
		                 vs[i].h4);
	}
}

static void test_vectors_raw(void **state)
{
	(void)state;
	check_raw(AF_INET, v4, N(v4));
	check_raw(AF_INET6, v6, N(v6));
}

static void check_sockaddr(int af, const struct vector *vs, size_t n)
{
	struct sockaddr_storage s, d;
	size_t i;

	for (i = 0; i < n; i++) {
		s = fx_sa(vs[i].src, vs[i].sport);
		d = fx_sa(vs[i].dst, vs[i].dport);
		assert_int_equal(s.ss_family, af);
		assert_int_equal(inp_rss_hash(inp_rss_default_key,
		                              (struct sockaddr *)&s,
		                              (struct sockaddr *)&d, false),
		                 vs[i].h2);
		assert_int_equal(inp_rss_hash(inp_rss_default_key,
		                              (struct sockaddr *)&s,
		                              (struct sockaddr *)&d, true),
		                 vs[i].h4);
		/* RSS-6: swapping ends is a different hash. */
		assert_int_not_equal(inp_rss_hash(inp_rss_default_key,
		                                  (struct sockaddr *)&d,
		                                  (struct sockaddr *)&s, true),
		                     vs[i].h4);
	}
}

static void test_vectors_sockaddr(void **state)
{
	(void)state;
	check_sockaddr(AF_INET, v4, N(v4));
	check_sockaddr(AF_INET6, v6, N(v6));
}

static void test_bad_input(void **state)
{
	struct sockaddr_storage s, d;

	(void)state;
	s = fx_sa("192.0.2.1", 1);
	d = fx_sa("2001:db8::1", 1);
	/* Mixed families, NULLs: no hash (0), no crash. */
	assert_int_equal(inp_rss_hash(NULL, (struct sockaddr *)&s,
	                              (struct sockaddr *)&d, true), 0);
	assert_int_equal(inp_rss_hash(inp_rss_default_key, NULL,
	                              (struct sockaddr *)&d, true), 0);
	assert_int_equal(inp_toeplitz(inp_rss_default_key, NULL, 4), 0);
	assert_int_equal(inp_toeplitz(inp_rss_default_key, NULL, 0), 0);
	/* A NULL key means the default key for inp_rss_hash. */
	s = fx_sa(v4[0].src, v4[0].sport);
	d = fx_sa(v4[0].dst, v4[0].dport);
	assert_int_equal(inp_rss_hash(NULL, (struct sockaddr *)&s,
	                              (struct sockaddr *)&d, true), v4[0].h4);
}

/* RSS-4: H(a ^ b) = H(a) ^ H(b) for inputs of equal length. */
static void test_linearity(void **state)
{
	uint8_t a[36], b[36], x[36];
	uint32_t seed = 12345;
	int i, round;

	(void)state;
	for (round = 0; round < 50; round++) {
		for (i = 0; i < 36; i++) {
			seed = seed * 1103515245u + 12345u;
			a[i] = (uint8_t)(seed >> 16);
			seed = seed * 1103515245u + 12345u;
			b[i] = (uint8_t)(seed >> 16);
			x[i] = a[i] ^ b[i];
		}
		assert_int_equal(inp_toeplitz(inp_rss_default_key, x, 36),
		                 inp_toeplitz(inp_rss_default_key, a, 36) ^
		                 inp_toeplitz(inp_rss_default_key, b, 36));
	}
	/* A single 1 bit at input bit i gives key bits i..i+31. */
	memset(x, 0, sizeof(x));
	x[1] = 0x80;   /* input bit 8: key bytes 1..4 */
	assert_int_equal(inp_toeplitz(inp_rss_default_key, x, 36), 0x5a56da25);
}

/*
 * RSS-10/11: for every bit count 0..7 (1..128 buckets) the bucket is the
 * low bits of the hash, and the indirection entry (hash & 127) maps to the
 * same bucket, so the NIC's queue and the stack's bucket agree.
 */
static void test_buckets(void **state)
{
	uint8_t buf[36];
	unsigned bits, i;

	(void)state;
	for (bits = 0; bits <= 7; bits++) {
		uint32_t mask = (1u << bits) - 1;
		for (i = 0; i < N(v4); i++) {
			uint32_t h = inp_toeplitz(inp_rss_default_key, buf,
			                          layout(AF_INET, &v4[i], true, buf));
			uint32_t entry = h & 127;
			assert_int_equal(h, v4[i].h4);
			assert_true((h & mask) < (1u << bits));
			assert_int_equal(entry & mask, h & mask);
		}
	}
	/* Known bucket values for the first vector: 0x51ccc178. */
	assert_int_equal(v4[0].h4 & 0x7f, 0x78);
	assert_int_equal(v4[0].h4 & 0x3, 0x0);
	assert_int_equal(v4[0].h4 & 0xf, 0x8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_key),
		cmocka_unit_test(test_worked_byte_string),
		cmocka_unit_test(test_vectors_raw),
		cmocka_unit_test(test_vectors_sockaddr),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_linearity),
		cmocka_unit_test(test_buckets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
