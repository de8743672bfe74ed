/*
 * route.c - the IPv4 and IPv6 routing tables of a vnet and their
 * longest-prefix match.
 *
 * Structure: one hash table per family keyed by (masked prefix, prefix
 * length), plus a bitmap of the prefix lengths that have routes.  A lookup
 * walks the non-empty lengths from the longest down and probes one bucket
 * per length, so its cost grows with the number of distinct prefix lengths
 * in use, never with the number of routes.  Among routes with the same
 * prefix the one added first wins (lowest sequence number).
 *
 * Route sources (route.h): connected and loopback host routes installed by
 * addresses (IF-6), host routes to point-to-point peers, static gateway
 * and interface routes.  The source address of a lookup result follows
 * S5: the address that installed the route, the address whose prefix
 * holds the gateway, or the interface's first address of the family.
 *
 * IPv6 link-local prefixes (fe80::/10) exist once per interface: such a
 * route carries its interface's index as its zone (scope) and matches only
 * lookups in that zone, or lookups without a zone (scope 0).
 *
 * Locking: changes run under vnet->cfg_lock (the rt_ifa_* hooks are called
 * with it held); lookups take it.  Routes hold no address references: an
 * address withdraws its routes before it is unlinked.
 */
#include "net/net_internal.h"

#include <stdlib.h>

#define RT_MIN_BUCKETS 16u

union rt_addr {
	struct in_addr a4;
	struct in6_addr a6;
};

struct rt_entry {
	struct rt_entry *hnext;       /* hash chain */
	struct rt_entry *lnext;       /* every route, insertion order */
	union rt_addr dst;            /* masked to plen */
	unsigned plen;
	unsigned scope;               /* zone of a link-local prefix, else 0 */
	enum inp_route_kind kind;
	bool is_static;               /* inp_route_add(): deletable */
	struct inp_ifnet *ifp;
	struct inp_ifaddr *src;       /* installing address (no reference) */
	union rt_addr gw;             /* INP_RT_GATEWAY */
	unsigned gw_scope;
	uint64_t seq;                 /* ties: first added wins */
};

struct rtable {
	int family;
	unsigned maxlen;              /* 32 or 128 */
	unsigned max_routes, n;
	struct rt_entry **buckets;
	unsigned nbuckets;            /* power of two */
	unsigned len_count[129];
	uint64_t len_bits[3];         /* bit L: some route has prefix length L */
	struct rt_entry *all, **all_tail;
	uint64_t next_seq;
};

/* Route kinds a gateway may sit behind: "on a connected prefix". */
#define RT_F_ANY       0
#define RT_F_CONNECTED 1

/* ---- keys ------------------------------------------------------------ */

static void rt_mask(int family, union rt_addr *a, unsigned plen)
{
	unsigned i;

	if (family == AF_INET) {
		a->a4.s_addr &= in4_mask(plen);
		return;
	}
	for (i = 0; i < 16; i++) {
		if (plen >= 8) {
			plen -= 8;
		} else {
			a->a6.s6_addr[i] &= (uint8_t)(0xff00u >> plen);
			plen = 0;
		}
	}
}

static bool rt_key_eq(int family, const union rt_addr *a, const union rt_addr *b)
{
	if (family == AF_INET)
		return a->a4.s_addr == b->a4.s_addr;
	return in6_equal(&a->a6, &b->a6);
}

static uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

static uint32_t rt_hash(const struct rtable *rt, const union rt_addr *k,
                        unsigned plen)
{
	uint32_t h = (plen + 1) * 0x9e3779b9u;
	unsigned i;

	if (rt->family == AF_INET)
		return mix32(h ^ k->a4.s_addr);
	for (i = 0; i < 4; i++)
		h = mix32(h ^ k->a6.s6_addr32[i]);
	return h;
}

static struct rt_entry **rt_bucket(const struct rtable *rt,
                                   const union rt_addr *k, unsigned plen)
{
	return &rt->buckets[rt_hash(rt, k, plen) & (rt->nbuckets - 1)];
}

/* The longest non-empty prefix length <= from, or -1. */
static int rt_next_len(const struct rtable *rt, int from)
{
	while (from >= 0) {
		int w = from / 64, b = from % 64;
		uint64_t m = rt->len_bits[w] &
		             (b == 63 ? ~0ull : ((1ull << (b + 1)) - 1));
		if (m != 0)
			return w * 64 + 63 - __builtin_clzll(m);
		from = w * 64 - 1;
	}
	return -1;
}

static bool is_linklocal_prefix(int family, const union rt_addr *dst,
                                unsigned plen)
{
	return family == AF_INET6 && plen >= 10 && in6_is_linklocal(&dst->a6);
}

/* ---- table ----------------------------------------------------------- */

struct rtable *rtable_create(int family, unsigned max_routes)
{
	struct rtable *rt;

	if (family != AF_INET && family != AF_INET6)
		return NULL;
	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return NULL;
	rt->buckets = calloc(RT_MIN_BUCKETS, sizeof(*rt->buckets));
	if (rt->buckets == NULL) {
		free(rt);
		return NULL;
	}
	rt->family = family;
	rt->maxlen = family == AF_INET ? 32 : 128;
	rt->max_routes = max_routes;
	rt->nbuckets = RT_MIN_BUCKETS;
	rt->all_tail = &rt->all;
	return rt;
}

void rtable_destroy(struct rtable *rt)
{
	struct rt_entry *e, *next;

	if (rt == NULL)
		return;
	for (e = rt->all; e != NULL; e = next) {
		next = e->lnext;
		free(e);
	}
	free(rt->buckets);
	free(rt);
}

/* Double the bucket array; on allocation failure keep the old one. */
static void rt_grow(struct rtable *rt)
{
	unsigned n = rt->nbuckets * 2;
	struct rt_entry **b, *e;

	b = calloc(n, sizeof(*b));
	if (b == NULL)
		return;
	free(rt->buckets);
	rt->buckets = b;
	rt->nbuckets = n;
	for (e = rt->all; e != NULL; e = e->lnext) {
		struct rt_entry **head = rt_bucket(rt, &e->dst, e->plen);
		e->hnext = *head;
		*head = e;
	}
}

/* Link e (capacity checked by the caller).  Keeps e->seq if set. */
static void rt_link(struct rtable *rt, struct rt_entry *e)
{
	struct rt_entry **head;

	if (rt->n >= rt->nbuckets)
		rt_grow(rt);
	if (e->seq == 0)
		e->seq = ++rt->next_seq;
	head = rt_bucket(rt, &e->dst, e->plen);
	e->hnext = *head;
	*head = e;
	e->lnext = NULL;
	*rt->all_tail = e;
	rt->all_tail = &e->lnext;
	if (rt->len_count[e->plen]++ == 0)
		rt->len_bits[e->plen / 64] |= 1ull << (e->plen % 64);
	rt->n++;
}

static void rt_unlink(struct rtable *rt, struct rt_entry *e)
{
	struct rt_entry **pp;

	for (pp = rt_bucket(rt, &e->dst, e->plen); *pp != NULL;
	     pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	for (pp = &rt->all; *pp != NULL; pp = &(*pp)->lnext)
		if (*pp == e) {
			*pp = e->lnext;
			break;
		}
	if (rt->all_tail == &e->lnext)
		rt->all_tail = pp;
	if (--rt->len_count[e->plen] == 0)
		rt->len_bits[e->plen / 64] &= ~(1ull << (e->plen % 64));
	rt->n--;
}

static bool scope_ok(unsigned route_scope, unsigned lookup_scope)
{
	return route_scope == 0 || lookup_scope == 0 ||
	       route_scope == lookup_scope;
}

static bool filter_ok(const struct rt_entry *e, int filter)
{
	if (filter == RT_F_CONNECTED)
		return e->kind == INP_RT_CONNECTED || e->kind == INP_RT_HOST_PEER;
	return true;
}

/* Longest-prefix match; equal prefixes: lowest sequence number. */
static struct rt_entry *rt_match(const struct rtable *rt,
                                 const union rt_addr *dst, unsigned scope,
                                 int filter)
{
	int len;

	for (len = rt_next_len(rt, (int)rt->maxlen); len >= 0;
	     len = rt_next_len(rt, len - 1)) {
		union rt_addr key = *dst;
		struct rt_entry *e, *best = NULL;

		rt_mask(rt->family, &key, (unsigned)len);
		for (e = *rt_bucket(rt, &key, (unsigned)len); e != NULL; e = e->hnext) {
			if (e->plen != (unsigned)len ||
			    !rt_key_eq(rt->family, &e->dst, &key) ||
			    !scope_ok(e->scope, scope) || !filter_ok(e, filter))
				continue;
			if (best == NULL || e->seq < best->seq)
				best = e;
		}
		if (best != NULL)
			return best;
	}
	return NULL;
}

/* A route with exactly this prefix, zone and kind (static or not). */
static struct rt_entry *rt_find(const struct rtable *rt,
                                const union rt_addr *dst, unsigned plen,
                                unsigned scope, enum inp_route_kind kind,
                                bool is_static)
{
	struct rt_entry *e;

	for (e = *rt_bucket(rt, dst, plen); e != NULL; e = e->hnext)
		if (e->plen == plen && e->scope == scope &&
		    rt_key_eq(rt->family, &e->dst, dst) &&
		    e->is_static == is_static && (is_static || e->kind == kind))
			return e;
	return NULL;
}

static struct rtable *vnet_rt(struct inp_vnet *vnet, int family)
{
	return family == AF_INET ? vnet->rt4 : vnet->rt6;
}

/* ---- routes installed by addresses (IF-6) ---------------------------- */

/* The interface a loopback host route goes through. */
static struct inp_ifnet *loopback_ifp(struct inp_vnet *vnet,
                                      const struct inp_ifaddr *ifa)
{
	if ((ifa->ifp->flags & INP_IFF_LOOPBACK) || vnet->lo0 == NULL)
		return ifa->ifp;
	return vnet->lo0;
}

static bool ifa_p2p_self(const struct inp_ifaddr *ifa)
{
	return ifa->family == AF_INET && ifa->u.in.p2p &&
	       ifa->u.in.dstaddr.s_addr == ifa->u.in.addr.s_addr;
}

static void ifa_local(const struct inp_ifaddr *ifa, union rt_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ifa->family == AF_INET)
		a->a4 = ifa->u.in.addr;
	else
		a->a6 = ifa->u.in6.addr;
}

/*
 * The routes ifa would install: filled into tmpl[], at most two.  The
 * point-to-point peer route replaces the prefix route; the loopback host
 * route is skipped when a p2p address is its own peer.
 */
static unsigned ifa_route_templates(struct inp_vnet *vnet,
                                    const struct inp_ifaddr *ifa,
                                    struct rt_entry tmpl[2])
{
	unsigned n = 0, host = ifa->family == AF_INET ? 32 : 128;

	memset(tmpl, 0, 2 * sizeof(tmpl[0]));
	if (ifa->family == AF_INET && ifa->u.in.p2p) {
		tmpl[n].kind = INP_RT_HOST_PEER;
		tmpl[n].dst.a4 = ifa->u.in.dstaddr;
		tmpl[n].plen = 32;
	} else {
		tmpl[n].kind = INP_RT_CONNECTED;
		ifa_local(ifa, &tmpl[n].dst);
		tmpl[n].plen = ifa->plen;
		rt_mask(ifa->family, &tmpl[n].dst, ifa->plen);
		if (is_linklocal_prefix(ifa->family, &tmpl[n].dst, ifa->plen))
			tmpl[n].scope = ifa->ifp->index;
	}
	tmpl[n].ifp = ifa->ifp;
	n++;
	if (!ifa_p2p_self(ifa)) {
		tmpl[n].kind = INP_RT_LOOPBACK;
		ifa_local(ifa, &tmpl[n].dst);
		tmpl[n].plen = host;
		if (ifa->family == AF_INET6)
			tmpl[n].scope = ifa_scope6(ifa);
		tmpl[n].ifp = loopback_ifp(vnet, ifa);
		n++;
	}
	return n;
}

/* Install what ifa brings, skipping routes that already exist (shared). */
int rt_ifa_added(struct inp_vnet *vnet, struct inp_ifaddr *ifa)
{
	struct rtable *rt = vnet_rt(vnet, ifa->family);
	struct rt_entry tmpl[2], *add[2] = { NULL, NULL };
	unsigned n, i, need = 0;
	int rc = 0;

	n = ifa_route_templates(vnet, ifa, tmpl);
	for (i = 0; i < n; i++) {
		if (rt_find(rt, &tmpl[i].dst, tmpl[i].plen, tmpl[i].scope,
		            tmpl[i].kind, false) != NULL)
			continue;
		add[i] = malloc(sizeof(*add[i]));
		if (add[i] == NULL) {
			rc = -ENOMEM;
			break;
		}
		*add[i] = tmpl[i];
		add[i]->src = ifa;
		need++;
	}
	if (rc == 0 && rt->n + need > rt->max_routes)
		rc = -ENOBUFS;
	/* All or nothing. */
	for (i = 0; i < n; i++) {
		if (rc != 0)
			free(add[i]);
		else if (add[i] != NULL)
			rt_link(rt, add[i]);
	}
	return rc;
}

/* Another configured address that installs the same route as e, or NULL. */
static struct inp_ifaddr *rt_successor(struct inp_vnet *vnet,
                                       const struct rt_entry *e,
                                       const struct inp_ifaddr *gone)
{
	struct rt_entry tmpl[2];
	struct inp_ifaddr *r;
	unsigned n, i;

	for (r = vnet->addrs; r != NULL; r = r->v_next) {
		if (r == gone || r->family != gone->family)
			continue;
		n = ifa_route_templates(vnet, r, tmpl);
		for (i = 0; i < n; i++)
			if (tmpl[i].kind == e->kind && tmpl[i].plen == e->plen &&
			    tmpl[i].scope == e->scope &&
			    rt_key_eq(gone->family, &tmpl[i].dst, &e->dst))
				return r;
	}
	return NULL;
}

/*
 * Withdraw ifa's routes.  A route another address also implies (same
 * prefix, same peer, same local address elsewhere) moves to it and keeps
 * its place among equal prefixes.
 */
void rt_ifa_removed(struct inp_vnet *vnet, struct inp_ifaddr *ifa)
{
	struct rtable *rt = vnet_rt(vnet, ifa->family);
	struct rt_entry *e, *next;
	struct inp_ifaddr *r;

	for (e = rt->all; e != NULL; e = next) {
		next = e->lnext;
		if (e->is_static || e->src != ifa)
			continue;
		r = rt_successor(vnet, e, ifa);
		if (r != NULL) {
			e->src = r;
			e->ifp = e->kind == INP_RT_LOOPBACK ? loopback_ifp(vnet, r)
			                                    : r->ifp;
			continue;
		}
		rt_unlink(rt, e);
		free(e);
	}
}

void rt_ifnet_loopback(struct inp_vnet *vnet, struct inp_ifnet *ifp)
{
	struct rtable *tables[2] = { vnet->rt4, vnet->rt6 };
	struct rt_entry *e;
	int t;

	for (t = 0; t < 2; t++)
		for (e = tables[t]->all; e != NULL; e = e->lnext)
			if (e->kind == INP_RT_LOOPBACK && e->src != NULL &&
			    e->src->ifp == ifp)
				e->ifp = ifp;
}

/* ---- lookups ----------------------------------------------------------- */

/* The first configured address of the family on ifp (interface routes). */
static struct inp_ifaddr *ifp_first_addr(struct inp_ifnet *ifp, int family)
{
	struct inp_ifaddr *ifa;

	for (ifa = ifp->addrs; ifa != NULL; ifa = ifa->if_next)
		if (ifa->family == family)
			return ifa;
	return NULL;
}

/*
 * Resolve dst to a result (cfg_lock held).  *hit gets the matching route
 * for callers that report its prefix.  The result's ifa is referenced.
 */
static int rt_resolve(struct inp_vnet *vnet, int family,
                      const union rt_addr *dst, unsigned scope,
                      struct rt_result *out, const struct rt_entry **hit)
{
	struct rtable *rt = vnet_rt(vnet, family);
	const struct rt_entry *e, *g;

	memset(out, 0, sizeof(*out));
	e = rt_match(rt, dst, scope, RT_F_ANY);
	if (e == NULL)
		return -ENETUNREACH;
	out->kind = e->kind;
	out->ifp = e->ifp;
	switch (e->kind) {
	case INP_RT_GATEWAY:
		/* S5: the address whose prefix holds the gateway, now. */
		g = rt_match(rt, &e->gw, e->gw_scope, RT_F_CONNECTED);
		if (g != NULL) {
			out->ifp = g->ifp;
			out->ifa = g->src;
		}
		if (family == AF_INET)
			out->gw4 = e->gw.a4;
		else
			out->gw6 = e->gw.a6;
		break;
	case INP_RT_INTERFACE:
		out->ifa = ifp_first_addr(e->ifp, family);
		break;
	default:
		out->ifa = e->src;
		break;
	}
	ifa_ref(out->ifa);
	if (hit != NULL)
		*hit = e;
	return 0;
}

int rt_lookup_in4(struct inp_vnet *vnet, struct in_addr dst,
                  struct rt_result *out)
{
	union rt_addr d;
	int rc;

	if (vnet == NULL || out == NULL)
		return -EINVAL;
	memset(&d, 0, sizeof(d));
	d.a4 = dst;
	pthread_mutex_lock(&vnet->cfg_lock);
	rc = rt_resolve(vnet, AF_INET, &d, 0, out, NULL);
	pthread_mutex_unlock(&vnet->cfg_lock);
	return rc;
}

int rt_lookup_in6_scoped(struct inp_vnet *vnet, const struct in6_addr *dst,
                         unsigned scope_if, struct rt_result *out)
{
	union rt_addr d;
	int rc;

	if (vnet == NULL || dst == NULL || out == NULL)
		return -EINVAL;
	d.a6 = *dst;
	pthread_mutex_lock(&vnet->cfg_lock);
	rc = rt_resolve(vnet, AF_INET6, &d, scope_if, out, NULL);
	pthread_mutex_unlock(&vnet->cfg_lock);
	return rc;
}

int rt_lookup_in6(struct inp_vnet *vnet, const struct in6_addr *dst,
                  struct rt_result *out)
{
	return rt_lookup_in6_scoped(vnet, dst, 0, out);
}

/* ---- the public API ------------------------------------------------------ */

/* Split a sockaddr into address and zone; -EAFNOSUPPORT for others. */
static int sa_split(const struct sockaddr *sa, union rt_addr *a, unsigned *scope)
{
	memset(a, 0, sizeof(*a));
	*scope = 0;
	if (sa->sa_family == AF_INET) {
		a->a4 = ((const struct sockaddr_in *)sa)->sin_addr;
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		a->a6 = ((const struct sockaddr_in6 *)sa)->sin6_addr;
		*scope = ((const struct sockaddr_in6 *)sa)->sin6_scope_id;
		return AF_INET6;
	}
	return -EAFNOSUPPORT;
}

static void sa_fill(int family, const union rt_addr *a, unsigned scope,
                    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_addr = a->a4;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->a6;
		sin6->sin6_scope_id = scope;
	}
}

/* Fill e's gateway fields and interface; -ENETUNREACH off-link. */
static int rt_set_gateway(struct rtable *rt, struct rt_entry *e,
                          const struct sockaddr *gateway)
{
	const struct rt_entry *c;
	unsigned gscope;

	if (sa_split(gateway, &e->gw, &gscope) != rt->family)
		return -EINVAL;
	if (rt->family == AF_INET6 && !in6_is_linklocal(&e->gw.a6))
		gscope = 0;
	c = rt_match(rt, &e->gw, gscope, RT_F_CONNECTED);
	if (c == NULL)
		return -ENETUNREACH;
	e->kind = INP_RT_GATEWAY;
	e->ifp = c->ifp;
	e->gw_scope = c->scope;   /* a link-local gateway: its interface */
	return 0;
}

int inp_route_add(struct inp_vnet *vnet, const struct sockaddr *dst,
                  unsigned plen, const struct sockaddr *gateway,
                  struct inp_ifnet *ifp)
{
	struct rt_entry tmp, *e;
	struct rtable *rt;
	int family, rc = 0;

	if (vnet == NULL || dst == NULL || (gateway == NULL) == (ifp == NULL))
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	family = sa_split(dst, &tmp.dst, &tmp.scope);
	if (family < 0)
		return family;
	rt = vnet_rt(vnet, family);
	if (plen > rt->maxlen || (ifp != NULL && ifp->vnet != vnet))
		return -EINVAL;
	tmp.plen = plen;
	tmp.is_static = true;
	rt_mask(family, &tmp.dst, plen);
	pthread_mutex_lock(&vnet->cfg_lock);
	if (ifp != NULL) {
		tmp.kind = INP_RT_INTERFACE;
		tmp.ifp = ifp;
	} else {
		rc = rt_set_gateway(rt, &tmp, gateway);
	}
	/* A link-local prefix lives in one zone: given, or the interface's. */
	if (!is_linklocal_prefix(family, &tmp.dst, plen))
		tmp.scope = 0;
	else if (tmp.scope == 0 && rc == 0)
		tmp.scope = tmp.ifp->index;
	if (rc == 0 && rt_find(rt, &tmp.dst, plen, tmp.scope, tmp.kind, true))
		rc = -EEXIST;
	if (rc == 0 && rt->n >= rt->max_routes)
		rc = -ENOBUFS;
	if (rc == 0 && (e = malloc(sizeof(*e))) == NULL)
		rc = -ENOMEM;
	if (rc == 0) {
		*e = tmp;
		rt_link(rt, e);
	}
	pthread_mutex_unlock(&vnet->cfg_lock);
	return rc;
}

int inp_route_delete(struct inp_vnet *vnet, const struct sockaddr *dst,
                     unsigned plen)
{
	union rt_addr d;
	struct rtable *rt;
	struct rt_entry *e;
	unsigned scope;
	int family;

	if (vnet == NULL || dst == NULL)
		return -EINVAL;
	family = sa_split(dst, &d, &scope);
	if (family < 0)
		return family;
	rt = vnet_rt(vnet, family);
	if (plen > rt->maxlen)
		return -EINVAL;
	rt_mask(family, &d, plen);
	pthread_mutex_lock(&vnet->cfg_lock);
	for (e = *rt_bucket(rt, &d, plen); e != NULL; e = e->hnext)
		if (e->is_static && e->plen == plen &&
		    rt_key_eq(family, &e->dst, &d) && scope_ok(e->scope, scope))
			break;
	if (e != NULL) {
		rt_unlink(rt, e);
		free(e);
	}
	pthread_mutex_unlock(&vnet->cfg_lock);
	return e != NULL ? 0 : -ESRCH;
}

int inp_route_lookup(struct inp_vnet *vnet, const struct sockaddr *dst,
                     struct inp_route_info *out)
{
	const struct rt_entry *hit;
	struct rt_result res;
	union rt_addr d;
	unsigned scope;
	int family, rc;

	if (vnet == NULL || dst == NULL || out == NULL)
		return -EINVAL;
	family = sa_split(dst, &d, &scope);
	if (family < 0)
		return family;
	pthread_mutex_lock(&vnet->cfg_lock);
	rc = rt_resolve(vnet, family, &d, scope, &res, &hit);
	if (rc == 0) {
		memset(out, 0, sizeof(*out));
		out->kind = res.kind;
		out->plen = hit->plen;
		out->ifp = res.ifp;
		sa_fill(family, &hit->dst, hit->scope, &out->dst);
		if (res.kind == INP_RT_GATEWAY)
			sa_fill(family, &hit->gw, hit->gw_scope, &out->gateway);
	}
	pthread_mutex_unlock(&vnet->cfg_lock);
	if (rc == 0)
		ifa_rele(res.ifa);
	return rc;
}
