/*
 * pcb_lookup_local.c - the bind-time lookup (spec 5.5, FreeBSD
 * in_pcblookup_local): who already uses laddr:lport, for the port-theft
 * test T1, the reuse decision R1, X2 and the ephemeral test P6.
 *
 * Walks the port index, which holds every hashed PCB newest first, so that
 * "the first PCB examined" (LL1, and LL2's tie rule) is deterministic.
 * Only PCBs in the caller's jail namespace count (J8).  The caller holds
 * the hash lock; no reference or PCB lock is taken (LK-10).
 */
#include "pcb/pcb_internal.h"
#include "pcb/pcb_view.h"

/* LL2 thresholds: above every possible cost (5 and 2). */
#define LL2_LIMIT_IPV4 6
#define LL2_LIMIT_IPV6 3

/* The family flag, the port and the J8 namespace of the caller. */
static bool local_candidate(const struct inp_pcb *t, int af, uint16_t lport,
                            const struct inp_cred *cred)
{
	if (t->lport != lport || !(t->vflag & view_vflag(af)))
		return false;
	/* J8; a NULL caller credential filters nothing. */
	return cred == NULL || prison_equal(t->cred, cred, af);
}

/* LL1: the first unconnected PCB bound to exactly laddr. */
static struct inp_pcb *lookup_local_exact(struct inp_pcb *chain, int af,
                                          const union inp_addr *laddr,
                                          uint16_t lport,
                                          const struct inp_cred *cred)
{
	struct inp_pcb *t;

	for (t = chain; t != NULL; t = t->port_next) {
		if (!local_candidate(t, af, lport, cred) || pcb_has_faddr(t))
			continue;
		if (view_addr_eq(&t->laddr, laddr, af))
			return t;
	}
	return NULL;
}

/* LL2 cost of t for the requested address; -1 when t cannot match. */
static int lookup_local_cost(const struct inp_pcb *t, int af,
                             const union inp_addr *laddr, bool req_any)
{
	bool t_any = view_addr_any(&t->laddr, af);
	int cost = 0;

	if (!t_any && !req_any && !view_addr_eq(&t->laddr, laddr, af))
		return -1;                     /* another specific address */
	if (af == AF_INET && (t->vflag & INP_V_IPV6))
		cost += 3;                     /* dual-stack AF_INET6 PCB */
	if (pcb_has_faddr(t))
		cost += 1;
	if (t_any != req_any)
		cost += 1;                     /* specific vs wildcard, either way */
	return cost;
}

/* LL2: lowest cost wins, first examined on a tie, cost 0 stops. */
static struct inp_pcb *lookup_local_best(struct inp_pcb *chain, int af,
                                         const union inp_addr *laddr,
                                         uint16_t lport,
                                         const struct inp_cred *cred)
{
	int best_cost = af == AF_INET ? LL2_LIMIT_IPV4 : LL2_LIMIT_IPV6;
	bool req_any = view_addr_any(laddr, af);
	struct inp_pcb *t, *best = NULL;
	int cost;

	for (t = chain; t != NULL; t = t->port_next) {
		if (!local_candidate(t, af, lport, cred))
			continue;
		cost = lookup_local_cost(t, af, laddr, req_any);
		if (cost < 0 || cost >= best_cost)
			continue;
		best = t;
		best_cost = cost;
		if (cost == 0)
			break;
	}
	return best;
}

struct inp_pcb *pcb_lookup_local(struct inp_pcbinfo *info, int af,
                                 const union inp_addr *laddr, uint16_t lport,
                                 bool wildcard, const struct inp_cred *cred)
{
	struct inp_pcb *chain;

	if (info == NULL || laddr == NULL || (af != AF_INET && af != AF_INET6))
		return NULL;
	chain = info->porthash.heads[pcb_hash_port(info, lport)].first;
	if (!wildcard)
		return lookup_local_exact(chain, af, laddr, lport, cred);
	return lookup_local_best(chain, af, laddr, lport, cred);
}
