/*
 * test_bsd_api.c - the BSD socket API's edges (cmocka, public headers
 * only): the descriptor table (numbering, lowest free first, close racing
 * a blocked receive), bad input (EBADF, EINVAL, EFAULT, EAFNOSUPPORT ...),
 * shutdown, read-only options, IPv6 control messages, explicit stacks.
 */
#include <inpcb/inpcb.h>
#include <inpcb/socket.h>
#include <inpcb/thread.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

static struct sockaddr_in sin4(const char *a, unsigned port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons((unsigned short)port);
	inet_pton(AF_INET, a, &s.sin_addr);
	return s;
}

#define SA(p) ((struct sockaddr *)(p))
#define assert_err(call, e) do { errno = 0; assert_int_equal((call), -1); \
	                         assert_int_equal(errno, (e)); } while (0)

static int setup(void **state)
{
	struct inp_stack *st;

	assert_int_equal(inp_stack_create(NULL, &st), 0);
	assert_null(inp_stack_set_default(st));
	*state = st;
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(inp_stack_destroy(*state), 0);
	assert_null(inp_stack_default());
	return 0;
}

static void test_numbering(void **state)
{
	int a = inp_socket(AF_INET, SOCK_DGRAM, 0);
	int b = inp_socket(AF_INET6, SOCK_STREAM, 0);

	(void)state;
	assert_int_equal(a, INP_FD_BASE);
	assert_int_equal(b, INP_FD_BASE + 1);
	assert_int_equal(inp_close(a), 0);
	/* the lowest free descriptor comes back first */
	assert_int_equal(inp_socket(AF_INET, SOCK_DGRAM, 0), INP_FD_BASE);
	assert_err(inp_close(INP_FD_BASE + 7), EBADF);
	assert_int_equal(inp_close(b), 0);
	assert_err(inp_close(b), EBADF);
	/* left open: destroy closes it */
}

static void test_bad_socket(void **state)
{
	(void)state;
	assert_err(inp_socket(AF_UNIX, SOCK_DGRAM, 0), EAFNOSUPPORT);
	assert_err(inp_socket(AF_INET, SOCK_RAW, 0), EPROTONOSUPPORT);
	assert_err(inp_socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP),
	           EPROTONOSUPPORT);
	assert_err(inp_socket(AF_INET, SOCK_STREAM, IPPROTO_UDP),
	           EPROTONOSUPPORT);
}

static void test_bad_fd(void **state)
{
	struct sockaddr_in a = sin4("127.0.0.1", 1);
	socklen_t len = sizeof(a);
	char b[4];
	int v = 1;

	(void)state;
	assert_err(inp_bind(3, SA(&a), sizeof(a)), EBADF);
	assert_err(inp_bind(INP_FD_BASE + 100, SA(&a), sizeof(a)), EBADF);
	assert_err(inp_connect(-1, SA(&a), sizeof(a)), EBADF);
	assert_err(inp_getsockname(INP_FD_BASE, SA(&a), &len), EBADF);
	assert_err(inp_setsockopt(INP_FD_BASE, SOL_SOCKET, SO_REUSEADDR, &v,
	                          sizeof(v)), EBADF);
	assert_err(inp_recv(INP_FD_BASE, b, sizeof(b), 0), EBADF);
	assert_err(inp_send(INP_FD_BASE, b, sizeof(b), 0), EBADF);
	assert_err(inp_listen(INP_FD_BASE, 1), EBADF);
	assert_err(inp_shutdown(INP_FD_BASE, SHUT_RD), EBADF);
}

static void test_bad_args(void **state)
{
	struct sockaddr_in a = sin4("127.0.0.1", 5555);
	struct sockaddr_storage big[2];
	socklen_t len = sizeof(a);
	int s = inp_socket(AF_INET, SOCK_DGRAM, 0), v = 1;
	char b[4];

	(void)state;
	assert_err(inp_bind(s, NULL, sizeof(a)), EFAULT);
	assert_err(inp_bind(s, SA(&a), 1), EINVAL);
	memset(big, 0, sizeof(big));
	memcpy(big, &a, sizeof(a));
	assert_err(inp_bind(s, SA(big), sizeof(big)), EINVAL);
	assert_err(inp_connect(s, NULL, 0), EFAULT);
	assert_err(inp_getsockname(s, NULL, &len), EFAULT);
	assert_err(inp_getsockname(s, SA(&a), NULL), EFAULT);
	assert_err(inp_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, NULL, 4),
	           EFAULT);
	assert_err(inp_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, 2), EINVAL);
	assert_err(inp_setsockopt(s, SOL_SOCKET, 12345, &v, sizeof(v)),
	           ENOPROTOOPT);
	assert_err(inp_setsockopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof(v)),
	           ENOPROTOOPT);
	assert_err(inp_getsockopt(s, SOL_SOCKET, SO_TYPE, &v, NULL), EFAULT);
	assert_err(inp_recv(s, NULL, 4, MSG_DONTWAIT), EFAULT);
	assert_err(inp_recv(s, b, sizeof(b), MSG_OOB), EOPNOTSUPP);
	assert_err(inp_sendmsg(s, NULL, 0), EFAULT);
	assert_err(inp_recvmsg(s, NULL, 0), EFAULT);
	assert_err(inp_poll(NULL, 1, 0), EFAULT);
	assert_err(inp_shutdown(s, 7), EINVAL);
	assert_err(inp_listen(s, 1), EOPNOTSUPP);
	assert_err(inp_accept(s, NULL, NULL), EOPNOTSUPP);
	assert_err(inp_fcntl(s, F_DUPFD, 0), EINVAL);
	assert_err(inp_ioctl(s, FIONBIO, NULL), EFAULT);
	assert_int_equal(inp_close(s), 0);
}

static void test_readonly_opts(void **state)
{
	int s = inp_socket(AF_INET6, SOCK_STREAM, 0), v = -1;
	socklen_t len = sizeof(v);

	(void)state;
	assert_int_equal(inp_getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	assert_int_equal(v, SOCK_STREAM);
	assert_int_equal(inp_getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &len),
	                 0);
	assert_int_equal(v, AF_INET6);
	assert_int_equal(inp_getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	assert_int_equal(v, 0);
	assert_int_equal(inp_listen(s, 5), 0);
	assert_int_equal(inp_getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v,
	                                &len), 0);
	assert_int_equal(v, 1);
	assert_int_equal(inp_fcntl(s, F_SETFL, O_NONBLOCK), 0);
	assert_err(inp_accept(s, NULL, NULL), EAGAIN);
	assert_int_equal(inp_close(s), 0);
}

struct blocked {
	int fd;
	long rc;
	int err;
};

static void *block_recv(void *arg)
{
	struct blocked *b = arg;
	char buf[8];

	b->rc = inp_recv(b->fd, buf, sizeof(buf), 0);
	b->err = errno;
	return NULL;
}

/* A descriptor closed while another thread waits on it: EBADF there. */
static void test_close_racing_recv(void **state)
{
	struct blocked b = { inp_socket(AF_INET, SOCK_DGRAM, 0), 0, 0 };
	struct timespec d = { 0, 50000000 };
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, block_recv, &b), 0);
	nanosleep(&d, NULL);
	assert_int_equal(inp_close(b.fd), 0);
	pthread_join(t, NULL);
	assert_int_equal(b.rc, -1);
	assert_int_equal(b.err, EBADF);
}

static void test_shutdown(void **state)
{
	struct sockaddr_in a = sin4("127.0.0.1", 6000);
	int s = inp_socket(AF_INET, SOCK_DGRAM, 0);
	struct pollfd p = { s, POLLIN | POLLOUT, 0 };
	char b[4];

	(void)state;
	assert_int_equal(inp_bind(s, SA(&a), sizeof(a)), 0);
	assert_int_equal(inp_poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, POLLOUT);
	assert_err(inp_shutdown(s, SHUT_RDWR), ENOTCONN);  /* done anyway */
	assert_int_equal(inp_recv(s, b, sizeof(b), 0), 0);  /* EOF */
	assert_err(inp_sendto(s, "x", 1, 0, SA(&a), sizeof(a)), EPIPE);
	assert_int_equal(inp_poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, POLLIN);
	assert_int_equal(inp_close(s), 0);
	p.fd = s;
	assert_int_equal(inp_poll(&p, 1, 0), 1);
	assert_int_equal(p.revents, POLLNVAL);
}

/* IPv6 control messages: IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS. */
static void test_ipv6_cmsg(void **state)
{
	struct sockaddr_in6 a;
	union { struct cmsghdr c; char b[256]; } ctl;
	struct msghdr m;
	struct iovec iov;
	struct cmsghdr *c;
	int r = inp_socket(AF_INET6, SOCK_DGRAM, 0), one = 1, seen = 0, v;
	int s = inp_socket(AF_INET6, SOCK_DGRAM, 0);
	char buf[8];

	(void)state;
	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	a.sin6_port = htons(6001);
	a.sin6_addr = in6addr_loopback;
	assert_int_equal(inp_bind(r, SA(&a), sizeof(a)), 0);
	assert_int_equal(inp_setsockopt(r, IPPROTO_IPV6, IPV6_RECVPKTINFO,
	                                &one, sizeof(one)), 0);
	assert_int_equal(inp_setsockopt(r, IPPROTO_IPV6, IPV6_RECVHOPLIMIT,
	                                &one, sizeof(one)), 0);
	assert_int_equal(inp_setsockopt(r, IPPROTO_IPV6, IPV6_RECVTCLASS,
	                                &one, sizeof(one)), 0);
	assert_int_equal(inp_sendto(s, "six", 3, 0, SA(&a), sizeof(a)), 3);
	memset(&m, 0, sizeof(m));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof(ctl.b);
	assert_int_equal(inp_recvmsg(r, &m, MSG_DONTWAIT), 3);
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
		assert_int_equal(c->cmsg_level, IPPROTO_IPV6);
		if (c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			assert_true(IN6_IS_ADDR_LOOPBACK(&pi.ipi6_addr));
			assert_int_equal(pi.ipi6_ifindex, 1);  /* lo0 */
			seen |= 1;
		} else if (c->cmsg_type == IPV6_HOPLIMIT) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			assert_int_equal(v, 64);
			seen |= 2;
		} else if (c->cmsg_type == IPV6_TCLASS) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			assert_int_equal(v, 0);
			seen |= 4;
		}
	}
	assert_int_equal(seen, 7);
	/* an AF_INET socket has no IPv6 options */
	v = inp_socket(AF_INET, SOCK_DGRAM, 0);
	assert_err(inp_setsockopt(v, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
	                          sizeof(one)), ENOPROTOOPT);
	inp_close(v);
	inp_close(r);
	inp_close(s);
}

/* No default stack: descriptors are EBADF, poll of kernel fds works. */
static void test_no_default(void **state)
{
	struct inp_stack *st = inp_stack_set_default(NULL);
	int p[2];
	struct pollfd pf;

	assert_ptr_equal(st, *state);
	assert_err(inp_close(INP_FD_BASE), EBADF);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	pf.fd = p[0];
	pf.events = POLLIN;
	assert_int_equal(inp_poll(&pf, 1, 0), 1);
	assert_int_equal(inp_close(p[0]), 0);
	assert_int_equal(inp_close(p[1]), 0);
	inp_stack_set_default(st);
}

static void test_explicit_stack(void **state)
{
	struct inp_stack_config c = { NULL, "/nonexistent.pcbs", NULL };
	struct inp_stack *st;

	(void)state;
	assert_int_equal(inp_stack_create(&c, &st), -ENOENT);
	assert_int_equal(inp_stack_create(NULL, NULL), -EINVAL);
	assert_int_equal(inp_stack_destroy(NULL), -EINVAL);
	assert_int_equal(inp_stack_create(NULL, &st), 0);
	assert_non_null(inp_stack_vnet(st));
	assert_non_null(inp_stack_host(st));
	assert_int_equal(inp_stack_destroy(st), 0);
}

/* TCP in the stack: the first close takes TIME_WAIT, the second not. */
static void test_tcp_timewait(void **state)
{
	struct inp_vnet *vnet = inp_stack_vnet(*state);
	struct sockaddr_in a = sin4("127.0.0.1", 8000);
	int l = inp_socket(AF_INET, SOCK_STREAM, 0), c, s, d;

	assert_int_equal(inp_bind(l, SA(&a), sizeof(a)), 0);
	assert_int_equal(inp_listen(l, 1), 0);
	c = inp_socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(inp_connect(c, SA(&a), sizeof(a)), 0);
	/* backlog 1: the next connection is refused */
	d = inp_socket(AF_INET, SOCK_STREAM, 0);
	assert_err(inp_connect(d, SA(&a), sizeof(a)), ECONNREFUSED);
	assert_err(inp_connect(d, SA(&a), sizeof(a)), ECONNREFUSED);
	assert_int_equal(inp_close(d), 0);
	s = inp_accept(l, NULL, NULL);
	assert_true(s >= INP_FD_BASE);
	assert_int_equal(inp_pcb_count(vnet, INP_PROTO_TCP), 3);
	assert_int_equal(inp_close(c), 0);      /* active close */
	assert_int_equal(inp_close(s), 0);
	assert_int_equal(inp_close(l), 0);
	assert_int_equal(inp_pcb_count(vnet, INP_PROTO_TCP), 1);
	/* destroy expires it (teardown checks that destroy succeeds) */
}

/* No default stack and a bad INPCB_SCRIPT: socket() reports it, later
 * calls retry. */
static void test_env_failure(void **state)
{
	(void)state;
	assert_null(inp_stack_default());
	assert_int_equal(setenv("INPCB_SCRIPT", "/nonexistent.pcbs", 1), 0);
	assert_err(inp_socket(AF_INET, SOCK_DGRAM, 0), ENOENT);
	assert_err(inp_socket(AF_INET, SOCK_DGRAM, 0), ENOENT);
	assert_null(inp_stack_default());
	assert_int_equal(unsetenv("INPCB_SCRIPT"), 0);
	assert_int_equal(inp_socket(AF_INET, SOCK_DGRAM, 0), INP_FD_BASE);
	assert_non_null(inp_stack_default());
	assert_int_equal(inp_stack_destroy(inp_stack_default()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_numbering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_opts, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_close_racing_recv, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_cmsg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_timewait, setup,
		                                teardown),
		cmocka_unit_test(test_explicit_stack),
		cmocka_unit_test(test_env_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
