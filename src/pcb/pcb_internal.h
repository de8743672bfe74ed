/*
 * pcb_internal.h - the PCB, the per-protocol table (pcbinfo) and the
 * internal functions of the PCB layer.  FreeBSD names are given where a
 * function does the job of a kernel function so that readers can compare.
 *
 * Locking (spec LK-4, design.md):
 *   PCB lock (rwlock)  ->  info->hash_lock (writers)  ->  vnet cfg_lock
 *   info->list_lock covers only the global list, count and generation.
 * Writing a PCB's 4-tuple or table membership needs the PCB write lock
 * and the hash lock.  Lookups take the hash lock for reading (to become
 * lockless readers under RCU without changing any caller).
 */
#ifndef INPCB_PCB_INTERNAL_H
#define INPCB_PCB_INTERNAL_H

#include "jail/jail_internal.h"

/*
 * An address as the PCB stores it: IPv6 bits, with an IPv4 address in the
 * last four bytes and the first twelve zero (FreeBSD's in_addr_4in6), so
 * that 0.0.0.0 and :: are both all-zero.
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

struct inp_pcb {
	pthread_rwlock_t lock;
	_Atomic unsigned refcount;
	struct inp_pcbinfo *info;
	struct inp_sock *socket;        /* NULL once detached */
	struct inp_cred *cred;          /* held from alloc to last release */
	enum inp_proto proto;
	int family;                     /* the socket's: AF_INET or AF_INET6 */
	unsigned flags;                 /* INP_F_* and internal bits above */
	unsigned flags2;                /* INP_REUSE*, INP_INLBGROUP */
	unsigned vflag;                 /* INP_V_* */
	union inp_addr laddr, faddr;
	uint16_t lport, fport;          /* network order */
	/*
	 * Zone (interface index) of a scoped IPv6 laddr / faddr, 0 when the
	 * address is not scoped (link-local or interface/link-local
	 * multicast).  Reported as sin6_scope_id by getsockname/getpeername;
	 * kept by the socket entry (sock_proto.c) with the 4-tuple.
	 */
	unsigned lzone, fzone;
	uint64_t gencnt;
	bool jailed4, jailed6;          /* cached prison_restricts() */

	/* table linkage; see pcb_hash.c */
	struct inp_pcb *list_next, *list_prev;   /* info->list (list_lock) */
	struct inp_pcb *hash_next;               /* exact or wild chain */
	struct inp_pcb *port_next;               /* port index chain */
	/* pprev: the link pointing at us, for O(1) unlinking (pcb_hash.c) */
	struct inp_pcb **hash_pprev, **port_pprev;
	uint64_t wild_seq;      /* wild-chain insertion order: 5.4 ties */

	/* IP options */
	uint8_t ip_tos, ip_ttl, ip_minttl;
	struct inp_moptions *moptions;  /* NULL until a multicast option */

	/* TIME_WAIT */
	uint64_t tw_expire_ns;

	void *mac_label;
	void *udata;
	char label[INP_LABEL_MAX];
};

/* A hash chain head. */
struct pcbhead {
	struct inp_pcb *first;
};

struct pcbhash {
	struct pcbhead *heads;
	uint32_t mask;                  /* bucket count - 1 */
};

struct inp_lbgroup;

struct inp_pcbinfo {
	struct inp_vnet *vnet;
	enum inp_proto proto;

	pthread_mutex_t list_lock;
	struct inp_pcb *list;           /* newest first (LC-27) */
	unsigned count;
	uint64_t gencnt;

	pthread_rwlock_t hash_lock;
	struct pcbhash exact;           /* faddr, lport, fport */
	struct pcbhash wild;            /* lport; chains kept ranked (5.4) */
	struct pcbhash porthash;        /* lport: every hashed PCB */
	struct inp_lbgroup **lbgroups;  /* by lport, mask = porthash.mask */

	uint16_t cursor_def, cursor_high, cursor_low;   /* P3 */
	uint32_t seed;
	uint64_t wild_seq;              /* last wild insertion (hash_lock) */
};

/* Lock helpers. */
static inline void pcb_rlock(struct inp_pcb *p) { pthread_rwlock_rdlock(&p->lock); }
static inline void pcb_wlock(struct inp_pcb *p) { pthread_rwlock_wrlock(&p->lock); }
static inline void pcb_unlock(struct inp_pcb *p) { pthread_rwlock_unlock(&p->lock); }
static inline void hash_rlock(struct inp_pcbinfo *i) { pthread_rwlock_rdlock(&i->hash_lock); }
static inline void hash_wlock(struct inp_pcbinfo *i) { pthread_rwlock_wrlock(&i->hash_lock); }
static inline void hash_unlock(struct inp_pcbinfo *i) { pthread_rwlock_unlock(&i->hash_lock); }

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

/* "udp4 'a' 192.0.2.10:5000 uid 1001": for explanations. */
const char *pcb_describe(const struct inp_pcb *p, char *buf, size_t len);

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
void pcb_ref(struct inp_pcb *p);
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
 * Bucket functions, keyed with info->seed.  They return the bucket index,
 * already masked (exact, wild, porthash and lbgroups share one size).
 */
uint32_t pcb_hash_exact(const struct inp_pcbinfo *info,
                        const union inp_addr *faddr, uint16_t lport,
                        uint16_t fport);
uint32_t pcb_hash_port(const struct inp_pcbinfo *info, uint16_t lport);

/* ---- lookups (pcb_lookup.c, pcb_lookup_local.c) --------------------- */

/*
 * A packet's address as the PCB stores it (IPv4 in 4in6 form) and its
 * port in network order; sa is an AF_INET or AF_INET6 sockaddr of its
 * full size, checked by the caller.
 */
void pcb_addr_from_sa(const struct sockaddr *sa, union inp_addr *a,
                      uint16_t *port);

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
void lbgroups_destroy(struct inp_pcbinfo *info);
/*
 * Tests and invariant checks (18, 19): the slots, selectable and pending
 * members of the group p belongs to; -ENOENT when p is in none.
 * hash_lock held.
 */
int lbgroup_stats(const struct inp_pcb *p, unsigned *size,
                  unsigned *nactive, unsigned *npending);

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
 * also for a v4-mapped bind of an AF_INET6 socket) or the IPv6 address.
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

/*
 * in_pcbconnect / in6_pcbconnect (C5-C9): PCB write-locked.  Source
 * selection by the S rules for a PCB without a local address.
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
/* in6_selectsrc summary of 4.4 (srcsel6.c). */
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
