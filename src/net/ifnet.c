/*
 * ifnet.c - the interfaces of a vnet.  Indexes follow creation order (lo0
 * is 1); interfaces live as long as their vnet.  Interfaces other than
 * loopback behave like Ethernet: up, broadcast and multicast capable.
 */
#include "net/net_internal.h"

#include <stdio.h>
#include <stdlib.h>

static struct inp_ifnet *if_find_locked(struct inp_vnet *vnet,
                                        const char *name)
{
	struct inp_ifnet *ifp;

	for (ifp = vnet->ifnets; ifp != NULL; ifp = ifp->next)
		if (strcmp(ifp->name, name) == 0)
			return ifp;
	return NULL;
}

int inp_if_create(struct inp_vnet *vnet, const char *name,
                  struct inp_ifnet **out)
{
	struct inp_ifnet *ifp, **tail;
	int rc = 0;

	/* [A-Za-z_][A-Za-z0-9_.-]*: no digit, '.' or '-' first. */
	if (vnet == NULL || !name_is_valid(name, NAME_LETTER_FIRST))
		return -EINVAL;
	pthread_mutex_lock(&vnet->cfg_lock);
	if (if_find_locked(vnet, name) != NULL)
		rc = -EEXIST;
	else if (vnet->n_ifnets >= vnet->host->limits.max_ifnets ||
	         vnet->next_ifindex > IN6_ZONE_MAX)
		rc = -ENOBUFS;  /* an index is an IPv6 zone: 16 bits (base.h) */
	else if ((ifp = calloc(1, sizeof(*ifp))) == NULL)
		rc = -ENOMEM;
	else if (pthread_rwlock_init(&ifp->drv_lock, NULL) != 0) {
		free(ifp);
		rc = -ENOMEM;
	}
	if (rc != 0) {
		pthread_mutex_unlock(&vnet->cfg_lock);
		return rc;
	}
	ifp->vnet = vnet;
	snprintf(ifp->name, sizeof(ifp->name), "%s", name);
	ifp->index = vnet->next_ifindex++;
	ifp->flags = INP_IFF_UP | INP_IFF_BROADCAST | INP_IFF_MULTICAST;
	for (tail = &vnet->ifnets; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = ifp;
	vnet->n_ifnets++;
	pthread_mutex_unlock(&vnet->cfg_lock);
	if (out != NULL)
		*out = ifp;
	return 0;
}

struct inp_ifnet *inp_if_find(struct inp_vnet *vnet, const char *name)
{
	struct inp_ifnet *ifp;

	if (vnet == NULL || name == NULL)
		return NULL;
	pthread_mutex_lock(&vnet->cfg_lock);
	ifp = if_find_locked(vnet, name);
	pthread_mutex_unlock(&vnet->cfg_lock);
	return ifp;
}

struct inp_ifnet *inp_if_byindex(struct inp_vnet *vnet, unsigned index)
{
	struct inp_ifnet *ifp;

	if (vnet == NULL || index == 0)
		return NULL;
	pthread_mutex_lock(&vnet->cfg_lock);
	for (ifp = vnet->ifnets; ifp != NULL; ifp = ifp->next)
		if (ifp->index == index)
			break;
	pthread_mutex_unlock(&vnet->cfg_lock);
	return ifp;
}

const char *inp_if_name(const struct inp_ifnet *ifp)
{
	return ifp != NULL ? ifp->name : NULL;
}

unsigned inp_if_index(const struct inp_ifnet *ifp)
{
	return ifp != NULL ? ifp->index : 0;
}

unsigned inp_if_flags(const struct inp_ifnet *ifp)
{
	return ifp != NULL ? ifp->flags : 0;
}

int inp_if_set_up(struct inp_ifnet *ifp, bool up)
{
	if (ifp == NULL)
		return -EINVAL;
	pthread_mutex_lock(&ifp->vnet->cfg_lock);
	if (up)
		ifp->flags |= INP_IFF_UP;
	else
		ifp->flags &= ~INP_IFF_UP;
	pthread_mutex_unlock(&ifp->vnet->cfg_lock);
	return 0;
}

/*
 * A loopback interface has no broadcast (UD-4, IF-3): its addresses lose
 * their broadcast address, and their loopback host routes (IF-6) now go
 * through the interface itself, like lo0's.
 */
int inp_if_set_loopback(struct inp_ifnet *ifp)
{
	struct inp_ifaddr *ifa;

	if (ifp == NULL)
		return -EINVAL;
	pthread_mutex_lock(&ifp->vnet->cfg_lock);
	ifp->flags |= INP_IFF_LOOPBACK;
	ifp->flags &= ~INP_IFF_BROADCAST;
	for (ifa = ifp->addrs; ifa != NULL; ifa = ifa->if_next)
		if (ifa->family == AF_INET)
			ifa->u.in.has_broadcast = false;
	ifa_snap_rebuild(ifp->vnet);           /* packet input reads that */
	rt_ifnet_loopback(ifp->vnet, ifp);
	pthread_mutex_unlock(&ifp->vnet->cfg_lock);
	return 0;
}

void ifnets_destroy_all(struct inp_vnet *vnet)
{
	struct inp_ifnet *ifp, *next;

	for (ifp = vnet->ifnets; ifp != NULL; ifp = next) {
		next = ifp->next;
		if_driver_close(ifp);        /* vnet destruction closes drivers */
		pthread_rwlock_destroy(&ifp->drv_lock);
		free(ifp);
	}
	vnet->ifnets = NULL;
	vnet->lo0 = NULL;
	vnet->n_ifnets = 0;
}
