/*
 * ifaddr_snap.c - the vnet's IPv4 addresses as an immutable array that
 * packet input reads without cfg_lock and without address references.
 *
 * Every received IPv4 datagram asks "is this destination one of ours?"
 * (IF-3) and UDP asks "is it a broadcast of the receiving interface?"
 * (UD-4).  Answered from the address lists, each question took cfg_lock
 * and a reference on a shared address: two threads receiving at once
 * spent their time passing that mutex and those counters between cores.
 * Addresses change rarely, so the configuration path (holding cfg_lock)
 * rebuilds a snapshot after every change and publishes it with RCU; the
 * old one goes after a grace period.  A reader that is not registered
 * with RCU, or finds no snapshot (its allocation failed), is told
 * "unknown" and asks the lists as before.
 */
#include "net/net_internal.h"
#include "base/rcu.h"

#include <stdlib.h>

struct addr4_entry {
	struct in_addr addr, mask, broadaddr;
	struct inp_ifnet *ifp;
	bool has_broadcast;
};

struct addr4_snap {
	struct rcu_head rcu;
	unsigned n;
	struct addr4_entry e[];
};

static void snap_free_rcu(struct rcu_head *head)
{
	rcu_glue_cb_begin();
	free(caa_container_of(head, struct addr4_snap, rcu));
}

static struct addr4_snap *snap_build(const struct inp_vnet *vnet)
{
	const struct inp_ifaddr *ifa;
	struct addr4_snap *s;
	unsigned n = 0;

	for (ifa = vnet->addrs; ifa != NULL; ifa = ifa->v_next)
		n += ifa->family == AF_INET;
	s = malloc(sizeof(*s) + n * sizeof(s->e[0]));
	if (s == NULL)
		return NULL;
	s->n = 0;
	for (ifa = vnet->addrs; ifa != NULL; ifa = ifa->v_next) {
		struct addr4_entry *e;

		if (ifa->family != AF_INET)
			continue;
		e = &s->e[s->n++];
		e->addr = ifa->u.in.addr;
		e->mask = ifa->u.in.mask;
		e->broadaddr = ifa->u.in.broadaddr;
		e->has_broadcast = ifa->u.in.has_broadcast;
		e->ifp = ifa->ifp;
	}
	return s;
}

/* cfg_lock held: the addresses changed. */
void ifa_snap_rebuild(struct inp_vnet *vnet)
{
	struct addr4_snap *old, *s = snap_build(vnet);

	/* No snapshot rather than a stale one: readers then ask the lists. */
	old = atomic_exchange_explicit(&vnet->addr4_snap, s,
	                               memory_order_acq_rel);
	if (old != NULL)
		rcu_glue_call(&old->rcu, snap_free_rcu);
}

/* The vnet goes: nobody reads any more (its grace periods are done). */
void ifa_snap_destroy(struct inp_vnet *vnet)
{
	free(atomic_exchange_explicit(&vnet->addr4_snap, NULL,
	                              memory_order_relaxed));
}

/* A UD-4 broadcast of ifp, per entry e (ifa_is_broadcast_in4's rule). */
static bool entry_bcast(const struct addr4_entry *e,
                        const struct inp_ifnet *ifp, struct in_addr a)
{
	return e->ifp == ifp && e->has_broadcast &&
	       (a.s_addr == e->broadaddr.s_addr ||
	        a.s_addr == (e->addr.s_addr & e->mask.s_addr));
}

/*
 * 1 when a is (what: ADDR4_LOCAL) one of the vnet's addresses or
 * (ADDR4_BCAST) a broadcast address of ifp, 0 when not, -1 when the
 * snapshot cannot tell (the caller asks the lists).
 */
int ifa_snap_query4(struct inp_vnet *vnet, enum addr4_query what,
                    const struct inp_ifnet *ifp, struct in_addr a)
{
	const struct addr4_snap *s;
	int found = 0;
	unsigned i;

	if (!rcu_glue_reader_ok())
		return -1;
	rcu_glue_read_lock();
	s = atomic_load_explicit(&vnet->addr4_snap, memory_order_acquire);
	if (s == NULL)
		found = -1;
	for (i = 0; s != NULL && i < s->n && !found; i++)
		found = what == ADDR4_LOCAL
		            ? s->e[i].addr.s_addr == a.s_addr
		            : entry_bcast(&s->e[i], ifp, a);
	rcu_glue_read_unlock();
	return found;
}
