/*
 * readers.c - the lookup threads of the exact, burst, wildcard and churn
 * workloads.
 *
 * Every thread walks the same keys in its own seeded order (so threads do
 * not move through the table in step, sharing cache misses) in batches of
 * BENCH_BATCH, and checks every batch: the number of hits and the sum of
 * the values found must be what the key set expects, so a fast but wrong
 * implementation cannot win.  The check costs a pass over 64 indices that
 * are already in L1, the same for every implementation.
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void readers_delete(struct bench_readers *r)
{
	unsigned t;

	if (r == NULL)
		return;
	for (t = 0; t < BENCH_ORDERS; t++)
		free(r->orders[t]);
	free(r);
}

struct bench_readers *readers_new(const struct bench_lookups *l,
                                  enum bench_mode mode, unsigned threads,
                                  unsigned first_reader, uint64_t seed)
{
	struct bench_readers *r;
	size_t size = (sizeof(*r) + 63) / 64 * 64;
	unsigned t, norders;

	r = aligned_alloc(64, size);
	if (r == NULL)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->l = l;
	r->mode = mode;
	r->len = l->n;
	r->threads = threads;
	r->first_reader = first_reader;
	norders = threads - first_reader;
	if (norders > BENCH_ORDERS)
		norders = BENCH_ORDERS;
	for (t = 0; t < norders; t++) {
		r->orders[t] = bench_shuffled(l->n,
		                              seed + 0x1000193ull * (t + 1));
		if (r->orders[t] == NULL) {
			readers_delete(r);
			return NULL;
		}
	}
	return r;
}

void readers_bind(struct bench_readers *r, const struct bench_impl *im,
                  void *st, unsigned rep)
{
	/* Golden-ratio steps: repetitions start far apart, never twice. */
	size_t start = (size_t)((double)r->len *
	                        fmod(0.6180339887498949 * rep, 1.0));
	unsigned t, k;

	r->im = im;
	r->st = st;
	for (t = r->first_reader; t < r->threads; t++) {
		struct bench_reader_slot *sl = &r->slot[t];

		/* Beyond BENCH_ORDERS readers, share an order from elsewhere. */
		k = t - r->first_reader;
		sl->order = r->orders[k % BENCH_ORDERS];
		sl->pos = (start + (k / BENCH_ORDERS) * (r->len / 7)) %
		          (r->len ? r->len : 1);
		sl->wrong = 0;
	}
}

void readers_enter(void *arg, unsigned tid)
{
	struct bench_readers *r = arg;

	if (r->im->thread_enter != NULL)
		r->im->thread_enter(r->st, tid, tid >= r->first_reader);
}

void readers_leave(void *arg, unsigned tid)
{
	struct bench_readers *r = arg;

	if (r->im->thread_leave != NULL)
		r->im->thread_leave(r->st, tid, tid >= r->first_reader);
}

uint64_t readers_step(void *arg, unsigned tid, uint64_t *busy_ns)
{
	struct bench_readers *r = arg;
	struct bench_reader_slot *sl = &r->slot[tid];
	const uint32_t *idx = sl->order + sl->pos;
	size_t n = r->len - sl->pos < BENCH_BATCH ? r->len - sl->pos
	                                          : BENCH_BATCH;
	struct bench_found f = { 0, 0 };
	uint64_t hits = 0, sum = 0;
	size_t i;

	(void)busy_ns;
	r->im->lookup(r->st, r->l->keys, idx, n, r->mode, &f);
	for (i = 0; i < n; i++) {
		uint32_t e = r->l->expect[idx[i]];

		if (e != BENCH_MISS) {
			hits++;
			sum += (uint64_t)e + 1;
		}
	}
	if (f.hits != hits || f.sum != sum)
		sl->wrong++;
	sl->pos = sl->pos + n == r->len ? 0 : sl->pos + n;
	if (r->im->quiescent != NULL)
		r->im->quiescent(r->st, tid);
	return n;
}

int readers_job(struct bench_readers *r, unsigned i, void *st, unsigned rep,
                struct bench_job *job)
{
	if (st == NULL)
		return -ENODEV;                 /* its table was not built */
	readers_bind(r, bench_impls[i], st, rep);
	job->arg = r;
	job->enter = readers_enter;
	job->step = readers_step;
	job->leave = readers_leave;
	return 0;
}

void bench_fail_errors(struct bench_result *res, uint64_t errors,
                       const char *what, int last_error)
{
	if (errors == 0)
		return;
	res->status = BENCH_FAILED;
	snprintf(res->note, sizeof(res->note), "%llu %s failed (last: %s)",
	         (unsigned long long)errors, what, strerror(-last_error));
}

bool readers_check(const struct bench_readers *r, struct bench_result *res)
{
	uint64_t wrong = readers_wrong(r);

	if (wrong == 0)
		return true;
	res->status = BENCH_FAILED;
	snprintf(res->note, sizeof(res->note),
	         "%llu batches of lookups gave wrong answers",
	         (unsigned long long)wrong);
	return false;
}

uint64_t readers_wrong(const struct bench_readers *r)
{
	uint64_t w = 0;
	unsigned t;

	for (t = 0; t < BENCH_MAX_THREADS; t++)
		w += r->slot[t].wrong;
	return w;
}
