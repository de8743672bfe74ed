/*
 * pcb_lock.c - the waiting side of the PCB lock (pcb_lock.h): a short
 * spin, then sleep on the lock word with futex(2) until an unlock that
 * saw LK_SLEEP wakes every sleeper, which then compete again.
 *
 * A sleeper sets LK_SLEEP with a compare-and-swap against the value that
 * stopped it and passes that value to FUTEX_WAIT, so an unlock between
 * the two makes the wait return at once (no lost wake-up); the unlock
 * that sees LK_SLEEP clears it in its own atomic operation and wakes
 * everyone, who set it again if they must sleep again.  Under QSBR
 * the thread goes offline while it sleeps (rcu.h: a writer holding what
 * we wait for may itself wait for a grace period).
 */
#include "pcb/pcb_lock.h"
#include "base/rcu.h"

#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SPINS 128

/* Sleep while the word still reads v (with LK_SLEEP set by us). */
static void lock_sleep(pcb_lock_t *w, uint32_t v)
{
	bool offline;

	if (!(v & LK_SLEEP)) {
		if (!atomic_compare_exchange_strong_explicit(
		        w, &v, v | LK_SLEEP, memory_order_relaxed,
		        memory_order_relaxed))
			return;                /* changed: look again */
		v |= LK_SLEEP;
	}
	offline = rcu_glue_block_begin();
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_PRIVATE, v, NULL, NULL,
	        0);
	rcu_glue_block_end(offline);
}

void pcb_lock_wake(pcb_lock_t *w)
{
	/* A wake-up of memory already reused only wakes waiters that look
	 * at their word again; one already unmapped fails with EFAULT. */
	syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL,
	        NULL, 0);
}

void pcb_lock_rd_slow(pcb_lock_t *w, bool bypass_wwait)
{
	uint32_t stop = bypass_wwait ? LK_WRITER : (LK_WRITER | LK_WWAIT);
	unsigned spins = 0;
	uint32_t v;

	for (;;) {
		v = atomic_load_explicit(w, memory_order_relaxed);
		if (!(v & stop)) {
			if (atomic_compare_exchange_weak_explicit(
			        w, &v, lk_read_next(v), memory_order_acquire,
			        memory_order_relaxed))
				return;
			continue;
		}
		if (spins++ < SPINS) {
			pcb_cpu_relax();
			continue;
		}
		lock_sleep(w, v);
	}
}

/*
 * LK_WWAIT is set while we wait for readers (or a revocation) so that new
 * readers queue behind us; the winning writer clears it and another
 * waiting writer sets it again on its next round.  A biased word is not
 * ours to revoke here: false sends the caller to do it (pcb_lock.h).
 */
bool pcb_lock_wr_slow(pcb_lock_t *w)
{
	unsigned spins = 0;
	uint32_t v;

	for (;;) {
		v = atomic_load_explicit(w, memory_order_relaxed);
		if ((v & (LK_BIAS | LK_REVOKE)) == LK_BIAS)
			return false;
		if (!(v & LK_WBLOCK)) {
			if (atomic_compare_exchange_weak_explicit(
			        w, &v, (v | LK_WRITER) & ~LK_WWAIT,
			        memory_order_acquire, memory_order_relaxed))
				return true;
			continue;
		}
		if (!(v & LK_WWAIT)) {
			if (!atomic_compare_exchange_weak_explicit(
			        w, &v, v | LK_WWAIT, memory_order_relaxed,
			        memory_order_relaxed))
				continue;
			v |= LK_WWAIT;
		}
		if (spins++ < SPINS) {
			pcb_cpu_relax();
			continue;
		}
		lock_sleep(w, v);
	}
}

bool pcb_lock_wr_timed(pcb_lock_t *w, unsigned spins)
{
	unsigned i;

	for (i = 0; i < spins; i++) {
		if (pcb_lock_trywr(w))
			return true;
		if ((atomic_load_explicit(w, memory_order_relaxed) &
		     (LK_BIAS | LK_REVOKE)) == LK_BIAS)
			return false;
		if (i % 64 == 63)
			sched_yield();
		else
			pcb_cpu_relax();
	}
	return false;
}
