/*
 * churn.c - workload "churn": lookups while connections come and go.
 *
 * Thread 0 connects and closes at full speed: the library opens a TCP
 * socket, connect()s it to a fresh destination (source address selection,
 * an ephemeral port, insertion into the table) and closes it; a baseline
 * runs ephemeral.c's allocator (a free 4-tuple, insert) and removes the
 * entry.  Threads 1..T-1 do the lookups of "exact" on the same table.  The
 * row's rate is the readers' lookups per second; the writer's
 * connect+close pairs per second are reported next to it, and the report
 * compares the readers with "exact" at T-1 threads (same table, no
 * writer) when that ran.  Needs at least 2 threads.
 *
 * rte_hash needs a table created for a writer beside readers (lock-free
 * mode with RCU reclamation): it gets one of its own for this workload;
 * the others use the shared table, which is the same after the run.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CHURN_PER_STEP 8          /* connect+close pairs between clocks */
#define PORT_FIRST     10000      /* the library's default range */
#define PORT_LAST      65535

struct churn_wl {
	struct bench_ctx *cx;
	struct bench_shared *sh;
	struct bench_lookups l;
	struct bench_readers *r;
	void *own[8];                   /* writer tables, by implementation */
	/* the writer's state, touched by thread 0 only */
	const struct bench_impl *im;
	void *st;
	uint64_t rng;
	size_t next;
	uint64_t errors;
	int last_error;
};

static void *table_of(struct churn_wl *w, unsigned i)
{
	return bench_impls[i]->writer_table ? w->own[i] : w->sh->st[i];
}

static void ch_enter(void *arg, unsigned tid)
{
	struct churn_wl *w = arg;

	if (tid == 0) {
		if (w->im->thread_enter != NULL)
			w->im->thread_enter(w->st, 0, false);
	} else {
		readers_enter(w->r, tid);
	}
}

static void ch_leave(void *arg, unsigned tid)
{
	struct churn_wl *w = arg;

	if (tid == 0) {
		if (w->im->thread_leave != NULL)
			w->im->thread_leave(w->st, 0, false);
	} else {
		readers_leave(w->r, tid);
	}
}

static uint64_t writer_step(struct churn_wl *w)
{
	const struct bench_key *base = w->sh->keys + w->sh->n + w->sh->nmiss;
	struct bench_conn c;
	struct bench_key dst;
	unsigned i;
	int rc;

	for (i = 0; i < CHURN_PER_STEP; i++) {
		dst = base[w->next++ % w->sh->nchurn];
		dst.laddr = bench_laddr(0);        /* what source selection picks */
		rc = bench_conn_open(w->im, w->st, &c);
		if (rc == 0)
			rc = bench_connect(w->im, w->st, &dst, PORT_FIRST,
			                   PORT_LAST, (uint32_t)w->sh->n, &w->rng,
			                   &c);
		if (rc != 0) {
			w->errors++;
			w->last_error = rc;
		}
		bench_close(w->im, w->st, &c);
	}
	return CHURN_PER_STEP;
}

static uint64_t ch_step(void *arg, unsigned tid, uint64_t *busy_ns)
{
	struct churn_wl *w = arg;

	return tid == 0 ? writer_step(w) : readers_step(w->r, tid, busy_ns);
}

static const char *ch_unsupported(void *wl, unsigned i)
{
	(void)wl;
	(void)i;
	return NULL;
}

static int ch_job(void *wl, unsigned i, unsigned threads,
                  unsigned rep, struct bench_job *job)
{
	struct churn_wl *w = wl;
	const struct bench_impl *im = bench_impls[i];
	struct bench_table_spec spec;
	void *st;

	(void)threads;
	if (im->writer_table && w->own[i] == NULL) {
		spec = w->sh->spec;
		spec.concurrent_writes = true;
		(void)bench_table_build(w->cx, "connected (churn)", im, &spec,
		                        w->sh->keys, w->sh->n, &w->own[i]);
	}
	st = table_of(w, i);
	if (st == NULL)
		return -ENODEV;
	readers_bind(w->r, im, st, rep);
	w->im = im;
	w->st = st;
	w->rng = w->cx->seed ^ 0x636875726eull ^ (0x9E3779B97F4A7C15ull * rep);
	w->next = 0;
	w->errors = 0;
	/*
	 * Readers on the CPUs "exact" uses at threads - 1 (thread t on the
	 * t-th CPU), the writer on the next one: "vs no writer" then compares
	 * the same CPUs, which matters where CPUs are not alike.
	 */
	job->pin_shift = threads - 1;
	job->arg = w;
	job->enter = ch_enter;
	job->step = ch_step;
	job->leave = ch_leave;
	return 0;
}

static void ch_finish(void *wl, unsigned i, const struct bench_sample *s,
                      struct bench_result *r)
{
	struct churn_wl *w = wl;

	(void)i;
	(void)s;
	if (!readers_check(w->r, r))
		return;
	bench_fail_errors(r, w->errors, "connects", w->last_error);
}

static int run_churn(struct bench_ctx *cx, struct bench_shared *sh)
{
	struct churn_wl *w = calloc(1, sizeof(*w));
	struct bench_variant v = {
		.workload = "churn", .mode = "single", .size = sh->n,
		.min_threads = 2, .first_counted = 1,
		.unsupported = ch_unsupported, .job = ch_job,
		.finish = ch_finish,
	};
	unsigned maxt = cx->threads[cx->nthreads - 1];
	size_t i;
	int rc;

	if (w == NULL)
		return -ENOMEM;
	if (maxt < 2) {
		free(w);
		return 0;                       /* one thread cannot churn */
	}
	v.wl = w;
	w->cx = cx;
	w->sh = sh;
	w->l.keys = sh->keys;
	w->l.n = sh->n;
	w->l.expect = malloc(sh->n * sizeof(*w->l.expect));
	if (w->l.expect == NULL) {
		free(w);
		return -ENOMEM;
	}
	for (i = 0; i < sh->n; i++)
		w->l.expect[i] = (uint32_t)i;
	w->r = readers_new(&w->l, BENCH_SINGLE, maxt, 1,
	                   cx->seed ^ 0x6578616374ull);
	rc = w->r != NULL ? bench_run_variant(cx, &v) : -ENOMEM;
	for (i = 0; i < bench_nimpls; i++)
		if (w->own[i] != NULL)
			bench_impls[i]->destroy(w->own[i]);
	readers_delete(w->r);
	free(w->l.expect);
	free(w);
	return rc;
}

const struct bench_workload bench_wl_churn = {
	.name = "churn",
	.what = "exact lookups while one thread connects and closes",
	.shared = true,
	.run = run_churn,
};
