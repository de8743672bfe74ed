/*
 * pcb_lookup.c - the packet lookup (spec 5.1 L1-L5, 5.4 ranks) and the
 * public lookup, lock and reference entry points (LK-7..LK-9, RC-14).
 *
 * pcb_lookup_hash() decides under the hash mutex: the serialised lookup
 * (pcb_lookup_serial, pcb_lookup_rcu.c) and the conflict checks of bind
 * and connect use it.  inp_pcb_lookup() first tries the lockless lookup
 * (pcb_lookup_rcu.c: RCU, RC-18, LK-13) and falls back to the serialised
 * one when that is unsure, when the thread is not a registered RCU reader
 * (inpcb/thread.h), or when an explanation is asked for.  No allocation
 * on this path; explanations are only formatted when asked for.
 */
#include "pcb/pcb_internal.h"
#include "pcb/pcb_view.h"

#include <stdio.h>

#define LOOKUP_FLAGS (INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB | \
                      INP_LOOKUP_WLOCKPCB)

/* L1: the 4-tuple, TIME_WAIT included, no jail test. */
static struct inp_pcb *lookup_exact(struct inp_pcbinfo *info, int af,
                                    const union inp_addr *faddr,
                                    uint16_t fport,
                                    const union inp_addr *laddr,
                                    uint16_t lport)
{
	uint32_t b = pcb_hash_exact(info, faddr, lport, fport);
	struct inp_pcb *p;

	for (p = atomic_load_explicit(&info->exact.heads[b].first,
	                              memory_order_acquire);
	     p != NULL;
	     p = atomic_load_explicit(&p->exact_next, memory_order_acquire)) {
		if (!(p->vflag & view_vflag(af)) || p->lport != lport ||
		    p->fport != fport)
			continue;
		if (view_addr_eq(&p->faddr, faddr, af) &&
		    view_addr_eq(&p->laddr, laddr, af))
			return p;
	}
	return NULL;
}

static const char *const wild_rank_name[] = {
	"",
	"jailed, exact address",
	"jailed, wildcard",
	"unjailed, exact address",
	"unjailed, wildcard",
	"dual-stack wildcard of an AF_INET6 socket",
};

/* 5.4 rank of a wild candidate, 0 when it does not match the packet. */
int pcb_wild_rank(const struct inp_pcb *p, int af,
                     const union inp_addr *laddr, uint16_t lport)
{
	bool exact, jailed;

	if (p->lport != lport || !(p->vflag & view_vflag(af)) ||
	    pcb_has_faddr(p))
		return 0;
	exact = view_addr_eq(&p->laddr, laddr, af);
	if (!exact && !view_addr_any(&p->laddr, af))
		return 0;
	jailed = pcb_jailed(p, af);
	/* 5.2 (J3 with the PCB's credential): the jail owns the address. */
	if (jailed && !view_jail_owns(p->cred, af, laddr))
		return 0;
	if (af == AF_INET && !exact && (p->vflag & INP_V_IPV6PROTO))
		return 5;                      /* IPv6 lookups have no rank 5 */
	return (jailed ? 1 : 3) + (exact ? 0 : 1);
}

/*
 * L4: the best rank; a tie goes to the most recently inserted PCB (5.4
 * Project), which is wild_seq, because a dual-stack PCB sits at the end
 * of the chain but ranks 2 or 4 for IPv6 packets.  Rank 1 returns at
 * once: the chain keeps that class first, newest first.
 */
static struct inp_pcb *lookup_wild(struct inp_pcbinfo *info, int af,
                                   const union inp_addr *laddr,
                                   uint16_t lport, struct inp_explain *why)
{
	uint32_t b = pcb_hash_port(info, lport);
	struct inp_pcb *p, *best = NULL;
	int rank, best_rank = 6;
	char desc[160];

	for (p = atomic_load_explicit(&info->wild.heads[b].first,
	                              memory_order_acquire);
	     p != NULL;
	     p = atomic_load_explicit(&p->wild_next, memory_order_acquire)) {
		rank = pcb_wild_rank(p, af, laddr, lport);
		if (rank == 0 || rank > best_rank)
			continue;
		if (rank == best_rank && p->wild_seq < best->wild_seq)
			continue;
		best = p;
		best_rank = rank;
		if (rank == 1)
			break;
	}
	if (why != NULL && best != NULL)
		explain(why, "L4", "rank %d (%s): %s", best_rank,
		        wild_rank_name[best_rank],
		        pcb_describe(best, desc, sizeof(desc)));
	else if (why != NULL)
		explain(why, "L4", "no PCB matches %s port %u (exact, "
		        "lbgroup or wildcard; jailed ones need their jail's "
		        "address)", pcb_fmt_addr(info->vnet, af, laddr, desc,
		                                 sizeof(desc)), ntohs(lport));
	return best;
}

struct inp_pcb *pcb_lookup_hash(struct inp_pcbinfo *info, int af,
                                const union inp_addr *faddr, uint16_t fport,
                                const union inp_addr *laddr, uint16_t lport,
                                bool wildcard, struct inp_explain *why)
{
	union inp_addr fa, la;
	struct inp_pcb *p;
	char desc[160];

	if (info == NULL || faddr == NULL || laddr == NULL ||
	    (af != AF_INET && af != AF_INET6))
		return NULL;
	view_addr_norm(&fa, faddr, af);        /* hash the canonical form */
	view_addr_norm(&la, laddr, af);
	p = lookup_exact(info, af, &fa, fport, &la, lport);
	if (p != NULL) {
		if (why != NULL)
			explain(why, "L1", "exact 4-tuple match: %s",
			        pcb_describe(p, desc, sizeof(desc)));
		return p;
	}
	if (!wildcard) {
		if (why != NULL)
			explain(why, "L2", "no exact 4-tuple match and no "
			        "wildcard lookup requested");
		return NULL;
	}
	p = lbgroup_lookup(info, af, &fa, fport, &la, lport, why);   /* L3 */
	if (p != NULL)
		return p;
	return lookup_wild(info, af, &la, lport, why);
}

int pcb_addr_from_sa(const struct sockaddr *sa, union inp_addr *a,
                     uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in sin;

		memcpy(&sin, sa, sizeof(sin));
		IA4(*a) = sin.sin_addr;
		*port = sin.sin_port;
	} else {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, sa, sizeof(sin6));
		*port = sin6.sin6_port;
		/* No interface has a larger index: it would alias a zone. */
		if (in6_is_scoped(&sin6.sin6_addr) &&
		    sin6.sin6_scope_id > IN6_ZONE_MAX)
			return -EINVAL;
		a->a6 = sin6.sin6_addr;
		in6_embed_zone(&a->a6, sin6.sin6_scope_id);     /* entry */
	}
	return 0;
}

void pcb_addr_rcvif_zone(union inp_addr *a, const struct inp_ifnet *rcvif)
{
	if (rcvif != NULL && in6_is_scoped(&a->a6) && in6_zone(&a->a6) == 0)
		in6_embed_zone(&a->a6, inp_if_index(rcvif));
}

/* LK-7 and the addresses: 0 or the error, nothing changed. */
static int lookup_check_args(struct inp_vnet *vnet, enum inp_proto proto,
                             const struct sockaddr *src,
                             const struct sockaddr *dst, unsigned flags,
                             struct inp_pcb **out)
{
	bool rlock = flags & INP_LOOKUP_RLOCKPCB;
	bool wlock = flags & INP_LOOKUP_WLOCKPCB;

	if (vnet == NULL || src == NULL || dst == NULL || out == NULL)
		return -EINVAL;
	if ((flags & ~LOOKUP_FLAGS) != 0 || rlock == wlock)
		return -EINVAL;                /* LK-7, invariant 8 */
	if (proto != INP_PROTO_UDP && proto != INP_PROTO_TCP)
		return -EINVAL;
	if (src->sa_family != AF_INET && src->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (dst->sa_family != src->sa_family)
		return -EINVAL;                /* one packet, one family */
	return 0;
}

int inp_pcb_lookup(struct inp_vnet *vnet, enum inp_proto proto,
                   const struct sockaddr *src, const struct sockaddr *dst,
                   unsigned flags, const struct inp_pkt_ctx *pkt,
                   struct inp_pcb **out, struct inp_explain *why)
{
	struct inp_pcbinfo *info;
	union inp_addr fa, la;
	uint16_t fport, lport;
	struct inp_pcb *p;
	bool wlock, wild;
	int error;

	error = lookup_check_args(vnet, proto, src, dst, flags, out);
	if (error != 0)
		return error;
	*out = NULL;
	info = vnet->pcbinfo[proto];
	if (info == NULL)
		return -ENOENT;
	if (pcb_addr_from_sa(src, &fa, &fport) != 0 ||
	    pcb_addr_from_sa(dst, &la, &lport) != 0)
		return -EINVAL;
	/*
	 * The tuple is the one the IPv6 input path would have: a scoped
	 * address without a zone id is in the receiving interface's zone
	 * (LK-11 holds: the same tuple, zones included, gives the same PCB).
	 */
	if (pkt != NULL) {
		pcb_addr_rcvif_zone(&fa, pkt->rcvif);
		pcb_addr_rcvif_zone(&la, pkt->rcvif);
	}

	wlock = (flags & INP_LOOKUP_WLOCKPCB) != 0;
	wild = (flags & INP_LOOKUP_WILDCARD) != 0;
	if (why == NULL && rcu_glue_reader_ok()) {
		/* PG-12: the packet's connection group first, if any. */
		if (atomic_load_explicit(&info->groups,
		                         memory_order_relaxed) != NULL &&
		    pcbgroup_lookup(info, src->sa_family, &fa, fport, &la,
		                    lport, pkt, wlock, &p) == 0) {
			*out = p;
			return 0;
		}
		error = pcb_lookup_lockless(info, src->sa_family, &fa, fport,
		                            &la, lport, wild, wlock, &p);
		if (error != -EAGAIN) {
			if (error == 0)
				*out = p;
			return error;
		}
	}
	error = pcb_lookup_serial(info, src->sa_family, &fa, fport, &la,
	                          lport, wild, wlock, NULL, 0, 0, why, &p);
	if (error != 0)
		return -ENOENT;
	*out = p;
	return 0;
}

/* ---- the public lock and reference wrappers ------------------------- */

void inp_pcb_rlock(struct inp_pcb *pcb)
{
	if (pcb != NULL)
		pcb_rlock(pcb);
}

void inp_pcb_wlock(struct inp_pcb *pcb)
{
	if (pcb != NULL)
		pcb_wlock(pcb);
}

void inp_pcb_runlock(struct inp_pcb *pcb)
{
	if (pcb != NULL)
		pcb_unlock(pcb);
}

void inp_pcb_wunlock(struct inp_pcb *pcb)
{
	if (pcb != NULL)
		pcb_unlock(pcb);
}

void inp_pcb_ref(struct inp_pcb *pcb)
{
	if (pcb != NULL)
		pcb_ref(pcb);
}

/* NULL is "gone": there is nothing the caller may touch. */
bool inp_pcb_rele_rlocked(struct inp_pcb *pcb)
{
	return pcb == NULL || pcb_rele_rlocked(pcb);
}

bool inp_pcb_rele_wlocked(struct inp_pcb *pcb)
{
	return pcb == NULL || pcb_rele_wlocked(pcb);
}

void *inp_pcb_udata(const struct inp_pcb *pcb)
{
	return pcb != NULL ? pcb->udata : NULL;
}

const char *inp_pcb_label(const struct inp_pcb *pcb)
{
	return pcb != NULL && pcb->label != NULL ? pcb->label : "";
}

struct inp_sock *inp_pcb_sock(const struct inp_pcb *pcb)
{
	return pcb != NULL ? pcb->socket : NULL;
}
