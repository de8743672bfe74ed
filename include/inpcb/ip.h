/*
 * inpcb/ip.h - the IP/UDP datapath: packet input, ICMP errors, output and
 * the statistics that account for every packet.
 *
 * inp_ip_input() validates an IPv4 or IPv6 packet, handles UDP (length,
 * checksum, delivery through inp_udp_deliver() with the ancillary data taken
 * from the real headers), answers unicast datagrams without a receiver with
 * a rate-limited ICMP / ICMPv6 port unreachable, and reports ICMP errors to
 * connected UDP sockets (ECONNREFUSED on their next receive).  Every packet
 * ends in exactly one counter.
 *
 * Threading: inp_ip_input() and the send calls may run concurrently on any
 * threads; each takes the locks it needs (see pcb.h, udp.h).
 */
#ifndef INPCB_IP_H
#define INPCB_IP_H

#include <inpcb/types.h>
#include <inpcb/sock.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Flags for inp_ip_input(). */
#define INP_PKT_LINK_BCAST 0x1  /* arrived as a link-layer bcast/mcast */
#define INP_PKT_CSUM_OK    0x2  /* the NIC verified the checksums */

/*
 * Process one received IP packet (no link header) on rcvif (NULL: lo0).
 * Returns 0 when the packet was consumed (delivered, answered or counted
 * as dropped), or -EINVAL for bad arguments (rcvif of another vnet, pkt
 * NULL with len > 0, unknown flags) -- those are not counted.  Never reads
 * beyond len.  Fragments are reassembled (RFC 791 / RFC 8200) within the
 * limits of struct inp_limits; incomplete datagrams expire after 30 s
 * (IPv4) or 60 s (IPv6) of the host clock, see inp_host_run_timers().
 * Looks PCBs up: register the calling thread (inpcb/thread.h) for the
 * lockless path.
 */
int inp_ip_input(struct inp_vnet *vnet, struct inp_ifnet *rcvif,
                 const void *pkt, size_t len, unsigned flags);

/*
 * Send a UDP datagram.  dst NULL sends to the connected peer (-ENOTCONN on
 * an unconnected socket; -EISCONN for a dst on a connected one, as
 * FreeBSD).  An unbound socket is bound implicitly (spec 2.7: the port
 * only, the address stays the wildcard unless the jail restricts the
 * family).  The source is chosen by the spec's S rules (unconnected sends
 * do not bind it); IP_TOS, IP_TTL, IP_MULTICAST_TTL, IP_MULTICAST_LOOP and
 * IP_MULTICAST_IF apply to IPv4 (also v4-mapped sends of AF_INET6
 * sockets); IPv6 sends use hop limit 64 (1 for multicast), traffic class
 * 0 and loop multicast back.  Local destinations are delivered inside the
 * stack (rcvif: the interface owning the address); others go to the
 * outgoing interface's driver (-ENETDOWN without one or when it is down,
 * -EHOSTUNREACH / -ENETUNREACH without a route).  A multicast copy for
 * local members is delivered even when the driver fails; a broadcast is
 * delivered locally too once the driver took it (IFF_SIMPLEX).
 * Other errors: -EACCES (broadcast without SO_BROADCAST), -EMSGSIZE (more
 * than SO_SNDBUF bytes, 9216 by default as FreeBSD's
 * net.inet.udp.maxdgram), -EADDRNOTAVAIL (port 0), -EAFNOSUPPORT /
 * -EINVAL (address family, length, V6ONLY), -EOPNOTSUPP (TCP), and the
 * driver's own.  A pending asynchronous error (ECONNREFUSED) is reported
 * first and cleared.  Returns the number of payload bytes sent.
 */
long inp_sock_sendto(struct inp_sock *so, const void *buf, size_t len,
                     const struct sockaddr *dst, socklen_t dstlen);

/*
 * The socket's pending asynchronous error (SO_ERROR), cleared by reading:
 * 0 or a positive errno such as ECONNREFUSED.  An ICMP / ICMPv6
 * destination unreachable quoting a datagram of a connected UDP socket
 * (exact 4-tuple, FreeBSD udp_common_ctlinput) sets it: ECONNREFUSED for
 * port, protocol and administrative unreachables, EHOSTUNREACH for net
 * and host ones.  inp_sock_recv() returns it (negative) once when no
 * datagram is queued, as FreeBSD's soreceive_dgram; inp_sock_sendto()
 * returns it before sending.
 */
int inp_sock_error(struct inp_sock *so);

/*
 * IP and ICMP statistics, FreeBSD netstat -s names.  IPv4 and IPv6 (and
 * ICMP and ICMPv6) are counted together.  The ledgers, each an equation
 * the tests check:
 *
 *   input   ips_total + ips_reassembled = ips_toosmall + ips_tooshort +
 *           ips_badvers + ips_badhlen + ips_badlen + ips_badsum +
 *           ips_badaddr + ip6s_badscope + ip6s_badoptions +
 *           ip6s_toomanyhdr + ips_cantforward + ips_fragments +
 *           ips_noproto + ips_delivered
 *   (a fragment ends in ips_fragments; the datagram it helps rebuild
 *   re-enters counted by ips_reassembled)
 *   fragments  ips_fragments = ips_fragdropped + ips_fragtimeout +
 *           fragments used by ips_reassembled datagrams + those pending
 *   delivered  ips_delivered = the datagrams UDP counted (udps_ipackets)
 *           + icps_tooshort + icps_checksum + icps_badlen + icps_badcode +
 *           icps_inhist_unreach + icps_inhist_other
 *   output  ips_localout = ips_otransmitted + ips_oloopback +
 *           ips_noroute + ips_odropped
 *   errors  every port unreachable UDP asked for (after icps_ratelimited)
 *           ends in icps_error, icps_oldicmp or icps_badaddr
 */
struct inp_ipstat {
	uint64_t ips_total;         /* packets received */
	uint64_t ips_badsum;        /* IPv4 header checksum */
	uint64_t ips_tooshort;      /* shorter than the header says */
	uint64_t ips_toosmall;      /* too short for a header */
	uint64_t ips_badhlen;       /* IPv4 header length < 20 */
	uint64_t ips_badlen;        /* total length < header length */
	uint64_t ips_badvers;       /* neither 4 nor 6 */
	uint64_t ips_fragments;     /* fragments received */
	uint64_t ips_fragdropped;   /* fragments dropped (limits, dups) */
	uint64_t ips_fragtimeout;   /* fragments expired */
	uint64_t ips_reassembled;   /* datagrams reassembled */
	uint64_t ips_noproto;       /* unknown or unsupported protocol */
	uint64_t ips_cantforward;   /* not for us (we do not forward) */
	uint64_t ips_delivered;     /* handed to UDP or ICMP */
	uint64_t ips_localout;      /* packets sent */
	uint64_t ips_noroute;       /* no route on output */
	uint64_t ips_odropped;      /* output dropped (driver, no buffer) */
	uint64_t ip6s_badoptions;   /* bad extension header chain */
	uint64_t ip6s_toomanyhdr;   /* extension header chain too long */
	uint64_t icps_error;        /* ICMP errors generated */
	uint64_t icps_ratelimited;  /* ... suppressed by the rate limit */
	uint64_t icps_inhist_unreach; /* ICMP unreachable received */
	uint64_t icps_badcode;      /* bad ICMP received */
	uint64_t icps_checksum;     /* bad ICMP checksum */
	/* refinements (dpcore) */
	uint64_t ips_badaddr;       /* IPv4 127/8 seen on a wire (RFC 1122) */
	uint64_t ip6s_badscope;     /* IPv6 source/destination not allowed */
	uint64_t ips_otransmitted;  /* output handed to a driver */
	uint64_t ips_oloopback;     /* output delivered inside the stack */
	uint64_t icps_tooshort;     /* ICMP shorter than its header */
	uint64_t icps_badlen;       /* error quoting too little to use */
	uint64_t icps_inhist_other; /* ICMP of other types (ignored) */
	uint64_t icps_oldicmp;      /* no error: the datagram was an error */
	uint64_t icps_badaddr;      /* no error: source not answerable */
};

/* Copy the vnet's IP and ICMP statistics. */
int inp_ip_stats(struct inp_vnet *vnet, struct inp_ipstat *st);

#ifdef __cplusplus
}
#endif
#endif
