/*
 * test_port_alloc.c - ephemeral ports (spec section 3) through the public
 * API: the P5 candidate sequence and its cursors, P1/P2 range handling,
 * V7 (a one-port range is never randomised), exhaustion, the low range's
 * privilege, the randomisation limiter (P8/P9) and P7's per-4-tuple
 * uniqueness.
 *
 * The host gets an injected clock (advanced by the tests) and an injected
 * random source that returns a fixed value and counts its calls, so that
 * a random start is both predictable and observable:
 * port = lo + 1 + (R mod (hi - lo)).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inpcb/inpcb.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#define NS_PER_SEC 1000000000ull
#define RANDOM_VALUE 30000u   /* default range: 10000 + 1 + 30000 = 40001 */
#define MAX_SOCKS 64

struct world {
	struct inp_host *host;
	struct inp_vnet *vnet;
	struct inp_cred *alice;
	uint64_t now_ns;
	uint32_t random_value;
	unsigned random_calls;
	struct inp_sock *socks[MAX_SOCKS];
	unsigned nsocks;
};

static uint64_t fake_now(void *ctx)
{
	return ((struct world *)ctx)->now_ns;
}

static uint32_t fake_random(void *ctx)
{
	struct world *w = ctx;

	w->random_calls++;
	return w->random_value;
}

static struct sockaddr_in sin4(const char *addr, unsigned port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET, addr, &s.sin_addr), 1);
	return s;
}

/* The preamble of spec section 8: em0 192.0.2.10/24, default route. */
static int setup(void **state)
{
	static struct world w;
	struct inp_host_ops ops;
	struct inp_ifnet *em0;
	struct sockaddr_in me = sin4("192.0.2.10", 0);
	struct sockaddr_in any = sin4("0.0.0.0", 0);
	struct sockaddr_in gw = sin4("192.0.2.1", 0);

	memset(&w, 0, sizeof(w));
	w.random_value = RANDOM_VALUE;
	ops = (struct inp_host_ops){ .now_ns = fake_now,
	                             .random32 = fake_random, .ctx = &w };
	assert_int_equal(inp_host_create(&ops, NULL, &w.host), 0);
	assert_int_equal(inp_vnet_create(w.host, "default", &w.vnet), 0);
	assert_int_equal(inp_if_create(w.vnet, "em0", &em0), 0);
	assert_int_equal(inp_if_addr_add(em0, (struct sockaddr *)&me, 24,
	                                 NULL), 0);
	assert_int_equal(inp_route_add(w.vnet, (struct sockaddr *)&any, 0,
	                               (struct sockaddr *)&gw, NULL), 0);
	assert_int_equal(inp_cred_create(w.host, 1001, NULL, INP_PRIV_DEFAULT,
	                                 &w.alice), 0);
	*state = &w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	unsigned i;

	for (i = 0; i < w->nsocks; i++)
		if (w->socks[i] != NULL)
			inp_sock_close(w->socks[i]);
	inp_cred_rele(w->alice);
	assert_int_equal(inp_host_destroy(w->host), 0);
	return 0;
}

static void sysctl(struct world *w, const char *name, long value)
{
	assert_int_equal(inp_sysctl_set(w->vnet, name, value), 0);
}

static long sysctl_get(struct world *w, const char *name)
{
	long v = -1;

	assert_int_equal(inp_sysctl_get(w->vnet, name, &v), 0);
	return v;
}

static struct inp_sock *sock_cred(struct world *w, enum inp_proto proto,
                                  struct inp_cred *cred)
{
	struct inp_sock *so = NULL;

	assert_true(w->nsocks < MAX_SOCKS);
	assert_int_equal(inp_sock_open(w->vnet, AF_INET, proto, cred, &so), 0);
	w->socks[w->nsocks++] = so;
	return so;
}

static struct inp_sock *sock(struct world *w, enum inp_proto proto)
{
	return sock_cred(w, proto, NULL);
}

static void sock_close(struct world *w, struct inp_sock *so)
{
	unsigned i;

	for (i = 0; i < w->nsocks; i++)
		if (w->socks[i] == so)
			w->socks[i] = NULL;
	assert_int_equal(inp_sock_close(so), 0);
}

static int bind_to(struct inp_sock *so, const char *addr, unsigned port,
                   struct inp_explain *why)
{
	struct sockaddr_in s = sin4(addr, port);

	return inp_sock_bind(so, (struct sockaddr *)&s, sizeof(s), why);
}

static int connect_to(struct inp_sock *so, const char *addr, unsigned port)
{
	struct sockaddr_in s = sin4(addr, port);

	return inp_sock_connect(so, (struct sockaddr *)&s, sizeof(s), NULL);
}

static unsigned local_port(struct inp_sock *so)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(inp_sock_name(so, &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Bind a new socket of proto to 0.0.0.0:0; return the port it got. */
static unsigned anon_port(struct world *w, enum inp_proto proto)
{
	struct inp_sock *so = sock(w, proto);

	assert_int_equal(bind_to(so, "0.0.0.0", 0, NULL), 0);
	return local_port(so);
}

static void set_portrange(struct inp_sock *so, int range)
{
	assert_int_equal(inp_sock_setopt(so, INP_IPPROTO_IP, INP_IP_PORTRANGE,
	                                 &range, sizeof(range), NULL), 0);
}

static void advance(struct world *w, unsigned seconds)
{
	w->now_ns += seconds * NS_PER_SEC;
	assert_int_equal(inp_host_run_timers(w->host), 0);
}

/* ---- P5: the candidate sequence -------------------------------------- */

/* A fresh table hands out lo, lo+1, ...; each protocol has its cursor. */
static void test_sequential_from_fresh_table(void **state)
{
	struct world *w = *state;

	sysctl(w, "net.inet.ip.portrange.randomized", 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10000);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10001);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10002);
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10000);
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10001);
}

/* A taken port is skipped (E16: 10002 is b's). */
static void test_sequential_skips_taken_ports(void **state)
{
	struct world *w = *state;
	struct inp_sock *b;

	sysctl(w, "net.inet.ip.portrange.randomized", 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10000);
	b = sock(w, INP_PROTO_UDP);
	assert_int_equal(bind_to(b, "0.0.0.0", 10001, NULL), 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10002);
}

/* After hi the cursor folds back to lo. */
static void test_sequential_wraps_to_lo(void **state)
{
	struct world *w = *state;
	struct inp_sock *first;

	sysctl(w, "net.inet.ip.portrange.randomized", 0);
	sysctl(w, "net.inet.ip.portrange.first", 20000);
	sysctl(w, "net.inet.ip.portrange.last", 20002);
	first = sock(w, INP_PROTO_UDP);
	assert_int_equal(bind_to(first, "0.0.0.0", 0, NULL), 0);
	assert_int_equal(local_port(first), 20000);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20001);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20002);
	sock_close(w, first);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20000);
}

/*
 * A random start is lo + (R mod (hi - lo)) and the first candidate is the
 * one after it: lo itself never comes first, hi can.
 */
static void test_random_start_never_yields_lo_first(void **state)
{
	struct world *w = *state;
	struct inp_sock *so;
	uint32_t r;

	sysctl(w, "net.inet.ip.portrange.first", 20000);
	sysctl(w, "net.inet.ip.portrange.last", 20009);
	for (r = 0; r < 9; r++) {
		w->random_value = r;
		so = sock(w, INP_PROTO_UDP);
		assert_int_equal(bind_to(so, "0.0.0.0", 0, NULL), 0);
		assert_int_equal(local_port(so), 20001 + r);
		sock_close(w, so);
	}
	w->random_value = 9;   /* 9 mod 9 = 0: again the port after lo */
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20001);
}

/* Sequential allocation continues from the last random port. */
static void test_cursor_continues_after_random(void **state)
{
	struct world *w = *state;

	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10001 + RANDOM_VALUE);
	sysctl(w, "net.inet.ip.portrange.randomized", 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10002 + RANDOM_VALUE);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10003 + RANDOM_VALUE);
}

/* High and low ranges have their own cursors; low is walked upwards. */
static void test_high_and_low_ranges(void **state)
{
	struct world *w = *state;
	struct inp_sock *h, *l;

	sysctl(w, "net.inet.ip.portrange.randomized", 0);
	h = sock(w, INP_PROTO_UDP);
	set_portrange(h, INP_IP_PORTRANGE_HIGH);
	assert_int_equal(bind_to(h, "0.0.0.0", 0, NULL), 0);
	assert_int_equal(local_port(h), 49152);
	l = sock(w, INP_PROTO_UDP);
	set_portrange(l, INP_IP_PORTRANGE_LOW);
	assert_int_equal(bind_to(l, "0.0.0.0", 0, NULL), 0);
	assert_int_equal(local_port(l), 600);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10000);
}

/* ---- P1, P2, V7 ------------------------------------------------------- */

static void test_range_sysctls_are_clamped(void **state)
{
	struct world *w = *state;

	sysctl(w, "net.inet.ip.portrange.first", 80);
	assert_int_equal(sysctl_get(w, "net.inet.ip.portrange.first"), 1024);
	sysctl(w, "net.inet.ip.portrange.hilast", 70000);
	assert_int_equal(sysctl_get(w, "net.inet.ip.portrange.hilast"), 65535);
	sysctl(w, "net.inet.ip.portrange.lowfirst", 2000);
	assert_int_equal(sysctl_get(w, "net.inet.ip.portrange.lowfirst"),
	                 1023);
	sysctl(w, "net.inet.ip.portrange.lowlast", 0);
	assert_int_equal(sysctl_get(w, "net.inet.ip.portrange.lowlast"), 1);
	/* The clamped default range starts at 1024. */
	sysctl(w, "net.inet.ip.portrange.randomized", 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 1024);
}

/* P2: the two ends may come in either order. */
static void test_range_ends_in_either_order(void **state)
{
	struct world *w = *state;

	sysctl(w, "net.inet.ip.portrange.randomized", 0);
	sysctl(w, "net.inet.ip.portrange.first", 30005);
	sysctl(w, "net.inet.ip.portrange.last", 30000);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 30000);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 30001);
}

/* V7: the random source is not even asked for a one-port range. */
static void test_one_port_range_never_randomised(void **state)
{
	struct world *w = *state;
	unsigned calls;

	sysctl(w, "net.inet.ip.portrange.first", 20000);
	sysctl(w, "net.inet.ip.portrange.last", 20000);
	calls = w->random_calls;
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20000);
	assert_int_equal(w->random_calls, calls);
	/* Two ports: now it is random (R = 30000, 30000 mod 1 = 0). */
	sysctl(w, "net.inet.ip.portrange.last", 20001);
	calls = w->random_calls;
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 20001);
	assert_int_equal(w->random_calls, calls + 1);
}

/* ---- exhaustion and privilege ---------------------------------------- */

/* Every port is tried once: the only free one is found wherever it is. */
static void test_exhaustion_after_every_port(void **state)
{
	struct world *w = *state;
	struct inp_explain why;
	struct inp_sock *a, *c;
	int one = 1;

	sysctl(w, "net.inet.ip.portrange.randomized", 0);
	sysctl(w, "net.inet.ip.portrange.first", 20000);
	sysctl(w, "net.inet.ip.portrange.last", 20002);
	a = sock(w, INP_PROTO_UDP);
	assert_int_equal(bind_to(a, "0.0.0.0", 0, NULL), 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20001);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20002);
	/* Cursor at 20002: the walk is 20000 (free again), found. */
	sock_close(w, a);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20000);
	c = sock(w, INP_PROTO_UDP);
	memset(&why, 0, sizeof(why));
	assert_int_equal(bind_to(c, "0.0.0.0", 0, &why), -EADDRNOTAVAIL);
	assert_string_equal(why.rule, "P5");
	/* P10: the failed socket is still unbound and can bind explicitly. */
	assert_int_equal(bind_to(c, "0.0.0.0", 30000, NULL), 0);
	/*
	 * Exact mode (N != {}, E17): the failed walk left the cursor at
	 * 20000, and 20001 is free on exactly 192.0.2.10.
	 */
	c = sock(w, INP_PROTO_UDP);
	assert_int_equal(inp_sock_setopt(c, INP_SOL_SOCKET, INP_SO_REUSEADDR,
	                                 &one, sizeof(one), NULL), 0);
	assert_int_equal(bind_to(c, "192.0.2.10", 0, NULL), 0);
	assert_int_equal(local_port(c), 20001);
}

/* The low range needs the reserved-port privilege at every allocation. */
static void test_low_range_needs_privilege(void **state)
{
	struct world *w = *state;
	struct inp_explain why;
	struct inp_sock *m;

	sysctl(w, "net.inet.ip.portrange.randomized", 0);
	m = sock_cred(w, INP_PROTO_UDP, w->alice);
	set_portrange(m, INP_IP_PORTRANGE_LOW);
	memset(&why, 0, sizeof(why));
	assert_int_equal(bind_to(m, "0.0.0.0", 0, &why), -EPERM);
	/* Nothing changed: the default range still works for alice. */
	set_portrange(m, INP_IP_PORTRANGE_DEFAULT);
	assert_int_equal(bind_to(m, "0.0.0.0", 0, NULL), 0);
	assert_int_equal(local_port(m), 10000);
}

/* ---- P8/P9: the limiter ----------------------------------------------- */

/* E18, step by step. */
static void test_limiter_suspends_tcp_randomisation(void **state)
{
	struct world *w = *state;
	unsigned calls;

	sysctl(w, "net.inet.ip.portrange.randomized", 0);
	sysctl(w, "net.inet.ip.portrange.randomcps", 1);
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10000);
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10001);
	advance(w, 1);             /* tick 1: 2 allocations > 1: stop = 45 */
	sysctl(w, "net.inet.ip.portrange.randomized", 1);
	calls = w->random_calls;
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10002);
	assert_int_equal(w->random_calls, calls);
	/* UDP is never suspended. */
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10001 + RANDOM_VALUE);
	advance(w, 44);            /* ticks 2..45 quiet: stop 45 -> 1 */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10003);
	advance(w, 1);             /* tick 46 quiet: stop -> 0 */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10001 + RANDOM_VALUE);
}

/* V6: UDP allocations are not counted, however many there are. */
static void test_limiter_ignores_udp(void **state)
{
	struct world *w = *state;
	int i;

	sysctl(w, "net.inet.ip.portrange.randomcps", 0);
	for (i = 0; i < 5; i++)
		(void)anon_port(w, INP_PROTO_UDP);
	advance(w, 1);             /* quiet for the limiter */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10001 + RANDOM_VALUE);
}

/* A busy tick restarts the countdown; randomtime sets its length. */
static void test_limiter_busy_tick_restarts_countdown(void **state)
{
	struct world *w = *state;

	sysctl(w, "net.inet.ip.portrange.randomcps", 0);
	sysctl(w, "net.inet.ip.portrange.randomtime", 3);
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10001 + RANDOM_VALUE);
	w->random_value = 100;     /* from now on a random start gives 10101 */
	advance(w, 1);                            /* busy: stop = 3 */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10002 + RANDOM_VALUE);
	advance(w, 1);                            /* busy again: stop = 3 */
	advance(w, 2);                            /* quiet: 3 -> 1 */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10003 + RANDOM_VALUE);
	advance(w, 1);                            /* busy: stop = 3 */
	advance(w, 3);                            /* quiet: 3 -> 0 */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10101);
}

/* ---- P7: connect-style test, unique per 4-tuple ----------------------- */

/* E20: one port serves many destinations, never a listener's traffic. */
static void test_connect_port_unique_per_4tuple(void **state)
{
	struct world *w = *state;
	struct inp_sock *a, *b, *c, *l, *t;

	sysctl(w, "net.inet.ip.portrange.first", 20000);
	sysctl(w, "net.inet.ip.portrange.last", 20000);
	a = sock(w, INP_PROTO_UDP);
	assert_int_equal(connect_to(a, "198.51.100.7", 53), 0);
	assert_int_equal(local_port(a), 20000);
	b = sock(w, INP_PROTO_UDP);
	assert_int_equal(connect_to(b, "198.51.100.8", 53), 0);
	assert_int_equal(local_port(b), 20000);
	c = sock(w, INP_PROTO_UDP);
	assert_int_equal(connect_to(c, "198.51.100.7", 53), -EADDRNOTAVAIL);
	l = sock(w, INP_PROTO_TCP);
	assert_int_equal(bind_to(l, "0.0.0.0", 20000, NULL), 0);
	assert_int_equal(inp_sock_listen(l, 5, NULL), 0);
	t = sock(w, INP_PROTO_TCP);
	assert_int_equal(connect_to(t, "198.51.100.7", 80), -EADDRNOTAVAIL);
	/* Invariant 27: source selection released every address it used. */
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w->vnet), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_sequential_from_fresh_table),
		T(test_sequential_skips_taken_ports),
		T(test_sequential_wraps_to_lo),
		T(test_random_start_never_yields_lo_first),
		T(test_cursor_continues_after_random),
		T(test_high_and_low_ranges),
		T(test_range_sysctls_are_clamped),
		T(test_range_ends_in_either_order),
		T(test_one_port_range_never_randomised),
		T(test_exhaustion_after_every_port),
		T(test_low_range_needs_privilege),
		T(test_limiter_suspends_tcp_randomisation),
		T(test_limiter_ignores_udp),
		T(test_limiter_busy_tick_restarts_countdown),
		T(test_connect_port_unique_per_4tuple),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
