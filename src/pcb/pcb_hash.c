/*
 * pcb_hash.c - the per-protocol table (pcbinfo) and its hash chains: which
 * PCB goes on which chain, in which order (spec 1.5, 5.4, LC-23, LC-28,
 * LC-29).
 *
 * Three chains of equal size: exact (faddr, lport, fport) for PCBs with a
 * foreign address, wild (lport) for the others, and the port index (lport)
 * holding every hashed PCB.  Chains are singly linked with a back pointer
 * to the link that points at each entry (hlist style), so that removal
 * does not need the bucket, which rehash could not recompute once the
 * 4-tuple has changed.  Everything here runs with the hash lock held for
 * writing (LK-2) except creation and destruction.
 */
#include "pcb/pcb_internal.h"
#include "pcb/pcb_jhash.h"

#include <stdlib.h>

#define HASH_MIN_BUCKETS 64
#define HASH_MAX_BUCKETS 65536     /* LC-28: capped at 65536 */

/* BSD hashinit(): the largest power of two not above the element count. */
static uint32_t hash_buckets(unsigned elements)
{
	uint32_t n = HASH_MIN_BUCKETS;

	if (elements > HASH_MAX_BUCKETS)
		elements = HASH_MAX_BUCKETS;
	while (n * 2 <= elements)
		n *= 2;
	return n;
}

static int pcbhash_init(struct pcbhash *h, uint32_t nbuckets)
{
	h->heads = calloc(nbuckets, sizeof(*h->heads));
	h->mask = nbuckets - 1;
	return h->heads != NULL ? 0 : -ENOMEM;
}

static void pcbinfo_free_tables(struct inp_pcbinfo *info)
{
	free(info->exact.heads);
	free(info->wild.heads);
	free(info->porthash.heads);
	free(info->lbgroups);
}

/* LC-28 */
int pcbinfo_create(struct inp_vnet *vnet, enum inp_proto proto,
                   struct inp_pcbinfo **out)
{
	struct inp_pcbinfo *info;
	uint32_t n;

	if (vnet == NULL || vnet->host == NULL || out == NULL ||
	    (proto != INP_PROTO_UDP && proto != INP_PROTO_TCP))
		return -EINVAL;
	info = calloc(1, sizeof(*info));
	if (info == NULL)
		return -ENOMEM;
	n = hash_buckets(vnet->host->limits.max_pcbs);
	if (pcbhash_init(&info->exact, n) != 0 ||
	    pcbhash_init(&info->wild, n) != 0 ||
	    pcbhash_init(&info->porthash, n) != 0 ||
	    (info->lbgroups = calloc(n, sizeof(*info->lbgroups))) == NULL) {
		pcbinfo_free_tables(info);
		free(info);
		return -ENOMEM;
	}
	info->vnet = vnet;
	info->proto = proto;
	info->seed = host_random32(vnet->host);   /* 1.5: keyed per vnet */
	pthread_mutex_init(&info->list_lock, NULL);
	pthread_rwlock_init(&info->hash_lock, NULL);
	*out = info;
	return 0;
}

/* LC-29: only an empty table goes; -EBUSY changes nothing. */
int pcbinfo_destroy(struct inp_pcbinfo *info)
{
	unsigned count;

	if (info == NULL)
		return -EINVAL;
	count = pcbinfo_count(info);
	if (count != 0)
		return -EBUSY;
	lbgroups_destroy(info);
	pcbinfo_free_tables(info);
	pthread_rwlock_destroy(&info->hash_lock);
	pthread_mutex_destroy(&info->list_lock);
	free(info);
	return 0;
}

/* LC-24 */
unsigned pcbinfo_count(const struct inp_pcbinfo *info)
{
	struct inp_pcbinfo *i = (struct inp_pcbinfo *)info;  /* lock only */
	unsigned n;

	if (i == NULL)
		return 0;
	pthread_mutex_lock(&i->list_lock);
	n = i->count;
	pthread_mutex_unlock(&i->list_lock);
	return n;
}

uint32_t pcb_hash_exact(const struct inp_pcbinfo *info,
                        const union inp_addr *faddr, uint16_t lport,
                        uint16_t fport)
{
	uint32_t w[4];

	memcpy(w, faddr, sizeof(w));
	return jh_5words(w, ((uint32_t)lport << 16) | fport, info->seed) &
	       info->exact.mask;
}

uint32_t pcb_hash_port(const struct inp_pcbinfo *info, uint16_t lport)
{
	return jh_1word(lport, info->seed) & info->porthash.mask;
}

/* ---- chain primitives ------------------------------------------------ */

static void hash_link_at(struct inp_pcb **pos, struct inp_pcb *p)
{
	p->hash_next = *pos;
	if (*pos != NULL)
		(*pos)->hash_pprev = &p->hash_next;
	p->hash_pprev = pos;
	*pos = p;
}

static void hash_unlink(struct inp_pcb *p)
{
	if (p->hash_pprev == NULL)
		return;
	*p->hash_pprev = p->hash_next;
	if (p->hash_next != NULL)
		p->hash_next->hash_pprev = p->hash_pprev;
	p->hash_next = NULL;
	p->hash_pprev = NULL;
}

static void port_link_head(struct inp_pcbinfo *info, struct inp_pcb *p)
{
	struct inp_pcb **pos =
	    &info->porthash.heads[pcb_hash_port(info, p->lport)].first;

	/* Newest first, so that LL1/LL2's "first examined" is the newest. */
	p->port_next = *pos;
	if (*pos != NULL)
		(*pos)->port_pprev = &p->port_next;
	p->port_pprev = pos;
	*pos = p;
}

static void port_unlink(struct inp_pcb *p)
{
	if (p->port_pprev == NULL)
		return;
	*p->port_pprev = p->port_next;
	if (p->port_next != NULL)
		p->port_next->port_pprev = p->port_pprev;
	p->port_next = NULL;
	p->port_pprev = NULL;
}

/*
 * The 5.4 class a wild PCB is kept in, best first: 0 jailed with a
 * specific address, 1 jailed wildcard, 2 unjailed specific, 3 unjailed
 * wildcard, 4 wildcard of an AF_INET6 socket that takes IPv4 (dual-stack
 * '::' or '::ffff:0.0.0.0': rank 5 for IPv4 packets).  Jailed means
 * jailed for the family the PCB speaks.  For IPv4 packets this order is
 * the rank order, so a first-match reader (a lockless lookup) gets the
 * right PCB.
 */
static unsigned wild_class(const struct inp_pcb *p)
{
	bool any = inp_addr_is_any(&p->laddr);
	bool jailed;

	if (any && (p->vflag & INP_V_IPV6PROTO) && (p->vflag & INP_V_IPV4))
		return 4;
	jailed = (p->vflag & INP_V_IPV6) ? p->jailed6 : p->jailed4;
	return (jailed ? 0 : 2) + (any ? 1 : 0);
}

/* At the head of its class: newest first within a class (5.4 Project). */
static void wild_link(struct inp_pcbinfo *info, struct inp_pcb *p)
{
	struct inp_pcb **pos =
	    &info->wild.heads[pcb_hash_port(info, p->lport)].first;
	unsigned cls = wild_class(p);

	while (*pos != NULL && wild_class(*pos) < cls)
		pos = &(*pos)->hash_next;
	p->wild_seq = ++info->wild_seq;
	hash_link_at(pos, p);
}

static void exact_link(struct inp_pcbinfo *info, struct inp_pcb *p)
{
	uint32_t b = pcb_hash_exact(info, &p->faddr, p->lport, p->fport);

	hash_link_at(&info->exact.heads[b].first, p);
}

/* 1.5: exact table iff a foreign address, else wild; always port index. */
static void tables_link(struct inp_pcb *p)
{
	if (pcb_has_faddr(p))
		exact_link(p->info, p);
	else
		wild_link(p->info, p);
	port_link_head(p->info, p);
}

/* G1: an unconnected PCB with SO_REUSEPORT_LB belongs in a group. */
static bool lb_eligible(const struct inp_pcb *p)
{
	return (p->flags2 & INP_REUSEPORT_LB) && !pcb_has_faddr(p);
}

int pcb_insert(struct inp_pcb *p)
{
	int error;

	/* LC-23: insertion needs the flag clear; inv. 21: a port. */
	if (p == NULL || (p->flags & INP_F_INHASHLIST) || p->lport == 0)
		return -EINVAL;
	if (lb_eligible(p)) {
		error = lbgroup_join(p);
		if (error != 0)
			return error;          /* -ENOBUFS (V16, LB-5) */
	}
	tables_link(p);
	p->flags |= INP_F_INHASHLIST;
	return 0;
}

void pcb_remove(struct inp_pcb *p)
{
	if (p == NULL || !(p->flags & INP_F_INHASHLIST))
		return;
	lbgroup_leave(p);
	hash_unlink(p);
	port_unlink(p);
	p->flags &= ~INP_F_INHASHLIST;         /* LC-23 */
}

/*
 * The 4-tuple changed (connect of a bound PCB, C11 disconnect): move it to
 * the chain its tuple now selects.  Group membership follows G1:
 * connecting leaves the group, an unconnected PCB with the option (back)
 * in one.  A failed re-join only means it is not a member (LB-5).
 */
void pcb_rehash(struct inp_pcb *p)
{
	if (p == NULL || !(p->flags & INP_F_INHASHLIST))
		return;                        /* LC-23: rehash needs it set */
	hash_unlink(p);
	port_unlink(p);
	lbgroup_leave(p);
	if (lb_eligible(p))
		(void)lbgroup_join(p);
	tables_link(p);
}
