/*
 * lbgroup.c - SO_REUSEPORT_LB load-balancing groups (spec 5.3 G1-G5,
 * lifecycle LB-2..LB-9) and their optional member selector
 * (inpcb/lbgroup.h): sockets bound to the same address and port with the
 * option share the unconnected traffic, one member per remote endpoint.
 *
 * A group is keyed by (credential's jail, vflag, laddr, lport) and lives in
 * info->lbgroups, hashed by lport like the port index.  Its members sit in
 * one dense array: the selectable ones first, [0, nactive), then TCP
 * members still waiting for listen(), [nactive, nactive + npending), so
 * that a pending member is never chosen (G1, FreeBSD 15).
 *
 * Writers hold the hash mutex.  Lookups read groups without it, inside an
 * RCU read-side section (pcb_lookup_rcu.c), so a group is linked with a
 * release store and unlinked keeping its forward link, and freed with
 * call_rcu.  Its members, their counts, what a selector sees of them and
 * the selector itself form one snapshot (struct lb_members) that is never
 * written once published: every change -- join, leave, listen, a new
 * selector -- builds the next snapshot and publishes it with a release
 * store.  A reader thus counts, selects and indexes in one consistent
 * array, and a selector sees exactly the members the lookup picks from
 * (never an index beyond them).  FreeBSD replaces its array only to grow
 * or shrink (LB-8, r338571) and edits it in place otherwise; a snapshot
 * per change is what lets a selector run against it safely.
 *
 * A replaced snapshot is kept as the group's spare until the next change
 * retires it with call_rcu.  When memory is short the change reuses the
 * spare after a grace period instead, so that leaving never fails: the
 * spare held the members before the last change, at least one fewer than
 * now, which is room enough for the members after a leave.
 *
 * A member chosen from a snapshot may leave before the lookup locks it;
 * the lookup then re-checks it (lbgroup_member_ok) and falls back to the
 * serialised lookup.
 */
#include "pcb/pcb_internal.h"
#include "pcb/pcb_jhash.h"
#include "pcb/pcb_view.h"

#include <inpcb/lbgroup.h>
#include <inpcb/sock.h>

#include <stdio.h>
#include <stdlib.h>

#define LB_MIN_SLOTS 8      /* LB-5: a new group has room for 8 */
#define LB_MAX_SLOTS 256    /* LB-5, G1: at most 256 members */

/* A snapshot of a group's members; read-only once published. */
struct lb_members {
	struct rcu_head rcu;
	unsigned size;                  /* slots: 8, 16, ..., 256 */
	unsigned nactive;               /* selectable members, first */
	unsigned npending;              /* TCP members before listen() */
	inp_lb_select_fn select;        /* the group's selector; NULL: G4 */
	void *select_arg;
	struct inp_lb_member *pub;      /* what a selector sees of m[i] */
	struct inp_pcb *m[];
};

struct inp_lbgroup {
	struct inp_lbgroup *_Atomic next;       /* bucket chain, newest first */
	const struct inp_jail *jail;    /* the credential's jail (key) */
	unsigned vflag;                 /* key */
	union inp_addr laddr;           /* key */
	uint16_t lport;                 /* key, network order */
	bool jailed4, jailed6;          /* 5.2 for G3, from the members */
	struct lb_members *_Atomic arr; /* the published snapshot */
	struct lb_members *spare;       /* the one before (writers only) */
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

/* Writers' view (hash mutex held): the current snapshot. */
static struct lb_members *lb_arr(const struct inp_lbgroup *g)
{
	return atomic_load_explicit(&g->arr, memory_order_relaxed);
}

static unsigned lb_total(const struct lb_members *a)
{
	return a->nactive + a->npending;
}

/* ---- building snapshots (hash mutex held) ---------------------------- */

static struct lb_members *lb_members_new(unsigned size)
{
	struct lb_members *a;

	a = malloc(sizeof(*a) + size * (sizeof(a->m[0]) + sizeof(a->pub[0])));
	if (a == NULL)
		return NULL;
	a->size = size;
	a->nactive = 0;
	a->npending = 0;
	a->select = NULL;
	a->select_arg = NULL;
	a->pub = (struct inp_lb_member *)(void *)&a->m[size];
	return a;
}

static void lb_members_free_rcu(struct rcu_head *head)
{
	rcu_glue_cb_begin();
	free(caa_container_of(head, struct lb_members, rcu));
}

/*
 * Memory for the next snapshot: size slots, or, when malloc fails, the
 * spare once no reader can be looking at it, if it has need slots.
 */
static struct lb_members *lb_room(struct inp_lbgroup *g, unsigned size,
                                  unsigned need)
{
	struct lb_members *a = lb_members_new(size);

	if (a != NULL || g->spare == NULL || g->spare->size < need)
		return a;
	rcu_glue_synchronize();        /* it was retired one change ago */
	a = g->spare;
	g->spare = NULL;
	return a;
}

/* The next snapshot: the current one copied into size slots, or NULL. */
static struct lb_members *lb_copy(struct inp_lbgroup *g, unsigned size,
                                  unsigned need)
{
	const struct lb_members *cur = lb_arr(g);
	struct lb_members *a = lb_room(g, size, need);
	unsigned n = lb_total(cur);

	if (a == NULL)
		return NULL;
	memcpy(a->m, cur->m, n * sizeof(a->m[0]));
	memcpy(a->pub, cur->pub, n * sizeof(a->pub[0]));
	a->nactive = cur->nactive;
	a->npending = cur->npending;
	a->select = cur->select;
	a->select_arg = cur->select_arg;
	return a;
}

/* The next snapshot with the same members, or NULL. */
static struct lb_members *lb_copy_same(struct inp_lbgroup *g)
{
	return lb_copy(g, lb_arr(g)->size, lb_total(lb_arr(g)));
}

/* Publish a; the snapshot it replaces becomes the spare (see above). */
static void lb_publish(struct inp_lbgroup *g, struct lb_members *a)
{
	struct lb_members *old = lb_arr(g);

	atomic_store_explicit(&g->arr, a, memory_order_release);
	if (g->spare != NULL)
		rcu_glue_call(&g->spare->rcu, lb_members_free_rcu);
	g->spare = old;
}

/* Slot i of an unpublished snapshot takes what slot j holds. */
static void lb_move(struct lb_members *a, unsigned i, unsigned j)
{
	a->m[i] = a->m[j];
	a->pub[i] = a->pub[j];
}

/* Slots i and j of an unpublished snapshot trade places. */
static void lb_swap(struct lb_members *a, unsigned i, unsigned j)
{
	struct inp_pcb *p = a->m[i];
	struct inp_lb_member pub = a->pub[i];

	lb_move(a, i, j);
	a->m[j] = p;
	a->pub[j] = pub;
}

/* p in slot i; its udata is read under its write lock (join's caller). */
static void lb_place(struct lb_members *a, unsigned i, struct inp_pcb *p)
{
	a->m[i] = p;
	a->pub[i].udata = p->udata;
}

/* Append p, pending (TCP before listen) or selectable. */
static void lb_add(struct lb_members *a, struct inp_pcb *p)
{
	unsigned end = lb_total(a), na = a->nactive;

	if (p->proto == INP_PROTO_TCP && !(p->flags & INP_LISTEN)) {
		lb_place(a, end, p);
		a->npending++;
		return;
	}
	if (a->npending != 0)
		lb_move(a, end, na);    /* the first pending one to the end */
	lb_place(a, na, p);
	a->nactive++;
}

/*
 * Take slot i out.  G4 (bind spec): the last selectable member moves into
 * the hole.  Lifecycle LB-8 says members after it shift down instead; the
 * bind spec's G4 is the one we follow (O(1), and any change of membership
 * remaps flows anyway, LB-9).
 */
static void lb_take(struct lb_members *a, unsigned i)
{
	unsigned last = lb_total(a) - 1, last_active;

	if (i < a->nactive) {
		last_active = a->nactive - 1;
		lb_move(a, i, last_active);
		lb_move(a, last_active, last);  /* pending stay dense */
		a->nactive--;
	} else {
		lb_move(a, i, last);
		a->npending--;
	}
}

/* ---- groups (hash mutex held) ---------------------------------------- */

static void lb_group_free_rcu(struct rcu_head *head)
{
	struct inp_lbgroup *g = caa_container_of(head, struct inp_lbgroup, rcu);

	rcu_glue_cb_begin();
	free(atomic_load_explicit(&g->arr, memory_order_relaxed));
	free(g->spare);
	free(g);
}

/* G1: a group created on first use, holding p, not yet linked. */
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
	lb_add(a, p);
	atomic_init(&g->arr, a);
	atomic_init(&g->next, NULL);
	g->jail = p->cred->jail;
	g->vflag = p->vflag;
	g->laddr = p->laddr;
	g->lport = p->lport;
	g->jailed4 = pcb_jailed(p, AF_INET);
	g->jailed6 = pcb_jailed(p, AF_INET6);
	return g;
}

static void lb_link(struct inp_pcbinfo *info, struct inp_lbgroup *g)
{
	struct inp_lbgroup *_Atomic *head = lb_bucket(info, g->lport);

	atomic_store_explicit(&g->next, atomic_load_explicit(
	                          head, memory_order_relaxed),
	                      memory_order_relaxed);
	atomic_store_explicit(head, g, memory_order_release);
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
	const struct lb_members *a;
	unsigned i;

	for (g = chain; g != NULL;
	     g = atomic_load_explicit(&g->next, memory_order_relaxed)) {
		a = lb_arr(g);
		for (i = 0; i < lb_total(a); i++)
			if (a->m[i] == p) {
				*slot = i;
				return g;
			}
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

/*
 * p joins the existing group g: 1, or 0 when g is full (LB-5: the 257th
 * is not added), -ENOBUFS when the array cannot grow (LB-5).
 */
static int lb_join_group(struct inp_lbgroup *g, struct inp_pcb *p)
{
	const struct lb_members *cur = lb_arr(g);
	unsigned n = lb_total(cur);
	struct lb_members *a;

	if (n >= LB_MAX_SLOTS)
		return 0;
	a = lb_copy(g, n == cur->size ? cur->size * 2 : cur->size, n + 1);
	if (a == NULL)
		return -ENOBUFS;
	lb_add(a, p);
	lb_publish(g, a);
	return 1;
}

int lbgroup_join(struct inp_pcb *p)
{
	struct inp_lbgroup *g;
	int rc = 1;

	if (p == NULL || (p->flags2 & INP_INLBGROUP) || lb_dualstack_any(p))
		return 0;
	for (g = atomic_load_explicit(lb_bucket(p->info, p->lport),
	                              memory_order_relaxed);
	     g != NULL && !lb_key_matches(g, p);
	     g = atomic_load_explicit(&g->next, memory_order_relaxed))
		;
	if (g != NULL)
		rc = lb_join_group(g, p);
	else if ((g = lb_create(p)) != NULL)   /* G1: created on first use */
		lb_link(p->info, g);
	else
		rc = -ENOBUFS;
	if (rc <= 0)
		return rc;
	p->flags2 |= INP_INLBGROUP;            /* LB-2 */
	return 0;
}

/*
 * The snapshot without the member in slot i; LB-8: over 8 slots and at
 * most a quarter used, half the size.  NULL only if the spare rule above
 * failed, which it cannot.
 */
static struct lb_members *lb_without(struct inp_lbgroup *g, unsigned i)
{
	const struct lb_members *cur = lb_arr(g);
	unsigned left = lb_total(cur) - 1, size = cur->size;
	struct lb_members *a;

	if (size > LB_MIN_SLOTS && left <= size / 4)
		size /= 2;
	a = lb_copy(g, size, left);    /* a failed shrink keeps the spare */
	if (a != NULL)
		lb_take(a, i);
	return a;
}

void lbgroup_leave(struct inp_pcb *p)
{
	struct inp_lbgroup *g;
	struct lb_members *a;
	unsigned slot;

	if (p == NULL || !(p->flags2 & INP_INLBGROUP))
		return;
	p->flags2 &= ~INP_INLBGROUP;
	g = lb_locate(p, &slot);
	if (g == NULL)
		return;
	if (lb_total(lb_arr(g)) == 1) {
		lb_unlink_free(p->info, g);  /* LB-8: none empty (inv. 19) */
		return;
	}
	a = lb_without(g, slot);
	if (a != NULL) {
		lb_publish(g, a);
		return;
	}
	/*
	 * Never (see lb_room).  Were it to happen, p must not stay
	 * reachable: the whole group goes, its other members are then
	 * found by the wild phase and their own leave finds no group.
	 */
	lb_unlink_free(p->info, g);
}

/* listen(): the pending member becomes selectable (G1). */
void lbgroup_activate(struct inp_pcb *p)
{
	struct inp_lbgroup *g;
	struct lb_members *a;
	unsigned slot;

	if (p == NULL || !(p->flags2 & INP_INLBGROUP))
		return;
	g = lb_locate(p, &slot);
	if (g == NULL || slot < lb_arr(g)->nactive)
		return;
	a = lb_copy_same(g);
	if (a == NULL)
		return;                /* out of memory: it stays pending */
	lb_swap(a, slot, a->nactive);  /* the first pending slot is p's now */
	a->nactive++;
	a->npending--;
	lb_publish(g, a);
}

/* The group's selector: a new snapshot carrying it (hash mutex held). */
static int lb_set_selector(struct inp_pcb *p, inp_lb_select_fn fn,
                           void *arg)
{
	struct inp_lbgroup *g = NULL;
	struct lb_members *a;
	unsigned slot;

	if (p->flags2 & INP_INLBGROUP)
		g = lb_locate(p, &slot);
	if (g == NULL)
		return -ENOENT;
	a = lb_copy_same(g);
	if (a == NULL)
		return -ENOBUFS;
	a->select = fn;
	a->select_arg = fn != NULL ? arg : NULL;
	lb_publish(g, a);
	return 0;
}

int inp_lbgroup_set_selector(struct inp_sock *member, inp_lb_select_fn fn,
                             void *arg)
{
	struct inp_pcb *p;
	int rc;

	if (member == NULL)
		return -EINVAL;
	p = inp_sock_pcb(member);
	pcb_rlock(p);                  /* INP_INLBGROUP is stable under it */
	hash_wlock(p->info);
	rc = lb_set_selector(p, fn, arg);
	hash_unlock(p->info);
	pcb_unlock(p);
	if (rc == 0)
		rcu_glue_synchronize(); /* no lookup still runs the old one */
	return rc;
}

/* ---- lookups --------------------------------------------------------- */

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
	    !view_jail_owns(lb_arr(g)->m[0]->cred, af, laddr))
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

/*
 * The packet's addresses as a selector sees them: bare, a scoped IPv6
 * address's zone in key.zone (inp_pkt_key's form).
 */
static void lb_key_addrs(struct inp_pkt_key *k, int af,
                         const union inp_addr *faddr,
                         const union inp_addr *laddr)
{
	unsigned zs, zd;

	if (af == AF_INET) {
		k->saddr.v4 = IA4(*faddr);
		k->daddr.v4 = IA4(*laddr);
		return;
	}
	k->saddr.v6 = faddr->a6;
	k->daddr.v6 = laddr->a6;
	zs = in6_clear_zone(&k->saddr.v6);
	zd = in6_clear_zone(&k->daddr.v6);
	k->zone = zd != 0 ? zd : zs;
}

/* How the member of a lookup was chosen, for explanations. */
struct lb_choice {
	unsigned idx;
	int answer;             /* the selector's return value */
	bool selected;          /* the selector's answer was taken */
};

/* The selector's view of the packet (inpcb/lbgroup.h). */
static void lb_pick_init(struct inp_lb_pick *pk, const struct lb_members *a,
                         unsigned def, int af, const union inp_addr *faddr,
                         uint16_t fport, const union inp_addr *laddr,
                         uint16_t lport)
{
	memset(pk, 0, sizeof(*pk));
	pk->key.family = (uint16_t)af;
	pk->key.sport = fport;
	pk->key.dport = lport;
	lb_key_addrs(&pk->key, af, faddr, laddr);
	pk->hashtype = INP_HASH_NONE;
	pk->nmembers = a->nactive;
	pk->default_index = def;
	pk->members = a->pub;
}

/*
 * G4 on snapshot a (nactive >= 1), or the group's selector, whose answer
 * is taken when it names a selectable member of a: anything else is the
 * default, as Linux does when its BPF program fails.
 */
static struct lb_choice lb_select(const struct inp_pcbinfo *info,
                                  const struct lb_members *a, int af,
                                  const union inp_addr *faddr,
                                  uint16_t fport,
                                  const union inp_addr *laddr,
                                  uint16_t lport)
{
	struct lb_choice c = { 0, INP_LB_DEFAULT, false };
	struct inp_lb_pick pk;

	c.idx = lb_hash(info, faddr, fport, lport) % a->nactive;
	if (a->select == NULL)
		return c;
	lb_pick_init(&pk, a, c.idx, af, faddr, fport, laddr, lport);
	c.answer = a->select(&pk, a->select_arg);
	if (c.answer >= 0 && (unsigned)c.answer < a->nactive) {
		c.idx = (unsigned)c.answer;
		c.selected = true;
	}
	return c;
}

/* G4's explanation: the member, and whether the hash or the selector. */
static void lb_explain(struct inp_explain *why, const struct lb_members *a,
                       struct lb_choice c, uint16_t lport, int rank)
{
	char desc[160], how[80];

	if (a->select == NULL || c.selected)
		snprintf(how, sizeof(how), "%s",
		         c.selected ? "the group's selector" : "hash");
	else
		snprintf(how, sizeof(how),
		         "hash: the selector answered %d (%s)", c.answer,
		         c.answer == INP_LB_DEFAULT ? "no opinion"
		                                    : "out of range");
	explain(why, "G4", "lbgroup on port %u (%s): member %u of %u by %s: %s",
	        ntohs(lport), lb_rank_name[rank], c.idx, a->nactive, how,
	        pcb_describe(a->m[c.idx], desc, sizeof(desc)));
}

struct inp_pcb *lbgroup_lookup(struct inp_pcbinfo *info, int af,
                               const union inp_addr *faddr, uint16_t fport,
                               const union inp_addr *laddr, uint16_t lport,
                               struct inp_explain *why)
{
	const struct lb_members *a;
	struct inp_lbgroup *g;
	struct lb_choice c;
	int rank;

	if (info == NULL || faddr == NULL || laddr == NULL)
		return NULL;
	g = lb_choose(info, af, laddr, lport, true, &rank);
	if (g == NULL)
		return NULL;
	a = lb_arr(g);
	if (a->nactive == 0) {
		if (why != NULL)
			explain(why, "G3", "lbgroup on port %u (%s) has no "
			        "selectable member (%u pending listen)",
			        ntohs(lport), lb_rank_name[rank], a->npending);
		return NULL;
	}
	c = lb_select(info, a, af, faddr, fport, laddr, lport);
	if (why != NULL)
		lb_explain(why, a, c, lport, rank);
	return a->m[c.idx];
}

struct inp_pcb *lbgroup_lookup_rcu(struct inp_pcbinfo *info, int af,
                                   const union inp_addr *faddr,
                                   uint16_t fport,
                                   const union inp_addr *laddr,
                                   uint16_t lport, bool *jailed)
{
	const struct lb_members *a;
	struct inp_lbgroup *g;
	int rank;

	g = lb_choose(info, af, laddr, lport, false, &rank);
	if (g == NULL)
		return NULL;
	/* One snapshot for the count, the selector and the member. */
	a = atomic_load_explicit(&g->arr, memory_order_acquire);
	if (a->nactive == 0)
		return NULL;
	*jailed = rank <= 2;
	return a->m[lb_select(info, a, af, faddr, fport, laddr, lport).idx];
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
	const struct lb_members *a;
	struct inp_lbgroup *g;
	unsigned slot;

	if (p == NULL || !(p->flags2 & INP_INLBGROUP))
		return -ENOENT;
	g = lb_locate(p, &slot);
	if (g == NULL)
		return -ENOENT;
	a = lb_arr(g);
	if (size != NULL)
		*size = a->size;
	if (nactive != NULL)
		*nactive = a->nactive;
	if (npending != NULL)
		*npending = a->npending;
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
			free(g->spare);
			free(g);
		}
		atomic_store_explicit(&info->lbgroups[b], NULL,
		                      memory_order_relaxed);
	}
}
