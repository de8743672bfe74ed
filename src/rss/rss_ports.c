/*
 * rss_ports.c - which local ports put a connection's replies into a given
 * RSS bucket (issue 3 item 6), computed rather than found by trial.
 *
 * Toeplitz is linear over GF(2) in its input bits (RSS-4): with every
 * field of the reply tuple fixed except the destination port x,
 *     hash(x) = hash(0) XOR H(x),  H(x) = XOR of window(pos(j)) over the
 * set bits j of x, where pos(j) is the input bit that carries port bit j
 * and window(i) the 32 key bits i..i+31 (RSS-3).  The bucket is the low
 * `bits` bits of the hash (RSS-11), so "bucket == b" is `bits` linear
 * equations over the 16 port bits:  M x = (hash(0) XOR b) & mask.
 *
 * rss_port_solve() brings M into reduced row echelon form taking pivots
 * from the least significant port bit up; then every pivot bit is fixed
 * by free bits strictly above it, and rss_port_next() can build the
 * smallest solution at or above any port digit by digit from the top
 * (at most 16 steps and one backtrack).  So the aligned allocator walks
 * the solutions in exactly the allocator's cyclic order.
 *
 * A 2-tuple hash (UDP by RSS-8's defaults) does not read the port: M is
 * zero, and the bucket holds every port or none (rss_port_all).
 */
#include "rss/rss_internal.h"

/* Key bits i..i+31 (zero past the key, RSS-4). */
static uint32_t key_window(const uint8_t *key, unsigned i)
{
	uint64_t w = 0;
	unsigned k, byte = i / 8;

	for (k = 0; k < 5; k++)
		w = (w << 8) | (byte + k < INP_RSS_KEYLEN ? key[byte + k] : 0);
	return (uint32_t)(w >> (8 - i % 8));
}

/*
 * Row r is M's equation for hash bit r; column j is port bit j.  A
 * 2-tuple hash (len 0 here) reads no port bit: M is zero.
 */
static void build_rows(const uint8_t *key, size_t len, unsigned bits,
                       uint32_t target, struct rss_portsol *s)
{
	unsigned r, j, pos;
	uint32_t col;

	memset(s->row, 0, sizeof(s->row));
	for (j = 0; j < 16 && len > 0; j++) {
		pos = (unsigned)(len * 8) - 1 - j;  /* port bit 0 is last */
		col = key_window(key, pos);
		for (r = 0; r < bits; r++)
			if (col & (1u << r))
				s->row[r] |= (uint16_t)(1u << j);
	}
	for (r = 0; r < bits; r++)
		s->rhs[r] = (target >> r) & 1;
}

/* Gauss-Jordan elimination, pivots from port bit 0 upwards. */
static void reduce(unsigned bits, struct rss_portsol *s)
{
	unsigned rank = 0, r, j;
	uint16_t t16;
	uint8_t t8;

	memset(s->row_of, -1, sizeof(s->row_of));
	for (j = 0; j < 16 && rank < bits; j++) {
		for (r = rank; r < bits && !(s->row[r] & (1u << j)); r++)
			;
		if (r == bits)
			continue;                  /* j is a free bit */
		t16 = s->row[r], s->row[r] = s->row[rank], s->row[rank] = t16;
		t8 = s->rhs[r], s->rhs[r] = s->rhs[rank], s->rhs[rank] = t8;
		for (r = 0; r < bits; r++)
			if (r != rank && (s->row[r] & (1u << j))) {
				s->row[r] ^= s->row[rank];
				s->rhs[r] ^= s->rhs[rank];
			}
		s->row_of[j] = (int8_t)rank;
		s->row[rank] &= (uint16_t)~(1u << j);   /* keep the free bits */
		rank++;
	}
	s->none = false;
	for (r = rank; r < bits; r++)          /* 0 = 1: no solution */
		if (s->rhs[r])
			s->none = true;
}

int rss_port_solve(const uint8_t key[INP_RSS_KEYLEN],
                   const struct rss_tuple *t, unsigned bits,
                   unsigned bucket, struct rss_portsol *s)
{
	struct rss_tuple t0;
	uint32_t h0;

	if (key == NULL || t == NULL || s == NULL ||
	    (t->af != AF_INET && t->af != AF_INET6) || bits == 0 ||
	    bits > RSS_MAX_BITS || bucket >> bits != 0)
		return -EINVAL;
	t0 = *t;
	t0.dport = 0;
	h0 = rss_tuple_hash(key, &t0);
	build_rows(key, t0.ports ? rss_tuple_len(&t0) : 0, bits,
	           rss_bucket_of(h0 ^ bucket, bits), s);
	reduce(bits, s);
	return 0;
}

/* Pivot bit i's value given the bits above it in x. */
static unsigned forced(const struct rss_portsol *s, unsigned i, unsigned x)
{
	unsigned r = (unsigned)s->row_of[i];

	return s->rhs[r] ^ (unsigned)(__builtin_popcount(s->row[r] & x) & 1);
}

/* Bits i..0 of x: free bits 0, pivot bits as forced. */
static unsigned complete(const struct rss_portsol *s, unsigned x, int i)
{
	for (; i >= 0; i--)
		if (s->row_of[i] >= 0)
			x |= forced(s, (unsigned)i, x) << i;
	return x;
}

/* The smallest solution >= c, or -1. */
static long next_at_or_above(const struct rss_portsol *s, unsigned c)
{
	unsigned x = 0, bit, v;
	int i, branch = -1;

	for (i = 15; i >= 0; i--) {
		bit = (c >> i) & 1;
		if (s->row_of[i] < 0) {            /* free: follow c */
			if (bit == 0)
				branch = i;        /* could go up here */
			x |= bit << i;
			continue;
		}
		v = forced(s, (unsigned)i, x);
		if (v > bit)
			return complete(s, x | 1u << i, i - 1);
		if (v < bit)
			break;
		x |= v << i;
	}
	if (i < 0)
		return x;                          /* c itself */
	if (branch < 0)
		return -1;
	x = ((c >> branch) | 1u) << branch;
	return complete(s, x, branch - 1);
}

long rss_port_next(const struct rss_portsol *s, unsigned from, unsigned to)
{
	long x;

	if (s == NULL || s->none || from > to || to > 65535)
		return -1;
	x = next_at_or_above(s, from);
	return x >= 0 && x <= (long)to ? x : -1;
}

bool rss_port_all(const struct rss_portsol *s)
{
	unsigned j;

	if (s == NULL || s->none)
		return false;
	for (j = 0; j < 16; j++)
		if (s->row_of[j] >= 0)
			return false;
	return true;
}
