/*
 * pcb_port.c - ephemeral port allocation (spec section 3, P1-P9) and the
 * per-vnet randomisation limiter that can suspend it (P8, P9).
 *
 * FreeBSD does this job in in_pcb_lport_dest() and in6_pcbsetport().  The
 * allocator walks one of three ranges (default, high, low) with a 16-bit
 * cursor per range kept in the protocol table, so IPv4 and IPv6 sockets of
 * one protocol share it (P3).  Each candidate is tested either bind-style
 * (P6, lookup_local) or connect-style (P7, a packet lookup): the caller
 * decides by passing a destination or not.
 *
 * The walk visits FreeBSD's candidates in FreeBSD's order, but asks the
 * occupancy index (port_index.c) for the next candidate that is not
 * certainly taken, so a nearly full range costs a few bitmap words rather
 * than one lookup per used port; the exact test still decides every port
 * the index leaves open.  With an RSS bucket asked for (the socket's
 * INP_IP_RSS_CONNECT_BUCKET, else net.inet.ip.portrange.rss_bucket), a
 * connect-style allocation first walks only the ports whose replies hash
 * to that bucket of net.inet.rss.bits (rss_ports.c), in the same order,
 * and falls back to the plain walk when none of them is free.
 *
 * Locking: pcb_lport() runs with the PCB write lock and the table's hash
 * write lock held; the hash lock protects the cursors (LK-2) and the
 * index.  The limiter's counter is shared by every non-UDP table of the
 * vnet, which do not share a hash lock, so it is updated with relaxed
 * atomics; so are the allocator counters, which readers read unlocked.
 */
#include "pcb/pcb_internal.h"
#include "rss/rss_internal.h"
#include "sock/sock_internal.h"

#define STAT_ADD(info, f, n)                                               \
	atomic_fetch_add_explicit(&(info)->portstat.f, (n),                \
	                          memory_order_relaxed)

/* One ephemeral range after P1/P2, with the cursor it advances. */
struct port_range {
	uint16_t lo, hi;
	uint16_t *cursor;
	const char *name;
};

/* The candidate test's inputs, fixed for one allocation. */
struct port_test {
	struct inp_pcb *p;
	int af;
	const union inp_addr *laddr;
	const union inp_addr *faddr;   /* NULL: bind-style test (P6) */
	uint16_t fport;
	const struct inp_cred *cred;
	bool wildcard;
	struct port_skip skip;         /* ports the index knows are taken */
	const struct rss_portsol *rss; /* non-NULL: the aligned walk */
	uint64_t tested, skipped;
};

static uint16_t port_clamp(long v)
{
	if (v < 1)
		return 1;
	if (v > 65535)
		return 65535;
	return (uint16_t)v;
}

/* P2: the two ends of a range may be given in either order. */
static void range_set(struct port_range *r, long a, long b, uint16_t *cursor,
                      const char *name)
{
	uint16_t x = port_clamp(a), y = port_clamp(b);

	r->lo = x < y ? x : y;
	r->hi = x < y ? y : x;
	r->cursor = cursor;
	r->name = name;
}

/*
 * Section 3.1: IP_PORTRANGE picks the range.  The low range needs
 * PRIV_NETINET_RESERVEDPORT on every allocation, not only when the option
 * is set (J12: the privilege check's own errno, EPERM).
 */
static int range_pick(struct inp_pcb *p, const struct vnet_sysctls *sc,
                      const struct inp_cred *cred, struct port_range *r,
                      struct inp_explain *why)
{
	struct inp_pcbinfo *info = p->info;

	if (p->flags & INP_HIGHPORT) {
		range_set(r, sc->portrange_hifirst, sc->portrange_hilast,
		          &info->cursor_high, "high");
		return 0;
	}
	if (p->flags & INP_LOWPORT) {
		if (!cred_priv(cred, INP_PRIV_RESERVEDPORT)) {
			explain(why, "J12", "the low port range needs the "
			        "reserved-port privilege (uid %u lacks it)",
			        (unsigned)cred->uid);
			return -EPERM;
		}
		range_set(r, sc->portrange_lowfirst, sc->portrange_lowlast,
		          &info->cursor_low, "low");
		return 0;
	}
	range_set(r, sc->portrange_first, sc->portrange_last,
	          &info->cursor_def, "default");
	return 0;
}

static bool limiter_suppressing(struct inp_vnet *vnet)
{
	return __atomic_load_n(&vnet->limiter.stop, __ATOMIC_RELAXED) > 0;
}

/*
 * P4: random start iff randomized = 1, the range has more than one port
 * (V7: never randomise a one-port range) and either the protocol is UDP
 * or the limiter is not suppressing (P8).
 */
static bool range_randomize(const struct inp_pcb *p,
                            const struct vnet_sysctls *sc,
                            const struct port_range *r)
{
	if (sc->portrange_randomized == 0 || r->lo == r->hi)
		return false;
	if (p->proto == INP_PROTO_UDP)
		return true;
	return !limiter_suppressing(pcb_vnet(p));
}

/*
 * P6 / P7: who takes the candidate (network order)?  Bind-style: a
 * lookup_local in the B6 mode on the PCB's own view and, for a dual-stack
 * IPv6-path PCB, also on the IPv4 view at 0.0.0.0 [cur].  Connect-style:
 * a packet lookup of the would-be 4-tuple; it only returns a jailed PCB
 * when laddr belongs to that PCB's jail (J3), as P7 asks.
 */
static struct inp_pcb *port_holder(const struct port_test *t, uint16_t lport)
{
	static const union inp_addr any;
	struct inp_pcbinfo *info = t->p->info;
	struct inp_pcb *q;

	if (t->faddr != NULL)
		return pcb_lookup_hash(info, t->af, t->faddr, t->fport,
		                       t->laddr, lport, t->wildcard, NULL);
	q = pcb_lookup_local(info, t->af, t->laddr, lport, t->wildcard,
	                     t->cred);
	if (q == NULL && t->af == AF_INET6 && (t->p->vflag & INP_V_IPV4) &&
	    (t->p->vflag & INP_V_IPV6))
		q = pcb_lookup_local(info, AF_INET, &any, lport, t->wildcard,
		                     t->cred);
	return q;
}

/* The exact test; a connection in the way is remembered by the index. */
static bool port_taken(struct port_test *t, uint16_t port)
{
	struct inp_pcb *q = port_holder(t, htons(port));

	t->tested++;
	if (q != NULL && t->faddr != NULL && pcb_has_faddr(q))
		port_index_learn(t->p->info, t->af, t->laddr, t->faddr,
		                 t->fport, q, &t->skip);
	return q != NULL;
}

static bool skip_has(const struct port_skip *s, uint16_t port)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (portmap_test(s->maps[i], port))
			return true;
	return false;
}

/* The next candidate in [from, to] worth the exact test, or -1. */
static long next_open(struct port_test *t, unsigned from, unsigned to)
{
	long x;

	if (t->rss == NULL) {
		x = portmap_next_clear(t->skip.maps, t->skip.n, from, to);
		t->skipped += (uint64_t)((x < 0 ? (long)to + 1 : x) - from);
		return x;
	}
	/* Only the bucket's ports are candidates; skip the known-taken. */
	while ((x = rss_port_next(t->rss, from, to)) >= 0 &&
	       skip_has(&t->skip, (uint16_t)x)) {
		t->skipped++;
		from = (unsigned)x + 1;
	}
	return x;
}

/* The first free candidate of [from, to], in order. */
static bool walk_run(struct port_test *t, unsigned from, unsigned to,
                     uint16_t *found)
{
	long x;

	while (from <= to && (x = next_open(t, from, to)) >= 0) {
		if (!port_taken(t, (uint16_t)x)) {
			*found = (uint16_t)x;
			return true;
		}
		from = (unsigned)x + 1;
	}
	return false;
}

/*
 * P5: from the cursor (or a random point strictly below hi), step by one
 * with 16-bit wrap, fold anything outside [lo, hi] back to lo, and take
 * the first free candidate; every port is tried exactly once.  That order
 * is the cyclic order of [lo, hi] from the first candidate, walked here
 * as two runs; a failed walk leaves the cursor on the last candidate.
 */
static int range_walk(struct port_test *t, struct port_range *r,
                      uint16_t start, uint16_t *found)
{
	uint16_t first = (uint16_t)(start + 1);

	if (first < r->lo || first > r->hi)
		first = r->lo;
	if (walk_run(t, first, r->hi, found) ||
	    (first > r->lo && walk_run(t, r->lo, first - 1u, found))) {
		*r->cursor = *found;
		return 0;
	}
	*r->cursor = first == r->lo ? r->hi : (uint16_t)(first - 1);
	return -EADDRNOTAVAIL;
}

/* P4/P5: the point the walk starts after (random or the cursor). */
static uint16_t range_start(const struct port_test *t,
                            const struct port_range *r, bool random)
{
	uint32_t x;

	if (!random)
		return *r->cursor;
	x = host_random32(pcb_vnet(t->p)->host);
	return (uint16_t)(r->lo + x % (uint32_t)(r->hi - r->lo));
}

/* What the index lets this allocation skip (P6 or P7 maps). */
static void test_skip(struct port_test *t)
{
	bool dual = t->af == AF_INET6 && (t->p->vflag & INP_V_IPV4) &&
	            (t->p->vflag & INP_V_IPV6);

	if (t->faddr != NULL)
		port_skip_connect(t->p->info, t->af, t->laddr, t->faddr,
		                  t->fport, &t->skip);
	else
		port_skip_bind(t->p->info, t->af, t->laddr, t->wildcard, dual,
		               t->cred, &t->skip);
}

/*
 * The RSS bucket a connect-style allocation aims for, -1 for none: the
 * socket's INP_IP_RSS_CONNECT_BUCKET overrides the sysctl (both -1..127).
 */
static long rss_target(const struct inp_pcb *p, const struct vnet_sysctls *sc)
{
	const struct inp_sock *so = p->socket;

	if (so != NULL && so->rss_pinned)
		return so->rss_bucket;
	return sc->portrange_rss_bucket;
}

/*
 * Issue 3 item 6 (RSS-6, RSS-11): the connect-style walk restricted to
 * the ports whose reply tuple (src faddr:fport, dst laddr:port) hashes
 * into the target bucket (its low bits) of net.inet.rss.bits, under the
 * default key and the hash type the connection groups use (RSS-5,
 * RSS-8): a UDP reply hashes the 2-tuple, so there every port or none
 * is in the bucket.  false: not asked for (no target, or 0 bits: one
 * bucket), or no port of the range is free in the bucket.
 */
static bool rss_walk(struct port_test *t, struct port_range *r,
                     const struct vnet_sysctls *sc, uint16_t start,
                     uint16_t *found, struct inp_explain *why)
{
	long want = rss_target(t->p, sc);
	unsigned bits = (unsigned)sc->rss_bits_used, bucket;
	struct rss_tuple tuple;
	struct rss_portsol sol;
	struct inp_pcbinfo *info = t->p->info;
	uint16_t cursor = *r->cursor;

	if (want < 0 || bits == 0 || t->faddr == NULL)
		return false;
	bucket = rss_bucket_of((uint32_t)want, bits);
	if (rss_tuple_reply(&tuple, t->af, t->p->proto, &t->faddr->a6,
	                    t->fport, &t->laddr->a6, 0) != 0 ||
	    rss_port_solve(inp_rss_default_key, &tuple, bits, bucket,
	                   &sol) != 0)
		return false;
	/* Every port in the bucket: the plain walk, with the index's skips. */
	t->rss = rss_port_all(&sol) ? NULL : &sol;
	if (!sol.none && range_walk(t, r, start, found) == 0) {
		t->rss = NULL;
		STAT_ADD(info, rss_aligned, 1);
		explain(why, "RSS-11", "port %u: replies hash to RSS bucket %u "
		        "of %u", (unsigned)*found, bucket, 1u << bits);
		return true;
	}
	t->rss = NULL;
	*r->cursor = cursor;           /* the plain walk starts afresh */
	STAT_ADD(info, rss_fallback, 1);
	explain(why, "RSS-11", "no free port of the %s range lands in RSS "
	        "bucket %u of %u: any port will do", r->name, bucket,
	        1u << bits);
	return false;
}

static void stat_walk(struct inp_pcbinfo *info, const struct port_test *t,
                      int rc)
{
	STAT_ADD(info, allocs, 1);
	STAT_ADD(info, tested, t->tested);
	STAT_ADD(info, skipped, t->skipped);
	if (rc != 0)
		STAT_ADD(info, failures, 1);
}

int pcb_lport(struct inp_pcb *p, int af, const union inp_addr *laddr,
              const union inp_addr *faddr, uint16_t fport, uint16_t *lportp,
              struct inp_cred *cred, bool wildcard_test,
              struct inp_explain *why)
{
	struct vnet_sysctls sc;
	struct port_range r;
	struct port_test t;
	uint16_t port, start;
	bool random;
	int rc;

	if (p == NULL || p->info == NULL || laddr == NULL || lportp == NULL ||
	    cred == NULL || (af != AF_INET && af != AF_INET6))
		return -EINVAL;

	pcb_sysctls(pcb_vnet(p), &sc);
	rc = range_pick(p, &sc, cred, &r, why);
	if (rc != 0)
		return rc;
	random = range_randomize(p, &sc, &r);
	/* P8, V6: count every non-UDP allocator call, before the loop. */
	if (p->proto != INP_PROTO_UDP)
		__atomic_fetch_add(&pcb_vnet(p)->limiter.allocs, 1,
		                   __ATOMIC_RELAXED);

	t = (struct port_test){ .p = p, .af = af, .laddr = laddr,
	                        .faddr = faddr, .fport = fport, .cred = cred,
	                        .wildcard = wildcard_test };
	test_skip(&t);
	start = range_start(&t, &r, random);
	if (rss_walk(&t, &r, &sc, start, &port, why)) {
		stat_walk(p->info, &t, 0);
		*lportp = htons(port);
		return 0;
	}
	rc = range_walk(&t, &r, start, &port);
	stat_walk(p->info, &t, rc);
	if (rc != 0) {
		explain(why, "P5", "every port of the %s range %u-%u is in use "
		        "(%s test)", r.name, (unsigned)r.lo, (unsigned)r.hi,
		        faddr != NULL ? "connect-style P7" : "bind-style P6");
		return rc;
	}
	*lportp = htons(port);
	explain(why, "P5", "port %u from the %s range %u-%u (%s start; "
	        "%llu candidates tested, %llu known in use skipped)",
	        (unsigned)port, r.name, (unsigned)r.lo, (unsigned)r.hi,
	        random ? "random" : "sequential",
	        (unsigned long long)t.tested, (unsigned long long)t.skipped);
	return 0;
}

int inp_port_stats(struct inp_vnet *vnet, enum inp_proto proto,
                   struct inp_portstat *st)
{
	struct inp_pcbinfo *info = pcbinfo_of(vnet, proto);
	struct port_counters *c;

	if (info == NULL || st == NULL)
		return -EINVAL;
	c = &info->portstat;
	st->allocs = atomic_load_explicit(&c->allocs, memory_order_relaxed);
	st->failures = atomic_load_explicit(&c->failures, memory_order_relaxed);
	st->tested = atomic_load_explicit(&c->tested, memory_order_relaxed);
	st->skipped = atomic_load_explicit(&c->skipped, memory_order_relaxed);
	st->rss_aligned = atomic_load_explicit(&c->rss_aligned,
	                                       memory_order_relaxed);
	st->rss_fallback = atomic_load_explicit(&c->rss_fallback,
	                                        memory_order_relaxed);
	return 0;
}

/*
 * P9: one tick of the limiter.  More than randomcps non-UDP allocations
 * since the previous tick (re)start a suppression of randomtime ticks;
 * a quiet tick shortens a running one by one.  The timer code calls this
 * once per elapsed second of the vnet clock, one caller at a time, and
 * keeps limiter.ticks itself.
 */
void port_limiter_tick(struct inp_vnet *vnet)
{
	struct port_limiter *l;
	struct vnet_sysctls sc;
	uint64_t now;
	long stop;

	if (vnet == NULL)
		return;
	l = &vnet->limiter;
	pcb_sysctls(vnet, &sc);
	now = __atomic_load_n(&l->allocs, __ATOMIC_RELAXED);
	stop = __atomic_load_n(&l->stop, __ATOMIC_RELAXED);
	if (sc.portrange_randomcps < 0 ||
	    now - l->last > (uint64_t)sc.portrange_randomcps)
		stop = sc.portrange_randomtime;
	else if (stop > 0)
		stop--;
	__atomic_store_n(&l->stop, stop, __ATOMIC_RELAXED);
	l->last = now;
}
