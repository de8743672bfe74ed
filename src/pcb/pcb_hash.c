/*
 * pcb_hash.c - the per-protocol table (pcbinfo) and its hash chains: which
 * PCB goes on which chain, in which order (spec 1.5, 5.4, LC-10, LC-23,
 * LC-28, LC-29).
 *
 * Three chains: exact (faddr, lport, fport) for PCBs with a foreign
 * address, wild (lport) for the others, and the port index (lport)
 * holding every hashed PCB.  Everything here runs with the hash mutex
 * held (LK-2, LK-12) except creation and destruction.
 *
 * Lookups walk the exact and wild chains without the mutex, inside an RCU
 * read-side section (pcb_lookup.c).  So those two chains are published
 * like RCU lists: a new entry is complete before a release store makes it
 * reachable, and a removed entry keeps its forward link (RC-17), so a
 * reader standing on it walks on into the rest of the chain; its memory
 * goes only through call_rcu (pcb_alloc.c).  Each chain has its own link
 * field (exact_next, wild_next) so that moving between them (connect,
 * C11 disconnect) never rewrites a link a reader may be following.
 * Re-entering a chain whose link the PCB used before is the one case
 * that would (a reader still standing on the PCB in its old chain would
 * be carried into the new one and miss the rest of the old): LC-10 says
 * to wait for those readers first, which chain_reentry() does with
 * synchronize_rcu unless one already completed since the PCB left.
 * liburcu 0.13 has no grace-period cookie to poll, so the table keeps
 * its own: unlink_seq numbers removals, gp_covered is the last removal
 * known to be older than a completed grace period.  The port index is
 * read only under the mutex (bind conflicts) and stays a plain list.
 *
 * Sizing (LC-28, docs/architecture.md): tables do not grow, so no lookup
 * ever waits for a resize.  The tables keyed by the port use BSD's
 * hashinit() rule on limits.max_pcbs, capped at 65536 (no more ports).
 * The exact table, the one every packet of a connection searches, gets
 * the smallest power of two not below max_pcbs (at most 2^23): at the
 * limit, at most one PCB per bucket on average, so a hit reads about 1.5
 * PCBs instead of the 2 that hashinit's half-size table would cost, for
 * 8 bytes of head per PCB.
 */
#include "pcb/pcb_internal.h"
#include "pcb/pcb_jhash.h"

#include <stdlib.h>

#define HASH_MIN_BUCKETS 64
#define PORT_MAX_BUCKETS 65536u      /* LC-28: capped at 65536 */
#define EXACT_MAX_BUCKETS (1u << 23) /* 8M buckets, 64 MB of heads */

/* BSD hashinit(): the largest power of two not above the element count. */
static uint32_t hash_buckets(unsigned elements, uint32_t max)
{
	uint32_t n = HASH_MIN_BUCKETS;

	if (elements > max)
		elements = max;
	while (n * 2 <= elements)
		n *= 2;
	return n;
}

uint32_t pcb_exact_buckets(unsigned max_pcbs)
{
	uint32_t n = hash_buckets(max_pcbs, EXACT_MAX_BUCKETS);

	return n < max_pcbs && n < EXACT_MAX_BUCKETS ? n * 2 : n;
}

uint32_t pcb_port_buckets(unsigned max_pcbs)
{
	return hash_buckets(max_pcbs, PORT_MAX_BUCKETS);
}

static int pcbhash_init(struct pcbhash *h, uint32_t nbuckets)
{
	uint32_t i;

	h->heads = huge_alloc(nbuckets * sizeof(*h->heads));   /* huge.c */
	h->mask = nbuckets - 1;
	if (h->heads == NULL)
		return -ENOMEM;
	for (i = 0; i < nbuckets; i++)
		atomic_init(&h->heads[i].first, NULL);
	return 0;
}

static void pcbhash_free(struct pcbhash *h)
{
	if (h->heads != NULL)
		huge_free(h->heads, ((size_t)h->mask + 1) * sizeof(*h->heads));
}

static void pcbinfo_free_tables(struct inp_pcbinfo *info)
{
	pcbhash_free(&info->exact);
	pcbhash_free(&info->wild);
	pcbhash_free(&info->porthash);
	free(info->lbgroups);
	port_index_destroy(info);
}

/* LC-28 */
int pcbinfo_create(struct inp_vnet *vnet, enum inp_proto proto,
                   struct inp_pcbinfo **out)
{
	struct inp_pcbinfo *info;
	unsigned max;
	uint32_t n, b;

	if (vnet == NULL || vnet->host == NULL || out == NULL ||
	    (proto != INP_PROTO_UDP && proto != INP_PROTO_TCP))
		return -EINVAL;
	info = aligned_alloc(64, sizeof(*info));   /* _Alignas groups */
	if (info == NULL)
		return -ENOMEM;
	memset(info, 0, sizeof(*info));
	max = vnet->host->limits.max_pcbs;
	n = pcb_port_buckets(max);
	if (pcbhash_init(&info->exact, pcb_exact_buckets(max)) != 0 ||
	    pcbhash_init(&info->wild, n) != 0 ||
	    pcbhash_init(&info->porthash, n) != 0 ||
	    (info->lbgroups = malloc(n * sizeof(*info->lbgroups))) == NULL) {
		pcbinfo_free_tables(info);
		free(info);
		return -ENOMEM;
	}
	for (b = 0; b < n; b++)
		atomic_init(&info->lbgroups[b], NULL);
	pcb_zone_init(&info->zone, pcb_alloc_size());
	info->vnet = vnet;
	info->proto = proto;
	info->seed = host_random32(vnet->host);   /* 1.5: keyed per vnet */
	info->rbias = rbias_table_new((unsigned)vnet->sc.pcb_read_bias);
	atomic_init(&info->move_seq, 0);
	atomic_init(&info->unlink_seq, 0);
	atomic_init(&info->freeing, 0);
	atomic_init(&info->gp_covered, 0);
	pthread_mutex_init(&info->list_lock, NULL);
	pthread_mutex_init(&info->hash_lock, NULL);
	*out = info;
	return 0;
}

void pcbinfo_set_read_bias(struct inp_pcbinfo *info, unsigned reads)
{
	if (info != NULL && info->rbias != NULL)
		atomic_store_explicit(&info->rbias->reads, reads,
		                      memory_order_relaxed);
}

int inp_pcb_lock_stats(struct inp_vnet *vnet, enum inp_proto proto,
                       struct inp_pcblockstat *st)
{
	struct inp_pcbinfo *info = pcbinfo_of(vnet, proto);
	struct rbias_table *t;

	if (info == NULL || st == NULL)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	t = info->rbias;
	if (t == NULL)
		return 0;
	st->bias_reads = atomic_load_explicit(&t->reads, memory_order_relaxed);
	st->reader_rows = atomic_load_explicit(&t->nrows,
	                                       memory_order_relaxed);
	st->revocations = atomic_load_explicit(&t->revokes,
	                                       memory_order_relaxed);
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
	/*
	 * Freed PCBs and LB arrays may still wait for their grace period;
	 * let them go now, so that nothing of this table outlives it (inv.
	 * 26) and leak checkers see the memory returned.
	 */
	lbgroups_destroy(info);
	pcbgroups_free(info);
	rcu_glue_barrier();
	pcb_zone_destroy(&info->zone);
	rbias_table_free(info->rbias);
	pcbinfo_free_tables(info);
	pthread_mutex_destroy(&info->hash_lock);
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

uint32_t pcb_hash_exact_raw(uint32_t seed, const union inp_addr *faddr,
                            uint16_t lport, uint16_t fport)
{
	uint32_t w[4];

	memcpy(w, faddr, sizeof(w));
	return jh_5words(w, ((uint32_t)lport << 16) | fport, seed);
}

uint32_t pcb_hash_port_raw(uint32_t seed, uint16_t lport)
{
	return jh_1word(lport, seed);
}

uint32_t pcb_hash_exact(const struct inp_pcbinfo *info,
                        const union inp_addr *faddr, uint16_t lport,
                        uint16_t fport)
{
	return pcb_hash_exact_raw(info->seed, faddr, lport, fport) &
	       info->exact.mask;
}

uint32_t pcb_hash_port(const struct inp_pcbinfo *info, uint16_t lport)
{
	return pcb_hash_port_raw(info->seed, lport) & info->porthash.mask;
}

/* ---- chain primitives ------------------------------------------------ */

/*
 * LC-10: p is about to use a link field it used before (*gone != 0).
 * Readers that were walking the old chain when p left it may still stand
 * on p; wait until they are gone, unless a grace period that started
 * after p left has already ended (gp_covered).  Hash mutex held: no
 * reader ever blocks on it inside a section, so the wait cannot deadlock.
 */
static void chain_reentry(struct inp_pcbinfo *info, uint64_t *gone)
{
	uint64_t seq, cov;

	if (*gone == 0)
		return;
	if (*gone > atomic_load_explicit(&info->gp_covered,
	                                 memory_order_acquire)) {
		seq = atomic_load_explicit(&info->unlink_seq,
		                           memory_order_acquire);
		rcu_glue_synchronize();
		cov = atomic_load_explicit(&info->gp_covered,
		                           memory_order_relaxed);
		while (cov < seq &&
		       !atomic_compare_exchange_weak_explicit(
		           &info->gp_covered, &cov, seq, memory_order_release,
		           memory_order_relaxed))
			;
	}
	*gone = 0;
}

static uint64_t chain_gone_seq(struct inp_pcbinfo *info)
{
	return atomic_fetch_add_explicit(&info->unlink_seq, 1,
	                                 memory_order_acq_rel) + 1;
}

/*
 * Publish p at *pos: its link first, then the release store that makes
 * it reachable (with everything written to p before).
 */
static void exact_link_at(struct inp_pcb *_Atomic *pos, struct inp_pcb *p)
{
	struct inp_pcb *next = atomic_load_explicit(pos, memory_order_relaxed);

	chain_reentry(p->info, &p->exact_gone);
	atomic_store_explicit(&p->exact_next, next, memory_order_relaxed);
	if (next != NULL)
		next->exact_pprev = &p->exact_next;
	p->exact_pprev = pos;
	atomic_store_explicit(pos, p, memory_order_release);
}

static void wild_link_at(struct inp_pcb *_Atomic *pos, struct inp_pcb *p)
{
	struct inp_pcb *next = atomic_load_explicit(pos, memory_order_relaxed);

	chain_reentry(p->info, &p->wild_gone);
	atomic_store_explicit(&p->wild_next, next, memory_order_relaxed);
	if (next != NULL)
		next->wild_pprev = &p->wild_next;
	p->wild_pprev = pos;
	atomic_store_explicit(pos, p, memory_order_release);
}

/* Unlink; the forward link stays for readers standing on p (RC-17). */
static void exact_unlink(struct inp_pcb *p)
{
	struct inp_pcb *next;

	if (p->exact_pprev == NULL)
		return;
	next = atomic_load_explicit(&p->exact_next, memory_order_relaxed);
	atomic_store_explicit(p->exact_pprev, next, memory_order_release);
	if (next != NULL)
		next->exact_pprev = p->exact_pprev;
	p->exact_pprev = NULL;
	p->exact_gone = chain_gone_seq(p->info);
}

static void wild_unlink(struct inp_pcb *p)
{
	struct inp_pcb *next;

	if (p->wild_pprev == NULL)
		return;
	next = atomic_load_explicit(&p->wild_next, memory_order_relaxed);
	atomic_store_explicit(p->wild_pprev, next, memory_order_release);
	if (next != NULL)
		next->wild_pprev = p->wild_pprev;
	p->wild_pprev = NULL;
	p->wild_gone = chain_gone_seq(p->info);
}

static void hash_unlink(struct inp_pcb *p)
{
	exact_unlink(p);
	wild_unlink(p);
}

/* The port index: mutex-only, a plain list. */
static void port_link_head(struct inp_pcbinfo *info, struct inp_pcb *p)
{
	struct inp_pcb **pos =
	    (struct inp_pcb **)&info->porthash.heads[pcb_hash_port(info, p->lport)].first;

	/* Newest first, so that LL1/LL2's "first examined" is the newest. */
	p->port_next = *pos;
	if (*pos != NULL)
		(*pos)->port_pprev = &p->port_next;
	p->port_pprev = pos;
	*pos = p;
	port_index_add(p);                     /* port_index.c */
}

static void port_unlink(struct inp_pcb *p)
{
	if (p->port_pprev == NULL)
		return;
	port_index_del(p);                     /* port_index.c */
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
 * the rank order, so a first-match reader gets the right PCB; not for
 * IPv6 packets, where class 4 ranks 2 or 4, nor across wild_seq ties with
 * class 4, which is why the lockless lookup scans the whole chain with
 * the same rank and tie rules as lookup_wild() (pcb_lookup_rcu.c).
 */
static unsigned wild_class(const struct inp_pcb *p)
{
	bool any = inp_addr_is_any(&p->laddr);
	bool jailed;

	if (any && (p->vflag & INP_V_IPV6PROTO) && (p->vflag & INP_V_IPV4))
		return 4;
	jailed = pcb_jailed(p, (p->vflag & INP_V_IPV6) ? AF_INET6 : AF_INET);
	return (jailed ? 0 : 2) + (any ? 1 : 0);
}

/* At the head of its class: newest first within a class (5.4 Project). */
static void wild_link(struct inp_pcbinfo *info, struct inp_pcb *p)
{
	struct inp_pcb *_Atomic *pos =
	    &info->wild.heads[pcb_hash_port(info, p->lport)].first;
	unsigned cls = wild_class(p);
	struct inp_pcb *q;

	while ((q = atomic_load_explicit(pos, memory_order_relaxed)) != NULL &&
	       wild_class(q) < cls)
		pos = &q->wild_next;
	p->wild_seq = ++info->wild_seq;
	wild_link_at(pos, p);
}

static void exact_link(struct inp_pcbinfo *info, struct inp_pcb *p)
{
	uint32_t b = pcb_hash_exact(info, &p->faddr, p->lport, p->fport);

	exact_link_at(&info->exact.heads[b].first, p);
}

/*
 * 1.5: exact table iff a foreign address, else wild; always port index.
 * lk_vflag is the vflag the lockless lookups match against: written here,
 * before the publishing store, and only here (the socket layer's own
 * writes of vflag never race with a reader).
 */
static void tables_link(struct inp_pcb *p)
{
	PCB_STORE(p->lk_vflag, (uint8_t)p->vflag);
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
	struct pcbgroup_held gh;
	int error;

	/* LC-23: insertion needs the flag clear; inv. 21: a port. */
	if (p == NULL || (p->flags & INP_F_INHASHLIST) || p->lport == 0)
		return -EINVAL;
	if (lb_eligible(p)) {
		error = lbgroup_join(p);
		if (error != 0)
			return error;          /* -ENOBUFS (V16, LB-5) */
	}
	pcbgroup_begin(p, false, &gh);         /* spec 4: PG-9, PG-14 */
	tables_link(p);
	p->flags |= INP_F_INHASHLIST;
	pcbgroup_end(p, &gh);
	return 0;
}

void pcb_remove(struct inp_pcb *p)
{
	struct pcbgroup_held gh;

	if (p == NULL || !(p->flags & INP_F_INHASHLIST))
		return;
	lbgroup_leave(p);
	pcbgroup_begin(p, true, &gh);          /* PG-16 */
	hash_unlink(p);
	port_unlink(p);
	p->flags &= ~INP_F_INHASHLIST;         /* LC-23 */
	pcbgroup_end(p, &gh);
}

/*
 * The 4-tuple changed (connect of a bound PCB, C11 disconnect): move it to
 * the chain its tuple now selects.  Group membership follows G1:
 * connecting leaves the group, an unconnected PCB with the option (back)
 * in one.  A failed re-join only means it is not a member (LB-5).
 */
void pcb_rehash(struct inp_pcb *p)
{
	struct pcbgroup_held gh;

	if (p == NULL || !(p->flags & INP_F_INHASHLIST))
		return;                        /* LC-23: rehash needs it set */
	pcb_move_begin(p->info);
	pcbgroup_begin(p, false, &gh);         /* PG-13 */
	hash_unlink(p);
	port_unlink(p);
	lbgroup_leave(p);
	if (lb_eligible(p))
		(void)lbgroup_join(p);
	tables_link(p);
	pcbgroup_end(p, &gh);
	pcb_move_end(p->info);
}

/*
 * The writer side of a seqcount: odd while a move is under way; the
 * fences order the count against the chain and tuple stores of the move
 * for readers that check it (pcb_lookup_rcu.c).
 */
void pcb_move_begin(struct inp_pcbinfo *info)
{
	if (info->move_depth++ != 0)
		return;
	atomic_store_explicit(&info->move_seq,
	                      atomic_load_explicit(&info->move_seq,
	                                           memory_order_relaxed) + 1,
	                      RCU_GLUE_SEQ_ORDER);
	RCU_GLUE_FENCE_REL();
}

void pcb_move_end(struct inp_pcbinfo *info)
{
	if (--info->move_depth != 0)
		return;
	atomic_store_explicit(&info->move_seq,
	                      atomic_load_explicit(&info->move_seq,
	                                           memory_order_relaxed) + 1,
	                      memory_order_release);
}
