/*
 * bsd_tcp.c - TCP at the socket layer, completed inside one stack: no
 * segment goes on the wire (socket.h).  connect() finds a listener of the
 * stack by the lookup a SYN would take (spec section 5.1, the listener
 * must be in LISTEN), completes the connection with inp_sock_accept() and
 * queues the new socket on the listener for accept().  The end that
 * closes first enters TIME_WAIT (inp_sock_timewait), the other closes.
 *
 * Listeners are registered with the stack so that a PCB found by the
 * lookup is turned into its file only when it is one of ours (a script's
 * or the caller's sockets carry udata of their own).
 */
#include "bsd_internal.h"

#include <stdlib.h>

/* ---- the stack's listeners ------------------------------------------- */

void tcp_listener_add(struct bsd_file *f)
{
	struct inp_stack *st = f->st;

	pthread_mutex_lock(&st->listen_lock);
	if (!f->in_listeners) {
		f->lnext = st->listeners;
		st->listeners = f;
		f->in_listeners = true;
	}
	pthread_mutex_unlock(&st->listen_lock);
}

static void listener_remove(struct bsd_file *f)
{
	struct inp_stack *st = f->st;
	struct bsd_file **pp;

	pthread_mutex_lock(&st->listen_lock);
	for (pp = &st->listeners; f->in_listeners && *pp != NULL;
	     pp = &(*pp)->lnext) {
		if (*pp == f) {
			*pp = f->lnext;
			f->in_listeners = false;
			break;
		}
	}
	pthread_mutex_unlock(&st->listen_lock);
}

/* The listener file of socket so with a reference, or NULL. */
static struct bsd_file *listener_get(struct inp_stack *st,
                                     const struct inp_sock *so)
{
	struct bsd_file *f;

	pthread_mutex_lock(&st->listen_lock);
	for (f = st->listeners; f != NULL; f = f->lnext)
		if (f->so == so)
			break;
	if (f != NULL && !file_tryref(f))
		f = NULL;               /* being closed: as if gone */
	pthread_mutex_unlock(&st->listen_lock);
	return f;
}

/* The listener a SYN from src to dst would reach, or NULL. */
static struct bsd_file *listener_find(struct inp_stack *st,
                                      const struct sockaddr *src,
                                      const struct sockaddr *dst)
{
	struct inp_pcb_info info;
	struct inp_pcb *pcb;
	struct inp_sock *so;

	if (inp_pcb_lookup(st->vnet, INP_PROTO_TCP, src, dst,
	                   INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB, NULL,
	                   &pcb, NULL) != 0)
		return NULL;
	inp_pcb_get_info(pcb, &info);
	so = info.state == INP_ST_LISTEN ? inp_pcb_sock(pcb) : NULL;
	inp_pcb_runlock(pcb);
	return so != NULL ? listener_get(st, so) : NULL;
}

/* ---- connect ----------------------------------------------------------- */

/* Room in the listener's queue (a full queue refuses, socket.h). */
static bool acceptq_room(struct bsd_file *l)
{
	bool ok;

	pthread_mutex_lock(&l->lock);
	ok = l->listening && !atomic_load(&l->closed) &&
	     l->acceptq_len < (unsigned)l->backlog;
	pthread_mutex_unlock(&l->lock);
	return ok;
}

static void acceptq_push(struct bsd_file *l, struct bsd_file *nf)
{
	pthread_mutex_lock(&l->lock);
	nf->next = NULL;
	if (l->acceptq_tail != NULL)
		l->acceptq_tail->next = nf;
	else
		l->acceptq = nf;
	l->acceptq_tail = nf;
	l->acceptq_len++;
	pthread_mutex_unlock(&l->lock);
	wait_wake(l->st);
}

/* The listener's side: a new socket from `from` to `to`, queued on l. */
static int complete(struct bsd_file *l, struct bsd_file *f,
                    const struct sockaddr *from, const struct sockaddr *to)
{
	struct bsd_conn *c;
	struct inp_sock *so;
	struct bsd_file *nf;
	int rc;

	if (!acceptq_room(l))
		return -ECONNREFUSED;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	rc = inp_sock_accept(l->so, from, to, &so, NULL);
	nf = rc == 0 ? file_new(l->st, so, SOCK_STREAM) : NULL;
	if (nf == NULL) {
		if (rc == 0)
			inp_sock_close(so);
		free(c);
		return rc < 0 ? rc : -ENOMEM;
	}
	atomic_init(&c->refs, 2);
	atomic_init(&c->one_closed, false);
	nf->connected = true;
	nf->conn = c;
	f->conn = c;
	f->connected = true;
	acceptq_push(l, nf);
	return 0;
}

static int connect_state(struct bsd_file *f)
{
	if (f->listening)
		return -EOPNOTSUPP;     /* spec C3, V17 */
	if (f->connected)
		return -EISCONN;
	if (f->refused)
		return -ECONNREFUSED;   /* a dropped connection (C3) */
	return 0;
}

int tcp_connect(struct bsd_file *f, const struct sockaddr *to,
                socklen_t len)
{
	struct sockaddr_storage me;
	struct bsd_file *l = NULL;
	socklen_t melen;
	int rc;

	pthread_mutex_lock(&f->lock);
	rc = connect_state(f);
	if (rc == 0)
		rc = inp_sock_connect(f->so, to, len, NULL);
	if (rc == 0 && inp_sock_name(f->so, &me, &melen) == 0)
		l = listener_find(f->st, (struct sockaddr *)&me, to);
	if (rc == 0) {
		rc = l != NULL ? complete(l, f, (struct sockaddr *)&me, to)
		               : -ECONNREFUSED;
		/* the PCB stays connected, the connection is dead (C3) */
		f->refused = rc != 0;
	}
	pthread_mutex_unlock(&f->lock);
	if (l != NULL)
		file_rele(l);
	return rc;
}

/* ---- accept, close ----------------------------------------------------- */

struct bsd_file *tcp_accept_take(struct bsd_file *f)
{
	struct bsd_file *nf;

	pthread_mutex_lock(&f->lock);
	nf = f->acceptq;
	if (nf != NULL) {
		f->acceptq = nf->next;
		if (f->acceptq == NULL)
			f->acceptq_tail = NULL;
		f->acceptq_len--;
		nf->next = NULL;
	}
	pthread_mutex_unlock(&f->lock);
	return nf;
}

/* Connections nobody accepted are reset: no TIME_WAIT on either end. */
void tcp_flush_acceptq(struct bsd_file *f)
{
	struct bsd_file *nf;

	listener_remove(f);
	while ((nf = tcp_accept_take(f)) != NULL) {
		atomic_store(&nf->conn->one_closed, true);
		file_rele(nf);
	}
}

static void conn_rele(struct bsd_conn *c)
{
	if (atomic_fetch_sub(&c->refs, 1) == 1)
		free(c);
}

void tcp_release(struct bsd_file *f)
{
	struct bsd_conn *c = f->conn;

	if (c == NULL) {
		inp_sock_close(f->so);
		return;
	}
	/* the first close of the two ends is the active one (TIME_WAIT) */
	if (atomic_exchange(&c->one_closed, true) ||
	    inp_sock_timewait(f->so) != 0)
		inp_sock_close(f->so);
	conn_rele(c);
}
