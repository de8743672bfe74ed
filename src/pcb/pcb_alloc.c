/*
 * pcb_alloc.c - the life of a PCB: allocation, detach, drop, free, and the
 * reference count that decides when its memory goes (spec LC-1..LC-22,
 * RC-1..RC-12).
 *
 * Memory reclamation (read this before changing a release):
 *
 * Every thread that locks a PCB outside an RCU read-side section holds a
 * reference while it does so (the socket owns the attachment reference;
 * the serialised lookup and listings take their own), and a PCB can only
 * be found in a table or on the list while the attachment reference is
 * held (in_pcbfree unlinks it first).  A release that finds INP_FREED
 * *unlocks before it decrements*, so the thread whose decrement reaches
 * zero holds no lock and every other holder has already unlocked.
 *
 * Lockless lookups (pcb_lookup.c) may still reach a PCB whose count is
 * zero: they found it in a chain inside a read-side section, and try its
 * lock or take a reference only if the count is not zero (RC-2, RC-18).
 * So the final release never calls free(): it releases the credential at
 * once (LC-22 [modern]: at the final release; lockless readers never
 * dereference cred, they use lk_bits) and hands the memory to call_rcu,
 * which frees it after every reader that could have seen the PCB has left
 * its section (RC-12, RC-17).  A lockless reader that got the lock checks
 * LK_DEAD before it leaves its section, so it never holds a lock on
 * memory a grace period could free.
 */
#include "pcb/pcb_internal.h"
#include "sock/sock_internal.h"

#include <stddef.h>
#include <stdlib.h>

/* Line 0 of struct inp_pcb is what an exact lookup touches (pcb_internal.h). */
_Static_assert(offsetof(struct inp_pcb, udata) + sizeof(void *) <= 64,
               "the exact-lookup fields must fit in the first cache line");
/* Issue 3: at most 256 bytes per PCB (four cache lines). */
_Static_assert(sizeof(struct inp_pcb) <= 256, "struct inp_pcb grew past 256");

#define PCB_ALIGN 64
#define PCB_SIZE ((sizeof(struct inp_pcb) + PCB_ALIGN - 1) & ~(size_t)(PCB_ALIGN - 1))

size_t pcb_alloc_size(void)
{
	return PCB_SIZE;
}

/*
 * LC-3 step 4, [cur] flavour (1.4): an AF_INET6 socket speaks IPv6 and,
 * unless the stack's v6only default is set, IPv4 as well.
 */
static void pcb_init_vflag(struct inp_pcb *p)
{
	struct vnet_sysctls sc;

	if (p->family == AF_INET) {
		p->vflag = INP_V_IPV4;
		return;
	}
	pcb_sysctls(pcb_vnet(p), &sc);
	p->vflag = INP_V_IPV6PROTO | INP_V_IPV6;
	if (sc.v6only)
		p->flags |= INP_F_V6ONLY;
	else
		p->vflag |= INP_V_IPV4;
}

/* Copy what the socket already carries: label and user pointer. */
static void pcb_init_from_socket(struct inp_pcb *p, const struct inp_sock *so)
{
	if (so == NULL)
		return;
	p->udata = so->udata;
	(void)pcb_set_label(p, so->label);   /* none if memory is short */
}

/*
 * Most PCBs have no label (scenarios and explanations name sockets), so
 * the PCB keeps a pointer, not INP_LABEL_MAX bytes: four cache lines.
 */
int pcb_set_label(struct inp_pcb *p, const char *label)
{
	char *copy = NULL;

	if (label[0] != '\0' && (copy = strdup(label)) == NULL)
		return -ENOMEM;
	free(p->label);
	p->label = copy;
	return 0;
}

/* LC-3 step 6: count, generation, head of the global list (LC-27). */
static int pcb_link_list(struct inp_pcb *p)
{
	struct inp_pcbinfo *info = p->info;

	pthread_mutex_lock(&info->list_lock);
	/* LC-2: the per-table limit (inp_host_create filled in defaults). */
	if (info->count >= pcb_vnet(p)->host->limits.max_pcbs) {
		pthread_mutex_unlock(&info->list_lock);
		return -ENOBUFS;
	}
	p->gencnt = ++info->gencnt;
	p->list_prev = NULL;
	p->list_next = info->list;
	if (info->list != NULL)
		info->list->list_prev = p;
	info->list = p;
	info->count++;
	pthread_mutex_unlock(&info->list_lock);
	return 0;
}

int pcb_alloc(struct inp_pcbinfo *info, int family, struct inp_cred *cred,
              struct inp_sock *so, struct inp_pcb **out)
{
	struct inp_host *host;
	struct inp_pcb *p;
	int error;

	if (info == NULL || info->vnet == NULL || cred == NULL || out == NULL)
		return -EINVAL;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	host = info->vnet->host;

	/* LC-3 step 1: zero-filled, on a cache line (line 0, above). */
	p = pcb_zone_alloc(&info->zone);
	if (p == NULL)
		return -ENOBUFS;               /* LC-2 */
	memset(p, 0, PCB_SIZE);
	pcb_lock_init(&p->lock, info->rbias == NULL ? 0 :
	              atomic_load_explicit(&info->rbias->reads,
	                                   memory_order_relaxed));
	p->info = info;                        /* step 2 */
	p->socket = so;
	p->cred = cred;
	p->proto = info->proto;
	p->family = family;
	cred_pcb_attach(cred);

	if (mac_pcb_init_label(host, p) != 0) { /* step 3, MAC-1 */
		error = -ENOMEM;
		goto fail_cred;
	}
	pcb_init_vflag(p);                     /* step 4 */
	p->lk_bits = (prison_restricts(cred, AF_INET) ? PCB_LK_JAILED4 : 0) |
	             (prison_restricts(cred, AF_INET6) ? PCB_LK_JAILED6 : 0);
	p->ip_ttl = 64;                        /* LC-5 */
	pcb_init_from_socket(p, so);
	atomic_init(&p->refcount, 1);          /* step 5: attachment ref */

	pcb_wlock(p);                          /* step 6 */
	error = pcb_link_list(p);
	if (error != 0) {
		pcb_unlock(p);
		goto fail_label;
	}
	if (so != NULL)
		so->pcb = p;
	*out = p;                              /* LC-4: returned write-locked */
	return 0;

fail_label:
	free(p->label);
	mac_pcb_destroy_label(host, p);
fail_cred:
	cred_pcb_detach(cred);                 /* LC-2: nothing stays linked */
	pcb_zone_free(&info->zone, p);         /* never published */
	return error;
}

/* LC-6: break the socket association both ways; tables are untouched. */
void pcb_detach(struct inp_pcb *p)
{
	if (p == NULL || p->socket == NULL)
		return;
	if (p->socket->pcb == p)
		p->socket->pcb = NULL;
	p->socket = NULL;
}

/* LC-12: release the address and port now, keep the 4-tuple and socket. */
void pcb_drop(struct inp_pcb *p)
{
	if (p == NULL)
		return;
	p->flags |= INP_F_DROPPED;             /* never cleared (inv. 4) */
	pcb_lock_mark_dead(&p->lock);          /* RC-18: lookups refuse it */
	if (p->flags & INP_F_INHASHLIST) {     /* LC-15: idempotent */
		hash_wlock(p->info);
		pcb_remove(p);
		hash_unlock(p->info);
	}
}

static void pcb_unlink_list(struct inp_pcb *p)
{
	struct inp_pcbinfo *info = p->info;

	pthread_mutex_lock(&info->list_lock);
	p->gencnt = ++info->gencnt;            /* LC-24: a fresh generation */
	if (p->list_prev != NULL)
		p->list_prev->list_next = p->list_next;
	else
		info->list = p->list_next;
	if (p->list_next != NULL)
		p->list_next->list_prev = p->list_prev;
	p->list_next = p->list_prev = NULL;
	info->count--;
	/* Off the list but not done with the table: pcbinfo_busy(). */
	atomic_fetch_add_explicit(&info->freeing, 1, memory_order_relaxed);
	pthread_mutex_unlock(&info->list_lock);
}

/*
 * LC-29, VN-5: a table may go only when no PCB is on its list and no free
 * is still running on it.  Counting the list alone let a vnet destroy
 * slip in between a free's unlink and its unhash (tests/stress/README.md).
 */
bool pcbinfo_busy(struct inp_pcbinfo *info)
{
	bool busy;

	if (info == NULL)
		return false;
	pthread_mutex_lock(&info->list_lock);
	busy = info->count != 0 ||
	       atomic_load_explicit(&info->freeing, memory_order_acquire) != 0;
	pthread_mutex_unlock(&info->list_lock);
	return busy;
}

static void moptions_free(struct inp_moptions *mo)
{
	struct inp_mship *m, *next;

	if (mo == NULL)
		return;
	for (m = mo->memberships; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	free(mo);
}

void pcb_free(struct inp_pcb *p)
{
	struct inp_pcbinfo *info;
	struct inp_host *host;
	struct inp_moptions *mo;

	if (p == NULL)
		return;
	if (p->flags & INP_F_FREED) {          /* LC-20: a second free */
		pcb_unlock(p);
		return;
	}
	/* LC-20 wants a detached PCB; never leave a socket pointing here. */
	pcb_detach(p);
	host = pcb_vnet(p)->host;

	p->flags |= INP_F_FREED;               /* LC-21 step 1 */
	pcb_lock_mark_dead(&p->lock);
	pcb_unlink_list(p);                    /* step 2 */
	if (p->flags & INP_F_INHASHLIST) {     /* step 3 */
		hash_wlock(p->info);
		pcb_remove(p);
		hash_unlock(p->info);
	}
	mac_pcb_destroy_label(host, p);        /* step 4 */
	p->mac_label = NULL;
	mo = p->moptions;
	p->moptions = NULL;
	info = p->info;
	/* Step 5: INP_FREED is set, so this always unlocks ("gone"). */
	(void)pcb_rele_wlocked(p);
	moptions_free(mo);                     /* step 6, after unlocking */
	/* The last touch of the table: it may be destroyed from now on. */
	atomic_fetch_sub_explicit(&info->freeing, 1, memory_order_release);
}

void pcb_ref(struct inp_pcb *p)
{
	/* RC-1: the caller's lock keeps the count above zero. */
	atomic_fetch_add_explicit(&p->refcount, 1, memory_order_relaxed);
}

bool pcb_ref_if_alive(struct inp_pcb *p)
{
	unsigned old = atomic_load_explicit(&p->refcount, memory_order_relaxed);

	/* RC-2: inside a read-side section the count may already be 0. */
	do {
		if (old == 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(
	             &p->refcount, &old, old + 1, memory_order_acquire,
	             memory_order_relaxed));
	return true;
}

/* After a grace period: no reader can reach p any more. */
static void pcb_free_rcu(struct rcu_head *head)
{
	struct inp_pcb *p = caa_container_of(head, struct inp_pcb, rcu);

	rcu_glue_cb_begin();
	pcb_zone_free(&p->info->zone, p);      /* the table outlives it (LC-29) */
}

/*
 * The last reference went; nobody holds the lock or can take it, but
 * lockless readers may still be looking at the memory (see top).
 */
static void pcb_reclaim(struct inp_pcb *p)
{
	cred_pcb_detach(p->cred);              /* LC-22: at the final release */
	p->cred = NULL;
	free(p->label);                        /* nobody reads it any more */
	p->label = NULL;
	rcu_glue_call(&p->rcu, pcb_free_rcu);  /* RC-12, RC-17 */
}

/*
 * Whoever reaches zero reclaims: nobody can hold the lock then (every
 * holder holds a reference, or is inside a read-side section, which the
 * grace period waits for).
 */
void pcb_rele_unlocked(struct inp_pcb *p)
{
	if (atomic_fetch_sub_explicit(&p->refcount, 1,
	                              memory_order_acq_rel) == 1)
		pcb_reclaim(p);
}

/*
 * RC-6 / RC-9 (seed semantics) for both lock modes: true means "gone"
 * (already unlocked, do not touch), false means still locked and valid.
 */
static bool pcb_rele(struct inp_pcb *p)
{
	unsigned old;

	/*
	 * RC-11: INP_FREED is written only under the write lock, so it is
	 * stable while we hold the lock in either mode; read it before the
	 * decrement, which may be the one that frees.
	 */
	if (p->flags & INP_F_FREED) {
		pcb_unlock(p);                 /* unlock first: see top */
		if (atomic_fetch_sub_explicit(&p->refcount, 1,
		                              memory_order_acq_rel) == 1)
			pcb_reclaim(p);
		return true;
	}
	/*
	 * Not freed: the attachment reference is still held (in_pcbfree
	 * drops it only after setting INP_FREED under the write lock we
	 * exclude), so this decrement is never the last (RC-7).  A caller
	 * releasing a reference it never took would break that; refuse to
	 * go below the attachment reference rather than free a live PCB.
	 */
	old = atomic_load_explicit(&p->refcount, memory_order_relaxed);
	do {
		if (old <= 1)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(
	             &p->refcount, &old, old - 1, memory_order_acq_rel,
	             memory_order_relaxed));
	return false;
}

bool pcb_rele_rlocked(struct inp_pcb *p)
{
	return pcb_rele(p);
}

bool pcb_rele_wlocked(struct inp_pcb *p)
{
	return pcb_rele(p);
}

bool pcb_lock_and_rele(struct inp_pcb *p, bool wlock)
{
	if (wlock)
		pcb_wlock(p);
	else
		pcb_rlock(p);
	return !pcb_rele(p);
}
