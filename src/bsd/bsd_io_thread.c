/*
 * bsd_io_thread.c - the stack's I/O thread: waits on the device (if any)
 * for at most 100 ms, feeds what arrived to the stack, runs the host's
 * timers (TIME_WAIT, the port limiter, reassembly).  It is registered
 * with RCU as a looking-up thread must be (thread.h), reports quiescent
 * states and goes offline while it sleeps (QSBR builds).
 */
#include "bsd_internal.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define IO_TICK_MS 100
#define IO_BATCH 256

/* Read everything the device holds, a batch at a time. */
static void io_drain(struct inp_stack *st)
{
	while (inp_if_poll(st->ifp, IO_BATCH) == IO_BATCH)
		;
}

static void *io_main(void *arg)
{
	struct inp_stack *st = arg;
	struct pollfd pfd[2] = {
		{ .fd = st->stop_fd, .events = POLLIN },
		{ .fd = st->dev_fd, .events = POLLIN },
	};
	nfds_t n = st->dev_fd >= 0 ? 2 : 1;

	inp_thread_register();
	for (;;) {
		inp_thread_offline();
		poll(pfd, n, IO_TICK_MS);
		inp_thread_online();
		if (pfd[0].revents != 0)
			break;
		if (st->ifp != NULL)
			io_drain(st);
		inp_host_run_timers(st->host);
		inp_thread_quiescent();
	}
	inp_thread_unregister();
	return NULL;
}

int io_start(struct inp_stack *st)
{
	st->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (st->stop_fd < 0)
		return -errno;
	if (pthread_create(&st->io_thread, NULL, io_main, st) != 0) {
		close(st->stop_fd);
		st->stop_fd = -1;
		return -EAGAIN;
	}
	st->io_running = true;
	return 0;
}

void io_stop(struct inp_stack *st)
{
	uint64_t one = 1;

	if (st->io_running) {
		if (write(st->stop_fd, &one, sizeof(one)) < 0) {
			/* cannot fail for a fresh eventfd: the join waits */
		}
		pthread_join(st->io_thread, NULL);
		st->io_running = false;
	}
	if (st->stop_fd >= 0)
		close(st->stop_fd);
	st->stop_fd = -1;
}
