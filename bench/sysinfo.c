/*
 * sysinfo.c - what the report says about the machine: online CPUs, load
 * average, the CPU time other processes took while we measured (numbers
 * are only worth something when that is low), and the resident set size
 * used to print bytes per PCB.
 */
#include "bench.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

unsigned bench_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

long bench_rss_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size, resident;
	int n;

	if (f == NULL)
		return -1;
	n = fscanf(f, "%ld %ld", &size, &resident);
	fclose(f);
	if (n != 2)
		return -1;
	return resident * sysconf(_SC_PAGESIZE);
}

/*
 * Freed memory stays in malloc's arenas and would be reused by the next
 * table without raising the RSS; give it back first so that the RSS delta
 * of a build is what the build allocated.  Frees may also still be on
 * their way: RCU (the library's and liburcu's call_rcu threads) frees
 * after a grace period, so the memory of a table destroyed a moment ago
 * can go back while the next one is being built and hide part of it.
 * Wait until the RSS has stopped moving (at most a second).
 */
void bench_release_free_memory(void)
{
	long prev = -1, cur;
	int calm = 0, i;

	for (i = 0; i < 50 && calm < 3; i++) {
		malloc_trim(0);
		cur = bench_rss_bytes();
		if (cur < 0)
			return;
		calm = prev >= 0 && labs(cur - prev) < 65536 ? calm + 1 : 0;
		prev = cur;
		bench_sleep(0.02);
	}
}

/*
 * Bytes malloc has handed out and not got back, over every arena
 * (mallinfo2: in-use chunks plus mmapped ones).  Unlike the RSS it does
 * not depend on which pages a table happens to reuse; it does not see
 * memory that is not malloc's (DPDK's heap, liburcu's mmapped buckets).
 */
long bench_heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long)(mi.uordblks + mi.hblkhd);
}

void bench_loadavg(double out[3])
{
	FILE *f = fopen("/proc/loadavg", "r");

	out[0] = out[1] = out[2] = -1;
	if (f == NULL)
		return;
	if (fscanf(f, "%lf %lf %lf", &out[0], &out[1], &out[2]) != 3)
		out[0] = out[1] = out[2] = -1;
	fclose(f);
}

/* user nice system idle iowait irq softirq steal: all but idle, iowait. */
static long long machine_busy(void)
{
	FILE *f = fopen("/proc/stat", "r");
	long long v[8] = { 0 };
	int n;

	if (f == NULL)
		return -1;
	n = fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &v[0],
	           &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 4)
		return -1;
	return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

/* utime + stime of every thread of this process (fields 14 and 15). */
static long long self_ticks(void)
{
	FILE *f = fopen("/proc/self/stat", "r");
	char buf[1024], *p;
	long long ut, st;
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');          /* the command name may hold spaces */
	if (p == NULL ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	                  "%lld %lld", &ut, &st) != 2)
		return -1;
	return ut + st;
}

void bench_cpu_snap(struct bench_cpu *c)
{
	c->t = bench_now();
	c->busy = machine_busy();
	c->self = self_ticks();
}

double bench_cpu_others(const struct bench_cpu *a, const struct bench_cpu *b)
{
	double hz = (double)sysconf(_SC_CLK_TCK), dt = b->t - a->t, other;

	if (a->busy < 0 || b->busy < 0 || a->self < 0 || b->self < 0 ||
	    dt <= 0 || hz <= 0)
		return -1;
	other = (double)((b->busy - a->busy) - (b->self - a->self)) / hz / dt;
	return other < 0 ? 0 : other;
}
