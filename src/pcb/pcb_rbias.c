/*
 * pcb_rbias.c - the reader rows of read-biased PCB locks (pcb_rbias.h):
 * claiming a row, biased holds and their release, and revocation.
 *
 * The calling thread's state is thread-local, as liburcu's reader state
 * is: which row it has in the last few tables it used, and the biased
 * holds it has now.  Hold i of the thread always uses slot i of its row
 * in that table, so finding a free slot is finding a free hold.  Nothing
 * thread-local points into a table unless the thread holds a PCB of that
 * table (which keeps the table alive); the cache of rows keeps table
 * addresses only to compare them and row numbers, re-checked against the
 * live table's owner field before use.
 */
#include "pcb/pcb_internal.h"
#include "base/rcu.h"

#include <linux/membarrier.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RB_CACHE 4      /* tables whose row a thread remembers */

struct rbias_hold {
	const struct inp_pcb *p;
	struct rbias_row *row;
	unsigned depth;         /* nested holds (a burst meeting p twice) */
};

struct rbias_self {
	struct {
		const struct rbias_table *t;    /* compared, never followed */
		unsigned row;
	} cache[RB_CACHE];
	unsigned next_cache;
	uint32_t used;                  /* bit i: hold[i] in use (32 = RB_SLOTS) */
	unsigned ticks;                 /* pcb_lock_bias_tick */
	struct rbias_hold hold[RB_SLOTS];
};

static __thread struct rbias_self rb_self;

_Static_assert(RB_SLOTS == 32, "rbias_self.used has one bit per slot");

static uintptr_t self_token(void)
{
	return (uintptr_t)&rb_self;
}

static int membarrier_call(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

struct rbias_table *rbias_table_new(unsigned reads)
{
	struct rbias_table *t;
	int cmds = membarrier_call(MEMBARRIER_CMD_QUERY);

	/* Registering is per process and idempotent (liburcu does it too). */
	if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) ||
	    membarrier_call(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0)
		return NULL;
	t = aligned_alloc(64, sizeof(*t));
	if (t == NULL)
		return NULL;
	memset(t, 0, sizeof(*t));
	atomic_init(&t->reads, reads);
	return t;
}

void rbias_table_free(struct rbias_table *t)
{
	free(t);
}

bool pcb_lock_bias_tick(unsigned lvl)
{
	return (rb_self.ticks++ & ((1u << lvl) - 1)) == 0;
}

/* Our row in t, claiming one the first time; NULL when all are taken. */
static struct rbias_row *row_claim(struct rbias_table *t)
{
	uintptr_t me = self_token(), none;
	unsigned r, n = atomic_load_explicit(&t->nrows, memory_order_acquire);

	for (r = 0; r < n; r++)         /* a thread that had one before */
		if (atomic_load_explicit(&t->rows[r].owner,
		                         memory_order_relaxed) == me)
			return &t->rows[r];
	for (r = 0; r < RB_ROWS; r++) {
		none = 0;
		if (atomic_compare_exchange_strong_explicit(
		        &t->rows[r].owner, &none, me, memory_order_relaxed,
		        memory_order_relaxed))
			break;
	}
	if (r == RB_ROWS)
		return NULL;
	/* Writers scan rows below nrows: raise it before the first use. */
	n = atomic_load_explicit(&t->nrows, memory_order_relaxed);
	while (n <= r && !atomic_compare_exchange_weak_explicit(
	                     &t->nrows, &n, r + 1, memory_order_release,
	                     memory_order_relaxed))
		;
	return &t->rows[r];
}

static struct rbias_row *row_of(struct rbias_table *t)
{
	struct rbias_self *s = &rb_self;
	struct rbias_row *row;
	unsigned i;

	for (i = 0; i < RB_CACHE; i++)
		if (s->cache[i].t == t &&
		    atomic_load_explicit(&t->rows[s->cache[i].row].owner,
		                         memory_order_relaxed) == self_token())
			return &t->rows[s->cache[i].row];
	row = row_claim(t);
	if (row != NULL) {
		i = s->next_cache++ % RB_CACHE;
		s->cache[i].t = t;
		s->cache[i].row = (unsigned)(row - t->rows);
	}
	return row;
}

bool rbias_enter(struct rbias_table *t, struct inp_pcb *p)
{
	struct rbias_self *s = &rb_self;
	struct rbias_row *row;
	unsigned i;
	uint32_t v;

	if (t == NULL || s->used == UINT32_MAX ||
	    (row = row_of(t)) == NULL)
		return false;
	i = (unsigned)__builtin_ctz(~s->used);
	atomic_store_explicit(&row->slot[i], p, memory_order_relaxed);
	/* No fence: the writer's membarrier orders this store (header). */
	atomic_signal_fence(memory_order_seq_cst);
	v = atomic_load_explicit(&p->lock, memory_order_acquire);
	if ((v & (LK_BIAS | LK_WRITER | LK_WWAIT | LK_DEAD)) != LK_BIAS) {
		atomic_store_explicit(&row->slot[i], NULL, memory_order_relaxed);
		return false;
	}
	s->hold[i] = (struct rbias_hold){ .p = p, .row = row, .depth = 1 };
	s->used |= 1u << i;
	return true;
}

static int hold_of(const struct inp_pcb *p)
{
	struct rbias_self *s = &rb_self;
	uint32_t m;
	int i;

	for (m = s->used; m != 0; m &= m - 1) {
		i = __builtin_ctz(m);
		if (s->hold[i].p == p)
			return i;
	}
	return -1;
}

bool rbias_exit(const struct inp_pcb *p)
{
	struct rbias_self *s = &rb_self;
	int i;

	if (s->used == 0 || (i = hold_of(p)) < 0)
		return false;
	if (--s->hold[i].depth > 0)
		return true;
	atomic_store_explicit(&s->hold[i].row->slot[i], NULL,
	                      memory_order_release);
	s->used &= ~(1u << i);
	return true;
}

bool rbias_again(const struct inp_pcb *p)
{
	int i;

	if (rb_self.used == 0 || (i = hold_of(p)) < 0)
		return false;
	rb_self.hold[i].depth++;
	return true;
}

bool rbias_holding(void)
{
	return rb_self.used != 0;
}

/* Is some row still naming p?  Acquire: their holds happened before. */
static bool readers_left(struct rbias_table *t, const struct inp_pcb *p)
{
	unsigned r, i, n = atomic_load_explicit(&t->nrows,
	                                        memory_order_acquire);

	for (r = 0; r < n; r++)
		for (i = 0; i < RB_SLOTS; i++)
			if (atomic_load_explicit(&t->rows[r].slot[i],
			                         memory_order_acquire) == p)
				return true;
	return false;
}

/*
 * Wait until no row names p.  An unbounded wait may be long (a reader
 * holds p across its own code), so after a short spin it yields, off
 * line under QSBR like any lock wait (rcu.h); a bounded one may run
 * inside a read-side section and only spins.
 */
static bool revoke_wait(struct rbias_table *t, const struct inp_pcb *p,
                        unsigned spins, bool bounded)
{
	bool offline = false, blocked = false;
	unsigned n;

	atomic_fetch_add_explicit(&t->revokes, 1, memory_order_relaxed);
	membarrier_call(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
	for (n = 0; readers_left(t, p); n++) {
		if (bounded && n >= spins)
			return false;
		if (bounded || n < 64) {
			pcb_cpu_relax();
			continue;
		}
		if (!blocked) {
			offline = rcu_glue_block_begin();
			blocked = true;
		}
		sched_yield();
	}
	if (blocked)
		rcu_glue_block_end(offline);
	return true;
}

void rbias_revoke(struct rbias_table *t, const struct inp_pcb *p)
{
	(void)revoke_wait(t, p, 0, false);
}

bool rbias_revoke_bounded(struct rbias_table *t, const struct inp_pcb *p,
                          unsigned spins)
{
	return revoke_wait(t, p, spins, true);
}
