/*
 * report.c - what `inpcb bench` prints: a human table on stdout, group by
 * group as the run goes, or (--json) one JSON document at the end whose
 * keys never change (docs/benchmarks.md has the schema).
 *
 * Every row carries its ratio against each baseline measured in the same
 * group (same workload, size and thread count): ratio = this row's
 * operations per second / the baseline's.  Absolute numbers on a shared
 * machine move with the load; ratios measured side by side move much
 * less, and they are what the targets are stated in.
 */
#include "bench.h"

#include <inpcb/inpcb.h>

#include <math.h>
#include <string.h>

static const char *status_name(enum bench_status s)
{
	switch (s) {
	case BENCH_OK:
		return "ok";
	case BENCH_NOT_AVAILABLE:
		return "not available";
	case BENCH_SKIPPED:
		return "skipped";
	default:
		return "failed";
	}
}

/*
 * The row of (workload, mode, size, threads, impl).  Every comparison is
 * between rows of one mode; a workload with several (delivery: unicast,
 * mcast8) may have rows of one size in each.
 */
static const struct bench_result *find(const struct bench_ctx *cx,
                                       const char *workload, const char *mode,
                                       size_t size, unsigned threads,
                                       const char *impl)
{
	size_t i;

	for (i = 0; i < cx->nres; i++) {
		const struct bench_result *r = &cx->res[i];

		if (r->status == BENCH_OK && r->nruns > 0 &&
		    r->size == size && r->threads == threads &&
		    strcmp(r->workload, workload) == 0 &&
		    strcmp(r->mode, mode) == 0 &&
		    strcmp(r->impl, impl) == 0)
			return r;
	}
	return NULL;
}

/* this / other, NaN when either is missing. */
static double ratio_to(const struct bench_ctx *cx,
                       const struct bench_result *r, const char *workload,
                       unsigned threads, const char *impl)
{
	const struct bench_result *o;

	if (r->status != BENCH_OK || r->nruns == 0)
		return NAN;
	o = find(cx, workload, r->mode, r->size, threads, impl);
	if (o == NULL || o->ops_per_s <= 0)
		return NAN;
	return r->ops_per_s / o->ops_per_s;
}

static double ns_per_op(const struct bench_result *r)
{
	return r->ops_per_s > 0 ? 1e9 * r->counted / r->ops_per_s : NAN;
}

static double spread(const struct bench_result *r)
{
	double lo = INFINITY, hi = 0;
	unsigned i;

	if (r->nruns < 2 || r->ops_per_s <= 0)
		return NAN;
	for (i = 0; i < r->nruns; i++) {
		lo = fmin(lo, r->runs[i]);
		hi = fmax(hi, r->runs[i]);
	}
	return (hi - lo) / r->ops_per_s;
}

/* Churn: the readers against "exact" with as many readers, no writer. */
static double vs_no_writer(const struct bench_ctx *cx,
                           const struct bench_result *r)
{
	if (strcmp(r->workload, "churn") != 0)
		return NAN;
	return ratio_to(cx, r, "exact", r->threads - 1, r->impl);
}

static double vs_one_thread(const struct bench_ctx *cx,
                            const struct bench_result *r)
{
	if (r->threads == 1 || strcmp(r->workload, "churn") == 0)
		return NAN;
	return ratio_to(cx, r, r->workload, 1, r->impl);
}

static const char *size_label(const char *workload)
{
	if (strcmp(workload, "wildcard") == 0)
		return "listen";
	if (strcmp(workload, "connect") == 0)
		return "used%";
	if (strcmp(workload, "bindstorm") == 0)
		return "binds";
	if (strcmp(workload, "delivery") == 0)
		return "sockets";
	return "PCBs";
}

/* ---- human table ----------------------------------------------------- */

static const char *last_workload;

static void print_ratio(double x)
{
	if (isnan(x))
		printf(" %9s", "-");
	else
		printf(" %8.2fx", x);
}

static void human_header(const struct bench_ctx *cx, const char *workload)
{
	unsigned i;
	const struct bench_workload *w = NULL;

	for (i = 0; i < bench_nworkloads; i++)
		if (strcmp(bench_workloads[i]->name, workload) == 0)
			w = bench_workloads[i];
	printf("\n%s: %s\n", workload, w ? w->what : "");
	printf("%8s %3s %-9s %9s %9s %6s %5s", size_label(workload), "thr",
	       "impl", "Mops/s", "ns/op", "spread", "other");
	for (i = 0; i < bench_nimpls; i++)
		if (bench_impls[i]->baseline && cx->impl_on[i])
			printf(" %9.9s", bench_impls[i]->name);
	printf(" %9s  %s\n", strcmp(workload, "churn") == 0 ? "no-writer"
	                                                     : "1-thread",
	       "notes");
}

static void human_row(const struct bench_ctx *cx, const struct bench_result *r)
{
	unsigned i;
	double sp = spread(r);

	printf("%8zu %3u %-9s", r->size, r->threads, r->impl);
	if (r->status != BENCH_OK || r->nruns == 0) {
		printf(" %s: %s\n", status_name(r->status), r->note);
		return;
	}
	printf(" %9.3f %9.1f", r->ops_per_s / 1e6, ns_per_op(r));
	if (isnan(sp))
		printf(" %6s", "-");
	else
		printf(" %5.0f%%", sp * 100);
	if (r->other_cpus < 0)
		printf(" %5s", "-");
	else
		printf(" %5.2f", r->other_cpus);
	for (i = 0; i < bench_nimpls; i++)
		if (bench_impls[i]->baseline && cx->impl_on[i])
			print_ratio(ratio_to(cx, r, r->workload, r->threads,
			                     bench_impls[i]->name));
	print_ratio(strcmp(r->workload, "churn") == 0 ? vs_no_writer(cx, r)
	                                              : vs_one_thread(cx, r));
	printf(" ");
	if (r->threads > 1 && r->counted > 0) {
		unsigned t0 = r->threads - r->counted;

		printf(" per thread");
		for (i = t0; i < r->threads && i < t0 + 4; i++)
			printf(" %.3f", r->per_thread[i] / 1e6);
		if (r->counted > 4)
			printf(" ...");
	}
	if (r->writer_ops_per_s > 0)
		printf(" writer %.3f M conn+close/s", r->writer_ops_per_s / 1e6);
	if (r->note[0] != '\0')
		printf(" %s: %s", r->mode, r->note);
	printf("\n");
}

void report_begin(struct bench_ctx *cx)
{
	unsigned i;

	last_workload = NULL;
	if (cx->o->json)
		return;
	printf("inpcb bench %d.%d: %u CPUs online, load %.2f %.2f %.2f, %s\n",
	       INPCB_VERSION_MAJOR, INPCB_VERSION_MINOR, bench_online_cpus(),
	       cx->load_start[0], cx->load_start[1], cx->load_start[2],
	       cx->date);
	printf("threads %s; each run: %.3g s after %.3g s warm-up; the median "
	       "of %u run%s "
	       "is shown; ratios are this row / the baseline's, same run;\n"
	       "spread: (max - min) / median of the runs; other: CPUs that "
	       "other processes kept busy meanwhile (noise)\n",
	       cx->o->no_pin ? "not pinned" : "pinned (thread t on CPU t)",
	       cx->seconds, cx->warmup, cx->repeat, cx->repeat > 1 ? "s" : "");
	for (i = 0; i < bench_nimpls; i++)
		if (cx->impl_on[i])
			printf("  %-9s %s%s%s\n", bench_impls[i]->name,
			       bench_impls[i]->what,
			       cx->impl_off_why[i] ? " -- skipped: " : "",
			       cx->impl_off_why[i] ? cx->impl_off_why[i] : "");
	fflush(stdout);
}

void report_setup(struct bench_ctx *cx, const struct bench_setup *s)
{
	if (cx->o->json)
		return;
	progress_clear();
	if (s->status != BENCH_OK)
		printf("setup: %s table of %zu for %s FAILED: %s\n", s->table,
		       s->size, s->impl, s->note);
	else if (s->bytes_per_entry >= 0)
		printf("setup: %s table of %zu for %s: %.2f s, bytes per entry: "
		       "%.0f malloc'd, %.0f RSS\n", s->table, s->size, s->impl,
		       s->seconds, s->heap_per_entry, s->bytes_per_entry);
	else
		printf("setup: %s table of %zu for %s: %.2f s\n", s->table,
		       s->size, s->impl, s->seconds);
	fflush(stdout);
}

void report_group(struct bench_ctx *cx, size_t first, size_t count)
{
	size_t i;

	if (cx->o->json || count == 0)
		return;
	progress_clear();
	if (last_workload == NULL ||
	    strcmp(last_workload, cx->res[first].workload) != 0)
		human_header(cx, cx->res[first].workload);
	last_workload = cx->res[first].workload;
	for (i = first; i < first + count; i++)
		human_row(cx, &cx->res[i]);
	fflush(stdout);
}

/* ---- targets ---------------------------------------------------------- */

enum target_kind {
	T_VS_IMPL,         /* this / other_impl's row of the same shape */
	T_VS_ONE_THREAD,   /* 2 threads / 1 thread */
	T_PER_CORE,        /* rate per counted thread / per_core (issue 4) */
	T_VS_NO_WRITER,    /* churn readers / exact with as many readers */
	T_COST_VS_EXACT,   /* ns per lookup / ns per exact hit, same size */
	T_VS_SIZE0,        /* connect at this occupancy / at 0 % */
};

struct target {
	const char *name;
	const char *workload;     /* of the library's row */
	enum target_kind kind;
	const char *other_impl;   /* T_VS_IMPL */
	double goal;
	bool at_most;             /* met when ratio <= goal (a cost) */
	const char *mode;         /* only rows of this mode; NULL: any */
	size_t size;              /* only rows of this size; 0: any */
	double per_core;          /* T_PER_CORE */
};

static const struct target targets[] = {
	{ "exact lookup >= 2.5x rte_hash single", "exact", T_VS_IMPL,
	  "rte_hash", 2.5, false, NULL, 0, 0 },
	{ "burst lookup >= 1.2x rte_hash bulk-32", "burst", T_VS_IMPL,
	  "rte_hash", 1.2, false, NULL, 0, 0 },
	{ "exact lookup, 2 threads >= 1.8x 1 thread", "exact",
	  T_VS_ONE_THREAD, NULL, 1.8, false, NULL, 0, 0 },
	{ "readers during churn >= 0.9x their churn-free rate", "churn",
	  T_VS_NO_WRITER, NULL, 0.9, false, NULL, 0, 0 },
	{ "wildcard lookup <= 1.5x the cost of an exact hit (same size)",
	  "wildcard", T_COST_VS_EXACT, NULL, 1.5, true, NULL, 0, 0 },
	{ "connect() at 99% occupancy >= 0.8x its rate at 0%", "connect",
	  T_VS_SIZE0, NULL, 0.8, false, NULL, 99, 0 },
	{ "delivery >= 5 M unicast datagrams/s per core", "delivery",
	  T_PER_CORE, NULL, 1.0, false, "unicast", 0, 5e6 },
};

struct target_eval {
	size_t size;
	unsigned threads;
	double ratio;             /* NaN: could not be evaluated */
	const char *why;
};

static bool target_met(const struct target *t, double ratio)
{
	return t->at_most ? ratio <= t->goal : ratio >= t->goal;
}

/* rate(r) / rate(the row named), NaN when either is missing. */
static double ratio_to_row(const struct bench_ctx *cx,
                           const struct bench_result *r, const char *wl,
                           const char *mode, size_t size, unsigned threads)
{
	const struct bench_result *o = find(cx, wl, mode, size, threads,
	                                    r->impl);

	if (r->status != BENCH_OK || o == NULL || o->ops_per_s <= 0)
		return NAN;
	return r->ops_per_s / o->ops_per_s;
}

static double target_ratio(const struct bench_ctx *cx, const struct target *t,
                           const struct bench_result *r)
{
	switch (t->kind) {
	case T_VS_IMPL:
		return ratio_to(cx, r, r->workload, r->threads, t->other_impl);
	case T_VS_ONE_THREAD:
		return ratio_to(cx, r, r->workload, 1, r->impl);
	case T_PER_CORE:
		return r->status == BENCH_OK && r->counted > 0
		       ? r->ops_per_s / r->counted / t->per_core : NAN;
	case T_VS_NO_WRITER:
		return vs_no_writer(cx, r);
	case T_COST_VS_EXACT:
		return 1.0 / ratio_to_row(cx, r, "exact", "single", r->size,
		                          r->threads);
	case T_VS_SIZE0:
		return ratio_to_row(cx, r, r->workload, r->mode, 0,
		                    r->threads);
	}
	return NAN;
}

/* Does row r count for t?  2 threads against 1; else 1 and the most. */
static bool target_row(const struct bench_ctx *cx, const struct target *t,
                       const struct bench_result *r)
{
	if (strcmp(r->impl, "inpcb") != 0 ||
	    strcmp(r->workload, t->workload) != 0 ||
	    (t->mode != NULL && strcmp(r->mode, t->mode) != 0) ||
	    (t->size != 0 && r->size != t->size))
		return false;
	if (t->kind == T_VS_ONE_THREAD)
		return r->threads == 2;
	return t->kind == T_VS_NO_WRITER || r->threads == 1 ||
	       r->threads == cx->threads[cx->nthreads - 1];
}

/* Evaluate target t at every size measured: fills up to max entries. */
static size_t eval_target(const struct bench_ctx *cx, const struct target *t,
                          struct target_eval *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < cx->nres && n < max; i++) {
		const struct bench_result *r = &cx->res[i];

		if (!target_row(cx, t, r))
			continue;
		out[n].size = r->size;
		out[n].threads = r->threads;
		out[n].ratio = target_ratio(cx, t, r);
		out[n].why = NULL;
		if (r->status != BENCH_OK)
			out[n].why = r->note;
		else if (isnan(out[n].ratio))
			out[n].why = "the row compared with was not measured";
		n++;
	}
	return n;
}

/* ---- JSON --------------------------------------------------------------- */

static void json_str(const char *s)
{
	putchar('"');
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_num(double x)
{
	if (isfinite(x))
		printf("%.6g", x);
	else
		printf("null");
}

static void json_result(const struct bench_ctx *cx,
                        const struct bench_result *r)
{
	bool ok = r->status == BENCH_OK && r->nruns > 0;
	unsigned i, first = 1;

	printf("    {\"workload\": ");
	json_str(r->workload);
	printf(", \"size\": %zu, \"threads\": %u, \"impl\": ", r->size,
	       r->threads);
	json_str(r->impl);
	printf(", \"mode\": ");
	json_str(r->mode);
	printf(", \"status\": ");
	json_str(status_name(r->status));
	printf(", \"note\": ");
	json_str(r->note);
	printf(",\n     \"ops_per_s\": ");
	json_num(ok ? r->ops_per_s : NAN);
	printf(", \"ns_per_op\": ");
	json_num(ok ? ns_per_op(r) : NAN);
	printf(", \"spread\": ");
	json_num(ok ? spread(r) : NAN);
	printf(", \"other_cpus\": ");
	json_num(ok && r->other_cpus >= 0 ? r->other_cpus : NAN);
	printf(", \"counted_threads\": %u,\n     \"per_thread_ops_per_s\": [",
	       r->counted);
	for (i = r->threads - r->counted; ok && i < r->threads; i++) {
		printf("%s", first ? "" : ", ");
		json_num(r->per_thread[i]);
		first = 0;
	}
	printf("], \"runs_ops_per_s\": [");
	for (i = 0; i < r->nruns; i++) {
		printf("%s", i ? ", " : "");
		json_num(r->runs[i]);
	}
	printf("],\n     \"ratio\": {");
	first = 1;
	for (i = 0; i < bench_nimpls; i++) {
		if (!bench_impls[i]->baseline)
			continue;
		printf("%s", first ? "" : ", ");
		json_str(bench_impls[i]->name);
		printf(": ");
		json_num(ratio_to(cx, r, r->workload, r->threads,
		                  bench_impls[i]->name));
		first = 0;
	}
	printf("}, \"ratio_vs_1_thread\": ");
	json_num(vs_one_thread(cx, r));
	printf(", \"writer_ops_per_s\": ");
	json_num(ok && strcmp(r->workload, "churn") == 0
	         ? r->writer_ops_per_s : NAN);
	printf(", \"ratio_vs_no_writer\": ");
	json_num(vs_no_writer(cx, r));
	printf("}");
}

static void json_all(const struct bench_ctx *cx)
{
	size_t i, k, n;
	unsigned j;
	bool first = true;

	printf("{\n  \"schema\": \"inpcb-bench/1\",\n  \"date\": ");
	json_str(cx->date);
	printf(",\n  \"inpcb_version\": \"%d.%d\",\n", INPCB_VERSION_MAJOR,
	       INPCB_VERSION_MINOR);
	printf("  \"machine\": {\"cpus\": %u, \"loadavg_start\": [",
	       bench_online_cpus());
	for (j = 0; j < 3; j++) {
		printf("%s", j ? ", " : "");
		json_num(cx->load_start[j]);
	}
	printf("], \"loadavg_end\": [");
	for (j = 0; j < 3; j++) {
		printf("%s", j ? ", " : "");
		json_num(cx->load_end[j]);
	}
	printf("]},\n  \"options\": {\"seconds\": ");
	json_num(cx->seconds);
	printf(", \"warmup\": ");
	json_num(cx->warmup);
	printf(", \"repeat\": %u, \"seed\": %llu, \"quick\": %s, "
	       "\"threads\": [", cx->repeat, (unsigned long long)cx->seed,
	       cx->o->quick ? "true" : "false");
	for (j = 0; j < cx->nthreads; j++)
		printf("%s%u", j ? ", " : "", cx->threads[j]);
	printf("], \"sizes\": [");
	for (j = 0; j < cx->nsizes; j++)
		printf("%s%zu", j ? ", " : "", cx->sizes[j]);
	printf("], \"wildcard_listeners\": %zu, \"bind_round\": %zu, "
	       "\"pinned\": %s},\n", cx->wild_listeners, cx->bind_round,
	       cx->o->no_pin ? "false" : "true");

	printf("  \"implementations\": [\n");
	for (j = 0, first = true; j < bench_nimpls; j++) {
		if (!cx->impl_on[j])
			continue;
		printf("%s    {\"name\": ", first ? "" : ",\n");
		json_str(bench_impls[j]->name);
		printf(", \"baseline\": %s, \"what\": ",
		       bench_impls[j]->baseline ? "true" : "false");
		json_str(bench_impls[j]->what);
		printf(", \"status\": ");
		json_str(cx->impl_off_why[j] ? "skipped" : "ok");
		printf(", \"note\": ");
		json_str(cx->impl_off_why[j] ? cx->impl_off_why[j] : "");
		printf("}");
		first = false;
	}
	printf("\n  ],\n  \"setup\": [\n");
	for (i = 0; i < cx->nsetups; i++) {
		const struct bench_setup *s = &cx->setups[i];

		printf("%s    {\"table\": ", i ? ",\n" : "");
		json_str(s->table);
		printf(", \"size\": %zu, \"impl\": ", s->size);
		json_str(s->impl);
		printf(", \"seconds\": ");
		json_num(s->seconds);
		printf(", \"bytes_per_entry\": ");
		json_num(s->bytes_per_entry >= 0 ? s->bytes_per_entry : NAN);
		printf(", \"heap_bytes_per_entry\": ");
		json_num(s->size > 0 ? s->heap_per_entry : NAN);
		printf(", \"status\": ");
		json_str(status_name(s->status));
		printf(", \"note\": ");
		json_str(s->note);
		printf("}");
	}
	printf("\n  ],\n  \"results\": [\n");
	for (i = 0; i < cx->nres; i++) {
		printf("%s", i ? ",\n" : "");
		json_result(cx, &cx->res[i]);
	}
	printf("\n  ],\n  \"targets\": [\n");
	first = true;
	for (k = 0; k < sizeof(targets) / sizeof(targets[0]); k++) {
		struct target_eval ev[2 * BENCH_MAX_SIZES];

		n = eval_target(cx, &targets[k], ev, 2 * BENCH_MAX_SIZES);
		for (i = 0; i < n; i++) {
			printf("%s    {\"target\": ", first ? "" : ",\n");
			json_str(targets[k].name);
			printf(", \"workload\": ");
			json_str(targets[k].workload);
			printf(", \"size\": %zu, \"threads\": %u, \"ratio\": ",
			       ev[i].size, ev[i].threads);
			json_num(ev[i].ratio);
			printf(", \"goal\": ");
			json_num(targets[k].goal);
			printf(", \"met\": %s, \"note\": ",
			       isnan(ev[i].ratio) ? "null"
			       : target_met(&targets[k], ev[i].ratio) ? "true"
			                                                  : "false");
			json_str(ev[i].why ? ev[i].why : "");
			printf("}");
			first = false;
		}
	}
	printf("\n  ],\n  \"elapsed_s\": ");
	json_num(bench_now() - cx->t_start);
	printf("\n}\n");
}

/* ---- the end ----------------------------------------------------------- */

static void human_targets(const struct bench_ctx *cx)
{
	size_t k, i, n;

	printf("\ntargets (issues 3 and 4; ratios from this run):\n");
	for (k = 0; k < sizeof(targets) / sizeof(targets[0]); k++) {
		struct target_eval ev[2 * BENCH_MAX_SIZES];

		n = eval_target(cx, &targets[k], ev, 2 * BENCH_MAX_SIZES);
		printf("  %s:", targets[k].name);
		if (n == 0)
			printf(" not measured in this run");
		for (i = 0; i < n; i++) {
			if (isnan(ev[i].ratio))
				printf("\n    size %zu, %u thr: cannot tell (%s)",
				       ev[i].size, ev[i].threads, ev[i].why);
			else
				printf("\n    size %zu, %u thr: %.2fx -- %s",
				       ev[i].size, ev[i].threads, ev[i].ratio,
				       target_met(&targets[k], ev[i].ratio)
				       ? "met" : "NOT met");
		}
		printf("\n");
	}
}

void report_end(struct bench_ctx *cx)
{
	if (cx->o->json) {
		json_all(cx);
		fflush(stdout);
		return;
	}
	human_targets(cx);
	printf("\nload %.2f %.2f %.2f at the end; %.1f s in all%s\n",
	       cx->load_end[0], cx->load_end[1], cx->load_end[2],
	       bench_now() - cx->t_start,
	       cx->failures ? "; SOME MEASUREMENTS FAILED" : "");
	fflush(stdout);
}
