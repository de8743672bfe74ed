/*
 * baseline_rtehash.c - baseline (c): DPDK's rte_hash (cuckoo hashing,
 * 8-entry buckets, signatures; its default hash function, CRC32 where the
 * CPU has SSE4.2), single lookups (rte_hash_lookup_data) and bulk lookups
 * of BENCH_BURST keys (rte_hash_lookup_bulk_data).
 *
 * Built only when pkg-config finds libdpdk (CMake option INPCB_DPDK), in
 * its own object library because it needs DPDK's compiler flags.  The EAL
 * is started once, lazily, without hugepages, PCI or shared files on one
 * lcore: --no-huge --no-pci -m MB --no-shconf -l 0 --no-telemetry.
 * (--in-memory is refused together with --no-huge by DPDK 22.11: "Option
 * --legacy-mem is not compatible with --in-memory".)  rte_eal_init pins the
 * calling thread to lcore 0's CPU; the bench gives it its CPU set back, so
 * that the measuring threads it creates later run on every CPU.
 *
 * Tables by workload:
 *  - read-only lookups: default flags (concurrent readers are safe
 *    without writers);
 *  - churn (a writer while readers look up): RW_CONCURRENCY_LF with the
 *    integrated RCU (rte_hash_rcu_qsbr_add, defer-queue mode): readers
 *    register with a QSBR variable and report a quiescent state after
 *    every batch, deleted slots are reclaimed when they have;
 *  - several writers at once (bind storm): writes go through a mutex in
 *    this wrapper; rte_hash's own multi-writer mode keeps per-lcore caches
 *    and the bench's threads are not EAL lcores.
 * EXT_TABLE is always on so that every key fits at any load.
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

struct rh_table {
	struct rte_hash *h;
	struct rte_rcu_qsbr *qsv;       /* churn tables only */
	bool locked_writes;
	pthread_mutex_t wlock;
};

#define RECLAIM_TRIES 1000000   /* sched_yield()s, seconds in all */

static enum { EAL_UNTRIED, EAL_UP, EAL_FAILED } eal_state;
static char eal_why[160];
static unsigned table_seq;

/* Memory for the EAL heap: tables of up to max_capacity entries. */
static unsigned eal_megabytes(size_t max_capacity)
{
	/* About 160 bytes per entry with the 1.25 slack, buckets, ext table,
	 * free-slot ring and defer queue; plus room for the EAL itself. */
	size_t mb = 256 + max_capacity * 160 / (1024 * 1024);

	return mb > 65536 ? 65536 : (unsigned)mb;
}

static int rh_prepare(size_t max_capacity, unsigned max_threads)
{
	char mem[16];
	char *argv[] = { "inpcb-bench", "--no-huge", "--no-pci", "-m", mem,
	                 "--no-shconf", "-l", "0", "--no-telemetry",
	                 "--log-level=error", NULL };
	cpu_set_t cpus;
	bool have_cpus;

	(void)max_threads;
	if (eal_state != EAL_UNTRIED)
		return eal_state == EAL_UP ? 0 : -ENODEV;
	snprintf(mem, sizeof(mem), "%u", eal_megabytes(max_capacity));
	have_cpus = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		snprintf(eal_why, sizeof(eal_why), "EAL did not start: %s",
		         rte_strerror(rte_errno));
		eal_state = EAL_FAILED;
		return -ENODEV;
	}
	if (have_cpus)
		sched_setaffinity(0, sizeof(cpus), &cpus);
	eal_state = EAL_UP;
	return 0;
}

static void rh_shutdown(void)
{
	if (eal_state == EAL_UP)
		rte_eal_cleanup();
	eal_state = EAL_FAILED;
	snprintf(eal_why, sizeof(eal_why), "EAL stopped");
}

static const char *rh_unavailable(void)
{
	return eal_state == EAL_FAILED ? eal_why : NULL;
}

static void rh_free(struct rh_table *t)
{
	if (t->h != NULL)
		rte_hash_free(t->h);
	rte_free(t->qsv);
	if (t->locked_writes)
		pthread_mutex_destroy(&t->wlock);
	free(t);
}

static int rh_create(const struct bench_table_spec *spec, void **out)
{
	struct rte_hash_parameters p = { 0 };
	struct rh_table *t;
	char name[RTE_HASH_NAMESIZE];
	size_t entries = spec->capacity + spec->capacity / 4;

	if (rh_prepare(spec->capacity, spec->threads) != 0)
		return -ENODEV;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	snprintf(name, sizeof(name), "inpcb_bench_%u", table_seq++);
	p.name = name;
	p.entries = (uint32_t)(entries < 64 ? 64 : entries);
	p.key_len = sizeof(struct bench_key);
	p.hash_func = NULL;                       /* DPDK's default */
	p.hash_func_init_val = (uint32_t)spec->seed;
	p.socket_id = SOCKET_ID_ANY;
	p.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	if (spec->concurrent_writes)
		p.extra_flag |= RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	t->h = rte_hash_create(&p);
	if (t->h == NULL) {
		rh_free(t);
		return -ENOMEM;
	}
	if (spec->concurrent_writes) {
		struct rte_hash_rcu_config rc = { 0 };
		uint32_t nthr = spec->threads ? spec->threads : 1;
		size_t sz = rte_rcu_qsbr_get_memsize(nthr);

		t->qsv = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
		if (t->qsv == NULL || rte_rcu_qsbr_init(t->qsv, nthr) != 0) {
			rh_free(t);
			return -ENOMEM;
		}
		rc.v = t->qsv;
		rc.mode = RTE_HASH_QSBR_MODE_DQ;
		if (rte_hash_rcu_qsbr_add(t->h, &rc) != 0) {
			rh_free(t);
			return -ENOMEM;
		}
	}
	if (spec->parallel_writers) {
		t->locked_writes = true;
		pthread_mutex_init(&t->wlock, NULL);
	}
	*out = t;
	return 0;
}

static void rh_destroy(void *st)
{
	rh_free(st);
}

static void wlock(struct rh_table *t)
{
	if (t->locked_writes)
		pthread_mutex_lock(&t->wlock);
}

static void wunlock(struct rh_table *t)
{
	if (t->locked_writes)
		pthread_mutex_unlock(&t->wlock);
}

static int rh_insert(void *st, const struct bench_key *k, uint32_t value)
{
	struct rh_table *t = st;
	unsigned tries;
	int rc;

	wlock(t);
	/* rte_hash_add replaces an existing key; bind semantics refuse. */
	if (rte_hash_lookup(t->h, k) >= 0) {
		rc = -EEXIST;
	} else {
		rc = rte_hash_add_key_data(t->h, k,
		                           (void *)(uintptr_t)value);
		/*
		 * With RCU reclamation, deleted slots come back only once
		 * every reader has reported a quiescent state; a reader that
		 * the scheduler put aside leaves the writer without slots.
		 * Wait for it, as a blocking synchronize would.
		 */
		for (tries = 0; rc == -ENOSPC && t->qsv != NULL &&
		                tries < RECLAIM_TRIES; tries++) {
			sched_yield();
			rc = rte_hash_add_key_data(t->h, k,
			                           (void *)(uintptr_t)value);
		}
	}
	wunlock(t);
	return rc;
}

static int rh_remove(void *st, const struct bench_key *k, uint32_t value)
{
	struct rh_table *t = st;
	int32_t rc;

	(void)value;
	wlock(t);
	rc = rte_hash_del_key(t->h, k);
	wunlock(t);
	return rc >= 0 ? 0 : rc;
}

static bool rh_contains(void *st, const struct bench_key *k)
{
	struct rh_table *t = st;
	bool found;

	wlock(t);
	found = rte_hash_lookup(t->h, k) >= 0;
	wunlock(t);
	return found;
}

static void rh_thread_enter(void *st, unsigned tid, bool reader)
{
	struct rh_table *t = st;

	if (t->qsv != NULL && reader) {
		rte_rcu_qsbr_thread_register(t->qsv, tid);
		rte_rcu_qsbr_thread_online(t->qsv, tid);
	}
}

static void rh_thread_leave(void *st, unsigned tid, bool reader)
{
	struct rh_table *t = st;

	if (t->qsv != NULL && reader) {
		rte_rcu_qsbr_thread_offline(t->qsv, tid);
		rte_rcu_qsbr_thread_unregister(t->qsv, tid);
	}
}

static void rh_quiescent(void *st, unsigned tid)
{
	struct rh_table *t = st;

	if (t->qsv != NULL)
		rte_rcu_qsbr_quiescent(t->qsv, tid);
}

static void found_add(struct bench_found *f, int32_t pos, void *data)
{
	if (pos >= 0) {
		f->hits++;
		f->sum += (uint64_t)(uintptr_t)data + 1;
	}
}

static int32_t lookup_wild(struct rte_hash *h, const struct bench_key *k,
                           void **data)
{
	struct bench_key w = { .laddr = k->laddr, .lport = k->lport };
	int32_t pos = rte_hash_lookup_data(h, k, data);

	if (pos < 0)
		pos = rte_hash_lookup_data(h, &w, data);
	if (pos < 0) {
		w.laddr = 0;
		pos = rte_hash_lookup_data(h, &w, data);
	}
	return pos;
}

static void rh_lookup(void *st, const struct bench_key *keys,
                      const uint32_t *idx, size_t n, enum bench_mode mode,
                      struct bench_found *f)
{
	struct rh_table *t = st;
	const void *kp[BENCH_BURST];
	void *data[BENCH_BURST];
	uint64_t hit_mask;
	size_t i, j, m;
	void *d;

	switch (mode) {
	case BENCH_SINGLE:
		for (i = 0; i < n; i++) {
			int32_t pos = rte_hash_lookup_data(t->h, &keys[idx[i]],
			                                   &d);
			found_add(f, pos, d);
		}
		break;
	case BENCH_WILD:
		for (i = 0; i < n; i++) {
			int32_t pos = lookup_wild(t->h, &keys[idx[i]], &d);

			found_add(f, pos, d);
		}
		break;
	case BENCH_BURST_M:
		for (i = 0; i < n; i += m) {
			m = n - i < BENCH_BURST ? n - i : BENCH_BURST;
			for (j = 0; j < m; j++)
				kp[j] = &keys[idx[i + j]];
			hit_mask = 0;
			rte_hash_lookup_bulk_data(t->h, kp, (uint32_t)m,
			                          &hit_mask, data);
			for (j = 0; j < m; j++)
				if (hit_mask & (1ull << j))
					found_add(f, 0, data[j]);
		}
		break;
	}
}

static const char *rh_mode_unavailable(enum bench_mode mode)
{
	(void)mode;
	return NULL;
}

const struct bench_impl bench_impl_rtehash = {
	.name = "rte_hash",
	.what = "DPDK rte_hash: single lookups; bulk-32 in burst mode",
	.baseline = true,
	.writer_table = true,
	.unavailable = rh_unavailable,
	.mode_unavailable = rh_mode_unavailable,
	.prepare = rh_prepare,
	.shutdown = rh_shutdown,
	.create = rh_create,
	.destroy = rh_destroy,
	.insert = rh_insert,
	.remove = rh_remove,
	.thread_enter = rh_thread_enter,
	.thread_leave = rh_thread_leave,
	.quiescent = rh_quiescent,
	.lookup = rh_lookup,
	.contains = rh_contains,
};
