/*
 * inpcb/host.h - the host object: the root of one library instance.
 *
 * A host owns the injected clock and random source, the jail tree, the MAC
 * policies and every vnet.  Nothing in the library is global: two hosts in
 * one process are fully independent.
 *
 * Threading: host functions are serialised by the host lock.  Objects
 * reached through a host must not be used after inp_host_destroy().
 */
#ifndef INPCB_HOST_H
#define INPCB_HOST_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Injected time and randomness.  Either callback may be NULL: the library
 * then uses CLOCK_MONOTONIC and getrandom(2).  Tests inject a settable
 * clock and a seeded generator so that every run is reproducible.  Both
 * may be called from several threads at once (ports are drawn under
 * per-table locks, IPv4 ids by every sending thread): an injected source
 * must be thread-safe.
 */
struct inp_host_ops {
	uint64_t (*now_ns)(void *ctx);   /* monotonic nanoseconds */
	uint32_t (*random32)(void *ctx); /* uniformly distributed 32 bits */
	void *ctx;
};

/*
 * Configurable limits.  Zero means the default given in brackets.
 * Reaching a limit makes the creating call fail with -ENOBUFS.
 */
struct inp_limits {
	unsigned max_vnets;        /* [64] */
	unsigned max_pcbs;         /* per vnet and protocol [65536] */
	unsigned max_jails;        /* per host [1024] */
	unsigned max_routes;       /* per vnet and family [4096] */
	unsigned max_ifaddrs;      /* per vnet [4096] */
	unsigned max_ifnets;       /* per vnet [256] */
	/* largest SO_RCVBUF / SO_SNDBUF (kern.ipc.maxsockbuf) [2097152] */
	unsigned rcvbuf_max;
	/* IP reassembly per vnet: datagrams being rebuilt [128], the bytes
	 * their fragments hold [1048576], fragments per datagram [16] */
	unsigned reass_max_datagrams;
	unsigned reass_max_bytes;
	unsigned reass_max_frags;
};

/*
 * Create a host.  ops and limits may be NULL.  The host starts with no
 * vnet; create one with inp_vnet_create().
 * Returns 0 and *out, or -EINVAL (out NULL), -ENOMEM.
 */
int inp_host_create(const struct inp_host_ops *ops,
                    const struct inp_limits *limits, struct inp_host **out);

/*
 * Destroy a host and every vnet, jail and credential it still holds.
 * Returns -EBUSY, and destroys nothing, while any vnet still has sockets
 * or PCBs.  Caller must be the only user of the host.
 */
int inp_host_destroy(struct inp_host *host);

/* The host's clock, in nanoseconds, as the injected callback reports it. */
uint64_t inp_host_now_ns(const struct inp_host *host);

/*
 * Run every timer that is due at the current time of the injected clock:
 * the per-vnet ephemeral port randomisation limiter ticks once per second
 * (spec P9), TIME_WAIT PCBs expire after 2*MSL and incomplete IP
 * reassemblies after 30 s (IPv4) / 60 s (IPv6).  Call it from the
 * application's event loop, or after moving an injected clock forward.
 * Takes the host lock, then each vnet's locks.
 */
int inp_host_run_timers(struct inp_host *host);

#ifdef __cplusplus
}
#endif
#endif
