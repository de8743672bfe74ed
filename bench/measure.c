/*
 * measure.c - run a job on T threads for a fixed time and report each
 * thread's rate.
 *
 * The threads start together (a gate opened once all are ready), run
 * untimed for the warm-up,
 * then each one notes the clock and its operation count when it first sees
 * the measuring phase and again when it sees the stop: a thread's rate is
 * its own operations over its own window.  Threads look at the phase only
 * between two steps (batches of BENCH_BATCH operations or so), so the
 * clock is read twice per run, not per operation.  The main thread only
 * sleeps meanwhile; on a 2-CPU machine it does not steal a CPU.
 *
 * Pinning (the default): thread t runs on the t-th CPU the process may
 * use (modulo their number).  On the VM this was written on, one vCPU is
 * markedly faster than the other for memory-bound lookups; unpinned, a
 * one-thread run lands on either and repetitions disagree by up to 3x.
 * Pinned, a configuration always runs on the same CPUs.
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { PH_WARMUP, PH_MEASURE, PH_STOP };

struct worker {
	pthread_t th;
	unsigned tid;
	const struct bench_job *job;
	atomic_int *phase;
	atomic_uint *ready;
	atomic_int *go;
	int cpu;                  /* -1: not pinned */
	double rate;
	uint64_t ops;
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	const struct bench_job *job = w->job;
	uint64_t ops = 0, busy = 0, ops0 = 0, busy0 = 0;
	double t_begin, t0 = 0, t1, span;
	bool measuring = false;
	int ph;

	if (w->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	if (job->enter != NULL)
		job->enter(job->arg, w->tid);
	atomic_fetch_add(w->ready, 1);
	while (!atomic_load_explicit(w->go, memory_order_acquire))
		sched_yield();
	t_begin = bench_now();
	for (;;) {
		ph = atomic_load_explicit(w->phase, memory_order_acquire);
		if (ph == PH_STOP)
			break;
		if (ph == PH_MEASURE && !measuring) {
			measuring = true;
			t0 = bench_now();
			ops0 = ops;
			busy0 = busy;
		}
		ops += job->step(job->arg, w->tid,
		                 job->use_busy ? &busy : NULL);
	}
	t1 = bench_now();
	if (!measuring) {
		/* One step outlasted the whole window: count the whole run. */
		t0 = t_begin;
		ops0 = busy0 = 0;
	}
	span = job->use_busy ? (double)(busy - busy0) * 1e-9 : t1 - t0;
	w->ops = ops - ops0;
	w->rate = span > 0 ? (double)w->ops / span : 0;
	if (job->leave != NULL)
		job->leave(job->arg, w->tid);
	return NULL;
}

int bench_measure(const struct bench_job *job, struct bench_sample *out)
{
	struct worker *w;
	atomic_int phase = PH_WARMUP, go = 0;
	atomic_uint ready = 0;
	unsigned i, started = 0, ncpu = 0;
	int cpus[CPU_SETSIZE];
	cpu_set_t allowed;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (job->pin && sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
		for (i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &allowed))
				cpus[ncpu++] = (int)i;
	if (job->threads == 0 || job->threads > BENCH_MAX_THREADS)
		return -EINVAL;
	w = calloc(job->threads, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	for (i = 0; i < job->threads; i++) {
		w[i].tid = i;
		w[i].job = job;
		w[i].phase = &phase;
		w[i].ready = &ready;
		w[i].go = &go;
		w[i].cpu = ncpu > 0
		           ? cpus[((i + job->pin_shift) % job->threads) % ncpu]
		           : -1;
		error = -pthread_create(&w[i].th, NULL, worker_main, &w[i]);
		if (error != 0)
			break;
		started++;
	}
	if (error == 0) {
		/* Every thread has registered (RCU, QSBR) before the clock runs. */
		while (atomic_load(&ready) < started)
			bench_sleep(0.0005);
	} else {
		atomic_store(&phase, PH_STOP);
	}
	atomic_store_explicit(&go, 1, memory_order_release);
	if (error == 0) {
		bench_sleep(job->warmup);
		atomic_store_explicit(&phase, PH_MEASURE, memory_order_release);
		bench_sleep(job->seconds);
		atomic_store_explicit(&phase, PH_STOP, memory_order_release);
	}
	for (i = 0; i < started; i++) {
		pthread_join(w[i].th, NULL);
		out->rate[i] = w[i].rate;
		out->ops[i] = w[i].ops;
	}
	free(w);
	return error;
}
