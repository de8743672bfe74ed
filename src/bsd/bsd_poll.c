/*
 * bsd_poll.c - poll(2) over stack descriptors, kernel descriptors or both.
 *
 * Stack descriptors only: scan, then sleep on the stack's event count
 * (bsd_wait.c) until something happens or the timeout passes, and scan
 * again.  With kernel descriptors the sleep is the kernel's poll(2) on
 * them plus the stack's eventfd, which every stack event writes while
 * such a waiter exists (counted before the scan, so an event between the
 * scan and the sleep still wakes it).
 */
#include "bsd_internal.h"

#include <stdlib.h>
#include <unistd.h>

/* More pollfds than any process could hold descriptors: EINVAL. */
#define POLL_NFDS_MAX (1u << 20)

short poll_ready(struct bsd_file *f)
{
	short r = 0;
	long rc;

	pthread_mutex_lock(&f->lock);
	if (f->listening && f->acceptq != NULL)
		r |= POLLIN;
	if (f->shut_rd)
		r |= POLLIN;
	if (f->type == SOCK_DGRAM && !f->shut_wr)
		r |= POLLOUT;
	if (f->type == SOCK_STREAM && f->connected)
		r |= POLLOUT;
	if (f->refused)
		r |= POLLHUP;
	pthread_mutex_unlock(&f->lock);
	if (f->type == SOCK_DGRAM) {
		rc = inp_sock_peek(f->so, NULL, NULL, 0);
		if (rc >= 0)
			r |= POLLIN;
		else if (rc != -EAGAIN)
			r |= POLLIN | POLLERR;  /* pending error, socket.h */
	}
	return r;
}

/* revents of every stack descriptor; the number that have some. */
static int scan(struct inp_stack *st, struct pollfd *fds, nfds_t nfds)
{
	struct bsd_file *f;
	nfds_t i;
	int n = 0;

	for (i = 0; i < nfds; i++) {
		if (fds[i].fd < INP_FD_BASE)
			continue;   /* negative: ignored; else the kernel's */
		f = fdt_get(&st->fdt, fds[i].fd);
		if (f == NULL) {
			fds[i].revents = POLLNVAL;
		} else {
			fds[i].revents = poll_ready(f) &
			                 (fds[i].events | POLLERR | POLLHUP);
			file_rele(f);
		}
		n += fds[i].revents != 0;
	}
	return n;
}

static uint64_t poll_deadline(int timeout)
{
	return timeout > 0 ? wait_now_ns() + (uint64_t)timeout * 1000000u : 0;
}

/* Milliseconds left until deadline for poll(2): -1 none, 0 passed. */
static int poll_left(int timeout, uint64_t deadline)
{
	uint64_t now;

	if (timeout <= 0)
		return timeout < 0 ? -1 : 0;
	now = wait_now_ns();
	if (now >= deadline)
		return 0;
	return (int)((deadline - now + 999999u) / 1000000u);
}

static int poll_stack(struct inp_stack *st, struct pollfd *fds, nfds_t nfds,
                      int timeout)
{
	uint64_t deadline = poll_deadline(timeout), seq;
	int n;

	for (;;) {
		seq = wait_seq(st);
		n = scan(st, fds, nfds);
		if (n > 0 || timeout == 0)
			return n;
		if (wait_until(st, seq, deadline) < 0)
			return 0;
	}
}

/* The kernel's part: its pollfds in k (the eventfd last), their indexes. */
struct kpoll {
	struct pollfd *k;
	nfds_t *idx;
	nfds_t nk;
};

static int kpoll_make(struct inp_stack *st, const struct pollfd *fds,
                      nfds_t nfds, nfds_t nk, struct kpoll *kp)
{
	nfds_t i, j = 0;

	kp->k = calloc(nk + 1, sizeof(*kp->k));
	kp->idx = calloc(nk, sizeof(*kp->idx));
	if (kp->k == NULL || kp->idx == NULL) {
		free(kp->k);
		free(kp->idx);
		return -ENOMEM;
	}
	for (i = 0; i < nfds; i++) {
		if (fds[i].fd >= 0 && fds[i].fd < INP_FD_BASE) {
			kp->k[j].fd = fds[i].fd;
			kp->k[j].events = fds[i].events;
			kp->idx[j++] = i;
		}
	}
	kp->k[nk].fd = st->wake_fd;
	kp->k[nk].events = POLLIN;
	kp->nk = nk;
	return 0;
}

/* The kernel's revents into fds; how many have some. */
static int kpoll_copy(const struct kpoll *kp, struct pollfd *fds)
{
	uint64_t v;
	nfds_t j;
	int n = 0;

	if (kp->k[kp->nk].revents != 0 &&
	    read(kp->k[kp->nk].fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: another waiter drained it; nothing is lost */
	}
	for (j = 0; j < kp->nk; j++) {
		fds[kp->idx[j]].revents = kp->k[j].revents;
		n += kp->k[j].revents != 0;
	}
	return n;
}

static int poll_mixed(struct inp_stack *st, struct pollfd *fds, nfds_t nfds,
                      nfds_t nk, int timeout)
{
	uint64_t deadline = poll_deadline(timeout);
	struct kpoll kp;
	int n, left, rc;

	if ((rc = kpoll_make(st, fds, nfds, nk, &kp)) < 0)
		return rc;
	atomic_fetch_add(&st->kernel_waiters, 1);
	for (;;) {
		n = scan(st, fds, nfds);
		left = n > 0 ? 0 : poll_left(timeout, deadline);
		rc = poll(kp.k, nk + 1, left);
		if (rc < 0) {
			rc = -errno;
			break;
		}
		rc = n + kpoll_copy(&kp, fds);
		if (rc > 0 || left == 0)
			break;
	}
	atomic_fetch_sub(&st->kernel_waiters, 1);
	free(kp.k);
	free(kp.idx);
	return rc;
}

int inp_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct inp_stack *st = inp_stack_default();
	nfds_t i, nk = 0;

	if (nfds > 0 && fds == NULL)
		return (int)bsd_result(-EFAULT);
	if (nfds > POLL_NFDS_MAX)
		return (int)bsd_result(-EINVAL);
	for (i = 0; i < nfds; i++) {
		fds[i].revents = 0;
		nk += fds[i].fd >= 0 && fds[i].fd < INP_FD_BASE;
	}
	if (st == NULL)         /* no stack: no descriptor of ours (POLLNVAL) */
		return poll(fds, nfds, timeout);
	if (nk == 0)
		return (int)bsd_result(poll_stack(st, fds, nfds, timeout));
	return (int)bsd_result(poll_mixed(st, fds, nfds, nk, timeout));
}
