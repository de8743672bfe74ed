/*
 * inpcb/udp.h - UDP delivery at the PCB level and UDP statistics.
 *
 * inp_udp_deliver() is what a datapath calls once a datagram's headers are
 * validated: it finds the receiving socket(s) (spec section 7: unicast
 * lookup, broadcast and multicast fan-out with the membership filter and
 * the reuse continuation rule), queues a copy on each with the ancillary
 * data their receive options ask for, and counts the outcome.
 *
 * Threading: safe concurrently with every other call; takes the PCB table
 * locks and each recipient's PCB lock.
 */
#ifndef INPCB_UDP_H
#define INPCB_UDP_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the IP layer knows about a datagram that arrived. */
struct inp_udp_meta {
	struct inp_ifnet *rcvif;  /* receiving interface (NULL: lo0) */
	uint8_t tos;              /* IPv4 TOS / IPv6 traffic class */
	uint8_t ttl;              /* IPv4 TTL / IPv6 hop limit */
	bool link_bcast;          /* arrived as a link-layer broadcast/mcast */
	const void *payload;      /* may be NULL (then len zero bytes queued) */
	size_t len;               /* payload length */
};

enum inp_udp_outcome {
	INP_UDP_DELIVERED = 0,    /* queued on one or more sockets */
	INP_UDP_UNREACH,          /* no receiver: ICMP port unreachable due */
	INP_UDP_NOPORT_BCAST,     /* no receiver for broadcast: dropped */
	INP_UDP_NOPORT_MCAST,     /* no receiver for multicast: dropped */
	INP_UDP_DROPPED,          /* dropped: see the counters */
};

struct inp_udp_result {
	enum inp_udp_outcome outcome;
	unsigned n;               /* sockets that received a copy */
	/* The first `max` recipients' udata pointers, in delivery order. */
	void **rcpt;              /* caller's array, may be NULL */
	unsigned max;
};

/*
 * Deliver a UDP datagram from src to dst (same family).  res may be NULL.
 * The receiving interface is meta->rcvif, else the one named by the zone
 * of a scoped dst, else the one owning dst (IPv4: else the one whose
 * broadcast address dst is), else lo0.  A scoped IPv6 address without
 * sin6_scope_id is in the receiving interface's zone (inp_pcb_lookup).
 * Returns 0 whatever the outcome (see res), -EINVAL / -EAFNOSUPPORT for bad
 * arguments.  why, if not NULL, names the deciding rule (UD-n, L-n, G-n).
 * Looks PCBs up: register the calling thread (inpcb/thread.h) for the
 * lockless path.
 */
int inp_udp_deliver(struct inp_vnet *vnet, const struct sockaddr *src,
                    const struct sockaddr *dst,
                    const struct inp_udp_meta *meta,
                    struct inp_udp_result *res, struct inp_explain *why);

/* Per-vnet UDP statistics, FreeBSD netstat -s -p udp names. */
struct inp_udpstat {
	uint64_t udps_ipackets;      /* datagrams received */
	uint64_t udps_hdrops;        /* header too short */
	uint64_t udps_badsum;        /* bad checksum */
	uint64_t udps_nosum;         /* no checksum */
	uint64_t udps_badlen;        /* bad data length */
	uint64_t udps_noport;        /* no socket on the port */
	uint64_t udps_noportbcast;   /* ... of them broadcast */
	uint64_t udps_noportmcast;   /* ... of them multicast */
	uint64_t udps_filtermcast;   /* multicast source filtered */
	uint64_t udps_fullsock;      /* receive queue full */
	uint64_t udps_delivered;     /* delivered to at least one socket */
	uint64_t udps_minttl;        /* below IP_MINTTL */
	uint64_t udps_macdrop;       /* refused by a MAC policy */
	uint64_t udps_dport0;        /* destination port zero */
	uint64_t ips_notmember;      /* multicast: not a member on rcvif */
	uint64_t udps_opackets;      /* datagrams output (inp_sock_sendto) */
};

/* Copy the vnet's UDP statistics. */
int inp_udp_stats(struct inp_vnet *vnet, struct inp_udpstat *st);

#ifdef __cplusplus
}
#endif
#endif
