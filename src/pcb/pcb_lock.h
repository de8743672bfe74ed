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
 *   bits 0-12  readers holding the lock through the word (at most 8191)
 *   LK_CNT     locked reads still to go before the PCB earns read bias
 *   LK_LVL     how often its bias was revoked (saturates at 7): each
 *              revocation doubles the reads the next bias costs
 *   LK_REVOKE  a writer took the bias away and waits for the biased
 *              readers to leave; writers wait for it, readers do not
 *   LK_NOBIAS  never biased (its table cannot revoke, pcb_rbias.h)
 *   LK_BIAS    read holds go through the readers' own rows (pcb_rbias.h)
 *   LK_DEAD    INP_F_DROPPED or INP_F_FREED is set (sticky; written by
 *              the write-lock holder, so stable under either lock mode)
 *   LK_WWAIT   a writer is waiting: new readers wait too (writers are not
 *              starved by a stream of lookups on a busy listener)
 *   LK_WRITER  held for writing
 *   LK_SLEEP   a thread sleeps in futex(2) on the word: unlock wakes all
 *
 * The bias bookkeeping rides in the atomic operations the lock takes
 * anyway: a locked read counts LK_CNT down and sets LK_BIAS at zero.  A
 * writer first trades LK_BIAS for LK_REVOKE (raising LK_LVL, refilling
 * LK_CNT), waits for the biased readers without holding the lock, clears
 * LK_REVOKE, and only then takes the write lock, which is never granted
 * while the word is biased or being revoked.  Holding LK_WRITER while
 * waiting for the readers would deadlock with a biased reader that waits
 * for another PCB's lock, which readers may do (pcb_rbias.c).
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

#define LK_RMASK   0x00001fffu
#define LK_CNT1    0x00002000u
#define LK_CNT     0x003fe000u  /* 9 bits */
#define LK_LVL1    0x00400000u
#define LK_LVL     0x01c00000u  /* 3 bits */
#define LK_REVOKE  0x02000000u
#define LK_NOBIAS  0x04000000u
#define LK_BIAS    0x08000000u
#define LK_DEAD    0x10000000u
#define LK_CNT_MAX (LK_CNT / LK_CNT1)
#define LK_WWAIT   0x20000000u
#define LK_WRITER  0x40000000u
#define LK_SLEEP   0x80000000u

typedef _Atomic uint32_t pcb_lock_t;

static inline void pcb_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * Out of line (pcb_lock.c): waiting and waking.  The write-lock calls
 * fail (false) when they find the word biased: the caller revokes the
 * bias (pcb_lock_take_bias below, the waiting in pcb_rbias.c) and tries
 * again.
 */
void pcb_lock_rd_slow(pcb_lock_t *w, bool bypass_wwait);
bool pcb_lock_wr_slow(pcb_lock_t *w);
/* FUTEX_WAKE every sleeper; the word is not touched (see unlock). */
void pcb_lock_wake(pcb_lock_t *w);
/* Bounded wait for the write lock: false when it stayed taken (or biased). */
bool pcb_lock_wr_timed(pcb_lock_t *w, unsigned spins);
/* Per-thread divider of the bias countdown at revocation level lvl. */
bool pcb_lock_bias_tick(unsigned lvl);

/* reads: locked reads before bias (0: never; at most LK_CNT_MAX). */
static inline void pcb_lock_init(pcb_lock_t *w, unsigned reads)
{
	if (reads == 0)
		atomic_init(w, LK_NOBIAS);
	else
		atomic_init(w, (reads < LK_CNT_MAX ? reads : LK_CNT_MAX) *
		                   LK_CNT1);
}

/* The word after one more locked read: the countdown to bias (top). */
static inline uint32_t lk_read_next(uint32_t v)
{
	unsigned lvl = (v & LK_LVL) / LK_LVL1;

	if (v & (LK_NOBIAS | LK_BIAS | LK_DEAD | LK_REVOKE))
		return v + 1;
	if (!(v & LK_CNT))
		return (v + 1) | LK_BIAS;
	if (lvl == 0 || pcb_lock_bias_tick(lvl))
		return v + 1 - LK_CNT1;
	return v + 1;
}

/* What keeps a writer out: holders, and a bias or its revocation. */
#define LK_WBLOCK (LK_WRITER | LK_RMASK | LK_BIAS | LK_REVOKE)

/*
 * A writer that finds the word biased trades LK_BIAS for LK_REVOKE:
 * true when this caller did (it must now wait for the biased readers,
 * then call pcb_lock_end_revoke), false when the word is not biased.
 */
static inline bool pcb_lock_take_bias(pcb_lock_t *w)
{
	uint32_t v = atomic_load_explicit(w, memory_order_relaxed), n;

	while ((v & (LK_BIAS | LK_REVOKE)) == LK_BIAS) {
		n = (v & ~LK_BIAS) | LK_REVOKE | LK_CNT;
		if ((n & LK_LVL) != LK_LVL)
			n += LK_LVL1;
		if (atomic_compare_exchange_weak_explicit(
		        w, &v, n, memory_order_acquire, memory_order_relaxed))
			return true;
	}
	return false;
}

/*
 * The biased readers are gone (or, rebias, the caller gave up waiting
 * and gives the bias back, so that the next writer revokes again): clear
 * LK_REVOKE and wake the writers that wait for it.
 */
static inline void pcb_lock_end_revoke(pcb_lock_t *w, bool rebias)
{
	uint32_t old = atomic_load_explicit(w, memory_order_relaxed), n;

	do {
		n = old & ~(LK_REVOKE | LK_SLEEP);
		if (rebias)
			n |= LK_BIAS;
	} while (!atomic_compare_exchange_weak_explicit(
	             w, &old, n, memory_order_release, memory_order_relaxed));
	if (old & LK_SLEEP)
		pcb_lock_wake(w);
}

static inline bool pcb_lock_tryrd(pcb_lock_t *w)
{
	uint32_t v = atomic_load_explicit(w, memory_order_relaxed);

	while (!(v & (LK_WRITER | LK_WWAIT)))
		if (atomic_compare_exchange_weak_explicit(
		        w, &v, lk_read_next(v), memory_order_acquire,
		        memory_order_relaxed))
			return true;
	return false;
}

static inline bool pcb_lock_trywr(pcb_lock_t *w)
{
	uint32_t v = atomic_load_explicit(w, memory_order_relaxed);

	while (!(v & LK_WBLOCK))
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

/* False when the word is biased: revoke, then call again. */
static inline bool pcb_lock_wr(pcb_lock_t *w)
{
	return pcb_lock_trywr(w) || pcb_lock_wr_slow(w);
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
