/*
 * test_rss_ports.c - RSS-aligned ephemeral ports (issue 3 item 6;
 * src/rss/rss_ports.c, pcb_port.c): the ports computed for a bucket are
 * exactly those whose reply tuple the plain Toeplitz function puts in it
 * (brute force over all 65536 ports, several keys and tuples, both
 * families), the range queries agree with brute force, and connect()
 * with net.inet.ip.portrange.rss_bits picks the first bucket port in the
 * allocator's order, or falls back to any port when the bucket has none.
 */
#include "fixture.h"

#include "rss/rss_internal.h"

struct tuple {
	int af;
	const char *faddr, *laddr;
	unsigned fport;
};

static const struct tuple tuples[] = {
	{ AF_INET, "198.51.100.7", "192.0.2.10", 53 },
	{ AF_INET, "66.9.149.187", "161.142.100.80", 2794 },
	{ AF_INET6, "2001:db8::7", "2001:db8:1::10", 443 },
};

/* The reply's hash: source = the peer, destination = us:port (RSS-6). */
static uint32_t reply_hash(const uint8_t *key, const struct tuple *t,
                           unsigned port)
{
	struct sockaddr_storage src = fx_sa(t->faddr, t->fport),
	                        dst = fx_sa(t->laddr, port);

	return inp_rss_hash(key, (struct sockaddr *)&src,
	                    (struct sockaddr *)&dst, true);
}

static void solve(const uint8_t *key, const struct tuple *t, unsigned bits,
                  unsigned bucket, struct rss_portsol *s)
{
	struct sockaddr_storage f = fx_sa(t->faddr, t->fport),
	                        l = fx_sa(t->laddr, 0);
	const void *fa, *la;

	if (t->af == AF_INET) {
		fa = &((struct sockaddr_in *)&f)->sin_addr;
		la = &((struct sockaddr_in *)&l)->sin_addr;
	} else {
		fa = &((struct sockaddr_in6 *)&f)->sin6_addr;
		la = &((struct sockaddr_in6 *)&l)->sin6_addr;
	}
	assert_int_equal(rss_port_solve(key, t->af, fa, htons(t->fport), la,
	                                bits, bucket, s), 0);
}

/* Every solution is in the bucket and no port of the bucket is missed. */
static void check_exact_set(const uint8_t *key, const struct tuple *t,
                            unsigned bits, unsigned bucket)
{
	static bool yielded[65536];
	uint32_t mask = (1u << bits) - 1;
	struct rss_portsol s;
	unsigned port, n = 0;
	long x = -1;

	solve(key, t, bits, bucket, &s);
	memset(yielded, 0, sizeof(yielded));
	while (x < 65535 && (x = rss_port_next(&s, (unsigned)(x + 1),
	                                       65535)) >= 0) {
		yielded[x] = true;
		n++;
	}
	for (port = 0; port < 65536; port++)
		assert_int_equal(yielded[port],
		                 (reply_hash(key, t, port) & mask) == bucket);
	/* Full rank: exactly 2^(16 - bits) ports per bucket. */
	assert_int_equal(n, 1u << (16 - bits));
}

static void random_key(uint8_t *key, uint32_t seed)
{
	unsigned i;

	for (i = 0; i < INP_RSS_KEYLEN; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		key[i] = (uint8_t)seed;
	}
}

static void test_solutions_equal_brute_force(void **state)
{
	static const unsigned bits[] = { 1, 3, 7 };
	uint8_t keys[3][INP_RSS_KEYLEN];
	unsigned k, t, b, mask;

	(void)state;
	memcpy(keys[0], inp_rss_default_key, INP_RSS_KEYLEN);
	random_key(keys[1], 0x1234567u);
	random_key(keys[2], 0x9e3779b9u);
	for (k = 0; k < 3; k++)
		for (t = 0; t < 3; t++)
			for (b = 0; b < 3; b++) {
				mask = (1u << bits[b]) - 1;
				check_exact_set(keys[k], &tuples[t], bits[b],
				                (k * 7 + t * 3) & mask);
			}
}

/* rss_port_next(from, to) is the smallest bucket port in [from, to]. */
static void test_range_queries(void **state)
{
	struct rss_portsol s;
	uint32_t rng = 0xC0FFEEu;
	unsigned i, from, to, p;
	long want;

	(void)state;
	solve(inp_rss_default_key, &tuples[0], 5, 17, &s);
	for (i = 0; i < 200; i++) {
		rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
		from = rng % 65536;
		to = from + (rng >> 16) % 300;
		if (to > 65535)
			to = 65535;
		want = -1;
		for (p = from; p <= to && want < 0; p++)
			if ((reply_hash(inp_rss_default_key, &tuples[0], p) &
			     31) == 17)
				want = p;
		assert_int_equal(rss_port_next(&s, from, to), want);
	}
	assert_int_equal(rss_port_next(&s, 10, 9), -1);
	assert_int_equal(rss_port_solve(NULL, AF_INET, "", 0, "", 3, 0, &s),
	                 -EINVAL);
	assert_int_equal(rss_port_solve(inp_rss_default_key, AF_INET, "abcd",
	                                0, "abcd", 8, 0, &s), -EINVAL);
}

/* ---- through connect() ------------------------------------------------ */

static int setup(void **state)
{
	struct fx *f = fx_new(NULL);

	fx_preamble(f);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.randomized", 0);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.first", 20000);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.last", 20999);
	*state = f;
	return 0;
}

static unsigned connect_port(struct fx *f)
{
	struct inp_sock *so = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);

	assert_int_equal(fx_connect(so, tuples[0].faddr, tuples[0].fport), 0);
	return fx_local_port(so);
}

/*
 * rss_bits 3, bucket 5: each connect takes the next port of the range,
 * in the allocator's order, whose replies hash to bucket 5.
 */
static void test_connect_takes_bucket_ports_in_order(void **state)
{
	struct fx *f = *state;
	struct inp_portstat st;
	unsigned i, port, want = 20000;

	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bits", 3);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket", 5);
	for (i = 0; i < 10; i++) {
		while ((reply_hash(inp_rss_default_key, &tuples[0], want) & 7)
		       != 5)
			want++;
		port = connect_port(f);
		assert_int_equal(port, want);
		want++;
	}
	assert_int_equal(inp_port_stats(f->vnet, INP_PROTO_UDP, &st), 0);
	assert_int_equal(st.rss_aligned, 10);
	assert_int_equal(st.rss_fallback, 0);
}

/* A range without a free bucket port: any port, counted as a fallback. */
static void test_full_bucket_falls_back(void **state)
{
	struct fx *f = *state;
	struct inp_portstat st;
	unsigned p = 20000, bucket;

	bucket = reply_hash(inp_rss_default_key, &tuples[0], p) & 7;
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.last", 20000);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bits", 3);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket",
	                 (bucket + 1) & 7);
	assert_int_equal(connect_port(f), 20000);
	assert_int_equal(inp_port_stats(f->vnet, INP_PROTO_UDP, &st), 0);
	assert_int_equal(st.rss_aligned, 0);
	assert_int_equal(st.rss_fallback, 1);
	/* The sysctls are clamped like the range ones (P1). */
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bits", 99);
	assert_int_equal(fx_sysctl(f->vnet, "net.inet.ip.portrange.rss_bits"),
	                 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_solutions_equal_brute_force),
		cmocka_unit_test(test_range_queries),
		cmocka_unit_test_setup_teardown(
		    test_connect_takes_bucket_ports_in_order, setup,
		    fx_teardown),
		cmocka_unit_test_setup_teardown(test_full_bucket_falls_back,
		                                setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
