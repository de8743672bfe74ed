/*
 * udp_output.c - sending UDP datagrams (FreeBSD udp_send(), udp6_send(),
 * udp_output(), udp6_output()): inp_sock_sendto().
 *
 * Under the PCB lock everything is decided: the destination (the
 * connected peer, or the given address checked as connect checks it: C1,
 * C4/J5, C5, C6 and 4.4's '::'), the source (the bound address, else the
 * S rules -- without binding it), the implicit bind of an unbound socket
 * (spec 2.7: the port only, chosen with the connect-style test P7, the
 * address stays the wildcard unless the jail restricts the family), and
 * a copy of the options the headers need.  Then the lock is dropped and
 * the packet is built and handed to ip_output(), which may deliver it
 * inside the stack: IP input must never run under the sending socket's
 * PCB lock.
 *
 * The PCB is read-locked, or write-locked when it may need the implicit
 * bind; a pthread rwlock cannot upgrade, so the lock is retaken and the
 * state read afresh.
 */
#include "ip/ip_internal.h"
#include "sock/sock_internal.h"

#include <stdlib.h>

/* The largest payloads: an IPv4 datagram, an IPv6 payload length. */
#define UDP_MAXDATA4 (IP_MAXPACKET - IP4_HDR_LEN - UDP_HDR_LEN)
#define UDP_MAXDATA6 (IP_MAXPACKET - UDP_HDR_LEN)

/* A destination: AF_INET also for a v4-mapped one. */
struct udp_dst {
	int af;
	struct in_addr a4;
	struct in6_addr a6;          /* wire form */
	unsigned zone;               /* of a scoped a6, 0: none */
	uint16_t port;               /* network order */
};

/* What the PCB lock section decided for the packet. */
struct udp_send {
	struct udp_dst dst;
	struct in_addr src4;
	struct in6_addr src6;        /* wire form */
	uint16_t sport;              /* network order */
	uint8_t tos, ttl;
	struct inp_ifnet *mifp;      /* multicast interface */
	bool mloop, bcast_ok;
};

/* ---- the destination --------------------------------------------------- */

/* C1 for sendto: the socket's family, its exact sockaddr size. */
static int dst_parse(const struct inp_sock *so, const struct sockaddr *sa,
                     socklen_t len, struct udp_dst *d)
{
	int fam = sockaddr_check(sa, len);
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;

	if (fam < 0)
		return fam;
	if (fam != so->family)
		return -EAFNOSUPPORT;
	memset(d, 0, sizeof(*d));
	if (fam == AF_INET) {
		memcpy(&sin, sa, sizeof(sin));
		d->af = AF_INET;
		d->a4 = sin.sin_addr;
		d->port = sin.sin_port;
		return 0;
	}
	memcpy(&sin6, sa, sizeof(sin6));
	d->port = sin6.sin6_port;
	if (in6_is_v4mapped(&sin6.sin6_addr)) {
		d->af = AF_INET;
		d->a4 = in6_v4mapped_addr(&sin6.sin6_addr);
	} else {
		d->af = AF_INET6;
		d->a6 = sin6.sin6_addr;
		d->zone = in6_is_scoped(&d->a6) ? sin6.sin6_scope_id : 0;
	}
	return 0;
}

/*
 * C4/J5 and C6 for IPv4: 0.0.0.0 is a destination only with
 * net.inet.ip.connect_inaddr_wild (the primary address, the jail's for
 * a jailed sender).  255.255.255.255 is the limited broadcast, rewritten
 * to the primary interface's broadcast address only with that knob.
 */
static int dst_special4(struct inp_sock *so, struct udp_dst *d)
{
	struct vnet_sysctls sc;
	struct in_addr prim, bcast;
	int rc;

	rc = prison_remote_ip4(so->cred, &d->a4);
	if (rc != 0 || (!in4_is_any(d->a4) && !in4_is_bcast_all(d->a4)))
		return rc;
	pcb_sysctls(so->vnet, &sc);
	if (!sc.connect_inaddr_wild)
		return in4_is_any(d->a4) ? -ENETUNREACH : 0;
	if (!vnet_primary_bcast_in4(so->vnet, &prim, &bcast))
		return -ENETUNREACH;
	if (in4_is_bcast_all(d->a4)) {
		d->a4 = bcast;
		return 0;
	}
	d->a4 = prim;
	return prison_get_ip4(so->cred, &d->a4);
}

/* 4.4: '::' means '::1' with connect_in6addr_wild; J5; the zone. */
static int dst_special6(struct inp_sock *so, struct inp_pcb *p,
                        struct udp_dst *d)
{
	static const struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT;
	struct vnet_sysctls sc;
	int rc;

	if (in6_is_any(&d->a6)) {
		pcb_sysctls(so->vnet, &sc);
		if (!sc.connect_in6addr_wild)
			return -ENETUNREACH;
		d->a6 = lo6;
	}
	rc = prison_remote_ip6(so->cred, &d->a6);
	if (rc == 0)
		rc = pcb_dst_zone6(p, &d->a6, d->zone, &d->zone, NULL);
	return rc;
}

/* The connected peer (its zone leaves the PCB form here). */
static void dst_of_pcb(const struct inp_pcb *p, struct udp_dst *d)
{
	memset(d, 0, sizeof(*d));
	d->port = p->fport;
	if (pcb_is_v4(p)) {
		d->af = AF_INET;
		d->a4 = IA4(p->faddr);
	} else {
		d->af = AF_INET6;
		d->a6 = p->faddr.a6;
		d->zone = in6_clear_zone(&d->a6);
	}
}

/* The destination of this send: C3 (EISCONN, ENOTCONN), then C1-C6. */
static int send_dest(struct inp_sock *so, struct inp_pcb *p,
                     const struct udp_dst *given, struct udp_dst *d)
{
	bool connected = pcb_has_faddr(p);

	if (given != NULL && connected)
		return -EISCONN;
	if (given == NULL) {
		if (!connected)
			return -ENOTCONN;
		dst_of_pcb(p, d);
		return 0;
	}
	*d = *given;
	if (so->family == AF_INET6 && d->af == AF_INET) {
		if (p->flags & INP_F_V6ONLY)
			return -EINVAL;       /* 4.1: v4-mapped on V6ONLY */
		if (!(p->vflag & INP_V_IPV4))
			return -EAFNOSUPPORT; /* bound to an IPv6 address */
	} else if (so->family == AF_INET6 && !(p->vflag & INP_V_IPV6)) {
		return -EAFNOSUPPORT;         /* bound v4-mapped */
	}
	if (d->port == 0)
		return -EADDRNOTAVAIL;        /* C5 */
	return d->af == AF_INET ? dst_special4(so, d)
	                        : dst_special6(so, p, d);
}

/* ---- the source and the implicit bind ---------------------------------- */

/* The bound address, else the S rules (4.3, 4.4) without binding it. */
static int send_source(struct inp_sock *so, struct inp_pcb *p,
                       struct udp_send *s)
{
	if (s->dst.af == AF_INET) {
		s->src4 = IA4(p->laddr);
		if (!in4_is_any(s->src4))
			return 0;
		return pcb_srcsel4(p, s->dst.a4, so->cred, &s->src4, NULL);
	}
	s->src6 = p->laddr.a6;
	(void)in6_clear_zone(&s->src6);
	if (!in6_is_any(&s->src6))
		return 0;
	return pcb_srcsel6(p, &s->dst.a6, s->dst.zone, so->cred, &s->src6,
	                   NULL);
}

/* The source and destination in PCB form (IPv4 4in6, IPv6 zones in). */
static void send_pcb_addrs(const struct udp_send *s, union inp_addr *laddr,
                           union inp_addr *faddr)
{
	memset(laddr, 0, sizeof(*laddr));
	memset(faddr, 0, sizeof(*faddr));
	if (s->dst.af == AF_INET) {
		IA4(*laddr) = s->src4;
		IA4(*faddr) = s->dst.a4;
		return;
	}
	laddr->a6 = s->src6;
	faddr->a6 = s->dst.a6;
	/* A scoped source was chosen on the destination's link. */
	in6_embed_zone(&laddr->a6, s->dst.zone);
	in6_embed_zone(&faddr->a6, s->dst.zone);
}

/*
 * 2.7: bind the port of an unbound socket (PCB write-locked).  The port
 * passes the connect-style test P7 for this destination; the address
 * committed is the wildcard, or the selected one in a jail that
 * restricts the family (which then also decides an AF_INET6 socket's
 * family, as a bind would, X3).  INP_ANONPORT as for any ephemeral port.
 */
static int send_bind(struct inp_sock *so, struct inp_pcb *p,
                     const struct udp_send *s)
{
	bool v4 = s->dst.af == AF_INET;
	bool jailed = pcb_jailed(p, v4 ? AF_INET : AF_INET6);
	union inp_addr laddr, faddr;
	unsigned vflag = p->vflag;
	uint16_t lport;
	int rc;

	send_pcb_addrs(s, &laddr, &faddr);
	hash_wlock(p->info);
	rc = pcb_lport(p, s->dst.af, &laddr, &faddr, s->dst.port, &lport,
	               so->cred, true, NULL);
	if (rc == 0) {
		if (jailed) {
			p->laddr = laddr;
			if (so->family == AF_INET6 && v4)
				p->vflag = (vflag & ~INP_V_IPV6) | INP_V_IPV4;
			else if (so->family == AF_INET6)
				p->vflag = vflag & ~INP_V_IPV4;
		}
		p->lport = lport;
		rc = pcb_insert(p);
		if (rc != 0) {
			memset(&p->laddr, 0, sizeof(p->laddr));
			p->lport = 0;
			p->vflag = vflag;
		} else {
			p->flags |= INP_F_ANONPORT;                  /* P11 */
		}
	}
	hash_unlock(p->info);
	return rc;
}

/* ---- options ----------------------------------------------------------- */

/*
 * What the headers take from the socket: IP_TOS and IP_TTL, for a
 * multicast IP_MULTICAST_TTL (default 1), IP_MULTICAST_LOOP (default on)
 * and IP_MULTICAST_IF; IPv6 has none of its own options here yet: hop
 * limit 64, 1 for multicast, traffic class 0, loop on, the
 * IPV6_MULTICAST_IF interface.
 */
static void send_options(struct inp_sock *so, const struct inp_pcb *p,
                         struct udp_send *s)
{
	const struct inp_moptions *mo = p->moptions;

	s->sport = p->lport;
	s->bcast_ok = (so->options & INP_SO_BROADCAST) != 0;
	s->mloop = mo != NULL ? mo->loop : true;
	if (s->dst.af == AF_INET) {
		s->tos = p->ip_tos;
		s->ttl = p->ip_ttl;
		if (in4_is_multicast(s->dst.a4)) {
			s->ttl = mo != NULL ? mo->ttl : 1;
			s->mifp = mo != NULL ? mo->ifp : NULL;
		}
		return;
	}
	s->tos = 0;
	s->mloop = true;
	if (in6_is_multicast(&s->dst.a6)) {
		s->ttl = 1;
		if (mo != NULL && mo->ifindex6 != 0)
			s->mifp = inp_if_byindex(so->vnet, mo->ifindex6);
	} else {
		s->ttl = IP_DEFTTL;
	}
}

/* Everything under the PCB lock (see the header comment). */
static int send_prepare(struct inp_sock *so, const struct udp_dst *given,
                        struct udp_send *s)
{
	struct inp_pcb *p = so->pcb;
	int rc;

	pcb_rlock(p);
	if (p->lport == 0) {          /* may need the implicit bind */
		pcb_unlock(p);
		pcb_wlock(p);
	}
	rc = send_dest(so, p, given, &s->dst);
	if (rc == 0)
		rc = send_source(so, p, s);
	/* A read lock means a port: only a write-locked PCB gets here. */
	if (rc == 0 && p->lport == 0)
		rc = send_bind(so, p, s);
	if (rc == 0)
		send_options(so, p, s);
	pcb_unlock(p);
	return rc;
}

/* ---- the packet -------------------------------------------------------- */

/* The UDP header and payload at u, checksummed over sum (pseudo-header). */
static void udp_fill(uint8_t *u, const struct udp_send *s, const void *buf,
                     size_t len, uint32_t sum)
{
	uint16_t c;

	memcpy(u, &s->sport, 2);
	memcpy(u + 2, &s->dst.port, 2);
	put16(u + 4, (uint16_t)(UDP_HDR_LEN + len));
	put16(u + 6, 0);
	if (len > 0)
		memcpy(u + UDP_HDR_LEN, buf, len);
	c = cksum_finish(cksum_add(sum, u, UDP_HDR_LEN + len));
	put16(u + 6, c != 0 ? c : 0xffff);     /* 0 means "none" (RFC 768) */
}

static int send_packet(struct inp_sock *so, const struct udp_send *s,
                       const void *buf, size_t len)
{
	bool v4 = s->dst.af == AF_INET;
	size_t hl = v4 ? IP4_HDR_LEN : IP6_HDR_LEN;
	size_t ulen = UDP_HDR_LEN + len;
	struct ip_out o = { .af = s->dst.af, .dst4 = s->dst.a4,
	                    .dst6 = s->dst.a6, .zone = s->dst.zone,
	                    .ifp = s->mifp, .mloop = s->mloop,
	                    .bcast_ok = s->bcast_ok };
	uint8_t *b = malloc(hl + ulen);
	uint32_t sum;
	int rc;

	if (b == NULL)
		return -ENOBUFS;
	if (v4) {
		ip4_header(b, s->tos, s->ttl, IPPROTO_UDP,
		           (uint16_t)host_random32(so->vnet->host), s->src4,
		           s->dst.a4, hl + ulen);
		sum = cksum_pseudo4(s->src4, s->dst.a4, IPPROTO_UDP,
		                    (uint32_t)ulen);
	} else {
		ip6_header(b, s->tos, IPPROTO_UDP, s->ttl, &s->src6, &s->dst.a6,
		           ulen);
		sum = cksum_pseudo6(&s->src6, &s->dst.a6, IPPROTO_UDP,
		                    (uint32_t)ulen);
	}
	udp_fill(b + hl, s, buf, len, sum);
	o.pkt = b;
	o.len = hl + ulen;
	UDPSTAT_INC(so->vnet, udps_opackets);   /* output, whatever IP does */
	rc = ip_output(so->vnet, &o);
	free(b);
	return rc;
}

/* ---- the entry --------------------------------------------------------- */

static size_t udp_maxdata(int af)
{
	return af == AF_INET ? UDP_MAXDATA4 : UDP_MAXDATA6;
}

long inp_sock_sendto(struct inp_sock *so, const void *buf, size_t len,
                     const struct sockaddr *dst, socklen_t dstlen)
{
	struct udp_dst given;
	struct udp_send s;
	int rc;

	if (so == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (so->proto != INP_PROTO_UDP)
		return -EOPNOTSUPP;      /* no TCP state machine, no data */
	rc = sock_take_error(so);
	if (rc != 0)
		return -rc;              /* sosend: a pending error first */
	if (dst != NULL && (rc = dst_parse(so, dst, dstlen, &given)) != 0)
		return rc;
	/* sosend_dgram: a datagram larger than the send buffer. */
	if (len > sock_sndbuf(so) ||
	    (dst != NULL && len > udp_maxdata(given.af)))
		return -EMSGSIZE;
	memset(&s, 0, sizeof(s));
	rc = send_prepare(so, dst != NULL ? &given : NULL, &s);
	if (rc != 0)
		return rc;
	if (len > udp_maxdata(s.dst.af))
		return -EMSGSIZE;        /* connected (bound already) */
	rc = send_packet(so, &s, buf, len);
	return rc != 0 ? rc : (long)len;
}
