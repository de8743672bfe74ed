/*
 * bsd_socket.c - the BSD calls that make, name, connect and end sockets:
 * socket, bind, connect, listen, accept, close, shutdown, getsockname,
 * getpeername.  Each turns a descriptor into its file (a reference held
 * for the call), calls the socket API of sock.h and reports the result as
 * BSD does: -1 and errno.
 */
#include "bsd_addr.h"

#include <unistd.h>

/* ---- socket ------------------------------------------------------------ */

static int type_proto(int type, int protocol, enum inp_proto *p)
{
	switch (type) {
	case SOCK_DGRAM:
		*p = INP_PROTO_UDP;
		return protocol == 0 || protocol == IPPROTO_UDP
		       ? 0 : -EPROTONOSUPPORT;
	case SOCK_STREAM:
		*p = INP_PROTO_TCP;
		return protocol == 0 || protocol == IPPROTO_TCP
		       ? 0 : -EPROTONOSUPPORT;
	default:
		return -EPROTONOSUPPORT;  /* no raw or seqpacket sockets */
	}
}

static int socket_make(struct inp_stack *st, int domain, int type,
                       int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct inp_sock *so;
	struct bsd_file *f;
	enum inp_proto p;
	int rc;

	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	if ((rc = type_proto(base, protocol, &p)) < 0)
		return rc;
	if ((rc = inp_sock_open(st->vnet, domain, p, NULL, &so)) < 0)
		return rc;
	f = file_new(st, so, base);
	if (f == NULL) {
		inp_sock_close(so);
		return -ENOMEM;
	}
	atomic_store(&f->nonblock, (type & SOCK_NONBLOCK) != 0);
	rc = fdt_install(&st->fdt, f);
	if (rc < 0)
		file_rele(f);
	return rc;
}

int inp_socket(int domain, int type, int protocol)
{
	int err = -ENOMEM;
	struct inp_stack *st = bsd_current(&err);

	if (st == NULL)
		return (int)bsd_result(err);
	return (int)bsd_result(socket_make(st, domain, type, protocol));
}

/* ---- bind, connect, listen --------------------------------------------- */

int inp_bind(int s, const struct sockaddr *addr, socklen_t addrlen)
{
	int rc;
	struct bsd_file *f = file_get(s, &rc);

	if (f == NULL)
		return (int)bsd_result(rc);
	rc = addr_in_check(addr, addrlen);
	if (rc == 0)
		rc = inp_sock_bind(f->so, addr, addrlen, NULL);
	file_rele(f);
	return (int)bsd_result(rc);
}

/*
 * UDP connect.  AF_UNSPEC: as FreeBSD (spec C11), a connected socket is
 * disconnected, then the protocol rejects the family: EAFNOSUPPORT either
 * way.  Another address on a connected socket re-connects (C3).
 */
static int udp_connect(struct bsd_file *f, const struct sockaddr *to,
                       socklen_t len)
{
	if (to->sa_family == AF_UNSPEC) {
		inp_sock_disconnect(f->so, NULL);
		return -EAFNOSUPPORT;
	}
	return inp_sock_connect(f->so, to, len, NULL);
}

int inp_connect(int s, const struct sockaddr *name, socklen_t namelen)
{
	int rc;
	struct bsd_file *f = file_get(s, &rc);

	if (f == NULL)
		return (int)bsd_result(rc);
	rc = addr_in_check(name, namelen);
	if (rc == 0)
		rc = f->type == SOCK_DGRAM ? udp_connect(f, name, namelen)
		                           : tcp_connect(f, name, namelen);
	file_rele(f);
	return (int)bsd_result(rc);
}

static int listen_file(struct bsd_file *f, int backlog)
{
	int rc;

	if (f->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&f->lock);
	if (f->connected || f->refused) {
		rc = -EINVAL;
	} else {
		rc = inp_sock_listen(f->so, backlog, NULL);
		if (rc == 0) {
			f->listening = true;
			f->backlog = backlog > 0 ? backlog : 1;
		}
	}
	pthread_mutex_unlock(&f->lock);
	if (rc == 0)
		tcp_listener_add(f);
	return rc;
}

int inp_listen(int s, int backlog)
{
	int rc;
	struct bsd_file *f = file_get(s, &rc);

	if (f == NULL)
		return (int)bsd_result(rc);
	rc = listen_file(f, backlog);
	file_rele(f);
	return (int)bsd_result(rc);
}

/* ---- accept ------------------------------------------------------------ */

/* The next queued connection, waiting as a receive does (socket.h). */
static struct bsd_file *accept_wait(struct bsd_file *f, int *rc)
{
	uint64_t deadline = wait_deadline(f), seq;
	struct bsd_file *nf;

	for (;;) {
		seq = wait_seq(f->st);
		if ((nf = tcp_accept_take(f)) != NULL)
			return nf;
		if (atomic_load(&f->closed)) {
			*rc = -EBADF;
			return NULL;
		}
		if (atomic_load(&f->nonblock) ||
		    wait_until(f->st, seq, deadline) < 0) {
			*rc = -EAGAIN;
			return NULL;
		}
	}
}

static int accept_file(struct bsd_file *f, struct sockaddr *addr,
                       socklen_t *addrlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct bsd_file *nf;
	int rc = 0;

	if (f->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (!(file_tcp_state(f) & FILE_LISTENING))
		return -EINVAL;
	if ((addr == NULL) != (addrlen == NULL))
		return -EFAULT;
	nf = accept_wait(f, &rc);
	if (nf == NULL)
		return rc;
	rc = inp_sock_peer(nf->so, &ss, &sslen);
	if (rc == 0)
		rc = addr_out(&ss, sslen, addr, addrlen);
	if (rc == 0)
		rc = fdt_install(&f->st->fdt, nf);
	if (rc < 0)
		file_rele(nf);
	return rc;
}

int inp_accept(int s, struct sockaddr *addr, socklen_t *addrlen)
{
	int rc;
	struct bsd_file *f = file_get(s, &rc);

	if (f == NULL)
		return (int)bsd_result(rc);
	rc = accept_file(f, addr, addrlen);
	file_rele(f);
	return (int)bsd_result(rc);
}

/* ---- close, shutdown --------------------------------------------------- */

int inp_close(int fd)
{
	struct inp_stack *st;
	struct bsd_file *f;

	if (fd < INP_FD_BASE)
		return close(fd);
	st = inp_stack_default();
	f = st != NULL ? fdt_remove(&st->fdt, fd) : NULL;
	if (f == NULL)
		return (int)bsd_result(-EBADF);
	/* threads blocked on it return EBADF; the socket goes with them */
	atomic_store(&f->closed, true);
	wait_wake(st);
	file_rele(f);
	return 0;
}

static bool file_connected(struct bsd_file *f)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (f->type == SOCK_STREAM)
		return file_tcp_state(f) & FILE_CONNECTED;
	return inp_sock_peer(f->so, &ss, &len) == 0;
}

/* Queued datagrams are dropped, later receives see end of file. */
static void flush_rcv(struct bsd_file *f)
{
	while (inp_sock_recv(f->so, NULL, NULL, 0) >= 0)
		;
}

/*
 * FreeBSD's soshutdown: the direction is shut even when the socket is
 * not connected, and the call then reports ENOTCONN.
 */
static int shutdown_file(struct bsd_file *f, int how)
{
	bool conn;

	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	conn = file_connected(f);
	pthread_mutex_lock(&f->lock);
	if (how != SHUT_WR)
		f->shut_rd = true;
	if (how != SHUT_RD)
		f->shut_wr = true;
	pthread_mutex_unlock(&f->lock);
	if (how != SHUT_WR && f->type == SOCK_DGRAM)
		flush_rcv(f);
	wait_wake(f->st);
	return conn ? 0 : -ENOTCONN;
}

int inp_shutdown(int s, int how)
{
	int rc;
	struct bsd_file *f = file_get(s, &rc);

	if (f == NULL)
		return (int)bsd_result(rc);
	rc = shutdown_file(f, how);
	file_rele(f);
	return (int)bsd_result(rc);
}

/* ---- getsockname, getpeername ----------------------------------------- */

static int name_file(int s, bool peer, struct sockaddr *name,
                     socklen_t *namelen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int rc;
	struct bsd_file *f = file_get(s, &rc);

	if (f == NULL)
		return rc;
	if (name == NULL || namelen == NULL)
		rc = -EFAULT;
	else
		rc = peer ? inp_sock_peer(f->so, &ss, &sslen)
		          : inp_sock_name(f->so, &ss, &sslen);
	if (rc == 0)
		rc = addr_out(&ss, sslen, name, namelen);
	file_rele(f);
	return rc;
}

int inp_getsockname(int s, struct sockaddr *name, socklen_t *namelen)
{
	return (int)bsd_result(name_file(s, false, name, namelen));
}

int inp_getpeername(int s, struct sockaddr *name, socklen_t *namelen)
{
	return (int)bsd_result(name_file(s, true, name, namelen));
}
