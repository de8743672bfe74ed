/*
 * timer.c - the bench's clock: CLOCK_MONOTONIC in seconds (a vDSO call, no
 * system call), and sleeps that survive signals.  Timing is always taken
 * by the measuring threads themselves, around whole batches, so the cost
 * of reading the clock stays out of the operations measured.
 */
#include "bench.h"

#include <errno.h>
#include <time.h>

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_sleep(double seconds)
{
	struct timespec ts;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
