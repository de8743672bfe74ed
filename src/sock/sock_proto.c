/*
 * sock_proto.c - the protocol entries of the socket layer: bind, connect,
 * disconnect, listen, accept and TIME_WAIT (FreeBSD udp_bind, udp6_bind,
 * tcp_usr_bind, udp_connect, udp6_connect, tcp_usr_connect, tcp_usr_listen,
 * the syncache's socket creation).
 *
 * These check what belongs to the socket: the sockaddr's family and length
 * (B2, B3, C1), the protocol's address classes (B4, C2), the socket state
 * (B1, C3), the jail rewrite of a destination (C4) and, for AF_INET6
 * sockets, the choice between the IPv4 and the IPv6 path with its vflag
 * bookkeeping (X3, §1.4, §4.1, V15).  Everything from B5 / C5 on is the PCB
 * layer's (pcb_bind4/6, pcb_connect4/6, pcb_listen).
 */
#include "sock/sock_internal.h"

#include <stddef.h>

/* Bytes needed before sa_family can be read. */
#define SA_FAMILY_END \
	(offsetof(struct sockaddr, sa_family) + sizeof(sa_family_t))

static bool pcb_is_bound(const struct inp_pcb *p)
{
	return p->lport != 0 || !inp_addr_is_any(&p->laddr);
}

static bool is_tcp(const struct inp_sock *so)
{
	return so->proto == INP_PROTO_TCP;
}

/* C11 through the PCB layer (zones are part of the addresses it clears). */
static int sock_disconnect(struct inp_pcb *p, struct inp_explain *why)
{
	return pcb_disconnect(p, why);
}

/*
 * The entry checks of bind and connect: a socket, and enough of a
 * sockaddr to read its family (rule: B3 or C1).
 */
static int sa_entry_check(const struct inp_sock *so,
                          const struct sockaddr *addr, socklen_t len,
                          const char *rule, struct inp_explain *why)
{
	if (so == NULL || addr == NULL)
		return -EINVAL;
	if (len < SA_FAMILY_END) {
		explain(why, rule, "address length %u is too short", (unsigned)len);
		return -EINVAL;
	}
	return 0;
}

/* Exactly the size of a sockaddr of that family (B3, C1). */
static int sa_len_check(socklen_t len, int family, const char *rule,
                        struct inp_explain *why)
{
	bool v4 = family == AF_INET;

	if (len == (v4 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)))
		return 0;
	explain(why, rule, "address length %u is not sizeof(%s)", (unsigned)len,
	        v4 ? "sockaddr_in" : "sockaddr_in6");
	return -EINVAL;
}

/*
 * The sockaddr a socket of family `family` takes: that family (fam_rule:
 * B2 or C1) and exactly its size (len_rule: B3 or C1).
 */
static int sa_check(const struct sockaddr *addr, socklen_t len, int family,
                    const char *fam_rule, const char *len_rule,
                    struct inp_explain *why)
{
	if (addr->sa_family != family) {
		explain(why, fam_rule, "address family %d is not %s",
		        addr->sa_family, family == AF_INET ? "AF_INET" : "AF_INET6");
		return -EAFNOSUPPORT;
	}
	return sa_len_check(len, family, len_rule, why);
}

/* ---- bind ------------------------------------------------------------ */

/* B2: old programs pass AF_UNSPEC with INADDR_ANY to an AF_INET socket. */
static bool unspec_any4(const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_in sin;

	if (addr->sa_family != AF_UNSPEC ||
	    len < offsetof(struct sockaddr_in, sin_zero))
		return false;
	memset(&sin, 0, sizeof(sin));
	memcpy(&sin, addr, offsetof(struct sockaddr_in, sin_zero));
	return in4_is_any(sin.sin_addr);
}

/* udp_bind / tcp_usr_bind: B2-B4, then in_pcbbind from B5 on. */
static int bind_in4(struct inp_sock *so, struct inp_pcb *p,
                    const struct sockaddr *addr, socklen_t len,
                    struct inp_explain *why)
{
	struct sockaddr_in sin;
	int error;

	if (unspec_any4(addr, len))
		error = sa_len_check(len, AF_INET, "B3", why);
	else
		error = sa_check(addr, len, AF_INET, "B2", "B3", why);
	if (error != 0)
		return error;
	memcpy(&sin, addr, sizeof(sin));
	if (is_tcp(so) && in4_is_multicast(sin.sin_addr)) {
		explain(why, "B4", "TCP cannot bind a multicast address");
		return -EAFNOSUPPORT;
	}
	return pcb_bind4(p, sin.sin_addr, sin.sin_port, so->cred, why);
}

/* udp6_bind / tcp6_usr_bind: §2.6 entry, X3, vflag per §1.4, V15. */
static int bind_in6(struct inp_sock *so, struct inp_pcb *p,
                    const struct sockaddr *addr, socklen_t len,
                    struct inp_explain *why)
{
	struct sockaddr_in6 sin6;
	bool mapped, v6only;
	unsigned old;
	int error;

	error = sa_check(addr, len, AF_INET6, "B2", "B3", why);
	if (error != 0)
		return error;
	memcpy(&sin6, addr, sizeof(sin6));
	mapped = in6_is_v4mapped(&sin6.sin6_addr);
	if (is_tcp(so) && (in6_is_multicast(&sin6.sin6_addr) ||
	                   (mapped && in4_is_multicast(
	                                  in6_v4mapped_addr(&sin6.sin6_addr))))) {
		explain(why, "B4", "TCP cannot bind a multicast address");
		return -EAFNOSUPPORT;
	}
	/*
	 * B5 before touching vflag: a hashed PCB must not see its family
	 * flags flicker while lookups read them.
	 */
	if (pcb_is_bound(p)) {
		explain(why, "B5", "the socket is already bound");
		return -EINVAL;
	}
	v6only = (p->flags & INP_F_V6ONLY) != 0;
	old = p->vflag;
	if (mapped && !v6only) {
		/* X3: an IPv4 bind of the embedded address; an IPv4 PCB now. */
		p->vflag = (old & ~INP_V_IPV6) | INP_V_IPV4;
		error = pcb_bind4(p, in6_v4mapped_addr(&sin6.sin6_addr),
		                  sin6.sin6_port, so->cred, why);
	} else {
		if (in6_is_any(&sin6.sin6_addr) && !v6only)
			p->vflag = old | INP_V_IPV4 | INP_V_IPV6; /* X2 */
		else
			p->vflag = (old & ~INP_V_IPV4) | INP_V_IPV6;
		/* The zone is embedded by the PCB layer (2.6). */
		error = pcb_bind6(p, &sin6.sin6_addr, sin6.sin6_scope_id,
		                  sin6.sin6_port, so->cred, why);
	}
	if (error != 0)
		p->vflag = old;   /* V15 */
	return error;
}

int inp_sock_bind(struct inp_sock *so, const struct sockaddr *addr,
                  socklen_t len, struct inp_explain *why)
{
	struct inp_pcb *p;
	int error;

	error = sa_entry_check(so, addr, len, "B3", why);
	if (error != 0)
		return error;
	p = so->pcb;
	pcb_wlock(p);
	if (is_tcp(so) && (p->flags & INP_F_DROPPED)) {
		explain(why, "B1", "the TCP connection was dropped");
		error = -EINVAL;
	} else if (so->family == AF_INET) {
		error = bind_in4(so, p, addr, len, why);
	} else {
		error = bind_in6(so, p, addr, len, why);
	}
	pcb_unlock(p);
	return error;
}

/* ---- connect --------------------------------------------------------- */

/* C2 for TCP (also on the address embedded in a v4-mapped one). */
static int tcp_dst_class4(struct in_addr dst, struct inp_explain *why)
{
	if (in4_is_multicast(dst)) {
		explain(why, "C2", "TCP cannot connect to a multicast address");
		return -EAFNOSUPPORT;
	}
	if (in4_is_bcast_all(dst)) {
		explain(why, "C2", "TCP cannot connect to 255.255.255.255");
		return -EACCES;
	}
	return 0;
}

/* C3 for TCP: the socket layer's state checks (V17). */
static int tcp_connect_state(struct inp_pcb *p, struct inp_explain *why)
{
	if (p->flags & INP_LISTEN) {
		explain(why, "C3", "the socket is listening");
		return -EOPNOTSUPP;
	}
	if (p->flags & INP_F_DROPPED) {
		explain(why, "C3", "the TCP connection was dropped");
		return -ECONNREFUSED;
	}
	if (pcb_has_faddr(p)) {
		explain(why, "C3", "the TCP socket is already connected");
		return -EISCONN;
	}
	return 0;
}

/*
 * C2 for TCP, then C4/J5 on a copy: the rewritten address is what
 * getpeername shows.  AF_INET sockets and v4-mapped destinations.
 */
static int connect_dst4(const struct inp_sock *so, struct in_addr *dst,
                        struct inp_explain *why)
{
	int error;

	if (is_tcp(so) && (error = tcp_dst_class4(*dst, why)) != 0)
		return error;
	error = prison_remote_ip4(so->cred, dst);
	if (error != 0)
		explain(why, "C4", "the jail has no IPv4 address");
	return error;
}

/* udp_connect / tcp_usr_connect for AF_INET sockets: C1, C2, C4. */
static int connect_in4(struct inp_sock *so, struct inp_pcb *p,
                       const struct sockaddr *addr, socklen_t len,
                       struct inp_explain *why)
{
	struct sockaddr_in sin;
	struct in_addr dst;
	int error;

	error = sa_check(addr, len, AF_INET, "C1", "C1", why);
	if (error != 0)
		return error;
	memcpy(&sin, addr, sizeof(sin));
	dst = sin.sin_addr;
	error = connect_dst4(so, &dst, why);
	if (error != 0)
		return error;
	return pcb_connect4(p, dst, sin.sin_port, so->cred, why);
}

/* §4.1, v4-mapped destination of an AF_INET6 socket. */
static int connect_mapped(struct inp_sock *so, struct inp_pcb *p,
                          const struct sockaddr_in6 *sin6,
                          struct inp_explain *why)
{
	struct in_addr dst = in6_v4mapped_addr(&sin6->sin6_addr);
	unsigned old;
	int error;

	if (p->flags & INP_F_V6ONLY) {
		explain(why, "4.1", "v4-mapped destination on a V6ONLY socket");
		return -EINVAL;
	}
	if (!(p->vflag & INP_V_IPV4)) {
		explain(why, "4.1", "the PCB is IPv6-only (bound to an IPv6 address)");
		return -EAFNOSUPPORT;
	}
	error = connect_dst4(so, &dst, why);
	if (error != 0)
		return error;
	old = p->vflag;
	p->vflag = (old & ~INP_V_IPV6) | INP_V_IPV4;
	error = pcb_connect4(p, dst, sin6->sin6_port, so->cred, why);
	if (error != 0)
		p->vflag = old;   /* V15 */
	return error;
}

/* §4.1, native IPv6 destination. */
static int connect_native6(struct inp_sock *so, struct inp_pcb *p,
                           const struct sockaddr_in6 *sin6,
                           struct inp_explain *why)
{
	struct in6_addr dst = sin6->sin6_addr;
	unsigned old;
	int error;

	if (!(p->vflag & INP_V_IPV6)) {
		explain(why, "4.1", "the PCB is IPv4 now (bound or connected v4-mapped)");
		return -EAFNOSUPPORT;
	}
	error = prison_remote_ip6(so->cred, &dst);
	if (error != 0) {
		explain(why, "C4", "the jail has no IPv6 address");
		return error;
	}
	old = p->vflag;
	p->vflag = (old & ~INP_V_IPV4) | INP_V_IPV6;
	/* The PCB layer embeds both zones: the peer's, the source's (4.4). */
	error = pcb_connect6(p, &dst, sin6->sin6_scope_id, sin6->sin6_port,
	                     so->cred, why);
	if (error != 0)
		p->vflag = old;   /* V15 */
	return error;
}

/* udp6_connect / tcp6_usr_connect. */
static int connect_in6(struct inp_sock *so, struct inp_pcb *p,
                       const struct sockaddr *addr, socklen_t len,
                       struct inp_explain *why)
{
	struct sockaddr_in6 sin6;
	int error;

	error = sa_check(addr, len, AF_INET6, "C1", "C1", why);
	if (error != 0)
		return error;
	memcpy(&sin6, addr, sizeof(sin6));
	if (is_tcp(so) && in6_is_multicast(&sin6.sin6_addr)) {
		explain(why, "C2", "TCP cannot connect to a multicast address");
		return -EAFNOSUPPORT;
	}
	if (in6_is_v4mapped(&sin6.sin6_addr))
		return connect_mapped(so, p, &sin6, why);
	return connect_native6(so, p, &sin6, why);
}

/*
 * C3/C11 for UDP: a connected socket is first disconnected, whatever
 * follows.  Returns 0 to go on with the connect, or the call's result.
 */
static int udp_connect_state(struct inp_pcb *p, const struct sockaddr *addr,
                             struct inp_explain *why)
{
	char desc[128];

	if (!pcb_has_faddr(p)) {
		if (addr->sa_family == AF_UNSPEC) {
			/* E23 (project decision): nothing to dissolve. */
			explain(why, "C11", "AF_UNSPEC connect on an unconnected socket");
			return -ENOTCONN;
		}
		return 0;
	}
	(void)sock_disconnect(p, why);
	if (addr->sa_family == AF_UNSPEC) {
		/* §4.5: FreeBSD reports the family error after dissolving. */
		explain(why, "C11", "%s disconnected; AF_UNSPEC is no address to connect to",
		        pcb_describe(p, desc, sizeof(desc)));
		return -EAFNOSUPPORT;
	}
	return 0;
}

int inp_sock_connect(struct inp_sock *so, const struct sockaddr *addr,
                     socklen_t len, struct inp_explain *why)
{
	struct inp_pcb *p;
	int error;

	error = sa_entry_check(so, addr, len, "C1", why);
	if (error != 0)
		return error;
	p = so->pcb;
	pcb_wlock(p);
	if (is_tcp(so))
		error = tcp_connect_state(p, why);
	else
		error = udp_connect_state(p, addr, why);
	if (error == 0) {
		if (so->family == AF_INET)
			error = connect_in4(so, p, addr, len, why);
		else
			error = connect_in6(so, p, addr, len, why);
	}
	pcb_unlock(p);
	return error;
}

int inp_sock_disconnect(struct inp_sock *so, struct inp_explain *why)
{
	struct inp_pcb *p;
	int error;

	if (so == NULL)
		return -EINVAL;
	if (is_tcp(so)) {
		explain(why, "C12", "TCP connections are not ended by disconnect");
		return -EOPNOTSUPP;
	}
	p = so->pcb;
	pcb_wlock(p);
	error = sock_disconnect(p, why);     /* -ENOTCONN when not connected */
	pcb_unlock(p);
	return error;
}

/* ---- listen ---------------------------------------------------------- */

int inp_sock_listen(struct inp_sock *so, int backlog, struct inp_explain *why)
{
	struct inp_pcb *p;
	int error = 0;

	if (so == NULL)
		return -EINVAL;
	if (!is_tcp(so)) {
		explain(why, "2.7", "listen needs a TCP socket");
		return -EOPNOTSUPP;
	}
	if (backlog < 0)
		backlog = 0;
	p = so->pcb;
	pcb_wlock(p);
	if (p->flags & INP_F_DROPPED) {
		explain(why, "B1", "the TCP connection was dropped");
		error = -EINVAL;
	} else if (pcb_has_faddr(p)) {
		explain(why, "2.7", "a connected TCP socket cannot listen");
		error = -EINVAL;
	} else if (!(p->flags & INP_LISTEN)) {
		/* Implicit bind when unbound, LB activation (2.7, G1). */
		error = pcb_listen(p, why);
	}
	if (error == 0)
		so->backlog = backlog;   /* again: only the backlog changes */
	pcb_unlock(p);
	return error;
}

/* ---- accept ---------------------------------------------------------- */

/* One end of an incoming connection, in the PCB's address form. */
struct endpoint {
	bool v4;               /* IPv4 (AF_INET or v4-mapped) */
	union inp_addr addr;   /* a scoped IPv6 address with its zone */
	uint16_t port;         /* network order */
};

/*
 * -EAFNOSUPPORT for a family that is not IP; -ENXIO for a scoped address
 * whose zone id names no interface (2.6).
 */
static int endpoint_parse(struct inp_vnet *vnet, const struct sockaddr *sa,
                          struct endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, sa, sizeof(sin));
		ep->v4 = true;
		IA4(ep->addr) = sin.sin_addr;
		ep->port = sin.sin_port;
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, sa, sizeof(sin6));
		ep->port = sin6.sin6_port;
		if (in6_is_v4mapped(&sin6.sin6_addr)) {
			ep->v4 = true;
			IA4(ep->addr) = in6_v4mapped_addr(&sin6.sin6_addr);
		} else {
			if (in6_is_scoped(&sin6.sin6_addr) &&
			    sin6.sin6_scope_id != 0 &&
			    inp_if_byindex(vnet, sin6.sin6_scope_id) == NULL)
				return -ENXIO;
			IA6(ep->addr) = sin6.sin6_addr;
			in6_embed_zone(&IA6(ep->addr), sin6.sin6_scope_id);
		}
		return 0;
	}
	return -EAFNOSUPPORT;
}

static bool endpoint_unusable(const struct endpoint *ep)
{
	if (inp_addr_is_any(&ep->addr))
		return true;
	if (ep->v4)
		return in4_is_multicast(IA4(ep->addr)) ||
		       in4_is_bcast_all(IA4(ep->addr));
	return in6_is_multicast(&IA6(ep->addr));
}

/* What the new connection inherits from its listener. */
struct accept_ctx {
	struct endpoint from, to;
	uint16_t lport;
	unsigned options;      /* so->options */
	unsigned flags;        /* inheritable PCB flags */
	unsigned flags2;       /* cached reuse options (§1.3) */
	uint8_t tos, ttl, minttl;
};

#define ACCEPT_FLAGS (INP_F_V6ONLY | INP_F_BINDANY | INP_RECVDSTADDR | \
                      INP_RECVIF | INP_RECVTTL | INP_RECVTOS |             \
                      INP_HIGHPORT | INP_LOWPORT)
#define REUSE_FLAGS2 (INP_REUSEADDR | INP_REUSEPORT | INP_REUSEPORT_LB)

/* The connection's family must be one the listener speaks (§1.4). */
static int accept_family(const struct inp_sock *so, const struct inp_pcb *p,
                         const struct endpoint *from, struct inp_explain *why)
{
	if (from->v4 && !(p->vflag & INP_V_IPV4)) {
		explain(why, "1.4", "the listener does not accept IPv4 (V6ONLY)");
		return -EAFNOSUPPORT;
	}
	if (!from->v4 && (so->family != AF_INET6 || !(p->vflag & INP_V_IPV6))) {
		explain(why, "1.4", "the listener does not accept IPv6");
		return -EAFNOSUPPORT;
	}
	return 0;
}

/* The local end: `to`, or the listener's own specific address. */
static int accept_local(const struct inp_pcb *p, const struct sockaddr *to,
                        struct accept_ctx *c, struct inp_explain *why)
{
	bool l_any = inp_addr_is_any(&p->laddr);
	int error;

	if (to == NULL) {
		if (l_any) {
			explain(why, "2.7", "a wildcard listener needs the local address");
			return -EINVAL;
		}
		c->to.v4 = c->from.v4;
		c->to.addr = p->laddr;
		c->to.port = p->lport;
		return 0;
	}
	error = endpoint_parse(pcb_vnet(p), to, &c->to);
	if (error == -ENXIO) {
		explain(why, "2.6", "the local zone id names no interface");
		return error;
	}
	if (error != 0 || c->to.v4 != c->from.v4) {
		explain(why, "1.4", "local and foreign address families differ");
		return -EAFNOSUPPORT;
	}
	if (endpoint_unusable(&c->to) ||
	    (c->to.port != 0 && c->to.port != p->lport) ||
	    (!l_any && !in6_equal(&IA6(p->laddr), &IA6(c->to.addr)))) {
		explain(why, "2.7", "the listener does not receive for that address");
		return -EINVAL;
	}
	return 0;
}

/* Validate the listener and the endpoints; copy what is inherited. */
static int accept_prepare(struct inp_sock *so, const struct sockaddr *from,
                          const struct sockaddr *to, struct accept_ctx *c,
                          struct inp_explain *why)
{
	struct inp_pcb *p = so->pcb;
	int error;

	memset(c, 0, sizeof(*c));
	error = endpoint_parse(so->vnet, from, &c->from);
	if (error == -ENXIO) {
		explain(why, "2.6", "the foreign zone id names no interface");
		return error;
	}
	if (error != 0) {
		explain(why, "C1", "unsupported foreign address family %d",
		        from->sa_family);
		return -EAFNOSUPPORT;
	}
	if (endpoint_unusable(&c->from) || c->from.port == 0) {
		explain(why, "C5", "a connection needs a unicast foreign address and port");
		return -EINVAL;
	}
	pcb_rlock(p);
	if (!(p->flags & INP_LISTEN) || (p->flags & INP_F_DROPPED)) {
		explain(why, "2.7", "the socket is not a listening TCP socket");
		error = -EINVAL;
	} else if ((error = accept_family(so, p, &c->from, why)) == 0 &&
	           (error = accept_local(p, to, c, why)) == 0) {
		c->lport = p->lport;
		c->options = so->options;
		c->flags = p->flags & ACCEPT_FLAGS;
		c->flags2 = p->flags2 & REUSE_FLAGS2;
		c->tos = p->ip_tos;
		c->ttl = p->ip_ttl;
		c->minttl = p->ip_minttl;
	}
	pcb_unlock(p);
	return error;
}

/* Give the new PCB its options and 4-tuple; insert it (C8, C9). */
static int accept_insert(struct inp_sock *ns, const struct accept_ctx *c,
                         struct inp_explain *why)
{
	struct inp_pcb *np = ns->pcb;
	struct inp_pcbinfo *info = np->info;
	struct inp_pcb *dup;
	int af = c->from.v4 ? AF_INET : AF_INET6;
	char desc[128];
	int error;

	ns->options = c->options;
	np->flags |= c->flags;
	np->flags2 |= c->flags2;
	np->ip_tos = c->tos;
	np->ip_ttl = c->ttl;
	np->ip_minttl = c->minttl;
	if (ns->family == AF_INET6)
		np->vflag = INP_V_IPV6PROTO |
		            (c->from.v4 ? INP_V_IPV4 : INP_V_IPV6);
	hash_wlock(info);
	dup = pcb_lookup_hash(info, af, &c->from.addr, c->from.port,
	                      &c->to.addr, c->lport, false, NULL);
	if (dup != NULL) {
		explain(why, "C8", "%s holds the 4-tuple",
		        pcb_describe(dup, desc, sizeof(desc)));
		hash_unlock(info);
		return -EADDRINUSE;
	}
	np->laddr = c->to.addr;
	np->lport = c->lport;
	np->faddr = c->from.addr;
	np->fport = c->from.port;
	np->flags |= INP_CONNECTED;
	error = pcb_insert(np);
	if (error != 0) {
		memset(&np->laddr, 0, sizeof(np->laddr));
		memset(&np->faddr, 0, sizeof(np->faddr));
		np->lport = np->fport = 0;
		np->flags &= ~INP_CONNECTED;
		explain(why, "B13", "no room to insert the connection");
	}
	hash_unlock(info);
	return error;
}

int inp_sock_accept(struct inp_sock *so, const struct sockaddr *from,
                    const struct sockaddr *to, struct inp_sock **out,
                    struct inp_explain *why)
{
	struct accept_ctx c;
	struct inp_sock *ns;
	struct inp_pcb *np;
	int error;

	if (so == NULL || from == NULL || out == NULL)
		return -EINVAL;
	if (!is_tcp(so)) {
		explain(why, "2.7", "only a TCP listener accepts connections");
		return -EINVAL;
	}
	error = accept_prepare(so, from, to, &c, why);
	if (error != 0)
		return error;
	/* The listener's credential (the caller keeps the listener open). */
	error = sock_create(so->vnet, so->family, INP_PROTO_TCP, so->cred, &ns);
	if (error != 0)
		return error;
	np = ns->pcb;
	error = accept_insert(ns, &c, why);
	if (error != 0) {
		sock_detach(ns);
		pcb_free(np);
		sock_release(ns);
		return error;
	}
	pcb_unlock(np);
	*out = ns;
	return 0;
}

/* ---- TIME_WAIT ------------------------------------------------------- */

int inp_sock_timewait(struct inp_sock *so)
{
	struct inp_pcb *p;

	if (so == NULL || !is_tcp(so))
		return -EINVAL;
	p = so->pcb;
	pcb_wlock(p);
	if (!pcb_has_faddr(p) || (p->flags & (INP_LISTEN | INP_F_DROPPED))) {
		pcb_unlock(p);
		return -EINVAL;
	}
	/* LC-16: the PCB stays hashed, keeping flags2 as they are (§1.3). */
	pcb_timewait(p);
	sock_detach(so);
	pcb_unlock(p);
	sock_release(so);
	return 0;
}
