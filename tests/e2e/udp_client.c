/*
 * udp_client.c - the Linux side of the end-to-end tests: a UDP client on
 * the system's own sockets (not inpcb), run inside the test's network
 * namespace with `ip netns exec`.
 *
 *   udp_client ADDR PORT MODE [options]
 *
 * Modes:
 *   echo     send one datagram, wait for the same bytes back from
 *            ADDR:PORT; prints "reply from SRC len N"
 *   refused  connect(2), send, and expect the next receive to fail with
 *            ECONNREFUSED (the ICMP port unreachable of the peer)
 *   send     send --count datagrams and print "sent N failed N"; with
 *            IP_RECVERR on, so datagrams the local stack drops (full
 *            queue) come back as send errors instead of vanishing
 * Options:
 *   --count N       datagrams to send (send; default 1)
 *   --size N        payload bytes (default 32)
 *   --tos N         IP_TOS / IPV6_TCLASS of every datagram
 *   --broadcast     SO_BROADCAST (for 192.0.2.255)
 *   --ttl N         IP_MULTICAST_TTL / unicast TTL
 *   --pace-us N     sleep N microseconds between datagrams (send)
 *   --timeout-ms N  how long echo/refused wait (default 2000)
 *   --tries N       echo/refused: send again after each timeout (default 3)
 *
 * Exit status: 0 when the mode's expectation held, 1 when it did not,
 * 2 for usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct opts {
	struct sockaddr_storage to;
	socklen_t tolen;
	const char *mode;
	long count, size, tos, ttl, pace_us, timeout_ms, tries;
	bool broadcast;
};

static void usage(void)
{
	fprintf(stderr, "usage: udp_client ADDR PORT echo|refused|send "
	        "[--count N] [--size N] [--tos N]\n"
	        "       [--broadcast] [--ttl N] [--pace-us N] "
	        "[--timeout-ms N] [--tries N]\n");
}

static int parse_long(const char *s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 0);
	return errno || end == s || *end || *v < 0 ? -1 : 0;
}

static int parse_addr(const char *a, const char *p, struct opts *o)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&o->to;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&o->to;
	long port;

	if (parse_long(p, &port) < 0 || port == 0 || port > 65535)
		return -1;
	memset(&o->to, 0, sizeof(o->to));
	if (inet_pton(AF_INET, a, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		o->tolen = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, a, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		o->tolen = sizeof(*sin6);
		return 0;
	}
	return -1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const char *const names[] = { "--count", "--size", "--tos",
		"--ttl", "--pace-us", "--timeout-ms", "--tries" };
	long *vals[] = { &o->count, &o->size, &o->tos, &o->ttl, &o->pace_us,
	                 &o->timeout_ms, &o->tries };
	int i;
	size_t k;

	memset(o, 0, sizeof(*o));
	o->count = 1;
	o->size = 32;
	o->tos = o->ttl = -1;
	o->timeout_ms = 2000;
	o->tries = 3;
	if (argc < 4 || parse_addr(argv[1], argv[2], o) < 0)
		return -1;
	o->mode = argv[3];
	for (i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--broadcast") == 0) {
			o->broadcast = true;
			continue;
		}
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strcmp(argv[i], names[k]) == 0)
				break;
		if (k == sizeof(names) / sizeof(names[0]) || i + 1 == argc ||
		    parse_long(argv[++i], vals[k]) < 0)
			return -1;
	}
	if (o->size > 65507 || o->tries < 1)
		return -1;
	return 0;
}

static int set_int(int s, int level, int name, long v, const char *what)
{
	int iv = (int)v;

	if (setsockopt(s, level, name, &iv, sizeof(iv)) < 0) {
		fprintf(stderr, "udp_client: %s: %s\n", what, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_socket(const struct opts *o)
{
	int af = o->to.ss_family;
	int v6 = af == AF_INET6;
	int s = socket(af, SOCK_DGRAM, 0);

	if (s < 0) {
		perror("udp_client: socket");
		return -1;
	}
	if ((o->tos >= 0 &&
	     set_int(s, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
	             v6 ? IPV6_TCLASS : IP_TOS, o->tos, "IP_TOS") < 0) ||
	    (o->broadcast &&
	     set_int(s, SOL_SOCKET, SO_BROADCAST, 1, "SO_BROADCAST") < 0) ||
	    (o->ttl >= 0 &&
	     (set_int(s, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
	              v6 ? IPV6_MULTICAST_HOPS : IP_MULTICAST_TTL, o->ttl,
	              "multicast TTL") < 0 ||
	      set_int(s, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
	              v6 ? IPV6_UNICAST_HOPS : IP_TTL, o->ttl, "TTL") < 0))) {
		close(s);
		return -1;
	}
	return s;
}

/* Wait up to ms for s to become readable: 1, 0 on timeout, -1. */
static int wait_readable(int s, long ms)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	int rc;

	do
		rc = poll(&p, 1, (int)ms);
	while (rc < 0 && errno == EINTR);
	return rc;
}

static void fill(unsigned char *buf, long size, long seq)
{
	long i;

	for (i = 0; i < size; i++)
		buf[i] = (unsigned char)(seq + i * 7);
}

static void format(const struct sockaddr_storage *ss, char *b, size_t n)
{
	const struct sockaddr_in *sin = (const void *)ss;
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(b, n, "%s:%u", a, ntohs(sin->sin_port));
	} else {
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(b, n, "[%s]:%u", a, ntohs(sin6->sin6_port));
	}
}

static int mode_echo(int s, const struct opts *o, unsigned char *buf,
                     unsigned char *rbuf)
{
	struct sockaddr_storage from;
	socklen_t fl;
	char f[INET6_ADDRSTRLEN + 8];
	long t;
	ssize_t n;

	fill(buf, o->size, 1);
	for (t = 0; t < o->tries; t++) {
		if (sendto(s, buf, (size_t)o->size, 0,
		           (const struct sockaddr *)&o->to, o->tolen) < 0) {
			perror("udp_client: sendto");
			return 1;
		}
		while (wait_readable(s, o->timeout_ms) > 0) {
			fl = sizeof(from);
			n = recvfrom(s, rbuf, 65536, 0,
			             (struct sockaddr *)&from, &fl);
			if (n < 0) {
				perror("udp_client: recvfrom");
				return 1;
			}
			format(&from, f, sizeof(f));
			if (n == o->size && memcmp(buf, rbuf, (size_t)n) == 0) {
				printf("reply from %s len %zd\n", f, n);
				return 0;
			}
			printf("unexpected datagram from %s len %zd\n", f, n);
		}
	}
	printf("no reply after %ld tries\n", o->tries);
	return 1;
}

static int mode_refused(int s, const struct opts *o, unsigned char *buf,
                        unsigned char *rbuf)
{
	long t;
	ssize_t n;

	if (connect(s, (const struct sockaddr *)&o->to, o->tolen) < 0) {
		perror("udp_client: connect");
		return 1;
	}
	fill(buf, o->size, 2);
	for (t = 0; t < o->tries; t++) {
		if (send(s, buf, (size_t)o->size, 0) < 0) {
			if (errno == ECONNREFUSED)
				goto refused; /* reported on the send */
			perror("udp_client: send");
			return 1;
		}
		if (wait_readable(s, o->timeout_ms) <= 0)
			continue;
		n = recv(s, rbuf, 65536, 0);
		if (n < 0 && errno == ECONNREFUSED)
			goto refused;
		if (n < 0)
			perror("udp_client: recv");
		else
			printf("unexpected datagram len %zd\n", n);
		return 1;
	}
	printf("no error after %ld tries\n", o->tries);
	return 1;
refused:
	printf("ECONNREFUSED\n");
	return 0;
}

static int mode_send(int s, const struct opts *o, unsigned char *buf)
{
	struct timespec pace = { 0, o->pace_us * 1000 };
	long i, sent = 0, failed = 0;
	int one = 1;

	/* with IP_RECVERR a full local queue is an error, not a silent drop */
	setsockopt(s, o->to.ss_family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
	           o->to.ss_family == AF_INET ? IP_RECVERR : IPV6_RECVERR,
	           &one, sizeof(one));
	for (i = 0; i < o->count; i++) {
		fill(buf, o->size, i);
		if (o->size >= 4)
			memcpy(buf, &i, 4); /* a sequence number */
		if (sendto(s, buf, (size_t)o->size, 0,
		           (const struct sockaddr *)&o->to, o->tolen) < 0)
			failed++;
		else
			sent++;
		if (o->pace_us)
			nanosleep(&pace, NULL);
	}
	printf("sent %ld failed %ld\n", sent, failed);
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char buf[65536], rbuf[65536];
	struct opts o;
	int s, rc;

	if (parse(argc, argv, &o) < 0) {
		usage();
		return 2;
	}
	s = open_socket(&o);
	if (s < 0)
		return 1;
	if (strcmp(o.mode, "echo") == 0)
		rc = mode_echo(s, &o, buf, rbuf);
	else if (strcmp(o.mode, "refused") == 0)
		rc = mode_refused(s, &o, buf, rbuf);
	else if (strcmp(o.mode, "send") == 0)
		rc = mode_send(s, &o, buf);
	else {
		usage();
		rc = 2;
	}
	close(s);
	return rc;
}
