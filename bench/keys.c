/*
 * keys.c - deterministic key sets: 4-tuples from documentation address
 * ranges, a seeded permutation so that key i is the same on every run and
 * every machine, and per-thread lookup orders.
 *
 * Why a permutation and not random draws: the bench needs millions of
 * distinct keys (present ones, and misses guaranteed absent) without a
 * set to deduplicate them.  Element i of a permutation of the whole tuple
 * space gives exactly that: keys [0, n) go in the tables, keys [n, n+m)
 * are misses, further ranges feed the churn writer.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <stdlib.h>

/* The tuple space, mixed radix (see bench_key_connected). */
#define FPORT_FIRST 1024u
#define N_FPORT     (65536u - FPORT_FIRST)        /* 64512 */
#define N_FADDR     508u                          /* 2 x 254 hosts */
#define N_LPORT     2u
#define SPACE       ((uint64_t)BENCH_NLADDR * N_LPORT * N_FADDR * N_FPORT)
#define HALF_BITS   15u                           /* 2^30 > SPACE */
#define HALF_MASK   ((1u << HALF_BITS) - 1)

uint32_t bench_laddr(unsigned i)
{
	return htonl(0xC0000200u + 1 + (i % BENCH_NLADDR));   /* 192.0.2.x */
}

static uint32_t faddr_of(unsigned fi)
{
	if (fi < 254)
		return htonl(0xC6336400u + 1 + fi);           /* 198.51.100.x */
	return htonl(0xCB007100u + 1 + (fi - 254));           /* 203.0.113.x */
}

/* A keyed round function for the Feistel network. */
static uint32_t round_fn(uint32_t half, unsigned round, uint64_t seed)
{
	uint64_t s = seed ^ ((uint64_t)round << 56) ^ half;

	return (uint32_t)bench_rand(&s) & HALF_MASK;
}

/*
 * A 4-round balanced Feistel network is a permutation of [0, 2^30);
 * cycle-walking (apply again until the value falls inside SPACE) makes it
 * a permutation of [0, SPACE).  About two rounds of walking on average.
 */
static uint64_t permute(uint64_t x, uint64_t seed)
{
	do {
		uint32_t l = (uint32_t)(x >> HALF_BITS) & HALF_MASK;
		uint32_t r = (uint32_t)x & HALF_MASK;
		unsigned i;

		for (i = 0; i < 4; i++) {
			uint32_t t = l ^ round_fn(r, i, seed);

			l = r;
			r = t;
		}
		x = (uint64_t)l << HALF_BITS | r;
	} while (x >= SPACE);
	return x;
}

void bench_key_connected(uint64_t seed, uint64_t i, struct bench_key *k)
{
	uint64_t j = permute(i % SPACE, seed);

	k->fport = htons((uint16_t)(FPORT_FIRST + j % N_FPORT));
	j /= N_FPORT;
	k->faddr = faddr_of((unsigned)(j % N_FADDR));
	j /= N_FADDR;
	k->lport = htons((j % N_LPORT) == 0 ? BENCH_LPORT0 : BENCH_LPORT1);
	j /= N_LPORT;
	k->laddr = bench_laddr((unsigned)j);
}

uint32_t *bench_shuffled(size_t n, uint64_t seed)
{
	uint32_t *v = malloc((n ? n : 1) * sizeof(*v));
	size_t i;

	if (v == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		v[i] = (uint32_t)i;
	for (i = n; i > 1; i--) {              /* Fisher-Yates */
		size_t j = (size_t)(bench_rand(&seed) % i);
		uint32_t t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
	return v;
}

void bench_lookups_free(struct bench_lookups *l)
{
	free(l->keys);
	free(l->expect);
	l->keys = NULL;
	l->expect = NULL;
	l->n = 0;
}
