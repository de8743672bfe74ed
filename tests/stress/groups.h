/*
 * groups.h - what the connection-group stress programs (scenarios 10 and
 * 11, spec section 12) share: switching groups on, a group lookup that
 * names the group it asks, and the inv. 16/17 check of every group
 * (pcbgroup_verify, which takes the hash mutex and one group lock: run
 * concurrently, it is one more party to the lock order).  Include after
 * stress.h with STRESS_INTERNAL defined.
 */
#ifndef INPCB_STRESS_GROUPS_H
#define INPCB_STRESS_GROUPS_H

#define GROUP_BITS 2             /* four groups, as RSS-10 gives 2 CPUs */
#define NGROUPS (1u << GROUP_BITS)

/* Groups on for every table of vnet (only while they are empty). */
static inline void groups_enable(struct inp_vnet *vnet)
{
	STRESS_OK(inp_sysctl_set(vnet, "net.inet.rss.bits", GROUP_BITS));
	STRESS_OK(inp_sysctl_set(vnet, "net.inet.pcbgroup.enable", 1));
	STRESS_CHECK(pcbgroup_count(vnet->pcbinfo[INP_PROTO_TCP]) == NGROUPS,
	             "PG-4: %u groups, not %u",
	             pcbgroup_count(vnet->pcbinfo[INP_PROTO_TCP]), NGROUPS);
}

/* Inv. 16/17 for group g of proto (or every group, g = NGROUPS). */
static inline void groups_verify(struct inp_vnet *vnet, enum inp_proto proto,
                                 unsigned g)
{
	struct inp_explain why;
	unsigned i;

	for (i = g == NGROUPS ? 0 : g; i < NGROUPS; i++) {
		memset(&why, 0, sizeof(why));
		if (pcbgroup_verify(vnet->pcbinfo[proto], i, &why) != 0)
			STRESS_FAIL("group %u: %s: %s", i, why.rule,
			            why.reason);
		if (g != NGROUPS)
			break;
	}
}

/* A thread: inv. 16/17 of the TCP groups, one after another, until stop. */
static inline void *groups_checker_main(void *vnet)
{
	unsigned g = 0;

	while (!stress_stop()) {
		groups_verify(vnet, INP_PROTO_TCP, g);
		g = (g + 1) % NGROUPS;
		sched_yield();
	}
	return NULL;
}

/*
 * inp_pcb_lookup of a TCP/IPv4 packet src -> dst that carries a hash
 * placing it in group g (PG-7): read or write lock, wildcard or not.
 * 0 and *out locked, or the error.
 */
static inline int groups_lookup(struct inp_vnet *vnet,
                                const struct sockaddr_in *src,
                                const struct sockaddr_in *dst, unsigned g,
                                bool wild, bool wlock, struct inp_pcb **out)
{
	struct inp_pkt_ctx pkt = { .hashtype = INP_HASH_TCP_IPV4, .hash = g };
	unsigned flags = (wlock ? INP_LOOKUP_WLOCKPCB : INP_LOOKUP_RLOCKPCB) |
	                 (wild ? INP_LOOKUP_WILDCARD : 0);

	return inp_pcb_lookup(vnet, INP_PROTO_TCP, CSA(src), CSA(dst), flags,
	                      &pkt, out, NULL);
}

static inline void groups_unlock(struct inp_pcb *p, bool wlock)
{
	if (wlock)
		inp_pcb_wunlock(p);
	else
		inp_pcb_runlock(p);
}

#endif
