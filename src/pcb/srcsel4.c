/*
 * srcsel4.c - IPv4 source address selection for a PCB without a local
 * address (spec 4.3, S1-S8; lifecycle spec IF-6..IF-8).  FreeBSD's
 * in_pcbladdr().
 *
 * The rules run in the project's order (V8): S1 jail saddrsel, S2 the
 * multicast interface, S3 the route, then S4 (no route), S5 (route out of
 * a real interface) or S6 (route through loopback: the destination is
 * local), with the jail fallbacks of S4-S7, and S8 last.
 *
 * The vnet's IPv4 addresses are copied under cfg_lock once per call, so
 * that the jail checks (J3, J7) never run under that leaf lock.  The
 * route lookup's referenced address is released on every path (IF-2,
 * invariant 27).
 */
#include "pcb/pcb_internal.h"
#include "sock/sock_internal.h"

#include <stdlib.h>

/* One configured IPv4 address as selection sees it. */
struct a4 {
	struct in_addr addr, peer;
	unsigned plen;
	bool p2p;
	const struct inp_ifnet *ifp;
};

/* The vnet's IPv4 addresses in configuration order. */
struct a4set {
	struct a4 *v;
	unsigned n;
	struct a4 local[16];     /* avoids an allocation on small hosts */
};

/* A source candidate: an address and the interface that carries it. */
struct cand4 {
	struct in_addr addr;
	const struct inp_ifnet *ifp;
};

/* What every rule needs. */
struct sel4 {
	struct inp_pcb *p;
	struct inp_cred *cred;
	struct in_addr dst;
	bool jailed;
	struct a4set set;
	struct inp_explain *why;
};

static int a4set_load(struct inp_vnet *vnet, struct a4set *s)
{
	struct inp_ifaddr *ifa;
	unsigned n = 0;

	s->v = s->local;
	pthread_mutex_lock(&vnet->cfg_lock);
	for (ifa = vnet->addrs; ifa != NULL; ifa = ifa->v_next)
		n += (ifa->family == AF_INET && ifa->linked);
	if (n > sizeof(s->local) / sizeof(s->local[0])) {
		s->v = calloc(n, sizeof(*s->v));
		if (s->v == NULL) {
			pthread_mutex_unlock(&vnet->cfg_lock);
			return -ENOBUFS;
		}
	}
	s->n = 0;
	for (ifa = vnet->addrs; ifa != NULL && s->n < n; ifa = ifa->v_next) {
		if (ifa->family != AF_INET || !ifa->linked)
			continue;
		s->v[s->n++] = (struct a4){ .addr = ifa->u.in.addr,
		        .peer = ifa->u.in.dstaddr, .plen = ifa->plen,
		        .p2p = ifa->u.in.p2p, .ifp = ifa->ifp };
	}
	pthread_mutex_unlock(&vnet->cfg_lock);
	return 0;
}

static void a4set_free(struct a4set *s)
{
	if (s->v != s->local)
		free(s->v);
}

static bool a4_in_prefix(const struct a4 *a, struct in_addr dst)
{
	uint32_t m = in4_mask(a->plen);

	return (a->addr.s_addr & m) == (dst.s_addr & m);
}

/* The point-to-point address whose peer is dst. */
static const struct a4 *cand_peer(const struct sel4 *s)
{
	unsigned i;

	for (i = 0; i < s->set.n; i++)
		if (s->set.v[i].p2p && s->set.v[i].peer.s_addr == s->dst.s_addr)
			return &s->set.v[i];
	return NULL;
}

/*
 * The address whose connected prefix contains dst: most specific prefix,
 * first configured on ties; point-to-point addresses match only by peer.
 */
static const struct a4 *cand_prefix(const struct sel4 *s)
{
	const struct a4 *best = NULL;
	unsigned i;

	for (i = 0; i < s->set.n; i++) {
		const struct a4 *a = &s->set.v[i];
		if (!a->p2p && a4_in_prefix(a, s->dst) &&
		    (best == NULL || a->plen > best->plen))
			best = a;
	}
	return best;
}

/* The address equal to dst: the local end of a point-to-point link. */
static const struct a4 *cand_exact(const struct sel4 *s)
{
	unsigned i;

	for (i = 0; i < s->set.n; i++)
		if (s->set.v[i].addr.s_addr == s->dst.s_addr)
			return &s->set.v[i];
	return NULL;
}

/*
 * The S4/S6 candidate: peer, else prefix, else -- S6 only, because only a
 * local destination can be one of our addresses -- the exact address
 * (seed; E25).
 */
static bool cand_find(const struct sel4 *s, bool exact_too,
                      struct cand4 *out)
{
	const struct a4 *a = cand_peer(s);

	if (a == NULL)
		a = cand_prefix(s);
	if (a == NULL && exact_too)
		a = cand_exact(s);
	if (a == NULL)
		return false;
	out->addr = a->addr;
	out->ifp = a->ifp;
	return true;
}

/*
 * J3 over ifp's addresses in configuration order: the first one the
 * credential may use (any, when it is not jailed).
 */
static bool jail_addr_on(const struct sel4 *s, const struct inp_ifnet *ifp,
                         struct in_addr *out)
{
	unsigned i;

	for (i = 0; ifp != NULL && i < s->set.n; i++) {
		if (s->set.v[i].ifp != ifp ||
		    prison_check_ip4(s->cred, s->set.v[i].addr) != 0)
			continue;
		*out = s->set.v[i].addr;
		return true;
	}
	return false;
}

/* The jailed fallbacks: the jail's primary address, or S7. */
static int jail_primary(const struct sel4 *s, const char *rule,
                        struct in_addr *out)
{
	int rc = prison_get_ip4(s->cred, out);                /* J7 */

	if (rc != 0)
		explain(s->why, "S7", "%s: the jail has no IPv4 address to "
		        "fall back to", rule);
	else
		explain(s->why, rule, "the jail's primary address");
	return rc;
}

/* Jailed S4/S6: the jail's first address on the candidate's interface. */
static int jail_pick(const struct sel4 *s, const struct cand4 *c,
                     const char *rule, struct in_addr *out)
{
	if (c != NULL && jail_addr_on(s, c->ifp, out)) {
		explain(s->why, rule, "the jail's first address on the "
		        "candidate's interface");
		return 0;
	}
	return jail_primary(s, rule, out);
}

/* S2 (IF-8): the multicast interface's first address that passes J3. */
static int sel_mcast_if(const struct sel4 *s, const struct inp_ifnet *ifp,
                        struct in_addr *out)
{
	if (jail_addr_on(s, ifp, out)) {
		explain(s->why, "S2", "first usable address of the multicast "
		        "interface %s", ifp->name);
		return 0;
	}
	explain(s->why, "S2", "the multicast interface %s has no usable "
	        "IPv4 address", ifp->name);
	return -EADDRNOTAVAIL;
}

/* S4: no route (or SO_DONTROUTE): a directly reachable destination. */
static int sel_direct(const struct sel4 *s, struct in_addr *out)
{
	struct cand4 c;
	char ab[INET_ADDRSTRLEN];

	if (!cand_find(s, false, &c)) {
		explain(s->why, "S4", "no route to %s and no interface "
		        "reaches it directly", fmt_in4(s->dst, ab, sizeof(ab)));
		return -ENETUNREACH;
	}
	if (s->jailed)
		return jail_pick(s, &c, "S4", out);
	*out = c.addr;
	explain(s->why, "S4", "no route: address of the interface that "
	        "reaches %s directly", fmt_in4(s->dst, ab, sizeof(ab)));
	return 0;
}

/*
 * S5: the route leaves through a real interface.  Its source address
 * (0.0.0.0 when the route has none, which S8 turns into EHOSTUNREACH);
 * jailed: that address if the jail owns it, else the jail's first address
 * on the outgoing interface, else its primary.
 */
static int sel_route(const struct sel4 *s, const struct rt_result *rt,
                     struct in_addr *out)
{
	struct in_addr src = { 0 };

	if (rt->ifa != NULL)
		src = rt->ifa->u.in.addr;
	if (s->jailed) {
		if (rt->ifa != NULL && prison_check_ip4(s->cred, src) == 0) {
			*out = src;
			explain(s->why, "S5", "the route's source address, "
			        "owned by the jail");
			return 0;
		}
		if (jail_addr_on(s, rt->ifp, out)) {
			explain(s->why, "S5", "the jail's first address on "
			        "the outgoing interface");
			return 0;
		}
		return jail_primary(s, "S5", out);
	}
	*out = src;
	explain(s->why, "S5", "the route's source address (via %s)",
	        rt->ifp->name);
	return 0;
}

/* S6 (IF-7): the destination is local; take the owning interface's. */
static int sel_loopback(const struct sel4 *s, struct in_addr *out)
{
	struct cand4 c;
	bool found = cand_find(s, true, &c);
	char ab[INET_ADDRSTRLEN];

	if (s->jailed)
		return jail_pick(s, found ? &c : NULL, "S6", out);
	if (!found) {
		explain(s->why, "S6", "%s is routed through loopback but no "
		        "interface owns it", fmt_in4(s->dst, ab, sizeof(ab)));
		return -ENETUNREACH;
	}
	*out = c.addr;
	explain(s->why, "S6", "local destination: address of the interface "
	        "that owns %s", fmt_in4(s->dst, ab, sizeof(ab)));
	return 0;
}

static bool route_is_loopback(const struct rt_result *rt)
{
	return rt->kind == INP_RT_LOOPBACK ||
	       (rt->ifp->flags & INP_IFF_LOOPBACK) != 0;
}

/* S3 and what follows from it: S4, S5 or S6. */
static int sel_routed(const struct sel4 *s, struct in_addr *out)
{
	struct rt_result rt;
	bool dontroute = s->p->socket != NULL &&
	                 (s->p->socket->options & INP_SO_DONTROUTE);
	int rc;

	memset(&rt, 0, sizeof(rt));
	if (dontroute || rt_lookup_in4(pcb_vnet(s->p), s->dst, &rt) != 0 ||
	    rt.ifp == NULL) {
		if (rt.ifa != NULL)
			ifa_rele(rt.ifa);
		return sel_direct(s, out);
	}
	if (route_is_loopback(&rt))
		rc = sel_loopback(s, out);
	else
		rc = sel_route(s, &rt, out);
	if (rt.ifa != NULL)
		ifa_rele(rt.ifa);
	return rc;
}

static int sel_run(struct sel4 *s, struct in_addr *out)
{
	const struct inp_moptions *mo = s->p->moptions;

	if (prison_saddrsel_ip4(s->cred, out)) {                /* S1 */
		explain(s->why, "S1", "the jail's primary address "
		        "(ip4.saddrsel off)");
		return 0;
	}
	if (in4_is_multicast(s->dst) && mo != NULL && mo->ifp != NULL)
		return sel_mcast_if(s, mo->ifp, out);           /* S2 */
	return sel_routed(s, out);
}

int pcb_srcsel4(struct inp_pcb *p, struct in_addr faddr,
                struct inp_cred *cred, struct in_addr *out,
                struct inp_explain *why)
{
	struct sel4 s = { .p = p, .cred = cred, .dst = faddr, .why = why };
	struct in_addr src = { 0 };
	int rc;

	if (p == NULL || p->info == NULL || cred == NULL || out == NULL)
		return -EINVAL;
	s.jailed = prison_restricts(cred, AF_INET);
	rc = a4set_load(pcb_vnet(p), &s.set);
	if (rc != 0)
		return rc;
	rc = sel_run(&s, &src);
	a4set_free(&s.set);
	if (rc != 0)
		return rc;
	if (in4_is_any(src)) {                                  /* S8, V9 */
		explain(why, "S8", "selection produced 0.0.0.0");
		return -EHOSTUNREACH;
	}
	*out = src;
	return 0;
}
