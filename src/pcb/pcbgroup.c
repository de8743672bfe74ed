/*
 * pcbgroup.c - connection groups (pcbgroups, spec section 4) as a per-vnet
 * option: net.inet.pcbgroup.enable and net.inet.rss.bits, settable only
 * while the vnet's PCB tables are empty.
 *
 * Structure (PG-1, PG-2, PG-4): one array of 2^bits groups per protocol
 * table, one group per RSS bucket.  A group has its own mutex, which
 * covers only its membership, and its own exact table, keyed like the
 * main one by (faddr, lport, fport) and linked through grp_next, so a
 * connected PCB sits both in the main table (the reservation table:
 * bind and connect conflicts and port searches use it unchanged) and in
 * exactly one group (PG-10).  Each group table has 1/N of the main
 * table's buckets: it holds 1/N of the connections, so its chains are
 * as long as the main table's (PG-4 gives every group the full size).
 *
 * Placement (PG-5, PG-6, PG-7): group = RSS hash & (N - 1), the hash
 * being the packet's when its type fits the protocol (TCP: 4-tuple
 * hashes, UDP: 2-tuple ones, RSS-8's defaults), else the Toeplitz hash
 * of the receive-direction tuple under the vnet's key (RSS-5's default
 * key), computed here.  Wild PCBs (no foreign address) are in no group
 * (PG-9): the shared wildcard table is the main table's wild chains,
 * changed only while every group lock is held, ascending (PG-9), so that
 * it may be read under any one (pcbgroup_verify does).
 *
 * Lookups (PG-11, PG-12): lockless, like the main table's, through
 * pcb_lookup_exact_in() (pcb_lookup_rcu.c: the same walk, RC-18 lock
 * step and LK-13 re-check).  A hit in the group is the answer.  A miss
 * is never trusted: the lookup goes on in the reservation table, which
 * does the exact, LB group (L3) and wildcard steps.  That is how wild
 * PCBs are reachable from every group, and it makes a connection that
 * is between two groups (PG-14) still found, by the main table; it
 * also means lbgroups stay in use with groups on (PG-11 skips them).
 *
 * Group chains need no LC-10 grace wait when a PCB re-enters one: a
 * reader carried from one chain into another can only miss, and a miss
 * falls through to the reservation table.
 */
#include "pcb/pcb_internal.h"
#include "rss/rss_internal.h"

#include <stdlib.h>

#define GROUP_MIN_BUCKETS 64

struct pcbgroup {
	pthread_mutex_t lock;          /* this group's membership (PG-1) */
	struct pcbhash exact;          /* connected members (PG-10) */
} __attribute__((aligned(64)));

struct pcbgroups {
	unsigned n;                    /* 2^bits: RSS buckets (PG-4) */
	bool four_tuple;               /* PG-3: TCP 4-tuple, UDP 2-tuple */
	uint8_t key[INP_RSS_KEYLEN];   /* the vnet's Toeplitz key (RSS-5) */
	struct pcbgroup g[];
};

/* ---- sizing and the option ------------------------------------------ */

/*
 * How many bits of groups a configuration asks for; 0: groups off.  The
 * bits as sysctl.c resolved them (RSS-10, rss_bits.c), the same the
 * aligned ephemeral ports use.
 */
static unsigned groups_bits(const struct vnet_sysctls *sc)
{
	if (!sc->pcbgroup_enable)
		return 0;
	return (unsigned)sc->rss_bits_used;
}

static void groups_destroy(struct pcbgroups *gs)
{
	unsigned i;

	if (gs == NULL)
		return;
	for (i = 0; i < gs->n; i++) {
		free(gs->g[i].exact.heads);
		pthread_mutex_destroy(&gs->g[i].lock);
	}
	free(gs);
}

/* Groups for info, 2^bits of them; NULL in *out for 0 bits (PG-4). */
static int groups_new(struct inp_pcbinfo *info, unsigned bits,
                      struct pcbgroups **out)
{
	unsigned i, n = 1u << bits;
	uint32_t nb = (info->exact.mask + 1) >> bits;
	size_t size = sizeof(struct pcbgroups) + n * sizeof(struct pcbgroup);
	struct pcbgroups *gs;

	*out = NULL;
	if (bits == 0)                 /* one bucket: one CPU (PG-3) */
		return 0;
	gs = aligned_alloc(64, (size + 63) & ~(size_t)63);
	if (gs == NULL)
		return -ENOMEM;
	gs->n = 0;
	gs->four_tuple = info->proto == INP_PROTO_TCP;
	memcpy(gs->key, inp_rss_default_key, sizeof(gs->key));
	if (nb < GROUP_MIN_BUCKETS)
		nb = GROUP_MIN_BUCKETS;
	for (i = 0; i < n; i++, gs->n++) {
		struct pcbgroup *g = &gs->g[i];

		g->exact.heads = calloc(nb, sizeof(*g->exact.heads));
		if (g->exact.heads == NULL) {
			groups_destroy(gs);
			return -ENOMEM;
		}
		g->exact.mask = nb - 1;
		pthread_mutex_init(&g->lock, NULL);
	}
	*out = gs;
	return 0;
}

/* Swap info's groups for gs (hash mutex held, table empty). */
static void groups_install(struct inp_pcbinfo *info, struct pcbgroups *gs)
{
	struct pcbgroups *old = atomic_load_explicit(&info->groups,
	                                             memory_order_relaxed);

	atomic_store_explicit(&info->groups, gs, memory_order_release);
	if (old != NULL) {
		rcu_glue_synchronize();  /* lookups may still read the old */
		groups_destroy(old);
	}
}

void pcbgroups_free(struct inp_pcbinfo *info)
{
	if (info != NULL)
		groups_install(info, NULL);
}

bool pcbgroup_knob(const char *name)
{
	return strcmp(name, "net.inet.pcbgroup.enable") == 0 ||
	       strcmp(name, "net.inet.rss.bits") == 0;
}

static void hash_lock_all(struct inp_vnet *vnet, bool lock)
{
	int p;

	/* The only place two hash mutexes are held: protocol order. */
	for (p = 0; p < INP_NPROTO; p++) {
		int q = lock ? p : INP_NPROTO - 1 - p;

		if (vnet->pcbinfo[q] == NULL)
			continue;
		if (lock)
			hash_wlock(vnet->pcbinfo[q]);
		else
			hash_unlock(vnet->pcbinfo[q]);
	}
}

/* Build every table's new groups for sc, or none (-ENOMEM). */
static int groups_build_all(struct inp_vnet *vnet,
                            const struct vnet_sysctls *sc,
                            struct pcbgroups *built[INP_NPROTO])
{
	int p, rc = 0;

	for (p = 0; p < INP_NPROTO; p++) {
		built[p] = NULL;
		if (rc == 0 && vnet->pcbinfo[p] != NULL)
			rc = groups_new(vnet->pcbinfo[p], groups_bits(sc),
			                &built[p]);
	}
	if (rc != 0)
		for (p = 0; p < INP_NPROTO; p++)
			groups_destroy(built[p]);
	return rc;
}

/*
 * The option changes only while no PCB exists: the hash mutexes keep new
 * ones out of the tables until the groups are in place.
 */
int pcbgroup_sysctl_set(struct inp_vnet *vnet, const char *name, long value)
{
	struct pcbgroups *built[INP_NPROTO];
	struct vnet_sysctls sc;
	int p, rc;

	hash_lock_all(vnet, true);
	for (p = 0, rc = 0; p < INP_NPROTO && rc == 0; p++)
		if (pcbinfo_busy(vnet->pcbinfo[p]))
			rc = -EBUSY;
	pthread_mutex_lock(&vnet->cfg_lock);
	sc = vnet->sc;
	pthread_mutex_unlock(&vnet->cfg_lock);
	if (rc == 0)
		rc = sysctl_apply(&sc, name, value);
	if (rc == 0)
		rc = groups_build_all(vnet, &sc, built);
	if (rc == 0) {
		pthread_mutex_lock(&vnet->cfg_lock);
		(void)sysctl_apply(&vnet->sc, name, value);
		pthread_mutex_unlock(&vnet->cfg_lock);
		for (p = 0; p < INP_NPROTO; p++)
			if (vnet->pcbinfo[p] != NULL)
				groups_install(vnet->pcbinfo[p], built[p]);
	}
	hash_lock_all(vnet, false);
	return rc;
}

/* ---- placement -------------------------------------------------------- */

/* PG-6 with RSS: Toeplitz of source = foreign, destination = local. */
static uint32_t tuple_hash(const struct pcbgroups *gs, int af,
                           const union inp_addr *fa, uint16_t fport,
                           const union inp_addr *la, uint16_t lport)
{
	uint8_t buf[36];
	size_t alen = af == AF_INET ? 4 : 16, n;
	union inp_addr f = *fa, l = *la;

	/* The wire form: a NIC never sees the zone we embed (2.6). */
	(void)in6_clear_zone(&f.a6);
	(void)in6_clear_zone(&l.a6);
	memcpy(buf, af == AF_INET ? (void *)&IA4(f) : (void *)&f.a6, alen);
	memcpy(buf + alen, af == AF_INET ? (void *)&IA4(l) : (void *)&l.a6,
	       alen);
	n = 2 * alen;
	if (gs->four_tuple) {
		memcpy(buf + n, &fport, 2);
		memcpy(buf + n + 2, &lport, 2);
		n += 4;
	}
	return inp_toeplitz(gs->key, buf, n);
}

/* PG-7: does the table trust a packet hash of this type? */
static bool hash_usable(const struct pcbgroups *gs, int af,
                        enum inp_hashtype t)
{
	if (gs->four_tuple)
		return af == AF_INET ? t == INP_HASH_TCP_IPV4 ||
		                       t == INP_HASH_UDP_IPV4
		                     : t == INP_HASH_TCP_IPV6 ||
		                       t == INP_HASH_UDP_IPV6;
	return t == (af == AF_INET ? INP_HASH_IPV4 : INP_HASH_IPV6);
}

/* PG-5 with RSS, RSS-11: the low bits. */
static unsigned bucket_of(const struct pcbgroups *gs, uint32_t hash)
{
	return hash & (gs->n - 1);
}

static int pcb_af(const struct inp_pcb *p)
{
	return pcb_is_v4(p) ? AF_INET : AF_INET6;
}

/* Software placement of a connected PCB (PG-14 step 2). */
static unsigned soft_group(const struct pcbgroups *gs,
                           const struct inp_pcb *p)
{
	return bucket_of(gs, tuple_hash(gs, pcb_af(p), &p->faddr, p->fport,
	                                &p->laddr, p->lport));
}

/* ---- group locks and chains ------------------------------------------ */

/* As hash_wlock: a QSBR reader goes offline while it waits. */
static void grp_lock(struct pcbgroup *g)
{
	bool offline;

	if (pthread_mutex_trylock(&g->lock) == 0)
		return;
	offline = rcu_glue_block_begin();
	pthread_mutex_lock(&g->lock);
	rcu_glue_block_end(offline);
}

static void grp_unlock(struct pcbgroup *g)
{
	pthread_mutex_unlock(&g->lock);
}

/* Groups lo and hi (1-based, 0: none), ascending (lock order). */
static void grp_lock_pair(struct pcbgroups *gs, unsigned lo, unsigned hi)
{
	if (lo != 0)
		grp_lock(&gs->g[lo - 1]);
	if (hi != 0)
		grp_lock(&gs->g[hi - 1]);
}

static void grp_unlock_pair(struct pcbgroups *gs, unsigned lo, unsigned hi)
{
	if (hi != 0)
		grp_unlock(&gs->g[hi - 1]);
	if (lo != 0)
		grp_unlock(&gs->g[lo - 1]);
}

static void grp_lock_all(struct pcbgroups *gs)
{
	unsigned i;

	for (i = 0; i < gs->n; i++)     /* PG-9: ascending index */
		grp_lock(&gs->g[i]);
}

static void grp_unlock_all(struct pcbgroups *gs)
{
	unsigned i;

	for (i = gs->n; i-- > 0;)
		grp_unlock(&gs->g[i]);
}

/* Publish p in group gi (its lock held), as pcb_hash.c publishes. */
static void grp_link(struct pcbgroups *gs, unsigned gi, struct inp_pcb *p)
{
	struct pcbgroup *g = &gs->g[gi];
	uint32_t b = pcb_hash_exact_raw(p->info->seed, &p->faddr, p->lport,
	                                p->fport) & g->exact.mask;
	struct inp_pcb *_Atomic *pos = &g->exact.heads[b].first;
	struct inp_pcb *next = atomic_load_explicit(pos, memory_order_relaxed);

	atomic_store_explicit(&p->grp_next, next, memory_order_relaxed);
	if (next != NULL)
		next->grp_pprev = &p->grp_next;
	p->grp_pprev = pos;
	p->grp = (uint16_t)(gi + 1);
	atomic_store_explicit(pos, p, memory_order_release);
}

/* Unlink (its group's lock held); the forward link stays (RC-17). */
static void grp_unlink(struct inp_pcb *p)
{
	struct inp_pcb *next;

	if (p->grp_pprev == NULL)
		return;
	next = atomic_load_explicit(&p->grp_next, memory_order_relaxed);
	atomic_store_explicit(p->grp_pprev, next, memory_order_release);
	if (next != NULL)
		next->grp_pprev = p->grp_pprev;
	p->grp_pprev = NULL;
	p->grp = 0;
	p->grp_bypkt = false;
}

/* ---- membership (PG-13, PG-14, PG-16) ------------------------------- */

void pcbgroup_begin(struct inp_pcb *p, bool removing,
                    struct pcbgroup_held *h)
{
	struct pcbgroups *gs = atomic_load_explicit(&p->info->groups,
	                                            memory_order_relaxed);
	unsigned a, b;

	memset(h, 0, sizeof(*h));
	if (gs == NULL)
		return;
	h->gs = gs;
	/* PG-10: connected and not dropped goes into one group. */
	if (!removing && pcb_has_faddr(p) && !(p->flags & INP_F_DROPPED))
		h->target = soft_group(gs, p) + 1;
	/* PG-9: the wildcard table changes under every group lock. */
	h->all = p->wild_pprev != NULL || (!removing && !pcb_has_faddr(p));
	if (h->all) {
		grp_lock_all(gs);
		return;
	}
	a = p->grp < h->target ? p->grp : h->target;     /* a <= b */
	b = p->grp < h->target ? h->target : p->grp;
	h->lo = a == 0 || a == b ? b : a;
	h->hi = a == 0 || a == b ? 0 : b;
	grp_lock_pair(gs, h->lo, h->hi);
}

/*
 * Relink even within one group: the tuple, and with it the bucket, may
 * have changed (PG-14 step 3, removal first: one link field).
 */
void pcbgroup_end(struct inp_pcb *p, struct pcbgroup_held *h)
{
	if (h->gs == NULL)
		return;
	grp_unlink(p);
	if (h->target != 0)
		grp_link(h->gs, h->target - 1, p);
	if (h->all)
		grp_unlock_all(h->gs);
	else
		grp_unlock_pair(h->gs, h->lo, h->hi);
}

int pcbgroup_rehash_pkt(struct inp_pcb *p, enum inp_hashtype type,
                        uint32_t hash)
{
	struct pcbgroups *gs;
	unsigned old, gi, lo, hi;
	bool bypkt;

	if (p == NULL)
		return -EINVAL;
	gs = atomic_load_explicit(&p->info->groups, memory_order_acquire);
	if (gs == NULL || p->grp == 0)
		return -ENOENT;        /* PG-10: wild, dropped or unhashed */
	bypkt = hash_usable(gs, pcb_af(p), type);
	gi = bypkt ? bucket_of(gs, hash) : soft_group(gs, p);
	old = p->grp - 1u;
	lo = (old < gi ? old : gi) + 1;
	hi = old == gi ? 0 : (old > gi ? old : gi) + 1;
	grp_lock_pair(gs, lo, hi);
	if (old != gi) {
		grp_unlink(p);
		grp_link(gs, gi, p);
	}
	p->grp_bypkt = bypkt;
	grp_unlock_pair(gs, lo, hi);
	return 0;
}

/* ---- lookup (PG-11 step 1, PG-12) ------------------------------------ */

int pcbgroup_lookup(struct inp_pcbinfo *info, int af,
                    const union inp_addr *fa, uint16_t fport,
                    const union inp_addr *la, uint16_t lport,
                    const struct inp_pkt_ctx *pkt, bool wlock,
                    struct inp_pcb **out)
{
	struct pcbgroups *gs;
	struct pcbgroup *g;
	uint32_t b;

	rcu_glue_read_lock();
	gs = atomic_load_explicit(&info->groups, memory_order_acquire);
	if (gs == NULL) {
		rcu_glue_read_unlock();
		return -ENOENT;
	}
	if (pkt != NULL && hash_usable(gs, af, pkt->hashtype))
		g = &gs->g[bucket_of(gs, pkt->hash)];         /* PG-7 */
	else
		g = &gs->g[bucket_of(gs, tuple_hash(gs, af, fa, fport, la,
		                                    lport))];
	b = pcb_hash_exact_raw(info->seed, fa, lport, fport) & g->exact.mask;
	return pcb_lookup_exact_in(info, &g->exact.heads[b].first,
	                           offsetof(struct inp_pcb, grp_next), af, fa,
	                           fport, la, lport, wlock, out);
}

/* ---- tests and invariants ------------------------------------------- */

unsigned pcbgroup_count(struct inp_pcbinfo *info)
{
	struct pcbgroups *gs;

	if (info == NULL)
		return 0;
	gs = atomic_load_explicit(&info->groups, memory_order_acquire);
	return gs != NULL ? gs->n : 0;
}

int pcbgroup_of(const struct inp_pcb *p)
{
	return p != NULL && p->grp != 0 ? (int)p->grp - 1 : -1;
}

int pcbgroup_for_tuple(struct inp_pcbinfo *info, int af,
                       const union inp_addr *fa, uint16_t fport,
                       const union inp_addr *la, uint16_t lport)
{
	struct pcbgroups *gs = info != NULL
	    ? atomic_load_explicit(&info->groups, memory_order_acquire) : NULL;

	if (gs == NULL || fa == NULL || la == NULL)
		return -1;
	return (int)bucket_of(gs, tuple_hash(gs, af, fa, fport, la, lport));
}

int pcbgroup_for_hash(struct inp_pcbinfo *info, int af,
                      enum inp_hashtype type, uint32_t hash)
{
	struct pcbgroups *gs = info != NULL
	    ? atomic_load_explicit(&info->groups, memory_order_acquire) : NULL;

	if (gs == NULL || !hash_usable(gs, af, type))
		return -1;
	return (int)bucket_of(gs, hash);
}

/* Inv. 16/17 for one member of group g. */
static int verify_member(struct pcbgroups *gs, unsigned g,
                         const struct inp_pcb *p, struct inp_explain *why)
{
	char desc[160];

	if (p->grp != g + 1 || !pcb_has_faddr(p) || p->exact_pprev == NULL ||
	    p->wild_pprev != NULL) {
		explain(why, "PG-10", "%s is on group %u's chain but marked "
		        "%d, or is not connected and in the exact table",
		        pcb_describe(p, desc, sizeof(desc)), g, (int)p->grp - 1);
		return -EPROTO;
	}
	if (!p->grp_bypkt && soft_group(gs, p) != g) {
		explain(why, "PG-14", "%s is in group %u, its tuple says %u",
		        pcb_describe(p, desc, sizeof(desc)), g,
		        soft_group(gs, p));
		return -EPROTO;
	}
	return 0;
}

static int verify_group(struct pcbgroups *gs, unsigned g,
                        struct inp_explain *why)
{
	struct pcbhash *h = &gs->g[g].exact;
	struct inp_pcb *p;
	uint32_t b;
	int rc = 0;

	for (b = 0; b <= h->mask && rc == 0; b++)
		for (p = atomic_load_explicit(&h->heads[b].first,
		                              memory_order_relaxed);
		     p != NULL && rc == 0;
		     p = atomic_load_explicit(&p->grp_next,
		                              memory_order_relaxed))
			rc = verify_member(gs, g, p, why);
	return rc;
}

/* PG-9: the shared wildcard table, read under one group lock. */
static int verify_wild(struct inp_pcbinfo *info, struct inp_explain *why)
{
	struct inp_pcb *p;
	char desc[160];
	uint32_t b;

	for (b = 0; b <= info->wild.mask; b++)
		for (p = atomic_load_explicit(&info->wild.heads[b].first,
		                              memory_order_relaxed);
		     p != NULL;
		     p = atomic_load_explicit(&p->wild_next,
		                              memory_order_relaxed))
			if (p->grp != 0) {
				explain(why, "PG-9", "wild %s is in group %d",
				        pcb_describe(p, desc, sizeof(desc)),
				        (int)p->grp - 1);
				return -EPROTO;
			}
	return 0;
}

/*
 * The hash mutex too: a tuple changes under it before the rehash that
 * moves the PCB (pcb_connect.c), and inv. 17 holds between updates.
 */
int pcbgroup_verify(struct inp_pcbinfo *info, unsigned g,
                    struct inp_explain *why)
{
	struct pcbgroups *gs;
	int rc;

	if (info == NULL)
		return -EINVAL;
	hash_wlock(info);
	gs = atomic_load_explicit(&info->groups, memory_order_relaxed);
	if (gs == NULL || g >= gs->n) {
		hash_unlock(info);
		return -EINVAL;
	}
	grp_lock(&gs->g[g]);
	rc = verify_group(gs, g, why);
	if (rc == 0)
		rc = verify_wild(info, why);
	grp_unlock(&gs->g[g]);
	hash_unlock(info);
	return rc;
}
