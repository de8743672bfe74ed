/*
 * wildcard.c - workload "wildcard": lookups that end at a listener, the
 * demultiplexing of every SYN (and of every datagram to an unconnected
 * UDP socket).
 *
 * 10,000 TCP listeners (--quick: 100) on 0.0.0.0, ports 20000 and up; no
 * connections.  Packets come from random foreign addresses and ports to
 * one of the 8 local addresses and a random listener's port.  The library
 * is asked with INP_LOOKUP_WILDCARD (exact table, load-balancing groups,
 * then the ranked wildcard chain).  The baselines do what a minimal stack
 * with the same semantics has to: the exact 4-tuple (a miss), then the
 * listener bound to (local address, port), then the one on (any, port) --
 * three hash lookups, the last one hitting.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#define WILD_PORT0 20000
#define WILD_LOOKUPS_PER_LISTENER 8

struct wild_wl {
	struct bench_ctx *cx;
	struct bench_lookups l;
	struct bench_readers *r;
	void *st[8];
};

static const char *wd_unsupported(void *wl, unsigned i)
{
	const struct bench_impl *im = bench_impls[i];

	(void)wl;
	return im->mode_unavailable ? im->mode_unavailable(BENCH_WILD) : NULL;
}

static int wd_job(void *wl, unsigned i, unsigned threads,
                  unsigned rep, struct bench_job *job)
{
	struct wild_wl *w = wl;

	(void)threads;
	return readers_job(w->r, i, w->st[i], rep, job);
}

static void wd_finish(void *wl, unsigned i, const struct bench_sample *s,
                      struct bench_result *r)
{
	struct wild_wl *w = wl;

	(void)i;
	(void)s;
	(void)readers_check(w->r, r);
}

static int run_wildcard(struct bench_ctx *cx)
{
	struct wild_wl w = { .cx = cx };
	struct bench_variant v = {
		.workload = "wildcard", .mode = "wild",
		.size = cx->wild_listeners, .wl = &w,
		.unsupported = wd_unsupported, .job = wd_job,
		.finish = wd_finish,
	};
	struct bench_table_spec spec = {
		.kind = BENCH_KIND_LISTEN, .capacity = cx->wild_listeners,
		.threads = cx->threads[cx->nthreads - 1], .seed = cx->seed,
	};
	size_t nl = cx->wild_listeners, i;
	struct bench_key *listeners = calloc(nl, sizeof(*listeners));
	uint64_t rng = cx->seed ^ 0x77696c64ull;
	int rc = -ENOMEM;

	w.l.n = nl * WILD_LOOKUPS_PER_LISTENER;
	w.l.keys = malloc(w.l.n * sizeof(*w.l.keys));
	w.l.expect = malloc(w.l.n * sizeof(*w.l.expect));
	if (listeners == NULL || w.l.keys == NULL || w.l.expect == NULL)
		goto out;
	for (i = 0; i < nl; i++)
		listeners[i].lport = htons((uint16_t)(WILD_PORT0 + i));
	for (i = 0; i < w.l.n; i++) {
		uint32_t j = (uint32_t)(bench_rand(&rng) % nl);

		bench_key_connected(cx->seed, i, &w.l.keys[i]);
		w.l.keys[i].laddr = bench_laddr((unsigned)bench_rand(&rng));
		w.l.keys[i].lport = listeners[j].lport;
		w.l.expect[i] = j;
	}
	bench_build_all(cx, "listeners", &spec, listeners, nl, w.st);
	w.r = readers_new(&w.l, BENCH_WILD, spec.threads, 0,
	                  cx->seed ^ 0x77696c64ull);
	rc = w.r != NULL ? bench_run_variant(cx, &v) : -ENOMEM;
	readers_delete(w.r);
	for (i = 0; i < bench_nimpls; i++)
		if (w.st[i] != NULL)
			bench_impls[i]->destroy(w.st[i]);
out:
	bench_lookups_free(&w.l);
	free(listeners);
	return rc;
}

const struct bench_workload bench_wl_wildcard = {
	.name = "wildcard",
	.what = "lookups that end at one of 10k wildcard TCP listeners",
	.shared = false,
	.run_own = run_wildcard,
};
