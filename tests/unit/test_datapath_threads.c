/*
 * test_datapath_threads.c - the datapath used from several threads at
 * once (ip.h: "inp_ip_input() and the send calls may run concurrently"):
 * senders to destinations inside the stack, an injector of datagrams and
 * fragments through inp_ip_input(), a reader draining the receiving
 * socket, a poller feeding em0's loop driver back in, and a thread that
 * changes options and timers meanwhile.  Afterwards every ledger of ip.h
 * holds and nothing is lost: what the receiver took equals what UDP
 * delivered.  Meant for ThreadSanitizer runs as much as for itself.
 */
#include "ip_fixture.h"

#include <pthread.h>
#include <stdatomic.h>

#define ROUNDS 400

static struct inp_sock *RX, *RX6;
static atomic_bool STOP;
static atomic_ulong TAKEN;
static atomic_uint FAILED;       /* calls that failed in a thread */

/* cmocka's asserts belong to the main thread: threads count failures. */
static void check(int rc)
{
	if (rc != 0)
		atomic_fetch_add(&FAILED, 1);
}

static void in(const uint8_t *p, size_t len)
{
	check(inp_ip_input(W->vnet, W->em0, p, len, 0));
}

static void setopt(struct inp_sock *so, int level, int name, int v)
{
	check(inp_sock_setopt(so, level, name, &v, sizeof(v), NULL));
}

static void *sender(void *arg)
{
	struct inp_sock *so = arg;
	char buf[64] = { 0 };
	unsigned i;

	for (i = 0; i < ROUNDS; i++) {
		if (inp_sock_family(so) == AF_INET)
			(void)ipw_sendto(so, buf, i % sizeof(buf),
			                 i % 3 ? "127.0.0.1" : "192.0.2.10", 7000);
		else
			(void)ipw_sendto(so, buf, i % sizeof(buf), "::1", 7000);
		if (i % 50 == 0)     /* no receiver: an ICMP error round trip */
			(void)ipw_sendto(so, buf, 1, inp_sock_family(so) == AF_INET
			                 ? "127.0.0.1" : "::1", 7999);
	}
	return NULL;
}

static void *injector(void *arg)
{
	static uint8_t p[PB_MAX], f[PB_MAX];
	unsigned i;
	size_t n;

	(void)arg;
	for (i = 0; i < ROUNDS; i++) {
		n = pb_udp4(p, "198.51.100.7", 1 + i % 7, "192.0.2.10", 7000,
		            NULL, 100 + i % 900);
		pb_put16(p + 4, i);
		pb_ip4_cksum(p);
		if (i % 4 == 0) {           /* in two fragments */
			size_t half = ((n - 20) / 2) & ~(size_t)7;

			in(f, pb_frag4(f, p, half, n - 20 - half, false));
			in(f, pb_frag4(f, p, 0, half, true));
		} else {
			in(p, n);
		}
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct inp_rcvinfo ri;

	(void)arg;
	while (!atomic_load(&STOP)) {
		if (inp_sock_recv(RX, &ri, NULL, 0) >= 0)
			atomic_fetch_add(&TAKEN, 1);
		if (inp_sock_recv(RX6, &ri, NULL, 0) >= 0)
			atomic_fetch_add(&TAKEN, 1);
	}
	return NULL;
}

static void *churner(void *arg)
{
	struct inp_sock *so = arg;
	unsigned i;

	for (i = 0; i < ROUNDS; i++) {
		setopt(so, INP_IPPROTO_IP, INP_IP_TOS, (int)(i & 0xfc));
		setopt(RX, INP_SOL_SOCKET, INP_SO_RCVBUF, i % 2 ? 42080 : 8000);
		(void)inp_if_poll(W->em0, 8);
		(void)ipw_sendto(so, "m", 1, "198.51.100.1", 53);
		if (i % 100 == 0)
			check(inp_host_run_timers(W->host));
	}
	return NULL;
}

static void concurrent_datapath(void **state)
{
	struct inp_sock *s4a = ipw_sock(AF_INET, NULL, 0);
	struct inp_sock *s4b = ipw_sock(AF_INET, "0.0.0.0", 0);
	struct inp_sock *s6 = ipw_sock(AF_INET6, NULL, 0);
	struct inp_sock *c4 = ipw_sock(AF_INET, NULL, 0);
	pthread_t t[6];
	struct inp_rcvinfo ri;
	int i;

	(void)state;
	RX = ipw_sock(AF_INET, "0.0.0.0", 7000);
	RX6 = ipw_sock(AF_INET6, "::", 7000);
	atomic_store(&STOP, false);
	atomic_store(&TAKEN, 0);
	atomic_store(&FAILED, 0);
	assert_int_equal(pthread_create(&t[0], NULL, sender, s4a), 0);
	assert_int_equal(pthread_create(&t[1], NULL, sender, s4b), 0);
	assert_int_equal(pthread_create(&t[2], NULL, sender, s6), 0);
	assert_int_equal(pthread_create(&t[3], NULL, injector, NULL), 0);
	assert_int_equal(pthread_create(&t[4], NULL, churner, c4), 0);
	assert_int_equal(pthread_create(&t[5], NULL, reader, NULL), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	atomic_store(&STOP, true);
	assert_int_equal(pthread_join(t[5], NULL), 0);
	while (inp_sock_recv(RX, &ri, NULL, 0) >= 0)
		atomic_fetch_add(&TAKEN, 1);
	while (inp_sock_recv(RX6, &ri, NULL, 0) >= 0)
		atomic_fetch_add(&TAKEN, 1);
	(void)ipw_drain(D0);
	assert_int_equal(atomic_load(&FAILED), 0);
	/* Nothing lost: every delivery was taken (the sends to :7999 went
	 * to nobody, the port unreachables to unconnected senders). */
	assert_int_equal(atomic_load(&TAKEN), ipw_udp().udps_delivered);
	assert_true(ipw_ip().ips_reassembled > 0);
	ipw_ledgers();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		IPW_TEST(concurrent_datapath),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
