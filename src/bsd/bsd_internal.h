/*
 * bsd_internal.h - the BSD socket layer (libinpcb_socket): the stack
 * object, its descriptor table, the open files behind descriptors and
 * the wait/wake machinery.  Uses the public API of libinpcb only.
 *
 * Locks, in order: a file's lock, then the library's (PCB) locks; the
 * table lock and the stack's wait lock are leaves, never held across a
 * library call.  The socket upcall takes only the wait lock.
 */
#ifndef INPCB_BSD_INTERNAL_H
#define INPCB_BSD_INTERNAL_H

#include <inpcb/inpcb.h>
#include <inpcb/socket.h>
#include <inpcb/stack.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/time.h>

/* Receive options the program asked for: which control messages to give. */
#define WANT_DSTADDR   0x01  /* IP_RECVDSTADDR */
#define WANT_TTL       0x02  /* IP_RECVTTL */
#define WANT_TOS       0x04  /* IP_RECVTOS */
#define WANT_IF        0x08  /* IP_RECVIF */
#define WANT_PKTINFO6  0x10  /* IPV6_RECVPKTINFO */
#define WANT_HOPLIMIT6 0x20  /* IPV6_RECVHOPLIMIT */
#define WANT_TCLASS6   0x40  /* IPV6_RECVTCLASS */

/* An in-stack TCP connection, shared by its two ends (bsd_tcp.c). */
struct bsd_conn {
	atomic_int refs;
	atomic_bool one_closed;     /* the first close takes TIME_WAIT */
};

/* What a descriptor refers to: one socket and the BSD state around it. */
struct bsd_file {
	atomic_int refs;            /* the table's, each call's, a queue's */
	atomic_bool closed;         /* its descriptor was closed */
	atomic_bool nonblock;       /* O_NONBLOCK */
	struct inp_stack *st;
	struct inp_sock *so;
	int type;                   /* SOCK_DGRAM or SOCK_STREAM */
	int family;

	pthread_mutex_t lock;       /* everything below */
	struct timeval rcvtimeo, sndtimeo;
	unsigned want;              /* WANT_* */
	bool shut_rd, shut_wr;
	bool listening;             /* TCP */
	bool connected;             /* TCP: connect or accept completed */
	bool refused;               /* TCP: connect found no listener */
	int backlog;
	struct bsd_file *acceptq, *acceptq_tail;   /* TCP, not yet accepted */
	unsigned acceptq_len;
	struct bsd_file *next;      /* in a listener's accept queue */
	struct bsd_file *lnext;     /* in the stack's listeners (listen_lock) */
	bool in_listeners;          /* listen_lock */
	struct bsd_conn *conn;      /* TCP connected */
};

struct bsd_fdtable {
	pthread_mutex_t lock;
	struct bsd_file **slot;     /* index i is descriptor INP_FD_BASE + i */
	unsigned cap;               /* slots allocated */
	unsigned hint;              /* no free slot below it */
	unsigned max;               /* INP_FD_MAX, lower in tests */
};

struct inp_stack {
	struct inp_host *host;
	struct inp_vnet *vnet;
	bool own_host;
	atomic_uint_fast64_t clock_skew_ns;  /* own host: destroy expires */
	struct interp *session;     /* the script's world, or NULL */
	struct inp_ifnet *ifp;      /* the device's interface, or NULL */
	int dev_fd;                 /* the device's poll fd, or -1 */

	pthread_t io_thread;
	bool io_running;
	int stop_fd;                /* eventfd: stop the I/O thread */

	struct bsd_fdtable fdt;

	/* TCP listeners connect() may complete a connection with */
	pthread_mutex_t listen_lock;
	struct bsd_file *listeners;

	/* waits: every event bumps seq under wait_lock and broadcasts */
	pthread_mutex_t wait_lock;
	pthread_cond_t wait_cond;   /* CLOCK_MONOTONIC */
	uint64_t seq;
	atomic_int kernel_waiters;  /* inp_poll() in the kernel's poll */
	int wake_fd;                /* eventfd those waiters watch */
};

/* BSD convention at the API boundary: -1 and errno from a negative errno. */
static inline long bsd_result(long rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

/* ---- the current stack (bsd_default.c) -------------------------------- */

/* The default stack, made from the environment on first use; or NULL. */
struct inp_stack *bsd_current(int *err);

/* Forget st if it is the default (inp_stack_destroy). */
void bsd_default_forget(struct inp_stack *st);

/* ---- descriptor table (bsd_fdtable.c) --------------------------------- */

int fdt_init(struct bsd_fdtable *t, unsigned max);
void fdt_fini(struct bsd_fdtable *t);
/* Install f (the table takes over one reference): a descriptor or -EMFILE. */
int fdt_install(struct bsd_fdtable *t, struct bsd_file *f);
/* The file behind fd with a reference the caller drops, or NULL. */
struct bsd_file *fdt_get(struct bsd_fdtable *t, int fd);
/* Take fd out of the table: its file with the table's reference, or NULL. */
struct bsd_file *fdt_remove(struct bsd_fdtable *t, int fd);
/* Take any one descriptor's file out (destroy), or NULL when empty. */
struct bsd_file *fdt_remove_any(struct bsd_fdtable *t);

/* ---- files (bsd_file.c) ----------------------------------------------- */

/* A file for so (its reference: 1); NULL on ENOMEM (so left alone). */
struct bsd_file *file_new(struct inp_stack *st, struct inp_sock *so,
                          int type);
void file_ref(struct bsd_file *f);
/* Drop a reference; the last one closes the socket and frees the file. */
void file_rele(struct bsd_file *f);
/* TCP state read under the file's lock: which of these are set. */
#define FILE_LISTENING 0x1
#define FILE_CONNECTED 0x2
unsigned file_tcp_state(struct bsd_file *f);
/* A reference unless the file is already being freed (false). */
bool file_tryref(struct bsd_file *f);
/*
 * A reference on the file behind descriptor fd of the default stack, or
 * NULL with *err = -EBADF.
 */
struct bsd_file *file_get(int fd, int *err);

/* ---- waiting (bsd_wait.c) --------------------------------------------- */

int wait_init(struct inp_stack *st);
void wait_fini(struct inp_stack *st);
/* The socket upcall: an event on one of the stack's sockets. */
void wait_upcall(struct inp_sock *so, void *arg);
/* Wake every waiter of the stack (close, an accept queued). */
void wait_wake(struct inp_stack *st);
/* The event count to wait past. */
uint64_t wait_seq(struct inp_stack *st);
/*
 * Wait until the event count passes seq or the deadline (monotonic ns,
 * 0: none) passes.  Returns 0, or -ETIMEDOUT.
 */
int wait_until(struct inp_stack *st, uint64_t seq, uint64_t deadline_ns);
uint64_t wait_now_ns(void);
/* A file's receive deadline from SO_RCVTIMEO (0: none). */
uint64_t wait_deadline(struct bsd_file *f);

/* ---- the I/O thread (bsd_io_thread.c) --------------------------------- */

int io_start(struct inp_stack *st);
void io_stop(struct inp_stack *st);

/* ---- TCP inside the stack (bsd_tcp.c) --------------------------------- */

/* Register a listener for tcp_connect() to find (listen). */
void tcp_listener_add(struct bsd_file *f);
int tcp_connect(struct bsd_file *f, const struct sockaddr *to,
                socklen_t len);
/* Take the oldest queued connection: a new file, or NULL (-EAGAIN). */
struct bsd_file *tcp_accept_take(struct bsd_file *f);
/* Close the TCP side of a file being freed: TIME_WAIT or close. */
void tcp_release(struct bsd_file *f);
/* Connection requests of a listener being freed: refuse them. */
void tcp_flush_acceptq(struct bsd_file *f);

/* ---- options (bsd_sockopt.c) ------------------------------------------ */

int opt_set(struct bsd_file *f, int level, int name, const void *val,
            socklen_t len);
int opt_get(struct bsd_file *f, int level, int name, void *val,
            socklen_t *len);

/* ---- control messages (bsd_cmsg.c) ------------------------------------ */

/*
 * Fill msg's control buffer with the messages info has and f wants;
 * sets msg_controllen and MSG_CTRUNC in *flags when some do not fit.
 */
void cmsg_fill(struct bsd_file *f, const struct inp_rcvinfo *info,
               struct msghdr *msg, int *flags);

/* ---- readiness (bsd_poll.c) ------------------------------------------- */

/* POLLIN / POLLOUT / POLLERR of f now (revents, before masking). */
short poll_ready(struct bsd_file *f);

#endif
