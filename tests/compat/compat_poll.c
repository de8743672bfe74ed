/*
 * compat_poll.c - a poll() loop serving 1,000 UDP sockets: a client
 * thread sends one datagram to each and waits (blocking, SO_RCVTIMEO) for
 * every echo; the server polls the 1,000 sockets plus a pipe (a kernel
 * descriptor: poll mixes both) that the client writes once it has all
 * its replies.
 */
#include <inpcb/compat.h>

#include "compat_test.h"

#include <pthread.h>

#define NSOCK 1000
#define BASE_PORT 30000

static int done_pipe[2];

static void *client(void *arg)
{
	struct timeval tv = { 5, 0 };
	struct sockaddr_in to;
	int s = socket(AF_INET, SOCK_DGRAM, 0), i, got = 0;
	char buf[16];

	(void)arg;
	CHECK(s >= 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	for (i = 0; i < NSOCK; i++) {
		to = sin4("127.0.0.1", BASE_PORT + (unsigned)i);
		CHECK(sendto(s, &i, sizeof(i), 0, SA(&to), sizeof(to)) ==
		      (ssize_t)sizeof(i));
	}
	for (i = 0; i < NSOCK; i++) {
		CHECK(recv(s, buf, sizeof(buf), 0) == (ssize_t)sizeof(int));
		got++;
	}
	close(s);
	CHECK(write(done_pipe[1], &got, sizeof(got)) == sizeof(got));
	return NULL;
}

static void open_all(struct pollfd *fds)
{
	struct sockaddr_in a;
	int i;

	for (i = 0; i < NSOCK; i++) {
		fds[i].fd = socket(AF_INET, SOCK_DGRAM, 0);
		CHECK(fds[i].fd >= 0);
		a = sin4("127.0.0.1", BASE_PORT + (unsigned)i);
		CHECK(bind(fds[i].fd, SA(&a), sizeof(a)) == 0);
		fds[i].events = POLLIN;
	}
	fds[NSOCK].fd = done_pipe[0];
	fds[NSOCK].events = POLLIN;
}

/* Echo what socket i holds; the number of datagrams served. */
static int serve_one(int fd, int i)
{
	struct sockaddr_in from;
	socklen_t len = sizeof(from);
	int v, n = 0;

	while (recvfrom(fd, &v, sizeof(v), MSG_DONTWAIT, SA(&from),
	                &len) == (ssize_t)sizeof(v)) {
		CHECK(v == i);
		CHECK(sendto(fd, &v, sizeof(v), 0, SA(&from), len) ==
		      (ssize_t)sizeof(v));
		n++;
	}
	CHECK(errno == EAGAIN || errno == EWOULDBLOCK);
	return n;
}

int main(void)
{
	static struct pollfd fds[NSOCK + 1];
	pthread_t t;
	int served = 0, got = 0, i, n;

	CHECK(pipe(done_pipe) == 0);
	open_all(fds);
	CHECK(pthread_create(&t, NULL, client, NULL) == 0);
	while (!(fds[NSOCK].revents & POLLIN)) {
		n = poll(fds, NSOCK + 1, 10000);
		CHECK(n > 0);
		for (i = 0; i < NSOCK; i++)
			if (fds[i].revents & POLLIN)
				served += serve_one(fds[i].fd, i);
	}
	CHECK(read(done_pipe[0], &got, sizeof(got)) == sizeof(got));
	pthread_join(t, NULL);
	CHECK(served == NSOCK && got == NSOCK);
	for (i = 0; i < NSOCK; i++)
		CHECK(close(fds[i].fd) == 0);
	close(done_pipe[0]);
	close(done_pipe[1]);
	printf("PASS: poll served %d sockets\n", served);
	return 0;
}
