/*
 * pcb_lock.h - the PCB lock: a reader/writer lock in one 32-bit word
 * (spec LK-3, RC-18).  Private to the library.
 *
 * Why not pthread_rwlock_t: it is 56 bytes, which would fill the cache
 * line a lookup reads (the 4-tuple, the chain link and the lock must share
 * one line, pcb_internal.h), and it cannot carry the "dead" mark that lets
 * a lockless lookup refuse a dropped or freed PCB without reading its
 * flags (another line).  Cost is the same: one atomic read-modify-write
 * to lock, one to unlock.
 *
 * The word:
 *   bits 0-27  readers holding the lock
 *   LK_DEAD    INP_F_DROPPED or INP_F_FREED is set (sticky; written by
 *              the write-lock holder, so stable under either lock mode)
 *   LK_WWAIT   a writer is waiting: new readers wait too (writers are not
 *              starved by a stream of lookups on a busy listener)
 *   LK_WRITER  held for writing
 *   LK_SLEEP   a thread sleeps in futex(2) on the word: unlock wakes all
 *
 * Every access is a C11 atomic with acquire (lock) / release (unlock)
 * ordering, so ThreadSanitizer sees the lock's happens-before edges
 * without annotations.  Waiters spin briefly, then sleep on the word with
 * FUTEX_WAIT_PRIVATE (the word is never shared between processes).  Not
 * recursive, like the rwlock it replaces: a thread must not lock a PCB
 * it already holds (the burst lookup, which may meet one PCB twice,
 * handles that itself).
 */
#ifndef INPCB_PCB_LOCK_H
#define INPCB_PCB_LOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define LK_RMASK   0x0fffffffu
#define LK_DEAD    0x10000000u
#define LK_WWAIT   0x20000000u
#define LK_WRITER  0x40000000u
#define LK_SLEEP   0x80000000u

typedef _Atomic uint32_t pcb_lock_t;

/* Out of line (pcb_lock.c): waiting and waking. */
void pcb_lock_rd_slow(pcb_lock_t *w, bool bypass_wwait);
void pcb_lock_wr_slow(pcb_lock_t *w);
/* FUTEX_WAKE every sleeper; the word is not touched (see unlock). */
void pcb_lock_wake(pcb_lock_t *w);
/* Bounded wait for the write lock: false when it stayed taken. */
bool pcb_lock_wr_timed(pcb_lock_t *w, unsigned spins);

static inline void pcb_lock_init(pcb_lock_t *w)
{
	atomic_init(w, 0);
}

static inline bool pcb_lock_tryrd(pcb_lock_t *w)
{
	uint32_t v = atomic_load_explicit(w, memory_order_relaxed);

	while (!(v & (LK_WRITER | LK_WWAIT)))
		if (atomic_compare_exchange_weak_explicit(
		        w, &v, v + 1, memory_order_acquire,
		        memory_order_relaxed))
			return true;
	return false;
}

static inline bool pcb_lock_trywr(pcb_lock_t *w)
{
	uint32_t v = atomic_load_explicit(w, memory_order_relaxed);

	while (!(v & (LK_WRITER | LK_RMASK)))
		if (atomic_compare_exchange_weak_explicit(
		        w, &v, (v | LK_WRITER) & ~LK_WWAIT,
		        memory_order_acquire, memory_order_relaxed))
			return true;
	return false;
}

static inline void pcb_lock_rd(pcb_lock_t *w)
{
	if (!pcb_lock_tryrd(w))
		pcb_lock_rd_slow(w, false);
}

static inline void pcb_lock_wr(pcb_lock_t *w)
{
	if (!pcb_lock_trywr(w))
		pcb_lock_wr_slow(w);
}

/*
 * A second read hold by a thread that already holds one: never waits
 * (a waiting writer waits for both holds to go).
 */
static inline void pcb_lock_rd_again(pcb_lock_t *w)
{
	atomic_fetch_add_explicit(w, 1, memory_order_acquire);
}

/*
 * Unlocking never touches the word after the release: the same atomic
 * operation that lets the lock go clears LK_SLEEP, and only the futex
 * wake-up (a system call on the address, not a memory access) follows.
 * The moment the lock is free, another thread may take it, find the PCB
 * freed and drop the last reference, and the memory may then go with
 * the next grace period, which does not wait for us.
 */
static inline void pcb_lock_rdunlock(pcb_lock_t *w)
{
	uint32_t old = atomic_load_explicit(w, memory_order_relaxed), new;

	do {
		new = old - 1;
		if ((old & LK_RMASK) == 1)
			new &= ~LK_SLEEP;
	} while (!atomic_compare_exchange_weak_explicit(
	             w, &old, new, memory_order_release,
	             memory_order_relaxed));
	if ((old & LK_SLEEP) && (old & LK_RMASK) == 1)
		pcb_lock_wake(w);
}

static inline void pcb_lock_wrunlock(pcb_lock_t *w)
{
	uint32_t old = atomic_fetch_and_explicit(w, ~(LK_WRITER | LK_SLEEP),
	                                         memory_order_release);

	if (old & LK_SLEEP)
		pcb_lock_wake(w);
}

/* Unlock whichever mode the caller holds (the seed's INP_UNLOCK). */
static inline void pcb_lock_unlock(pcb_lock_t *w)
{
	if (atomic_load_explicit(w, memory_order_relaxed) & LK_WRITER)
		pcb_lock_wrunlock(w);
	else
		pcb_lock_rdunlock(w);
}

/* Write-lock holder only: mark the PCB dropped or freed (LK_DEAD). */
static inline void pcb_lock_mark_dead(pcb_lock_t *w)
{
	atomic_fetch_or_explicit(w, LK_DEAD, memory_order_relaxed);
}

static inline bool pcb_lock_dead(const pcb_lock_t *w)
{
	return (atomic_load_explicit(w, memory_order_relaxed) & LK_DEAD) != 0;
}

/* Whether the word says "held for writing" (tests and assertions). */
static inline bool pcb_lock_wheld(const pcb_lock_t *w)
{
	return (atomic_load_explicit(w, memory_order_relaxed) & LK_WRITER) != 0;
}

#endif
