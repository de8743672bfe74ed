/*
 * lbgroup.c - SO_REUSEPORT_LB load-balancing groups (spec 5.3 G1-G5,
 * lifecycle LB-2..LB-9): sockets bound to the same address and port with
 * the option share the unconnected traffic, one member per remote
 * endpoint.
 *
 * A group is keyed by (credential's jail, vflag, laddr, lport) and lives in
 * info->lbgroups, hashed by lport like the port index.  Its members sit in
 * one dense array: the selectable ones first, [0, nactive), then TCP
 * members still waiting for listen(), [nactive, nactive + npending), so
 * that a pending member is never chosen (G1, FreeBSD 15).
 *
 * Writers hold the hash mutex.  Lookups read groups without it, inside an
 * RCU read-side section (pcb_lookup.c), so groups and their member arrays
 * are RCU-published: a group is linked with a release store and unlinked
 * keeping its forward link; the array is a separate object that grow and
 * shrink replace (copy, publish, free the old one with call_rcu), because
 * a reader may be indexing the old one (LB-8, FreeBSD r338571); an empty
 * group is freed with call_rcu too.  nactive lives in the array, so a
 * reader's count never exceeds the size of the array it indexes.  Slots
 * change in place (G4's move into the hole), so a reader may pick a member
 * that is leaving or still pending; the lookup locks the member and
 * re-checks it (lbgroup_member_ok), falling back to the serialised lookup.
 */
#include "pcb/pcb_internal.h"
#include "pcb/pcb_jhash.h"
#include "pcb/pcb_view.h"

#include <stdlib.h>

#define LB_MIN_SLOTS 8      /* LB-5: a new group has room for 8 */
#define LB_MAX_SLOTS 256    /* LB-5, G1: at most 256 members */

/* The member array; replaced whole when the group grows or shrinks. */
struct lb_members {
	struct rcu_head rcu;
	unsigned size;                  /* slots: 8, 16, ..., 256 */
	_Atomic unsigned nactive;       /* selectable members, first */
	struct inp_pcb *_Atomic m[];
};

struct inp_lbgroup {
	struct inp_lbgroup *_Atomic next;       /* bucket chain, newest first */
	const struct inp_jail *jail;    /* the credential's jail (key) */
	unsigned vflag;                 /* key */
	union inp_addr laddr;           /* key */
	uint16_t lport;                 /* key, network order */
	bool jailed4, jailed6;          /* 5.2 for G3, from the members */
	unsigned npending;              /* TCP members before listen() */
	struct lb_members *_Atomic arr;
	struct rcu_head rcu;
};

static struct inp_lbgroup *_Atomic *lb_bucket(struct inp_pcbinfo *info,
                                               uint16_t lport)
{
	return &info->lbgroups[pcb_hash_port(info, lport)];
}

static bool lb_key_matches(const struct inp_lbgroup *g,
                           const struct inp_pcb *p)
{
	return g->lport == p->lport && g->vflag == p->vflag &&
	       g->jail == p->cred->jail &&
	       memcmp(&g->laddr, &p->laddr, sizeof(g->laddr)) == 0;
}

/* Writers' view (hash mutex held). */
static struct lb_members *lb_arr(const struct inp_lbgroup *g)
{
	return atomic_load_explicit(&g->arr, memory_order_relaxed);
}

static unsigned lb_nactive(const struct inp_lbgroup *g)
{
	return atomic_load_explicit(&lb_arr(g)->nactive, memory_order_relaxed);
}

static unsigned lb_total(const struct inp_lbgroup *g)
{
	return lb_nactive(g) + g->npending;
}

static struct inp_pcb *lb_slot(const struct inp_lbgroup *g, unsigned i)
{
	return atomic_load_explicit(&lb_arr(g)->m[i], memory_order_relaxed);
}

/*
 * A release store: a reader that picks p from the slot must also see p
 * as it was initialised (the slot may get a member moved from elsewhere,
 * whose publication this store then carries).
 */
static void lb_set(struct inp_lbgroup *g, unsigned i, struct inp_pcb *p)
{
	atomic_store_explicit(&lb_arr(g)->m[i], p, memory_order_release);
}

/* Slots before the count: a reader that sees the count sees them. */
static void lb_set_nactive(struct inp_lbgroup *g, unsigned n)
{
	atomic_store_explicit(&lb_arr(g)->nactive, n, memory_order_release);
}

static struct lb_members *lb_members_new(unsigned size)
{
	struct lb_members *a;
	unsigned i;

	a = malloc(sizeof(*a) + size * sizeof(a->m[0]));
	if (a == NULL)
		return NULL;
	a->size = size;
	atomic_init(&a->nactive, 0);
	for (i = 0; i < size; i++)
		atomic_init(&a->m[i], NULL);
	return a;
}

static void lb_members_free_rcu(struct rcu_head *head)
{
	rcu_glue_cb_begin();
	free(caa_container_of(head, struct lb_members, rcu));
}

static void lb_group_free_rcu(struct rcu_head *head)
{
	struct inp_lbgroup *g = caa_container_of(head, struct inp_lbgroup, rcu);

	rcu_glue_cb_begin();
	free(atomic_load_explicit(&g->arr, memory_order_relaxed));
	free(g);
}

static struct inp_lbgroup *lb_create(struct inp_pcb *p)
{
	struct inp_lbgroup *g = calloc(1, sizeof(*g));
	struct lb_members *a;

	if (g == NULL)
		return NULL;
	a = lb_members_new(LB_MIN_SLOTS);
	if (a == NULL) {
		free(g);
		return NULL;
	}
	atomic_init(&g->arr, a);
	atomic_init(&g->next, NULL);
	g->jail = p->cred->jail;
	g->vflag = p->vflag;
	g->laddr = p->laddr;
	g->lport = p->lport;
	g->jailed4 = p->jailed4;
	g->jailed6 = p->jailed6;
	return g;
}

/* LB-5 / LB-8: a new array of size slots replaces the old one. */
static int lb_resize(struct inp_lbgroup *g, unsigned size)
{
	struct lb_members *old = lb_arr(g), *a;
	unsigned i, n = lb_total(g);

	a = lb_members_new(size);
	if (a == NULL)
		return -ENOBUFS;
	for (i = 0; i < n && i < size; i++)
		atomic_init(&a->m[i], lb_slot(g, i));
	atomic_init(&a->nactive, lb_nactive(g));
	atomic_store_explicit(&g->arr, a, memory_order_release);
	rcu_glue_call(&old->rcu, lb_members_free_rcu);
	return 0;
}

static void lb_unlink_free(struct inp_pcbinfo *info, struct inp_lbgroup *g)
{
	struct inp_lbgroup *_Atomic *pos = lb_bucket(info, g->lport);
	struct inp_lbgroup *q;

	while ((q = atomic_load_explicit(pos, memory_order_relaxed)) != NULL &&
	       q != g)
		pos = &q->next;
	if (q == g)
		atomic_store_explicit(pos, atomic_load_explicit(
		                          &g->next, memory_order_relaxed),
		                      memory_order_release);
	rcu_glue_call(&g->rcu, lb_group_free_rcu);    /* g->next kept */
}

/* Where p sits: its group and slot, or NULL. */
static struct inp_lbgroup *lb_find_member(struct inp_lbgroup *chain,
                                          const struct inp_pcb *p,
                                          unsigned *slot)
{
	struct inp_lbgroup *g;
	unsigned i;

	for (g = chain; g != NULL;
	     g = atomic_load_explicit(&g->next, memory_order_relaxed))
		for (i = 0; i < lb_total(g); i++)
			if (lb_slot(g, i) == p) {
				*slot = i;
				return g;
			}
	return NULL;
}

static struct inp_lbgroup *lb_locate(const struct inp_pcb *p, unsigned *slot)
{
	struct inp_pcbinfo *info = p->info;
	struct inp_lbgroup *g;
	uint32_t b;

	g = lb_find_member(atomic_load_explicit(lb_bucket(info, p->lport),
	                                        memory_order_relaxed),
	                   p, slot);
	if (g != NULL)
		return g;
	/* The port changed under us (it should not): search everywhere. */
	for (b = 0; b <= info->porthash.mask; b++) {
		g = lb_find_member(atomic_load_explicit(&info->lbgroups[b],
		                                        memory_order_relaxed),
		                   p, slot);
		if (g != NULL)
			return g;
	}
	return NULL;
}

/* LB-4: a dual-stack '::' AF_INET6 PCB joins no group. */
static bool lb_dualstack_any(const struct inp_pcb *p)
{
	return (p->vflag & INP_V_IPV4) && (p->vflag & INP_V_IPV6) &&
	       inp_addr_is_any(&p->laddr);
}

/* Append p, pending (TCP before listen) or selectable. */
static void lb_add(struct inp_lbgroup *g, struct inp_pcb *p)
{
	unsigned end = lb_total(g), na = lb_nactive(g);

	if (p->proto == INP_PROTO_TCP && !(p->flags & INP_LISTEN)) {
		lb_set(g, end, p);
		g->npending++;
		return;
	}
	/* The first pending member moves to the end to make room. */
	lb_set(g, end, lb_slot(g, na));
	lb_set(g, na, p);
	lb_set_nactive(g, na + 1);
}

int lbgroup_join(struct inp_pcb *p)
{
	struct inp_lbgroup *_Atomic *head, *g;

	if (p == NULL || (p->flags2 & INP_INLBGROUP) || lb_dualstack_any(p))
		return 0;
	head = lb_bucket(p->info, p->lport);
	for (g = atomic_load_explicit(head, memory_order_relaxed);
	     g != NULL && !lb_key_matches(g, p);
	     g = atomic_load_explicit(&g->next, memory_order_relaxed))
		;
	if (g == NULL) {
		g = lb_create(p);              /* G1: created on first use */
		if (g == NULL)
			return -ENOBUFS;
		atomic_store_explicit(&g->next, atomic_load_explicit(
		                          head, memory_order_relaxed),
		                      memory_order_relaxed);
		atomic_store_explicit(head, g, memory_order_release);
	}
	if (lb_total(g) >= LB_MAX_SLOTS)
		return 0;                      /* LB-5: the 257th is not added */
	if (lb_total(g) == lb_arr(g)->size &&
	    lb_resize(g, lb_arr(g)->size * 2) != 0)
		return -ENOBUFS;               /* LB-5: insertion fails */
	lb_add(g, p);
	p->flags2 |= INP_INLBGROUP;            /* LB-2 */
	return 0;
}

/*
 * Take slot i out.  G4 (bind spec): the last selectable member moves into
 * the hole.  Lifecycle LB-8 says members after it shift down instead; the
 * bind spec's G4 is the one we follow (O(1), and any change of membership
 * remaps flows anyway, LB-9).
 */
static void lb_take_slot(struct inp_lbgroup *g, unsigned i)
{
	unsigned last_active, last, na = lb_nactive(g);

	if (i < na) {
		last_active = na - 1;
		last = lb_total(g) - 1;
		/* The count first: new readers stop short of the hole. */
		lb_set_nactive(g, na - 1);
		lb_set(g, i, lb_slot(g, last_active));
		lb_set(g, last_active, lb_slot(g, last)); /* pending stay dense */
	} else {
		lb_set(g, i, lb_slot(g, lb_total(g) - 1));
		g->npending--;
	}
}

void lbgroup_leave(struct inp_pcb *p)
{
	struct inp_lbgroup *g;
	unsigned slot;

	if (p == NULL || !(p->flags2 & INP_INLBGROUP))
		return;
	p->flags2 &= ~INP_INLBGROUP;
	g = lb_locate(p, &slot);
	if (g == NULL)
		return;
	lb_take_slot(g, slot);
	if (lb_total(g) == 0) {
		lb_unlink_free(p->info, g);    /* LB-8: no empty group (inv. 19) */
		return;
	}
	/* LB-8: over 8 slots and at most a quarter used: halve. */
	if (lb_arr(g)->size > LB_MIN_SLOTS &&
	    lb_total(g) <= lb_arr(g)->size / 4)
		(void)lb_resize(g, lb_arr(g)->size / 2); /* failure: keep it */
}

void lbgroup_activate(struct inp_pcb *p)
{
	struct inp_lbgroup *g;
	unsigned slot, na;

	if (p == NULL || !(p->flags2 & INP_INLBGROUP))
		return;
	g = lb_locate(p, &slot);
	na = g != NULL ? lb_nactive(g) : 0;
	if (g == NULL || slot < na)
		return;
	/* Swap with the first pending slot, which becomes selectable. */
	lb_set(g, slot, lb_slot(g, na));
	lb_set(g, na, p);
	lb_set_nactive(g, na + 1);
	g->npending--;
}

/*
 * G3 rank of a group for a packet to laddr; 0 when it does not apply.
 * check_jail false: a jailed group is taken to own the address (the
 * lockless lookup, which may not dereference a credential, checks it on
 * the member it locks: lbgroup_member_ok).
 */
static int lb_rank(const struct inp_lbgroup *g, int af,
                   const union inp_addr *laddr, bool check_jail)
{
	bool exact = view_addr_eq(&g->laddr, laddr, af);
	bool jailed = af == AF_INET ? g->jailed4 : g->jailed6;

	if (!exact && !view_addr_any(&g->laddr, af))
		return 0;
	/* 5.2: a jailed group only for its jail's addresses (J3). */
	if (jailed && check_jail &&
	    !view_jail_owns(lb_slot(g, 0)->cred, af, laddr))
		return 0;
	return (jailed ? 1 : 3) + (exact ? 0 : 1);
}

static const char *const lb_rank_name[] = {
	"", "jailed, exact address", "jailed, wildcard",
	"unjailed, exact address", "unjailed, wildcard",
};

/*
 * G3: the best group; the newest of equal rank (bucket is newest first).
 * The group key is constant and published before the group, so plain
 * reads of it are safe for lockless readers too.
 */
static struct inp_lbgroup *lb_choose(struct inp_pcbinfo *info, int af,
                                     const union inp_addr *laddr,
                                     uint16_t lport, bool check_jail,
                                     int *rankp)
{
	struct inp_lbgroup *g, *best = NULL;
	int rank, best_rank = 5;

	for (g = atomic_load_explicit(lb_bucket(info, lport),
	                              memory_order_acquire);
	     g != NULL; g = atomic_load_explicit(&g->next,
	                                         memory_order_acquire)) {
		if (g->lport != lport || !(g->vflag & view_vflag(af)))
			continue;
		rank = lb_rank(g, af, laddr, check_jail);
		if (rank != 0 && rank < best_rank) {
			best = g;
			best_rank = rank;
		}
	}
	*rankp = best_rank;
	return best;
}

/* G4: H = keyed hash of faddr, xor the 16-bit lport ^ fport. */
static uint32_t lb_hash(const struct inp_pcbinfo *info,
                        const union inp_addr *faddr, uint16_t fport,
                        uint16_t lport)
{
	uint32_t w[4];

	memcpy(w, faddr, sizeof(w));
	return jh_5words(w, 0, info->seed) ^ ntohs(lport ^ fport);
}

struct inp_pcb *lbgroup_lookup(struct inp_pcbinfo *info, int af,
                               const union inp_addr *faddr, uint16_t fport,
                               const union inp_addr *laddr, uint16_t lport,
                               struct inp_explain *why)
{
	struct inp_lbgroup *g;
	struct inp_pcb *p;
	unsigned idx, na;
	char desc[160];
	int rank;

	if (info == NULL || faddr == NULL || laddr == NULL)
		return NULL;
	g = lb_choose(info, af, laddr, lport, true, &rank);
	if (g == NULL)
		return NULL;
	na = lb_nactive(g);
	if (na == 0) {
		if (why != NULL)
			explain(why, "G3", "lbgroup on port %u (%s) has no "
			        "selectable member (%u pending listen)",
			        ntohs(lport), lb_rank_name[rank], g->npending);
		return NULL;
	}
	idx = lb_hash(info, faddr, fport, lport) % na;
	p = lb_slot(g, idx);
	if (why != NULL)
		explain(why, "G4", "lbgroup on port %u (%s): member %u of %u: %s",
		        ntohs(lport), lb_rank_name[rank], idx, na,
		        pcb_describe(p, desc, sizeof(desc)));
	return p;
}

struct inp_pcb *lbgroup_lookup_rcu(struct inp_pcbinfo *info, int af,
                                   const union inp_addr *faddr,
                                   uint16_t fport,
                                   const union inp_addr *laddr,
                                   uint16_t lport, bool *jailed)
{
	struct inp_lbgroup *g;
	struct lb_members *a;
	unsigned n;
	int rank;

	g = lb_choose(info, af, laddr, lport, false, &rank);
	if (g == NULL)
		return NULL;
	a = atomic_load_explicit(&g->arr, memory_order_acquire);
	n = atomic_load_explicit(&a->nactive, memory_order_acquire);
	if (n > a->size)
		n = a->size;
	if (n == 0)
		return NULL;
	*jailed = rank <= 2;
	return atomic_load_explicit(
	    &a->m[lb_hash(info, faddr, fport, lport) % n],
	    memory_order_acquire);
}

bool lbgroup_member_ok(const struct inp_pcb *p, int af,
                       const union inp_addr *laddr, uint16_t lport,
                       bool jailed)
{
	if (!(p->flags2 & INP_INLBGROUP) || p->lport != lport ||
	    !(p->vflag & view_vflag(af)) || pcb_has_faddr(p))
		return false;
	if (p->proto == INP_PROTO_TCP && !(p->flags & INP_LISTEN))
		return false;                  /* G1: pending */
	if (!view_addr_eq(&p->laddr, laddr, af) &&
	    !view_addr_any(&p->laddr, af))
		return false;
	return !jailed || view_jail_owns(p->cred, af, laddr);
}

int lbgroup_stats(const struct inp_pcb *p, unsigned *size,
                  unsigned *nactive, unsigned *npending)
{
	struct inp_lbgroup *g;
	unsigned slot;

	if (p == NULL || !(p->flags2 & INP_INLBGROUP))
		return -ENOENT;
	g = lb_locate(p, &slot);
	if (g == NULL)
		return -ENOENT;
	if (size != NULL)
		*size = lb_arr(g)->size;
	if (nactive != NULL)
		*nactive = lb_nactive(g);
	if (npending != NULL)
		*npending = g->npending;
	return 0;
}

/* Table destruction: no reader is left, so everything goes at once. */
void lbgroups_destroy(struct inp_pcbinfo *info)
{
	struct inp_lbgroup *g, *next;
	uint32_t b;

	if (info == NULL || info->lbgroups == NULL)
		return;
	for (b = 0; b <= info->porthash.mask; b++) {
		for (g = atomic_load_explicit(&info->lbgroups[b],
		                              memory_order_relaxed);
		     g != NULL; g = next) {
			next = atomic_load_explicit(&g->next,
			                            memory_order_relaxed);
			free(lb_arr(g));
			free(g);
		}
		atomic_store_explicit(&info->lbgroups[b], NULL,
		                      memory_order_relaxed);
	}
}
