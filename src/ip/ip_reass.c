/*
 * ip_reass.c - reassembly of IPv4 and IPv6 fragments (RFC 791, RFC 815,
 * RFC 8200 4.5), the IP module's per-vnet state.
 *
 * Memory is bounded per vnet (struct inp_limits): at most
 * reass_max_datagrams datagrams being rebuilt, reass_max_bytes held by
 * them (fragment data, headers and bookkeeping), reass_max_frags
 * fragments each.  A new datagram beyond the first limit evicts the
 * oldest one; fragments beyond the byte limit evict the oldest other
 * datagrams first and are dropped when that is not enough.  A datagram
 * not complete 30 s (IPv4, FreeBSD's IPFRAGTTL) or 60 s (IPv6, RFC 8200)
 * after its first fragment expires, from inp_host_run_timers() or when
 * the next fragment arrives (ips_fragtimeout, per fragment); no ICMP time
 * exceeded is sent.
 *
 * Policy (both families, RFC 5722 for IPv6 and the same for IPv4): an
 * exact duplicate fragment is dropped alone; any other overlap, a second
 * "last" fragment that disagrees, or a fragment beyond the end drops the
 * whole datagram.  Fragments with more to follow must carry a non-zero
 * multiple of 8 bytes.  Every dropped fragment counts ips_fragdropped.
 *
 * Locking: one mutex per vnet (ip_vnet.lock), a leaf: nothing else is
 * taken under it, and the completed datagram is handed back to the
 * caller after it is released.
 */
#include "ip/ip_internal.h"

#include <stdlib.h>

#define NS_PER_SEC 1000000000ull
#define REASS_TTL4 (30 * NS_PER_SEC)
#define REASS_TTL6 (60 * NS_PER_SEC)

struct frag {
	struct frag *next;          /* ascending offsets */
	uint32_t off, len;
	uint8_t data[];
};

/* One datagram being rebuilt. */
struct reass_q {
	struct reass_q *next;       /* the vnet's list, oldest first */
	int af;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint8_t proto;              /* IPv4: key */
	uint64_t expire_ns;
	struct frag *frags;
	unsigned nfrags;
	size_t bytes;               /* charged to the vnet */
	bool have_last;
	uint32_t total;             /* payload length, from the last fragment */
	uint8_t *hdr;               /* from the offset 0 fragment */
	size_t hdrlen, nxt_off;
	uint8_t nxt;                /* IPv6: that fragment's next header */
	struct inp_ifnet *rcvif;
	unsigned flags;
};

struct ip_vnet {
	pthread_mutex_t lock;
	struct reass_q *queues;
	unsigned nq, nfrags;
	size_t bytes;
	unsigned max_q, max_frags;
	size_t max_bytes;
};

/* ---- the per-vnet state ------------------------------------------------ */

int ip_vnet_create(struct inp_vnet *vnet)
{
	const struct inp_limits *lim = &vnet->host->limits;
	struct ip_vnet *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return -ENOMEM;
	if (pthread_mutex_init(&st->lock, NULL) != 0) {
		free(st);
		return -ENOMEM;
	}
	st->max_q = lim->reass_max_datagrams;
	st->max_frags = lim->reass_max_frags;
	st->max_bytes = lim->reass_max_bytes;
	vnet->ip = st;
	return 0;
}

static void q_free(struct reass_q *q)
{
	struct frag *f, *next;

	for (f = q->frags; f != NULL; f = next) {
		next = f->next;
		free(f);
	}
	free(q->hdr);
	free(q);
}

/* Unlink q (list, counts) and free it. */
static void q_remove(struct ip_vnet *st, struct reass_q *q)
{
	struct reass_q **pp;

	for (pp = &st->queues; *pp != q; pp = &(*pp)->next)
		;
	*pp = q->next;
	st->nq--;
	st->nfrags -= q->nfrags;
	st->bytes -= q->bytes;
	q_free(q);
}

void ip_vnet_destroy(struct inp_vnet *vnet)
{
	struct ip_vnet *st = vnet->ip;

	if (st == NULL)
		return;
	while (st->queues != NULL)
		q_remove(st, st->queues);   /* not counted: the vnet goes */
	pthread_mutex_destroy(&st->lock);
	free(st);
	vnet->ip = NULL;
}

/* ---- drops and timeouts (lock held) ------------------------------------ */

/* Drop a whole datagram: its fragments, plus `extra` not yet queued. */
static void q_drop(struct inp_vnet *vnet, struct reass_q *q, unsigned extra)
{
	IPSTAT_ADD(vnet, ips_fragdropped, q->nfrags + extra);
	q_remove(vnet->ip, q);
}

static void expire_locked(struct inp_vnet *vnet, uint64_t now)
{
	struct ip_vnet *st = vnet->ip;
	struct reass_q *q, *next;

	for (q = st->queues; q != NULL; q = next) {
		next = q->next;
		if (q->expire_ns <= now) {
			IPSTAT_ADD(vnet, ips_fragtimeout, q->nfrags);
			q_remove(st, q);
		}
	}
}

void ip_vnet_run_timers(struct inp_vnet *vnet, uint64_t now_ns)
{
	struct ip_vnet *st = vnet->ip;

	if (st == NULL)
		return;
	pthread_mutex_lock(&st->lock);
	expire_locked(vnet, now_ns);
	pthread_mutex_unlock(&st->lock);
}

unsigned ip_reass_pending(struct inp_vnet *vnet)
{
	struct ip_vnet *st = vnet->ip;
	unsigned n;

	pthread_mutex_lock(&st->lock);
	n = st->nfrags;
	pthread_mutex_unlock(&st->lock);
	return n;
}

/* ---- finding and making a datagram (lock held) ------------------------- */

static size_t addr_len(int af)
{
	return af == AF_INET ? 4 : 16;
}

static bool q_match(const struct reass_q *q, const struct reass_frag *f)
{
	size_t n = addr_len(f->af);

	return q->af == f->af && q->id == f->id &&
	       (f->af != AF_INET || q->proto == f->proto) &&
	       memcmp(q->src, f->src, n) == 0 && memcmp(q->dst, f->dst, n) == 0;
}

/* The oldest datagram other than keep, or NULL. */
static struct reass_q *q_oldest_other(struct ip_vnet *st,
                                      const struct reass_q *keep)
{
	struct reass_q *q;

	for (q = st->queues; q != NULL && q == keep; q = q->next)
		;
	return q;
}

/* A new, empty datagram at the list's tail; NULL without memory. */
static struct reass_q *q_new(struct inp_vnet *vnet, const struct reass_frag *f,
                             uint64_t now)
{
	struct ip_vnet *st = vnet->ip;
	struct reass_q *q, **tail;

	if (st->nq >= st->max_q && st->queues != NULL)
		q_drop(vnet, st->queues, 0);          /* evict the oldest */
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->af = f->af;
	memcpy(q->src, f->src, addr_len(f->af));
	memcpy(q->dst, f->dst, addr_len(f->af));
	q->id = f->id;
	q->proto = f->proto;
	q->expire_ns = now + (f->af == AF_INET ? REASS_TTL4 : REASS_TTL6);
	q->bytes = sizeof(*q);
	q->rcvif = f->rcvif;
	q->flags = f->flags;
	for (tail = &st->queues; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = q;
	st->nq++;
	st->bytes += q->bytes;
	return q;
}

/* ---- adding a fragment (lock held) ------------------------------------- */

enum fit { FIT_OK, FIT_DUP, FIT_BAD };

/*
 * Where f goes among q's fragments: FIT_DUP for an exact duplicate,
 * FIT_BAD for an overlap or a disagreement about the end.
 */
static enum fit q_fit(const struct reass_q *q, const struct reass_frag *f)
{
	uint32_t end = f->off + (uint32_t)f->len;
	const struct frag *x;

	if (!f->more && q->have_last && q->total != end)
		return FIT_BAD;
	if (f->more && q->have_last && end > q->total)
		return FIT_BAD;
	for (x = q->frags; x != NULL; x = x->next) {
		if (x->off == f->off && x->len == f->len)
			return FIT_DUP;
		if (f->off < x->off + x->len && x->off < end)
			return FIT_BAD;
		if (!f->more && x->off + x->len > end)
			return FIT_BAD;
	}
	return FIT_OK;
}

/* Make room for cost more bytes by evicting older datagrams. */
static bool room_for(struct inp_vnet *vnet, const struct reass_q *q,
                     size_t cost)
{
	struct ip_vnet *st = vnet->ip;
	struct reass_q *old;

	while (st->bytes + cost > st->max_bytes) {
		old = q_oldest_other(st, q);
		if (old == NULL)
			return false;
		q_drop(vnet, old, 0);
	}
	return true;
}

/* Keep the offset 0 fragment's header (IPv4) / unfragmentable part. */
static bool q_take_header(struct reass_q *q, const struct reass_frag *f)
{
	q->hdr = malloc(f->hdrlen);
	if (q->hdr == NULL)
		return false;
	memcpy(q->hdr, f->hdr, f->hdrlen);
	q->hdrlen = f->hdrlen;
	q->nxt_off = f->nxt_off;
	q->nxt = f->proto;
	q->rcvif = f->rcvif;
	q->flags = f->flags;
	return true;
}

/* Insert f in order; false without memory (nothing changed). */
static bool q_insert(struct ip_vnet *st, struct reass_q *q,
                     const struct reass_frag *f, size_t cost)
{
	struct frag *n, **pp;

	n = malloc(sizeof(*n) + f->len);
	if (n == NULL)
		return false;
	if (f->off == 0 && !q_take_header(q, f)) {
		free(n);
		return false;
	}
	n->off = f->off;
	n->len = (uint32_t)f->len;
	memcpy(n->data, f->data, f->len);
	for (pp = &q->frags; *pp != NULL && (*pp)->off < n->off;
	     pp = &(*pp)->next)
		;
	n->next = *pp;
	*pp = n;
	q->nfrags++;
	q->bytes += cost;
	st->nfrags++;
	st->bytes += cost;
	if (!f->more) {
		q->have_last = true;
		q->total = f->off + (uint32_t)f->len;
	}
	return true;
}

/* ---- completion -------------------------------------------------------- */

static bool q_complete(const struct reass_q *q)
{
	const struct frag *x;
	uint32_t next = 0;

	if (!q->have_last || q->hdr == NULL)
		return false;
	for (x = q->frags; x != NULL; x = x->next) {
		if (x->off != next)
			return false;
		next += x->len;
	}
	return next == q->total;
}

/* The first fragment's header may be longer than the others'. */
static bool q_too_big(const struct reass_q *q)
{
	size_t len = q->hdrlen + q->total;

	return (q->af == AF_INET ? len : len - IP6_HDR_LEN) > IP_MAXPACKET;
}

/* Build the datagram: the first fragment's header, then the data. */
static uint8_t *q_assemble(const struct reass_q *q, size_t *lenp)
{
	size_t len = q->hdrlen + q->total;
	const struct frag *x;
	uint8_t *p;

	p = malloc(len);
	if (p == NULL)
		return NULL;
	memcpy(p, q->hdr, q->hdrlen);
	for (x = q->frags; x != NULL; x = x->next)
		memcpy(p + q->hdrlen + x->off, x->data, x->len);
	if (q->af == AF_INET) {
		put16(p + 2, (uint16_t)len);
		put16(p + 6, get16(p + 6) & 0x4000);   /* DF stays */
		put16(p + 10, 0);
		put16(p + 10, cksum(p, q->hdrlen));
	} else {
		put16(p + 4, (uint16_t)(len - IP6_HDR_LEN));
		p[q->nxt_off] = q->nxt;       /* the fragment header is gone */
	}
	*lenp = len;
	return p;
}

/* ---- the entry --------------------------------------------------------- */

/* Fragments that can never be part of a datagram. */
static bool frag_malformed(const struct reass_frag *f)
{
	if (f->more && (f->len == 0 || f->len % 8 != 0))
		return true;
	/* RFC 791 / RFC 8200: the datagram may not exceed 65535 bytes. */
	if (f->af == AF_INET)
		return f->hdrlen + f->off + f->len > IP_MAXPACKET;
	return f->hdrlen - IP6_HDR_LEN + f->off + f->len > IP_MAXPACKET;
}

/*
 * Add f to q; true when q is complete now.  Every failure counts: the
 * fragment alone (duplicate, no room) or with its datagram.
 */
static bool q_add(struct inp_vnet *vnet, struct reass_q *q,
                  const struct reass_frag *f)
{
	size_t cost = sizeof(struct frag) + f->len +
	              (f->off == 0 ? f->hdrlen : 0);

	switch (q_fit(q, f)) {
	case FIT_DUP:
		IPSTAT_INC(vnet, ips_fragdropped);
		return false;
	case FIT_BAD:
		q_drop(vnet, q, 1);
		return false;
	default:
		break;
	}
	if (q->nfrags >= vnet->ip->max_frags) {
		q_drop(vnet, q, 1);
		return false;
	}
	if (!room_for(vnet, q, cost) || !q_insert(vnet->ip, q, f, cost)) {
		IPSTAT_INC(vnet, ips_fragdropped);
		if (q->nfrags == 0)
			q_remove(vnet->ip, q);
		return false;
	}
	return q_complete(q);
}

bool ip_reass(struct inp_vnet *vnet, const struct reass_frag *f,
              struct reass_done *done)
{
	struct ip_vnet *st = vnet->ip;
	uint64_t now = host_now_ns(vnet->host);
	struct reass_q *q;
	bool complete;

	if (frag_malformed(f)) {
		IPSTAT_INC(vnet, ips_fragdropped);
		return false;
	}
	pthread_mutex_lock(&st->lock);
	expire_locked(vnet, now);
	for (q = st->queues; q != NULL && !q_match(q, f); q = q->next)
		;
	if (q == NULL)
		q = q_new(vnet, f, now);
	if (q == NULL) {
		IPSTAT_INC(vnet, ips_fragdropped);
		pthread_mutex_unlock(&st->lock);
		return false;
	}
	complete = q_add(vnet, q, f);
	if (complete && q_too_big(q)) {
		q_drop(vnet, q, 0);
		complete = false;
	}
	if (complete) {
		done->pkt = q_assemble(q, &done->len);
		done->rcvif = q->rcvif;
		/* No NIC verified the checksum of a datagram it never saw. */
		done->flags = q->flags & ~(unsigned)INP_PKT_CSUM_OK;
		if (done->pkt == NULL)
			q_drop(vnet, q, 0);
		else
			q_remove(st, q);
		complete = done->pkt != NULL;
	}
	pthread_mutex_unlock(&st->lock);
	return complete;
}
