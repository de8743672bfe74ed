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

#endif
