/*
 * sock.c - the socket object: creation and close, labels and user data,
 * getsockname/getpeername, the receive queue that UDP delivery appends
 * to (bounded in bytes like a FreeBSD socket buffer, SO_RCVBUF) and the
 * pending asynchronous error (so_error) ICMP input sets.
 *
 * A socket owns exactly one PCB from inp_sock_open() until close (or
 * TIME_WAIT, sock_proto.c) and its own credential reference.  Its receive
 * queue has a mutex of its own so that delivery, which holds only the
 * PCB read lock, never needs anything else of the socket (LK-4: the socket
 * buffer lock comes after the PCB lock).
 */
#include "sock/sock_internal.h"

#include <stdlib.h>

/* ---- creation and destruction ---------------------------------------- */

static struct inp_sock *sock_new(struct inp_vnet *vnet, int family,
                                 enum inp_proto proto, struct inp_cred *cred)
{
	struct inp_sock *so = calloc(1, sizeof(*so));

	if (so == NULL)
		return NULL;
	if (pthread_mutex_init(&so->rcv_lock, NULL) != 0) {
		free(so);
		return NULL;
	}
	so->vnet = vnet;
	so->family = family;
	so->proto = proto;
	so->cred = cred;
	inp_cred_ref(cred);
	/* LC-5: the buffers are reserved with the protocol's defaults. */
	so->rcv_hiwat = proto == INP_PROTO_UDP ? SOCK_UDP_RCVBUF
	                                       : SOCK_TCP_RCVBUF;
	so->snd_hiwat = proto == INP_PROTO_UDP ? SOCK_UDP_SNDBUF
	                                       : SOCK_TCP_SNDBUF;
	return so;
}

void sock_release(struct inp_sock *so)
{
	sock_flush(so);
	pthread_mutex_destroy(&so->rcv_lock);
	inp_cred_rele(so->cred);
	free(so);
}

static bool proto_valid(enum inp_proto proto)
{
	return proto == INP_PROTO_UDP || proto == INP_PROTO_TCP;
}

int sock_create(struct inp_vnet *vnet, int family, enum inp_proto proto,
                struct inp_cred *cred, struct inp_sock **out)
{
	struct inp_sock *so;
	struct inp_pcb *p;
	int error;

	so = sock_new(vnet, family, proto, cred);
	if (so == NULL)
		return -ENOMEM;
	/*
	 * LC-1..LC-5: the PCB comes back write-locked, on the global list,
	 * linked with the socket both ways and with its default TTL.
	 */
	error = pcb_alloc(vnet->pcbinfo[proto], family, cred, so, &p);
	if (error != 0) {
		sock_release(so);
		return error;
	}
	*out = so;
	return 0;
}

int inp_sock_open(struct inp_vnet *vnet, int family, enum inp_proto proto,
                  struct inp_cred *cred, struct inp_sock **out)
{
	struct inp_sock *so;
	int error;

	if (vnet == NULL || out == NULL)
		return -EINVAL;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!proto_valid(proto))
		return -EINVAL;
	if (cred == NULL)
		cred = vnet->host->root_cred;
	if (cred == NULL || cred->host != vnet->host)
		return -EINVAL;
	/* A removed jail takes no new sockets (J11a keeps it from dying). */
	if (cred->jail != NULL && cred->jail->removed)
		return -EINVAL;
	/* J9: a jail that disables the family refuses the socket. */
	error = prison_check_af(cred, family);
	if (error != 0)
		return error;
	error = sock_create(vnet, family, proto, cred, &so);
	if (error != 0)
		return error;
	pcb_unlock(so->pcb);
	*out = so;
	return 0;
}

void sock_detach(struct inp_sock *so)
{
	struct inp_pcb *p = so->pcb;

	/* The socket layer owns the multicast options (sockopt.c). */
	sock_moptions_free(p);
	pcb_detach(p);                  /* LC-6: so->pcb is NULL now */
}

int inp_sock_close(struct inp_sock *so)
{
	struct inp_pcb *p;

	if (so == NULL)
		return -EINVAL;
	p = so->pcb;
	pcb_wlock(p);
	sock_detach(so);
	pcb_free(p);                    /* LC-20; unlocks */
	sock_release(so);
	return 0;
}

/* ---- labels, user data, accessors ------------------------------------ */

int inp_sock_set_label(struct inp_sock *so, const char *label)
{
	size_t n;
	int rc;

	if (so == NULL || label == NULL)
		return -EINVAL;
	n = strlen(label);
	if (n >= INP_LABEL_MAX)
		return -EINVAL;
	pcb_wlock(so->pcb);
	/* The PCB keeps a copy: explanations and TIME_WAIT outlive us. */
	rc = pcb_set_label(so->pcb, label);
	if (rc == 0)
		memcpy(so->label, label, n + 1);
	pcb_unlock(so->pcb);
	return rc;
}

const char *inp_sock_label(const struct inp_sock *so)
{
	return so != NULL ? so->label : NULL;
}

void inp_sock_set_udata(struct inp_sock *so, void *udata)
{
	if (so == NULL)
		return;
	pcb_wlock(so->pcb);
	so->udata = udata;
	so->pcb->udata = udata;
	pcb_unlock(so->pcb);
}

void *inp_sock_udata(const struct inp_sock *so)
{
	return so != NULL ? so->udata : NULL;
}

int inp_sock_family(const struct inp_sock *so)
{
	return so != NULL ? so->family : -EINVAL;
}

/* An invalid protocol value for a NULL socket: callers must pass a socket. */
enum inp_proto inp_sock_proto(const struct inp_sock *so)
{
	return so != NULL ? so->proto : (enum inp_proto)INP_NPROTO;
}

struct inp_pcb *inp_sock_pcb(struct inp_sock *so)
{
	return so != NULL ? so->pcb : NULL;
}

/* ---- getsockname / getpeername --------------------------------------- */

/*
 * Fill ss with addr:port as a socket of family `family` sees it.  An
 * AF_INET6 socket whose PCB is IPv4 (X3, mapped connect) reports the
 * address v4-mapped, ::ffff:a.b.c.d (§1.4); a scoped IPv6 address leaves
 * the PCB layer here, its zone going to sin6_scope_id (base.h).
 */
static void sock_addr_fill(int family, bool pcb_v4, const union inp_addr *a,
                           uint16_t port, struct sockaddr_storage *ss,
                           socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = port;
		sin->sin_addr = IA4(*a);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		if (pcb_v4) {
			in6_make_v4mapped(&sin6->sin6_addr, IA4(*a));
		} else {
			sin6->sin6_addr = IA6(*a);    /* "fe80::1%em0" */
			sin6->sin6_scope_id = in6_clear_zone(&sin6->sin6_addr);
		}
		*len = sizeof(*sin6);
	}
}

/*
 * getsockname (peer false) or getpeername (peer true) under the PCB read
 * lock.  *len is output only: a sockaddr_storage always has room.
 */
static int sock_endpoint(struct inp_sock *so, bool peer,
                         struct sockaddr_storage *ss, socklen_t *len)
{
	struct inp_pcb *p;
	int error = 0;

	if (so == NULL || ss == NULL || len == NULL)
		return -EINVAL;
	p = so->pcb;
	pcb_rlock(p);
	if (!peer)
		sock_addr_fill(so->family, pcb_is_v4(p), &p->laddr, p->lport,
		               ss, len);
	else if (pcb_has_faddr(p))
		sock_addr_fill(so->family, pcb_is_v4(p), &p->faddr, p->fport,
		               ss, len);
	else
		error = -ENOTCONN;   /* §4.5: getpeername, not connected */
	pcb_unlock(p);
	return error;
}

int inp_sock_name(struct inp_sock *so, struct sockaddr_storage *ss,
                  socklen_t *len)
{
	return sock_endpoint(so, false, ss, len);
}

int inp_sock_peer(struct inp_sock *so, struct sockaddr_storage *ss,
                  socklen_t *len)
{
	return sock_endpoint(so, true, ss, len);
}

/* ---- the upcall ------------------------------------------------------ */

int inp_sock_set_upcall(struct inp_sock *so, inp_sock_upcall_fn fn,
                        void *arg)
{
	if (so == NULL)
		return -EINVAL;
	pthread_mutex_lock(&so->rcv_lock);
	so->upcall = fn;
	so->upcall_arg = fn != NULL ? arg : NULL;
	pthread_mutex_unlock(&so->rcv_lock);
	return 0;
}

struct sock_upcall {
	inp_sock_upcall_fn fn;
	void *arg;
};

/* Copied under rcv_lock, run after it is released (sock.h: no lock held). */
static void upcall_take(const struct inp_sock *so, struct sock_upcall *up)
{
	up->fn = so->upcall;
	up->arg = so->upcall_arg;
}

static void upcall_run(struct inp_sock *so, const struct sock_upcall *up)
{
	if (up->fn != NULL)
		up->fn(so, up->arg);
}

/* ---- the receive queue ----------------------------------------------- */

/* Keep a sockaddr in the size of its family (sock_dgram). */
static void sock_addr_keep(union sock_addr *to,
                           const struct sockaddr_storage *from)
{
	size_t n = from->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	           : from->ss_family == AF_INET ? sizeof(struct sockaddr_in)
	                                        : sizeof(struct sockaddr);

	memcpy(to, from, n);
}

static void dgram_set_info(struct sock_dgram *d,
                           const struct inp_rcvinfo *info)
{
	sock_addr_keep(&d->src, &info->src);
	if (info->have & INP_RCV_DSTADDR)
		sock_addr_keep(&d->dst, &info->dst);
	else
		d->dst.sa.sa_family = AF_UNSPEC;
	d->have = info->have;
	d->ttl = info->ttl;
	d->tos = info->tos;
	d->ifindex = info->ifindex;
}

/* The inp_rcvinfo of a queued datagram (dgram_set_info's inverse). */
static void dgram_get_info(const struct sock_dgram *d,
                           struct inp_rcvinfo *info)
{
	memset(info, 0, sizeof(*info));
	memcpy(&info->src, &d->src, sizeof(d->src));
	if (d->dst.sa.sa_family != AF_UNSPEC)
		memcpy(&info->dst, &d->dst, sizeof(d->dst));
	info->have = d->have;
	info->ttl = d->ttl;
	info->tos = d->tos;
	info->ifindex = d->ifindex;
	info->len = d->len;
}

int sock_append(struct inp_sock *so, const struct inp_rcvinfo *info,
                const void *data, size_t len)
{
	struct sock_upcall up;
	struct sock_dgram *d;

	if (so == NULL || info == NULL)
		return -EINVAL;
	/* Allocate outside the queue lock; all or nothing (UD-10 step 6). */
	d = malloc(sizeof(*d) + len);
	if (d == NULL)
		return -ENOBUFS;
	d->next = NULL;
	dgram_set_info(d, info);
	d->len = len;
	/* sbappendaddr: the data and the address record count. */
	d->cost = len + (info->src.ss_family == AF_INET6
	                 ? sizeof(struct sockaddr_in6)
	                 : sizeof(struct sockaddr_in));
	if (len > 0) {
		if (data != NULL)
			memcpy(d->data, data, len);
		else
			memset(d->data, 0, len);
	}
	pthread_mutex_lock(&so->rcv_lock);
	if (d->cost > so->rcv_hiwat || so->rcv_cc > so->rcv_hiwat - d->cost) {
		pthread_mutex_unlock(&so->rcv_lock);
		free(d);
		return -ENOBUFS;
	}
	if (so->rcv_tail != NULL)
		so->rcv_tail->next = d;
	else
		so->rcv_head = d;
	so->rcv_tail = d;
	so->rcv_count++;
	so->rcv_cc += d->cost;
	so->rcv_bytes += len;
	upcall_take(so, &up);
	pthread_mutex_unlock(&so->rcv_lock);
	upcall_run(so, &up);
	return 0;
}

void sock_flush(struct inp_sock *so)
{
	struct sock_dgram *d, *next;

	if (so == NULL)
		return;
	pthread_mutex_lock(&so->rcv_lock);
	d = so->rcv_head;
	so->rcv_head = so->rcv_tail = NULL;
	so->rcv_count = 0;
	so->rcv_cc = 0;
	so->rcv_bytes = 0;
	pthread_mutex_unlock(&so->rcv_lock);
	for (; d != NULL; d = next) {
		next = d->next;
		free(d);
	}
}

/* A datagram's info and up to buflen bytes out; the bytes copied. */
static long dgram_copy(const struct sock_dgram *d, struct inp_rcvinfo *info,
                       void *buf, size_t buflen)
{
	size_t n = 0;

	if (info != NULL)
		dgram_get_info(d, info);
	if (buf != NULL) {
		n = d->len < buflen ? d->len : buflen;
		memcpy(buf, d->data, n);
	}
	return (long)n;
}

long inp_sock_recv(struct inp_sock *so, struct inp_rcvinfo *info, void *buf,
                   size_t buflen)
{
	struct sock_dgram *d;
	long n;

	if (so == NULL)
		return -EINVAL;
	pthread_mutex_lock(&so->rcv_lock);
	d = so->rcv_head;
	if (d != NULL) {
		so->rcv_head = d->next;
		if (so->rcv_head == NULL)
			so->rcv_tail = NULL;
		so->rcv_count--;
		so->rcv_cc -= d->cost;
		so->rcv_bytes -= d->len;
	} else if (so->so_error != 0) {
		/* soreceive_dgram: an error shows once the queue is empty. */
		int err = so->so_error;

		so->so_error = 0;
		pthread_mutex_unlock(&so->rcv_lock);
		return -err;
	}
	pthread_mutex_unlock(&so->rcv_lock);
	if (d == NULL)
		return -EAGAIN;
	n = dgram_copy(d, info, buf, buflen);
	free(d);
	return n;
}

int inp_sock_rcv_queued(struct inp_sock *so, size_t *bytes,
                        unsigned *datagrams)
{
	if (so == NULL)
		return -EINVAL;
	pthread_mutex_lock(&so->rcv_lock);
	if (bytes != NULL)
		*bytes = so->rcv_bytes;
	if (datagrams != NULL)
		*datagrams = so->rcv_count;
	pthread_mutex_unlock(&so->rcv_lock);
	return 0;
}

long inp_sock_peek(struct inp_sock *so, struct inp_rcvinfo *info, void *buf,
                   size_t buflen)
{
	struct sock_dgram *d;
	long n;

	if (so == NULL)
		return -EINVAL;
	pthread_mutex_lock(&so->rcv_lock);
	d = so->rcv_head;
	if (d == NULL)
		n = so->so_error != 0 ? -so->so_error : -EAGAIN;
	else
		n = dgram_copy(d, info, buf, buflen);  /* left queued */
	pthread_mutex_unlock(&so->rcv_lock);
	return n;
}

/* ---- the asynchronous error and the send buffer ----------------------- */

void sock_set_error(struct inp_sock *so, int err)
{
	struct sock_upcall up;

	pthread_mutex_lock(&so->rcv_lock);
	so->so_error = err;
	upcall_take(so, &up);
	pthread_mutex_unlock(&so->rcv_lock);
	upcall_run(so, &up);
}

int sock_take_error(struct inp_sock *so)
{
	int err;

	pthread_mutex_lock(&so->rcv_lock);
	err = so->so_error;
	so->so_error = 0;
	pthread_mutex_unlock(&so->rcv_lock);
	return err;
}

int inp_sock_error(struct inp_sock *so)
{
	return so != NULL ? sock_take_error(so) : -EINVAL;
}

size_t sock_sndbuf(struct inp_sock *so)
{
	size_t n;

	pthread_mutex_lock(&so->rcv_lock);
	n = so->snd_hiwat;
	pthread_mutex_unlock(&so->rcv_lock);
	return n;
}
