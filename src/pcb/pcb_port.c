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
 * Locking: pcb_lport() runs with the PCB write lock and the table's hash
 * write lock held; the hash lock protects the cursors (LK-2).  The
 * limiter's counter is shared by every non-UDP table of the vnet, which do
 * not share a hash lock, so it is updated with relaxed atomics.
 */
#include "pcb/pcb_internal.h"

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
 * P6 / P7: is the candidate (network order) taken?  Bind-style: a
 * lookup_local in the B6 mode on the PCB's own view and, for a dual-stack
 * IPv6-path PCB, also on the IPv4 view at 0.0.0.0 [cur].  Connect-style:
 * a packet lookup of the would-be 4-tuple; it only returns a jailed PCB
 * when laddr belongs to that PCB's jail (J3), as P7 asks.
 */
static bool port_taken(const struct port_test *t, uint16_t lport)
{
	struct inp_pcbinfo *info = t->p->info;

	if (t->faddr != NULL)
		return pcb_lookup_hash(info, t->af, t->faddr, t->fport,
		                       t->laddr, lport, t->wildcard,
		                       NULL) != NULL;
	if (pcb_lookup_local(info, t->af, t->laddr, lport, t->wildcard,
	                     t->cred) != NULL)
		return true;
	if (t->af == AF_INET6 && (t->p->vflag & INP_V_IPV4) &&
	    (t->p->vflag & INP_V_IPV6)) {
		static const union inp_addr any;
		return pcb_lookup_local(info, AF_INET, &any, lport,
		                        t->wildcard, t->cred) != NULL;
	}
	return false;
}

/*
 * P5: from the cursor (or a random point strictly below hi), step by one
 * with 16-bit wrap, fold anything outside [lo, hi] back to lo, and take
 * the first free candidate; every port is tried exactly once.
 */
static int range_walk(const struct port_test *t, struct port_range *r,
                      bool random, uint16_t *found)
{
	uint16_t cur = *r->cursor;
	uint32_t tries = (uint32_t)(r->hi - r->lo) + 1;

	if (random) {
		uint32_t x = host_random32(pcb_vnet(t->p)->host);
		cur = (uint16_t)(r->lo + x % (uint32_t)(r->hi - r->lo));
	}
	while (tries-- > 0) {
		cur++;
		if (cur < r->lo || cur > r->hi)
			cur = r->lo;
		if (!port_taken(t, htons(cur))) {
			*r->cursor = cur;
			*found = cur;
			return 0;
		}
	}
	*r->cursor = cur;
	return -EADDRNOTAVAIL;
}

int pcb_lport(struct inp_pcb *p, int af, const union inp_addr *laddr,
              const union inp_addr *faddr, uint16_t fport, uint16_t *lportp,
              struct inp_cred *cred, bool wildcard_test,
              struct inp_explain *why)
{
	struct vnet_sysctls sc;
	struct port_range r;
	struct port_test t;
	uint16_t port;
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
	rc = range_walk(&t, &r, random, &port);
	if (rc != 0) {
		explain(why, "P5", "every port of the %s range %u-%u is in use "
		        "(%s test)", r.name, (unsigned)r.lo, (unsigned)r.hi,
		        faddr != NULL ? "connect-style P7" : "bind-style P6");
		return rc;
	}
	*lportp = htons(port);
	explain(why, "P5", "port %u from the %s range %u-%u (%s start)",
	        (unsigned)port, r.name, (unsigned)r.lo, (unsigned)r.hi,
	        random ? "random" : "sequential");
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
