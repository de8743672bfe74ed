/*
 * simhost.c - a settable clock and a seeded splitmix64 generator for the
 * host of a script (see simhost.h).
 */
#include "simhost.h"

static uint64_t sim_now(void *ctx)
{
	return ((struct simhost *)ctx)->now_ns;
}

static uint32_t sim_random32(void *ctx)
{
	/* the high half of splitmix64 output is the better-mixed half */
	return (uint32_t)(simhost_next64(ctx) >> 32);
}

void simhost_init(struct simhost *h, uint64_t seed)
{
	h->now_ns = 0;
	h->rng = seed;
}

void simhost_ops(struct simhost *h, struct inp_host_ops *ops)
{
	ops->now_ns = sim_now;
	ops->random32 = sim_random32;
	ops->ctx = h;
}

/* Far beyond any script, and still leaves the library room for now+delay. */
#define SIM_TIME_MAX (1ull << 62)

void simhost_advance(struct simhost *h, uint64_t ns)
{
	h->now_ns = ns > SIM_TIME_MAX - h->now_ns ? SIM_TIME_MAX
	                                          : h->now_ns + ns;
}

void simhost_seed(struct simhost *h, uint64_t seed)
{
	h->rng = seed;
}

uint64_t simhost_next64(struct simhost *h)
{
	uint64_t z = (h->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}
