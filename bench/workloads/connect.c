/*
 * connect.c - workload "connect": connect() with ephemeral port
 * allocation when the port range is 0%, 50%, 90% and 99% used.
 *
 * The range is 8,000 ports (net.inet.ip.portrange.first/last =
 * 20000-27999).  A seeded random subset of it is taken by connections
 * from 192.0.2.1 to 203.0.113.80:80 (the library: TCP sockets bound to
 * the port, then connected), then one thread connects new sockets to that
 * same destination: every candidate port whose 4-tuple is taken must be
 * stepped over, so the cost grows with the occupancy.  Connections are
 * made in batches of K (K = free ports / 16, between 1 and 64, so that a
 * batch moves the occupancy by at most 1/16 of the free ports): the
 * sockets are opened untimed, the K connect()s are timed as a block, then
 * closed, untimed.  The rate is connects per second of time spent in
 * connect; the size column is the occupancy in percent.
 *
 * The baselines run ephemeral.c: FreeBSD's allocator with nothing else,
 * on the same occupied 4-tuples.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RANGE_LO  20000
#define RANGE_HI  27999
#define RANGE_N   (RANGE_HI - RANGE_LO + 1)
#define BATCH_MAX 64

static const unsigned occupancies[] = { 0, 50, 90, 99 };

struct conn_wl {
	struct bench_ctx *cx;
	void *st[8];
	const struct bench_impl *im;
	void *cur;
	struct bench_key dst;
	size_t occupied;
	unsigned batch, opened;
	uint64_t rng;
	uint64_t errors;
	int last_error;
	struct bench_conn conns[BATCH_MAX];
};

static uint64_t cn_step(void *arg, unsigned tid, uint64_t *busy_ns)
{
	struct conn_wl *w = arg;
	unsigned i, made = 0;
	double t0, t1;
	int rc;

	(void)tid;
	for (i = 0; i < w->batch; i++)
		if (bench_conn_open(w->im, w->cur, &w->conns[i]) != 0)
			break;
	w->opened = i;
	t0 = bench_now();
	for (i = 0; i < w->opened; i++) {
		rc = bench_connect(w->im, w->cur, &w->dst, RANGE_LO, RANGE_HI,
		                   (uint32_t)(w->occupied + i), &w->rng,
		                   &w->conns[i]);
		if (rc != 0) {
			w->errors++;
			w->last_error = rc;
			continue;
		}
		made++;
	}
	t1 = bench_now();
	*busy_ns += (uint64_t)((t1 - t0) * 1e9);
	for (i = 0; i < w->opened; i++)
		bench_close(w->im, w->cur, &w->conns[i]);
	if (w->opened < w->batch) {
		w->errors++;
		w->last_error = -ENOBUFS;
	}
	return made;
}

static void cn_enter(void *arg, unsigned tid)
{
	struct conn_wl *w = arg;

	if (w->im->thread_enter != NULL)
		w->im->thread_enter(w->cur, tid, false);
}

static void cn_leave(void *arg, unsigned tid)
{
	struct conn_wl *w = arg;

	if (w->im->thread_leave != NULL)
		w->im->thread_leave(w->cur, tid, false);
}

static int cn_job(void *wl, unsigned i, unsigned threads,
                  unsigned rep, struct bench_job *job)
{
	struct conn_wl *w = wl;

	(void)threads;
	if (w->st[i] == NULL)
		return -ENODEV;
	w->im = bench_impls[i];
	w->cur = w->st[i];
	w->rng = w->cx->seed ^ 0x636f6e6eull ^ (0x9E3779B97F4A7C15ull * rep);
	w->errors = 0;
	job->arg = w;
	job->enter = cn_enter;
	job->step = cn_step;
	job->leave = cn_leave;
	return 0;
}

static void cn_finish(void *wl, unsigned i, const struct bench_sample *s,
                      struct bench_result *r)
{
	struct conn_wl *w = wl;

	(void)i;
	(void)s;
	bench_fail_errors(r, w->errors, "connects", w->last_error);
}

static int run_occupancy(struct bench_ctx *cx, unsigned percent)
{
	struct conn_wl *w = calloc(1, sizeof(*w));
	struct bench_variant v = {
		.workload = "connect", .mode = "connect", .size = percent,
		.busy = true, .single_thread = true, .job = cn_job,
		.finish = cn_finish,
	};
	struct bench_table_spec spec = {
		.kind = BENCH_KIND_CONNECTED, .threads = 1, .seed = cx->seed,
		.port_lo = RANGE_LO, .port_hi = RANGE_HI,
	};
	struct bench_key *keys = NULL;
	uint32_t *ports = NULL;
	size_t i, free_ports;
	int rc = -ENOMEM;

	if (w == NULL)
		return -ENOMEM;
	v.wl = w;
	w->cx = cx;
	w->occupied = (size_t)RANGE_N * percent / 100;
	free_ports = RANGE_N - w->occupied;
	w->batch = (unsigned)(free_ports / 16);
	if (w->batch < 1)
		w->batch = 1;
	if (w->batch > BATCH_MAX)
		w->batch = BATCH_MAX;
	w->dst.faddr = htonl(0xCB007150u);            /* 203.0.113.80 */
	w->dst.fport = htons(80);
	w->dst.laddr = bench_laddr(0);                /* 192.0.2.1 */
	spec.capacity = w->occupied + BATCH_MAX + 64;
	keys = calloc(w->occupied ? w->occupied : 1, sizeof(*keys));
	ports = bench_shuffled(RANGE_N, cx->seed ^ percent);
	if (keys == NULL || ports == NULL)
		goto out;
	for (i = 0; i < w->occupied; i++) {
		keys[i] = w->dst;
		keys[i].lport = htons((uint16_t)(RANGE_LO + ports[i]));
	}
	bench_build_all(cx, "ports used", &spec, keys, w->occupied, w->st);
	rc = bench_run_variant(cx, &v);
	for (i = 0; i < bench_nimpls; i++)
		if (w->st[i] != NULL)
			bench_impls[i]->destroy(w->st[i]);
out:
	free(keys);
	free(ports);
	free(w);
	return rc;
}

static int run_connect(struct bench_ctx *cx)
{
	unsigned i;
	int rc = 0;

	for (i = 0; rc == 0 && i < sizeof(occupancies) / sizeof(*occupancies);
	     i++)
		rc = run_occupancy(cx, occupancies[i]);
	return rc;
}

const struct bench_workload bench_wl_connect = {
	.name = "connect",
	.what = "connect() with an ephemeral port, 8000-port range 0-99% used",
	.shared = false,
	.run_own = run_connect,
};
