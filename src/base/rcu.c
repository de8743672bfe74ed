/*
 * rcu.c - reader registration (include/inpcb/thread.h) and the liburcu
 * calls that must work from any thread (src/base/rcu.h).
 *
 * Registration is counted per thread so that nested users (a library
 * that wraps inpcb, a test fixture) can each register and unregister.
 * A thread the application already registered with the same liburcu
 * flavour is recognised and not registered twice (liburcu forbids it);
 * inp_thread_unregister() then leaves that registration alone.
 */
#include "base/rcu.h"

#include <inpcb/thread.h>

#include <errno.h>
#include <stdatomic.h>
#include <time.h>

#ifdef INPCB_TSAN
char rcu_glue_tsan_gp;
#endif

#ifdef INPCB_RCU_QSBR
#define FLAVOR_NAME "qsbr"
#define URCU_REGISTERED() (URCU_TLS(urcu_qsbr_reader).registered != 0)
#define URCU_ONLINE() (URCU_TLS(urcu_qsbr_reader).ctr != 0)
#define urcu_register urcu_qsbr_register_thread
#define urcu_unregister urcu_qsbr_unregister_thread
#define urcu_call urcu_qsbr_call_rcu
#define urcu_sync urcu_qsbr_synchronize_rcu
#else
#define FLAVOR_NAME "memb"
#define URCU_REGISTERED() (URCU_TLS(urcu_memb_reader).registered != 0)
#define URCU_ONLINE() URCU_REGISTERED()
#define urcu_register urcu_memb_register_thread
#define urcu_unregister urcu_memb_unregister_thread
#define urcu_call urcu_memb_call_rcu
#define urcu_sync urcu_memb_synchronize_rcu
#endif

/* inp_thread_register() calls not yet undone, and whether we registered. */
static __thread unsigned reg_depth;
static __thread bool reg_ours;

int inp_thread_register(void)
{
	if (reg_depth == 0) {
		reg_ours = !URCU_REGISTERED();
		if (reg_ours)
			urcu_register();
	}
	reg_depth++;
	return 0;
}

int inp_thread_unregister(void)
{
	if (reg_depth == 0)
		return -EPERM;
	if (--reg_depth == 0 && reg_ours) {
		reg_ours = false;
		urcu_unregister();
	}
	return 0;
}

bool inp_thread_registered(void)
{
	return rcu_glue_reader_ok();
}

const char *inp_thread_rcu_flavor(void)
{
	return FLAVOR_NAME;
}

void inp_thread_quiescent(void)
{
#ifdef INPCB_RCU_QSBR
	if (URCU_REGISTERED() && URCU_ONLINE())
		urcu_qsbr_quiescent_state();
#endif
}

void inp_thread_offline(void)
{
#ifdef INPCB_RCU_QSBR
	if (URCU_REGISTERED() && URCU_ONLINE())
		urcu_qsbr_thread_offline();
#endif
}

void inp_thread_online(void)
{
#ifdef INPCB_RCU_QSBR
	if (URCU_REGISTERED() && !URCU_ONLINE())
		urcu_qsbr_thread_online();
#endif
}

/*
 * Bring this thread into the state liburcu wants for call_rcu and
 * rcu_barrier (registered; QSBR: online), remembering what to undo.
 */
enum glue_state { GLUE_READY, GLUE_REGISTERED, GLUE_ONLINED };

static enum glue_state glue_enter(void)
{
	if (!URCU_REGISTERED()) {
		urcu_register();
		return GLUE_REGISTERED;
	}
#ifdef INPCB_RCU_QSBR
	if (!URCU_ONLINE()) {
		urcu_qsbr_thread_online();
		return GLUE_ONLINED;
	}
#endif
	return GLUE_READY;
}

static void glue_leave(enum glue_state st)
{
	if (st == GLUE_REGISTERED)
		urcu_unregister();
#ifdef INPCB_RCU_QSBR
	else if (st == GLUE_ONLINED)
		urcu_qsbr_thread_offline();
#endif
}

void rcu_glue_call(struct rcu_head *head, void (*fn)(struct rcu_head *))
{
	enum glue_state st = glue_enter();

	/* TSan: what this thread did comes before the callback, too. */
	RCU_GLUE_TSAN_RELEASE();
	urcu_call(head, fn);
	glue_leave(st);
}

void rcu_glue_synchronize(void)
{
	/* Needs no registration; QSBR takes a registered caller offline. */
	urcu_sync();
	RCU_GLUE_TSAN_ACQUIRE();
}

/*
 * rcu_barrier() by a marker: liburcu runs the callbacks of one call_rcu
 * worker in the order they were queued, and the library's callbacks all
 * go to the default worker, so when the marker has run, so has every
 * callback queued before it.  (liburcu's own rcu_barrier hands a
 * structure between threads by means ThreadSanitizer cannot see, which
 * made every table destruction a TSan report.)  The callbacks only free
 * memory, so this wait is about returning memory promptly, not about
 * safety: an application that moves callbacks to per-CPU workers only
 * makes it return early.
 */
struct barrier_mark {
	struct rcu_head head;
	_Atomic int done;
};

static void barrier_mark_cb(struct rcu_head *head)
{
	struct barrier_mark *m = caa_container_of(head, struct barrier_mark,
	                                          head);

	rcu_glue_cb_begin();
	RCU_GLUE_TSAN_RELEASE();
	atomic_store_explicit(&m->done, 1, memory_order_release);
}

void rcu_glue_barrier(void)
{
	struct barrier_mark m;
	struct timespec ts = { 0, 100000 };     /* 0.1 ms */

	bool offline;

	atomic_init(&m.done, 0);
	rcu_glue_call(&m.head, barrier_mark_cb);
	offline = rcu_glue_block_begin();   /* QSBR: do not hold up the GP */
	while (!atomic_load_explicit(&m.done, memory_order_acquire))
		nanosleep(&ts, NULL);
	rcu_glue_block_end(offline);
	RCU_GLUE_TSAN_ACQUIRE();
}

bool rcu_glue_block_begin(void)
{
#ifdef INPCB_RCU_QSBR
	if (URCU_REGISTERED() && URCU_ONLINE()) {
		urcu_qsbr_thread_offline();
		return true;
	}
#endif
	return false;
}

void rcu_glue_block_end(bool was_online)
{
#ifdef INPCB_RCU_QSBR
	if (was_online)
		urcu_qsbr_thread_online();
#else
	(void)was_online;
#endif
}
