/*
 * pcb_timewait.c - TIME_WAIT without a TCP state machine (spec LC-16..LC-19,
 * 2.4): a connection keeps its 4-tuple and port for 2*MSL after its socket
 * is gone, then is dropped and, being socketless, freed.
 *
 * tw_expire_ns doubles as the "waiting for expiry" mark.  It is written
 * and read only under the list lock, so the expiry walk can pick due PCBs
 * from the global list without taking PCB locks under the list lock
 * (which would invert LK-12's PCB-then-list order).
 */
#include "pcb/pcb_internal.h"

#include <stdlib.h>

#define NS_PER_MS 1000000ull

/* LC-16: PCB write-locked; a connected TCP PCB enters TIME_WAIT. */
void pcb_timewait(struct inp_pcb *p)
{
	struct vnet_sysctls sc;
	uint64_t expire;

	if (p == NULL || p->proto != INP_PROTO_TCP || !pcb_has_faddr(p) ||
	    (p->flags & (INP_F_TIMEWAIT | INP_F_DROPPED | INP_F_FREED)))
		return;
	pcb_sysctls(pcb_vnet(p), &sc);
	expire = host_now_ns(pcb_vnet(p)->host) +
	         2 * (uint64_t)(sc.tcp_msl_ms > 0 ? sc.tcp_msl_ms : 0) *
	         NS_PER_MS;
	/* Stays hashed: late segments still find it, with the reuse flags
	 * cached in flags2 for bind checks (LC-19, 1.3). */
	p->flags |= INP_F_TIMEWAIT;
	pthread_mutex_lock(&p->info->list_lock);
	p->tw_expire_ns = expire != 0 ? expire : 1;   /* 0 means "no timer" */
	pthread_mutex_unlock(&p->info->list_lock);
}

/*
 * Due by now: clear the mark (under the list lock), so that a PCB that
 * keeps its socket is expired once.  When memory for the walk is short
 * no mark is touched and the next run retries.
 */
static bool tw_due(struct inp_pcb *p, void *now_ns)
{
	if (p->tw_expire_ns == 0 || p->tw_expire_ns > *(uint64_t *)now_ns)
		return false;
	p->tw_expire_ns = 0;
	return true;
}

/* LC-18: drop; a socketless PCB is then freed. */
static void tw_expire_one(struct inp_pcb *p)
{
	/*
	 * On "valid" we keep the write lock, and the attachment reference
	 * (not yet released: no INP_FREED) keeps the memory until we unlock
	 * or free.
	 */
	if (!pcb_lock_and_rele(p, true))
		return;
	pcb_drop(p);
	if (p->socket == NULL) {
		pcb_free(p);                   /* unlocks */
		return;
	}
	pcb_unlock(p);
}

void pcbinfo_expire_timewait(struct inp_pcbinfo *info, uint64_t now_ns)
{
	struct inp_pcb **due;
	unsigned n, i;

	if (info == NULL)
		return;
	due = pcb_list_snapshot(info, tw_due, &now_ns, NULL, 0, &n, NULL);
	if (due == NULL)
		return;
	for (i = 0; i < n; i++)
		tw_expire_one(due[i]);
	free(due);
}
