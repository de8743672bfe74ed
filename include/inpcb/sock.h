/*
 * inpcb/sock.h - the socket object: options, receive queue and one PCB.
 *
 * This is the object-level API the PCB semantics are exercised through:
 * every call takes a struct inp_sock * and returns 0 or a negative errno.
 * (A BSD file-descriptor style API is layered on top of it separately.)
 *
 * Option names and values are FreeBSD's, in the INP_ namespace, so that
 * programs on Linux hosts see FreeBSD semantics (SO_REUSEPORT_LB,
 * IP_BINDANY, IP_RECVDSTADDR ... exist here even where the host lacks them).
 *
 * TCP: the library has no TCP state machine.  listen, an incoming
 * connection completed with inp_sock_accept(), connect (taken as
 * established at once), TIME_WAIT and close are modelled at the PCB level;
 * no segment is ever sent.
 *
 * Threading: calls on one socket are serialised by its PCB lock; calls on
 * different sockets may run concurrently.  A socket must not be used after
 * inp_sock_close() or inp_sock_timewait().
 */
#ifndef INPCB_SOCK_H
#define INPCB_SOCK_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Option levels. */
#define INP_SOL_SOCKET    0xffff
#define INP_IPPROTO_IP    0
#define INP_IPPROTO_IPV6  41

/* Socket level options (int values 0 or 1). */
#define INP_SO_REUSEADDR     0x0004
#define INP_SO_DONTROUTE     0x0010
#define INP_SO_BROADCAST     0x0020  /* sendto a broadcast address (EACCES) */
#define INP_SO_REUSEPORT     0x0200
#define INP_SO_REUSEPORT_LB  0x10000

/*
 * Socket buffer sizes in bytes (int).  Receive: a datagram is queued only
 * when its payload plus its address record (sizeof sockaddr_in or
 * sockaddr_in6) fits in what is left, else it is dropped whole
 * (udps_fullsock, UD-10).  UDP defaults are FreeBSD's: receive 42080
 * (40 x (1024 + sizeof(struct sockaddr_in6)), spec LC-5), send 9216
 * (net.inet.udp.maxdgram: the largest datagram inp_sock_sendto takes).
 * TCP: 65536 and 32768.  Settable up to limits.rcvbuf_max (host.h,
 * -ENOBUFS above); 0 or negative: -EINVAL.
 */
#define INP_SO_SNDBUF        0x1001
#define INP_SO_RCVBUF        0x1002

/* IPv4 options. */
#define INP_IP_TOS              3   /* int 0..255 */
#define INP_IP_TTL              4   /* int 0..255 */
#define INP_IP_RECVDSTADDR      7   /* int bool */
#define INP_IP_MULTICAST_IF     9   /* struct in_addr; 0.0.0.0 clears */
#define INP_IP_MULTICAST_TTL    10  /* int 0..255 */
#define INP_IP_MULTICAST_LOOP   11  /* int bool */
#define INP_IP_ADD_MEMBERSHIP   12  /* struct ip_mreq */
#define INP_IP_DROP_MEMBERSHIP  13  /* struct ip_mreq */
#define INP_IP_PORTRANGE        19  /* int INP_IP_PORTRANGE_* */
#define INP_IP_RECVIF           20  /* int bool */
#define INP_IP_BINDANY          24  /* int bool; needs INP_PRIV_BINDANY */
#define INP_IP_RECVTTL          65  /* int bool */
#define INP_IP_MINTTL           66  /* int 0..255 */
#define INP_IP_RECVTOS          68  /* int bool */
/*
 * int, get only (FreeBSD's IP_RSSBUCKETID): the RSS bucket of the
 * connection's replies, Toeplitz of (source = peer, destination = us) as
 * the connection groups hash it (TCP 4-tuple, UDP 2-tuple, default key)
 * masked to net.inet.rss.bits; -ENOTCONN when not connected; setting it
 * is -ENOPROTOOPT.
 */
#define INP_IP_RSSBUCKETID      92
/*
 * int -1..127, an inpcb extension (not a FreeBSD option): >= 0 makes
 * connect-style port choices (connect, the first sendto) of this socket
 * prefer ports whose replies land in that RSS bucket (its low
 * net.inet.rss.bits bits), overriding net.inet.ip.portrange.rss_bucket;
 * -1, the default, follows the sysctl.  Other values: -EINVAL.
 */
#define INP_IP_RSS_CONNECT_BUCKET 0x7001

#define INP_IP_PORTRANGE_DEFAULT 0
#define INP_IP_PORTRANGE_HIGH    1
#define INP_IP_PORTRANGE_LOW     2

/* IPv6 options. */
#define INP_IPV6_MULTICAST_IF   9   /* unsigned interface index */
#define INP_IPV6_JOIN_GROUP     12  /* struct ipv6_mreq */
#define INP_IPV6_LEAVE_GROUP    13  /* struct ipv6_mreq */
#define INP_IPV6_PORTRANGE      14  /* int INP_IP_PORTRANGE_* */
#define INP_IPV6_V6ONLY         27  /* int bool; EINVAL once bound */
#define INP_IPV6_BINDANY        64  /* int bool; needs INP_PRIV_BINDANY */

/*
 * Create a socket of family AF_INET or AF_INET6 and protocol proto in
 * vnet, owned by cred (NULL: an unjailed uid-0 credential of the host).
 * The socket takes its own reference on cred.
 * Errors: -EAFNOSUPPORT (family, or the jail disables it, J9), -EINVAL,
 * -ENOBUFS (PCB limit), -ENOMEM (a MAC policy refused the label).
 */
int inp_sock_open(struct inp_vnet *vnet, int family, enum inp_proto proto,
                  struct inp_cred *cred, struct inp_sock **out);

/*
 * Attach a label (at most INP_LABEL_MAX-1 characters, used in explanations
 * and listings) and an opaque user pointer to the socket and its PCB.
 * The PCB keeps a heap copy of the label ("" removes it): -ENOMEM when
 * that fails, -EINVAL when too long; the old label stays on error.
 */
int inp_sock_set_label(struct inp_sock *so, const char *label);
const char *inp_sock_label(const struct inp_sock *so);
void inp_sock_set_udata(struct inp_sock *so, void *udata);
void *inp_sock_udata(const struct inp_sock *so);

int inp_sock_family(const struct inp_sock *so);
enum inp_proto inp_sock_proto(const struct inp_sock *so);

/* bind(2): spec section 2 (rules B1-B14, T1, R1-R5, X1-X3, P1-P12). */
int inp_sock_bind(struct inp_sock *so, const struct sockaddr *addr,
                  socklen_t len, struct inp_explain *why);

/*
 * connect(2): spec section 4 (C1-C11, S1-S8).  For a connected UDP socket
 * the association is first dissolved (C3); TCP is taken as established.
 */
int inp_sock_connect(struct inp_sock *so, const struct sockaddr *addr,
                     socklen_t len, struct inp_explain *why);

/*
 * Dissolve a UDP association (C11): the port stays bound, the local
 * address becomes the wildcard.  -ENOTCONN when not connected.
 */
int inp_sock_disconnect(struct inp_sock *so, struct inp_explain *why);

/* listen(2) for TCP: implicit wildcard bind when unbound (section 2.7). */
int inp_sock_listen(struct inp_sock *so, int backlog, struct inp_explain *why);

/*
 * Complete an incoming TCP connection on listener so from the peer `from`
 * to the local address `to` (NULL: the listener's own address, which must
 * then be specific).  The new socket has the connection's 4-tuple, the
 * listener's credential and options, and is returned in *out.
 * Errors: -EINVAL (not listening, to missing for a wildcard listener),
 * -EADDRINUSE (4-tuple taken), -EAFNOSUPPORT, -ENOBUFS, -ENXIO (a scoped
 * address whose sin6_scope_id names no interface).  A scoped IPv6 address
 * is in the zone of its sin6_scope_id: fe80::1%em0 and fe80::1%em1 are
 * different addresses here as everywhere in the library.
 */
int inp_sock_accept(struct inp_sock *so, const struct sockaddr *from,
                    const struct sockaddr *to, struct inp_sock **out,
                    struct inp_explain *why);

/*
 * The connected TCP socket's connection enters TIME_WAIT: the socket is
 * released (so becomes invalid), the PCB keeps the 4-tuple and port until
 * 2*MSL (net.inet.tcp.msl) has passed, see inp_host_run_timers().
 * -EINVAL when the socket is not a connected TCP socket.
 */
int inp_sock_timewait(struct inp_sock *so);

/* close(2): detach and free the PCB; so becomes invalid.  Returns 0. */
int inp_sock_close(struct inp_sock *so);

/*
 * setsockopt(2) / getsockopt(2) with INP_* levels and names.  Unknown
 * option: -ENOPROTOOPT; bad length or value: -EINVAL; missing privilege:
 * -EPERM; a multicast option (IP_MULTICAST_*, IP_ADD/DROP_MEMBERSHIP,
 * IPV6_MULTICAST_IF, IPV6_JOIN/LEAVE_GROUP) on a TCP socket: -EOPNOTSUPP,
 * as FreeBSD's multicast code serves datagram sockets only.  Rules in
 * spec sections 1.1, 1.2, 1.3, 4.3 (S2).
 */
int inp_sock_setopt(struct inp_sock *so, int level, int name,
                    const void *val, socklen_t len, struct inp_explain *why);
int inp_sock_getopt(struct inp_sock *so, int level, int name, void *val,
                    socklen_t *len);

/* getsockname(2) / getpeername(2) (-ENOTCONN when unconnected). */
int inp_sock_name(struct inp_sock *so, struct sockaddr_storage *ss,
                  socklen_t *len);
int inp_sock_peer(struct inp_sock *so, struct sockaddr_storage *ss,
                  socklen_t *len);

/*
 * One received datagram.  The `have` bits tell which ancillary fields were
 * recorded: a field is present only if its receive option was on when the
 * datagram was queued (spec UD-11).
 */
#define INP_RCV_DSTADDR 0x1 /* IP_RECVDSTADDR */
#define INP_RCV_TTL     0x2 /* IP_RECVTTL */
#define INP_RCV_TOS     0x4 /* IP_RECVTOS */
#define INP_RCV_IF      0x8 /* IP_RECVIF */
struct inp_rcvinfo {
	struct sockaddr_storage src; /* the sender */
	struct sockaddr_storage dst; /* INP_RCV_DSTADDR */
	unsigned have;
	uint8_t ttl;                 /* INP_RCV_TTL */
	uint8_t tos;                 /* INP_RCV_TOS */
	unsigned ifindex;            /* INP_RCV_IF */
	size_t len;                  /* datagram length */
};

/*
 * Take the oldest queued datagram: fills *info and copies up to buflen
 * payload bytes into buf (which may be NULL).  Returns the number of bytes
 * copied, or -EAGAIN when nothing is queued -- or, then, once, a pending
 * asynchronous error such as -ECONNREFUSED (see inp_sock_error, ip.h).
 */
long inp_sock_recv(struct inp_sock *so, struct inp_rcvinfo *info, void *buf,
                   size_t buflen);

/*
 * inp_sock_recv() without taking anything: copies the oldest datagram's
 * info and up to buflen bytes (buf may be NULL), leaving it queued, and
 * returns the bytes copied; when nothing is queued, the pending
 * asynchronous error (negative, not cleared) or -EAGAIN.
 */
long inp_sock_peek(struct inp_sock *so, struct inp_rcvinfo *info, void *buf,
                   size_t buflen);

/*
 * What the receive queue holds: the payload bytes of every queued
 * datagram (FreeBSD's FIONREAD, sbavail) and their number; either
 * pointer may be NULL.  0, or -EINVAL for a NULL socket.  Thread-safe.
 */
int inp_sock_rcv_queued(struct inp_sock *so, size_t *bytes,
                        unsigned *datagrams);

/*
 * Upcall: fn(so, arg) is called after a datagram was appended to the
 * socket's receive queue or an asynchronous error (so_error) was set, so
 * that a layer above can wake threads waiting for the socket (the BSD
 * socket layer, socket.h).  It runs on the delivering thread with the
 * socket's PCB read-locked and no buffer lock held: it must be short and
 * must not call into the library (it may take locks of its own that are
 * never held across a library call).  fn NULL removes it.  -EINVAL when so
 * is NULL.  Set it before the socket can receive, or expect a concurrent
 * delivery to see either the old or the new upcall.
 */
typedef void (*inp_sock_upcall_fn)(struct inp_sock *so, void *arg);
int inp_sock_set_upcall(struct inp_sock *so, inp_sock_upcall_fn fn,
                        void *arg);

/* The socket's PCB (never NULL while the socket lives). */
struct inp_pcb *inp_sock_pcb(struct inp_sock *so);

#ifdef __cplusplus
}
#endif
#endif
