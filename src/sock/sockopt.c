/*
 * sockopt.c - setsockopt/getsockopt for the INP_* options of sock.h, the
 * multicast options (interface, TTL, loop, memberships) the socket layer
 * owns on behalf of its PCB, and the RSS ones (IP_RSSBUCKETID, read
 * only, and the extension INP_IP_RSS_CONNECT_BUCKET).
 *
 * Every change is made under the PCB write lock, except the buffer sizes
 * (SO_RCVBUF, SO_SNDBUF), which live with the receive queue under its
 * rcv_lock (sock_internal.h).  The reuse options are
 * kept twice: in so->options for the socket's own bind (the new socket's
 * N of §2.1), and cached in pcb->flags2, which is all other PCBs' conflict
 * checks and the UDP fan-out stop rule may read (§1.3, seed PR 179901).
 */
#include "sock/sock_internal.h"
#include "rss/rss_internal.h"

#include <stdlib.h>

/* FreeBSD's IP_MAX_MEMBERSHIPS. */
#define SOCK_MAX_MEMBERSHIPS 4095

/* Defaults of a fresh multicast option block (FreeBSD imo defaults). */
#define MOPT_DEFAULT_TTL  1
#define MOPT_DEFAULT_LOOP true

/* ---- value helpers --------------------------------------------------- */

static int opt_int(const void *val, socklen_t len, int *out)
{
	if (len != sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

/* IP_MULTICAST_TTL/LOOP also take a u_char, as in FreeBSD. */
static int opt_int_or_byte(const void *val, socklen_t len, int *out)
{
	if (len == sizeof(unsigned char)) {
		*out = *(const unsigned char *)val;
		return 0;
	}
	return opt_int(val, len, out);
}

static int opt_byte_range(const void *val, socklen_t len, int *out,
                          bool byte_ok)
{
	int error = byte_ok ? opt_int_or_byte(val, len, out)
	                    : opt_int(val, len, out);

	if (error == 0 && (*out < 0 || *out > 255))
		return -EINVAL;
	return error;
}

static void flag_set(unsigned *word, unsigned bit, bool on)
{
	if (on)
		*word |= bit;
	else
		*word &= ~bit;
}

/* ---- multicast option block ------------------------------------------ */

static struct inp_moptions *moptions_get(struct inp_pcb *p)
{
	if (p->moptions == NULL) {
		p->moptions = calloc(1, sizeof(*p->moptions));
		if (p->moptions != NULL) {
			p->moptions->ttl = MOPT_DEFAULT_TTL;
			p->moptions->loop = MOPT_DEFAULT_LOOP;
		}
	}
	return p->moptions;
}

void sock_moptions_free(struct inp_pcb *p)
{
	struct inp_moptions *mo;
	struct inp_mship *m, *next;

	if (p == NULL || p->moptions == NULL)
		return;
	mo = p->moptions;
	p->moptions = NULL;
	for (m = mo->memberships; m != NULL; m = next) {
		next = m->next;
		free(m);
	}
	free(mo);
}

/* ---- SOL_SOCKET ------------------------------------------------------ */

static unsigned reuse_flag2(int name)
{
	switch (name) {
	case INP_SO_REUSEADDR:    return INP_REUSEADDR;
	case INP_SO_REUSEPORT:    return INP_REUSEPORT;
	case INP_SO_REUSEPORT_LB: return INP_REUSEPORT_LB;
	default:                  return 0;
	}
}

static bool is_sockbuf(int name)
{
	return name == INP_SO_RCVBUF || name == INP_SO_SNDBUF;
}

/*
 * SO_RCVBUF / SO_SNDBUF in bytes: positive, at most the host's
 * limits.rcvbuf_max (kern.ipc.maxsockbuf; FreeBSD's sbreserve fails
 * with ENOBUFS above it).  A smaller receive buffer keeps what is queued
 * and refuses what no longer fits.
 */
static int set_sockbuf(struct inp_sock *so, int name, int v,
                       struct inp_explain *why)
{
	unsigned max = so->vnet->host->limits.rcvbuf_max;

	if (v <= 0) {
		explain(why, "1.2", "a buffer size must be positive, not %d", v);
		return -EINVAL;
	}
	if ((unsigned)v > max) {
		explain(why, "1.2", "%d bytes exceed the limit of %u "
		        "(kern.ipc.maxsockbuf)", v, max);
		return -ENOBUFS;
	}
	pthread_mutex_lock(&so->rcv_lock);
	if (name == INP_SO_RCVBUF)
		so->rcv_hiwat = (size_t)v;
	else
		so->snd_hiwat = (size_t)v;
	pthread_mutex_unlock(&so->rcv_lock);
	return 0;
}

/*
 * SO_REUSEADDR, SO_REUSEPORT, SO_REUSEPORT_LB, SO_DONTROUTE, SO_BROADCAST,
 * SO_RCVBUF, SO_SNDBUF (opt_known).
 */
static int set_sol_socket(struct inp_sock *so, int name, const void *val,
                          socklen_t len, struct inp_explain *why)
{
	struct inp_pcb *p = so->pcb;
	unsigned cached = reuse_flag2(name);
	int v, error;

	if ((error = opt_int(val, len, &v)) != 0)
		return error;
	if (is_sockbuf(name))
		return set_sockbuf(so, name, v, why);
	pcb_wlock(p);
	flag_set(&so->options, (unsigned)name, v != 0);
	if (cached != 0) {
		/* §1.3: the cache follows the option, bound or not. */
		flag_set(&p->flags2, cached, v != 0);
		explain(why, "1.3", "reuse option %s, cached on the PCB",
		        v ? "set" : "cleared");
	}
	pcb_unlock(p);
	return 0;
}

/* ---- IP_MULTICAST_IF, memberships ------------------------------------- */

/* The interface owning IPv4 address a, or NULL (IF-2 reference released). */
static struct inp_ifnet *ifp_by_addr4(struct inp_vnet *vnet, struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };
	struct inp_ifaddr *ifa;
	struct inp_ifnet *ifp;

	if (inp_ifa_find(vnet, (struct sockaddr *)&sin, &ifa) != 0)
		return NULL;
	ifp = inp_ifa_ifnet(ifa);
	inp_ifa_rele(ifa);
	return ifp;
}

/*
 * IP_MULTICAST_IF (v6 false) or IPV6_MULTICAST_IF (v6 true) once the
 * interface is known; NULL goes back to the default.  rule: S2 or 4.4.
 */
static int set_multicast_ifp(struct inp_sock *so, bool v6,
                             struct inp_ifnet *ifp, const char *rule,
                             struct inp_explain *why)
{
	struct inp_pcb *p = so->pcb;
	int error = 0;

	if (ifp != NULL && !(inp_if_flags(ifp) & INP_IFF_MULTICAST)) {
		explain(why, rule, "interface %s cannot multicast",
		        inp_if_name(ifp));
		return -EOPNOTSUPP;
	}
	pcb_wlock(p);
	if (ifp == NULL && p->moptions == NULL)
		;       /* clearing what was never set */
	else if (moptions_get(p) == NULL)
		error = -ENOMEM;
	else if (v6)
		p->moptions->ifindex6 = inp_if_index(ifp);   /* NULL: 0 */
	else
		p->moptions->ifp = ifp;
	pcb_unlock(p);
	return error;
}

/* S2: selects the interface only; the source is its first address. */
static int set_multicast_if4(struct inp_sock *so, const void *val,
                             socklen_t len, struct inp_explain *why)
{
	struct inp_ifnet *ifp = NULL;
	struct in_addr a;

	if (len != sizeof(struct in_addr))
		return -EINVAL;
	memcpy(&a, val, sizeof(a));
	if (!in4_is_any(a)) {
		ifp = ifp_by_addr4(so->vnet, a);
		if (ifp == NULL) {
			explain(why, "S2", "no interface owns that address");
			return -EADDRNOTAVAIL;
		}
	}
	return set_multicast_ifp(so, false, ifp, "S2", why);
}

/*
 * The interface a membership request names: by address, or for the
 * wildcard by the route to the group (FreeBSD inp_lookup_mcast_ifp).
 */
static struct inp_ifnet *mship_ifp4(struct inp_vnet *vnet, struct in_addr ifa,
                                    struct in_addr group)
{
	struct rt_result rt;

	if (!in4_is_any(ifa))
		return ifp_by_addr4(vnet, ifa);
	memset(&rt, 0, sizeof(rt));
	if (rt_lookup_in4(vnet, group, &rt) != 0)
		return NULL;
	if (rt.ifa != NULL)
		ifa_rele(rt.ifa);
	return rt.ifp;
}

/*
 * The membership of group on interface ifindex.  A scoped IPv6 group
 * carries the zone of its interface (set_membership6), so with an
 * interface the 16 bytes decide; ifindex 0 on a drop names the group on
 * any interface, so the zone is left out of that comparison.
 */
static struct inp_mship **mship_find(struct inp_moptions *mo, int family,
                                     const union inp_addr *group,
                                     unsigned ifindex)
{
	struct inp_mship **mp;

	if (mo == NULL)
		return NULL;
	for (mp = &mo->memberships; *mp != NULL; mp = &(*mp)->next) {
		struct inp_mship *m = *mp;
		union inp_addr g = m->group;

		if (ifindex == 0)
			(void)in6_clear_zone(&g.a6);
		if (m->family == family && in6_equal(&g.a6, &group->a6) &&
		    (ifindex == 0 || m->ifindex == ifindex))
			return mp;
	}
	return NULL;
}

static unsigned mship_count(const struct inp_moptions *mo)
{
	const struct inp_mship *m;
	unsigned n = 0;

	for (m = mo->memberships; m != NULL; m = m->next)
		n++;
	return n;
}

/* Add (join) or remove (leave) a membership; PCB write-locked. */
static int mship_change_locked(struct inp_pcb *p, bool join, int family,
                               const union inp_addr *group, unsigned ifindex,
                               struct inp_explain *why)
{
	struct inp_moptions *mo = p->moptions;
	struct inp_mship **mp = mship_find(mo, family, group, ifindex);
	struct inp_mship *m;

	if (!join) {
		if (mp == NULL) {
			explain(why, "UD-6", "no such membership");
			return -EADDRNOTAVAIL;
		}
		m = *mp;
		*mp = m->next;
		free(m);
		return 0;
	}
	if (mp != NULL) {
		explain(why, "UD-6", "already a member of that group on that interface");
		return -EADDRINUSE;
	}
	mo = moptions_get(p);
	if (mo == NULL)
		return -ENOMEM;
	if (mship_count(mo) >= SOCK_MAX_MEMBERSHIPS)
		return -ETOOMANYREFS;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->family = family;
	m->group = *group;
	m->ifindex = ifindex;
	m->next = mo->memberships;
	mo->memberships = m;
	return 0;
}

/* A validated request; ifp NULL (a drop only): the group on any interface. */
static int mship_change(struct inp_sock *so, bool join, int family,
                        const union inp_addr *group, struct inp_ifnet *ifp,
                        struct inp_explain *why)
{
	int error;

	pcb_wlock(so->pcb);
	error = mship_change_locked(so->pcb, join, family, group,
	                            inp_if_index(ifp), why);
	pcb_unlock(so->pcb);
	return error;
}

static int set_membership4(struct inp_sock *so, bool join, const void *val,
                           socklen_t len, struct inp_explain *why)
{
	struct ip_mreq mreq;
	struct inp_ifnet *ifp = NULL;
	union inp_addr group;

	if (len != sizeof(mreq))
		return -EINVAL;
	memcpy(&mreq, val, sizeof(mreq));
	if (!in4_is_multicast(mreq.imr_multiaddr)) {
		explain(why, "UD-6", "not a multicast group");
		return -EINVAL;
	}
	/* A drop by the wildcard names the group on any interface. */
	if (join || !in4_is_any(mreq.imr_interface)) {
		ifp = mship_ifp4(so->vnet, mreq.imr_interface,
		                 mreq.imr_multiaddr);
		if (ifp == NULL ||
		    (join && !(inp_if_flags(ifp) & INP_IFF_MULTICAST))) {
			explain(why, "UD-6", "no multicast interface for that request");
			return -EADDRNOTAVAIL;
		}
	}
	memset(&group, 0, sizeof(group));
	IA4(group) = mreq.imr_multiaddr;
	return mship_change(so, join, AF_INET, &group, ifp, why);
}

static int set_membership6(struct inp_sock *so, bool join, const void *val,
                           socklen_t len, struct inp_explain *why)
{
	struct ipv6_mreq mreq;
	struct inp_ifnet *ifp = NULL;
	union inp_addr group;

	if (len != sizeof(mreq))
		return -EINVAL;
	memcpy(&mreq, val, sizeof(mreq));
	if (!in6_is_multicast(&mreq.ipv6mr_multiaddr)) {
		explain(why, "UD-6", "not a multicast group");
		return -EINVAL;
	}
	if (mreq.ipv6mr_interface != 0) {
		ifp = inp_if_byindex(so->vnet, mreq.ipv6mr_interface);
		if (ifp == NULL) {
			explain(why, "UD-6", "no interface with index %u",
			        mreq.ipv6mr_interface);
			return -ENXIO;
		}
	} else if (join) {
		struct rt_result rt;

		memset(&rt, 0, sizeof(rt));
		if (rt_lookup_in6(so->vnet, &mreq.ipv6mr_multiaddr, &rt) == 0) {
			if (rt.ifa != NULL)
				ifa_rele(rt.ifa);
			ifp = rt.ifp;
		}
	}
	if (join && (ifp == NULL || !(inp_if_flags(ifp) & INP_IFF_MULTICAST))) {
		explain(why, "UD-6", "no multicast interface for that request");
		return -EADDRNOTAVAIL;
	}
	/*
	 * ff02::1 joined on em0 and on em1 are two groups: the interface is
	 * the zone of a scoped group (entry, base.h), as delivery embeds the
	 * receiving interface's zone into the destination (UD-5, UD-6).
	 */
	memset(&group, 0, sizeof(group));
	group.a6 = mreq.ipv6mr_multiaddr;
	in6_embed_zone(&group.a6, inp_if_index(ifp));
	return mship_change(so, join, AF_INET6, &group, ifp, why);
}

static int set_multicast_if6(struct inp_sock *so, const void *val,
                             socklen_t len, struct inp_explain *why)
{
	struct inp_ifnet *ifp = NULL;
	unsigned idx;

	if (len != sizeof(unsigned))
		return -EINVAL;
	memcpy(&idx, val, sizeof(idx));
	if (idx != 0) {
		ifp = inp_if_byindex(so->vnet, idx);
		if (ifp == NULL) {
			explain(why, "4.4", "no interface with index %u", idx);
			return -EADDRNOTAVAIL;
		}
	}
	return set_multicast_ifp(so, true, ifp, "4.4", why);
}

/* ---- options shared by both IP levels ---------------------------------- */

/* IP_BINDANY / IPV6_BINDANY: privilege whatever the value (§1.2, E2). */
static int set_bindany(struct inp_sock *so, const void *val, socklen_t len,
                       struct inp_explain *why)
{
	int v, error;

	if ((error = opt_int(val, len, &v)) != 0)
		return error;
	if (!cred_priv(so->cred, INP_PRIV_BINDANY)) {
		explain(why, "J12", "uid %u lacks PRIV_NETINET_BINDANY",
		        (unsigned)so->cred->uid);
		return -EPERM;
	}
	pcb_wlock(so->pcb);
	flag_set(&so->pcb->flags, INP_F_BINDANY, v != 0);
	pcb_unlock(so->pcb);
	return 0;
}

/* IP_PORTRANGE / IPV6_PORTRANGE (§1.2): one clears the other. */
static int set_portrange(struct inp_sock *so, const void *val, socklen_t len,
                         struct inp_explain *why)
{
	struct inp_pcb *p = so->pcb;
	int v, error;

	if ((error = opt_int(val, len, &v)) != 0)
		return error;
	if (v != INP_IP_PORTRANGE_DEFAULT && v != INP_IP_PORTRANGE_HIGH &&
	    v != INP_IP_PORTRANGE_LOW) {
		explain(why, "1.2", "port range %d is not default, high or low", v);
		return -EINVAL;
	}
	pcb_wlock(p);
	p->flags &= ~(INP_HIGHPORT | INP_LOWPORT);
	if (v == INP_IP_PORTRANGE_HIGH)
		p->flags |= INP_HIGHPORT;
	else if (v == INP_IP_PORTRANGE_LOW)
		p->flags |= INP_LOWPORT;   /* privilege checked at allocation */
	pcb_unlock(p);
	return 0;
}

/*
 * INP_IP_RSS_CONNECT_BUCKET (an inpcb extension): -1 follows
 * net.inet.ip.portrange.rss_bucket, 0..127 pins this socket's
 * connect-style port choices to that bucket (pcb_port.c, RSS-11).
 */
static int set_rss_connect_bucket(struct inp_sock *so, const void *val,
                                  socklen_t len, struct inp_explain *why)
{
	int v, error;

	if ((error = opt_int(val, len, &v)) != 0)
		return error;
	if (v < -1 || v > 127) {
		explain(why, "RSS-10", "RSS bucket %d is not -1..127 (at most "
		        "128 buckets)", v);
		return -EINVAL;
	}
	pcb_wlock(so->pcb);
	so->rss_pinned = v >= 0;
	so->rss_bucket = v >= 0 ? (uint8_t)v : 0;
	pcb_unlock(so->pcb);
	return 0;
}

/* ---- IPPROTO_IP ------------------------------------------------------ */

static unsigned recv_flag(int name)
{
	switch (name) {
	case INP_IP_RECVDSTADDR: return INP_RECVDSTADDR;
	case INP_IP_RECVTTL:     return INP_RECVTTL;
	case INP_IP_RECVTOS:     return INP_RECVTOS;
	case INP_IP_RECVIF:      return INP_RECVIF;
	default:                 return 0;
	}
}

/* IP_TOS, IP_TTL, IP_MINTTL, IP_MULTICAST_TTL, IP_MULTICAST_LOOP. */
static int set_ip_byte(struct inp_sock *so, int name, const void *val,
                       socklen_t len)
{
	struct inp_pcb *p = so->pcb;
	bool mcast = name == INP_IP_MULTICAST_TTL ||
	             name == INP_IP_MULTICAST_LOOP;
	int v, error;

	if ((error = opt_byte_range(val, len, &v, mcast)) != 0)
		return error;
	pcb_wlock(p);
	if (name == INP_IP_TOS) {
		p->ip_tos = (uint8_t)v;
	} else if (name == INP_IP_TTL) {
		p->ip_ttl = (uint8_t)v;
	} else if (name == INP_IP_MINTTL) {
		p->ip_minttl = (uint8_t)v;
	} else if (moptions_get(p) == NULL) {
		error = -ENOMEM;
	} else if (name == INP_IP_MULTICAST_TTL) {
		p->moptions->ttl = (uint8_t)v;
	} else {
		p->moptions->loop = v != 0;
	}
	pcb_unlock(p);
	return error;
}

static int set_ipproto_ip(struct inp_sock *so, int name, const void *val,
                          socklen_t len, struct inp_explain *why)
{
	unsigned rf = recv_flag(name);
	int v, error;

	if (rf != 0) {
		/* UD-12: boolean options flipping the PCB flag. */
		if ((error = opt_int(val, len, &v)) != 0)
			return error;
		pcb_wlock(so->pcb);
		flag_set(&so->pcb->flags, rf, v != 0);
		pcb_unlock(so->pcb);
		return 0;
	}
	switch (name) {
	case INP_IP_TOS:
	case INP_IP_TTL:
	case INP_IP_MINTTL:
	case INP_IP_MULTICAST_TTL:
	case INP_IP_MULTICAST_LOOP:
		return set_ip_byte(so, name, val, len);
	case INP_IP_MULTICAST_IF:
		return set_multicast_if4(so, val, len, why);
	case INP_IP_ADD_MEMBERSHIP:
	case INP_IP_DROP_MEMBERSHIP:
		return set_membership4(so, name == INP_IP_ADD_MEMBERSHIP, val,
		                       len, why);
	case INP_IP_PORTRANGE:
		return set_portrange(so, val, len, why);
	case INP_IP_BINDANY:
		return set_bindany(so, val, len, why);
	case INP_IP_RSS_CONNECT_BUCKET:
		return set_rss_connect_bucket(so, val, len, why);
	default:
		return -ENOPROTOOPT;
	}
}

/* ---- IPPROTO_IPV6 ---------------------------------------------------- */

/* IPV6_V6ONLY (§1.2, §1.4): only before bind. */
static int set_v6only(struct inp_sock *so, const void *val, socklen_t len,
                      struct inp_explain *why)
{
	struct inp_pcb *p = so->pcb;
	int v, error;

	if ((error = opt_int(val, len, &v)) != 0)
		return error;
	pcb_wlock(p);
	if (p->lport != 0 || !inp_addr_is_any(&p->laddr)) {
		explain(why, "1.2", "IPV6_V6ONLY cannot change once bound");
		error = -EINVAL;
	} else if (v != 0) {
		p->flags |= INP_F_V6ONLY;
		p->vflag &= ~INP_V_IPV4;
	} else {
		p->flags &= ~INP_F_V6ONLY;
		p->vflag |= INP_V_IPV4;
	}
	pcb_unlock(p);
	return error;
}

static int set_ipproto_ipv6(struct inp_sock *so, int name, const void *val,
                            socklen_t len, struct inp_explain *why)
{
	switch (name) {
	case INP_IPV6_V6ONLY:
		return set_v6only(so, val, len, why);
	case INP_IPV6_PORTRANGE:
		return set_portrange(so, val, len, why);
	case INP_IPV6_BINDANY:
		return set_bindany(so, val, len, why);
	case INP_IPV6_MULTICAST_IF:
		return set_multicast_if6(so, val, len, why);
	case INP_IPV6_JOIN_GROUP:
	case INP_IPV6_LEAVE_GROUP:
		return set_membership6(so, name == INP_IPV6_JOIN_GROUP, val,
		                       len, why);
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * Is level/name an option of this file for this socket?  Decided before
 * the value is looked at: unknown options are ENOPROTOOPT whatever the
 * value, and IPv6 options need an AF_INET6 socket.
 */
static bool opt_known(const struct inp_sock *so, int level, int name,
                      struct inp_explain *why)
{
	switch (level) {
	case INP_SOL_SOCKET:
		return reuse_flag2(name) != 0 || name == INP_SO_DONTROUTE ||
		       name == INP_SO_BROADCAST || is_sockbuf(name);
	case INP_IPPROTO_IP:
		switch (name) {
		case INP_IP_TOS: case INP_IP_TTL: case INP_IP_RECVDSTADDR:
		case INP_IP_MULTICAST_IF: case INP_IP_MULTICAST_TTL:
		case INP_IP_MULTICAST_LOOP: case INP_IP_ADD_MEMBERSHIP:
		case INP_IP_DROP_MEMBERSHIP: case INP_IP_PORTRANGE:
		case INP_IP_RECVIF: case INP_IP_BINDANY: case INP_IP_RECVTTL:
		case INP_IP_MINTTL: case INP_IP_RECVTOS:
		case INP_IP_RSSBUCKETID: case INP_IP_RSS_CONNECT_BUCKET:
			return true;
		default:
			return false;
		}
	case INP_IPPROTO_IPV6:
		if (so->family != AF_INET6) {
			explain(why, "1.2", "IPv6 options need an AF_INET6 socket");
			return false;
		}
		switch (name) {
		case INP_IPV6_MULTICAST_IF: case INP_IPV6_JOIN_GROUP:
		case INP_IPV6_LEAVE_GROUP: case INP_IPV6_PORTRANGE:
		case INP_IPV6_V6ONLY: case INP_IPV6_BINDANY:
			return true;
		default:
			return false;
		}
	default:
		return false;
	}
}

/* The multicast options: their name, or NULL for any other option. */
static const char *multicast_opt_name(int level, int name)
{
	if (level == INP_IPPROTO_IP) {
		switch (name) {
		case INP_IP_MULTICAST_IF:     return "IP_MULTICAST_IF";
		case INP_IP_MULTICAST_TTL:    return "IP_MULTICAST_TTL";
		case INP_IP_MULTICAST_LOOP:   return "IP_MULTICAST_LOOP";
		case INP_IP_ADD_MEMBERSHIP:   return "IP_ADD_MEMBERSHIP";
		case INP_IP_DROP_MEMBERSHIP:  return "IP_DROP_MEMBERSHIP";
		default:                      return NULL;
		}
	}
	if (level == INP_IPPROTO_IPV6) {
		switch (name) {
		case INP_IPV6_MULTICAST_IF:   return "IPV6_MULTICAST_IF";
		case INP_IPV6_JOIN_GROUP:     return "IPV6_JOIN_GROUP";
		case INP_IPV6_LEAVE_GROUP:    return "IPV6_LEAVE_GROUP";
		default:                      return NULL;
		}
	}
	return NULL;
}

/*
 * FreeBSD's multicast option code (in_mcast.c, in6_mcast.c) serves
 * datagram and raw sockets only and refuses a stream socket before it
 * reads the value, for setsockopt and getsockopt alike: EOPNOTSUPP (1.1:
 * the socket type and the multicast options are part of the PCB's data).
 * Called once the option is known to be valid for the socket.
 */
static int multicast_opt_check(const struct inp_sock *so, int level,
                               int name, struct inp_explain *why)
{
	const char *opt = multicast_opt_name(level, name);

	if (opt == NULL || so->proto != INP_PROTO_TCP)
		return 0;
	explain(why, "1.1", "%s is a multicast option: datagram sockets only, "
	        "not TCP", opt);
	return -EOPNOTSUPP;
}

static int setopt_dispatch(struct inp_sock *so, int level, int name,
                           const void *val, socklen_t len,
                           struct inp_explain *why)
{
	int error;

	if (!opt_known(so, level, name, why))
		return -ENOPROTOOPT;
	if (level == INP_IPPROTO_IP && name == INP_IP_RSSBUCKETID) {
		/* FreeBSD's ip_ctloutput has no set case for it. */
		explain(why, "1.2", "IP_RSSBUCKETID can only be read");
		return -ENOPROTOOPT;
	}
	if ((error = multicast_opt_check(so, level, name, why)) != 0)
		return error;
	if (val == NULL)
		return -EINVAL;
	if (level == INP_SOL_SOCKET)
		return set_sol_socket(so, name, val, len, why);
	if (level == INP_IPPROTO_IP)
		return set_ipproto_ip(so, name, val, len, why);
	return set_ipproto_ipv6(so, name, val, len, why);
}

int inp_sock_setopt(struct inp_sock *so, int level, int name,
                    const void *val, socklen_t len, struct inp_explain *why)
{
	int error;

	if (so == NULL)
		return -EINVAL;
	if (why != NULL)
		why->rule[0] = '\0';
	error = setopt_dispatch(so, level, name, val, len, why);
	/* Failures no rule above explained: the option or its value. */
	if (error != 0 && why != NULL && why->rule[0] == '\0') {
		if (error == -ENOPROTOOPT)
			explain(why, "1.2", "no option %d at level %d", name, level);
		else if (error == -EINVAL)
			explain(why, "1.2", "bad value or length %u for option %d",
			        (unsigned)len, name);
		else
			explain(why, "1.2", "option %d: error %d", name, -error);
	}
	return error;
}

/* ---- getsockopt ------------------------------------------------------ */

static int put_value(void *val, socklen_t *len, const void *v, socklen_t n)
{
	if (*len < n)
		return -EINVAL;
	memcpy(val, v, n);
	*len = n;
	return 0;
}

static int put_int(void *val, socklen_t *len, int v)
{
	return put_value(val, len, &v, sizeof(v));
}

static int portrange_value(unsigned flags)
{
	if (flags & INP_HIGHPORT)
		return INP_IP_PORTRANGE_HIGH;
	if (flags & INP_LOWPORT)
		return INP_IP_PORTRANGE_LOW;
	return INP_IP_PORTRANGE_DEFAULT;
}

/* The first IPv4 address of ifp (IP_MULTICAST_IF reads it back). */
static struct in_addr ifp_first_in4(struct inp_vnet *vnet,
                                    struct inp_ifnet *ifp)
{
	struct in_addr a = { 0 };
	struct inp_ifaddr *ifa;

	pthread_mutex_lock(&vnet->cfg_lock);
	for (ifa = ifp->addrs; ifa != NULL; ifa = ifa->if_next) {
		if (ifa->family == AF_INET) {
			a = ifa->u.in.addr;
			break;
		}
	}
	pthread_mutex_unlock(&vnet->cfg_lock);
	return a;
}

/*
 * IP_RSSBUCKETID: the bucket the connection's replies hash to (RSS-6,
 * RSS-11), with the hash type and key of the connection groups (PG-3,
 * RSS-5) and net.inet.rss.bits as resolved for them.  PCB read-locked.
 */
static int get_rss_bucket_id(struct inp_sock *so, void *val, socklen_t *len)
{
	const struct inp_pcb *p = so->pcb;
	struct vnet_sysctls sc;
	struct rss_tuple t;
	uint32_t hash;

	if (!pcb_has_faddr(p))
		return -ENOTCONN;
	pcb_sysctls(so->vnet, &sc);
	if (rss_tuple_reply(&t, pcb_is_v4(p) ? AF_INET : AF_INET6, p->proto,
	                    &p->faddr.a6, p->fport, &p->laddr.a6,
	                    p->lport) != 0)
		return -EINVAL;
	hash = rss_tuple_hash(inp_rss_default_key, &t);
	return put_int(val, len,
	               (int)rss_bucket_of(hash, (unsigned)sc.rss_bits_used));
}

/* Read one option with the PCB read-locked. */
static int get_locked(struct inp_sock *so, int level, int name, void *val,
                      socklen_t *len)
{
	const struct inp_pcb *p = so->pcb;
	const struct inp_moptions *mo = p->moptions;
	unsigned rf = recv_flag(name);

	if (level == INP_SOL_SOCKET && is_sockbuf(name)) {
		size_t n;

		pthread_mutex_lock(&so->rcv_lock);    /* after the PCB lock */
		n = name == INP_SO_RCVBUF ? so->rcv_hiwat : so->snd_hiwat;
		pthread_mutex_unlock(&so->rcv_lock);
		return put_int(val, len, (int)n);
	}
	if (level == INP_SOL_SOCKET)   /* a boolean option: its bit */
		return put_int(val, len, (so->options & (unsigned)name) != 0);
	if (level == INP_IPPROTO_IP && rf != 0)
		return put_int(val, len, (p->flags & rf) != 0);
	if (level == INP_IPPROTO_IP) {
		switch (name) {
		case INP_IP_TOS:    return put_int(val, len, p->ip_tos);
		case INP_IP_TTL:    return put_int(val, len, p->ip_ttl);
		case INP_IP_MINTTL: return put_int(val, len, p->ip_minttl);
		case INP_IP_MULTICAST_TTL:
			return put_int(val, len, mo ? mo->ttl : MOPT_DEFAULT_TTL);
		case INP_IP_MULTICAST_LOOP:
			return put_int(val, len, mo ? mo->loop : MOPT_DEFAULT_LOOP);
		case INP_IP_PORTRANGE:
			return put_int(val, len, portrange_value(p->flags));
		case INP_IP_BINDANY:
			return put_int(val, len, (p->flags & INP_F_BINDANY) != 0);
		case INP_IP_RSSBUCKETID:
			return get_rss_bucket_id(so, val, len);
		case INP_IP_RSS_CONNECT_BUCKET:
			return put_int(val, len,
			               so->rss_pinned ? so->rss_bucket : -1);
		case INP_IP_MULTICAST_IF: {
			struct in_addr a = { 0 };

			if (mo != NULL && mo->ifp != NULL)
				a = ifp_first_in4(so->vnet, mo->ifp);
			return put_value(val, len, &a, sizeof(a));
		}
		default:
			return -ENOPROTOOPT;
		}
	}
	switch (name) {
	case INP_IPV6_V6ONLY:
		return put_int(val, len, (p->flags & INP_F_V6ONLY) != 0);
	case INP_IPV6_PORTRANGE:
		return put_int(val, len, portrange_value(p->flags));
	case INP_IPV6_BINDANY:
		return put_int(val, len, (p->flags & INP_F_BINDANY) != 0);
	case INP_IPV6_MULTICAST_IF: {
		unsigned idx = mo ? mo->ifindex6 : 0;

		return put_value(val, len, &idx, sizeof(idx));
	}
	default:
		return -ENOPROTOOPT;
	}
}

int inp_sock_getopt(struct inp_sock *so, int level, int name, void *val,
                    socklen_t *len)
{
	int error;

	if (so == NULL)
		return -EINVAL;
	if (!opt_known(so, level, name, NULL))
		return -ENOPROTOOPT;
	if ((error = multicast_opt_check(so, level, name, NULL)) != 0)
		return error;
	if (val == NULL || len == NULL)
		return -EINVAL;
	pcb_rlock(so->pcb);
	error = get_locked(so, level, name, val, len);
	pcb_unlock(so->pcb);
	return error;
}
