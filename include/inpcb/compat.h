/*
 * inpcb/compat.h - opt-in: run an unmodified BSD socket program on inpcb.
 *
 *   #include <inpcb/compat.h>      after or instead of the system headers
 *   cc prog.c $(pkg-config --cflags --libs inpcb-socket)
 *   INPCB_SCRIPT=world.pcbs INPCB_TUN=tun0 ./prog
 *
 * socket(), bind(), connect(), listen(), accept(), close(), shutdown(),
 * setsockopt(), getsockopt(), getsockname(), getpeername(), send(),
 * sendto(), sendmsg(), recv(), recvfrom(), recvmsg(), poll(), fcntl(),
 * ioctl(), read() and write() become the inp_ calls of socket.h, which
 * act on the default stack (made from INPCB_SCRIPT and INPCB_TUN on the
 * first socket()).  Stack descriptors start at INP_FD_BASE; close(),
 * poll(), fcntl(), ioctl(), read() and write() pass any other descriptor
 * to the system, so files, pipes and the terminal keep working, and poll()
 * may mix both kinds.  Define INPCB_COMPAT_NO_RW before the include to
 * keep read() and write() the system's.
 *
 * The macros are function-like: a struct member called close or poll is
 * renamed only where it is called.  The system headers are included
 * first, so their declarations keep the system's names.
 *
 * Not mapped: select() and epoll.  Stack descriptors are far above
 * FD_SETSIZE, so FD_SET() on one overflows the fd_set; such a program
 * must wait with poll().
 *
 * FreeBSD's option names that Linux lacks are defined with FreeBSD's
 * numbers (socket.h): SO_REUSEPORT_LB, IP_RECVDSTADDR, IP_RECVIF,
 * IP_PORTRANGE, IP_BINDANY, IPV6_PORTRANGE, IPV6_BINDANY, and struct
 * sockaddr_dl / AF_LINK for the IP_RECVIF control message.
 */
#ifndef INPCB_COMPAT_H
#define INPCB_COMPAT_H

#include <inpcb/socket.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define socket(d, t, p)            inp_socket(d, t, p)
#define bind(s, a, l)              inp_bind(s, a, l)
#define connect(s, a, l)           inp_connect(s, a, l)
#define listen(s, b)               inp_listen(s, b)
#define accept(s, a, l)            inp_accept(s, a, l)
#define close(s)                   inp_close(s)
#define shutdown(s, h)             inp_shutdown(s, h)
#define setsockopt(s, l, n, v, k)  inp_setsockopt(s, l, n, v, k)
#define getsockopt(s, l, n, v, k)  inp_getsockopt(s, l, n, v, k)
#define getsockname(s, a, l)       inp_getsockname(s, a, l)
#define getpeername(s, a, l)       inp_getpeername(s, a, l)
#define send(s, b, n, f)           inp_send(s, b, n, f)
#define sendto(s, b, n, f, a, l)   inp_sendto(s, b, n, f, a, l)
#define sendmsg(s, m, f)           inp_sendmsg(s, m, f)
#define recv(s, b, n, f)           inp_recv(s, b, n, f)
#define recvfrom(s, b, n, f, a, l) inp_recvfrom(s, b, n, f, a, l)
#define recvmsg(s, m, f)           inp_recvmsg(s, m, f)
#define poll(f, n, t)              inp_poll(f, n, t)
#define fcntl(...)                 inp_fcntl(__VA_ARGS__)
#define ioctl(...)                 inp_ioctl(__VA_ARGS__)
#ifndef INPCB_COMPAT_NO_RW
#define read(s, b, n)              inp_read(s, b, n)
#define write(s, b, n)             inp_write(s, b, n)
#endif

/* FreeBSD's names for options the host's headers lack. */
#ifndef SO_REUSEPORT_LB
#define SO_REUSEPORT_LB INP_SO_REUSEPORT_LB
#endif
#ifndef IP_RECVDSTADDR
#define IP_RECVDSTADDR INP_IP_RECVDSTADDR
#endif
#ifndef IP_RECVIF
#define IP_RECVIF INP_IP_RECVIF
#endif
#ifndef IP_PORTRANGE
#define IP_PORTRANGE INP_IP_PORTRANGE
#define IP_PORTRANGE_DEFAULT INP_IP_PORTRANGE_DEFAULT
#define IP_PORTRANGE_HIGH INP_IP_PORTRANGE_HIGH
#define IP_PORTRANGE_LOW INP_IP_PORTRANGE_LOW
#endif
#ifndef IP_BINDANY
#define IP_BINDANY INP_IP_BINDANY
#endif
#ifndef IPV6_PORTRANGE
#define IPV6_PORTRANGE INP_IPV6_PORTRANGE
#endif
#ifndef IPV6_BINDANY
#define IPV6_BINDANY INP_IPV6_BINDANY
#endif
#ifndef AF_LINK
#define AF_LINK INP_AF_LINK
#define sockaddr_dl inp_sockaddr_dl
#endif

#endif
