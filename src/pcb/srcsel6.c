/*
 * srcsel6.c - IPv6 source address selection for a PCB without a local
 * address (spec 4.4 summary; FreeBSD in6_selectsrc()).
 *
 * Order: jail ip6.saddrsel off -> the jail's primary address (J6);
 * otherwise find the outgoing interface -- the zone's interface for a
 * scoped destination (FreeBSD takes sin6_scope_id first), the multicast
 * interface for another multicast destination (no route needed), else the
 * route (none -> EHOSTUNREACH) -- and rank every usable address the jail
 * may use (J3).  A scoped source gets the outgoing interface's zone.
 *
 * The destination's zone is settled first (pcb_dst_zone6, spec 2.6 and
 * 4.4): a scoped destination without one is in no zone, so no address is
 * "in the destination's scope zone" and selection has nothing to offer
 * (EADDRNOTAVAIL) -- except a multicast group sent through
 * IPV6_MULTICAST_IF, whose interface names the zone without guessing
 * (FreeBSD's in6_pcbladdr resolves an ambiguous zone by the outgoing
 * interface; for a link-local unicast destination that interface would
 * come from a zoneless route lookup, a guess this library does not make).
 *
 * Ranking, a subset of RFC 6724 rule by rule: (1) the destination itself;
 * (2) appropriate scope; (3) not deprecated; (5) on the outgoing
 * interface; (7) public or temporary per net.inet6.ip6.prefer_tempaddr;
 * interface up; (8) longest common prefix (capped at the source's prefix
 * length).  Simplified: rule 6 (policy labels) is not modelled, every
 * address has the same label; there are no home addresses (rule 4).
 * Remaining ties go to the address configured first.
 *
 * The addresses are copied under cfg_lock once, so that the jail checks
 * never run under that leaf lock; the route's referenced address is
 * released (IF-2).
 */
#include "pcb/pcb_internal.h"

#include <stdlib.h>

/* One configured IPv6 address as selection sees it. */
struct a6 {
	struct in6_addr addr;
	unsigned plen, flags6;
	const struct inp_ifnet *ifp;
	bool ifup;
};

struct sel6 {
	struct in6_addr dst;
	int dst_scope;
	const struct inp_ifnet *oif;    /* outgoing interface */
	struct vnet_sysctls sc;
	struct a6 *v;
	unsigned n;
};

static int a6_load(struct inp_vnet *vnet, struct sel6 *s)
{
	struct inp_ifaddr *ifa;
	unsigned n = 0;

	pthread_mutex_lock(&vnet->cfg_lock);
	for (ifa = vnet->addrs; ifa != NULL; ifa = ifa->v_next)
		n += (ifa->family == AF_INET6 && ifa->linked);
	s->v = calloc(n ? n : 1, sizeof(*s->v));
	if (s->v == NULL) {
		pthread_mutex_unlock(&vnet->cfg_lock);
		return -ENOBUFS;
	}
	s->n = 0;
	for (ifa = vnet->addrs; ifa != NULL && s->n < n; ifa = ifa->v_next) {
		if (ifa->family != AF_INET6 || !ifa->linked)
			continue;
		s->v[s->n++] = (struct a6){ .addr = ifa->u.in6.addr,
		        .plen = ifa->plen, .flags6 = ifa->u.in6.flags6,
		        .ifp = ifa->ifp,
		        .ifup = (ifa->ifp->flags & INP_IFF_UP) != 0 };
	}
	pthread_mutex_unlock(&vnet->cfg_lock);
	return 0;
}

/* RFC 4007 scope: ::1 counts as link-local (RFC 6724 3.1). */
static int scope6(const struct in6_addr *a)
{
	if (in6_is_multicast(a))
		return a->s6_addr[1] & 0x0f;
	if (in6_is_linklocal(a) || in6_is_loopback(a))
		return 2;
	if (a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0xc0)
		return 5;                                 /* site-local */
	return 14;
}

static unsigned common_prefix(const struct in6_addr *a,
                              const struct in6_addr *b, unsigned cap)
{
	unsigned i, bits = 0;

	for (i = 0; i < 16 && a->s6_addr[i] == b->s6_addr[i]; i++)
		bits += 8;
	if (i < 16) {
		uint8_t x = a->s6_addr[i] ^ b->s6_addr[i];
		while (!(x & 0x80)) {
			bits++;
			x <<= 1;
		}
	}
	return bits < cap ? bits : cap;
}

/*
 * Usable (not tentative, duplicated, detached or anycast; deprecated only
 * with use_deprecated) and in the destination's zone: a link-scoped
 * destination or source must be on the outgoing interface.
 */
static bool a6_usable(const struct sel6 *s, const struct a6 *a)
{
	unsigned bad = IFA6_TENTATIVE | IFA6_DUPLICATED | IFA6_DETACHED |
	               IFA6_ANYCAST;

	if (a->flags6 & bad)
		return false;
	if ((a->flags6 & IFA6_DEPRECATED) && !s->sc.use_deprecated)
		return false;
	if ((s->dst_scope <= 2 || scope6(&a->addr) <= 2) && a->ifp != s->oif)
		return false;
	return true;
}

/* Rule 2: prefer the address whose scope suits the destination. */
static int cmp_scope(const struct sel6 *s, const struct a6 *a,
                     const struct a6 *b)
{
	int sa = scope6(&a->addr), sb = scope6(&b->addr);

	if (sa == sb)
		return 0;
	if (sa < sb)
		return sa < s->dst_scope ? -1 : 1;
	return sb < s->dst_scope ? 1 : -1;
}

static int cmp_flag(bool a_good, bool b_good)
{
	return a_good == b_good ? 0 : (a_good ? 1 : -1);
}

/* > 0: a is the better source, < 0: b is, 0: tie. */
static int a6_compare(const struct sel6 *s, const struct a6 *a,
                      const struct a6 *b)
{
	bool want_tmp = s->sc.prefer_tempaddr != 0;
	int c;

	if ((c = cmp_flag(in6_equal(&a->addr, &s->dst),
	                  in6_equal(&b->addr, &s->dst))) != 0)
		return c;                                         /* 1 */
	if ((c = cmp_scope(s, a, b)) != 0)
		return c;                                         /* 2 */
	if ((c = cmp_flag(!(a->flags6 & IFA6_DEPRECATED),
	                  !(b->flags6 & IFA6_DEPRECATED))) != 0)
		return c;                                         /* 3 */
	if ((c = cmp_flag(a->ifp == s->oif, b->ifp == s->oif)) != 0)
		return c;                                         /* 5 */
	if ((c = cmp_flag(!!(a->flags6 & IFA6_TEMPORARY) == want_tmp,
	                  !!(b->flags6 & IFA6_TEMPORARY) == want_tmp)) != 0)
		return c;                                         /* 7 */
	if ((c = cmp_flag(a->ifup, b->ifup)) != 0)
		return c;
	return (int)common_prefix(&a->addr, &s->dst, a->plen) -
	       (int)common_prefix(&b->addr, &s->dst, b->plen);  /* 8 */
}

/* The best usable candidate the jail may use (J3), or NULL. */
static const struct a6 *a6_best(const struct sel6 *s,
                                const struct inp_cred *cred)
{
	const struct a6 *best = NULL;
	unsigned i;

	for (i = 0; i < s->n; i++) {
		const struct a6 *a = &s->v[i];
		if (!a6_usable(s, a) || prison_check_ip6(cred, &a->addr) != 0)
			continue;
		if (best == NULL || a6_compare(s, a, best) > 0)
			best = a;
	}
	return best;
}

int pcb_dst_zone6(struct inp_pcb *p, const struct in6_addr *faddr,
                  unsigned scope_id, unsigned *zonep,
                  struct inp_explain *why)
{
	const struct inp_moptions *mo = p->moptions;
	char ab[INET6_ADDRSTRLEN];

	*zonep = 0;
	if (!in6_is_scoped(faddr))
		return 0;
	if (scope_id != 0) {
		if (inp_if_byindex(pcb_vnet(p), scope_id) == NULL) {
			explain(why, "2.6", "zone id %u names no interface",
			        scope_id);
			return -ENXIO;
		}
		*zonep = scope_id;
		return 0;
	}
	if (in6_is_multicast(faddr) && mo != NULL && mo->ifindex6 != 0) {
		*zonep = mo->ifindex6;                /* IPV6_MULTICAST_IF */
		return 0;
	}
	/*
	 * use_defzone would name a default zone, but no interface is ever
	 * the default one here (as in FreeBSD until `ndp -I`), so the
	 * sysctl does not change the outcome (2.6).
	 */
	explain(why, "4.4", "%s has no zone id: no source address is in its "
	        "zone (2.6)", fmt_in6(faddr, ab, sizeof(ab)));
	return -EADDRNOTAVAIL;
}

/*
 * The outgoing interface: the zone's for a scoped destination (zone from
 * pcb_dst_zone6), the multicast interface for another multicast one, else
 * the route's.
 */
static int out_interface(struct inp_pcb *p, struct sel6 *s,
                         unsigned zone, struct inp_explain *why)
{
	struct inp_vnet *vnet = pcb_vnet(p);
	const struct inp_moptions *mo = p->moptions;
	struct rt_result rt;
	char ab[INET6_ADDRSTRLEN];

	if (in6_is_scoped(&s->dst))
		s->oif = inp_if_byindex(vnet, zone);
	else if (in6_is_multicast(&s->dst) && mo != NULL && mo->ifindex6 != 0)
		s->oif = inp_if_byindex(vnet, mo->ifindex6);
	if (s->oif != NULL)
		return 0;
	memset(&rt, 0, sizeof(rt));
	if (rt_lookup_in6(vnet, &s->dst, &rt) == 0)
		s->oif = rt.ifp;
	if (rt.ifa != NULL)
		ifa_rele(rt.ifa);
	if (s->oif != NULL)
		return 0;
	explain(why, "4.4", "no route to %s",
	        fmt_in6(&s->dst, ab, sizeof(ab)));
	return -EHOSTUNREACH;
}

static int sel6_pick(const struct sel6 *s, const struct inp_cred *cred,
                     union inp_addr *out, struct inp_explain *why)
{
	const struct a6 *best;
	char ab[INET6_ADDRSTRLEN];

	best = a6_best(s, cred);
	if (best == NULL) {
		explain(why, "4.4", "no usable source address for %s%s",
		        fmt_in6(&s->dst, ab, sizeof(ab)),
		        prison_restricts(cred, AF_INET6) ?
		        " that the jail owns (J3)" : "");
		return -EADDRNOTAVAIL;
	}
	if (in6_is_any(&best->addr)) {
		explain(why, "4.4", "selection produced ::");
		return -EHOSTUNREACH;
	}
	/* A scoped source is on the outgoing interface (a6_usable): its zone. */
	memset(out, 0, sizeof(*out));
	out->a6 = best->addr;
	in6_embed_zone(&out->a6, inp_if_index(best->ifp));
	explain(why, "4.4", "best source for %s via %s",
	        fmt_in6(&s->dst, ab, sizeof(ab)), s->oif->name);
	return 0;
}

int pcb_srcsel6_laddr(struct inp_pcb *p, const struct in6_addr *faddr,
                      unsigned scope_id, struct inp_cred *cred,
                      union inp_addr *out, struct inp_explain *why)
{
	struct sel6 s;
	unsigned zone;
	int rc;

	if (p == NULL || p->info == NULL || faddr == NULL || cred == NULL ||
	    out == NULL)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (prison_saddrsel_ip6(cred, &out->a6)) {
		/* Jail addresses have no zone (6.1). */
		explain(why, "J6", "the jail's primary address "
		        "(ip6.saddrsel off)");
		return 0;
	}
	rc = pcb_dst_zone6(p, faddr, scope_id, &zone, why);
	if (rc != 0)
		return rc;
	memset(&s, 0, sizeof(s));
	s.dst = *faddr;
	s.dst_scope = scope6(faddr);
	pcb_sysctls(pcb_vnet(p), &s.sc);
	rc = out_interface(p, &s, zone, why);
	if (rc != 0)
		return rc;
	rc = a6_load(pcb_vnet(p), &s);
	if (rc != 0)
		return rc;
	rc = sel6_pick(&s, cred, out, why);
	free(s.v);
	return rc;
}

int pcb_srcsel6(struct inp_pcb *p, const struct in6_addr *faddr,
                unsigned scope_id, struct inp_cred *cred,
                struct in6_addr *out, struct inp_explain *why)
{
	union inp_addr laddr;
	int rc;

	if (out == NULL)
		return -EINVAL;
	rc = pcb_srcsel6_laddr(p, faddr, scope_id, cred, &laddr, why);
	if (rc == 0) {
		*out = laddr.a6;
		(void)in6_clear_zone(out);           /* the wire form */
	}
	return rc;
}
