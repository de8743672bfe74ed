/*
 * exact.c - workloads "exact" and "exact-miss10": exact 4-tuple lookups
 * of established connections, the demultiplexing of every data packet.
 *
 * The table holds N connected PCBs (N from --size); every thread looks up
 * all N keys in its own order, over and over: "exact" only hits,
 * "exact-miss10" mixes in N/9 keys that are in no table, so one lookup in
 * ten misses (a miss walks a whole chain and is the slower case for a
 * chained table).  Lookups are plain exact lookups (no
 * INP_LOOKUP_WILDCARD), as for a connected TCP segment.
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>

struct exact_wl {
	struct bench_ctx *cx;
	struct bench_shared *sh;
	struct bench_lookups l;
	enum bench_mode mode;
	struct bench_readers *r;
};

static const char *ex_unsupported(void *wl, unsigned i)
{
	struct exact_wl *w = wl;
	const struct bench_impl *im = bench_impls[i];

	return im->mode_unavailable ? im->mode_unavailable(w->mode) : NULL;
}

static int ex_job(void *wl, unsigned i, unsigned threads,
                  unsigned rep, struct bench_job *job)
{
	struct exact_wl *w = wl;

	(void)threads;
	return readers_job(w->r, i, w->sh->st[i], rep, job);
}

static void ex_finish(void *wl, unsigned i, const struct bench_sample *s,
                      struct bench_result *r)
{
	struct exact_wl *w = wl;

	(void)i;
	(void)s;
	(void)readers_check(w->r, r);
}

/* Lookups over the shared keys: hits [0, n), then misses if asked. */
int bench_lookup_workload(struct bench_ctx *cx, struct bench_shared *sh,
                          const char *name, const char *mode_name,
                          enum bench_mode mode, bool misses)
{
	struct exact_wl w = { .cx = cx, .sh = sh, .mode = mode };
	struct bench_variant v = {
		.workload = name, .mode = mode_name, .size = sh->n,
		.wl = &w, .unsupported = ex_unsupported, .job = ex_job,
		.finish = ex_finish,
	};
	size_t i;
	int rc;

	w.l.keys = sh->keys;                    /* borrowed */
	w.l.n = sh->n + (misses ? sh->nmiss : 0);
	w.l.expect = malloc(w.l.n * sizeof(*w.l.expect));
	if (w.l.expect == NULL)
		return -ENOMEM;
	for (i = 0; i < w.l.n; i++)
		w.l.expect[i] = i < sh->n ? (uint32_t)i : BENCH_MISS;
	progress_note("%s: making the threads' key orders", name);
	w.r = readers_new(&w.l, mode, cx->threads[cx->nthreads - 1], 0,
	                  cx->seed ^ 0x6578616374ull);
	if (w.r == NULL) {
		free(w.l.expect);
		return -ENOMEM;
	}
	rc = bench_run_variant(cx, &v);
	readers_delete(w.r);
	free(w.l.expect);
	return rc;
}

static int run_exact(struct bench_ctx *cx, struct bench_shared *sh)
{
	return bench_lookup_workload(cx, sh, "exact", "single", BENCH_SINGLE,
	                             false);
}

static int run_exact_miss(struct bench_ctx *cx, struct bench_shared *sh)
{
	return bench_lookup_workload(cx, sh, "exact-miss10", "single",
	                             BENCH_SINGLE, true);
}

const struct bench_workload bench_wl_exact = {
	.name = "exact",
	.what = "exact 4-tuple lookups of N connected PCBs, all hits",
	.shared = true,
	.run = run_exact,
};

const struct bench_workload bench_wl_exact_miss = {
	.name = "exact-miss10",
	.what = "exact 4-tuple lookups, one in ten misses",
	.shared = true,
	.run = run_exact_miss,
};
