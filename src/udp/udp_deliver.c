/*
 * udp_deliver.c - UDP delivery at the PCB level (spec section 7): the
 * unicast lookup (UD-2), broadcast and multicast fan-out with the
 * membership filter and the reuse stop rule (UD-4..UD-8), the no-receiver
 * path with its ICMP rate limit (UD-9), appending to the socket with the
 * ancillary data its receive options ask for (UD-10, UD-11), and the
 * statistics.
 *
 * Invariant 25: every datagram counted in udps_ipackets ends in exactly
 * one outcome counter: udps_delivered, udps_dport0, udps_noport (its
 * bcast/mcast sub-counters are not outcomes of their own), udps_minttl,
 * udps_macdrop or udps_fullsock.  A fan-out that found recipients but
 * queued no copy counts one udps_fullsock (or udps_macdrop) for the
 * datagram, not one per socket.
 */
#include "ip/ip_internal.h"
#include "sock/sock_internal.h"

#include <stdlib.h>

/* The datagram as delivery sees it. */
struct dgram {
	struct inp_vnet *vnet;
	int af;                          /* AF_INET or AF_INET6 */
	const struct sockaddr *src_sa, *dst_sa;
	union inp_addr src, dst;         /* PCB address form */
	uint16_t sport, dport;           /* network order */
	struct inp_ifnet *rcvif;         /* never NULL after dgram_init */
	const struct inp_udp_meta *meta;
};

/* How a delivery attempt to one PCB went. */
enum append_result { APP_OK, APP_NOSOCK, APP_MAC, APP_FULL };

/* Largest UDP payload an IP datagram can carry. */
#define UDP_MAXPAYLOAD 65535u

/* Snapshot size kept on the stack before falling back to malloc. */
#define FANOUT_STACK 64

#define REUSE_ANY (INP_REUSEPORT | INP_REUSEADDR | INP_REUSEPORT_LB)

/* ---- the datagram ---------------------------------------------------- */

static struct inp_ifnet *ifp_owning(struct inp_vnet *vnet,
                                    const struct sockaddr *sa)
{
	struct inp_ifaddr *ifa;
	struct inp_ifnet *ifp;

	if (inp_ifa_find(vnet, sa, &ifa) != 0)
		return NULL;
	ifp = inp_ifa_ifnet(ifa);
	inp_ifa_rele(ifa);
	return ifp;
}

/*
 * The default receiving interface: the zone of a scoped destination that
 * has one (ff02::1%em1 arrives on em1), else the one owning the
 * destination, else (IPv4) the first whose broadcast address it is, else
 * lo0.  Interfaces live as long as the vnet and their indexes are dense.
 */
static struct inp_ifnet *rcvif_default(const struct dgram *d)
{
	struct inp_ifnet *ifp = NULL;
	unsigned i;

	if (d->af == AF_INET6 && in6_zone(&IA6(d->dst)) != 0)
		ifp = inp_if_byindex(d->vnet, in6_zone(&IA6(d->dst)));
	if (ifp == NULL)
		ifp = ifp_owning(d->vnet, d->dst_sa);
	if (ifp != NULL)
		return ifp;
	if (d->af == AF_INET) {
		for (i = 1; (ifp = inp_if_byindex(d->vnet, i)) != NULL; i++)
			if (ifa_is_broadcast_in4(ifp, IA4(d->dst)))
				return ifp;
	}
	return d->vnet->lo0;
}

static int dgram_init(struct dgram *d, struct inp_vnet *vnet,
                      const struct sockaddr *src, const struct sockaddr *dst,
                      const struct inp_udp_meta *meta)
{
	memset(d, 0, sizeof(*d));
	if (src->sa_family != dst->sa_family)
		return -EINVAL;
	if (src->sa_family != AF_INET && src->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	d->vnet = vnet;
	d->af = src->sa_family;
	d->src_sa = src;
	d->dst_sa = dst;
	d->meta = meta;
	/* Entry: scoped addresses get their zone (base.h), as in lookups. */
	if (pcb_addr_from_sa(src, &d->src, &d->sport) != 0 ||
	    pcb_addr_from_sa(dst, &d->dst, &d->dport) != 0)
		return -EINVAL;
	if (meta->rcvif != NULL && meta->rcvif->vnet != vnet)
		return -EINVAL;
	d->rcvif = meta->rcvif != NULL ? meta->rcvif : rcvif_default(d);
	if (d->rcvif == NULL)
		return -EINVAL;
	/* Without a zone id, the zone is the receiving interface's. */
	pcb_addr_rcvif_zone(&d->src, d->rcvif);
	pcb_addr_rcvif_zone(&d->dst, d->rcvif);
	return 0;
}

static bool dgram_is_mcast(const struct dgram *d)
{
	return d->af == AF_INET ? in4_is_multicast(IA4(d->dst))
	                        : in6_is_multicast(&IA6(d->dst));
}

/* UD-4 (IPv6 has no broadcast). */
static bool dgram_is_bcast(const struct dgram *d)
{
	return d->af == AF_INET && ifa_is_broadcast_in4(d->rcvif, IA4(d->dst));
}

/* ---- results --------------------------------------------------------- */

static void res_add(struct inp_udp_result *res, void *udata)
{
	if (res == NULL)
		return;
	if (res->rcpt != NULL && res->n < res->max)
		res->rcpt[res->n] = udata;
	res->n++;
}

static int finish(struct inp_udp_result *res, enum inp_udp_outcome o)
{
	if (res != NULL)
		res->outcome = o;
	return 0;
}

/* ---- appending (UD-10, UD-11) ---------------------------------------- */

/*
 * An address of the datagram as a socket of family sofam receives it:
 * an AF_INET6 socket sees IPv4 addresses v4-mapped (UD-10 step 5).
 */
static void addr_for_socket(int sofam, const struct dgram *d,
                            const union inp_addr *a, uint16_t port,
                            struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (d->af == AF_INET && sofam == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = port;
		sin->sin_addr = IA4(*a);
		return;
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = port;
	if (d->af == AF_INET) {
		in6_make_v4mapped(&sin6->sin6_addr, IA4(*a));
	} else {
		/* Exit: the zone goes back to sin6_scope_id. */
		sin6->sin6_addr = IA6(*a);
		sin6->sin6_scope_id = in6_clear_zone(&sin6->sin6_addr);
	}
}

/*
 * UD-11: a field is recorded only when its option is on now.  The
 * destination is an address (IP_RECVDSTADDR carries no port).  IPv6
 * datagrams get the same fields (hop limit, traffic class).
 */
static void rcvinfo_fill(const struct inp_pcb *p, const struct dgram *d,
                         struct inp_rcvinfo *ri)
{
	int sofam = p->socket->family;

	memset(ri, 0, sizeof(*ri));
	addr_for_socket(sofam, d, &d->src, d->sport, &ri->src);
	if (p->flags & INP_RECVDSTADDR) {
		addr_for_socket(sofam, d, &d->dst, 0, &ri->dst);
		ri->have |= INP_RCV_DSTADDR;
	}
	if (p->flags & INP_RECVTTL) {
		ri->ttl = d->meta->ttl;
		ri->have |= INP_RCV_TTL;
	}
	if (p->flags & INP_RECVTOS) {
		ri->tos = d->meta->tos;
		ri->have |= INP_RCV_TOS;
	}
	if (p->flags & INP_RECVIF) {
		ri->ifindex = inp_if_index(d->rcvif);
		ri->have |= INP_RCV_IF;
	}
	ri->len = d->meta->len;
}

/* UD-10 with p read-locked: MAC check, then an all-or-nothing append. */
static enum append_result append_one(struct inp_pcb *p, const struct dgram *d)
{
	struct inp_rcvinfo ri;

	if (p->socket == NULL)
		return APP_NOSOCK;
	if (mac_pcb_check_deliver(d->vnet->host, p, d->src_sa,
	                          d->meta->len) != 0)
		return APP_MAC;
	rcvinfo_fill(p, d, &ri);
	if (sock_append(p->socket, &ri, d->meta->payload, d->meta->len) != 0)
		return APP_FULL;
	return APP_OK;
}

/* ---- no receiver (UD-9) ---------------------------------------------- */

static int unicast_noport(const struct dgram *d, struct inp_udp_result *res,
                          struct inp_explain *why)
{
	struct inp_vnet *vnet = d->vnet;
	unsigned port = ntohs(d->dport);
	bool blackhole;

	UDPSTAT_INC(vnet, udps_noport);
	/* UD-9, invariant 24: never answer a link-layer broadcast. */
	if (d->meta->link_bcast) {
		UDPSTAT_INC(vnet, udps_noportbcast);
		explain(why, "UD-9", "no socket on port %u; link-layer broadcast: no ICMP",
		        port);
		return finish(res, INP_UDP_NOPORT_BCAST);
	}
	pthread_mutex_lock(&vnet->cfg_lock);
	blackhole = vnet->sc.udp_blackhole != 0;
	pthread_mutex_unlock(&vnet->cfg_lock);
	if (blackhole) {
		explain(why, "UD-9", "no socket on port %u; udp.blackhole: dropped", port);
		return finish(res, INP_UDP_DROPPED);
	}
	/* The one ICMP budget (src/ip), icps_ratelimited when spent. */
	if (!icmp_ratelimit_allow(vnet)) {
		explain(why, "UD-9", "no socket on port %u; ICMP rate limit reached", port);
		return finish(res, INP_UDP_DROPPED);
	}
	explain(why, "UD-9", "no socket on port %u: ICMP port unreachable", port);
	return finish(res, INP_UDP_UNREACH);
}

/* ---- unicast (UD-2, UD-1 step 9) -------------------------------------- */

static int deliver_unicast(const struct dgram *d, struct inp_udp_result *res,
                           struct inp_explain *why)
{
	struct inp_pkt_ctx pkt = { .rcvif = d->rcvif };
	struct inp_pcb *p;
	enum append_result r;
	char desc[128];
	void *udata;

	if (inp_pcb_lookup(d->vnet, INP_PROTO_UDP, d->src_sa, d->dst_sa,
	                   INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB, &pkt, &p,
	                   why) != 0)
		return unicast_noport(d, res, why);
	if (p->ip_minttl != 0 && p->ip_minttl > d->meta->ttl) {
		explain(why, "UD-1", "%s: TTL %u below IP_MINTTL %u",
		        pcb_describe(p, desc, sizeof(desc)), d->meta->ttl,
		        p->ip_minttl);
		pcb_unlock(p);
		UDPSTAT_INC(d->vnet, udps_minttl);
		return finish(res, INP_UDP_DROPPED);
	}
	r = append_one(p, d);
	udata = p->udata;
	if (r != APP_OK)
		pcb_describe(p, desc, sizeof(desc));
	pcb_unlock(p);
	switch (r) {
	case APP_OK:
		UDPSTAT_INC(d->vnet, udps_delivered);
		res_add(res, udata);
		return finish(res, INP_UDP_DELIVERED);
	case APP_NOSOCK:   /* never for UDP (invariant 20); no receiver */
		return unicast_noport(d, res, why);
	case APP_MAC:
		explain(why, "UD-10", "%s: refused by a MAC policy", desc);
		UDPSTAT_INC(d->vnet, udps_macdrop);
		return finish(res, INP_UDP_DROPPED);
	default:
		explain(why, "UD-10", "%s: receive queue full", desc);
		UDPSTAT_INC(d->vnet, udps_fullsock);
		return finish(res, INP_UDP_DROPPED);
	}
}

/* ---- fan-out (UD-5..UD-8) ------------------------------------------- */

/* UD-5 with p read-locked. */
static bool fanout_match(const struct inp_pcb *p, const struct dgram *d)
{
	unsigned vf = d->af == AF_INET ? INP_V_IPV4 : INP_V_IPV6;

	if (p->lport != d->dport || !(p->vflag & vf))
		return false;
	if (!inp_addr_is_any(&p->laddr) && !in6_equal(&p->laddr.a6, &d->dst.a6))
		return false;
	if (!inp_addr_is_any(&p->faddr) && !in6_equal(&p->faddr.a6, &d->src.a6))
		return false;
	return p->fport == 0 || p->fport == d->sport;
}

/*
 * UD-6 with p read-locked: a member of the group on the receiving
 * interface.  No multicast options at all: silently not a receiver.
 */
static bool fanout_member(const struct inp_pcb *p, const struct dgram *d)
{
	const struct inp_mship *m;
	unsigned idx = inp_if_index(d->rcvif);

	if (p->moptions == NULL)
		return false;
	for (m = p->moptions->memberships; m != NULL; m = m->next)
		if (m->family == d->af && m->ifindex == idx &&
		    in6_equal(&m->group.a6, &d->dst.a6))
			return true;
	UDPSTAT_INC(d->vnet, ips_notmember);
	return false;
}

/* What the walk found. */
struct fanout {
	unsigned matched, delivered, full, mac;
	bool stopped;
	char stop_desc[128];
};

/* Lock a snapshot entry for reading: false when it is gone or dropped. */
static bool fanout_lock(struct inp_pcb *p)
{
	if (!pcb_lock_and_rele(p, false))
		return false;           /* unlocked by the callee (RC-6) */
	if (p->flags & INP_F_DROPPED) {
		pcb_unlock(p);
		return false;
	}
	return true;
}

/* One candidate, read-locked: match, deliver, stop rule.  Unlocks. */
static void fanout_one(struct inp_pcb *p, const struct dgram *d, bool mcast,
                       struct fanout *f, struct inp_udp_result *res)
{
	enum append_result r;

	/* A socketless UDP PCB (invariant 20: never) is no receiver. */
	if (p->socket == NULL || !fanout_match(p, d) ||
	    (mcast && !fanout_member(p, d))) {
		pcb_unlock(p);
		return;
	}
	f->matched++;
	r = append_one(p, d);
	if (r == APP_OK) {
		f->delivered++;
		res_add(res, p->udata);
	} else if (r == APP_FULL) {
		f->full++;
	} else if (r == APP_MAC) {
		f->mac++;
	}
	/* UD-7 on the cached options, never another PCB's socket (§1.3). */
	if (!(p->flags2 & REUSE_ANY)) {
		f->stopped = true;
		pcb_describe(p, f->stop_desc, sizeof(f->stop_desc));
	}
	pcb_unlock(p);
}

static int fanout_outcome(const struct dgram *d, bool mcast,
                          const struct fanout *f, struct inp_udp_result *res,
                          struct inp_explain *why)
{
	struct inp_vnet *vnet = d->vnet;
	const char *kind = mcast ? "multicast" : "broadcast";

	if (f->delivered > 0) {
		UDPSTAT_INC(vnet, udps_delivered);
		if (f->stopped)
			explain(why, "UD-7",
			        "stopped after %s: no reuse option (%u recipient(s))",
			        f->stop_desc, f->delivered);
		else
			explain(why, "UD-5", "%s delivered to %u socket(s)", kind,
			        f->delivered);
		return finish(res, INP_UDP_DELIVERED);
	}
	if (f->matched == 0) {
		/* UD-8: never an ICMP error for broadcast or multicast. */
		UDPSTAT_INC(vnet, udps_noport);
		if (mcast)
			UDPSTAT_INC(vnet, udps_noportmcast);
		else
			UDPSTAT_INC(vnet, udps_noportbcast);
		explain(why, "UD-8", "no socket receives this %s on port %u", kind,
		        ntohs(d->dport));
		return finish(res, mcast ? INP_UDP_NOPORT_MCAST
		                         : INP_UDP_NOPORT_BCAST);
	}
	if (f->full > 0) {
		UDPSTAT_INC(vnet, udps_fullsock);
		explain(why, "UD-10", "every receiving socket's queue is full");
	} else {
		UDPSTAT_INC(vnet, udps_macdrop);
		explain(why, "UD-10", "refused by a MAC policy");
	}
	return finish(res, INP_UDP_DROPPED);
}

/*
 * Which PCBs of the list are worth a reference: those on the datagram's
 * port (UD-5 needs it; lport is read without the PCB lock, as lockless
 * lookups read it, and re-checked under the lock by fanout_match).  A
 * reference on every PCB of the table made each broadcast or multicast
 * datagram write to every PCB's line.
 */
static bool fanout_keep(struct inp_pcb *p, void *arg)
{
	const struct dgram *d = arg;

	return PCB_LOAD(p->lport) == d->dport;
}

static int deliver_fanout(const struct dgram *d, bool mcast,
                          struct inp_udp_result *res, struct inp_explain *why)
{
	struct inp_pcbinfo *info = d->vnet->pcbinfo[INP_PROTO_UDP];
	struct inp_pcb *stackbuf[FANOUT_STACK], **v;
	struct fanout f;
	unsigned i, n = 0;

	memset(&f, 0, sizeof(f));
	/* The table's PCBs on the port, newest first (LC-27). */
	v = pcb_list_snapshot(info, fanout_keep, (void *)d, stackbuf,
	                      FANOUT_STACK, &n, NULL);
	if (v == NULL) {
		/* No memory for the walk: the datagram is lost like an mbuf. */
		UDPSTAT_INC(d->vnet, udps_fullsock);
		explain(why, "UD-5", "no memory to walk the PCB list");
		return finish(res, INP_UDP_DROPPED);
	}
	for (i = 0; i < n; i++) {
		if (!fanout_lock(v[i]))
			continue;
		if (f.stopped)
			pcb_unlock(v[i]);   /* only dropping the references */
		else
			fanout_one(v[i], d, mcast, &f, res);
	}
	if (v != stackbuf)
		free(v);
	return fanout_outcome(d, mcast, &f, res, why);
}

/* ---- entry points ---------------------------------------------------- */

int inp_udp_deliver(struct inp_vnet *vnet, const struct sockaddr *src,
                    const struct sockaddr *dst,
                    const struct inp_udp_meta *meta,
                    struct inp_udp_result *res, struct inp_explain *why)
{
	static const struct inp_udp_meta no_meta;
	struct dgram d;
	int error;

	if (vnet == NULL || src == NULL || dst == NULL)
		return -EINVAL;
	if (meta == NULL)
		meta = &no_meta;
	if (meta->len > UDP_MAXPAYLOAD)
		return -EINVAL;
	error = dgram_init(&d, vnet, src, dst, meta);
	if (error != 0)
		return error;
	if (res != NULL) {
		res->outcome = INP_UDP_DROPPED;
		res->n = 0;
	}
	UDPSTAT_INC(vnet, udps_ipackets);
	if (d.dport == 0) {
		/* UD-1 step 3, counted so that invariant 25 holds. */
		UDPSTAT_INC(vnet, udps_dport0);
		explain(why, "UD-1", "destination port 0");
		return finish(res, INP_UDP_DROPPED);
	}
	if (dgram_is_mcast(&d))
		return deliver_fanout(&d, true, res, why);
	if (dgram_is_bcast(&d))
		return deliver_fanout(&d, false, res, why);
	return deliver_unicast(&d, res, why);
}

int inp_udp_stats(struct inp_vnet *vnet, struct inp_udpstat *st)
{
	size_t n = sizeof(*st) / sizeof(uint64_t);

	if (vnet == NULL || st == NULL)
		return -EINVAL;
	stat_shards_sum(vnet, true, (uint64_t *)st, n);
	return 0;
}
