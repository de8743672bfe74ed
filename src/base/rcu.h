/*
 * rcu.h - the library's glue to userspace RCU (liburcu): which flavour,
 * how a thread is known to be a registered reader, deferred frees and
 * grace-period waits that work from any thread, and the annotations that
 * let ThreadSanitizer see what a grace period orders (spec RC-12, RC-17,
 * RC-19, design.md "Concurrency model").
 *
 * Flavour: memb (liburcu-memb, sys_membarrier) by default; the build
 * option INPCB_RCU=qsbr selects liburcu-qsbr for poll-mode users, whose
 * read-side sections cost nothing but whose threads must report
 * quiescent states (include/inpcb/thread.h).  Everything outside this
 * header and rcu.c is flavour-neutral.
 *
 * liburcu is used through function calls (no _LGPL_SOURCE): the only
 * thing taken from its static headers is the layout of the per-thread
 * reader record, to ask whether this thread is registered, which the
 * LGPL allows as a data structure layout.
 *
 * ThreadSanitizer does not understand membarrier or liburcu's futexes, so
 * it cannot see that a grace period orders every reader's section before
 * the callback that frees what the readers looked at.  Under TSan a
 * section's end is a release and a callback's start (or the return of a
 * grace-period wait) an acquire on one sync object; that is exactly the
 * happens-before edge RCU guarantees.  call_rcu() is a release too (TSan
 * does not see liburcu's callback queue either).  Nothing of it exists in
 * other builds.
 */
#ifndef INPCB_BASE_RCU_H
#define INPCB_BASE_RCU_H

#include <stdatomic.h>
#include <stdbool.h>

#ifdef INPCB_RCU_QSBR
#include <urcu/urcu-qsbr.h>
#include <urcu/static/urcu-qsbr.h>   /* struct urcu_qsbr_reader only */
#else
#include <urcu/urcu-memb.h>
#include <urcu/static/urcu-memb.h>   /* struct urcu_reader only */
#endif

#if defined(__SANITIZE_THREAD__)
#define INPCB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define INPCB_TSAN 1
#endif
#endif

#ifdef INPCB_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char rcu_glue_tsan_gp;        /* the one sync object, rcu.c */
#define RCU_GLUE_TSAN_RELEASE() __tsan_release(&rcu_glue_tsan_gp)
#define RCU_GLUE_TSAN_ACQUIRE() __tsan_acquire(&rcu_glue_tsan_gp)
#else
#define RCU_GLUE_TSAN_RELEASE() ((void)0)
#define RCU_GLUE_TSAN_ACQUIRE() ((void)0)
#endif

/*
 * Fences of the seqcount that brackets PCB moves (pcb_hash.c,
 * pcb_lookup_rcu.c).  GCC refuses atomic_thread_fence under TSan, which
 * does not model fences anyway; TSan builds get a compiler barrier and
 * seq_cst accesses on the count instead (on x86, where TSan runs, the
 * acquire and release fences compile to compiler barriers as well).
 */
#ifdef INPCB_TSAN
#define RCU_GLUE_FENCE_ACQ() atomic_signal_fence(memory_order_seq_cst)
#define RCU_GLUE_FENCE_REL() atomic_signal_fence(memory_order_seq_cst)
#define RCU_GLUE_SEQ_ORDER memory_order_seq_cst
#else
#define RCU_GLUE_FENCE_ACQ() atomic_thread_fence(memory_order_acquire)
#define RCU_GLUE_FENCE_REL() atomic_thread_fence(memory_order_release)
#define RCU_GLUE_SEQ_ORDER memory_order_relaxed
#endif

/*
 * Whether this thread may enter a read-side section: registered with the
 * flavour (by inp_thread_register() or by the application itself) and,
 * for QSBR, online.  A thread that may not is served by the serialised
 * lookup instead (pcb_lookup.c), which needs no RCU.
 */
static inline bool rcu_glue_reader_ok(void)
{
#ifdef INPCB_RCU_QSBR
	return URCU_TLS(urcu_qsbr_reader).registered &&
	       URCU_TLS(urcu_qsbr_reader).ctr != 0;
#else
	return URCU_TLS(urcu_memb_reader).registered;
#endif
}

static inline void rcu_glue_read_lock(void)
{
#ifdef INPCB_RCU_QSBR
	urcu_qsbr_read_lock();
#else
	urcu_memb_read_lock();
#endif
}

static inline void rcu_glue_read_unlock(void)
{
	RCU_GLUE_TSAN_RELEASE();    /* before the section really ends */
#ifdef INPCB_RCU_QSBR
	urcu_qsbr_read_unlock();
#else
	urcu_memb_read_unlock();
#endif
}

/* First thing in every RCU callback of the library (TSan: see above). */
static inline void rcu_glue_cb_begin(void)
{
	RCU_GLUE_TSAN_ACQUIRE();
}

/*
 * call_rcu() from any thread: liburcu wants the caller registered (and
 * online for QSBR), which a thread closing a socket need not be; such a
 * thread is registered (or brought online) for the duration of the call.
 */
void rcu_glue_call(struct rcu_head *head, void (*fn)(struct rcu_head *));

/*
 * synchronize_rcu() from any thread that is not inside a read-side
 * section (the library never calls it from one).
 */
void rcu_glue_synchronize(void);

/*
 * rcu_barrier(): every callback the library queued so far has run (see
 * rcu.c for how).  Not from a read-side section or a callback.
 */
void rcu_glue_barrier(void);

/*
 * QSBR: a thread that is about to block on a lock must not hold up grace
 * periods meanwhile (a writer may wait for one while holding the lock we
 * block on).  begin returns whether the thread went offline; pass it to
 * end.  No-ops for memb.
 */
bool rcu_glue_block_begin(void);
void rcu_glue_block_end(bool was_online);

#endif
