/*
 * sock_internal.h - the socket object behind struct inp_sock: its options
 * and its receive queue.  The PCB points back at it until detach.
 */
#ifndef INPCB_SOCK_INTERNAL_H
#define INPCB_SOCK_INTERNAL_H

#include "pcb/pcb_internal.h"

/* One queued datagram. */
/*
 * A queued datagram.  The receive information is kept in the size its
 * family needs, not as the 280 bytes of struct inp_rcvinfo: every
 * delivered datagram is allocated and copied here (sock_append), and at
 * millions per second the two sockaddr_storage were most of the record.
 */
union sock_addr {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

struct sock_dgram {
	struct sock_dgram *next;
	union sock_addr src, dst;
	unsigned have;              /* INP_RCV_* recorded */
	uint8_t ttl, tos;
	unsigned ifindex;
	size_t len;
	size_t cost;                /* what it takes of the buffer (bytes) */
	unsigned char data[];       /* len bytes */
};

/*
 * Buffer sizes (sock.h, INP_SO_RCVBUF / INP_SO_SNDBUF): FreeBSD's UDP
 * defaults (spec LC-5, net.inet.udp.maxdgram) and tcp_recvspace /
 * tcp_sendspace.
 */
#define SOCK_UDP_RCVBUF (40 * (1024 + sizeof(struct sockaddr_in6)))
#define SOCK_UDP_SNDBUF 9216
#define SOCK_TCP_RCVBUF 65536
#define SOCK_TCP_SNDBUF 32768

struct inp_sock {
	struct inp_vnet *vnet;
	struct inp_pcb *pcb;        /* never NULL while the socket lives */
	struct inp_cred *cred;      /* own reference */
	int family;
	enum inp_proto proto;
	unsigned options;           /* INP_SO_* bits that are set */
	/* INP_IP_RSS_CONNECT_BUCKET >= 0 (PCB lock; pcb_port.c reads it) */
	bool rss_pinned;
	uint8_t rss_bucket;
	int backlog;
	void *udata;
	char label[INP_LABEL_MAX];

	/*
	 * receive queue: its own mutex so delivery never needs the socket.
	 * rcv_lock also covers the buffer sizes and so_error, which ICMP
	 * input sets holding only the PCB read lock (LK-4 order: PCB lock,
	 * then rcv_lock).
	 */
	pthread_mutex_t rcv_lock;
	struct sock_dgram *rcv_head, *rcv_tail;
	unsigned rcv_count;         /* datagrams queued */
	size_t rcv_cc;              /* bytes they take (sum of cost) */
	size_t rcv_bytes;           /* their payload bytes (FIONREAD) */
	size_t rcv_hiwat, snd_hiwat;   /* SO_RCVBUF, SO_SNDBUF */
	int so_error;               /* pending asynchronous error, positive */
	/* called after an append or so_error is set (sock.h); rcv_lock */
	inp_sock_upcall_fn upcall;
	void *upcall_arg;
};

/*
 * Queue a datagram (UD-10 step 6): all or nothing.  It takes len plus its
 * address record (sizeof the sockaddr of info->src's family) of the
 * receive buffer, as FreeBSD's sbappendaddr.  Returns 0, or -ENOBUFS
 * when that does not fit in what is left -- even in an empty buffer
 * smaller than the datagram (the caller counts udps_fullsock).
 */
int sock_append(struct inp_sock *so, const struct inp_rcvinfo *info,
                const void *data, size_t len);

/* Free every queued datagram. */
void sock_flush(struct inp_sock *so);

/*
 * The pending asynchronous error (FreeBSD so_error): set by ICMP input
 * (err positive, e.g. ECONNREFUSED; the caller holds the PCB lock, which
 * keeps the socket), taken and cleared by recv, sendto, inp_sock_error.
 */
void sock_set_error(struct inp_sock *so, int err);
int sock_take_error(struct inp_sock *so);

/* The send buffer size: the largest datagram sendto takes (EMSGSIZE). */
size_t sock_sndbuf(struct inp_sock *so);

/*
 * Create a socket and its PCB (sock.c): arguments already validated by
 * the caller.  Returns 0 with the socket's PCB still write-locked (the
 * caller unlocks), or a negative errno with nothing allocated.  Used by
 * inp_sock_open() and inp_sock_accept().
 */
int sock_create(struct inp_vnet *vnet, int family, enum inp_proto proto,
                struct inp_cred *cred, struct inp_sock **out);

/*
 * The socket lets go of its PCB (close, TIME_WAIT, a failed accept; PCB
 * write-locked, and it stays so): the multicast options the socket layer
 * owns are freed, then LC-6 detach.  so->pcb is NULL afterwards.
 */
void sock_detach(struct inp_sock *so);

/*
 * Free the socket object once its PCB has been detached (close, TIME_WAIT,
 * a failed accept): queued datagrams, the credential reference, memory.
 */
void sock_release(struct inp_sock *so);

/*
 * Free a PCB's multicast options and memberships (sockopt.c) and set
 * p->moptions to NULL.  PCB write-locked.  The socket layer owns them: it
 * calls this before detaching, so pcb_free() always finds NULL there.
 */
void sock_moptions_free(struct inp_pcb *p);

#endif
