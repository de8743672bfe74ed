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
 * Writers hold the hash lock for writing and readers hold it for reading,
 * so arrays can be reallocated and groups freed at once.  LB-8 notes that
 * lockless readers need the old array kept for a grace period: under RCU
 * those frees must be deferred.
 */
#include "pcb/pcb_internal.h"
#include "pcb/pcb_jhash.h"
#include "pcb/pcb_view.h"

#include <stdlib.h>

#define LB_MIN_SLOTS 8      /* LB-5: a new group has room for 8 */
#define LB_MAX_SLOTS 256    /* LB-5, G1: at most 256 members */

struct inp_lbgroup {
	struct inp_lbgroup *next;       /* bucket chain, newest first */
	const struct inp_jail *jail;    /* the credential's jail (key) */
	unsigned vflag;                 /* key */
	union inp_addr laddr;           /* key */
	uint16_t lport;                 /* key, network order */
	bool jailed4, jailed6;          /* 5.2 for G3, from the members */
	unsigned size;                  /* slots: 8, 16, ..., 256 */
	unsigned nactive;               /* selectable members */
	unsigned npending;              /* TCP members before listen() */
	struct inp_pcb **members;
};

static struct inp_lbgroup **lb_bucket(struct inp_pcbinfo *info,
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

static unsigned lb_total(const struct inp_lbgroup *g)
{
	return g->nactive + g->npending;
}

static struct inp_lbgroup *lb_create(struct inp_pcb *p)
{
	struct inp_lbgroup *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->members = calloc(LB_MIN_SLOTS, sizeof(*g->members));
	if (g->members == NULL) {
		free(g);
		return NULL;
	}
	g->size = LB_MIN_SLOTS;
	g->jail = p->cred->jail;
	g->vflag = p->vflag;
	g->laddr = p->laddr;
	g->lport = p->lport;
	g->jailed4 = p->jailed4;
	g->jailed6 = p->jailed6;
	return g;
}

static int lb_resize(struct inp_lbgroup *g, unsigned size)
{
	struct inp_pcb **m = realloc(g->members, size * sizeof(*m));

	if (m == NULL)
		return -ENOBUFS;
	g->members = m;
	g->size = size;
	return 0;
}

static void lb_unlink_free(struct inp_pcbinfo *info, struct inp_lbgroup *g)
{
	struct inp_lbgroup **pos = lb_bucket(info, g->lport);

	while (*pos != NULL && *pos != g)
		pos = &(*pos)->next;
	if (*pos == g)
		*pos = g->next;
	free(g->members);
	free(g);
}

/* Where p sits: its group and slot, or NULL. */
static struct inp_lbgroup *lb_find_member(struct inp_lbgroup *chain,
                                          const struct inp_pcb *p,
                                          unsigned *slot)
{
	struct inp_lbgroup *g;
	unsigned i;

	for (g = chain; g != NULL; g = g->next)
		for (i = 0; i < lb_total(g); i++)
			if (g->members[i] == p) {
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

	g = lb_find_member(*lb_bucket(info, p->lport), p, slot);
	if (g != NULL)
		return g;
	/* The port changed under us (it should not): search everywhere. */
	for (b = 0; b <= info->porthash.mask; b++) {
		g = lb_find_member(info->lbgroups[b], p, slot);
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
	unsigned end = lb_total(g);

	if (p->proto == INP_PROTO_TCP && !(p->flags & INP_LISTEN)) {
		g->members[end] = p;
		g->npending++;
		return;
	}
	/* The first pending member moves to the end to make room. */
	g->members[end] = g->members[g->nactive];
	g->members[g->nactive++] = p;
}

int lbgroup_join(struct inp_pcb *p)
{
	struct inp_lbgroup **head, *g;

	if (p == NULL || (p->flags2 & INP_INLBGROUP) || lb_dualstack_any(p))
		return 0;
	head = lb_bucket(p->info, p->lport);
	for (g = *head; g != NULL && !lb_key_matches(g, p); g = g->next)
		;
	if (g == NULL) {
		g = lb_create(p);              /* G1: created on first use */
		if (g == NULL)
			return -ENOBUFS;
		g->next = *head;
		*head = g;
	}
	if (lb_total(g) >= LB_MAX_SLOTS)
		return 0;                      /* LB-5: the 257th is not added */
	if (lb_total(g) == g->size && lb_resize(g, g->size * 2) != 0)
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
	unsigned last_active, last;

	if (i < g->nactive) {
		last_active = g->nactive - 1;
		last = lb_total(g) - 1;
		g->members[i] = g->members[last_active];
		g->members[last_active] = g->members[last];  /* keep pending dense */
		g->nactive--;
	} else {
		g->members[i] = g->members[lb_total(g) - 1];
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
	if (g->size > LB_MIN_SLOTS && lb_total(g) <= g->size / 4)
		(void)lb_resize(g, g->size / 2);   /* failure: keep the size */
}

void lbgroup_activate(struct inp_pcb *p)
{
	struct inp_lbgroup *g;
	struct inp_pcb *tmp;
	unsigned slot;

	if (p == NULL || !(p->flags2 & INP_INLBGROUP))
		return;
	g = lb_locate(p, &slot);
	if (g == NULL || slot < g->nactive)
		return;
	/* Swap with the first pending slot, which becomes selectable. */
	tmp = g->members[g->nactive];
	g->members[g->nactive] = p;
	g->members[slot] = tmp;
	g->nactive++;
	g->npending--;
}

/* G3 rank of a group for a packet to laddr; 0 when it does not apply. */
static int lb_rank(const struct inp_lbgroup *g, int af,
                   const union inp_addr *laddr)
{
	bool exact = view_addr_eq(&g->laddr, laddr, af);
	bool jailed = af == AF_INET ? g->jailed4 : g->jailed6;

	if (!exact && !view_addr_any(&g->laddr, af))
		return 0;
	/* 5.2: a jailed group only for its jail's addresses (J3). */
	if (jailed && !view_jail_owns(g->members[0]->cred, af, laddr))
		return 0;
	return (jailed ? 1 : 3) + (exact ? 0 : 1);
}

static const char *const lb_rank_name[] = {
	"", "jailed, exact address", "jailed, wildcard",
	"unjailed, exact address", "unjailed, wildcard",
};

/* G3: the best group; the newest of equal rank (bucket is newest first). */
static struct inp_lbgroup *lb_choose(struct inp_pcbinfo *info, int af,
                                     const union inp_addr *laddr,
                                     uint16_t lport, int *rankp)
{
	struct inp_lbgroup *g, *best = NULL;
	int rank, best_rank = 5;

	for (g = *lb_bucket(info, lport); g != NULL; g = g->next) {
		if (g->lport != lport || !(g->vflag & view_vflag(af)))
			continue;
		rank = lb_rank(g, af, laddr);
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
	unsigned idx;
	char desc[160];
	int rank;

	if (info == NULL || faddr == NULL || laddr == NULL)
		return NULL;
	g = lb_choose(info, af, laddr, lport, &rank);
	if (g == NULL)
		return NULL;
	if (g->nactive == 0) {
		if (why != NULL)
			explain(why, "G3", "lbgroup on port %u (%s) has no "
			        "selectable member (%u pending listen)",
			        ntohs(lport), lb_rank_name[rank], g->npending);
		return NULL;
	}
	idx = lb_hash(info, faddr, fport, lport) % g->nactive;
	p = g->members[idx];
	if (why != NULL)
		explain(why, "G4", "lbgroup on port %u (%s): member %u of %u: %s",
		        ntohs(lport), lb_rank_name[rank], idx, g->nactive,
		        pcb_describe(p, desc, sizeof(desc)));
	return p;
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
		*size = g->size;
	if (nactive != NULL)
		*nactive = g->nactive;
	if (npending != NULL)
		*npending = g->npending;
	return 0;
}

void lbgroups_destroy(struct inp_pcbinfo *info)
{
	struct inp_lbgroup *g, *next;
	uint32_t b;

	if (info == NULL || info->lbgroups == NULL)
		return;
	for (b = 0; b <= info->porthash.mask; b++) {
		for (g = info->lbgroups[b]; g != NULL; g = next) {
			next = g->next;
			free(g->members);
			free(g);
		}
		info->lbgroups[b] = NULL;
	}
}
