/*
 * baseline_rwlock.c - baseline (a): the 2011 design.  One chained hash
 * table under one pthread rwlock: readers take it shared for each lookup,
 * writers exclusive.  The bucket count is the power of two at or above
 * the capacity (load factor at most 1), nodes are malloc'd one by one and
 * hold a copy of the key and the value.  No RCU, no per-entry lock: this
 * is the floor of what the library's locked lookup path costs, and the
 * rwlock's shared cache line is what limits it when threads are added.
 */
#include "bench.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct rw_node {
	struct rw_node *next;
	struct bench_key key;
	uint32_t value;
};

struct rw_table {
	pthread_rwlock_t lock;
	struct rw_node **heads;
	size_t mask;
	uint64_t seed;
};

static int rw_create(const struct bench_table_spec *spec, void **out)
{
	struct rw_table *t = calloc(1, sizeof(*t));
	size_t n = 64;

	if (t == NULL)
		return -ENOMEM;
	while (n < spec->capacity)
		n *= 2;
	t->heads = calloc(n, sizeof(*t->heads));
	if (t->heads == NULL) {
		free(t);
		return -ENOMEM;
	}
	t->mask = n - 1;
	t->seed = spec->seed;
	/* Default attributes, as the library's hash lock has. */
	pthread_rwlock_init(&t->lock, NULL);
	*out = t;
	return 0;
}

static void rw_destroy(void *st)
{
	struct rw_table *t = st;
	struct rw_node *n, *next;
	size_t i;

	for (i = 0; i <= t->mask; i++)
		for (n = t->heads[i]; n != NULL; n = next) {
			next = n->next;
			free(n);
		}
	pthread_rwlock_destroy(&t->lock);
	free(t->heads);
	free(t);
}

static struct rw_node **rw_bucket(struct rw_table *t, const struct bench_key *k)
{
	return &t->heads[bench_hash(k, t->seed) & t->mask];
}

static struct rw_node *rw_find(struct rw_table *t, const struct bench_key *k)
{
	struct rw_node *n;

	for (n = *rw_bucket(t, k); n != NULL; n = n->next)
		if (bench_key_eq(&n->key, k))
			return n;
	return NULL;
}

static int rw_insert(void *st, const struct bench_key *k, uint32_t value)
{
	struct rw_table *t = st;
	struct rw_node *n = malloc(sizeof(*n)), **b;

	if (n == NULL)
		return -ENOMEM;
	n->key = *k;
	n->value = value;
	pthread_rwlock_wrlock(&t->lock);
	if (rw_find(t, k) != NULL) {
		pthread_rwlock_unlock(&t->lock);
		free(n);
		return -EEXIST;
	}
	b = rw_bucket(t, k);
	n->next = *b;
	*b = n;
	pthread_rwlock_unlock(&t->lock);
	return 0;
}

static int rw_remove(void *st, const struct bench_key *k, uint32_t value)
{
	struct rw_table *t = st;
	struct rw_node **pp, *n;

	(void)value;
	pthread_rwlock_wrlock(&t->lock);
	for (pp = rw_bucket(t, k); (n = *pp) != NULL; pp = &n->next)
		if (bench_key_eq(&n->key, k)) {
			*pp = n->next;
			break;
		}
	pthread_rwlock_unlock(&t->lock);
	free(n);
	return n != NULL ? 0 : -ENOENT;
}

static bool rw_contains(void *st, const struct bench_key *k)
{
	struct rw_table *t = st;
	bool found;

	pthread_rwlock_rdlock(&t->lock);
	found = rw_find(t, k) != NULL;
	pthread_rwlock_unlock(&t->lock);
	return found;
}

static void found_add(struct bench_found *f, const struct rw_node *n)
{
	if (n != NULL) {
		f->hits++;
		f->sum += (uint64_t)n->value + 1;
	}
}

/* The listener steps of a wildcard lookup: (laddr, lport), (any, lport). */
static struct rw_node *rw_find_wild(struct rw_table *t,
                                    const struct bench_key *k)
{
	struct bench_key w = { .laddr = k->laddr, .lport = k->lport };
	struct rw_node *n = rw_find(t, k);

	if (n == NULL)
		n = rw_find(t, &w);
	if (n == NULL) {
		w.laddr = 0;
		n = rw_find(t, &w);
	}
	return n;
}

static void rw_lookup(void *st, const struct bench_key *keys,
                      const uint32_t *idx, size_t n, enum bench_mode mode,
                      struct bench_found *f)
{
	struct rw_table *t = st;
	size_t i, j, end;

	switch (mode) {
	case BENCH_SINGLE:
		for (i = 0; i < n; i++) {
			pthread_rwlock_rdlock(&t->lock);
			found_add(f, rw_find(t, &keys[idx[i]]));
			pthread_rwlock_unlock(&t->lock);
		}
		break;
	case BENCH_WILD:
		for (i = 0; i < n; i++) {
			pthread_rwlock_rdlock(&t->lock);
			found_add(f, rw_find_wild(t, &keys[idx[i]]));
			pthread_rwlock_unlock(&t->lock);
		}
		break;
	case BENCH_BURST_M:
		/* A burst takes the lock once for all of its keys. */
		for (i = 0; i < n; i = end) {
			end = i + BENCH_BURST < n ? i + BENCH_BURST : n;
			pthread_rwlock_rdlock(&t->lock);
			for (j = i; j < end; j++)
				found_add(f, rw_find(t, &keys[idx[j]]));
			pthread_rwlock_unlock(&t->lock);
		}
		break;
	}
}

static const char *rw_mode_unavailable(enum bench_mode mode)
{
	(void)mode;
	return NULL;
}

const struct bench_impl bench_impl_rwlock = {
	.name = "rwlock",
	.what = "chained table under one pthread rwlock (the 2011 design)",
	.baseline = true,
	.mode_unavailable = rw_mode_unavailable,
	.create = rw_create,
	.destroy = rw_destroy,
	.insert = rw_insert,
	.remove = rw_remove,
	.lookup = rw_lookup,
	.contains = rw_contains,
};
