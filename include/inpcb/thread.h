/*
 * inpcb/thread.h - threads that look up PCBs (spec RC-17..RC-19, design.md
 * "Every thread that looks up registers with RCU").
 *
 * Lookups -- inp_pcb_lookup(), inp_pcb_lookup_burst() and every call that
 * delivers a packet (inp_udp_input(), inp_ip_input(), the drivers) -- walk
 * the PCB tables without taking a table lock, inside a read-side section
 * of userspace RCU (liburcu; the memb flavour unless the library was
 * built with INPCB_RCU=qsbr, see inp_thread_rcu_flavor()).  A thread
 * takes that lockless path only once it is registered:
 *
 *   inp_thread_register();       before the thread's first lookup
 *   ... lookups, deliveries ...
 *   inp_thread_unregister();     before the thread exits
 *
 * A thread that read-locks a read-biased PCB (docs/architecture.md,
 * "Read bias"), registered or not, gets a row of its own in that PCB
 * table, kept for the table's life (a thread that reuses a finished
 * thread's memory reuses its row); a table has 64 rows, and threads
 * beyond them take the ordinary PCB lock: the same contract, with a
 * shared write per read lock.
 *
 * Unregistered threads are detected, not refused: their lookups take the
 * serialised path (the table mutex, then the PCB lock), which gives the
 * same answers and the same locking contract, only slower and contended
 * with bind/connect/close.  inp_thread_registered() tells which path a
 * thread is on.  Other calls (sockets, configuration, listings) need no
 * registration.
 *
 * A thread already registered with the same liburcu flavour by the
 * application (urcu_memb_register_thread()) is recognised: it takes the
 * lockless path, inp_thread_register() does not register it twice and
 * inp_thread_unregister() leaves its registration alone.
 *
 * QSBR builds: a registered thread is "online" and must call
 * inp_thread_quiescent() regularly (once per poll loop) while it holds no
 * pointer obtained from a lookup without a lock or reference, and must
 * call inp_thread_offline() before blocking outside the library (and
 * inp_thread_online() after); otherwise freed PCBs are never reclaimed
 * and a close() that waits for readers waits for ever.  The library goes
 * offline by itself while it blocks on a lock.  In memb builds these
 * three calls do nothing.
 */
#ifndef INPCB_THREAD_H
#define INPCB_THREAD_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Register the calling thread as a lockless reader; nests.  Returns 0. */
int inp_thread_register(void);

/*
 * Undo one inp_thread_register(); the last one unregisters the thread
 * from liburcu (unless the application had registered it itself).  Must
 * not be called while the thread holds a lookup's lock only because of an
 * unfinished lookup (there is none after a lookup returns).
 * -EPERM when the thread has no registration of ours left.
 */
int inp_thread_unregister(void);

/* Whether the calling thread's lookups take the lockless path. */
bool inp_thread_registered(void);

/* "memb" or "qsbr": the liburcu flavour the library was built with. */
const char *inp_thread_rcu_flavor(void);

/* QSBR builds only (no-ops otherwise); see above. */
void inp_thread_quiescent(void);
void inp_thread_offline(void);
void inp_thread_online(void);

#ifdef __cplusplus
}
#endif
#endif
