/*
 * port_index.c - the occupancy index of a protocol table: which local
 * ports are certainly taken, so that the ephemeral allocator (pcb_port.c)
 * can jump over them instead of testing them one by one (issue 3 item 5;
 * docs/architecture.md, "Port occupancy index").
 *
 * The invariant: a set bit means the port IS taken for every allocation
 * that consults that map; a clear bit means nothing (the allocator runs
 * the exact P6/P7 test on it).  So the index never changes which port is
 * chosen, only how many candidates get the exact test.  The maps:
 *
 *   local(A).map[v]  port held by an unconnected PCB bound to exactly A
 *                    (A may be the wildcard) that is visible in view v
 *                    and unjailed for v (its J8 namespace is the host's,
 *                    and it matches packets to A without J3);
 *   all[v]           the union of local(A).map[v] over every A;
 *   dest(v, L, F, fp).map[0]
 *                    port p such that a connection (L:p, F:fp) exists in
 *                    view v: P7 refuses p for that destination.
 *
 * Jailed PCBs are left out (their conflicts depend on the asker's jail),
 * so are connected PCBs from the local maps (a connection blocks only its
 * own 4-tuple, P7, V4).  Destinations are learned lazily: a dest node is
 * made the first time the allocator's exact test trips over a connection
 * (port_index_learn), and from then on every connection with that
 * destination and local address is recorded when hashed.  A server's
 * accepted connections therefore cost nothing here.
 *
 * Every PCB remembers the node it was recorded in (occ, occ_bits), so
 * removal does not depend on the PCB's fields, which connect rewrites
 * before the rehash.  Clearing a local bit first looks along the port's
 * chain for another holder of the same bit (SO_REUSEPORT sharers).
 * Everything runs under the table's hash mutex.
 */
#include "pcb/pcb_internal.h"
#include "pcb/pcb_jhash.h"
#include "pcb/pcb_view.h"

#include <stdlib.h>

#define NODE_BUCKETS 256

enum { NODE_LOCAL = 1, NODE_DEST = 2 };

struct node_key {
	uint8_t kind, view;             /* NODE_*, view index (dest only) */
	uint16_t fport;
	union inp_addr laddr, faddr;
};

struct port_node {
	struct port_node *next;         /* bucket chain */
	struct node_key key;
	unsigned refs;                  /* PCBs recorded here */
	struct portmap *map[2];         /* local: per view; dest: [0] */
};

struct port_index {
	struct port_node *buckets[NODE_BUCKETS];
	struct portmap *all[2];         /* per view */
	unsigned ndest;                 /* dest nodes alive */
};

static unsigned view_of(int af)
{
	return af == AF_INET ? 0 : 1;
}

static uint8_t occ_view_bit(unsigned v)
{
	return v == 0 ? PCB_OCC_V4 : PCB_OCC_V6;
}

static struct port_index *index_get(struct inp_pcbinfo *info, bool create)
{
	if (info->pidx == NULL && create)
		info->pidx = calloc(1, sizeof(*info->pidx));
	return info->pidx;
}

static struct portmap *map_get(struct portmap **slot, bool create)
{
	if (*slot == NULL && create)
		*slot = portmap_new();
	return *slot;
}

static uint32_t key_bucket(const struct inp_pcbinfo *info,
                           const struct node_key *k)
{
	uint32_t h = jh_5words((const uint32_t *)&k->laddr,
	                       (uint32_t)k->kind << 8 | k->view, info->seed);

	if (k->kind == NODE_DEST)
		h = jh_5words((const uint32_t *)&k->faddr, k->fport, h);
	return h % NODE_BUCKETS;
}

static void key_local(struct node_key *k, const union inp_addr *a, int af)
{
	memset(k, 0, sizeof(*k));
	k->kind = NODE_LOCAL;
	view_addr_norm(&k->laddr, a, af);
}

static void key_dest(struct node_key *k, int af, const union inp_addr *l,
                     const union inp_addr *f, uint16_t fport)
{
	memset(k, 0, sizeof(*k));
	k->kind = NODE_DEST;
	k->view = (uint8_t)view_of(af);
	k->fport = fport;
	view_addr_norm(&k->laddr, l, af);
	view_addr_norm(&k->faddr, f, af);
}

static struct port_node *node_find(struct inp_pcbinfo *info,
                                   const struct node_key *k, bool create)
{
	struct port_index *x = index_get(info, create);
	struct port_node **head, *n;

	if (x == NULL)
		return NULL;
	head = &x->buckets[key_bucket(info, k)];
	for (n = *head; n != NULL; n = n->next)
		if (memcmp(&n->key, k, sizeof(*k)) == 0)
			return n;
	if (!create || (n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->key = *k;
	n->next = *head;
	*head = n;
	if (k->kind == NODE_DEST)
		x->ndest++;
	return n;
}

/* Drop one PCB's hold on n; the last one frees it (its maps are empty). */
static void node_put(struct inp_pcbinfo *info, struct port_node *n)
{
	struct port_index *x = info->pidx;
	struct port_node **pp;

	if (--n->refs != 0)
		return;
	for (pp = &x->buckets[key_bucket(info, &n->key)]; *pp != n;
	     pp = &(*pp)->next)
		;
	*pp = n->next;
	if (n->key.kind == NODE_DEST)
		x->ndest--;
	free(n->map[0]);
	free(n->map[1]);
	free(n);
}

/* A node nobody was recorded in (no memory for a map) goes again. */
static void node_drop_unused(struct inp_pcbinfo *info, struct port_node *n)
{
	if (n->refs != 0)
		return;
	n->refs = 1;
	node_put(info, n);
}

/* Record p in n (create the maps first: a failure records nothing). */
static void node_record(struct inp_pcb *p, struct port_node *n, uint8_t bits)
{
	struct port_index *x = p->info->pidx;
	uint16_t port = ntohs(p->lport);
	unsigned v;

	if (bits & PCB_OCC_DEST) {
		if (map_get(&n->map[0], true) == NULL)
			return;
		portmap_set(n->map[0], port);
	}
	for (v = 0; v < 2; v++)
		if ((bits & occ_view_bit(v)) &&
		    (map_get(&n->map[v], true) == NULL ||
		     map_get(&x->all[v], true) == NULL))
			return;
	for (v = 0; v < 2; v++) {
		if (!(bits & occ_view_bit(v)))
			continue;
		portmap_set(n->map[v], port);
		portmap_set(x->all[v], port);
	}
	n->refs++;
	p->occ = n;
	p->occ_bits = bits;
}

/*
 * The views in which an unconnected p is a certain conflict: visible
 * there and unjailed (see the header comment).  A PCB in both views is
 * a dual-stack wildcard, whose address reads the same in both.
 */
static uint8_t local_views(const struct inp_pcb *p)
{
	uint8_t bits = 0;

	if ((p->vflag & INP_V_IPV4) && !pcb_jailed(p, AF_INET))
		bits |= PCB_OCC_V4;
	if ((p->vflag & INP_V_IPV6) && !pcb_jailed(p, AF_INET6))
		bits |= PCB_OCC_V6;
	if (bits == (PCB_OCC_V4 | PCB_OCC_V6) && !inp_addr_is_any(&p->laddr))
		bits = PCB_OCC_V6;
	return bits;
}

/* A connection's single view, or -1 (then it is not recorded). */
static int conn_af(const struct inp_pcb *p)
{
	unsigned vf = p->vflag & (INP_V_IPV4 | INP_V_IPV6);

	if (vf == INP_V_IPV4)
		return AF_INET;
	return vf == INP_V_IPV6 ? AF_INET6 : -1;
}

void port_index_add(struct inp_pcb *p)
{
	struct inp_pcbinfo *info = p->info;
	struct port_node *n;
	struct node_key k;
	uint8_t bits;
	int af;

	if (pcb_has_faddr(p)) {
		af = conn_af(p);
		if (info->pidx == NULL || info->pidx->ndest == 0 || af < 0)
			return;
		key_dest(&k, af, &p->laddr, &p->faddr, p->fport);
		n = node_find(info, &k, false);
		if (n != NULL)
			node_record(p, n, PCB_OCC_DEST);
		return;
	}
	bits = local_views(p);
	if (bits == 0)
		return;
	key_local(&k, &p->laddr, bits == PCB_OCC_V4 ? AF_INET : AF_INET6);
	n = node_find(info, &k, true);
	if (n == NULL)
		return;
	node_record(p, n, bits);
	node_drop_unused(info, n);
}

/*
 * Which of p's local bits another hashed PCB still holds: the same node
 * and view for local(A), any local record in the view for all[v].
 */
static void local_holders(const struct inp_pcb *p, bool keep_local[2],
                          bool keep_all[2])
{
	struct inp_pcbinfo *info = p->info;
	struct inp_pcb *q;
	unsigned v;

	keep_local[0] = keep_local[1] = keep_all[0] = keep_all[1] = false;
	for (q = info->porthash.heads[pcb_hash_port(info, p->lport)].first;
	     q != NULL; q = q->port_next) {
		if (q == p || q->lport != p->lport || q->occ == NULL ||
		    (q->occ_bits & PCB_OCC_DEST))
			continue;
		for (v = 0; v < 2; v++) {
			if (!(q->occ_bits & p->occ_bits & occ_view_bit(v)))
				continue;
			keep_all[v] = true;
			if (q->occ == p->occ)
				keep_local[v] = true;
		}
	}
}

void port_index_del(struct inp_pcb *p)
{
	struct port_node *n = p->occ;
	bool keep_local[2], keep_all[2];
	uint16_t port = ntohs(p->lport);
	unsigned v;

	if (n == NULL)
		return;
	if (p->occ_bits & PCB_OCC_DEST) {
		/* A 4-tuple has one owner (C8, invariant 15). */
		portmap_clear(n->map[0], port);
	} else {
		local_holders(p, keep_local, keep_all);
		for (v = 0; v < 2; v++) {
			if (!(p->occ_bits & occ_view_bit(v)))
				continue;
			if (!keep_local[v])
				portmap_clear(n->map[v], port);
			if (!keep_all[v])
				portmap_clear(p->info->pidx->all[v], port);
		}
	}
	p->occ = NULL;
	p->occ_bits = 0;
	node_put(p->info, n);
}

void port_index_destroy(struct inp_pcbinfo *info)
{
	struct port_index *x = info->pidx;
	struct port_node *n, *next;
	unsigned b;

	if (x == NULL)
		return;
	for (b = 0; b < NODE_BUCKETS; b++)
		for (n = x->buckets[b]; n != NULL; n = next) {
			next = n->next;
			free(n->map[0]);
			free(n->map[1]);
			free(n);
		}
	free(x->all[0]);
	free(x->all[1]);
	free(x);
	info->pidx = NULL;
}

/* ---- what the allocator may skip ------------------------------------ */

static const struct portmap *local_map(struct inp_pcbinfo *info, int af,
                                       const union inp_addr *a)
{
	struct port_node *n;
	struct node_key k;

	key_local(&k, a, af);
	n = node_find(info, &k, false);
	return n != NULL ? n->map[view_of(af)] : NULL;
}

static void skip_add(struct port_skip *s, const struct portmap *m)
{
	unsigned i;

	if (m == NULL)
		return;
	for (i = 0; i < s->n; i++)
		if (s->maps[i] == m)
			return;
	s->maps[s->n++] = m;
}

void port_skip_connect(struct inp_pcbinfo *info, int af,
                       const union inp_addr *laddr,
                       const union inp_addr *faddr, uint16_t fport,
                       struct port_skip *s)
{
	static const union inp_addr any;
	struct port_node *n = NULL;
	struct node_key k;

	memset(s, 0, sizeof(*s));
	if (info->pidx == NULL)
		return;
	skip_add(s, local_map(info, af, laddr));
	skip_add(s, local_map(info, af, &any));
	if (info->pidx->ndest != 0) {
		key_dest(&k, af, laddr, faddr, fport);
		n = node_find(info, &k, false);
	}
	if (n != NULL)
		skip_add(s, n->map[0]);
}

/* J8: the maps only hold PCBs of the host's namespace. */
static bool host_namespace(const struct inp_cred *cred, int af)
{
	return prison_owner(cred, af) == NULL;
}

/* One P6 lookup_local (view af at laddr, best fit or exact) as maps. */
static void skip_local(struct inp_pcbinfo *info, int af,
                       const union inp_addr *laddr, bool bestfit,
                       struct port_skip *s)
{
	static const union inp_addr any;

	if (bestfit && view_addr_any(laddr, af)) {
		skip_add(s, info->pidx->all[view_of(af)]);
		return;
	}
	skip_add(s, local_map(info, af, laddr));
	if (bestfit)
		skip_add(s, local_map(info, af, &any));
}

void port_skip_bind(struct inp_pcbinfo *info, int af,
                    const union inp_addr *laddr, bool bestfit, bool dual,
                    const struct inp_cred *cred, struct port_skip *s)
{
	static const union inp_addr any;

	memset(s, 0, sizeof(*s));
	if (info->pidx == NULL || !host_namespace(cred, af) ||
	    (dual && !host_namespace(cred, AF_INET)))
		return;
	skip_local(info, af, laddr, bestfit, s);
	if (dual)
		skip_local(info, AF_INET, &any, bestfit, s);
}

/*
 * The exact P7 test found connection t on a port the maps left open:
 * record t under its destination so that later walks skip the port
 * (t matched (laddr, faddr, fport) in view af, so that is its key).
 */
void port_index_learn(struct inp_pcbinfo *info, int af,
                      const union inp_addr *laddr,
                      const union inp_addr *faddr, uint16_t fport,
                      struct inp_pcb *t, struct port_skip *s)
{
	struct port_node *n;
	struct node_key k;

	if (t->occ != NULL || !pcb_has_faddr(t) || conn_af(t) != af)
		return;
	key_dest(&k, af, laddr, faddr, fport);
	n = node_find(info, &k, true);
	if (n == NULL)
		return;
	node_record(t, n, PCB_OCC_DEST);
	if (t->occ == n)
		skip_add(s, n->map[0]);
	node_drop_unused(info, n);
}
