/*
 * net_internal.h - the world's objects as the rest of the library sees
 * them: the host, vnets with their sysctls, interfaces, addresses and
 * routing tables.
 *
 * Locking: host->lock serialises host-level changes (vnets, jails, creds,
 * policies).  vnet->cfg_lock serialises interface, address, route and
 * sysctl changes and is also taken by the internal lookups below; it is a
 * leaf lock (taken after PCB and hash locks, nothing taken under it).
 */
#ifndef INPCB_NET_INTERNAL_H
#define INPCB_NET_INTERNAL_H

#include "base/base.h"

#include <pthread.h>
#include <stdatomic.h>

struct inp_pcbinfo;
struct inp_jail;
struct ip_vnet;

/* ---- host ---------------------------------------------------------- */

#define MAC_MAX_POLICIES 8
struct mac_policy {
	const struct inp_mac_ops *ops;
	void *ctx;
};

struct inp_host {
	pthread_mutex_t lock;
	struct inp_host_ops ops;
	struct inp_limits limits;        /* defaults filled in */
	struct inp_vnet *vnets;          /* list, creation order */
	unsigned n_vnets;
	struct inp_jail *jails;          /* list of all jails, creation order */
	unsigned n_jails;
	struct inp_cred *root_cred;      /* uid 0, host, all privileges */
	struct mac_policy mac[MAC_MAX_POLICIES];
	unsigned n_mac;                  /* 0: every hook is a single branch */
	bool mac_labels;                 /* some policy labels PCBs */
};

/* ---- vnet ---------------------------------------------------------- */

/* Per-vnet knobs, FreeBSD defaults in sysctl.c (spec section 7). */
struct vnet_sysctls {
	long portrange_first, portrange_last;
	long portrange_hifirst, portrange_hilast;
	long portrange_lowfirst, portrange_lowlast;
	long portrange_reservedhigh, portrange_reservedlow;
	long portrange_randomized, portrange_randomcps, portrange_randomtime;
	long portrange_rss_bucket;  /* RSS-aligned connect ports: -1 off */
	long connect_inaddr_wild;   /* net.inet.ip.connect_inaddr_wild */
	long connect_in6addr_wild;  /* net.inet6.ip6.connect_in6addr_wild */
	long v6only;                /* net.inet6.ip6.v6only */
	long use_defzone, use_deprecated, prefer_tempaddr;
	long tcp_msl_ms;            /* net.inet.tcp.msl */
	long udp_blackhole;         /* net.inet.udp.blackhole */
	long udp_log_in_vain;       /* net.inet.udp.log_in_vain */
	long icmp_lim;              /* net.inet.icmp.icmplim (per second) */
	long pcbgroup_enable;       /* net.inet.pcbgroup.enable (spec 4) */
	long rss_bits;              /* net.inet.rss.bits, -1: RSS-10 default */
	long pcb_read_bias;         /* net.inet.pcb.read_bias (pcb_rbias.h) */
	/* not a knob: rss_bits resolved (rss_bits_resolve) when it is set */
	long rss_bits_used;
};

/* Randomisation rate limiter state (spec P8, P9). */
struct port_limiter {
	uint64_t allocs;   /* non-UDP allocator calls */
	uint64_t last;     /* allocs at the previous tick */
	long stop;         /* ticks of suppression left */
	uint64_t ticks;    /* ticks run so far (tick k runs at k seconds) */
};

/*
 * Statistics counters, sharded as FreeBSD's counter(9) is per CPU: a
 * packet bumps the shard of the thread that handles it, so threads on
 * different cores do not pass one cache line per counter back and forth
 * on every packet (measured: two delivering threads did less than one);
 * readers add the shards up (udp_stats_read, ip_stats_read).
 */
#define STAT_SHARDS 16
#define UDPSTAT_N (sizeof(struct inp_udpstat) / sizeof(uint64_t))
#define IPSTAT_N (sizeof(struct inp_ipstat) / sizeof(uint64_t))
struct stat_shard {
	_Alignas(64) _Atomic uint64_t udp[UDPSTAT_N];
	_Atomic uint64_t ip[IPSTAT_N];
};

/*
 * The calling thread's shard: its identity (the address of its thread
 * descriptor) mixed, so that threads spread without any shared state.
 */
static inline unsigned stat_shard(void)
{
	uint64_t t = (uint64_t)(uintptr_t)pthread_self() >> 12;

	return (unsigned)((t * 0x9e3779b97f4a7c15ull) >> 60) % STAT_SHARDS;
}

/* Sum of every shard's counters into out[0, n) (udp: true, ip: false). */
void stat_shards_sum(const struct inp_vnet *vnet, bool udp, uint64_t *out,
                     size_t n);

struct inp_vnet {
	struct inp_host *host;
	struct inp_vnet *next;
	char name[INP_NAME_MAX];
	pthread_mutex_t cfg_lock;
	struct vnet_sysctls sc;
	struct inp_ifnet *ifnets;        /* list, creation order; lo0 first */
	unsigned n_ifnets, next_ifindex;
	struct inp_ifaddr *addrs;        /* every address, configuration order */
	unsigned n_addrs;
	struct addr4_snap *_Atomic addr4_snap;   /* ifaddr_snap.c */
	struct rtable *rt4, *rt6;
	struct inp_ifnet *lo0;
	struct inp_pcbinfo *pcbinfo[INP_NPROTO];
	struct port_limiter limiter;
	uint32_t hash_seed;              /* keyed hashes of this vnet */
	unsigned n_jails;                /* jails living here (EBUSY) */
	_Atomic long ifa_refs;           /* address refs above baseline (inv. 27) */
	/* ICMP unreachable rate limit: responses in the current second. */
	uint64_t icmp_sec;
	unsigned icmp_count;
	struct ip_vnet *ip;              /* the IP module's state (src/ip) */
	struct stat_shard stats[STAT_SHARDS];   /* UDP and IP statistics */
};

/* Bump a UDP counter: UDPSTAT_INC(vnet, udps_noport). */
#define UDPSTAT_INC(vnet, field)                                              \
	atomic_fetch_add_explicit(                                            \
	    &(vnet)->stats[stat_shard()].udp[offsetof(struct inp_udpstat,     \
	                                              field) /                \
	                                     sizeof(uint64_t)],               \
	    1, memory_order_relaxed)

/* Bump an IP counter: IPSTAT_INC(vnet, ips_total); IPSTAT_ADD(v, f, n). */
#define IPSTAT_ADD(vnet, field, n)                                            \
	atomic_fetch_add_explicit(                                            \
	    &(vnet)->stats[stat_shard()].ip[offsetof(struct inp_ipstat,       \
	                                             field) /                 \
	                                    sizeof(uint64_t)],                \
	    (n), memory_order_relaxed)
#define IPSTAT_INC(vnet, field) IPSTAT_ADD(vnet, field, 1)

/* Run the vnet's timers up to now_ns (called by inp_host_run_timers). */
void vnet_run_timers(struct inp_vnet *vnet, uint64_t now_ns);

/* Clamp-and-store used by inp_sysctl_set (exposed for unit tests). */
int sysctl_apply(struct vnet_sysctls *sc, const char *name, long value);
void sysctl_defaults(struct vnet_sysctls *sc);

/* ---- interfaces and addresses --------------------------------------- */

struct inp_ifnet {
	struct inp_vnet *vnet;
	struct inp_ifnet *next;
	char name[INP_NAME_MAX];
	unsigned index;                  /* 1, 2, ...: lo0 is 1 */
	_Atomic unsigned flags;          /* INP_IFF_*: read without cfg_lock */
	struct inp_ifaddr *addrs;        /* this interface's, config order */
	/*
	 * The packet driver (driver.h), NULL when none.  drv_lock is held
	 * for reading across every call into the driver and for writing
	 * while attaching or detaching, so a driver is never closed under a
	 * running call (src/io/driver.c).
	 */
	pthread_rwlock_t drv_lock;
	const struct inp_driver_ops *drv_ops;
	void *drv_ctx;
};

/* IPv6 address states that matter for bind and source selection. */
#define IFA6_TENTATIVE  0x1
#define IFA6_DUPLICATED 0x2
#define IFA6_DETACHED   0x4
#define IFA6_ANYCAST    0x8
#define IFA6_DEPRECATED 0x10
#define IFA6_TEMPORARY  0x20

struct inp_ifaddr {
	_Atomic long refcount;           /* 1 while configured (baseline) */
	int family;                      /* AF_INET or AF_INET6 */
	struct inp_ifnet *ifp;
	struct inp_ifaddr *if_next;      /* on ifp->addrs */
	struct inp_ifaddr *v_next;       /* on vnet->addrs */
	unsigned plen;
	bool linked;                     /* still configured */
	union {
		struct {
			struct in_addr addr, mask, broadaddr, dstaddr;
			bool has_broadcast;      /* broadcast-capable, plen < 32 */
			bool p2p;                /* dstaddr is valid */
		} in;
		struct {
			struct in6_addr addr;
			unsigned flags6;         /* IFA6_* */
		} in6;
	} u;
};

/*
 * Find helpers: they take cfg_lock (the caller must not hold it) and
 * return a referenced address (ifa_rele()) or NULL.
 */
struct inp_ifaddr *ifa_find_in4(struct inp_vnet *vnet, struct in_addr a);
struct inp_ifaddr *ifa_find_in6(struct inp_vnet *vnet,
                                const struct in6_addr *a, unsigned scope_if);

/* IF-3: configured address or broadcast address; no reference. */
bool ifa_is_local_in4(struct inp_vnet *vnet, struct in_addr a);
/*
 * IPv6 bind check: a configured address that is not tentative, duplicated
 * or detached (anycast allowed, V14).  scope_if: zone for scoped addresses
 * (0: none).
 */
bool ifa_is_bindable_in6(struct inp_vnet *vnet, const struct in6_addr *a,
                         unsigned scope_if);

/* The vnet's primary IPv4 address (first configured); false if none. */
bool vnet_primary_in4(struct inp_vnet *vnet, struct in_addr *out,
                      struct inp_ifnet **ifp);
/*
 * The same address (C6) with its broadcast address, 255.255.255.255 when
 * it has none (a point-to-point, /31, /32 or loopback address).
 */
bool vnet_primary_bcast_in4(struct inp_vnet *vnet, struct in_addr *addr,
                            struct in_addr *bcast);

/*
 * IPv4 broadcast test for delivery (UD-4): 255.255.255.255, 0.0.0.0, or,
 * when ifp is broadcast-capable, the broadcast address or subnet number of
 * one of ifp's addresses (not for /31, never for /32).
 */
bool ifa_is_broadcast_in4(struct inp_ifnet *ifp, struct in_addr a);

/* Is a one of the vnet's IPv4 addresses?  No lock for RCU readers. */
bool ifa_is_ours_in4(struct inp_vnet *vnet, struct in_addr a);

/*
 * The IPv4 address snapshot of packet input (ifaddr_snap.c): rebuilt
 * under cfg_lock after every address change, read under RCU.  query:
 * 1 yes, 0 no, -1 cannot tell (ask the lists).
 */
struct addr4_snap;
enum addr4_query { ADDR4_LOCAL, ADDR4_BCAST };
void ifa_snap_rebuild(struct inp_vnet *vnet);
void ifa_snap_destroy(struct inp_vnet *vnet);
int ifa_snap_query4(struct inp_vnet *vnet, enum addr4_query what,
                    const struct inp_ifnet *ifp, struct in_addr a);

/* ---- routes -------------------------------------------------------- */

struct rtable;

/*
 * The result of an internal route lookup.  ifa is the route's source
 * address (spec S5: for a connected route the address that created it; for
 * a gateway route the address whose prefix contains the gateway; for an
 * interface route the interface's first address of the family; for a
 * loopback route the local address itself) -- a *referenced* pointer, or
 * NULL when there is none.  The caller releases it with ifa_rele().
 */
struct rt_result {
	enum inp_route_kind kind;
	struct inp_ifnet *ifp;
	struct inp_ifaddr *ifa;
	struct in_addr gw4;
	struct in6_addr gw6;
};

int rt_lookup_in4(struct inp_vnet *vnet, struct in_addr dst,
                  struct rt_result *out);
int rt_lookup_in6(struct inp_vnet *vnet, const struct in6_addr *dst,
                  struct rt_result *out);

/* Routing table objects (route.c); NULL on allocation failure. */
struct rtable *rtable_create(int family, unsigned max_routes);
void rtable_destroy(struct rtable *rt);

void ifa_ref(struct inp_ifaddr *ifa);
void ifa_rele(struct inp_ifaddr *ifa);

/*
 * rt_lookup_in6 with a zone: a link-local route (fe80::/10 prefix) belongs
 * to one interface and matches only when scope_if is that interface's
 * index; scope_if 0 lets it match any interface's (first added wins).
 * rt_lookup_in6(v, d, o) is rt_lookup_in6_scoped(v, d, 0, o).
 */
int rt_lookup_in6_scoped(struct inp_vnet *vnet, const struct in6_addr *dst,
                         unsigned scope_if, struct rt_result *out);

/*
 * Helpers for source selection S4/S6/IF-7 (referenced result or NULL;
 * they take cfg_lock): the IPv4 address whose point-to-point peer is a,
 * and the address whose connected prefix contains a (most specific prefix,
 * first configured on ties; point-to-point addresses never match here).
 */
struct inp_ifaddr *ifa_find_dst_in4(struct inp_vnet *vnet, struct in_addr a);
struct inp_ifaddr *ifa_find_net_in4(struct inp_vnet *vnet, struct in_addr a);

/* ---- world internals (net/ module only; cfg_lock held) -------------- */

/* vnet.c: tear a vnet down, no checks (host destruction; host lock held). */
void vnet_free(struct inp_vnet *vnet);
/* vnet.c: a PCB (TIME_WAIT included) remains in a table (host lock held). */
bool vnet_has_pcbs(const struct inp_vnet *vnet);

/* route.c: install / withdraw the routes an address brings (IF-6). */
int rt_ifa_added(struct inp_vnet *vnet, struct inp_ifaddr *ifa);
void rt_ifa_removed(struct inp_vnet *vnet, struct inp_ifaddr *ifa);
/* route.c: ifp became a loopback interface: its loopback routes use it. */
void rt_ifnet_loopback(struct inp_vnet *vnet, struct inp_ifnet *ifp);
/* ifaddr.c / ifnet.c: free every address and interface (vnet teardown). */
void ifaddrs_destroy_all(struct inp_vnet *vnet);
void ifnets_destroy_all(struct inp_vnet *vnet);
/* ifaddr.c: the zone of an IPv6 address (its interface for link-local). */
unsigned ifa_scope6(const struct inp_ifaddr *ifa);

/* ---- vnet-wide pieces other modules provide ------------------------- */

/* pcb module: create/destroy the per-protocol tables of a vnet. */
int pcbinfo_create(struct inp_vnet *vnet, enum inp_proto proto,
                   struct inp_pcbinfo **out);
int pcbinfo_destroy(struct inp_pcbinfo *info);   /* -EBUSY if count != 0 */
unsigned pcbinfo_count(const struct inp_pcbinfo *info);
bool pcbinfo_busy(struct inp_pcbinfo *info);  /* PCBs listed or being freed */
/*
 * pcb module (pcbgroup.c): inp_sysctl_set for the connection-group knobs
 * (net.inet.pcbgroup.*, net.inet.rss.bits): -EBUSY unless every PCB
 * table of the vnet is empty, then the groups are rebuilt.  Takes the
 * hash locks, then cfg_lock.
 */
bool pcbgroup_knob(const char *name);
int pcbgroup_sysctl_set(struct inp_vnet *vnet, const char *name, long value);
/*
 * pcb module: locked reads a PCB allocated from now on needs to earn
 * read bias (net.inet.pcb.read_bias; 0: never).
 */
void pcbinfo_set_read_bias(struct inp_pcbinfo *info, unsigned reads);
/* pcb module: expire TIME_WAIT PCBs whose 2*MSL ended by now_ns. */
void pcbinfo_expire_timewait(struct inp_pcbinfo *info, uint64_t now_ns);
/* pcb module: one limiter tick (P9), called once per elapsed second. */
void port_limiter_tick(struct inp_vnet *vnet);

/* ip module (src/ip): its per-vnet state (reassembly), and its timers. */
int ip_vnet_create(struct inp_vnet *vnet);      /* -ENOMEM */
void ip_vnet_destroy(struct inp_vnet *vnet);
void ip_vnet_run_timers(struct inp_vnet *vnet, uint64_t now_ns);

/* io module (src/io/driver.c): detach and close ifp's driver, if any. */
void if_driver_close(struct inp_ifnet *ifp);
/*
 * Hand a packet to ifp's driver: its result, or -ENETDOWN when the
 * interface is down or has no driver.  Takes ifp->drv_lock for reading.
 */
int if_driver_output(struct inp_ifnet *ifp, const void *pkt, size_t len);

#endif
