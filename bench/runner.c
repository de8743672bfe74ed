/*
 * runner.c - from the options to results: which workloads, sizes, thread
 * counts and implementations run, in which order, and the bookkeeping of
 * results and table builds.
 *
 * Order of a run: the shared lookup workloads (exact, exact-miss10, burst,
 * churn) size by size on tables built once per size, because building 4M
 * PCBs is the slowest part of the run; then the workloads with tables of
 * their own (wildcard, connect, bindstorm).  Within a configuration every
 * implementation runs once per repetition, the order rotating, and the
 * median is kept: a burst of noise from other processes then hits one run
 * of one implementation, not one implementation's every run.
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_SECONDS 0.5
#define DEFAULT_WARMUP  0.1
#define DEFAULT_REPEAT  3
#define QUICK_SECONDS   0.01
#define QUICK_WARMUP    0.002
#define MISS_PERCENT    10      /* exact-miss10: one lookup in ten misses */
#define CHURN_KEYS      4096    /* destinations of the churn writer */

static const size_t default_sizes[] = { 1000, 10000, 100000, 1000000,
                                        4000000 };
static const size_t quick_sizes[] = { 1000 };

/* ---- results --------------------------------------------------------- */

struct bench_result *bench_result_new(struct bench_ctx *cx,
                                      const char *workload, size_t size,
                                      unsigned threads, const char *impl,
                                      const char *mode)
{
	struct bench_result *r;

	if (cx->nres == cx->capres) {
		size_t cap = cx->capres ? cx->capres * 2 : 64;
		struct bench_result *v = realloc(cx->res, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		cx->res = v;
		cx->capres = cap;
	}
	r = &cx->res[cx->nres++];
	memset(r, 0, sizeof(*r));
	r->workload = workload;
	r->size = size;
	r->threads = threads;
	r->impl = impl;
	r->mode = mode;
	r->status = BENCH_OK;
	return r;
}

void bench_setup_add(struct bench_ctx *cx, const struct bench_setup *s)
{
	if (cx->nsetups == cx->capsetups) {
		size_t cap = cx->capsetups ? cx->capsetups * 2 : 32;
		struct bench_setup *v = realloc(cx->setups, cap * sizeof(*v));

		if (v == NULL)
			return;
		cx->setups = v;
		cx->capsetups = cap;
	}
	cx->setups[cx->nsetups++] = *s;
	if (s->status == BENCH_FAILED)
		cx->failures++;
	report_setup(cx, s);
}

/* ---- building a table ------------------------------------------------ */

int bench_table_build(struct bench_ctx *cx, const char *table,
                      const struct bench_impl *im,
                      const struct bench_table_spec *spec,
                      const struct bench_key *keys, size_t n, void **out)
{
	struct bench_setup s = { .table = table, .size = n, .impl = im->name,
	                         .bytes_per_entry = -1, .heap_per_entry = -1 };
	long rss0, rss1, heap0, heap1;
	void *st = NULL;
	double t0;
	size_t i;
	int rc;

	*out = NULL;
	bench_release_free_memory();
	rss0 = bench_rss_bytes();
	heap0 = bench_heap_bytes();
	t0 = bench_now();
	rc = im->create(spec, &st);
	for (i = 0; rc == 0 && i < n; i++) {
		rc = im->insert(st, &keys[i], (uint32_t)i);
		if ((i & 0xFFFF) == 0xFFFF)
			progress_note("building %s table of %zu for %s: %zu%%",
			              table, n, im->name, i * 100 / n);
	}
	s.seconds = bench_now() - t0;
	bench_release_free_memory();           /* the build's own deferred frees */
	rss1 = bench_rss_bytes();
	heap1 = bench_heap_bytes();
	if (rc != 0) {
		s.status = BENCH_FAILED;
		snprintf(s.note, sizeof(s.note), "%s at entry %zu: %s",
		         st == NULL ? "create failed" : "insert failed", i,
		         strerror(-rc));
		if (st != NULL)
			im->destroy(st);
		bench_setup_add(cx, &s);
		return rc;
	}
	if (rss0 >= 0 && rss1 >= 0 && n > 0)
		s.bytes_per_entry = (double)(rss1 - rss0) / (double)n;
	if (n > 0)
		s.heap_per_entry = (double)(heap1 - heap0) / (double)n;
	bench_setup_add(cx, &s);
	*out = st;
	return 0;
}

void bench_build_all(struct bench_ctx *cx, const char *table,
                     const struct bench_table_spec *spec,
                     const struct bench_key *keys, size_t n, void **st)
{
	unsigned i;

	for (i = bench_nimpls; i-- > 0;)
		if (cx->impl_on[i] && cx->impl_off_why[i] == NULL)
			(void)bench_table_build(cx, table, bench_impls[i], spec,
			                        keys, n, &st[i]);
}

/* ---- the measuring loop ---------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of the runs; *which: the run closest to it from below. */
static double median(const double *v, unsigned n, unsigned *which)
{
	double s[BENCH_MAX_REPEAT], m;
	unsigned i, best = 0;

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	for (i = 0; i < n; i++)
		if (v[i] <= m && (v[best] > m || v[i] > v[best]))
			best = i;
	*which = best;
	return m;
}

struct run_rec {
	double per_thread[BENCH_MAX_REPEAT][BENCH_MAX_THREADS];
	double writer[BENCH_MAX_REPEAT];
};

static void run_one(struct bench_ctx *cx, const struct bench_variant *v,
                    unsigned i, unsigned threads, unsigned rep,
                    struct bench_result *r, struct run_rec *rec, bool *run)
{
	struct bench_job job;
	struct bench_sample sample;
	double total = 0;
	unsigned t;
	int rc;

	progress_step("%s size %zu, %u thread%s: %s, run %u/%u", v->workload,
	              v->size, threads, threads > 1 ? "s" : "",
	              bench_impls[i]->name, rep + 1, cx->repeat);
	memset(&job, 0, sizeof(job));
	job.threads = threads;
	job.warmup = cx->warmup;
	job.seconds = cx->seconds;
	job.use_busy = v->busy;
	job.pin = !cx->o->no_pin;
	rc = v->job(v->wl, i, threads, rep, &job);
	if (rc == 0) {
		/* finish() also undoes what job() set up: always call it. */
		rc = bench_measure(&job, &sample);
		v->finish(v->wl, i, &sample, r);
	}
	if (rc != 0 && r->status != BENCH_FAILED) {
		r->status = BENCH_FAILED;
		snprintf(r->note, sizeof(r->note), "could not run: %s",
		         strerror(-rc));
	}
	if (r->status == BENCH_FAILED) {
		*run = false;
		return;
	}
	for (t = v->first_counted; t < threads; t++)
		total += sample.rate[t];
	r->runs[r->nruns] = total;
	memcpy(rec->per_thread[r->nruns], sample.rate, sizeof(sample.rate));
	rec->writer[r->nruns] = v->first_counted ? sample.rate[0] : 0;
	r->nruns++;
}

/*
 * Does implementation i get a row in this variant?  A library-only one
 * (nothing else does it; it sets the library up itself) has one row, the
 * library's (bench_impls[0]).
 */
static bool row_wanted(const struct bench_ctx *cx,
                       const struct bench_variant *v, unsigned i)
{
	return cx->impl_on[i] && (!v->library_only || i == 0);
}

int bench_run_variant(struct bench_ctx *cx, const struct bench_variant *v)
{
	struct run_rec *rec = calloc(bench_nimpls, sizeof(*rec));
	struct bench_cpu cpu0, cpu1;
	size_t row[8];
	bool run[8];
	unsigned ti, i, k, rep;

	if (rec == NULL)
		return -ENOMEM;
	for (ti = 0; ti < cx->nthreads; ti++) {
		unsigned threads = cx->threads[ti];
		size_t first = cx->nres;

		if (threads < v->min_threads ||
		    (v->single_thread && threads != 1))
			continue;
		for (i = 0; i < bench_nimpls; i++) {
			const struct bench_impl *im = bench_impls[i];
			struct bench_result *r;
			const char *why;

			run[i] = false;
			if (!row_wanted(cx, v, i))
				continue;
			r = bench_result_new(cx, v->workload, v->size, threads,
			                     im->name, v->mode);
			if (r == NULL)
				break;
			row[i] = cx->nres - 1;
			r->counted = threads - v->first_counted;
			if (cx->impl_off_why[i] != NULL) {
				r->status = BENCH_SKIPPED;
				snprintf(r->note, sizeof(r->note), "%s",
				         cx->impl_off_why[i]);
				continue;
			}
			why = v->unsupported ? v->unsupported(v->wl, i) : NULL;
			if (why != NULL) {
				r->status = BENCH_NOT_AVAILABLE;
				snprintf(r->note, sizeof(r->note), "%s", why);
				continue;
			}
			run[i] = true;
		}
		/* Rows exist now; cx->res no longer moves in this group. */
		bench_cpu_snap(&cpu0);
		for (rep = 0; rep < cx->repeat; rep++)
			for (k = 0; k < bench_nimpls; k++) {
				i = (k + rep) % bench_nimpls;
				if (run[i])
					run_one(cx, v, i, threads, rep,
					        &cx->res[row[i]], &rec[i], &run[i]);
			}
		bench_cpu_snap(&cpu1);
		for (i = 0; i < bench_nimpls; i++) {
			struct bench_result *r;
			unsigned which;

			if (!row_wanted(cx, v, i))
				continue;
			r = &cx->res[row[i]];
			r->other_cpus = bench_cpu_others(&cpu0, &cpu1);
			if (r->status == BENCH_FAILED)
				cx->failures++;
			if (r->status != BENCH_OK || r->nruns == 0)
				continue;
			r->ops_per_s = median(r->runs, r->nruns, &which);
			memcpy(r->per_thread, rec[i].per_thread[which],
			       sizeof(r->per_thread));
			r->writer_ops_per_s = rec[i].writer[which];
		}
		report_group(cx, first, cx->nres - first);
	}
	free(rec);
	return 0;
}

/* ---- the shared connected tables ------------------------------------- */

static bool selected(const bool *wl_on, const struct bench_workload *w)
{
	unsigned i;

	for (i = 0; i < bench_nworkloads; i++)
		if (bench_workloads[i] == w)
			return wl_on[i];
	return false;
}

static void shared_destroy(struct bench_shared *sh)
{
	unsigned i;

	for (i = 0; i < bench_nimpls; i++)
		if (sh->st[i] != NULL) {
			progress_note("freeing the %s table of %zu",
			              bench_impls[i]->name, sh->n);
			bench_impls[i]->destroy(sh->st[i]);
			sh->st[i] = NULL;
		}
	free(sh->keys);
	sh->keys = NULL;
}

static int run_shared(struct bench_ctx *cx, const bool *wl_on)
{
	unsigned si, w;

	for (si = 0; si < cx->nsizes; si++) {
		struct bench_shared sh;
		size_t n = cx->sizes[si], total, k;

		memset(&sh, 0, sizeof(sh));
		sh.n = n;
		sh.nmiss = (n * MISS_PERCENT + (100 - MISS_PERCENT) - 1) /
		           (100 - MISS_PERCENT);
		sh.nchurn = CHURN_KEYS;
		total = n + sh.nmiss + sh.nchurn;
		sh.keys = malloc(total * sizeof(*sh.keys));
		if (sh.keys == NULL)
			return -ENOMEM;
		progress_note("making %zu keys", total);
		for (k = 0; k < total; k++)
			bench_key_connected(cx->seed, k, &sh.keys[k]);
		sh.spec.kind = BENCH_KIND_CONNECTED;
		sh.spec.capacity = n + 64;
		sh.spec.threads = cx->threads[cx->nthreads - 1];
		sh.spec.seed = cx->seed;
		bench_build_all(cx, "connected", &sh.spec, sh.keys, n, sh.st);
		for (w = 0; w < bench_nworkloads; w++)
			if (bench_workloads[w]->shared &&
			    selected(wl_on, bench_workloads[w]))
				bench_workloads[w]->run(cx, &sh);
		shared_destroy(&sh);
	}
	return 0;
}

/* ---- options ----------------------------------------------------------- */

/* Is name in the comma list (NULL list: everything)? */
static bool in_list(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *p = list;

	if (list == NULL)
		return true;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t l = end ? (size_t)(end - p) : strlen(p);

		if (l == len && strncmp(p, name, len) == 0)
			return true;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return false;
}

/* Every name of the comma list must be one of names[]. */
static const char *unknown_name(const char *list, const char *const *names,
                                unsigned n, char *buf, size_t len)
{
	const char *p = list;
	unsigned i;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ',');
		size_t l = end ? (size_t)(end - p) : strlen(p);
		bool ok = false;

		for (i = 0; i < n; i++)
			if (strlen(names[i]) == l &&
			    strncmp(p, names[i], l) == 0)
				ok = true;
		if (!ok) {
			snprintf(buf, len, "%.*s", (int)l, p);
			return buf;
		}
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

static int resolve(struct bench_ctx *cx, const struct bench_opts *o,
                   bool *wl_on)
{
	const char *names[16] = { NULL };
	unsigned i, maxt;
	char bad[64];

	cx->o = o;
	cx->seed = o->seed;
	cx->seconds = o->seconds > 0 ? o->seconds
	              : o->quick ? QUICK_SECONDS : DEFAULT_SECONDS;
	cx->warmup = o->warmup >= 0 ? o->warmup
	             : o->quick ? QUICK_WARMUP : DEFAULT_WARMUP;
	cx->repeat = o->repeat ? o->repeat : o->quick ? 1 : DEFAULT_REPEAT;
	if (cx->repeat > BENCH_MAX_REPEAT)
		cx->repeat = BENCH_MAX_REPEAT;
	if (o->nsizes > 0) {
		cx->nsizes = o->nsizes;
		memcpy(cx->sizes, o->sizes, o->nsizes * sizeof(o->sizes[0]));
	} else if (o->quick) {
		cx->nsizes = sizeof(quick_sizes) / sizeof(quick_sizes[0]);
		memcpy(cx->sizes, quick_sizes, sizeof(quick_sizes));
	} else {
		cx->nsizes = sizeof(default_sizes) / sizeof(default_sizes[0]);
		memcpy(cx->sizes, default_sizes, sizeof(default_sizes));
	}
	maxt = o->threads ? o->threads : bench_online_cpus();
	if (o->quick && o->threads == 0 && maxt > 2)
		maxt = 2;
	if (maxt > BENCH_MAX_THREADS)
		maxt = BENCH_MAX_THREADS;
	/* 1, 2, 4, ... and the maximum itself. */
	for (i = 1; i < maxt; i *= 2)
		cx->threads[cx->nthreads++] = i;
	cx->threads[cx->nthreads++] = maxt;
	cx->wild_listeners = o->quick ? 100 : 10000;
	cx->bind_round = o->quick ? 256 : 10000;

	for (i = 0; i < bench_nworkloads; i++)
		names[i] = bench_workloads[i]->name;
	if (unknown_name(o->workloads, names, bench_nworkloads, bad,
	                 sizeof(bad))) {
		fprintf(stderr, "inpcb bench: unknown workload '%s'\n", bad);
		return -EINVAL;
	}
	for (i = 0; i < bench_nworkloads; i++)
		wl_on[i] = in_list(o->workloads, names[i]);
	for (i = 0; i < bench_nimpls; i++)
		names[i] = bench_impls[i]->name;
	if (unknown_name(o->impls, names, bench_nimpls, bad, sizeof(bad))) {
		fprintf(stderr, "inpcb bench: unknown implementation '%s'\n",
		        bad);
		return -EINVAL;
	}
	for (i = 0; i < bench_nimpls; i++)
		cx->impl_on[i] = in_list(o->impls, names[i]) &&
		                 (o->impls != NULL || !bench_impls[i]->opt_in);
	return 0;
}

/* Start what needs starting (DPDK's EAL) once, for the largest table. */
static void prepare_impls(struct bench_ctx *cx)
{
	size_t maxcap = cx->wild_listeners + cx->bind_round + 8192;
	unsigned i;

	for (i = 0; i < cx->nsizes; i++)
		if (cx->sizes[i] + 8192 > maxcap)
			maxcap = cx->sizes[i] + 8192;
	for (i = 0; i < bench_nimpls; i++) {
		const struct bench_impl *im = bench_impls[i];

		if (!cx->impl_on[i])
			continue;
		if (im->unavailable != NULL)
			cx->impl_off_why[i] = im->unavailable();
		if (cx->impl_off_why[i] == NULL && im->prepare != NULL &&
		    im->prepare(maxcap, cx->threads[cx->nthreads - 1]) != 0)
			cx->impl_off_why[i] = im->unavailable != NULL
			                      ? im->unavailable()
			                      : "could not be started";
	}
}

static unsigned count_steps(const struct bench_ctx *cx, const bool *wl_on)
{
	unsigned i, impls = 0, steps = 0, lib_steps = 0;

	for (i = 0; i < bench_nimpls; i++)
		impls += cx->impl_on[i] && cx->impl_off_why[i] == NULL;
	for (i = 0; i < bench_nworkloads; i++) {
		const struct bench_workload *w = bench_workloads[i];

		if (!wl_on[i])
			continue;
		if (w == &bench_wl_connect)
			steps += 4;
		else if (w == &bench_wl_delivery)   /* the library's rows only */
			lib_steps += bench_delivery_rows(cx) * cx->nthreads;
		else if (w == &bench_wl_churn)
			steps += cx->nsizes * (cx->nthreads - 1);
		else if (w->shared)
			steps += cx->nsizes * cx->nthreads;
		else
			steps += cx->nthreads;
	}
	/* bench_impls[0] is the library. */
	return (steps * impls + (cx->impl_on[0] ? lib_steps : 0)) * cx->repeat;
}

int bench_main(const struct bench_opts *o)
{
	struct bench_ctx cx;
	bool wl_on[16], any_shared = false;
	unsigned i;
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	memset(&cx, 0, sizeof(cx));
	if (resolve(&cx, o, wl_on) != 0)
		return 2;
	gmtime_r(&now, &tm);
	strftime(cx.date, sizeof(cx.date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	bench_loadavg(cx.load_start);
	cx.t_start = bench_now();
	prepare_impls(&cx);
	progress_init(o->progress, count_steps(&cx, wl_on));
	report_begin(&cx);

	for (i = 0; i < bench_nworkloads; i++)
		if (wl_on[i] && bench_workloads[i]->shared)
			any_shared = true;
	rc = any_shared ? run_shared(&cx, wl_on) : 0;
	for (i = 0; rc == 0 && i < bench_nworkloads; i++)
		if (wl_on[i] && !bench_workloads[i]->shared)
			rc = bench_workloads[i]->run_own(&cx);
	if (rc != 0) {
		progress_clear();
		fprintf(stderr, "inpcb bench: %s\n", strerror(-rc));
		cx.failures++;
	}

	bench_loadavg(cx.load_end);
	progress_done();
	report_end(&cx);
	for (i = 0; i < bench_nimpls; i++)
		if (cx.impl_on[i] && bench_impls[i]->shutdown != NULL)
			bench_impls[i]->shutdown();
	free(cx.res);
	free(cx.setups);
	return cx.failures ? 1 : 0;
}
