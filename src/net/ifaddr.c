/*
 * ifaddr.c - interface addresses (spec section 9): configuration, the
 * reference counts of IF-1/IF-2, and the address questions the PCB layer
 * asks (IF-3 locality, UD-4 broadcast, the vnet's primary address, IPv6
 * usability for bind).
 *
 * Reference counts: a configured address holds one baseline reference;
 * deleting it drops the baseline and unlinks it (linked = false); memory
 * is freed at the last release.  Every reference taken on top of the
 * baseline is also counted in vnet->ifa_refs, which is what
 * inp_vnet_ifa_refs_outstanding() reports (invariant 27).
 */
#include "net/net_internal.h"

#include <stdlib.h>

/* ---- reference counts (IF-1) ----------------------------------------- */

void ifa_ref(struct inp_ifaddr *ifa)
{
	if (ifa == NULL)
		return;
	atomic_fetch_add_explicit(&ifa->refcount, 1, memory_order_relaxed);
	if (ifa->ifp != NULL)   /* NULL: orphaned by vnet destruction */
		atomic_fetch_add_explicit(&ifa->ifp->vnet->ifa_refs, 1,
		                          memory_order_relaxed);
}

static void ifa_put(struct inp_ifaddr *ifa)
{
	if (atomic_fetch_sub_explicit(&ifa->refcount, 1,
	                              memory_order_acq_rel) == 1)
		free(ifa);
}

void ifa_rele(struct inp_ifaddr *ifa)
{
	if (ifa == NULL)
		return;
	if (ifa->ifp != NULL)
		atomic_fetch_sub_explicit(&ifa->ifp->vnet->ifa_refs, 1,
		                          memory_order_relaxed);
	ifa_put(ifa);
}

void inp_ifa_ref(struct inp_ifaddr *ifa)
{
	ifa_ref(ifa);
}

void inp_ifa_rele(struct inp_ifaddr *ifa)
{
	ifa_rele(ifa);
}

long inp_vnet_ifa_refs_outstanding(struct inp_vnet *vnet)
{
	if (vnet == NULL)
		return 0;
	return atomic_load_explicit(&vnet->ifa_refs, memory_order_relaxed);
}

/* ---- reading an address ---------------------------------------------- */

unsigned ifa_scope6(const struct inp_ifaddr *ifa)
{
	/* A link-local address lives in its interface's zone. */
	if (ifa->ifp == NULL || !in6_is_linklocal(&ifa->u.in6.addr))
		return 0;
	return ifa->ifp->index;
}

void inp_ifa_addr(const struct inp_ifaddr *ifa, struct sockaddr_storage *ss)
{
	if (ifa == NULL || ss == NULL)
		return;
	memset(ss, 0, sizeof(*ss));
	if (ifa->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_addr = ifa->u.in.addr;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = ifa->u.in6.addr;
		sin6->sin6_scope_id = ifa_scope6(ifa);
	}
}

unsigned inp_ifa_plen(const struct inp_ifaddr *ifa)
{
	return ifa != NULL ? ifa->plen : 0;
}

struct inp_ifnet *inp_ifa_ifnet(const struct inp_ifaddr *ifa)
{
	return ifa != NULL ? ifa->ifp : NULL;
}

/* ---- finding addresses (cfg_lock held) -------------------------------- */

static struct inp_ifaddr *find4_locked(struct inp_vnet *vnet, struct in_addr a)
{
	struct inp_ifaddr *ifa;

	for (ifa = vnet->addrs; ifa != NULL; ifa = ifa->v_next)
		if (ifa->family == AF_INET && ifa->u.in.addr.s_addr == a.s_addr)
			return ifa;
	return NULL;
}

/* A link-local address matches only in the zone scope_if (0: no zone). */
static struct inp_ifaddr *find6_locked(struct inp_vnet *vnet,
                                       const struct in6_addr *a,
                                       unsigned scope_if)
{
	bool scoped = in6_is_linklocal(a);
	struct inp_ifaddr *ifa;

	if (scoped && scope_if == 0)
		return NULL;
	for (ifa = vnet->addrs; ifa != NULL; ifa = ifa->v_next) {
		if (ifa->family != AF_INET6 || !in6_equal(&ifa->u.in6.addr, a))
			continue;
		if (!scoped || ifa->ifp->index == scope_if)
			return ifa;
	}
	return NULL;
}

static struct inp_ifaddr *ref_unlock(struct inp_vnet *vnet,
                                     struct inp_ifaddr *ifa)
{
	if (ifa != NULL)
		ifa_ref(ifa);
	pthread_mutex_unlock(&vnet->cfg_lock);
	return ifa;
}

struct inp_ifaddr *ifa_find_in4(struct inp_vnet *vnet, struct in_addr a)
{
	if (vnet == NULL)
		return NULL;
	pthread_mutex_lock(&vnet->cfg_lock);
	return ref_unlock(vnet, find4_locked(vnet, a));
}

struct inp_ifaddr *ifa_find_in6(struct inp_vnet *vnet,
                                const struct in6_addr *a, unsigned scope_if)
{
	if (vnet == NULL || a == NULL)
		return NULL;
	pthread_mutex_lock(&vnet->cfg_lock);
	return ref_unlock(vnet, find6_locked(vnet, a, scope_if));
}

/* S4 / IF-7: the address whose point-to-point peer is a. */
struct inp_ifaddr *ifa_find_dst_in4(struct inp_vnet *vnet, struct in_addr a)
{
	struct inp_ifaddr *ifa;

	if (vnet == NULL)
		return NULL;
	pthread_mutex_lock(&vnet->cfg_lock);
	for (ifa = vnet->addrs; ifa != NULL; ifa = ifa->v_next)
		if (ifa->family == AF_INET && ifa->u.in.p2p &&
		    ifa->u.in.dstaddr.s_addr == a.s_addr)
			break;
	return ref_unlock(vnet, ifa);
}

/*
 * S4 / IF-7: the address whose connected prefix contains a; the most
 * specific prefix wins, the first configured on ties.  Point-to-point
 * addresses have no prefix here (they match only by peer).
 */
struct inp_ifaddr *ifa_find_net_in4(struct inp_vnet *vnet, struct in_addr a)
{
	struct inp_ifaddr *ifa, *best = NULL;

	if (vnet == NULL)
		return NULL;
	pthread_mutex_lock(&vnet->cfg_lock);
	for (ifa = vnet->addrs; ifa != NULL; ifa = ifa->v_next) {
		if (ifa->family != AF_INET || ifa->u.in.p2p)
			continue;
		if (((a.s_addr ^ ifa->u.in.addr.s_addr) & ifa->u.in.mask.s_addr) != 0)
			continue;
		if (best == NULL || ifa->plen > best->plen)
			best = ifa;
	}
	return ref_unlock(vnet, best);
}

/* IF-3 (bind, B8): a configured address in any state, or a broadcast
 * address of a broadcast-capable interface; 255.255.255.255 never. */
bool ifa_is_local_in4(struct inp_vnet *vnet, struct in_addr a)
{
	struct inp_ifaddr *ifa;
	bool local = false;

	if (vnet == NULL || in4_is_bcast_all(a))
		return false;
	pthread_mutex_lock(&vnet->cfg_lock);
	for (ifa = vnet->addrs; ifa != NULL && !local; ifa = ifa->v_next) {
		if (ifa->family != AF_INET)
			continue;
		local = ifa->u.in.addr.s_addr == a.s_addr ||
		        (ifa->u.in.has_broadcast &&
		         ifa->u.in.broadaddr.s_addr == a.s_addr);
	}
	pthread_mutex_unlock(&vnet->cfg_lock);
	return local;
}

/* Bind of an IPv6 address (2.6): usable states only; anycast is fine (V14). */
bool ifa_is_bindable_in6(struct inp_vnet *vnet, const struct in6_addr *a,
                         unsigned scope_if)
{
	const unsigned unusable = IFA6_TENTATIVE | IFA6_DUPLICATED | IFA6_DETACHED;
	struct inp_ifaddr *ifa;
	bool ok;

	if (vnet == NULL || a == NULL)
		return false;
	pthread_mutex_lock(&vnet->cfg_lock);
	ifa = find6_locked(vnet, a, scope_if);
	ok = ifa != NULL && (ifa->u.in6.flags6 & unusable) == 0;
	pthread_mutex_unlock(&vnet->cfg_lock);
	return ok;
}

/*
 * C6: the first IPv4 address in configuration order (127.0.0.1 at first),
 * with its broadcast address (255.255.255.255 when it has none;
 * has_broadcast is false on an interface without INP_IFF_BROADCAST) and
 * its interface.  NULL outputs are skipped.
 */
static bool primary4(struct inp_vnet *vnet, struct in_addr *addr,
                     struct in_addr *bcast, struct inp_ifnet **ifp)
{
	struct inp_ifaddr *ifa;

	if (vnet == NULL)
		return false;
	pthread_mutex_lock(&vnet->cfg_lock);
	for (ifa = vnet->addrs; ifa != NULL; ifa = ifa->v_next)
		if (ifa->family == AF_INET)
			break;
	if (ifa != NULL) {
		if (addr != NULL)
			*addr = ifa->u.in.addr;
		if (bcast != NULL)
			bcast->s_addr = ifa->u.in.has_broadcast ?
			                ifa->u.in.broadaddr.s_addr : INADDR_BROADCAST;
		if (ifp != NULL)
			*ifp = ifa->ifp;
	}
	pthread_mutex_unlock(&vnet->cfg_lock);
	return ifa != NULL;
}

bool vnet_primary_in4(struct inp_vnet *vnet, struct in_addr *out,
                      struct inp_ifnet **ifp)
{
	return primary4(vnet, out, NULL, ifp);
}

bool vnet_primary_bcast_in4(struct inp_vnet *vnet, struct in_addr *addr,
                            struct in_addr *bcast)
{
	return primary4(vnet, addr, bcast, NULL);
}

/*
 * UD-4: 255.255.255.255 and 0.0.0.0 always; otherwise, on a
 * broadcast-capable interface, the broadcast address or the subnet number
 * (old host-0 broadcast) of one of its addresses.  has_broadcast is false
 * for /31, /32, point-to-point and loopback, which define neither.
 */
bool ifa_is_broadcast_in4(struct inp_ifnet *ifp, struct in_addr a)
{
	struct inp_ifaddr *ifa;
	bool bcast = false;

	int snap;

	if (in4_is_bcast_all(a) || in4_is_any(a))
		return true;
	if (ifp == NULL)
		return false;
	snap = ifa_snap_query4(ifp->vnet, ADDR4_BCAST, ifp, a);
	if (snap >= 0)
		return snap == 1;
	pthread_mutex_lock(&ifp->vnet->cfg_lock);
	for (ifa = ifp->addrs; ifa != NULL && !bcast; ifa = ifa->if_next) {
		if (ifa->family != AF_INET || !ifa->u.in.has_broadcast)
			continue;
		bcast = a.s_addr == ifa->u.in.broadaddr.s_addr ||
		        a.s_addr == (ifa->u.in.addr.s_addr & ifa->u.in.mask.s_addr);
	}
	pthread_mutex_unlock(&ifp->vnet->cfg_lock);
	return bcast;
}

bool ifa_is_ours_in4(struct inp_vnet *vnet, struct in_addr a)
{
	struct inp_ifaddr *ifa;
	int snap = ifa_snap_query4(vnet, ADDR4_LOCAL, NULL, a);

	if (snap >= 0)
		return snap == 1;
	ifa = ifa_find_in4(vnet, a);
	if (ifa != NULL)
		ifa_rele(ifa);
	return ifa != NULL;
}

/* ---- public lookups --------------------------------------------------- */

int inp_ifa_find(struct inp_vnet *vnet, const struct sockaddr *addr,
                 struct inp_ifaddr **out)
{
	struct inp_ifaddr *ifa;

	if (vnet == NULL || addr == NULL || out == NULL)
		return -EINVAL;
	if (addr->sa_family == AF_INET) {
		ifa = ifa_find_in4(vnet, ((const struct sockaddr_in *)addr)->sin_addr);
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
		ifa = ifa_find_in6(vnet, &sin6->sin6_addr, sin6->sin6_scope_id);
	} else {
		return -EAFNOSUPPORT;
	}
	if (ifa == NULL)
		return -EADDRNOTAVAIL;
	*out = ifa;
	return 0;
}

bool inp_ifa_is_local(struct inp_vnet *vnet, const struct sockaddr *addr)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)addr;
	bool found;

	if (vnet == NULL || addr == NULL)
		return false;
	if (addr->sa_family == AF_INET)
		return ifa_is_local_in4(vnet,
		                        ((const struct sockaddr_in *)addr)->sin_addr);
	if (addr->sa_family != AF_INET6)
		return false;
	pthread_mutex_lock(&vnet->cfg_lock);
	found = find6_locked(vnet, &sin6->sin6_addr, sin6->sin6_scope_id) != NULL;
	pthread_mutex_unlock(&vnet->cfg_lock);
	return found;
}

/* ---- configuration ---------------------------------------------------- */

static bool in4_host_ok(struct in_addr a)
{
	return !in4_is_any(a) && !in4_is_multicast(a) && !in4_is_bcast_all(a);
}

/* Build (unlinked) the IPv4 address; broadcast is set under the lock. */
static int ifa_new4(const struct sockaddr *addr, unsigned plen,
                    const struct sockaddr *peer, struct inp_ifaddr *ifa)
{
	struct in_addr a = ((const struct sockaddr_in *)addr)->sin_addr;

	if (plen > 32 || !in4_host_ok(a))
		return -EINVAL;
	ifa->u.in.addr = a;
	ifa->u.in.mask.s_addr = in4_mask(plen);
	if (peer != NULL) {
		struct in_addr p = ((const struct sockaddr_in *)peer)->sin_addr;
		if (peer->sa_family != AF_INET || !in4_host_ok(p))
			return -EINVAL;
		ifa->u.in.dstaddr = p;
		ifa->u.in.p2p = true;
	}
	return 0;
}

static int ifa_new6(const struct sockaddr *addr, unsigned plen,
                    const struct sockaddr *peer, struct inp_ifaddr *ifa)
{
	const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;

	if (peer != NULL || plen > 128)
		return -EINVAL;
	if (in6_is_any(a) || in6_is_multicast(a) || in6_is_v4mapped(a))
		return -EINVAL;
	ifa->u.in6.addr = *a;
	ifa->u.in6.flags6 = 0;   /* usable at once: no DAD (scenario language) */
	return 0;
}

/* The broadcast address: host part all ones, only up to /30 (UD-4). */
static void ifa_set_broadcast(struct inp_ifaddr *ifa)
{
	struct inp_ifnet *ifp = ifa->ifp;

	ifa->u.in.has_broadcast = (ifp->flags & INP_IFF_BROADCAST) &&
	                          !(ifp->flags & INP_IFF_LOOPBACK) &&
	                          !ifa->u.in.p2p && ifa->plen <= 30;
	if (ifa->u.in.has_broadcast)
		ifa->u.in.broadaddr.s_addr = ifa->u.in.addr.s_addr |
		                             ~ifa->u.in.mask.s_addr;
}

static struct inp_ifaddr *ifp_find_same(struct inp_ifnet *ifp,
                                        const struct inp_ifaddr *n)
{
	struct inp_ifaddr *ifa;

	for (ifa = ifp->addrs; ifa != NULL; ifa = ifa->if_next) {
		if (ifa->family != n->family)
			continue;
		if (n->family == AF_INET ?
		        ifa->u.in.addr.s_addr == n->u.in.addr.s_addr :
		        in6_equal(&ifa->u.in6.addr, &n->u.in6.addr))
			return ifa;
	}
	return NULL;
}

static void ifa_link(struct inp_vnet *vnet, struct inp_ifaddr *ifa)
{
	struct inp_ifaddr **pp;

	for (pp = &ifa->ifp->addrs; *pp != NULL; pp = &(*pp)->if_next)
		;
	*pp = ifa;
	for (pp = &vnet->addrs; *pp != NULL; pp = &(*pp)->v_next)
		;
	*pp = ifa;
	ifa->linked = true;
	vnet->n_addrs++;
	if (ifa->family == AF_INET && ifa->u.in.p2p)
		ifa->ifp->flags |= INP_IFF_POINTOPOINT;
}

static void ifa_unlink(struct inp_vnet *vnet, struct inp_ifaddr *ifa)
{
	struct inp_ifaddr **pp, *o;
	bool p2p = false;

	for (pp = &ifa->ifp->addrs; *pp != NULL; pp = &(*pp)->if_next)
		if (*pp == ifa) {
			*pp = ifa->if_next;
			break;
		}
	for (pp = &vnet->addrs; *pp != NULL; pp = &(*pp)->v_next)
		if (*pp == ifa) {
			*pp = ifa->v_next;
			break;
		}
	ifa->linked = false;
	ifa->if_next = ifa->v_next = NULL;
	vnet->n_addrs--;
	/* The interface stays point-to-point while it has such an address. */
	for (o = ifa->ifp->addrs; o != NULL; o = o->if_next)
		p2p |= o->family == AF_INET && o->u.in.p2p;
	if (!p2p)
		ifa->ifp->flags &= ~INP_IFF_POINTOPOINT;
}

int inp_if_addr_add(struct inp_ifnet *ifp, const struct sockaddr *addr,
                    unsigned plen, const struct sockaddr *peer)
{
	struct inp_vnet *vnet;
	struct inp_ifaddr *ifa;
	int rc;

	if (ifp == NULL || addr == NULL)
		return -EINVAL;
	if (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	ifa = calloc(1, sizeof(*ifa));
	if (ifa == NULL)
		return -ENOMEM;
	ifa->family = addr->sa_family;
	ifa->ifp = ifp;
	ifa->plen = plen;
	atomic_init(&ifa->refcount, 1);   /* the baseline: configured */
	rc = ifa->family == AF_INET ? ifa_new4(addr, plen, peer, ifa)
	                            : ifa_new6(addr, plen, peer, ifa);
	if (rc != 0) {
		free(ifa);
		return rc;
	}
	vnet = ifp->vnet;
	pthread_mutex_lock(&vnet->cfg_lock);
	if (ifp_find_same(ifp, ifa) != NULL)
		rc = -EEXIST;
	else if (vnet->n_addrs >= vnet->host->limits.max_ifaddrs)
		rc = -ENOBUFS;
	if (rc == 0) {
		if (ifa->family == AF_INET)
			ifa_set_broadcast(ifa);
		rc = rt_ifa_added(vnet, ifa);   /* IF-6; all or nothing */
	}
	if (rc == 0) {
		ifa_link(vnet, ifa);
		ifa_snap_rebuild(vnet);
	}
	pthread_mutex_unlock(&vnet->cfg_lock);
	if (rc != 0)
		free(ifa);
	return rc;
}

int inp_if_addr_delete(struct inp_ifnet *ifp, const struct sockaddr *addr)
{
	struct inp_ifaddr key, *ifa;
	struct inp_vnet *vnet;

	if (ifp == NULL || addr == NULL)
		return -EINVAL;
	memset(&key, 0, sizeof(key));
	key.family = addr->sa_family;
	if (key.family == AF_INET)
		key.u.in.addr = ((const struct sockaddr_in *)addr)->sin_addr;
	else if (key.family == AF_INET6)
		key.u.in6.addr = ((const struct sockaddr_in6 *)addr)->sin6_addr;
	else
		return -EAFNOSUPPORT;
	vnet = ifp->vnet;
	pthread_mutex_lock(&vnet->cfg_lock);
	ifa = ifp_find_same(ifp, &key);
	if (ifa == NULL) {
		pthread_mutex_unlock(&vnet->cfg_lock);
		return -EADDRNOTAVAIL;
	}
	rt_ifa_removed(vnet, ifa);
	ifa_unlink(vnet, ifa);
	ifa_snap_rebuild(vnet);
	pthread_mutex_unlock(&vnet->cfg_lock);
	ifa_put(ifa);   /* the baseline; holders of references keep it alive */
	return 0;
}

void ifaddrs_destroy_all(struct inp_vnet *vnet)
{
	struct inp_ifaddr *ifa;

	/*
	 * The routing tables are destroyed next: no route bookkeeping.  An
	 * address somebody still holds outlives its interface: it is
	 * orphaned (ifp NULL) so that the late release touches nothing else.
	 */
	while ((ifa = vnet->addrs) != NULL) {
		ifa_unlink(vnet, ifa);
		if (atomic_load(&ifa->refcount) > 1)
			ifa->ifp = NULL;
		ifa_put(ifa);
	}
	ifa_snap_destroy(vnet);
}
