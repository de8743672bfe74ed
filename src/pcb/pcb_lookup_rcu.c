/*
 * pcb_lookup_rcu.c - the lockless packet lookup (spec LK-13, RC-18,
 * RC-2, RC-16) and the burst lookup built on it.
 *
 * A lookup walks the exact chain, then (wildcard) the LB groups and the
 * wild chain, inside one RCU read-side section, with no table lock.  What
 * it finds is only a candidate: the PCB is locked with RC-18 and the match
 * re-checked under the lock.  Any doubt -- the candidate is dead, was
 * freed meanwhile, no longer matches, or is jailed (its jail's addresses
 * are checked on the credential, which may be read only under the lock)
 * and fails that check -- sends the lookup to the serialised path under
 * the hash mutex (pcb_lookup_serial), which is always right.  A miss in
 * the section is final: chains are only ever changed in ways a walking
 * reader survives (pcb_hash.c, LC-10).
 *
 * RC-18 here differs from FreeBSD's inp_smr_lock in one place: after a
 * successful try-lock, the dropped/freed test is made *before* leaving
 * the section.  FreeBSD's PCB memory is type-stable, ours goes back to
 * malloc after a grace period; once we leave the section holding the
 * lock of a PCB that is already freed, nothing would keep its memory.
 * Holding the lock of a PCB that is not dead is safe outside the section:
 * the attachment reference outlives every lock holder (pcb_alloc.c).
 * The test reads LK_DEAD in the lock word, so an exact lookup touches a
 * single cache line of the PCB.
 *
 * No allocation, no credential or jail dereference before the lock, one
 * section per lookup (per burst group of INP_LOOKUP_BURST_MAX keys).
 */
#include "pcb/pcb_internal.h"
#include "pcb/pcb_view.h"

/* What a lockless candidate was found as, for its re-check. */
enum cand_kind { CAND_EXACT, CAND_LB, CAND_WILD, CAND_LB_JAILED,
                 CAND_WILD_JAILED };

/* Compare a chain entry's address with a key in family af's width. */
static inline bool rcu_addr_eq(const union inp_addr *pa,
                               const union inp_addr *k, int af)
{
	const uint32_t *w = (const uint32_t *)pa, *kw = (const uint32_t *)k;

	if (af == AF_INET)
		return __atomic_load_n(&w[3], __ATOMIC_RELAXED) == kw[3];
	return __atomic_load_n(&w[0], __ATOMIC_RELAXED) == kw[0] &&
	       __atomic_load_n(&w[1], __ATOMIC_RELAXED) == kw[1] &&
	       __atomic_load_n(&w[2], __ATOMIC_RELAXED) == kw[2] &&
	       __atomic_load_n(&w[3], __ATOMIC_RELAXED) == kw[3];
}

static inline bool rcu_addr_any(const union inp_addr *pa, int af)
{
	const uint32_t *w = (const uint32_t *)pa;

	if (af == AF_INET)
		return __atomic_load_n(&w[3], __ATOMIC_RELAXED) == 0;
	return (__atomic_load_n(&w[0], __ATOMIC_RELAXED) |
	        __atomic_load_n(&w[1], __ATOMIC_RELAXED) |
	        __atomic_load_n(&w[2], __ATOMIC_RELAXED) |
	        __atomic_load_n(&w[3], __ATOMIC_RELAXED)) == 0;
}

/* Does exact-chain entry p, read in the section, carry the 4-tuple? */
static inline bool rcu_exact_match(const struct inp_pcb *p, int af,
                                   const union inp_addr *fa, uint16_t fport,
                                   const union inp_addr *la, uint16_t lport)
{
	return PCB_LOAD(p->lport) == lport && PCB_LOAD(p->fport) == fport &&
	       (PCB_LOAD(p->lk_vflag) & view_vflag(af)) &&
	       rcu_addr_eq(&p->faddr, fa, af) && rcu_addr_eq(&p->laddr, la, af);
}

/* The chain link at offset next_off of p: exact_next or grp_next. */
static inline struct inp_pcb *rcu_next(const struct inp_pcb *p,
                                       size_t next_off)
{
	return atomic_load_explicit(
	    (struct inp_pcb *_Atomic *)((const char *)p + next_off),
	    memory_order_acquire);
}

/*
 * L1 in the section: the first entry of chain p matching the 4-tuple;
 * the chain is linked through exact_next (the table) or grp_next (a
 * connection group, pcbgroup.c), next_off says which.
 */
static inline struct inp_pcb *rcu_exact_walk(struct inp_pcb *p,
                                             size_t next_off, int af,
                                             const union inp_addr *fa,
                                             uint16_t fport,
                                             const union inp_addr *la,
                                             uint16_t lport)
{
	for (; p != NULL; p = rcu_next(p, next_off))
		if (rcu_exact_match(p, af, fa, fport, la, lport))
			return p;
	return NULL;
}

/*
 * 5.4 rank in the section, without J3 (a jailed PCB is taken to own the
 * address; *jailed tells the caller to check it under the lock).
 */
static int rcu_wild_rank(const struct inp_pcb *p, int af,
                         const union inp_addr *la, uint16_t lport,
                         bool *jailed)
{
	uint8_t vflag = PCB_LOAD(p->lk_vflag);
	bool exact;

	if (PCB_LOAD(p->lport) != lport || !(vflag & view_vflag(af)) ||
	    !rcu_addr_any(&p->faddr, AF_INET6))
		return 0;
	exact = rcu_addr_eq(&p->laddr, la, af);
	if (!exact && !rcu_addr_any(&p->laddr, af))
		return 0;
	*jailed = (PCB_LOAD(p->lk_bits) &
	           (af == AF_INET ? PCB_LK_JAILED4 : PCB_LK_JAILED6)) != 0;
	if (af == AF_INET && !exact && (vflag & INP_V_IPV6PROTO))
		return 5;
	return (*jailed ? 1 : 3) + (exact ? 0 : 1);
}

/*
 * L4 in the section: the best rank, ties to the newest (wild_seq), as
 * lookup_wild() does under the mutex.  The chain is kept in rank order
 * for IPv4 packets, newest first within a rank (wild_class, pcb_hash.c),
 * so an IPv4 packet stops at its first match; an IPv6 packet scans the
 * whole chain, where dual-stack PCBs are out of its rank order.
 */
static struct inp_pcb *rcu_wild(struct inp_pcbinfo *info, int af,
                                const union inp_addr *la, uint16_t lport,
                                int *rankp, bool *jailedp)
{
	struct inp_pcb *p, *best = NULL;
	int rank, best_rank = 6;
	bool jailed = false;

	for (p = atomic_load_explicit(
	         &info->wild.heads[pcb_hash_port(info, lport)].first,
	         memory_order_acquire);
	     p != NULL;
	     p = atomic_load_explicit(&p->wild_next, memory_order_acquire)) {
		rank = rcu_wild_rank(p, af, la, lport, &jailed);
		if (rank == 0 || rank > best_rank)
			continue;
		if (rank == best_rank && p->wild_seq < best->wild_seq)
			continue;
		best = p;
		best_rank = rank;
		*jailedp = jailed;
		if (rank == 1 || af == AF_INET)
			break;
	}
	*rankp = best_rank;
	return best;
}

/*
 * Whether no move (pcb_move_begin/end) overlapped the walk that started
 * when move_seq read seq.  A hit in the exact chain needs no such check
 * (a 4-tuple is in the table at most once, inv. 15, and the lock
 * re-checks it), nor does an LB member (re-checked likewise); a miss and
 * a wild match do: a PCB in the middle of a move is in neither chain, and
 * a reader standing on it can be carried past better candidates.
 */
static inline bool moves_quiet(struct inp_pcbinfo *info, uint64_t seq)
{
	RCU_GLUE_FENCE_ACQ();
	return !(seq & 1) &&
	       atomic_load_explicit(&info->move_seq,
	                            RCU_GLUE_SEQ_ORDER) == seq;
}

static inline bool needs_quiet(const struct inp_pcb *p, enum cand_kind kind)
{
	return p == NULL || kind == CAND_WILD || kind == CAND_WILD_JAILED;
}

/* ---- RC-18 -------------------------------------------------------- */

enum smr_res { SMR_LOCKED, SMR_FAILED, SMR_DEFERRED };

/*
 * Inside the section: try the lock.  SMR_LOCKED: held and not dead.
 * SMR_FAILED: dead or already reclaimable (refcount 0).  SMR_DEFERRED:
 * someone holds it; we took a reference (RC-2) and must block on the
 * lock after leaving the section (smr_lock_wait).
 */
static inline enum smr_res smr_try(const struct inp_pcbinfo *info,
                                   struct inp_pcb *p, bool wlock)
{
	if (pcb_lock_dead(&p->lock))
		return SMR_FAILED;
	if (wlock ? pcb_trywlock(p) : pcb_tryrlock_in(info, p)) {
		/* Stable now: LK_DEAD is written under the write lock. */
		if (!pcb_lock_dead(&p->lock))
			return SMR_LOCKED;
		pcb_unlock(p);
		return SMR_FAILED;
	}
	return pcb_ref_if_alive(p) ? SMR_DEFERRED : SMR_FAILED;
}

/*
 * Outside the section, holding the reference smr_try (or the serialised
 * lookup) took: block on the lock, release the reference ("gone": the
 * PCB was freed meanwhile, RC-6), refuse a dropped PCB (RC-14).  0 when
 * locked, -ENOENT when gone or dropped, -EAGAIN when it gave up.
 *
 * holding: the caller (a burst) already holds other PCB locks.  A reader
 * then waits only for a writer that holds this lock, never behind a
 * waiting writer (which could be waiting for one of ours); a writer waits
 * only so long, then drops its reference and gives up, because another
 * burst could hold this one and wait for one of ours.  Nothing else in
 * the library holds a PCB write lock while waiting for another PCB's
 * lock, so a waiting reader cannot close a cycle.
 */
static int smr_lock_wait(struct inp_pcb *p, bool wlock, bool holding)
{
	if (!wlock) {
		if (!pcb_tryrlock(p))
			pcb_lock_rd_slow(&p->lock, holding);
	} else if (!holding) {
		pcb_wlock(p);
	} else if (!pcb_wlock_timed(p, 4096)) {
		pcb_rele_unlocked(p);
		return -EAGAIN;
	}
	if (pcb_rele_rlocked(p))
		return -ENOENT;                /* freed meanwhile (RC-6) */
	if (pcb_lock_dead(&p->lock)) {
		pcb_unlock(p);                 /* dropped (RC-14) */
		return -ENOENT;
	}
	return 0;
}

/* Is p already held by this burst (held_out[0..n))? */
static bool burst_holds(struct inp_pcb *const *held_out, unsigned n,
                        const struct inp_pcb *p)
{
	while (n-- > 0)
		if (held_out[n] == p)
			return true;
	return false;
}

/*
 * p is already held by this burst and we hold a reference on it (or, ref
 * false, found it under the hash mutex): a read-locked burst takes a
 * second read hold (pcb_lock.h), a write-locked one cannot (-EDEADLK).
 */
static int burst_again(struct inp_pcb *p, bool wlock, bool ref)
{
	if (wlock) {
		if (ref)
			pcb_rele_unlocked(p);
		return -EDEADLK;
	}
	pcb_rlock_again(p);
	if (ref)
		(void)pcb_rele_rlocked(p);     /* never the last: it is held */
	return 0;
}

/* LK-13: does the locked PCB still answer the packet the way it was found? */
static bool recheck(const struct inp_pcb *p, enum cand_kind kind, int af,
                    const union inp_addr *fa, uint16_t fport,
                    const union inp_addr *la, uint16_t lport, int rank)
{
	bool jailed = kind == CAND_LB_JAILED || kind == CAND_WILD_JAILED;

	/*
	 * An exact hit reads the first cache line only: a connected PCB
	 * leaves the exact chain by drop or free (LK_DEAD, refused by the
	 * lock step) or by a disconnect, which changes the tuple; lk_vflag
	 * is written under the PCB write lock too (pcb_hash.c).
	 */
	if (kind == CAND_EXACT)
		return (p->lk_vflag & view_vflag(af)) && pcb_has_faddr(p) &&
		       p->lport == lport && p->fport == fport &&
		       view_addr_eq(&p->faddr, fa, af) &&
		       view_addr_eq(&p->laddr, la, af);
	if (!(p->flags & INP_F_INHASHLIST))
		return false;
	switch (kind) {
	case CAND_LB:
	case CAND_LB_JAILED:
		return lbgroup_member_ok(p, af, la, lport, jailed);
	default:
		/* The rank under the lock, J3 included, must be the one seen. */
		return pcb_wild_rank(p, af, la, lport) == rank;
	}
}

/*
 * RC-18 for one candidate found in the section, leaving the section
 * (FreeBSD's inp_smr_lock leaves it too): 0 when p is locked and not
 * dead, -EAGAIN otherwise (nothing held).
 */
static int smr_lock_leave(const struct inp_pcbinfo *info, struct inp_pcb *p,
                          bool wlock)
{
	switch (smr_try(info, p, wlock)) {
	case SMR_LOCKED:
		rcu_glue_read_unlock();
		return 0;
	case SMR_DEFERRED:
		rcu_glue_read_unlock();
		return smr_lock_wait(p, wlock, false) != 0 ? -EAGAIN : 0;
	default:
		rcu_glue_read_unlock();
		return -EAGAIN;
	}
}

/*
 * The end of a lockless lookup: lock the candidate found in the section
 * (leaving it) and make sure it still answers the packet (LK-13).  0 and
 * *out locked; -EAGAIN: ask the serialised lookup.
 */
static int lock_current(const struct inp_pcbinfo *info, struct inp_pcb *p,
                        enum cand_kind kind, int af,
                        const union inp_addr *fa, uint16_t fport,
                        const union inp_addr *la, uint16_t lport, int rank,
                        bool wlock, struct inp_pcb **out)
{
	if (smr_lock_leave(info, p, wlock) != 0)
		return -EAGAIN;
	if (!recheck(p, kind, af, fa, fport, la, lport, rank)) {
		pcb_unlock(p);
		return -EAGAIN;
	}
	*out = p;
	return 0;
}

/*
 * An exact lookup in one chain (a connection group's, pcbgroup.c):
 * entered inside a read-side section, which it leaves.  The walk, lock
 * step and re-check of pcb_lookup_lockless; a miss is not final for the
 * caller (a group may miss a PCB that is moving, PG-14).
 */
int pcb_lookup_exact_in(const struct inp_pcbinfo *info,
                        struct inp_pcb *_Atomic *head, size_t next_off,
                        int af, const union inp_addr *fa, uint16_t fport,
                        const union inp_addr *la, uint16_t lport,
                        bool wlock, struct inp_pcb **out)
{
	struct inp_pcb *p;

	p = rcu_exact_walk(atomic_load_explicit(head, memory_order_acquire),
	                   next_off, af, fa, fport, la, lport);
	if (p == NULL) {
		rcu_glue_read_unlock();
		return -ENOENT;
	}
	return lock_current(info, p, CAND_EXACT, af, fa, fport, la, lport, 0,
	                    wlock, out);
}

/*
 * The lockless lookup of one packet.  Enters and leaves the read-side
 * section.  0: *out locked and current; -ENOENT: no PCB matches;
 * -EAGAIN: ask the serialised lookup.
 */
int pcb_lookup_lockless(struct inp_pcbinfo *info, int af,
                        const union inp_addr *fa, uint16_t fport,
                        const union inp_addr *la, uint16_t lport,
                        bool wildcard, bool wlock, struct inp_pcb **out)
{
	enum cand_kind kind = CAND_EXACT;
	struct inp_pcb *p;
	bool jailed = false;
	uint64_t seq;
	int rank = 0;

	rcu_glue_read_lock();
	seq = atomic_load_explicit(&info->move_seq, memory_order_acquire);
	p = rcu_exact_walk(atomic_load_explicit(
	                       &info->exact.heads[pcb_hash_exact(
	                           info, fa, lport, fport)].first,
	                       memory_order_acquire),
	                   offsetof(struct inp_pcb, exact_next),
	                   af, fa, fport, la, lport);
	if (p == NULL && wildcard) {
		p = lbgroup_lookup_rcu(info, af, fa, fport, la, lport, &jailed);
		if (p != NULL) {
			kind = jailed ? CAND_LB_JAILED : CAND_LB;
		} else {
			p = rcu_wild(info, af, la, lport, &rank, &jailed);
			kind = jailed ? CAND_WILD_JAILED : CAND_WILD;
		}
	}
	if (needs_quiet(p, kind) && !moves_quiet(info, seq)) {
		rcu_glue_read_unlock();
		return -EAGAIN;
	}
	if (p == NULL) {
		rcu_glue_read_unlock();
		return -ENOENT;
	}
	return lock_current(info, p, kind, af, fa, fport, la, lport, rank,
	                    wlock, out);
}

/*
 * The serialised lookup (LK-9 under the hash mutex, the fallback of
 * LK-13): search with the mutex held, take a reference, drop the mutex,
 * lock the PCB and release the reference.  held_out/nheld: PCBs the
 * caller (a burst) already holds, held: how many locks it holds (both 0
 * for a single lookup).  Needs no RCU: everything it touches is reached
 * under the mutex or through its reference.
 */
#define SERIAL_MOVED_ROUNDS 3   /* then a moving PCB is returned (2011) */
#define SERIAL_LOST_ROUNDS 16   /* then "not found" (2011) */

int pcb_lookup_serial(struct inp_pcbinfo *info, int af,
                      const union inp_addr *fa, uint16_t fport,
                      const union inp_addr *la, uint16_t lport,
                      bool wildcard, bool wlock,
                      struct inp_pcb *const *held_out, unsigned nheld,
                      unsigned held, struct inp_explain *why,
                      struct inp_pcb **out)
{
	unsigned moved = 0, lost = 0;
	struct inp_pcb *p, *again;
	int rc;

	for (;;) {
		hash_rlock(info);
		p = pcb_lookup_hash(info, af, fa, fport, la, lport, wildcard,
		                    moved + lost == 0 ? why : NULL);
		if (p == NULL) {
			hash_unlock(info);
			if (lost > 0)
				explain(why, "RC-6", "the PCB found was freed "
				        "or dropped while the lookup waited for "
				        "its lock, and nothing else matches now");
			return -ENOENT;
		}
		if (held_out != NULL && burst_holds(held_out, nheld, p)) {
			hash_unlock(info);
			rc = burst_again(p, wlock, false);
			if (rc == 0)
				*out = p;
			return rc;
		}
		/* LK-9: locked under the mutex, it cannot have moved. */
		if (wlock ? pcb_trywlock(p) : pcb_tryrlock_in(info, p)) {
			hash_unlock(info);
			*out = p;
			return 0;
		}
		pcb_ref(p);            /* RC-1: hashed, the mutex held */
		hash_unlock(info);
		rc = smr_lock_wait(p, wlock, held != 0);
		/*
		 * LK-13 [modern]: a PCB freed or dropped while we waited is
		 * not an answer (the 2011 lookup said "not found" although
		 * another PCB, an lbgroup's next member, may match): search
		 * again.  Each round lost a PCB to a close that already held
		 * it when we searched, so only a storm of closes exhausts
		 * the rounds.
		 */
		if (rc == -ENOENT && lost++ < SERIAL_LOST_ROUNDS)
			continue;
		if (rc != 0) {
			explain(why, "RC-6", "the PCB found was freed or "
			        "dropped while the lookup waited for its lock");
			return rc;
		}
		/*
		 * RC-15 [modern]: the PCB may have moved while we waited for
		 * its lock.  Holding it, the mutex may be taken (LK-4 order):
		 * the same search must give the same PCB, or we start again.
		 * After a few rounds of a PCB that keeps moving, it is
		 * returned as the 2011 lookup would have.
		 */
		if (moved++ == SERIAL_MOVED_ROUNDS)
			break;
		hash_rlock(info);
		again = pcb_lookup_hash(info, af, fa, fport, la, lport,
		                        wildcard, NULL);
		hash_unlock(info);
		if (again == p)
			break;
		pcb_unlock(p);
	}
	*out = p;
	return 0;
}

/* ---- the burst -------------------------------------------------------- */

struct burst_ent {
	union inp_addr fa, la;
	uint16_t fport, lport;
	int af;
	int rc;                 /* 1: still to do */
	uint32_t bucket;
	struct inp_pcb *first; /* head of the exact chain */
	struct inp_pcb *p;
	enum cand_kind kind;
	int rank;
	bool deferred;
};

/* A key in PCB form (pcb_addr_from_sa's rules); -EINVAL/-EAFNOSUPPORT. */
static int burst_key(const struct inp_pkt_key *k, struct burst_ent *e)
{
	memset(&e->fa, 0, sizeof(e->fa));
	memset(&e->la, 0, sizeof(e->la));
	e->fport = k->sport;
	e->lport = k->dport;
	e->af = k->family;
	if (k->family == AF_INET) {
		IA4(e->fa) = k->saddr.v4;
		IA4(e->la) = k->daddr.v4;
		return 0;
	}
	if (k->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (k->zone > IN6_ZONE_MAX)
		return -EINVAL;
	e->fa.a6 = k->saddr.v6;
	e->la.a6 = k->daddr.v6;
	if (in6_is_scoped(&e->fa.a6))
		in6_embed_zone(&e->fa.a6, k->zone);
	if (in6_is_scoped(&e->la.a6))
		in6_embed_zone(&e->la.a6, k->zone);
	return 0;
}

/* The candidate of e, in the section (see pcb_lookup_lockless). */
static void burst_find(struct inp_pcbinfo *info, struct burst_ent *e,
                       bool wildcard)
{
	bool jailed = false;

	e->kind = CAND_EXACT;
	e->p = rcu_exact_walk(e->first, offsetof(struct inp_pcb, exact_next),
	                      e->af, &e->fa, e->fport, &e->la, e->lport);
	if (e->p != NULL || !wildcard)
		return;
	e->p = lbgroup_lookup_rcu(info, e->af, &e->fa, e->fport, &e->la,
	                          e->lport, &jailed);
	if (e->p != NULL) {
		e->kind = jailed ? CAND_LB_JAILED : CAND_LB;
		return;
	}
	e->p = rcu_wild(info, e->af, &e->la, e->lport, &e->rank, &jailed);
	e->kind = jailed ? CAND_WILD_JAILED : CAND_WILD;
}

/*
 * One group of at most INP_LOOKUP_BURST_MAX keys.  *held counts the PCB
 * locks this burst holds so far (for smr_lock_wait's rules).
 */
static unsigned burst_group(struct inp_pcbinfo *info,
                            const struct inp_pkt_key *keys, unsigned n,
                            bool wildcard, bool wlock, struct inp_pcb **out,
                            int *results, unsigned base, unsigned *held,
                            struct inp_pcb **all_out)
{
	struct burst_ent e[INP_LOOKUP_BURST_MAX];
	bool lockless = rcu_glue_reader_ok();
	unsigned i, found = 0;
	uint64_t seq;
	int rc;

	/*
	 * all_out[0, base + n) is every entry of this burst so far: earlier
	 * groups, and this group's, which are NULL until found.
	 */
	/* 1. hash every key, prefetch its bucket */
	for (i = 0; i < n; i++) {
		out[i] = NULL;
		e[i].rc = burst_key(&keys[i], &e[i]);
		if (e[i].rc != 0)
			continue;
		e[i].rc = 1;
		e[i].deferred = false;
		e[i].bucket = pcb_hash_exact(info, &e[i].fa, e[i].lport,
		                             e[i].fport);
		__builtin_prefetch(&info->exact.heads[e[i].bucket]);
	}
	if (lockless) {
		rcu_glue_read_lock();
		seq = atomic_load_explicit(&info->move_seq,
		                           memory_order_acquire);
		/* 2. read the heads, prefetch the first PCBs */
		for (i = 0; i < n; i++) {
			if (e[i].rc != 1)
				continue;
			e[i].first = atomic_load_explicit(
			    &info->exact.heads[e[i].bucket].first,
			    memory_order_acquire);
			if (e[i].first != NULL)
				__builtin_prefetch(e[i].first);
		}
		/*
		 * 2b. where the first PCB is not the one, prefetch the next:
		 * at one PCB per bucket on average a third of the hits are
		 * second in their chain, and that miss would otherwise be
		 * taken alone in step 3.
		 */
		for (i = 0; i < n; i++) {
			struct burst_ent *x = &e[i];
			struct inp_pcb *next;

			if (x->rc != 1 || x->first == NULL ||
			    rcu_exact_match(x->first, x->af, &x->fa, x->fport,
			                    &x->la, x->lport))
				continue;
			next = atomic_load_explicit(&x->first->exact_next,
			                            memory_order_acquire);
			if (next != NULL)
				__builtin_prefetch(next);
		}
		/* 3. walk, try-lock and re-check inside the section */
		for (i = 0; i < n; i++) {
			struct burst_ent *x = &e[i];

			if (x->rc != 1)
				continue;
			burst_find(info, x, wildcard);
			if (needs_quiet(x->p, x->kind) &&
			    !moves_quiet(info, seq))
				continue;              /* serialised, below */
			if (x->p == NULL) {
				x->rc = -ENOENT;
				continue;
			}
			switch (smr_try(info, x->p, wlock)) {
			case SMR_LOCKED:
				break;
			case SMR_DEFERRED:
				/* A read lock of ours never fails a try-lock
				 * but behind a waiting writer; a write lock
				 * of ours always does. */
				if (burst_holds(all_out, base + n, x->p)) {
					x->rc = burst_again(x->p, wlock, true);
					if (x->rc != 0)
						continue;
					x->rc = 1;
					break;
				}
				x->deferred = true;
				continue;
			default:
				continue;      /* serialised, below */
			}
			(*held)++;
			if (recheck(x->p, x->kind, x->af, &x->fa, x->fport,
			            &x->la, x->lport, x->rank)) {
				out[i] = x->p;
				x->rc = 0;
			} else {
				pcb_unlock(x->p);
				(*held)--;
			}
		}
		rcu_glue_read_unlock();
		/* 4. the deferred locks, outside the section */
		for (i = 0; i < n; i++) {
			struct burst_ent *x = &e[i];

			if (x->rc != 1 || !x->deferred)
				continue;
			if (burst_holds(all_out, base + n, x->p)) {
				x->rc = burst_again(x->p, wlock, true);
				if (x->rc != 0)
					continue;
				x->rc = 1;
			} else if ((rc = smr_lock_wait(x->p, wlock,
			                               *held != 0)) != 0) {
				if (rc == -EAGAIN && wlock && *held != 0)
					x->rc = -EAGAIN;
				continue;      /* else serialised, below */
			}
			(*held)++;
			if (recheck(x->p, x->kind, x->af, &x->fa, x->fport,
			            &x->la, x->lport, x->rank)) {
				out[i] = x->p;
				x->rc = 0;
			} else {
				pcb_unlock(x->p);
				(*held)--;
			}
		}
	}
	/* 5. whatever is left: the serialised lookup */
	for (i = 0; i < n; i++) {
		struct burst_ent *x = &e[i];

		if (x->rc == 1) {
			rc = pcb_lookup_serial(info, x->af, &x->fa, x->fport,
			                       &x->la, x->lport, wildcard, wlock,
			                       all_out, base + n, *held, NULL,
			                       &out[i]);
			x->rc = rc;
			if (rc == 0)
				(*held)++;
		}
		if (x->rc == 0)
			found++;
		if (results != NULL)
			results[i] = x->rc;
	}
	return found;
}

int inp_pcb_lookup_burst(struct inp_vnet *vnet, enum inp_proto proto,
                         const struct inp_pkt_key *keys, unsigned n,
                         unsigned flags, struct inp_pcb **out, int *results)
{
	bool rlock = flags & INP_LOOKUP_RLOCKPCB;
	bool wlock = flags & INP_LOOKUP_WLOCKPCB;
	struct inp_pcbinfo *info;
	unsigned i, m, held = 0, found = 0;

	if (vnet == NULL || (n != 0 && (keys == NULL || out == NULL)))
		return -EINVAL;
	if ((flags & ~(INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB |
	               INP_LOOKUP_WLOCKPCB)) != 0 || rlock == wlock)
		return -EINVAL;                /* LK-7 */
	if (proto != INP_PROTO_UDP && proto != INP_PROTO_TCP)
		return -EINVAL;
	info = vnet->pcbinfo[proto];
	for (i = 0; i < n; i += m) {
		m = n - i < INP_LOOKUP_BURST_MAX ? n - i : INP_LOOKUP_BURST_MAX;
		if (info == NULL) {
			unsigned j;

			for (j = 0; j < m; j++) {
				out[i + j] = NULL;
				if (results != NULL)
					results[i + j] = -ENOENT;
			}
			continue;
		}
		found += burst_group(info, keys + i, m,
		                     (flags & INP_LOOKUP_WILDCARD) != 0, wlock,
		                     out + i, results != NULL ? results + i
		                                              : NULL,
		                     i, &held, out);
	}
	return (int)found;
}
