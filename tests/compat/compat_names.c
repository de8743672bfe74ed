/*
 * compat_names.c - getsockname after an ephemeral bind, connect with
 * EISCONN and disconnect, and close() of a descriptor that is not a
 * socket of the stack.
 */
#include <inpcb/compat.h>

#include "compat_test.h"

static unsigned port_of(int s, struct sockaddr_in *out)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	CHECK(getsockname(s, SA(&sin), &len) == 0);
	CHECK(len == sizeof(sin) && sin.sin_family == AF_INET);
	if (out != NULL)
		*out = sin;
	return ntohs(sin.sin_port);
}

/* bind to port 0: a port of the default range (10000..65535) is chosen. */
static void ephemeral(void)
{
	struct sockaddr_in any = sin4("0.0.0.0", 0), me;
	int s = socket(AF_INET, SOCK_DGRAM, 0), t;
	unsigned p;

	CHECK(s >= 0);
	CHECK(port_of(s, NULL) == 0);
	CHECK(bind(s, SA(&any), sizeof(any)) == 0);
	p = port_of(s, &me);
	CHECK(p >= 10000 && p <= 65535);
	CHECK(me.sin_addr.s_addr == htonl(INADDR_ANY));
	/* a second socket gets another port */
	t = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(bind(t, SA(&any), sizeof(any)) == 0);
	CHECK(port_of(t, NULL) != p);
	CHECK_ERR(bind(s, SA(&any), sizeof(any)), EINVAL);  /* bound */
	close(t);
	close(s);
}

/* UDP: connect, EISCONN on sendto with an address, disconnect (C11). */
static void udp_connect(void)
{
	struct sockaddr_in peer = sin4("127.0.0.1", 7), other, unspec, me;
	struct sockaddr_in got;
	socklen_t len = sizeof(got);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(s >= 0);
	CHECK_ERR(getpeername(s, SA(&got), &len), ENOTCONN);
	CHECK(connect(s, SA(&peer), sizeof(peer)) == 0);
	CHECK(getpeername(s, SA(&got), &len) == 0);
	CHECK(got.sin_port == htons(7));
	port_of(s, &me);
	CHECK(me.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	other = sin4("127.0.0.1", 9);
	CHECK_ERR(sendto(s, "x", 1, 0, SA(&other), sizeof(other)), EISCONN);
	/* FreeBSD: disconnected, then the family is refused */
	memset(&unspec, 0, sizeof(unspec));
	unspec.sin_family = AF_UNSPEC;
	CHECK_ERR(connect(s, SA(&unspec), sizeof(unspec)), EAFNOSUPPORT);
	CHECK_ERR(getpeername(s, SA(&got), &len), ENOTCONN);
	CHECK(port_of(s, &me) != 0);                 /* the port is kept */
	CHECK(me.sin_addr.s_addr == htonl(INADDR_ANY));
	CHECK(close(s) == 0);
	CHECK_ERR(close(s), EBADF);
}

/* TCP inside the stack: listen, connect, EISCONN, accept. */
static void tcp_connect(void)
{
	struct sockaddr_in a = sin4("127.0.0.1", 8080), peer, me;
	socklen_t len = sizeof(peer);
	int l = socket(AF_INET, SOCK_STREAM, 0), c, s;

	CHECK(l >= 0);
	CHECK(bind(l, SA(&a), sizeof(a)) == 0);
	CHECK(listen(l, 4) == 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, SA(&a), sizeof(a)) == 0);
	CHECK_ERR(connect(c, SA(&a), sizeof(a)), EISCONN);
	s = accept(l, SA(&peer), &len);
	CHECK(s >= 0 && len == sizeof(peer));
	port_of(c, &me);
	CHECK(peer.sin_port == me.sin_port);
	CHECK(send(s, "x", 1, 0) == -1 && errno == EOPNOTSUPP);
	/* nobody listens on 8081 */
	a.sin_port = htons(8081);
	close(c);
	c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(connect(c, SA(&a), sizeof(a)), ECONNREFUSED);
	close(c);
	close(s);
	close(l);
}

/* close() still closes the kernel's descriptors. */
static void kernel_close(void)
{
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK(close(p[0]) == 0 && close(p[1]) == 0);
	CHECK_ERR(close(p[0]), EBADF);
}

int main(void)
{
	ephemeral();
	udp_connect();
	tcp_connect();
	kernel_close();
	printf("PASS: getsockname, connect, EISCONN, disconnect, close\n");
	return 0;
}
