/*
 * test_rss_ports.c - RSS-aligned ephemeral ports (issue 3 item 6;
 * src/rss/, pcb_port.c) and the one RSS configuration per vnet: the
 * reply tuple hashes as the 5.5 vectors say (TCP 4-tuple, UDP 2-tuple,
 * no zone), the ports computed for a bucket are exactly those whose
 * reply tuple the plain Toeplitz function puts in it (brute force over
 * all 65536 ports, several keys and tuples, both families), a 2-tuple
 * bucket holds every port or none, the range queries agree with brute
 * force, connect() with net.inet.ip.portrange.rss_bucket picks the
 * first bucket port of net.inet.rss.bits in the allocator's order, or
 * falls back to any port when the bucket has none, -1 is off, and the
 * connection groups and the aligned ports count the same buckets.
 */
#include "pcb_fixture.h"

#include "rss/rss_internal.h"

#include <unistd.h>

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
                           unsigned port, bool ports)
{
	struct sockaddr_storage src = fx_sa(t->faddr, t->fport),
	                        dst = fx_sa(t->laddr, port);

	return inp_rss_hash(key, (struct sockaddr *)&src,
	                    (struct sockaddr *)&dst, ports);
}

/* t as rss_tuple_reply() builds it from PCB-form addresses. */
static struct rss_tuple rss_of(const struct tuple *t, enum inp_proto proto,
                               unsigned lport)
{
	union inp_addr fa = fx_addr(t->faddr), la = fx_addr(t->laddr);
	struct rss_tuple r;

	assert_int_equal(rss_tuple_reply(&r, t->af, proto, &fa.a6,
	                                 htons((uint16_t)t->fport), &la.a6,
	                                 htons((uint16_t)lport)), 0);
	return r;
}

static void solve(const uint8_t *key, const struct tuple *t,
                  enum inp_proto proto, unsigned bits, unsigned bucket,
                  struct rss_portsol *s)
{
	struct rss_tuple r = rss_of(t, proto, 0);

	assert_int_equal(rss_port_solve(key, &r, bits, bucket, s), 0);
}

/* 5.5's first rows: TCP hashes the 4-tuple, UDP the 2-tuple. */
static void test_tuple_hash_vectors(void **state)
{
	struct rss_tuple r;
	union inp_addr fa = fx_addr("3ffe:2501:200:1fff::7"),
	               la = fx_addr("3ffe:2501:200:3::1");

	(void)state;
	r = rss_of(&tuples[1], INP_PROTO_TCP, 1766);
	assert_int_equal(rss_tuple_hash(inp_rss_default_key, &r), 0x51ccc178);
	r = rss_of(&tuples[1], INP_PROTO_UDP, 1766);
	assert_int_equal(rss_tuple_hash(inp_rss_default_key, &r), 0x323e8fc2);
	/* A NIC never sees the zone a PCB address carries. */
	in6_embed_zone(&fa.a6, 3);
	assert_int_equal(rss_tuple_reply(&r, AF_INET6, INP_PROTO_TCP, &fa.a6,
	                                 htons(2794), &la.a6, htons(1766)), 0);
	assert_int_equal(rss_tuple_hash(inp_rss_default_key, &r), 0x40207d3d);
	assert_int_equal(rss_tuple_reply(&r, AF_UNIX, INP_PROTO_TCP, &fa.a6,
	                                 0, &la.a6, 0), -EINVAL);
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

	solve(key, t, INP_PROTO_TCP, bits, bucket, &s);
	memset(yielded, 0, sizeof(yielded));
	while (x < 65535 && (x = rss_port_next(&s, (unsigned)(x + 1),
	                                       65535)) >= 0) {
		yielded[x] = true;
		n++;
	}
	for (port = 0; port < 65536; port++)
		assert_int_equal(yielded[port],
		                 (reply_hash(key, t, port, true) & mask) ==
		                 bucket);
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

/* A 2-tuple hash reads no port: its bucket holds every port or none. */
static void test_two_tuple_all_or_none(void **state)
{
	struct rss_portsol s;
	unsigned t, b, in;

	(void)state;
	for (t = 0; t < 3; t++) {
		in = reply_hash(inp_rss_default_key, &tuples[t], 0, false) & 7;
		for (b = 0; b < 8; b++) {
			solve(inp_rss_default_key, &tuples[t], INP_PROTO_UDP,
			      3, b, &s);
			assert_int_equal(rss_port_all(&s), b == in);
			assert_int_equal(rss_port_next(&s, 1000, 65535),
			                 b == in ? 1000 : -1);
		}
	}
	solve(inp_rss_default_key, &tuples[0], INP_PROTO_TCP, 3, 0, &s);
	assert_false(rss_port_all(&s));
}

/* rss_port_next(from, to) is the smallest bucket port in [from, to]. */
static void test_range_queries(void **state)
{
	struct rss_portsol s;
	struct rss_tuple r = rss_of(&tuples[0], INP_PROTO_TCP, 0);
	uint32_t rng = 0xC0FFEEu;
	unsigned i, from, to, p;
	long want;

	(void)state;
	solve(inp_rss_default_key, &tuples[0], INP_PROTO_TCP, 5, 17, &s);
	for (i = 0; i < 200; i++) {
		rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
		from = rng % 65536;
		to = from + (rng >> 16) % 300;
		if (to > 65535)
			to = 65535;
		want = -1;
		for (p = from; p <= to && want < 0; p++)
			if ((reply_hash(inp_rss_default_key, &tuples[0], p,
			                true) & 31) == 17)
				want = p;
		assert_int_equal(rss_port_next(&s, from, to), want);
	}
	assert_int_equal(rss_port_next(&s, 10, 9), -1);
	assert_int_equal(rss_port_solve(NULL, &r, 3, 0, &s), -EINVAL);
	assert_int_equal(rss_port_solve(inp_rss_default_key, &r, 8, 0, &s),
	                 -EINVAL);
	assert_int_equal(rss_port_solve(inp_rss_default_key, &r, 3, 8, &s),
	                 -EINVAL);
}

/* ---- through connect() ------------------------------------------------ */

static int setup(void **state)
{
	struct fx *f = fx_new(NULL);

	fx_preamble(f);
	fx_sequential_ports(f->vnet, 20000, 20999);
	*state = f;
	return 0;
}

static unsigned connect_port(struct fx *f, enum inp_proto proto)
{
	struct inp_sock *so = fx_sock_kept(f, AF_INET, proto, NULL);

	assert_int_equal(fx_connect(so, tuples[0].faddr, tuples[0].fport), 0);
	return fx_local_port(so);
}

static void assert_stats(struct fx *f, enum inp_proto proto,
                         uint64_t aligned, uint64_t fallback)
{
	struct inp_portstat st;

	assert_int_equal(inp_port_stats(f->vnet, proto, &st), 0);
	assert_int_equal(st.rss_aligned, aligned);
	assert_int_equal(st.rss_fallback, fallback);
}

/*
 * rss.bits 3, bucket 5: each TCP connect takes the next port of the
 * range, in the allocator's order, whose replies hash to bucket 5.
 */
static void test_connect_takes_bucket_ports_in_order(void **state)
{
	struct fx *f = *state;
	unsigned i, port, want = 20000;

	fx_sysctl_set_ok(f->vnet, "net.inet.rss.bits", 3);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket", 5);
	for (i = 0; i < 10; i++) {
		while ((reply_hash(inp_rss_default_key, &tuples[0], want,
		                   true) & 7) != 5)
			want++;
		port = connect_port(f, INP_PROTO_TCP);
		assert_int_equal(port, want);
		want++;
	}
	assert_stats(f, INP_PROTO_TCP, 10, 0);
}

/* A range without a free bucket port: any port, counted as a fallback. */
static void test_full_bucket_falls_back(void **state)
{
	struct fx *f = *state;
	unsigned bucket;

	bucket = reply_hash(inp_rss_default_key, &tuples[0], 20000, true) & 7;
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.last", 20000);
	fx_sysctl_set_ok(f->vnet, "net.inet.rss.bits", 3);
	/* Only the low three bits count: + 8 names the same bucket. */
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket",
	                 ((bucket + 1) & 7) + 8);
	assert_int_equal(connect_port(f, INP_PROTO_TCP), 20000);
	assert_stats(f, INP_PROTO_TCP, 0, 1);
	/* The sysctl is clamped like the range ones (P1). */
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket", 999);
	assert_int_equal(fx_sysctl(f->vnet,
	                           "net.inet.ip.portrange.rss_bucket"), 127);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket", -7);
	assert_int_equal(fx_sysctl(f->vnet,
	                           "net.inet.ip.portrange.rss_bucket"), -1);
	/* The old knob is gone. */
	assert_int_equal(inp_sysctl_set(f->vnet,
	                                "net.inet.ip.portrange.rss_bits", 3),
	                 -ENOENT);
}

/* rss_bucket -1, the default, is off: the plain walk, nothing counted. */
static void test_off_by_default(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_sysctl(f->vnet,
	                           "net.inet.ip.portrange.rss_bucket"), -1);
	fx_sysctl_set_ok(f->vnet, "net.inet.rss.bits", 3);
	assert_int_equal(connect_port(f, INP_PROTO_TCP), 20000);
	assert_int_equal(connect_port(f, INP_PROTO_UDP), 20000);
	assert_stats(f, INP_PROTO_TCP, 0, 0);
	assert_stats(f, INP_PROTO_UDP, 0, 0);
}

/* One bucket (net.inet.rss.bits 0: one CPU) is off too. */
static void test_one_bucket_is_off(void **state)
{
	struct fx *f = *state;

	fx_sysctl_set_ok(f->vnet, "net.inet.rss.bits", 0);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket", 5);
	assert_int_equal(connect_port(f, INP_PROTO_TCP), 20000);
	assert_stats(f, INP_PROTO_TCP, 0, 0);
}

/*
 * UDP replies hash the 2-tuple, as UDP groups place them (RSS-8): the
 * port cannot move them, so the connection's bucket is in or out whatever
 * the port; in counts as aligned, out as a fallback, both take the
 * plain walk's port.
 */
static void test_udp_two_tuple(void **state)
{
	struct fx *f = *state;
	unsigned in = reply_hash(inp_rss_default_key, &tuples[0], 0,
	                         false) & 7;

	fx_sysctl_set_ok(f->vnet, "net.inet.rss.bits", 3);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket", in);
	assert_int_equal(connect_port(f, INP_PROTO_UDP), 20000);
	assert_int_equal(connect_port(f, INP_PROTO_UDP), 20001);
	assert_stats(f, INP_PROTO_UDP, 2, 0);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket",
	                 (in + 1) & 7);
	assert_int_equal(connect_port(f, INP_PROTO_UDP), 20002);
	assert_stats(f, INP_PROTO_UDP, 2, 1);
}

/* RSS-10 computed here, apart from rss_bits.c: fls(ncpus - 1) + 1. */
static unsigned expected_default_bits(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned bits = 0;

	if (n > 64)
		n = 64;
	if (n <= 1)
		return 0;
	while ((1l << bits) < n)       /* bits = ceil(log2(n)) = fls(n - 1) */
		bits++;
	return bits + 1 > 7 ? 7 : bits + 1;
}

/*
 * One bucket count: with groups on, a TCP connection aligned to bucket
 * 5 (its low bits) is in that group, for -1 (from the CPUs) and for
 * explicit values, and 2^bits groups exist.
 */
static void test_groups_and_ports_agree(void **state)
{
	static const long settings[] = { -1, 2, 5, 1 };
	struct fx *f = *state;
	struct inp_sock *so;
	unsigned i, bits, n;

	fx_sysctl_set_ok(f->vnet, "net.inet.pcbgroup.enable", 1);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket", 5);
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		bits = settings[i] < 0 ? expected_default_bits()
		                       : (unsigned)settings[i];
		fx_sysctl_set_ok(f->vnet, "net.inet.rss.bits", settings[i]);
		n = pcbgroup_count(fx_info(f, INP_PROTO_TCP));
		assert_int_equal(n, bits == 0 ? 0 : 1u << bits);
		so = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);
		assert_int_equal(fx_connect(so, tuples[0].faddr,
		                            tuples[0].fport), 0);
		if (bits != 0) {
			assert_int_equal(pcbgroup_of(inp_sock_pcb(so)),
			                 5 & (n - 1));
			assert_int_equal(reply_hash(inp_rss_default_key,
			                            &tuples[0],
			                            fx_local_port(so), true) &
			                 (n - 1), 5 & (n - 1));
		}
		fx_sock_close(f, so);
	}
}

#define RSS_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tuple_hash_vectors),
		cmocka_unit_test(test_solutions_equal_brute_force),
		cmocka_unit_test(test_two_tuple_all_or_none),
		cmocka_unit_test(test_range_queries),
		RSS_TEST(test_connect_takes_bucket_ports_in_order),
		RSS_TEST(test_full_bucket_falls_back),
		RSS_TEST(test_off_by_default),
		RSS_TEST(test_one_bucket_is_off),
		RSS_TEST(test_udp_two_tuple),
		RSS_TEST(test_groups_and_ports_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
