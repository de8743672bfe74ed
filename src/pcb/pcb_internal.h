/*
 * pcb_internal.h - the PCB, the per-protocol table (pcbinfo) and the
 * internal functions of the PCB layer.  FreeBSD names are given where a
 * function does the job of a kernel function so that readers can compare.
 *
 * Locking (spec LK-4, LK-12, design.md):
 *   PCB lock (pcb_lock.h)  ->  info->hash_lock (mutex)  ->  vnet cfg_lock
 *   PCB lock  ->  info->list_lock (allocation, free, full walks only)
 * Writing a PCB's 4-tuple or table membership needs the PCB write lock
 * and the hash mutex.  Lookups take no table lock: they walk the exact
 * and wild chains and the LB groups inside an RCU read-side section
 * (src/base/rcu.h), lock the PCB with RC-18 and re-check it (LK-13);
 * anything doubtful falls back to the serialised lookup under the hash
 * mutex.  Everything a lockless reader reads is written with atomic
 * stores (PCB_STORE / chain links), and reclaimed only through call_rcu.
 */
#ifndef INPCB_PCB_INTERNAL_H
#define INPCB_PCB_INTERNAL_H

#include "jail/jail_internal.h"
#include "base/rcu.h"
#include "pcb/pcb_lock.h"
#include "pcb/pcb_rbias.h"

/*
 * An address as the PCB stores it: IPv6 bits, with an IPv4 address in the
 * last four bytes and the first twelve zero (FreeBSD's in_addr_4in6), so
 * that 0.0.0.0 and :: are both all-zero.  A scoped IPv6 address carries
 * its zone in bytes 2-3 (in6_embed_zone(), base.h), so fe80::1%em0 and
 * fe80::1%em1 are different values for every comparison, hash and table
 * of this layer.  Every path from a sockaddr_in6 into a PCB address embeds
 * the zone, every path out clears it into sin6_scope_id.
 */
union inp_addr {
	struct in6_addr a6;
	struct {
		uint32_t pad[3];
		struct in_addr a4;
	} s4;
};
#define IA4(ua) ((ua).s4.a4)
#define IA6(ua) ((ua).a6)
static inline bool inp_addr_is_any(const union inp_addr *a)
{
	return in6_is_any(&a->a6);
}

/* Internal flags (inp->flags), public ones come from <inpcb/pcb.h>. */
#define INP_RECVDSTADDR  0x00000004
#define INP_HIGHPORT     0x00000010
#define INP_LOWPORT      0x00000020
/*      INP_F_ANONPORT   0x00000040 */
#define INP_RECVIF       0x00000080
#define INP_RECVTTL      0x00000400
/*      INP_F_BINDANY    0x00001000 */
/*      INP_F_INHASHLIST 0x00002000 */
#define INP_RECVTOS      0x00004000
/*      INP_F_V6ONLY     0x00008000 */
#define INP_LISTEN       0x00100000 /* TCP listen() done */
#define INP_CONNECTED    0x00200000 /* has a foreign address */
/*      INP_F_TIMEWAIT   0x01000000 */
/*      INP_F_DROPPED    0x04000000 */
/*      INP_F_FREED      0x80000000 */

/* flags2: the cached socket options of spec 1.3 and group membership. */
#define INP_REUSEPORT    0x00000008
#define INP_REUSEADDR    0x00000020
#define INP_REUSEPORT_LB 0x00002000
#define INP_INLBGROUP    0x01000000

/* Multicast memberships (IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP). */
struct inp_mship {
	struct inp_mship *next;
	int family;
	union inp_addr group;
	unsigned ifindex;
};

struct inp_moptions {
	struct inp_ifnet *ifp;          /* IP_MULTICAST_IF interface */
	unsigned ifindex6;              /* IPV6_MULTICAST_IF */
	uint8_t ttl;                    /* IP_MULTICAST_TTL, default 1 */
	bool loop;                      /* IP_MULTICAST_LOOP, default 1 */
	struct inp_mship *memberships;
};

/*
 * The PCB.  The first cache line holds everything an exact lookup reads
 * and writes: the chain link, the 4-tuple, the lock word (with the
 * dropped/freed mark), the family flags as the tables know them and the
 * user pointer the caller reads next; struct inp_pcb is allocated on a
 * cache-line boundary (pcb_alloc.c).  A wild lookup also reads wild_next
 * and the rank fields of the second line.
 *
 * Fields a lockless reader reads (exact_next, wild_next, laddr, faddr,
 * lport, fport, lk_vflag, lk_bits) are written with atomic stores while
 * the PCB is hashed and read with atomic loads by readers; a reader may
 * see a torn address mid-rehash, which is why every lockless hit is
 * re-checked under the PCB lock (LK-13).
 */
struct inp_pcb {
	/* ---- line 0: the exact lookup ---- */
	struct inp_pcb *_Atomic exact_next;      /* exact chain (RCU) */
	union inp_addr faddr;
	union inp_addr laddr;
	uint16_t lport, fport;          /* network order */
	pcb_lock_t lock;                /* pcb_lock.h */
	uint8_t lk_vflag;               /* vflag as hashed (pcb_hash.c) */
	uint8_t lk_bits;                /* PCB_LK_* as hashed; set at alloc */
	/*
	 * Filling the line's hole: set at alloc (proto, family) or written
	 * only when the PCB is hashed, unhashed or moved between groups,
	 * never per packet, so lookups reading the line do not suffer.
	 */
	uint8_t proto;                  /* enum inp_proto */
	uint8_t family;                 /* the socket's: AF_INET or AF_INET6 */
	uint8_t occ_bits;               /* PCB_OCC_*: how occ records it */
	bool grp_bypkt;                 /* placed by a packet's hash (PG-13) */
	uint16_t grp;                   /* 1 + group index; 0: in none */
	void *udata;

	/* ---- line 1: the wild lookup, references, state ---- */
	struct inp_pcb *_Atomic wild_next;       /* wild chain (RCU) */
	uint64_t wild_seq;      /* wild-chain insertion order: 5.4 ties */
	_Atomic unsigned refcount;
	unsigned flags;                 /* INP_F_* and internal bits above */
	unsigned flags2;                /* INP_REUSE*, INP_INLBGROUP */
	unsigned vflag;                 /* INP_V_* (the socket layer's) */
	struct inp_pcbinfo *info;
	struct inp_sock *socket;        /* NULL once detached */
	struct inp_cred *cred;          /* held from alloc to last release */

	/* ---- colder ---- */
	uint64_t gencnt;
	struct port_node *occ;          /* port_index.c node, or NULL */
	/* writers only (hash mutex): O(1) unlinking, the port index */
	struct inp_pcb *_Atomic *exact_pprev, *_Atomic *wild_pprev;
	struct inp_pcb *port_next, **port_pprev;
	/*
	 * LC-10: when this PCB last left the exact / wild chain (a value
	 * of info->unlink_seq, 0: never or already waited for).  Re-entering
	 * a chain whose link field a reader may still be following waits
	 * for a grace period first (pcb_hash.c).
	 */
	uint64_t exact_gone, wild_gone;
	/*
	 * info->list (list_lock) while listed; once off the list (in_pcbfree)
	 * the links are dead, and the deferred reclamation (RC-12) reuses
	 * their memory: only list walks under list_lock read them.
	 */
	union {
		struct {
			struct inp_pcb *list_next, *list_prev;
		};
		struct rcu_head rcu;
	};
	/*
	 * Connection groups (pcbgroup.c, spec 4): the chain of the one group
	 * a connected PCB is in (PG-10), read by lockless group lookups;
	 * grp, grp_pprev and the links change under that group's lock and
	 * this PCB's write lock.
	 */
	struct inp_pcb *_Atomic grp_next;
	struct inp_pcb *_Atomic *grp_pprev;

	/* IP options */
	uint8_t ip_tos, ip_ttl, ip_minttl;
	struct inp_moptions *moptions;  /* NULL until a multicast option */

	/* TIME_WAIT */
	uint64_t tw_expire_ns;

	void *mac_label;
	char *label;                    /* NULL: none (pcb_set_label) */
};

/* occ_bits: the maps of the occupancy index that hold p's port. */
#define PCB_OCC_V4      0x01    /* local(laddr) and all, IPv4 view */
#define PCB_OCC_V6      0x02    /* local(laddr) and all, IPv6 view */
#define PCB_OCC_DEST    0x04    /* its destination's map */

/* lk_bits: what a lockless wild lookup needs instead of the credential. */
#define PCB_LK_JAILED4  0x01    /* prison_restricts(cred, AF_INET) */
#define PCB_LK_JAILED6  0x02    /* prison_restricts(cred, AF_INET6) */

/* 5.2: is the PCB's credential jailed for family af (cached at alloc)? */
static inline bool pcb_jailed(const struct inp_pcb *p, int af)
{
	return (p->lk_bits & (af == AF_INET ? PCB_LK_JAILED4
	                                    : PCB_LK_JAILED6)) != 0;
}

/*
 * Atomic access to the fields lockless readers share with writers.  The
 * builtins work on the plain fields, so locked code elsewhere can keep
 * reading them as before; every store while hashed goes through these.
 */
#define PCB_LOAD(x)     __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define PCB_STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static inline void pcb_addr_load(union inp_addr *dst, const union inp_addr *src)
{
	const uint32_t *s = (const uint32_t *)src;
	uint32_t *d = (uint32_t *)dst;

	d[0] = __atomic_load_n(&s[0], __ATOMIC_RELAXED);
	d[1] = __atomic_load_n(&s[1], __ATOMIC_RELAXED);
	d[2] = __atomic_load_n(&s[2], __ATOMIC_RELAXED);
	d[3] = __atomic_load_n(&s[3], __ATOMIC_RELAXED);
}

static inline void pcb_addr_store(union inp_addr *dst, const union inp_addr *src)
{
	const uint32_t *s = (const uint32_t *)src;
	uint32_t *d = (uint32_t *)dst;

	__atomic_store_n(&d[0], s[0], __ATOMIC_RELAXED);
	__atomic_store_n(&d[1], s[1], __ATOMIC_RELAXED);
	__atomic_store_n(&d[2], s[2], __ATOMIC_RELAXED);
	__atomic_store_n(&d[3], s[3], __ATOMIC_RELAXED);
}

/* A chain head: an RCU-published pointer (exact, wild) or plain (port). */
struct pcbhead {
	struct inp_pcb *_Atomic first;
};

struct pcbhash {
	struct pcbhead *heads;
	uint32_t mask;                  /* bucket count - 1 */
};

struct inp_lbgroup;
struct port_index;

/* Ephemeral allocator counters (pcb_port.c), relaxed atomics. */
struct port_counters {
	_Atomic uint64_t allocs, failures, tested, skipped;
	_Atomic uint64_t rss_aligned, rss_fallback;
};

/* A table's PCB memory (pcb_zone.c); every field under lock. */
struct pcb_zone {
	pthread_mutex_t lock;
	size_t item_size;
	void *free;                     /* returned items, newest first */
	char *carve, *carve_end;        /* the unused rest of the newest slab */
	struct zone_slab *slabs;
};

void pcb_zone_init(struct pcb_zone *z, size_t item_size);
void *pcb_zone_alloc(struct pcb_zone *z);       /* NULL: out of memory */
void pcb_zone_free(struct pcb_zone *z, void *item);
void pcb_zone_destroy(struct pcb_zone *z);      /* all items returned */

/*
 * The fields are grouped by who writes them, each group on cache lines of
 * its own: a lookup reads the first group on every packet, and a writer
 * connecting and closing at full speed on another CPU must not take those
 * lines away from it with every lock, counter or cursor it touches (that
 * false sharing cost readers half their rate under churn).
 */
struct inp_pcbinfo {
	/* ---- read by every lookup, set up once ---- */
	struct pcbhash exact;           /* faddr, lport, fport */
	struct pcbhash wild;            /* lport; chains kept ranked (5.4) */
	struct pcbhash porthash;        /* lport: every hashed PCB */
	struct inp_lbgroup *_Atomic *lbgroups;  /* by lport, porthash.mask */
	uint32_t seed;
	enum inp_proto proto;
	struct inp_vnet *vnet;
	/* Reader rows of read-biased PCB locks; NULL: no bias (pcb_rbias.h). */
	struct rbias_table *rbias;
	/*
	 * Connection groups (pcbgroup.c), NULL while the vnet's option is
	 * off.  Replaced only under hash_lock while the table is empty; the
	 * old one goes after a grace period (lookups read it in a section).
	 */
	struct pcbgroups *_Atomic groups;

	/*
	 * Moves (a hashed PCB's 4-tuple changes and it changes chains:
	 * connect, C11 disconnect) are not atomic for lockless readers,
	 * which could see the PCB in neither chain, or be carried with it.
	 * move_seq is odd while one is under way (a seqcount); a lockless
	 * lookup whose answer depends on not having missed anything (a miss,
	 * a wild match) checks it and asks the serialised lookup when a
	 * move overlapped.  Its own line: only moves write it.
	 */
	_Alignas(64) _Atomic uint64_t move_seq;

	/*
	 * Writers (bind, connect, disconnect, drop, free) and the serialised
	 * lookup; lookups proper take no table lock (LK-12).
	 */
	_Alignas(64) pthread_mutex_t hash_lock;
	unsigned move_depth;            /* move nesting, hash mutex held */
	uint16_t cursor_def, cursor_high, cursor_low;   /* P3 */
	struct port_index *pidx;        /* port_index.c (hash_lock), lazy */
	struct port_counters portstat;
	uint64_t wild_seq;              /* last wild insertion (hash_lock) */
	/* LC-10 grace-period bookkeeping (pcb_hash.c) */
	_Atomic uint64_t unlink_seq;    /* last chain removal */
	_Atomic uint64_t gp_covered;    /* removals up to here are old news */

	/* ---- allocation, free and full walks ---- */
	_Alignas(64) pthread_mutex_t list_lock;
	struct inp_pcb *list;           /* newest first (LC-27) */
	unsigned count;
	uint64_t gencnt;
	/*
	 * PCBs off the list whose in_pcbfree has not returned yet: they
	 * still use this table (unhash, MAC hooks), so it must not go
	 * (pcbinfo_busy).  Raised under list_lock with the unlink.
	 */
	_Atomic unsigned freeing;

	_Alignas(64) struct pcb_zone zone;      /* where its PCBs live */
};

/*
 * Lock helpers.  The PCB lock is pcb_lock.h's; the hash lock is a mutex
 * (LK-12): hash_rlock and hash_wlock are the same operation, both names
 * kept for the callers that say which access they mean.  Under QSBR a
 * thread that has to wait for the mutex goes offline meanwhile (rcu.h).
 */
/*
 * PCB lock calls: the word (pcb_lock.h) plus read bias (pcb_rbias.h).
 * A read hold goes through the thread's row when the word is biased; a
 * write lock that took the bias away waits for the biased readers; an
 * unlock first looks for a biased hold of the calling thread.
 */
static inline bool pcb_rbiased(const struct inp_pcb *p)
{
	return (atomic_load_explicit(&p->lock, memory_order_relaxed) &
	        LK_BIAS) != 0;
}
static inline void pcb_rlock(struct inp_pcb *p)
{
	if (!pcb_rbiased(p) || !rbias_enter(p->info->rbias, p))
		pcb_lock_rd(&p->lock);
}
static inline bool pcb_tryrlock(struct inp_pcb *p)
{
	return (pcb_rbiased(p) && rbias_enter(p->info->rbias, p)) ||
	       pcb_lock_tryrd(&p->lock);
}
/* The same, for a lookup that knows p's table (no read of p->info). */
static inline bool pcb_tryrlock_in(const struct inp_pcbinfo *info,
                                   struct inp_pcb *p)
{
	return (pcb_rbiased(p) && rbias_enter(info->rbias, p)) ||
	       pcb_lock_tryrd(&p->lock);
}
/* A second read hold by a thread that holds one (never waits). */
static inline void pcb_rlock_again(struct inp_pcb *p)
{
	if (!rbias_again(p))
		pcb_lock_rd_again(&p->lock);
}
/*
 * Take p's read bias away, if it has one, waiting for its biased readers
 * without holding the lock (pcb_lock.h says why); spins 0: as long as
 * it takes, else give up after `spins` looks and put the bias back.
 */
static inline bool pcb_revoke_bias(struct inp_pcb *p, unsigned spins)
{
	if (!pcb_lock_take_bias(&p->lock))
		return true;
	if (spins == 0) {
		rbias_revoke(p->info->rbias, p);
	} else if (!rbias_revoke_bounded(p->info->rbias, p, spins)) {
		pcb_lock_end_revoke(&p->lock, true);
		return false;
	}
	pcb_lock_end_revoke(&p->lock, false);
	return true;
}
static inline void pcb_wlock(struct inp_pcb *p)
{
	while (!pcb_lock_wr(&p->lock))
		(void)pcb_revoke_bias(p, 0);
}
static inline bool pcb_trywlock(struct inp_pcb *p)
{
	return pcb_revoke_bias(p, 256) && pcb_lock_trywr(&p->lock);
}
/* A bounded wait for the write lock (a burst holding other locks). */
static inline bool pcb_wlock_timed(struct inp_pcb *p, unsigned spins)
{
	return pcb_revoke_bias(p, spins) && pcb_lock_wr_timed(&p->lock, spins);
}
static inline void pcb_unlock(struct inp_pcb *p)
{
	if (!rbias_exit(p))
		pcb_lock_unlock(&p->lock);
}
static inline void hash_wlock(struct inp_pcbinfo *i)
{
	bool offline;

	if (pthread_mutex_trylock(&i->hash_lock) == 0)
		return;
	offline = rcu_glue_block_begin();
	pthread_mutex_lock(&i->hash_lock);
	rcu_glue_block_end(offline);
}
static inline void hash_rlock(struct inp_pcbinfo *i) { hash_wlock(i); }
static inline void hash_unlock(struct inp_pcbinfo *i) { pthread_mutex_unlock(&i->hash_lock); }

static inline bool pcb_is_v4(const struct inp_pcb *p)
{
	/* IPv4 for port allocation and lookups (spec 1.4). */
	return (p->vflag & INP_V_IPV4) && !(p->vflag & INP_V_IPV6);
}
static inline bool pcb_has_faddr(const struct inp_pcb *p)
{
	return !inp_addr_is_any(&p->faddr);
}
static inline struct inp_vnet *pcb_vnet(const struct inp_pcb *p)
{
	return p->info->vnet;
}
/* The table a public statistics call names; NULL for bad input. */
static inline struct inp_pcbinfo *pcbinfo_of(const struct inp_vnet *vnet,
                                             enum inp_proto proto)
{
	if (vnet == NULL || (proto != INP_PROTO_UDP && proto != INP_PROTO_TCP))
		return NULL;
	return vnet->pcbinfo[proto];
}

/* "udp4 'a' 192.0.2.10:5000 uid 1001": for explanations. */
const char *pcb_describe(const struct inp_pcb *p, char *buf, size_t len);
/*
 * A PCB address of family af for messages: "192.0.2.10", "2001:db8::1",
 * "fe80::1%em1" (the zone by its interface's name, else its index).
 * Takes vnet->cfg_lock (a leaf) for the name.
 */
const char *pcb_fmt_addr(struct inp_vnet *vnet, int af,
                         const union inp_addr *a, char *buf, size_t len);

/* ---- walks of the global list (pcb_list.c) --------------------------- */

/*
 * Whether a walk wants p; runs under the list lock and may update fields
 * the list lock covers.
 */
typedef bool (*pcb_keep_fn)(struct inp_pcb *p, void *arg);

/*
 * The first half of every full walk (listings, TIME_WAIT expiry, UDP
 * fan-out): a reference on every PCB of info's list that keep accepts
 * (NULL: all), newest first (LC-27).  Only the list lock is held, and only
 * for this: pcb_free() takes it while holding a PCB write lock (LK-12), so
 * blocking on a PCB lock under it could deadlock; the references keep the
 * PCBs' memory until each is locked with pcb_lock_and_rele() (RC-1).
 *
 * The array is buf when the list fits in nbuf entries, else malloc'd (the
 * caller frees it when it is not buf); NULL when memory is short, with
 * nothing referenced.  *np gets the count and *gen0 (may be NULL) the
 * table's generation at the time of the snapshot.
 */
struct inp_pcb **pcb_list_snapshot(struct inp_pcbinfo *info, pcb_keep_fn keep,
                                   void *arg, struct inp_pcb **buf,
                                   unsigned nbuf, unsigned *np,
                                   uint64_t *gen0);

/* ---- lifecycle (pcb_alloc.c) ---------------------------------------- */

/* in_pcballoc: LC-1..LC-5; returns the PCB write-locked. */
int pcb_alloc(struct inp_pcbinfo *info, int family, struct inp_cred *cred,
              struct inp_sock *so, struct inp_pcb **out);
/* in_pcbdetach: LC-6 (write-locked). */
void pcb_detach(struct inp_pcb *p);
/* in_pcbdrop: LC-12 (write-locked). */
void pcb_drop(struct inp_pcb *p);
/* in_pcbfree: LC-20..LC-22 (write-locked, detached); unlocks. */
void pcb_free(struct inp_pcb *p);
/* Write lock held: a copy of label ("" for none); -ENOMEM keeps the old. */
int pcb_set_label(struct inp_pcb *p, const char *label);
void pcb_ref(struct inp_pcb *p);
/* RC-2: a reference unless the count is already 0 (RCU section held). */
bool pcb_ref_if_alive(struct inp_pcb *p);
/* Drop a reference without the lock (a lock we gave up waiting for). */
void pcb_rele_unlocked(struct inp_pcb *p);
/* Bytes one PCB takes from the allocator (tests, docs). */
size_t pcb_alloc_size(void);
bool pcb_rele_rlocked(struct inp_pcb *p);
bool pcb_rele_wlocked(struct inp_pcb *p);
/*
 * LK-9: lock p (wlock: for writing) and release the reference the caller
 * took to reach it without its lock (a lookup, a list snapshot).  false:
 * p was freed meanwhile and is gone (unlocked already, do not touch).
 * true: locked and not freed; the attachment reference keeps it while
 * the lock is held.
 */
bool pcb_lock_and_rele(struct inp_pcb *p, bool wlock);

/* ---- hash tables (pcb_hash.c); hash_lock held for writing ----------- */

/* in_pcbinshash: insert per 1.5 (joins an LB group per G1); -ENOBUFS. */
int pcb_insert(struct inp_pcb *p);
/* in_pcbremhash: remove from every table and the LB group. */
void pcb_remove(struct inp_pcb *p);
/* in_pcbrehash: the 4-tuple changed; move between exact and wild. */
void pcb_rehash(struct inp_pcb *p);
/*
 * Bracket every change of a hashed PCB's 4-tuple and the rehash that
 * follows it (info->move_seq); they nest.  Hash mutex held.
 */
void pcb_move_begin(struct inp_pcbinfo *info);
void pcb_move_end(struct inp_pcbinfo *info);

/*
 * Bucket functions, keyed with info->seed (1.5: every table is keyed, so a
 * peer who does not know the seed cannot aim at one chain).  They return
 * the bucket index, already masked: the exact table is sized from
 * limits.max_pcbs, the wild table, port index and LB groups (keyed by the
 * port alone) share one smaller size (pcb_hash.c).
 */
uint32_t pcb_hash_exact(const struct inp_pcbinfo *info,
                        const union inp_addr *faddr, uint16_t lport,
                        uint16_t fport);
uint32_t pcb_hash_port(const struct inp_pcbinfo *info, uint16_t lport);
/* The unmasked hashes behind them (tests of the keying, the burst). */
uint32_t pcb_hash_exact_raw(uint32_t seed, const union inp_addr *faddr,
                            uint16_t lport, uint16_t fport);
uint32_t pcb_hash_port_raw(uint32_t seed, uint16_t lport);
/* Bucket counts for a max_pcbs (pcbinfo_create; tests). */
uint32_t pcb_exact_buckets(unsigned max_pcbs);
uint32_t pcb_port_buckets(unsigned max_pcbs);

/* ---- lookups (pcb_lookup.c, pcb_lookup_local.c) --------------------- */

/*
 * A packet's address as the PCB stores it (IPv4 in 4in6 form, a scoped
 * IPv6 address with its sin6_scope_id embedded) and its port in network
 * order; sa is an AF_INET or AF_INET6 sockaddr of its full size, checked
 * by the caller.  -EINVAL (a zeroed *a) when the scope id cannot be an
 * interface index (above IN6_ZONE_MAX), else 0.
 */
int pcb_addr_from_sa(const struct sockaddr *sa, union inp_addr *a,
                     uint16_t *port);
/*
 * A scoped address of a received packet that came without a zone id is
 * in the zone of the interface it arrived on (FreeBSD's ip6_input embeds
 * rcvif's zone into both addresses).  No-op for rcvif NULL, for IPv4 and
 * unscoped addresses, and for an address that has a zone.
 */
void pcb_addr_rcvif_zone(union inp_addr *a, const struct inp_ifnet *rcvif);

/*
 * in_pcblookup_local (5.5, LL1/LL2): a PCB using laddr:lport in family
 * view af (AF_INET: PCBs with INP_V_IPV4, AF_INET6: with INP_V_IPV6),
 * best-fit when wildcard is true, restricted to cred's namespace (J8).
 * hash_lock held (either mode); no reference or lock taken.
 */
struct inp_pcb *pcb_lookup_local(struct inp_pcbinfo *info, int af,
                                 const union inp_addr *laddr, uint16_t lport,
                                 bool wildcard, const struct inp_cred *cred);

/*
 * The packet lookup of 5.1 (L1-L5) without taking the PCB lock: hash_lock
 * held (either mode).  faddr/fport is the packet's source, laddr/lport its
 * destination.  Explains the decision into why (may be NULL).
 */
struct inp_pcb *pcb_lookup_hash(struct inp_pcbinfo *info, int af,
                                const union inp_addr *faddr, uint16_t fport,
                                const union inp_addr *laddr, uint16_t lport,
                                bool wildcard, struct inp_explain *why);

/* 5.4 rank (1-5) of wild PCB p for a packet to laddr:lport, 0: no match;
 * J3 on p's credential (hash mutex or p's lock held). */
int pcb_wild_rank(const struct inp_pcb *p, int af,
                  const union inp_addr *laddr, uint16_t lport);

/*
 * The lockless lookup (pcb_lookup_rcu.c): the calling thread must be a
 * registered RCU reader (rcu_glue_reader_ok()) and hold no RCU section.
 * 0 and *out locked as asked; -ENOENT: nothing matches; -EAGAIN: unsure,
 * use pcb_lookup_serial().
 */
int pcb_lookup_lockless(struct inp_pcbinfo *info, int af,
                        const union inp_addr *fa, uint16_t fport,
                        const union inp_addr *la, uint16_t lport,
                        bool wildcard, bool wlock, struct inp_pcb **out);
/*
 * The exact step of pcb_lookup_lockless on one chain linked through the
 * field at next_off (a connection group's of info): called inside a
 * read-side section, which it leaves.  0 and *out locked; -ENOENT;
 * -EAGAIN.
 */
int pcb_lookup_exact_in(const struct inp_pcbinfo *info,
                        struct inp_pcb *_Atomic *head, size_t next_off,
                        int af, const union inp_addr *fa, uint16_t fport,
                        const union inp_addr *la, uint16_t lport,
                        bool wlock, struct inp_pcb **out);
/*
 * The serialised lookup (LK-9 under the hash mutex); any thread, no lock
 * held.  held_out[0..nheld) / held: what a burst already holds (NULL, 0,
 * 0 for one lookup).  0 and *out locked; -ENOENT; for bursts -EDEADLK,
 * -EAGAIN (inp_pcb_lookup_burst).
 */
int pcb_lookup_serial(struct inp_pcbinfo *info, int af,
                      const union inp_addr *fa, uint16_t fport,
                      const union inp_addr *la, uint16_t lport,
                      bool wildcard, bool wlock,
                      struct inp_pcb *const *held_out, unsigned nheld,
                      unsigned held, struct inp_explain *why,
                      struct inp_pcb **out);

/* ---- load-balancing groups (lbgroup.c); hash_lock held for writing -- */

int lbgroup_join(struct inp_pcb *p);      /* G1; -ENOBUFS */
void lbgroup_leave(struct inp_pcb *p);    /* LB-8 */
/* listen(): make a pending TCP member selectable (G1). */
void lbgroup_activate(struct inp_pcb *p);
/* G3/G4: a member for the packet, or NULL (hash_lock held). */
struct inp_pcb *lbgroup_lookup(struct inp_pcbinfo *info, int af,
                               const union inp_addr *faddr, uint16_t fport,
                               const union inp_addr *laddr, uint16_t lport,
                               struct inp_explain *why);
/*
 * G3/G4 inside an RCU read-side section, without the hash mutex: the
 * member the packet maps to, or NULL.  A jailed group is assumed to own
 * laddr (*jailed says so); the caller locks the member and confirms with
 * lbgroup_member_ok() under its lock, where the credential may be read.
 */
struct inp_pcb *lbgroup_lookup_rcu(struct inp_pcbinfo *info, int af,
                                   const union inp_addr *faddr,
                                   uint16_t fport,
                                   const union inp_addr *laddr,
                                   uint16_t lport, bool *jailed);
bool lbgroup_member_ok(const struct inp_pcb *p, int af,
                       const union inp_addr *laddr, uint16_t lport,
                       bool jailed);
void lbgroups_destroy(struct inp_pcbinfo *info);
/*
 * Tests and invariant checks (18, 19): the slots, selectable and pending
 * members of the group p belongs to; -ENOENT when p is in none.
 * hash_lock held.
 */
int lbgroup_stats(const struct inp_pcb *p, unsigned *size,
                  unsigned *nactive, unsigned *npending);

/* ---- connection groups (pcbgroup.c, spec 4) ------------------------- */

/*
 * Lock order with groups (docs/architecture.md): PCB lock -> hash_lock ->
 * group locks in ascending index -> vnet cfg_lock.  A change of the
 * shared wildcard table (the wild chains) holds every group lock (PG-9),
 * so that it may be read under any one; a connected PCB's change holds
 * the locks of the groups it leaves and enters.  A move by a packet's
 * hash (pcbgroup_rehash_pkt) takes its two group locks without hash_lock.
 */
struct pcbgroups;

/* What pcbgroup_begin() locked, for pcbgroup_end(). */
struct pcbgroup_held {
	struct pcbgroups *gs;           /* NULL: groups off, nothing held */
	unsigned lo, hi;                /* 1 + index of the groups held, 0 */
	unsigned target;                /* 1 + the group p belongs in, 0 */
	bool all;                       /* every group lock (PG-9) */
};

/*
 * Around every change of a PCB's table membership in pcb_hash.c (hash
 * mutex and PCB write lock held): begin takes the group locks the change
 * needs, end updates p's group membership (PG-13, PG-14, PG-16) and drops
 * them.  removing: p leaves the tables.
 */
void pcbgroup_begin(struct inp_pcb *p, bool removing,
                    struct pcbgroup_held *h);
void pcbgroup_end(struct inp_pcb *p, struct pcbgroup_held *h);

/*
 * PG-11 step 1 for a packet, lockless (a registered RCU reader holding no
 * section): the exact match in the packet's group (PG-7 packet hash, else
 * the software Toeplitz hash of the tuple).  0 and *out locked as asked;
 * -ENOENT: groups off or no match there; -EAGAIN: unsure.  Any error
 * means: ask the reservation table (PG-2), which holds every PCB.
 */
int pcbgroup_lookup(struct inp_pcbinfo *info, int af,
                    const union inp_addr *fa, uint16_t fport,
                    const union inp_addr *la, uint16_t lport,
                    const struct inp_pkt_ctx *pkt, bool wlock,
                    struct inp_pcb **out);

/*
 * in_pcbrehash_mbuf (PG-13): place connected p in the group of a packet
 * hash of type type (software placement when the type is not usable,
 * PG-7).  PCB write-locked; takes no hash_lock.  0, or -ENOENT when p is
 * in no group (groups off, wild, dropped, not hashed).
 */
int pcbgroup_rehash_pkt(struct inp_pcb *p, enum inp_hashtype type,
                        uint32_t hash);

/* pcbinfo_destroy: the groups of an empty table. */
void pcbgroups_free(struct inp_pcbinfo *info);

/* Tests and invariant checks. */
unsigned pcbgroup_count(struct inp_pcbinfo *info);      /* 0: off */
int pcbgroup_of(const struct inp_pcb *p);               /* -1: none */
/* The group of a tuple by software placement (PG-6), -1: groups off. */
int pcbgroup_for_tuple(struct inp_pcbinfo *info, int af,
                       const union inp_addr *fa, uint16_t fport,
                       const union inp_addr *la, uint16_t lport);
/* The group of a packet hash, -1 when PG-7 does not accept its type. */
int pcbgroup_for_hash(struct inp_pcbinfo *info, int af,
                      enum inp_hashtype type, uint32_t hash);
/*
 * Invariants 16 and 17 seen from group g, under g's lock only: every
 * member is connected, not dropped, hashed and placed as its tuple or
 * packet says; no PCB of the shared wildcard table (readable under one
 * group lock, PG-9) is in a group.  0, -EINVAL (no such group), or
 * -EPROTO with the first violation in why.
 */
int pcbgroup_verify(struct inp_pcbinfo *info, unsigned g,
                    struct inp_explain *why);

/* ---- bind, ports, connect (pcb_bind.c, pcb_port.c, pcb_connect.c) --- */

/*
 * A consistent copy of the vnet's sysctls: takes and drops vnet->cfg_lock
 * (a leaf lock), so it may be called with PCB and hash locks held but not
 * with cfg_lock held.
 */
static inline void pcb_sysctls(struct inp_vnet *vnet, struct vnet_sysctls *out)
{
	pthread_mutex_lock(&vnet->cfg_lock);
	*out = vnet->sc;
	pthread_mutex_unlock(&vnet->cfg_lock);
}

/*
 * in_pcbbind / in6_pcbbind from step B5 on (the protocol entry in the
 * socket layer did B1-B4 and X3).  addr: the IPv4 address (AF_INET view,
 * also for a v4-mapped bind of an AF_INET6 socket) or the IPv6 address
 * as in a sockaddr_in6: bare, its zone in scope_id (embedded here, 2.6).
 * Caller holds the PCB write lock; takes the hash lock itself.
 * Writes the rule that decided into why.
 */
int pcb_bind4(struct inp_pcb *p, struct in_addr addr, uint16_t port,
              struct inp_cred *cred, struct inp_explain *why);
int pcb_bind6(struct inp_pcb *p, const struct in6_addr *addr,
              unsigned scope_id, uint16_t port, struct inp_cred *cred,
              struct inp_explain *why);

/*
 * Ephemeral port choice (section 3): bind-style test (P6) when fam_dst is
 * NULL, connect-style (P7) with the destination otherwise.  *lportp gets
 * the port in network order.  hash_lock held for writing.
 */
int pcb_lport(struct inp_pcb *p, int af, const union inp_addr *laddr,
              const union inp_addr *faddr, uint16_t fport, uint16_t *lportp,
              struct inp_cred *cred, bool wildcard_test,
              struct inp_explain *why);

/* ---- the port occupancy index (portmap.c, port_index.c) ------------- */

/* A set of ports: 1024 words of bits, 16 words of "word is full" bits. */
#define PORTMAP_WORDS 1024
struct portmap {
	uint64_t bits[PORTMAP_WORDS];
	uint64_t full[PORTMAP_WORDS / 64];
};
struct portmap *portmap_new(void);              /* zeroed; NULL: ENOMEM */
void portmap_set(struct portmap *m, uint16_t port);
void portmap_clear(struct portmap *m, uint16_t port);
bool portmap_test(const struct portmap *m, uint16_t port);
/* Smallest port in [from, to] clear in every map (NULL: empty), or -1. */
long portmap_next_clear(const struct portmap *const *maps, unsigned n,
                        unsigned from, unsigned to);

/*
 * The maps one allocation may skip: a set bit in any of them is a port
 * that the allocation's exact test would refuse (port_index.c states
 * the invariant).  n == 0: the index knows nothing, test every port.
 */
struct port_skip {
	const struct portmap *maps[4];
	unsigned n;
};
/* Hooks of the port chain (pcb_hash.c), hash_lock held. */
void port_index_add(struct inp_pcb *p);
void port_index_del(struct inp_pcb *p);
void port_index_destroy(struct inp_pcbinfo *info);
/* P7 from laddr to faddr:fport in view af. */
void port_skip_connect(struct inp_pcbinfo *info, int af,
                       const union inp_addr *laddr,
                       const union inp_addr *faddr, uint16_t fport,
                       struct port_skip *s);
/* P6 at laddr in view af (best fit or exact); dual: also IPv4 '0.0.0.0'. */
void port_skip_bind(struct inp_pcbinfo *info, int af,
                    const union inp_addr *laddr, bool bestfit, bool dual,
                    const struct inp_cred *cred, struct port_skip *s);
/* P7 refused a port because of connection t: remember it, extend s. */
void port_index_learn(struct inp_pcbinfo *info, int af,
                      const union inp_addr *laddr,
                      const union inp_addr *faddr, uint16_t fport,
                      struct inp_pcb *t, struct port_skip *s);

/*
 * in_pcbconnect / in6_pcbconnect (C5-C9): PCB write-locked.  Source
 * selection by the S rules for a PCB without a local address.  The IPv6
 * destination as in a sockaddr_in6: bare, its zone in scope_id.
 */
int pcb_connect4(struct inp_pcb *p, struct in_addr faddr, uint16_t fport,
                 struct inp_cred *cred, struct inp_explain *why);
int pcb_connect6(struct inp_pcb *p, const struct in6_addr *faddr,
                 unsigned scope_id, uint16_t fport, struct inp_cred *cred,
                 struct inp_explain *why);

/* C11: dissolve a UDP association (PCB write-locked); -ENOTCONN. */
int pcb_disconnect(struct inp_pcb *p, struct inp_explain *why);

/* in_pcbladdr: IPv4 source selection S1-S8 (srcsel4.c). */
int pcb_srcsel4(struct inp_pcb *p, struct in_addr faddr,
                struct inp_cred *cred, struct in_addr *out,
                struct inp_explain *why);
/*
 * 2.6 / 4.4 zone of an IPv6 destination (srcsel6.c; PCB locked): 0 for an
 * unscoped one.  A scoped one needs its zone id, which must name an
 * interface (-ENXIO); without one, a multicast group takes the
 * IPV6_MULTICAST_IF interface (FreeBSD resolves an ambiguous zone by the
 * outgoing interface), anything else is in no zone that has a source
 * address (-EADDRNOTAVAIL).
 */
int pcb_dst_zone6(struct inp_pcb *p, const struct in6_addr *faddr,
                  unsigned scope_id, unsigned *zonep,
                  struct inp_explain *why);
/*
 * in6_selectsrc summary of 4.4 (srcsel6.c), after pcb_dst_zone6().
 * pcb_srcsel6_laddr() gives the source in PCB form: a scoped source
 * carries the zone of its interface, the outgoing one.  pcb_srcsel6()
 * gives the bare address (the wire form).
 */
int pcb_srcsel6_laddr(struct inp_pcb *p, const struct in6_addr *faddr,
                      unsigned scope_id, struct inp_cred *cred,
                      union inp_addr *out, struct inp_explain *why);
int pcb_srcsel6(struct inp_pcb *p, const struct in6_addr *faddr,
                unsigned scope_id, struct inp_cred *cred,
                struct in6_addr *out, struct inp_explain *why);

/* TCP listen: implicit bind (2.7), LB activation. PCB write-locked. */
int pcb_listen(struct inp_pcb *p, struct inp_explain *why);
/* Enter TIME_WAIT: keeps the PCB hashed until now + 2*MSL. */
void pcb_timewait(struct inp_pcb *p);

/* ---- MAC hooks (src/mac/mac.c) -------------------------------------- */

int mac_pcb_init_label(struct inp_host *host, struct inp_pcb *p);
void mac_pcb_destroy_label(struct inp_host *host, struct inp_pcb *p);
int mac_pcb_check_deliver(struct inp_host *host, struct inp_pcb *p,
                          const struct sockaddr *src, size_t len);
int mac_pcb_check_visible(struct inp_host *host, const struct inp_cred *viewer,
                          struct inp_pcb *p);

#endif
