/*
 * test_sock_upcall.c - the socket upcall (inp_sock_set_upcall, sock.h):
 * called once per datagram appended and per asynchronous error set, not
 * for a datagram that does not fit, never after it is removed; and
 * inp_sock_peek: the oldest datagram without taking it, the pending error
 * without clearing it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sock/sock_internal.h"

#include <inpcb/inpcb.h>

#include <arpa/inet.h>

struct world {
	struct inp_host *host;
	struct inp_vnet *vnet;
	struct inp_sock *rx, *tx;
	struct sockaddr_in to;
};

static int calls;

static void count(struct inp_sock *so, void *arg)
{
	struct world *w = arg;

	assert_ptr_equal(so, w->rx);
	calls++;
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	assert_int_equal(inp_host_create(NULL, NULL, &w->host), 0);
	assert_int_equal(inp_vnet_create(w->host, "v", &w->vnet), 0);
	assert_int_equal(inp_sock_open(w->vnet, AF_INET, INP_PROTO_UDP, NULL,
	                               &w->rx), 0);
	assert_int_equal(inp_sock_open(w->vnet, AF_INET, INP_PROTO_UDP, NULL,
	                               &w->tx), 0);
	w->to.sin_family = AF_INET;
	w->to.sin_port = htons(5000);
	w->to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(inp_sock_bind(w->rx, (struct sockaddr *)&w->to,
	                               sizeof(w->to), NULL), 0);
	calls = 0;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	inp_sock_close(w->rx);
	inp_sock_close(w->tx);
	assert_int_equal(inp_host_destroy(w->host), 0);
	free(w);
	return 0;
}

static long send_n(struct world *w, size_t n)
{
	static char buf[SOCK_UDP_SNDBUF];

	return inp_sock_sendto(w->tx, buf, n, (struct sockaddr *)&w->to,
	                       sizeof(w->to));
}

static void test_upcall_per_datagram(void **state)
{
	struct world *w = *state;
	struct inp_rcvinfo ri;
	char b[8];

	assert_int_equal(inp_sock_set_upcall(NULL, count, w), -EINVAL);
	assert_int_equal(inp_sock_set_upcall(w->rx, count, w), 0);
	assert_int_equal(send_n(w, 3), 3);
	assert_int_equal(send_n(w, 5), 5);
	assert_int_equal(calls, 2);
	/* peek: the oldest, still queued */
	assert_int_equal(inp_sock_peek(w->rx, &ri, b, 2), 2);
	assert_int_equal(ri.len, 3);
	assert_int_equal(inp_sock_peek(w->rx, &ri, NULL, 0), 0);
	assert_int_equal(inp_sock_recv(w->rx, NULL, b, sizeof(b)), 3);
	assert_int_equal(inp_sock_recv(w->rx, NULL, b, sizeof(b)), 5);
	assert_int_equal(inp_sock_peek(w->rx, NULL, NULL, 0), -EAGAIN);
	/* removed: no more calls */
	assert_int_equal(inp_sock_set_upcall(w->rx, NULL, w), 0);
	assert_int_equal(send_n(w, 1), 1);
	assert_int_equal(calls, 2);
}

static void test_upcall_full_buffer(void **state)
{
	struct world *w = *state;
	int small = 64;

	assert_int_equal(inp_sock_setopt(w->rx, INP_SOL_SOCKET, INP_SO_RCVBUF,
	                                 &small, sizeof(small), NULL), 0);
	assert_int_equal(inp_sock_set_upcall(w->rx, count, w), 0);
	assert_int_equal(send_n(w, 40), 40);
	assert_int_equal(send_n(w, 40), 40);  /* dropped: does not fit */
	assert_int_equal(calls, 1);
}

static void test_upcall_error(void **state)
{
	struct world *w = *state;

	assert_int_equal(inp_sock_set_upcall(w->rx, count, w), 0);
	sock_set_error(w->rx, ECONNREFUSED);
	assert_int_equal(calls, 1);
	/* peek reports the error and leaves it; recv takes it */
	assert_int_equal(inp_sock_peek(w->rx, NULL, NULL, 0), -ECONNREFUSED);
	assert_int_equal(inp_sock_peek(w->rx, NULL, NULL, 0), -ECONNREFUSED);
	assert_int_equal(inp_sock_recv(w->rx, NULL, NULL, 0), -ECONNREFUSED);
	assert_int_equal(inp_sock_peek(w->rx, NULL, NULL, 0), -EAGAIN);
	assert_int_equal(inp_sock_peek(NULL, NULL, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upcall_per_datagram, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_upcall_full_buffer, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_upcall_error, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
