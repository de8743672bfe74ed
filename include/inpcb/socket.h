/*
 * inpcb/socket.h - the BSD socket API on an inpcb stack (libinpcb_socket).
 *
 * The calls have the BSD signatures and types (struct sockaddr *,
 * socklen_t, struct msghdr with CMSG_* control messages, struct pollfd)
 * and FreeBSD's semantics, and they report errors as BSD does: -1 with
 * errno set.  This layer is the one place where the library's "negative
 * errno" convention yields to the BSD contract.
 *
 * The calls act on the current stack (stack.h): the default set with
 * inp_stack_set_default(), or, on first use, a stack made from the
 * environment (INPCB_SCRIPT=FILE.pcbs, INPCB_TUN=name).  That default is
 * the only process-wide mutable state of libinpcb_socket; the core
 * library (libinpcb) keeps none.
 *
 * Descriptors are small integers from INP_FD_BASE up, the lowest free one
 * first, so that they never collide with the kernel's: inp_close(),
 * inp_poll(), inp_fcntl(), inp_ioctl(), inp_read() and inp_write() pass a
 * descriptor below INP_FD_BASE to the system call of the same name (this
 * is what lets <inpcb/compat.h> rename close() and poll()).
 *
 * Sockets: AF_INET or AF_INET6; SOCK_DGRAM (UDP) or SOCK_STREAM (TCP),
 * SOCK_NONBLOCK and SOCK_CLOEXEC accepted (the latter ignored).
 *
 * Options: the level and name numbers of the host's headers (Linux):
 * SOL_SOCKET (SO_REUSEADDR, SO_REUSEPORT, SO_BROADCAST, SO_DONTROUTE,
 * SO_RCVBUF, SO_SNDBUF, SO_RCVTIMEO, SO_SNDTIMEO; get only: SO_ERROR,
 * SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN), IPPROTO_IP (IP_TOS,
 * IP_TTL, IP_MINTTL, IP_RECVTTL, IP_RECVTOS, IP_MULTICAST_IF/TTL/LOOP,
 * IP_ADD/DROP_MEMBERSHIP), IPPROTO_IPV6 (IPV6_V6ONLY, IPV6_MULTICAST_IF,
 * IPV6_JOIN/LEAVE_GROUP, IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT,
 * IPV6_RECVTCLASS).  FreeBSD options Linux lacks take FreeBSD's numbers,
 * from sock.h: INP_SO_REUSEPORT_LB, INP_IP_RECVDSTADDR, INP_IP_RECVIF,
 * INP_IP_PORTRANGE, INP_IP_BINDANY, INP_IPV6_PORTRANGE, INP_IPV6_BINDANY
 * (compat.h names them SO_REUSEPORT_LB, IP_RECVDSTADDR ...).  Level
 * INP_SOL_SOCKET (0xffff) takes sock.h's INP_SO_* numbers unchanged.
 *
 * Control messages (recvmsg), FreeBSD's types and payloads: IP_RECVDSTADDR
 * (struct in_addr), IP_RECVTTL and IP_RECVTOS (one u_char each), IP_RECVIF
 * (struct inp_sockaddr_dl), IPV6_PKTINFO (struct in6_pktinfo),
 * IPV6_HOPLIMIT and IPV6_TCLASS (int).  A message is present when the
 * option was on when the datagram was queued (spec UD-11) and is on when
 * it is read.  MSG_CTRUNC when they do not fit, MSG_TRUNC for a datagram
 * longer than the buffers.
 *
 * Blocking: a receive (and accept) waits until data, an error, SO_RCVTIMEO
 * (EAGAIN once it passed; 0 waits for ever), or the descriptor is closed
 * by another thread (EBADF).  Non-blocking: O_NONBLOCK (inp_fcntl),
 * FIONBIO (inp_ioctl), SOCK_NONBLOCK or MSG_DONTWAIT.  Sends never block.
 * inp_poll() reports POLLIN (a datagram queued, a pending error, a
 * connection to accept, SHUT_RD), POLLOUT (sendable), POLLERR (a pending
 * asynchronous error such as ECONNREFUSED), POLLHUP (a refused TCP
 * connect), POLLNVAL (closed descriptor).
 * Every call is thread-safe; a descriptor closed while another thread
 * uses it stays valid for that call.
 *
 * TCP: no TCP segment ever goes on the wire.  listen, connect, accept,
 * close and TIME_WAIT are completed inside the stack, between sockets of
 * the stack (as the scenario language does): connect() finds a listener
 * of the same stack or fails with ECONNREFUSED (also when its queue of
 * max(backlog, 1) connections is full).  Data on TCP sockets is not
 * supported: send and receive fail with EOPNOTSUPP.  The side that closes
 * first enters TIME_WAIT (2*MSL, net.inet.tcp.msl).
 */
#ifndef INPCB_SOCKET_H
#define INPCB_SOCKET_H

#include <inpcb/stack.h>
#include <inpcb/sock.h>

#include <poll.h>
#include <sys/types.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The first descriptor of the stack; below it: the kernel's. */
#define INP_FD_BASE 0x40000000
/* At most this many descriptors per stack (EMFILE). */
#define INP_FD_MAX 65536

/* FreeBSD's struct sockaddr_dl, the payload of IP_RECVIF. */
#define INP_AF_LINK 18
struct inp_sockaddr_dl {
	unsigned char sdl_len;      /* sizeof(struct inp_sockaddr_dl) */
	unsigned char sdl_family;   /* INP_AF_LINK */
	unsigned short sdl_index;   /* the receiving interface */
	unsigned char sdl_type;     /* 0: not told */
	unsigned char sdl_nlen;     /* its name's length, in sdl_data */
	unsigned char sdl_alen;     /* 0: no link-level address */
	unsigned char sdl_slen;     /* 0 */
	char sdl_data[46];
};

int inp_socket(int domain, int type, int protocol);
int inp_bind(int s, const struct sockaddr *addr, socklen_t addrlen);
/* UDP: AF_UNSPEC dissolves the association (spec C11). */
int inp_connect(int s, const struct sockaddr *name, socklen_t namelen);
int inp_listen(int s, int backlog);
int inp_accept(int s, struct sockaddr *addr, socklen_t *addrlen);
int inp_close(int fd);
int inp_shutdown(int s, int how);
int inp_setsockopt(int s, int level, int optname, const void *optval,
                   socklen_t optlen);
int inp_getsockopt(int s, int level, int optname, void *optval,
                   socklen_t *optlen);
int inp_getsockname(int s, struct sockaddr *name, socklen_t *namelen);
int inp_getpeername(int s, struct sockaddr *name, socklen_t *namelen);

/*
 * flags: sends take MSG_DONTWAIT and MSG_NOSIGNAL (no effect: sends never
 * block, nothing raises SIGPIPE); receives MSG_DONTWAIT, MSG_PEEK and
 * MSG_WAITALL (no effect on datagrams); others: EOPNOTSUPP.  sendmsg takes
 * no control messages (EOPNOTSUPP).
 */
ssize_t inp_sendto(int s, const void *buf, size_t len, int flags,
                   const struct sockaddr *to, socklen_t tolen);
ssize_t inp_sendmsg(int s, const struct msghdr *msg, int flags);
ssize_t inp_send(int s, const void *buf, size_t len, int flags);
ssize_t inp_recvfrom(int s, void *buf, size_t len, int flags,
                     struct sockaddr *from, socklen_t *fromlen);
ssize_t inp_recvmsg(int s, struct msghdr *msg, int flags);
ssize_t inp_recv(int s, void *buf, size_t len, int flags);

/*
 * poll(2) over stack descriptors, kernel descriptors or both (a negative
 * fd is ignored, as poll's).  With kernel descriptors the wait is the
 * kernel's poll(2), woken by the stack through an eventfd.
 */
int inp_poll(struct pollfd *fds, nfds_t nfds, int timeout);

/*
 * fcntl(2): F_GETFL / F_SETFL (O_NONBLOCK; O_RDWR reported), F_GETFD /
 * F_SETFD (accepted, no effect) on stack descriptors; EINVAL for other
 * commands.  Kernel descriptors: the system call.
 */
int inp_fcntl(int fd, int cmd, ...);
/* ioctl(2): FIONBIO (int *), FIONREAD (int *: the next datagram's size). */
int inp_ioctl(int fd, unsigned long request, ...);
/* read(2) / write(2): inp_recv / inp_send with flags 0 on stack fds. */
ssize_t inp_read(int fd, void *buf, size_t len);
ssize_t inp_write(int fd, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
