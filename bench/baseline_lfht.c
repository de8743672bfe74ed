/*
 * baseline_lfht.c - baseline (b): liburcu's lock-free resizable hash
 * table, cds_lfht, with the membarrier flavour of RCU (urcu-memb: readers
 * pay no memory barrier; writers use sys_membarrier).
 *
 * Readers take the RCU read lock around each lookup (around each burst in
 * burst mode), as an application calls it.  The table is created with the
 * bucket count at the capacity (power of two) and CDS_LFHT_AUTO_RESIZE, so
 * no resize happens while measuring.  Removed nodes are freed by call_rcu.
 * _LGPL_SOURCE is not defined: read_lock/unlock are calls into liburcu,
 * like cds_lfht_lookup itself, which is never inlined.
 */
#include "bench.h"

#include <errno.h>
#include <stdlib.h>

#include <urcu/urcu-memb.h>
#include <urcu/rculfhash.h>

struct lf_node {
	struct cds_lfht_node node;
	struct bench_key key;
	uint32_t value;
	struct rcu_head rcu;
};

struct lf_table {
	struct cds_lfht *ht;
	uint64_t seed;
};

/*
 * Whether this thread is an RCU reader already.  The bench's workers
 * register in thread_enter; the main thread, which builds and empties the
 * tables, registers on first use and leaves when the table goes.
 */
static _Thread_local bool registered;
static _Thread_local bool main_registered;

static void ensure_registered(void)
{
	if (!registered) {
		urcu_memb_register_thread();
		registered = true;
		main_registered = true;
	}
}

static int lf_match(struct cds_lfht_node *node, const void *key)
{
	const struct lf_node *n = caa_container_of(node, struct lf_node, node);

	return bench_key_eq(&n->key, key);
}

static int lf_create(const struct bench_table_spec *spec, void **out)
{
	struct lf_table *t = calloc(1, sizeof(*t));
	unsigned long n = 64;

	if (t == NULL)
		return -ENOMEM;
	while (n < spec->capacity)
		n *= 2;
	t->seed = spec->seed;
	t->ht = cds_lfht_new_flavor(n, 64, 0,
	                            CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
	                            &urcu_memb_flavor, NULL);
	if (t->ht == NULL) {
		free(t);
		return -ENOMEM;
	}
	ensure_registered();
	*out = t;
	return 0;
}

static void free_node_rcu(struct rcu_head *head)
{
	free(caa_container_of(head, struct lf_node, rcu));
}

static void lf_destroy(void *st)
{
	struct lf_table *t = st;
	struct cds_lfht_iter it;
	struct lf_node *n;

	ensure_registered();
	urcu_memb_read_lock();
	cds_lfht_for_each_entry(t->ht, &it, n, node) {
		if (cds_lfht_del(t->ht, &n->node) == 0)
			urcu_memb_call_rcu(&n->rcu, free_node_rcu);
	}
	urcu_memb_read_unlock();
	/* Run every pending free (ours and churn's) before the table goes. */
	urcu_memb_barrier();
	cds_lfht_destroy(t->ht, NULL);
	free(t);
	if (main_registered) {
		urcu_memb_unregister_thread();
		registered = main_registered = false;
	}
}

static int lf_insert(void *st, const struct bench_key *k, uint32_t value)
{
	struct lf_table *t = st;
	struct lf_node *n = malloc(sizeof(*n));
	struct cds_lfht_node *got;

	if (n == NULL)
		return -ENOMEM;
	ensure_registered();
	n->key = *k;
	n->value = value;
	cds_lfht_node_init(&n->node);
	urcu_memb_read_lock();
	got = cds_lfht_add_unique(t->ht, bench_hash(k, t->seed), lf_match, k,
	                          &n->node);
	urcu_memb_read_unlock();
	if (got != &n->node) {
		free(n);
		return -EEXIST;
	}
	return 0;
}

static struct lf_node *lf_find(struct lf_table *t, const struct bench_key *k)
{
	struct cds_lfht_iter it;
	struct cds_lfht_node *node;

	cds_lfht_lookup(t->ht, bench_hash(k, t->seed), lf_match, k, &it);
	node = cds_lfht_iter_get_node(&it);
	return node != NULL ? caa_container_of(node, struct lf_node, node)
	                    : NULL;
}

static int lf_remove(void *st, const struct bench_key *k, uint32_t value)
{
	struct lf_table *t = st;
	struct lf_node *n;
	int rc = -ENOENT;

	(void)value;
	ensure_registered();
	urcu_memb_read_lock();
	n = lf_find(t, k);
	if (n != NULL && cds_lfht_del(t->ht, &n->node) == 0) {
		urcu_memb_call_rcu(&n->rcu, free_node_rcu);
		rc = 0;
	}
	urcu_memb_read_unlock();
	return rc;
}

static bool lf_contains(void *st, const struct bench_key *k)
{
	struct lf_table *t = st;
	bool found;

	ensure_registered();
	urcu_memb_read_lock();
	found = lf_find(t, k) != NULL;
	urcu_memb_read_unlock();
	return found;
}

static void lf_thread_enter(void *st, unsigned tid, bool reader)
{
	(void)st;
	(void)tid;
	(void)reader;
	if (!registered) {
		urcu_memb_register_thread();
		registered = true;
	}
}

static void lf_thread_leave(void *st, unsigned tid, bool reader)
{
	(void)st;
	(void)tid;
	(void)reader;
	if (registered && !main_registered) {
		urcu_memb_unregister_thread();
		registered = false;
	}
}

static void found_add(struct bench_found *f, const struct lf_node *n)
{
	if (n != NULL) {
		f->hits++;
		f->sum += (uint64_t)n->value + 1;
	}
}

static struct lf_node *lf_find_wild(struct lf_table *t,
                                    const struct bench_key *k)
{
	struct bench_key w = { .laddr = k->laddr, .lport = k->lport };
	struct lf_node *n = lf_find(t, k);

	if (n == NULL)
		n = lf_find(t, &w);
	if (n == NULL) {
		w.laddr = 0;
		n = lf_find(t, &w);
	}
	return n;
}

static void lf_lookup(void *st, const struct bench_key *keys,
                      const uint32_t *idx, size_t n, enum bench_mode mode,
                      struct bench_found *f)
{
	struct lf_table *t = st;
	size_t i, j, end;

	switch (mode) {
	case BENCH_SINGLE:
		for (i = 0; i < n; i++) {
			urcu_memb_read_lock();
			found_add(f, lf_find(t, &keys[idx[i]]));
			urcu_memb_read_unlock();
		}
		break;
	case BENCH_WILD:
		for (i = 0; i < n; i++) {
			urcu_memb_read_lock();
			found_add(f, lf_find_wild(t, &keys[idx[i]]));
			urcu_memb_read_unlock();
		}
		break;
	case BENCH_BURST_M:
		for (i = 0; i < n; i = end) {
			end = i + BENCH_BURST < n ? i + BENCH_BURST : n;
			urcu_memb_read_lock();
			for (j = i; j < end; j++)
				found_add(f, lf_find(t, &keys[idx[j]]));
			urcu_memb_read_unlock();
		}
		break;
	}
}

static const char *lf_mode_unavailable(enum bench_mode mode)
{
	(void)mode;
	return NULL;
}

const struct bench_impl bench_impl_lfht = {
	.name = "lfht",
	.what = "liburcu cds_lfht (urcu-memb), read lock per lookup",
	.baseline = true,
	.mode_unavailable = lf_mode_unavailable,
	.create = lf_create,
	.destroy = lf_destroy,
	.insert = lf_insert,
	.remove = lf_remove,
	.thread_enter = lf_thread_enter,
	.thread_leave = lf_thread_leave,
	.lookup = lf_lookup,
	.contains = lf_contains,
};
