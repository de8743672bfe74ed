/*
 * inpcb/pcb.h - the PCB layer: lookups, references, locks and listings.
 *
 * Lookup contract (spec LK-7, RC-14): flags contain exactly one of
 * INP_LOOKUP_RLOCKPCB and INP_LOOKUP_WLOCKPCB, optionally
 * INP_LOOKUP_WILDCARD, nothing else (-EINVAL otherwise, nothing changed).
 * A successful lookup returns the PCB locked in the requested mode, alive
 * (INP_FREED and INP_DROPPED clear); the caller unlocks it with
 * inp_pcb_runlock() / inp_pcb_wunlock() and must not use it afterwards
 * unless it took a reference first.
 *
 * Threads (include/inpcb/thread.h): lookups are lockless for a thread
 * registered with inp_thread_register(); an unregistered thread gets the
 * same answers through the serialised path (the table mutex), slower.
 * Either way the caller holds no lock of the library on entry (LK-8) and
 * no PCB lock it could be asked to wait for.
 *
 * References (spec RC-1..RC-12): inp_pcb_ref() needs the PCB locked.
 * inp_pcb_rele_rlocked() / inp_pcb_rele_wlocked() drop a reference from a
 * PCB locked in that mode and return true ("gone") when the PCB is no
 * longer valid -- the last reference went, or the PCB was freed meanwhile
 * (INP_FREED).  On "gone" the PCB has been unlocked by the callee; on false
 * it is still locked and valid.  Memory is reclaimed only after every
 * concurrent reader has finished with it.
 */
#ifndef INPCB_PCB_H
#define INPCB_PCB_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Lookup flags (FreeBSD INPLOOKUP_*). */
#define INP_LOOKUP_WILDCARD 0x1
#define INP_LOOKUP_RLOCKPCB 0x2
#define INP_LOOKUP_WLOCKPCB 0x4

/* Packet context a lookup may use; all fields optional (zero). */
enum inp_hashtype {
	INP_HASH_NONE = 0,
	INP_HASH_IPV4,
	INP_HASH_TCP_IPV4,
	INP_HASH_UDP_IPV4,
	INP_HASH_IPV6,
	INP_HASH_TCP_IPV6,
	INP_HASH_UDP_IPV6,
	INP_HASH_OPAQUE,
};
struct inp_pkt_ctx {
	struct inp_ifnet *rcvif;    /* receiving interface */
	enum inp_hashtype hashtype; /* type of hash, INP_HASH_NONE: absent */
	uint32_t hash;              /* the packet's RSS hash */
};

/*
 * Find the PCB an incoming packet from src to dst belongs to (spec 5.1):
 * exact 4-tuple, then SO_REUSEPORT_LB groups, then the ranked wildcard
 * match.  src and dst have the same family.  pkt may be NULL.  A scoped
 * IPv6 address (fe80::/10, ff01::/16, ff02::/16) is in the zone of its
 * sin6_scope_id or, when that is 0, of pkt->rcvif (as FreeBSD's IPv6
 * input sees it); a scope id above 65535 is -EINVAL.
 * Returns 0 and a locked *out, -ENOENT when no PCB matches, -EINVAL,
 * -EAFNOSUPPORT.  Takes no lock on entry; see the contract above.
 * Register the calling thread first (inpcb/thread.h) for the lockless
 * path; with why != NULL the serialised path is always taken, so that
 * the explanation describes one consistent table.
 */
int inp_pcb_lookup(struct inp_vnet *vnet, enum inp_proto proto,
                   const struct sockaddr *src, const struct sockaddr *dst,
                   unsigned flags, const struct inp_pkt_ctx *pkt,
                   struct inp_pcb **out, struct inp_explain *why);

/*
 * One packet of a burst: its source (the peer: saddr, sport) and
 * destination (local: daddr, dport) as on the wire, ports in network
 * order.  family is AF_INET (v4 members) or AF_INET6 (v6 members).  zone
 * is the index of the interface the packet arrived on: a scoped IPv6
 * address (fe80::/10, ff01::/16, ff02::/16) is in that zone, as with
 * inp_pkt_ctx.rcvif; 0 for none, at most 65535.
 */
struct inp_pkt_key {
	uint16_t family;
	uint16_t sport, dport;
	uint16_t pad_;                 /* zero */
	uint32_t zone;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} saddr, daddr;
};

/* The most keys inp_pcb_lookup_burst() hashes and prefetches at once. */
#define INP_LOOKUP_BURST_MAX 32

/*
 * inp_pcb_lookup() for n packets at once, in the manner of DPDK's
 * rte_hash_lookup_bulk: the keys are hashed and their buckets prefetched,
 * then the first PCBs of the chains, before any chain is walked, so that
 * the memory latency of the n lookups overlaps; n may exceed
 * INP_LOOKUP_BURST_MAX (the keys are then taken in groups of that size).
 *
 * flags as for inp_pcb_lookup() (exactly one lock flag, optionally
 * INP_LOOKUP_WILDCARD), the same for every key.  For each i < n, out[i]
 * is the PCB inp_pcb_lookup() would return for key i, locked the same
 * way, or NULL; results (may be NULL) gets 0 or the per-key error:
 *   -ENOENT        no PCB matches;
 *   -EINVAL / -EAFNOSUPPORT  the key is malformed (family, zone);
 *   -EDEADLK       INP_LOOKUP_WLOCKPCB only: the PCB was already returned
 *                  write-locked for an earlier key of this burst (a
 *                  read-locked PCB is simply returned again, read-locked
 *                  once more: unlock each entry);
 *   -EAGAIN        INP_LOOKUP_WLOCKPCB only: the PCB stayed write-locked
 *                  by another thread while this burst already held other
 *                  locks (waiting could deadlock with another burst);
 *                  look it up again alone after unlocking the others.
 * The caller unlocks every non-NULL out[i].  Returns the number of PCBs
 * found, or -EINVAL (NULL vnet, keys or out; bad flags or protocol), in
 * which case nothing is locked and out[] is untouched.  Threads as for
 * inp_pcb_lookup(): register for the lockless path.
 */
int inp_pcb_lookup_burst(struct inp_vnet *vnet, enum inp_proto proto,
                         const struct inp_pkt_key *keys, unsigned n,
                         unsigned flags, struct inp_pcb **out, int *results);

/*
 * The PCB lock (spec LK-3): a reader/writer lock, not recursive.  Lock a
 * PCB only while holding a reference or the lock a lookup returned; a
 * thread holding a PCB's write lock must not wait for another PCB's lock.
 */
void inp_pcb_rlock(struct inp_pcb *pcb);
void inp_pcb_wlock(struct inp_pcb *pcb);
void inp_pcb_runlock(struct inp_pcb *pcb);
void inp_pcb_wunlock(struct inp_pcb *pcb);

/* Reference counting; see the contract above. */
void inp_pcb_ref(struct inp_pcb *pcb);
bool inp_pcb_rele_rlocked(struct inp_pcb *pcb);
bool inp_pcb_rele_wlocked(struct inp_pcb *pcb);

/* PCB flags visible through the API (FreeBSD names). */
#define INP_F_ANONPORT    0x00000040
#define INP_F_BINDANY     0x00001000
#define INP_F_INHASHLIST  0x00002000
#define INP_F_V6ONLY      0x00008000
#define INP_F_TIMEWAIT    0x01000000
#define INP_F_DROPPED     0x04000000
#define INP_F_FREED       0x80000000
/* vflag */
#define INP_V_IPV4        0x1
#define INP_V_IPV6        0x2
#define INP_V_IPV6PROTO   0x4

enum inp_pcb_state {
	INP_ST_UNBOUND = 0,
	INP_ST_BOUND,
	INP_ST_LISTEN,
	INP_ST_CONNECTED,
	INP_ST_TIMEWAIT,
	INP_ST_DROPPED,
};

/* A snapshot of a PCB, as listings and explanations see it. */
struct inp_pcb_info {
	enum inp_proto proto;
	int family;                    /* of the socket: AF_INET or AF_INET6 */
	struct sockaddr_storage local; /* as getsockname would report it */
	struct sockaddr_storage foreign;
	enum inp_pcb_state state;
	unsigned flags;                /* INP_F_* */
	unsigned vflag;                /* INP_V_* */
	uint32_t uid;
	char jail[64];                 /* "" for the host */
	char label[INP_LABEL_MAX];
	void *udata;
	uint64_t gencnt;
};

/* Snapshot a PCB locked by the caller (either mode). */
void inp_pcb_get_info(const struct inp_pcb *pcb, struct inp_pcb_info *info);

/* The user pointer and label of the PCB's socket, kept after TIME_WAIT. */
void *inp_pcb_udata(const struct inp_pcb *pcb);
const char *inp_pcb_label(const struct inp_pcb *pcb);

/* The PCB's socket, NULL once detached (TIME_WAIT). Needs the PCB lock. */
struct inp_sock *inp_pcb_sock(const struct inp_pcb *pcb);

/* Number of PCBs allocated and not yet freed (spec LC-24). */
unsigned inp_pcb_count(struct inp_vnet *vnet, enum inp_proto proto);

/*
 * List every PCB of a protocol with the generation protocol of spec LC-25:
 * fn is called once per PCB that existed when the listing started, is
 * still alive and is visible to viewer (NULL: sees everything; a jailed
 * credential sees its jail's PCBs; MAC check_visible applies).  The PCB is
 * read-locked during the call.  Returns the number of
 * PCBs listed, or fn's non-zero return value (negative) to stop early.
 * *changed (may be NULL) is set when the table changed during the walk.
 */
typedef int (*inp_pcb_list_fn)(const struct inp_pcb_info *info, void *arg);
int inp_pcb_list(struct inp_vnet *vnet, enum inp_proto proto,
                 struct inp_cred *viewer,
                 inp_pcb_list_fn fn, void *arg, bool *changed);

/*
 * The ephemeral port allocator's counters for one protocol table of a
 * vnet (spec section 3).  Every allocation visits FreeBSD's candidates in
 * FreeBSD's order; `tested` candidates got the exact conflict test (P6 or
 * P7), `skipped` ones were known taken from the occupancy index without
 * it, so without RSS alignment tested + skipped is what a plain walk
 * would have tried (an aligned walk adds the bucket's candidates).
 * rss_aligned: connect-style allocations that found a port in the RSS
 * bucket (one of 2^net.inet.rss.bits) asked for by the socket's
 * INP_IP_RSS_CONNECT_BUCKET or net.inet.ip.portrange.rss_bucket;
 * rss_fallback: the ones whose bucket had no free port and took any port.
 */
struct inp_portstat {
	uint64_t allocs;               /* allocator calls that walked */
	uint64_t failures;             /* of them, EADDRNOTAVAIL */
	uint64_t tested, skipped;
	uint64_t rss_aligned, rss_fallback;
};

/* Copy the counters; any thread, no lock held.  -EINVAL on bad input. */
int inp_port_stats(struct inp_vnet *vnet, enum inp_proto proto,
                   struct inp_portstat *st);

/*
 * Read-biased PCB locks of one protocol table (a PCB read-locked often
 * enough without a write takes later read locks without a shared write;
 * the next write lock takes the bias away with one membarrier(2)).
 * bias_reads: the locked reads a PCB allocated now needs to earn it
 * (net.inet.pcb.read_bias), 0 when bias is off, by that knob or because
 * the kernel has no private expedited membarrier; reader_rows: threads
 * that have taken a biased read hold in this table (at most 64);
 * revocations: write locks that took a bias away.  Many revocations per
 * second mean PCBs are written too often for bias to pay: raise the knob.
 */
struct inp_pcblockstat {
	uint64_t bias_reads;
	uint64_t reader_rows;
	uint64_t revocations;
};

/* Copy them; any thread, no lock held.  -EINVAL on bad input. */
int inp_pcb_lock_stats(struct inp_vnet *vnet, enum inp_proto proto,
                       struct inp_pcblockstat *st);

#ifdef __cplusplus
}
#endif
#endif
