/*
 * sock_internal.h - the socket object behind struct inp_sock: its options
 * and its receive queue.  The PCB points back at it until detach.
 */
#ifndef INPCB_SOCK_INTERNAL_H
#define INPCB_SOCK_INTERNAL_H

#include "pcb/pcb_internal.h"

/* One queued datagram. */
struct sock_dgram {
	struct sock_dgram *next;
	struct inp_rcvinfo info;
	size_t len;
	unsigned char data[];       /* len bytes */
};

struct inp_sock {
	struct inp_vnet *vnet;
	struct inp_pcb *pcb;        /* never NULL while the socket lives */
	struct inp_cred *cred;      /* own reference */
	int family;
	enum inp_proto proto;
	unsigned options;           /* INP_SO_* bits that are set */
	int backlog;
	void *udata;
	char label[INP_LABEL_MAX];

	/* receive queue: its own mutex so delivery never needs the socket */
	pthread_mutex_t rcv_lock;
	struct sock_dgram *rcv_head, *rcv_tail;
	unsigned rcv_count, rcv_max;
};

/*
 * Queue a datagram (UD-10 step 6): all or nothing.  Returns 0, or -ENOBUFS
 * when the queue is full (the caller counts udps_fullsock).
 */
int sock_append(struct inp_sock *so, const struct inp_rcvinfo *info,
                const void *data, size_t len);

/* Free every queued datagram. */
void sock_flush(struct inp_sock *so);

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
