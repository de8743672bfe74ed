/*
 * bsd_io.c - sending and receiving: sendto, sendmsg, send, write,
 * recvfrom, recvmsg, recv, read.  UDP only; TCP sockets carry no data
 * (EOPNOTSUPP, socket.h).  Sends never block: a datagram is delivered or
 * handed to the device at once.  Receives wait as socket.h says.
 */
#include "bsd_addr.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define DGRAM_MAX 65535
#define RECV_FLAGS (MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL)
#define SEND_FLAGS (MSG_DONTWAIT | MSG_NOSIGNAL)

/* TCP sockets: no data at all; an unconnected one is not connected. */
static long tcp_no_data(struct bsd_file *f)
{
	return file_tcp_state(f) & FILE_CONNECTED ? -EOPNOTSUPP : -ENOTCONN;
}

static bool shut(struct bsd_file *f, bool rd)
{
	bool v;

	pthread_mutex_lock(&f->lock);
	v = rd ? f->shut_rd : f->shut_wr;
	pthread_mutex_unlock(&f->lock);
	return v;
}

/* ---- send ---------------------------------------------------------------- */

static long send_file(struct bsd_file *f, const void *buf, size_t len,
                      int flags, const struct sockaddr *to, socklen_t tolen)
{
	long rc;

	if (flags & ~SEND_FLAGS)
		return -EOPNOTSUPP;
	if (buf == NULL && len > 0)
		return -EFAULT;
	if (f->type == SOCK_STREAM)
		return tcp_no_data(f);
	if (shut(f, false))
		return -EPIPE;
	if (to != NULL && (rc = addr_in_check(to, tolen)) < 0)
		return rc;
	return inp_sock_sendto(f->so, buf, len, to, to != NULL ? tolen : 0);
}

/* The iovecs' total length; *err -EMSGSIZE, -EFAULT when unusable. */
static size_t iov_total(const struct msghdr *msg, long *err)
{
	size_t total = 0, i;

	*err = 0;
	if (msg->msg_iovlen > IOV_MAX)
		*err = -EMSGSIZE;
	else if (msg->msg_iovlen > 0 && msg->msg_iov == NULL)
		*err = -EFAULT;
	for (i = 0; *err == 0 && i < msg->msg_iovlen; i++) {
		if (msg->msg_iov[i].iov_base == NULL &&
		    msg->msg_iov[i].iov_len > 0)
			*err = -EFAULT;
		total += msg->msg_iov[i].iov_len;
	}
	return total;
}

/* The iovecs of msg in one buffer (*out, to free), or a negative errno. */
static long gather(const struct msghdr *msg, void **out)
{
	size_t off = 0, i;
	long err;
	size_t total = iov_total(msg, &err);
	char *b;

	if (err < 0)
		return err;
	if (total > DGRAM_MAX)
		return -EMSGSIZE;
	b = malloc(total ? total : 1);
	if (b == NULL)
		return -ENOBUFS;
	for (i = 0; i < msg->msg_iovlen; i++) {
		const struct iovec *v = &msg->msg_iov[i];

		memcpy(b + off, v->iov_base, v->iov_len);
		off += v->iov_len;
	}
	*out = b;
	return (long)total;
}

static long sendmsg_file(struct bsd_file *f, const struct msghdr *msg,
                         int flags)
{
	void *buf = NULL;
	long n;

	if (msg == NULL)
		return -EFAULT;
	/* no sending control messages (IP_SENDSRCADDR ...) here yet */
	if (msg->msg_controllen > 0)
		return -EOPNOTSUPP;
	n = gather(msg, &buf);
	if (n >= 0)
		n = send_file(f, buf, (size_t)n, flags, msg->msg_name,
		              msg->msg_namelen);
	free(buf);
	return n;
}

ssize_t inp_sendto(int s, const void *buf, size_t len, int flags,
                   const struct sockaddr *to, socklen_t tolen)
{
	int err;
	struct bsd_file *f = file_get(s, &err);
	long rc;

	if (f == NULL)
		return bsd_result(err);
	rc = send_file(f, buf, len, flags, to, tolen);
	file_rele(f);
	return bsd_result(rc);
}

ssize_t inp_send(int s, const void *buf, size_t len, int flags)
{
	return inp_sendto(s, buf, len, flags, NULL, 0);
}

ssize_t inp_sendmsg(int s, const struct msghdr *msg, int flags)
{
	int err;
	struct bsd_file *f = file_get(s, &err);
	long rc;

	if (f == NULL)
		return bsd_result(err);
	rc = sendmsg_file(f, msg, flags);
	file_rele(f);
	return bsd_result(rc);
}

ssize_t inp_write(int fd, const void *buf, size_t len)
{
	if (fd < INP_FD_BASE)
		return write(fd, buf, len);
	return inp_sendto(fd, buf, len, 0, NULL, 0);
}

/* ---- receive ------------------------------------------------------------- */

/* One datagram into buf, waiting unless non-blocking (socket.h). */
static long recv_wait(struct bsd_file *f, void *buf, size_t len, int flags,
                      struct inp_rcvinfo *ri)
{
	bool nb = (flags & MSG_DONTWAIT) || atomic_load(&f->nonblock);
	uint64_t deadline = nb ? 0 : wait_deadline(f), seq;
	long rc;

	for (;;) {
		seq = wait_seq(f->st);
		if (shut(f, true)) {
			/* SHUT_RD: what arrives later is dropped, EOF */
			while (inp_sock_recv(f->so, NULL, NULL, 0) >= 0)
				;
			return 0;
		}
		rc = flags & MSG_PEEK ? inp_sock_peek(f->so, ri, buf, len)
		                      : inp_sock_recv(f->so, ri, buf, len);
		if (rc != -EAGAIN)
			return rc;
		if (atomic_load(&f->closed))
			return -EBADF;
		if (nb || wait_until(f->st, seq, deadline) < 0)
			return -EAGAIN;
	}
}

static long recv_file(struct bsd_file *f, void *buf, size_t len, int flags,
                      struct inp_rcvinfo *ri)
{
	if (flags & ~RECV_FLAGS)
		return -EOPNOTSUPP;
	if (buf == NULL && len > 0)
		return -EFAULT;
	if (f->type == SOCK_STREAM)
		return tcp_no_data(f);
	memset(ri, 0, sizeof(*ri));
	return recv_wait(f, buf, len, flags, ri);
}

static socklen_t src_len(const struct inp_rcvinfo *ri)
{
	return ri->src.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                     : sizeof(struct sockaddr_in);
}

ssize_t inp_recvfrom(int s, void *buf, size_t len, int flags,
                     struct sockaddr *from, socklen_t *fromlen)
{
	struct inp_rcvinfo ri;
	int err;
	struct bsd_file *f = file_get(s, &err);
	long rc;

	if (f == NULL)
		return bsd_result(err);
	if (from != NULL && fromlen == NULL)
		rc = -EFAULT;
	else
		rc = recv_file(f, buf, len, flags, &ri);
	/* an EOF (SHUT_RD) has no source: the length says 0 */
	if (rc > 0 || (rc == 0 && ri.src.ss_family != 0)) {
		if (from != NULL && addr_out(&ri.src, src_len(&ri), from,
		                             fromlen) < 0)
			rc = -EFAULT;
	} else if (rc == 0 && fromlen != NULL) {
		*fromlen = 0;
	}
	file_rele(f);
	return bsd_result(rc);
}

ssize_t inp_recv(int s, void *buf, size_t len, int flags)
{
	return inp_recvfrom(s, buf, len, flags, NULL, NULL);
}

ssize_t inp_read(int fd, void *buf, size_t len)
{
	if (fd < INP_FD_BASE)
		return read(fd, buf, len);
	return inp_recvfrom(fd, buf, len, 0, NULL, NULL);
}

/* Spread n bytes of buf over msg's iovecs. */
static void scatter(const void *buf, size_t n, const struct msghdr *msg)
{
	size_t off = 0, i, k;

	for (i = 0; i < msg->msg_iovlen && off < n; i++) {
		k = msg->msg_iov[i].iov_len;
		if (k > n - off)
			k = n - off;
		memcpy(msg->msg_iov[i].iov_base, (const char *)buf + off, k);
		off += k;
	}
}

/* The name, the control messages and the flags of one received datagram. */
static void recvmsg_finish(struct bsd_file *f, const struct inp_rcvinfo *ri,
                           size_t cap, long n, struct msghdr *msg)
{
	int flags = 0;

	if (msg->msg_name != NULL) {
		socklen_t sl = ri->src.ss_family != 0 ? src_len(ri) : 0;

		memcpy(msg->msg_name, &ri->src,
		       msg->msg_namelen < sl ? msg->msg_namelen : sl);
		msg->msg_namelen = sl;
	}
	if (n >= 0 && ri->len > cap)
		flags |= MSG_TRUNC;
	cmsg_fill(f, ri, msg, &flags);
	msg->msg_flags = flags;
}

static long recvmsg_file(struct bsd_file *f, struct msghdr *msg, int flags)
{
	struct inp_rcvinfo ri;
	void *buf;
	size_t cap;
	long n;

	if (msg == NULL)
		return -EFAULT;
	cap = iov_total(msg, &n);
	if (n < 0)
		return n;
	if (cap > DGRAM_MAX)
		cap = DGRAM_MAX;        /* no datagram is longer */
	buf = malloc(cap ? cap : 1);
	if (buf == NULL)
		return -ENOBUFS;
	n = recv_file(f, buf, cap, flags, &ri);
	if (n >= 0) {
		scatter(buf, (size_t)n, msg);
		recvmsg_finish(f, &ri, cap, n, msg);
	}
	free(buf);
	return n;
}

ssize_t inp_recvmsg(int s, struct msghdr *msg, int flags)
{
	int err;
	struct bsd_file *f = file_get(s, &err);
	long rc;

	if (f == NULL)
		return bsd_result(err);
	rc = recvmsg_file(f, msg, flags);
	file_rele(f);
	return bsd_result(rc);
}
