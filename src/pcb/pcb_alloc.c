/*
 * pcb_alloc.c - the life of a PCB: allocation, detach, drop, free, and the
 * reference count that decides when its memory goes (spec LC-1..LC-22,
 * RC-1..RC-12).
 *
 * Memory reclamation (read this before changing a release):
 *
 * Lookups follow the 2011 locked protocol (LK-9): find the PCB under the
 * hash read lock, take a reference, drop the hash lock, lock the PCB, then
 * release the reference.  Every thread that locks a PCB therefore holds a
 * reference while it does so (the socket owns the attachment reference,
 * lookups and listings take their own), and a PCB can only be found in a
 * table or on the list while the attachment reference is held (in_pcbfree
 * unlinks it first).  A release that finds INP_FREED *unlocks before it
 * decrements*.  So the thread whose decrement reaches zero holds no lock,
 * and every other thread that ever held one has already unlocked and
 * decremented: nobody can touch the memory afterwards, and plain free() is
 * safe.  Decrementing first would reopen the RC-12 hole (another reader
 * frees while we still have to unlock).
 *
 * Once lookups are lockless under RCU, a reader may reach a PCB whose
 * count is already zero, so the final release must then defer the free
 * with call_rcu() (RC-12, RC-17) instead of calling free() here.
 */
#include "pcb/pcb_internal.h"
#include "sock/sock_internal.h"

#include <stdlib.h>

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
	memcpy(p->label, so->label, sizeof(p->label));
	p->label[sizeof(p->label) - 1] = '\0';
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

	p = calloc(1, sizeof(*p));             /* LC-3 step 1: zero-filled */
	if (p == NULL)
		return -ENOBUFS;               /* LC-2 */
	if (pthread_rwlock_init(&p->lock, NULL) != 0) {
		free(p);
		return -ENOBUFS;
	}
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
	p->jailed4 = prison_restricts(cred, AF_INET);   /* 5.2, cached */
	p->jailed6 = prison_restricts(cred, AF_INET6);
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
	mac_pcb_destroy_label(host, p);
fail_cred:
	cred_pcb_detach(cred);                 /* LC-2: nothing stays linked */
	pthread_rwlock_destroy(&p->lock);
	free(p);
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
	pthread_mutex_unlock(&info->list_lock);
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
	/* Step 5: INP_FREED is set, so this always unlocks ("gone"). */
	(void)pcb_rele_wlocked(p);
	moptions_free(mo);                     /* step 6, after unlocking */
}

void pcb_ref(struct inp_pcb *p)
{
	/* RC-1: the caller's lock keeps the count above zero. */
	atomic_fetch_add_explicit(&p->refcount, 1, memory_order_relaxed);
}

/* The last reference went; nobody holds the lock or can take it. */
static void pcb_reclaim(struct inp_pcb *p)
{
	cred_pcb_detach(p->cred);              /* LC-22: at the final release */
	pthread_rwlock_destroy(&p->lock);
	free(p);
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
