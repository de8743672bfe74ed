/*
 * pcb_bind.c - bind from step B5 on (spec 2.1-2.7): which local address
 * and port a PCB may take, for the IPv4 path (pcb_bind4, also used for a
 * v4-mapped bind of an AF_INET6 socket, X3) and the IPv6 path (pcb_bind6,
 * with the dual-stack rule X2).
 *
 * The socket layer's protocol entry already did B1-B4, AF_UNSPEC, X3 and
 * set the vflag it wants; it restores the vflag when we fail (V15).
 *
 * Order (table 2.1): B5 already bound, B6 lookup mode, B7 jail (caller
 * credential), B8 address class, B9 reserved ports, then under the hash
 * write lock B10 port theft (T1), B11 reuse (R1-R4, X1 / X2), B12
 * ephemeral port, B13 insertion, B14 flags.  The checks and the insertion
 * share one hash lock section so that two racing binds cannot both pass.
 * Nothing in the PCB is written before B13, so every failure leaves it as
 * it was (P10).
 */
#include "pcb/pcb_internal.h"
#include "sock/sock_internal.h"

#include <stdio.h>

#define REUSE_MASK (INP_REUSEADDR | INP_REUSEPORT | INP_REUSEPORT_LB)

/* Everything one bind decides on, shared by the IPv4 and IPv6 paths. */
struct bind_req {
	struct inp_pcb *p;
	struct inp_cred *cred;      /* the caller's (B7, B9, J8) */
	int af;                     /* view of the checks */
	union inp_addr laddr;       /* after the jail rewrite */
	uint16_t port;              /* requested, network order */
	unsigned n;                 /* N as INP_REUSE* bits */
	unsigned r;                 /* R2 */
	bool mcast;
	bool bestfit;               /* B6: N = {} */
	struct vnet_sysctls sc;
	struct inp_explain *why;
};

/* "{A,P}" for explanations. */
static const char *reuse_str(unsigned set, char *buf, size_t len)
{
	snprintf(buf, len, "{%s%s%s%s%s}",
	         (set & INP_REUSEADDR) ? "A" : "",
	         (set & INP_REUSEADDR) && (set & (INP_REUSEPORT |
	                                          INP_REUSEPORT_LB)) ? "," : "",
	         (set & INP_REUSEPORT) ? "P" : "",
	         (set & INP_REUSEPORT) && (set & INP_REUSEPORT_LB) ? "," : "",
	         (set & INP_REUSEPORT_LB) ? "L" : "");
	return buf;
}

/* N: the new socket's reuse options, read from the live socket (1.3). */
static unsigned reuse_of_socket(const struct inp_sock *so)
{
	unsigned n = 0;

	if (so->options & INP_SO_REUSEADDR)
		n |= INP_REUSEADDR;
	if (so->options & INP_SO_REUSEPORT)
		n |= INP_REUSEPORT;
	if (so->options & INP_SO_REUSEPORT_LB)
		n |= INP_REUSEPORT_LB;
	return n;
}

/*
 * R2: unicast sharing needs P or L itself; on a multicast group A is
 * interchangeable with P and with L (seed PR 179901, truth table 2).
 */
static unsigned reuse_consent(unsigned n, bool mcast)
{
	unsigned r = n & (INP_REUSEPORT | INP_REUSEPORT_LB);

	if (mcast) {
		if (n & (INP_REUSEADDR | INP_REUSEPORT))
			r |= INP_REUSEADDR | INP_REUSEPORT;
		if (n & (INP_REUSEADDR | INP_REUSEPORT_LB))
			r |= INP_REUSEADDR | INP_REUSEPORT_LB;
	}
	return r;
}

/* R3: E(t) from t's cached flags, never from t's socket (1.3). */
static unsigned reuse_existing(const struct inp_pcb *t)
{
	return __atomic_load_n(&t->flags2, __ATOMIC_RELAXED) & REUSE_MASK;
}

/* Validation, B5 and B6, common to both paths. */
static int bind_start(struct bind_req *b, struct inp_pcb *p,
                      struct inp_cred *cred, int af, uint16_t port,
                      struct inp_explain *why)
{
	if (p == NULL || p->info == NULL || p->socket == NULL ||
	    p->cred == NULL || cred == NULL)
		return -EINVAL;
	memset(b, 0, sizeof(*b));
	b->p = p;
	b->cred = cred;
	b->af = af;
	b->port = port;
	b->why = why;
	if (p->lport != 0 || !inp_addr_is_any(&p->laddr)) {
		explain(why, "B5", "the socket is already bound");
		return -EINVAL;
	}
	b->n = reuse_of_socket(p->socket);
	b->bestfit = (b->n == 0);
	pcb_sysctls(pcb_vnet(p), &b->sc);
	return 0;
}

/* B9: explicit ports in [reservedlow, reservedhigh] need the privilege. */
static int bind_reserved(const struct bind_req *b)
{
	long port = ntohs(b->port);

	if (port == 0 || port < b->sc.portrange_reservedlow ||
	    port > b->sc.portrange_reservedhigh)
		return 0;
	if (cred_priv(b->cred, INP_PRIV_RESERVEDPORT))
		return 0;
	explain(b->why, "B9", "port %ld is reserved (%ld-%ld) and uid %u "
	        "lacks the reserved-port privilege", port,
	        b->sc.portrange_reservedlow, b->sc.portrange_reservedhigh,
	        (unsigned)b->cred->uid);
	return -EACCES;
}

/*
 * T1 (B10) in view af at addr: another uid's PCB using the port on an
 * overlapping address blocks the bind, unless the new socket is TCP and
 * that PCB is a connection.  Privilege and uid are the PCB's credential;
 * the namespace filter of the lookup is the caller's (1.1).
 */
static int bind_theft(const struct bind_req *b, int af,
                      const union inp_addr *addr, const char *how)
{
	const struct inp_pcb *p = b->p;
	struct inp_pcb *t;
	char desc[128];

	if (b->mcast || cred_priv(p->cred, INP_PRIV_REUSEPORT))
		return 0;
	t = pcb_lookup_local(p->info, af, addr, b->port, true, b->cred);
	if (t == NULL)
		return 0;
	if (p->proto == INP_PROTO_TCP && pcb_has_faddr(t))
		return 0;
	if (t->cred->uid == p->cred->uid)
		return 0;
	explain(b->why, "T1", "%s belongs to uid %u, not to the new socket's "
	        "uid %u%s", pcb_describe(t, desc, sizeof(desc)),
	        (unsigned)t->cred->uid, (unsigned)p->cred->uid, how);
	return -EADDRINUSE;
}

/*
 * R4 / X2: R (what the new socket consents to, R2) and E(t) are disjoint.
 * Both N and R are named: N alone would hide that R2 narrows it (A alone
 * consents to nothing on a unicast address), R alone reads as if the new
 * socket had set nothing.
 */
static int reuse_conflict(const struct bind_req *b, const struct inp_pcb *t,
                          const char *rule, const char *how)
{
	char desc[128], sb[16], rb[16], eb[16];

	explain(b->why, rule, "%s shares no reuse option: new socket sets %s "
	        "and consents to %s (R2), existing consents to %s%s",
	        pcb_describe(t, desc, sizeof(desc)),
	        reuse_str(b->n, sb, sizeof(sb)),
	        reuse_str(b->r, rb, sizeof(rb)),
	        reuse_str(reuse_existing(t), eb, sizeof(eb)), how);
	return -EADDRINUSE;
}

/*
 * R1/R4 (B11) in the view of the request, with X1 on the IPv4 path: two
 * AF_INET6 sockets on the IPv4 wildcard do not conflict here (the
 * dual-stack pair was judged by X2 when the IPv6 one was bound).
 */
static int bind_reuse(const struct bind_req *b)
{
	const struct inp_pcb *p = b->p;
	struct inp_pcb *t;

	t = pcb_lookup_local(p->info, b->af, &b->laddr, b->port, b->bestfit,
	                     b->cred);
	if (t == NULL || (b->r & reuse_existing(t)) != 0)
		return 0;
	if (b->af == AF_INET && inp_addr_is_any(&b->laddr) &&
	    inp_addr_is_any(&t->laddr) && p->family == AF_INET6 &&
	    t->family == AF_INET6)
		return 0;
	return reuse_conflict(b, t, "R4", b->bestfit ?
	                      " [best-fit lookup: N is empty]" : "");
}

/*
 * X2: binding '::' without V6ONLY also claims 0.0.0.0:p.  T1 again on the
 * IPv4 view, then the reuse test against t4 there, which only counts when
 * t4 is bound to a specific IPv4 address or is itself an AF_INET6 socket
 * (so an AF_INET wildcard socket does not block the dual-stack bind).
 */
static int bind_dualstack(const struct bind_req *b)
{
	static const union inp_addr any;
	const struct inp_pcb *p = b->p;
	struct inp_pcb *t4;
	int rc;

	rc = bind_theft(b, AF_INET, &any, " [X2: '::' also claims 0.0.0.0]");
	if (rc != 0)
		return rc;
	t4 = pcb_lookup_local(p->info, AF_INET, &any, b->port, b->bestfit,
	                      b->cred);
	if (t4 == NULL || (b->r & reuse_existing(t4)) != 0)
		return 0;
	if (inp_addr_is_any(&t4->laddr) && t4->family != AF_INET6)
		return 0;
	return reuse_conflict(b, t4, "X2", " [in the IPv4 view of '::']");
}

/*
 * B12-B14: choose the port if none was asked for (bind-style test in the
 * B6 mode), then write the binding and insert the PCB; undo on failure.
 */
static int bind_commit(const struct bind_req *b)
{
	struct inp_pcb *p = b->p;
	uint16_t lport = b->port;
	char desc[128];
	int rc;

	if (lport == 0) {
		rc = pcb_lport(p, b->af, &b->laddr, NULL, 0, &lport, b->cred,
		               b->bestfit, b->why);
		if (rc != 0)
			return rc;
	}
	p->laddr = b->laddr;
	PCB_STORE(p->lport, lport);    /* fan-out walks read it unlocked */
	rc = pcb_insert(p);
	if (rc != 0) {
		memset(&p->laddr, 0, sizeof(p->laddr));
		PCB_STORE(p->lport, 0);
		explain(b->why, "B13", "the tables refused the PCB (%d)", rc);
		return rc;
	}
	/* B14: pcb_insert() set INP_F_INHASHLIST. */
	if (b->port == 0)
		p->flags |= INP_F_ANONPORT;      /* P11 */
	explain(b->why, "B14", "bound %s%s", pcb_describe(p, desc,
	        sizeof(desc)), b->port == 0 ? " (ephemeral port)" : "");
	return 0;
}

/*
 * B10-B14 atomically under the hash write lock: T1 and R1-R4 in the view
 * of the request, then X2 when binding '::' also claims 0.0.0.0 (the
 * IPv6 path of a dual-stack socket).
 */
static int bind_locked(struct bind_req *b, bool dualstack)
{
	struct inp_pcbinfo *info = b->p->info;
	int rc = 0;

	hash_wlock(info);
	if (b->port != 0) {
		rc = bind_theft(b, b->af, &b->laddr, "");
		if (rc == 0)
			rc = bind_reuse(b);
		if (rc == 0 && dualstack)
			rc = bind_dualstack(b);
	}
	if (rc == 0)
		rc = bind_commit(b);
	hash_unlock(info);
	return rc;
}

/* B8 for IPv4: a multicast group or the wildcard need no locality. */
static int bind_class4(const struct bind_req *b, struct in_addr a)
{
	char ab[INET_ADDRSTRLEN];

	if (b->mcast || in4_is_any(a))
		return 0;
	if (b->p->flags & INP_F_BINDANY)
		return 0;
	if (ifa_is_local_in4(pcb_vnet(b->p), a))
		return 0;
	explain(b->why, "B8", "%s is not an address of this vnet and the "
	        "socket has no IP_BINDANY", fmt_in4(a, ab, sizeof(ab)));
	return -EADDRNOTAVAIL;
}

int pcb_bind4(struct inp_pcb *p, struct in_addr addr, uint16_t port,
              struct inp_cred *cred, struct inp_explain *why)
{
	struct bind_req b;
	char ab[INET_ADDRSTRLEN];
	int rc;

	rc = bind_start(&b, p, cred, AF_INET, port, why);
	if (rc != 0)
		return rc;
	rc = prison_local_ip4(cred, &addr);                /* B7 */
	if (rc != 0) {
		explain(why, "J4", "B7: the jail refuses local address %s",
		        fmt_in4(addr, ab, sizeof(ab)));
		return rc;
	}
	IA4(b.laddr) = addr;                               /* 4in6 form */
	b.mcast = in4_is_multicast(addr);
	b.r = reuse_consent(b.n, b.mcast);
	rc = bind_class4(&b, addr);
	if (rc == 0)
		rc = bind_reserved(&b);
	if (rc == 0)
		rc = bind_locked(&b, false);
	return rc;
}

/* The zone of a scoped address must name an interface (2.6). */
static int bind_zone6(const struct bind_req *b, const struct in6_addr *a,
                      unsigned scope_id)
{
	if (!in6_is_scoped(a) || scope_id == 0)
		return 0;
	if (inp_if_byindex(pcb_vnet(b->p), scope_id) != NULL)
		return 0;
	explain(b->why, "2.6", "zone id %u names no interface", scope_id);
	return -ENXIO;
}

/*
 * B8 for IPv6: a configured address that is not tentative, duplicated or
 * detached (anycast allowed, V14).  A link-local address without a zone
 * matches no interface address unless use_defzone supplies one.
 */
static int bind_class6(const struct bind_req *b, const struct in6_addr *a,
                       unsigned scope_id)
{
	char ab[INET6_ADDRSTRLEN + INP_NAME_MAX + 1];
	bool local;

	if (b->mcast || in6_is_any(a) || (b->p->flags & INP_F_BINDANY))
		return 0;
	if (in6_is_linklocal(a) && scope_id == 0 && !b->sc.use_defzone)
		local = false;
	else
		local = ifa_is_bindable_in6(pcb_vnet(b->p), a, scope_id);
	if (local)
		return 0;
	/* b->laddr has the zone: "fe80::10%em1", the address bind asked for. */
	explain(b->why, "B8", "%s%s is not a usable address of this vnet and "
	        "the socket has no IPV6_BINDANY",
	        pcb_fmt_addr(pcb_vnet(b->p), AF_INET6, &b->laddr, ab,
	                     sizeof(ab)),
	        in6_is_scoped(a) && scope_id == 0 ? " (no zone id)" : "");
	return -EADDRNOTAVAIL;
}

int pcb_bind6(struct inp_pcb *p, const struct in6_addr *addr,
              unsigned scope_id, uint16_t port, struct inp_cred *cred,
              struct inp_explain *why)
{
	struct bind_req b;
	struct in6_addr a;
	char ab[INET6_ADDRSTRLEN];
	int rc;

	if (addr == NULL)
		return -EINVAL;
	rc = bind_start(&b, p, cred, AF_INET6, port, why);
	if (rc != 0)
		return rc;
	a = *addr;
	rc = bind_zone6(&b, &a, scope_id);
	if (rc != 0)
		return rc;
	/* J4: '::' becomes a single jail address only when V6ONLY. */
	rc = prison_local_ip6(cred, &a, (p->flags & INP_F_V6ONLY) != 0);
	if (rc != 0) {
		explain(why, "J4", "B7: the jail refuses local address %s",
		        fmt_in6(&a, ab, sizeof(ab)));
		return rc;
	}
	/*
	 * The zone goes into the address (2.6, base.h): T1, R1-R4 and the
	 * tables then see fe80::1%em0 and fe80::1%em1 as the two addresses
	 * they are.  bind_zone6() checked the zone; the checks below take
	 * the bare address and the zone apart, as interface addresses do.
	 */
	b.laddr.a6 = a;
	in6_embed_zone(&b.laddr.a6, scope_id);
	b.mcast = in6_is_multicast(&a);
	b.r = reuse_consent(b.n, b.mcast);
	rc = bind_class6(&b, &a, scope_id);
	if (rc == 0)
		rc = bind_reserved(&b);
	if (rc == 0)
		rc = bind_locked(&b, inp_addr_is_any(&b.laddr) &&
		                     !(p->flags & INP_F_V6ONLY));
	return rc;
}
