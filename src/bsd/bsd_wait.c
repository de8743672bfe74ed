/*
 * bsd_wait.c - blocking and waking: one event count per stack.
 *
 * Every event on one of the stack's sockets (a datagram queued, an
 * asynchronous error, through the socket upcall), a connection queued
 * for accept and a close bump the count and wake every waiter.  A waiter
 * reads the count, checks its sockets, and sleeps only while the count
 * has not moved: no event between the check and the sleep is lost.  One
 * condition variable for all sockets wakes more threads than needed, but
 * costs nothing per socket.  inp_poll() callers waiting in the kernel's
 * poll(2) (mixed descriptors) are woken through an eventfd, written only
 * while such a waiter exists.
 */
#include "bsd_internal.h"

#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

int wait_init(struct inp_stack *st)
{
	pthread_condattr_t ca;
	int rc = -ENOMEM;

	st->seq = 0;
	atomic_init(&st->kernel_waiters, 0);
	st->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (st->wake_fd < 0)
		return -errno;
	if (pthread_condattr_init(&ca) != 0)
		goto fail_fd;
	/* monotonic: SO_RCVTIMEO must not move with the wall clock */
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&st->wait_cond, &ca) == 0) {
		if (pthread_mutex_init(&st->wait_lock, NULL) == 0)
			rc = 0;
		else
			pthread_cond_destroy(&st->wait_cond);
	}
	pthread_condattr_destroy(&ca);
	if (rc == 0)
		return 0;
fail_fd:
	close(st->wake_fd);
	return rc;
}

void wait_fini(struct inp_stack *st)
{
	pthread_cond_destroy(&st->wait_cond);
	pthread_mutex_destroy(&st->wait_lock);
	close(st->wake_fd);
}

void wait_wake(struct inp_stack *st)
{
	uint64_t one = 1;

	pthread_mutex_lock(&st->wait_lock);
	st->seq++;
	pthread_cond_broadcast(&st->wait_cond);
	pthread_mutex_unlock(&st->wait_lock);
	if (atomic_load(&st->kernel_waiters) > 0 &&
	    write(st->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, the waiter is woken anyway */
	}
}

/* Runs with the socket's PCB read-locked: the wait lock only (sock.h). */
void wait_upcall(struct inp_sock *so, void *arg)
{
	(void)so;
	wait_wake(arg);
}

uint64_t wait_seq(struct inp_stack *st)
{
	uint64_t s;

	pthread_mutex_lock(&st->wait_lock);
	s = st->seq;
	pthread_mutex_unlock(&st->wait_lock);
	return s;
}

uint64_t wait_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int wait_until(struct inp_stack *st, uint64_t seq, uint64_t deadline_ns)
{
	struct timespec ts;
	int rc = 0;

	ts.tv_sec = (time_t)(deadline_ns / 1000000000u);
	ts.tv_nsec = (long)(deadline_ns % 1000000000u);
	pthread_mutex_lock(&st->wait_lock);
	while (st->seq == seq && rc == 0) {
		if (deadline_ns == 0)
			pthread_cond_wait(&st->wait_cond, &st->wait_lock);
		else if (pthread_cond_timedwait(&st->wait_cond, &st->wait_lock,
		                                &ts) == ETIMEDOUT)
			rc = -ETIMEDOUT;
	}
	pthread_mutex_unlock(&st->wait_lock);
	return rc;
}

uint64_t wait_deadline(struct bsd_file *f)
{
	struct timeval tv;

	pthread_mutex_lock(&f->lock);
	tv = f->rcvtimeo;
	pthread_mutex_unlock(&f->lock);
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		return 0;           /* SO_RCVTIMEO 0: wait for ever */
	return wait_now_ns() + (uint64_t)tv.tv_sec * 1000000000u +
	       (uint64_t)tv.tv_usec * 1000u;
}
