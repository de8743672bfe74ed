/*
 * pcb_rbias.h - read-biased PCB locks: read holds that write nothing
 * shared, for PCBs that are looked up far more often than written.
 * Private to src/pcb.
 *
 * Why: a read lock taken with an atomic read-modify-write costs about
 * 12 ns here on its own and, worse, makes every thread that looks up the
 * same hot PCB (a busy listener, a UDP server socket) write the same cache
 * line: two threads on 1k PCBs ran at half the rate of one.  FreeBSD
 * answers this for read-mostly kernel data with rmlock(9), Linux with
 * percpu-rwsem, userspace with BRAVO: readers announce themselves in
 * memory of their own, and a writer, which is rare, pays for finding them.
 *
 * How:
 * - Each pcbinfo has a table of reader rows; a thread claims one row per
 *   table the first time it takes a biased hold there and keeps it (its
 *   token is the address of its thread-local state, unique while it
 *   lives).  A row has RB_SLOTS slots, each naming one PCB the thread
 *   holds, with a nesting depth known to the thread only.
 * - A PCB's lock word carries LK_BIAS (pcb_lock.h) once it has earned it:
 *   a run of locked reads without a write.  A biased read hold is then:
 *   store the PCB in a free slot of our row (a plain store), compiler
 *   barrier, load the lock word; if it still says "biased, no writer,
 *   not dead" we hold it, else clear the slot and take the word lock.
 *   Release is one store of NULL.
 * - A writer that finds the word biased trades LK_BIAS for LK_REVOKE in
 *   one atomic operation, runs membarrier(2)
 *   (MEMBARRIER_CMD_PRIVATE_EXPEDITED), which makes every thread of the
 *   process execute a full memory barrier, waits until no row names the
 *   PCB, clears LK_REVOKE, and only then takes the write lock (pcb_lock.h:
 *   it holds nothing while it waits, since a biased reader may itself
 *   wait for another PCB's lock).  After the barrier a reader's slot store
 *   is visible to the writer, or the reader's load of the word comes
 *   after the writer's and sees the writer: the Dekker pattern with the
 *   barrier taken off the read side, as urcu-memb does for its readers.
 * - Revocation costs a membarrier (1-15 us on this machine), so bias is
 *   earned again only after twice as many reads as the last time (the
 *   level in the word), and a table whose kernel lacks the call never
 *   biases anything.
 *
 * ThreadSanitizer sees the edges it needs without knowing membarrier: a
 * biased reader acquires the word (seeing the last writer's release) and
 * releases its slot; a writer acquires the slot it finds empty.
 */
#ifndef INPCB_PCB_RBIAS_H
#define INPCB_PCB_RBIAS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct inp_pcb;

#define RB_SLOTS 32     /* biased holds per thread at once: a full burst */
#define RB_ROWS  64     /* threads per table with a row; more: word lock */

struct rbias_row {
	struct inp_pcb *_Atomic slot[RB_SLOTS];   /* writers scan these */
	_Atomic uintptr_t owner;                  /* token of the thread */
} __attribute__((aligned(64)));

struct rbias_table {
	_Atomic unsigned nrows;         /* rows ever claimed: writers scan them */
	_Atomic unsigned reads;         /* locked reads to earn bias; 0: never */
	_Atomic uint64_t revokes;       /* revocations (statistics) */
	struct rbias_row rows[RB_ROWS];
};

/* NULL when the kernel has no private expedited membarrier. */
struct rbias_table *rbias_table_new(unsigned reads);
void rbias_table_free(struct rbias_table *t);

/*
 * A biased read hold on p, whose word showed LK_BIAS without a writer:
 * true when held (release with rbias_exit), false when the caller must
 * take the word lock.
 */
bool rbias_enter(struct rbias_table *t, struct inp_pcb *p);
/* Release a hold rbias_enter took: false when the thread had none on p. */
bool rbias_exit(const struct inp_pcb *p);
/* A second hold on p by a thread holding a biased one: false if none. */
bool rbias_again(const struct inp_pcb *p);
/* Does the calling thread hold any biased hold (cheap)? */
bool rbias_holding(void);

/*
 * Writer, after pcb_lock_take_bias: make every biased reader of p
 * visible and wait for them to leave.  The bounded form gives up after
 * `spins` looks (false); the caller then gives the bias back.
 */
void rbias_revoke(struct rbias_table *t, const struct inp_pcb *p);
bool rbias_revoke_bounded(struct rbias_table *t, const struct inp_pcb *p,
                          unsigned spins);

#endif
