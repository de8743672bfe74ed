/*
 * bindstorm.c - workload "bindstorm": many sockets binding at once, as
 * when a server starts, or a proxy binds its outgoing sockets.
 *
 * A round binds 10,000 UDP sockets (--quick: 256) to distinct explicit
 * endpoints (the 8 local addresses x ports from 30000 up), then closes
 * them.  With T threads, each thread takes a contiguous slice of the
 * endpoints; it opens its sockets (untimed), binds them all (timed, as
 * one block) and closes them (untimed); threads are not synchronised
 * between rounds.  Every bind is a conflict
 * check on the port plus an insertion, under the table's write lock; the
 * rate is binds per second of time spent binding.
 *
 * Baselines: an insertion that fails when the (address, port) key is
 * there.  rte_hash's writers go through a mutex when T > 1 (see
 * baseline_rtehash.c); its table is created for each thread count.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BIND_PORT0 30000

struct bind_wl {
	struct bench_ctx *cx;
	struct bench_key *keys;
	void **so;                      /* sockets opened for a round */
	size_t n;
	const struct bench_impl *im;
	void *st;
	unsigned threads;
	struct {
		_Alignas(64) uint64_t errors;
		int last_error;
	} slot[BENCH_MAX_THREADS];
};

/* Thread tid's endpoints: a contiguous slice, so no cache line is shared. */
static void slice(const struct bind_wl *w, unsigned tid, size_t *lo,
                  size_t *hi)
{
	*lo = w->n * tid / w->threads;
	*hi = w->n * (tid + 1) / w->threads;
}

static void bs_error(struct bind_wl *w, unsigned tid, int rc)
{
	w->slot[tid].errors++;
	w->slot[tid].last_error = rc;
}

static uint64_t bs_step(void *arg, unsigned tid, uint64_t *busy_ns)
{
	struct bind_wl *w = arg;
	const struct bench_impl *im = w->im;
	size_t i, lo, hi, made = 0;
	double t0, t1;
	int rc;

	slice(w, tid, &lo, &hi);
	for (i = lo; im->open != NULL && i < hi; i++) {
		rc = im->open(w->st, &w->so[i]);      /* socket(2), untimed */
		if (rc != 0) {
			w->so[i] = NULL;
			bs_error(w, tid, rc);
		}
	}
	t0 = bench_now();
	for (i = lo; i < hi; i++) {
		if (im->open != NULL)
			rc = w->so[i] == NULL ? -EBADF
			     : im->bind(w->st, w->so[i], &w->keys[i],
			                (uint32_t)i);
		else
			rc = im->insert(w->st, &w->keys[i], (uint32_t)i);
		if (rc != 0) {
			bs_error(w, tid, rc);
			continue;
		}
		w->so[i] = NULL;                     /* the table has it */
		made++;
	}
	t1 = bench_now();
	*busy_ns += (uint64_t)((t1 - t0) * 1e9);
	for (i = lo; i < hi; i++) {
		if (w->so[i] != NULL) {              /* bind failed */
			im->close(w->st, w->so[i]);
			w->so[i] = NULL;
		} else {
			(void)im->remove(w->st, &w->keys[i], (uint32_t)i);
		}
	}
	return made;
}

static void bs_enter(void *arg, unsigned tid)
{
	struct bind_wl *w = arg;

	if (w->im->thread_enter != NULL)
		w->im->thread_enter(w->st, tid, false);
}

static void bs_leave(void *arg, unsigned tid)
{
	struct bind_wl *w = arg;

	if (w->im->thread_leave != NULL)
		w->im->thread_leave(w->st, tid, false);
}

static int bs_job(void *wl, unsigned i, unsigned threads,
                  unsigned rep, struct bench_job *job)
{
	struct bind_wl *w = wl;
	struct bench_table_spec spec = {
		.kind = BENCH_KIND_BOUND, .capacity = w->n, .threads = threads,
		.parallel_writers = threads > 1, .seed = w->cx->seed,
	};
	int rc;

	(void)rep;                           /* every round is the same */
	w->im = bench_impls[i];
	w->threads = threads;
	memset(w->slot, 0, sizeof(w->slot));
	rc = w->im->create(&spec, &w->st);   /* empty: no setup to report */
	if (rc != 0)
		return rc;
	job->arg = w;
	job->enter = bs_enter;
	job->step = bs_step;
	job->leave = bs_leave;
	return 0;
}

static void bs_finish(void *wl, unsigned i, const struct bench_sample *s,
                      struct bench_result *r)
{
	struct bind_wl *w = wl;
	uint64_t errors = 0;
	int last = 0;
	unsigned t;

	(void)i;
	(void)s;
	for (t = 0; t < w->threads; t++)
		if (w->slot[t].errors != 0) {
			errors += w->slot[t].errors;
			last = w->slot[t].last_error;
		}
	bench_fail_errors(r, errors, "binds", last);
	w->im->destroy(w->st);
	w->st = NULL;
}

static int run_bindstorm(struct bench_ctx *cx)
{
	struct bind_wl *w;
	struct bench_variant v = {
		.workload = "bindstorm", .mode = "bind", .busy = true,
		.job = bs_job, .finish = bs_finish,
	};
	size_t i;
	int rc;

	w = aligned_alloc(64, (sizeof(*w) + 63) / 64 * 64);
	if (w == NULL)
		return -ENOMEM;
	memset(w, 0, sizeof(*w));
	w->cx = cx;
	w->n = cx->bind_round;
	w->keys = calloc(w->n, sizeof(*w->keys));
	w->so = calloc(w->n, sizeof(*w->so));
	if (w->keys == NULL || w->so == NULL) {
		free(w->keys);
		free(w->so);
		free(w);
		return -ENOMEM;
	}
	for (i = 0; i < w->n; i++) {
		w->keys[i].laddr = bench_laddr((unsigned)i);
		w->keys[i].lport = htons((uint16_t)(BIND_PORT0 +
		                                    i / BENCH_NLADDR));
	}
	v.wl = w;
	v.size = w->n;
	rc = bench_run_variant(cx, &v);
	free(w->keys);
	free(w->so);
	free(w);
	return rc;
}

const struct bench_workload bench_wl_bindstorm = {
	.name = "bindstorm",
	.what = "threads binding 10k UDP sockets to distinct endpoints",
	.shared = false,
	.run_own = run_bindstorm,
};
