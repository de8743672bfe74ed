/*
 * host_ops.c - the host's clock and random source.  Every use of time or
 * randomness in the library goes through these two functions so that a
 * test can inject a settable clock and a seeded generator (design.md).
 */
#include "net/net_internal.h"

#include <sys/random.h>
#include <time.h>

uint64_t host_now_ns(const struct inp_host *host)
{
	struct timespec ts;

	if (host != NULL && host->ops.now_ns != NULL)
		return host->ops.now_ns(host->ops.ctx);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Last resort when getrandom(2) is unavailable: mix the clock and the
 * address of a stack variable.  Not cryptographic; the kernel source is
 * used whenever it works.
 */
static uint32_t fallback_random32(void)
{
	struct timespec ts;
	uint64_t x;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
	    (uint64_t)(uintptr_t)&ts;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return (uint32_t)x;
}

uint32_t host_random32(struct inp_host *host)
{
	uint32_t v;
	ssize_t n;

	if (host != NULL && host->ops.random32 != NULL)
		return host->ops.random32(host->ops.ctx);
	do {
		n = getrandom(&v, sizeof(v), 0);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(v))
		return fallback_random32();
	return v;
}
