/*
 * compat_timeo.c - blocking and non-blocking receive: SO_RCVTIMEO runs out
 * with EAGAIN (EWOULDBLOCK) after about its time; O_NONBLOCK (fcntl),
 * FIONBIO (ioctl) and MSG_DONTWAIT return at once; a blocked receive is
 * woken by a datagram another thread sends; FIONREAD counts every queued
 * byte, as FreeBSD's does.
 */
#include <inpcb/compat.h>

#include "compat_test.h"

#include <pthread.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bound(unsigned port)
{
	struct sockaddr_in a = sin4("127.0.0.1", port);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(s >= 0);
	CHECK(bind(s, SA(&a), sizeof(a)) == 0);
	return s;
}

static void rcvtimeo(int s)
{
	struct timeval tv = { 0, 200000 }, got;
	socklen_t len = sizeof(got);
	double t0, dt;
	char b[8];

	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	CHECK(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &got, &len) == 0);
	CHECK(got.tv_sec == 0 && got.tv_usec == 200000);
	t0 = now();
	CHECK(recv(s, b, sizeof(b), 0) == -1);
	dt = now() - t0;
	CHECK(errno == EAGAIN || errno == EWOULDBLOCK);
	CHECK(dt >= 0.19 && dt < 2.0);
	tv.tv_usec = 1000000;          /* FreeBSD: EDOM */
	CHECK_ERR(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
	          EDOM);
}

static void nonblocking(int s)
{
	int on = 1, fl;
	char b[8];

	CHECK_ERR(recv(s, b, sizeof(b), MSG_DONTWAIT), EAGAIN);
	fl = fcntl(s, F_GETFL);
	CHECK(fl >= 0 && !(fl & O_NONBLOCK));
	CHECK(fcntl(s, F_SETFL, fl | O_NONBLOCK) == 0);
	CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
	CHECK_ERR(recv(s, b, sizeof(b), 0), EAGAIN);
	CHECK(fcntl(s, F_SETFL, fl) == 0);
	CHECK(ioctl(s, FIONBIO, &on) == 0);
	CHECK_ERR(recvfrom(s, b, sizeof(b), 0, NULL, NULL), EWOULDBLOCK);
	on = 0;
	CHECK(ioctl(s, FIONBIO, &on) == 0);
}

static void *late_sender(void *arg)
{
	struct sockaddr_in to = sin4("127.0.0.1", *(unsigned *)arg);
	struct timespec d = { 0, 100000000 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	nanosleep(&d, NULL);
	CHECK(sendto(s, "wake", 4, 0, SA(&to), sizeof(to)) == 4);
	close(s);
	return NULL;
}

static void woken(int s, unsigned port)
{
	struct timeval tv = { 5, 0 };
	pthread_t t;
	char b[8];
	int n;

	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	CHECK(pthread_create(&t, NULL, late_sender, &port) == 0);
	CHECK(ioctl(s, FIONREAD, &n) == 0 && n == 0);
	CHECK(recv(s, b, sizeof(b), 0) == 4 && memcmp(b, "wake", 4) == 0);
	pthread_join(t, NULL);
}

/* FreeBSD's FIONREAD: the payload of every queued datagram (sbavail). */
static void fionread(int s, unsigned port)
{
	struct sockaddr_in me = sin4("127.0.0.1", port);
	char b[8];
	int n;

	CHECK(sendto(s, "abc", 3, 0, SA(&me), sizeof(me)) == 3);
	CHECK(sendto(s, "defgh", 5, 0, SA(&me), sizeof(me)) == 5);
	CHECK(ioctl(s, FIONREAD, &n) == 0 && n == 8);
	CHECK(recv(s, b, sizeof(b), 0) == 3);
	CHECK(ioctl(s, FIONREAD, &n) == 0 && n == 5);
	CHECK(recv(s, b, sizeof(b), 0) == 5);
	CHECK(ioctl(s, FIONREAD, &n) == 0 && n == 0);
}

int main(void)
{
	int s = bound(7000);

	rcvtimeo(s);
	nonblocking(s);
	woken(s, 7000);
	fionread(s, 7000);
	close(s);
	printf("PASS: SO_RCVTIMEO, non-blocking receive, wakeup, FIONREAD\n");
	return 0;
}
