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
#include "fixture.h"

#define RANDOM_VALUE 30000u   /* default range: 10000 + 1 + 30000 = 40001 */

/* The preamble of spec section 8: em0 192.0.2.10/24, default route. */
static int setup(void **state)
{
	static const struct fx_config cfg = { .seed = RANDOM_VALUE,
	                                      .fixed_random = true };
	struct fx *f = fx_new(&cfg);

	fx_preamble(f);
	fx_alice(f);
	*state = f;
	return 0;
}

/* Bind a new socket of proto to 0.0.0.0:0; return the port it got. */
static unsigned anon_port(struct fx *w, enum inp_proto proto)
{
	struct inp_sock *so = fx_sock_kept(w, AF_INET, proto, NULL);

	assert_int_equal(fx_bind(so, "0.0.0.0", 0), 0);
	return fx_local_port(so);
}

/* ---- P5: the candidate sequence -------------------------------------- */

/* A fresh table hands out lo, lo+1, ...; each protocol has its cursor. */
static void test_sequential_from_fresh_table(void **state)
{
	struct fx *w = *state;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomized", 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10000);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10001);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10002);
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10000);
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10001);
}

/* A taken port is skipped (E16: 10002 is b's). */
static void test_sequential_skips_taken_ports(void **state)
{
	struct fx *w = *state;
	struct inp_sock *b;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomized", 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10000);
	b = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, NULL);
	assert_int_equal(fx_bind(b, "0.0.0.0", 10001), 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10002);
}

/* After hi the cursor folds back to lo. */
static void test_sequential_wraps_to_lo(void **state)
{
	struct fx *w = *state;
	struct inp_sock *first;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomized", 0);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.first", 20000);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.last", 20002);
	first = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, NULL);
	assert_int_equal(fx_bind(first, "0.0.0.0", 0), 0);
	assert_int_equal(fx_local_port(first), 20000);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20001);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20002);
	fx_sock_close(w, first);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20000);
}

/*
 * A random start is lo + (R mod (hi - lo)) and the first candidate is the
 * one after it: lo itself never comes first, hi can.
 */
static void test_random_start_never_yields_lo_first(void **state)
{
	struct fx *w = *state;
	struct inp_sock *so;
	uint32_t r;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.first", 20000);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.last", 20009);
	for (r = 0; r < 9; r++) {
		w->rnd = r;
		so = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, NULL);
		assert_int_equal(fx_bind(so, "0.0.0.0", 0), 0);
		assert_int_equal(fx_local_port(so), 20001 + r);
		fx_sock_close(w, so);
	}
	w->rnd = 9;   /* 9 mod 9 = 0: again the port after lo */
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20001);
}

/* Sequential allocation continues from the last random port. */
static void test_cursor_continues_after_random(void **state)
{
	struct fx *w = *state;

	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10001 + RANDOM_VALUE);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomized", 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10002 + RANDOM_VALUE);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10003 + RANDOM_VALUE);
}

/* High and low ranges have their own cursors; low is walked upwards. */
static void test_high_and_low_ranges(void **state)
{
	struct fx *w = *state;
	struct inp_sock *h, *l;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomized", 0);
	h = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, NULL);
	fx_setopt_int_ok(h, INP_IPPROTO_IP, INP_IP_PORTRANGE,
	                 INP_IP_PORTRANGE_HIGH);
	assert_int_equal(fx_bind(h, "0.0.0.0", 0), 0);
	assert_int_equal(fx_local_port(h), 49152);
	l = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, NULL);
	fx_setopt_int_ok(l, INP_IPPROTO_IP, INP_IP_PORTRANGE, INP_IP_PORTRANGE_LOW);
	assert_int_equal(fx_bind(l, "0.0.0.0", 0), 0);
	assert_int_equal(fx_local_port(l), 600);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10000);
}

/* ---- P1, P2, V7 ------------------------------------------------------- */

static void test_range_sysctls_are_clamped(void **state)
{
	struct fx *w = *state;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.first", 80);
	assert_int_equal(fx_sysctl(w->vnet, "net.inet.ip.portrange.first"), 1024);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.hilast", 70000);
	assert_int_equal(fx_sysctl(w->vnet, "net.inet.ip.portrange.hilast"), 65535);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.lowfirst", 2000);
	assert_int_equal(fx_sysctl(w->vnet, "net.inet.ip.portrange.lowfirst"),
	                 1023);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.lowlast", 0);
	assert_int_equal(fx_sysctl(w->vnet, "net.inet.ip.portrange.lowlast"), 1);
	/* The clamped default range starts at 1024. */
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomized", 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 1024);
}

/* P2: the two ends may come in either order. */
static void test_range_ends_in_either_order(void **state)
{
	struct fx *w = *state;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomized", 0);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.first", 30005);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.last", 30000);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 30000);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 30001);
}

/* V7: the random source is not even asked for a one-port range. */
static void test_one_port_range_never_randomised(void **state)
{
	struct fx *w = *state;
	unsigned calls;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.first", 20000);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.last", 20000);
	calls = w->rnd_calls;
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20000);
	assert_int_equal(w->rnd_calls, calls);
	/* Two ports: now it is random (R = 30000, 30000 mod 1 = 0). */
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.last", 20001);
	calls = w->rnd_calls;
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 20001);
	assert_int_equal(w->rnd_calls, calls + 1);
}

/* ---- exhaustion and privilege ---------------------------------------- */

/* Every port is tried once: the only free one is found wherever it is. */
static void test_exhaustion_after_every_port(void **state)
{
	struct fx *w = *state;
	struct inp_explain why;
	struct inp_sock *a, *c;
	int one = 1;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomized", 0);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.first", 20000);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.last", 20002);
	a = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, NULL);
	assert_int_equal(fx_bind(a, "0.0.0.0", 0), 0);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20001);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20002);
	/* Cursor at 20002: the walk is 20000 (free again), found. */
	fx_sock_close(w, a);
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 20000);
	c = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, NULL);
	memset(&why, 0, sizeof(why));
	assert_int_equal(fx_bind_explain(c, "0.0.0.0", 0, &why), -EADDRNOTAVAIL);
	assert_string_equal(why.rule, "P5");
	/* P10: the failed socket is still unbound and can bind explicitly. */
	assert_int_equal(fx_bind(c, "0.0.0.0", 30000), 0);
	/*
	 * Exact mode (N != {}, E17): the failed walk left the cursor at
	 * 20000, and 20001 is free on exactly 192.0.2.10.
	 */
	c = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, NULL);
	assert_int_equal(inp_sock_setopt(c, INP_SOL_SOCKET, INP_SO_REUSEADDR,
	                                 &one, sizeof(one), NULL), 0);
	assert_int_equal(fx_bind(c, "192.0.2.10", 0), 0);
	assert_int_equal(fx_local_port(c), 20001);
}

/* The low range needs the reserved-port privilege at every allocation. */
static void test_low_range_needs_privilege(void **state)
{
	struct fx *w = *state;
	struct inp_explain why;
	struct inp_sock *m;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomized", 0);
	m = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, w->alice);
	fx_setopt_int_ok(m, INP_IPPROTO_IP, INP_IP_PORTRANGE, INP_IP_PORTRANGE_LOW);
	memset(&why, 0, sizeof(why));
	assert_int_equal(fx_bind_explain(m, "0.0.0.0", 0, &why), -EPERM);
	/* Nothing changed: the default range still works for alice. */
	fx_setopt_int_ok(m, INP_IPPROTO_IP, INP_IP_PORTRANGE,
	                 INP_IP_PORTRANGE_DEFAULT);
	assert_int_equal(fx_bind(m, "0.0.0.0", 0), 0);
	assert_int_equal(fx_local_port(m), 10000);
}

/* ---- P8/P9: the limiter ----------------------------------------------- */

/* E18, step by step. */
static void test_limiter_suspends_tcp_randomisation(void **state)
{
	struct fx *w = *state;
	unsigned calls;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomized", 0);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomcps", 1);
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10000);
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10001);
	fx_advance(w, FX_SEC);     /* tick 1: 2 allocations > 1: stop = 45 */
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomized", 1);
	calls = w->rnd_calls;
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10002);
	assert_int_equal(w->rnd_calls, calls);
	/* UDP is never suspended. */
	assert_int_equal(anon_port(w, INP_PROTO_UDP), 10001 + RANDOM_VALUE);
	fx_advance(w, 44 * FX_SEC); /* ticks 2..45 quiet: stop 45 -> 1 */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10003);
	fx_advance(w, FX_SEC);     /* tick 46 quiet: stop -> 0 */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10001 + RANDOM_VALUE);
}

/* V6: UDP allocations are not counted, however many there are. */
static void test_limiter_ignores_udp(void **state)
{
	struct fx *w = *state;
	int i;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomcps", 0);
	for (i = 0; i < 5; i++)
		(void)anon_port(w, INP_PROTO_UDP);
	fx_advance(w, FX_SEC);     /* quiet for the limiter */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10001 + RANDOM_VALUE);
}

/* A busy tick restarts the countdown; randomtime sets its length. */
static void test_limiter_busy_tick_restarts_countdown(void **state)
{
	struct fx *w = *state;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomcps", 0);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.randomtime", 3);
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10001 + RANDOM_VALUE);
	w->rnd = 100;     /* from now on a random start gives 10101 */
	fx_advance(w, FX_SEC);                    /* busy: stop = 3 */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10002 + RANDOM_VALUE);
	fx_advance(w, FX_SEC);                    /* busy again: stop = 3 */
	fx_advance(w, 2 * FX_SEC);                /* quiet: 3 -> 1 */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10003 + RANDOM_VALUE);
	fx_advance(w, FX_SEC);                    /* busy: stop = 3 */
	fx_advance(w, 3 * FX_SEC);                /* quiet: 3 -> 0 */
	assert_int_equal(anon_port(w, INP_PROTO_TCP), 10101);
}

/* ---- P7: connect-style test, unique per 4-tuple ----------------------- */

/* E20: one port serves many destinations, never a listener's traffic. */
static void test_connect_port_unique_per_4tuple(void **state)
{
	struct fx *w = *state;
	struct inp_sock *a, *b, *c, *l, *t;

	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.first", 20000);
	fx_sysctl_set_ok(w->vnet, "net.inet.ip.portrange.last", 20000);
	a = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, NULL);
	assert_int_equal(fx_connect(a, "198.51.100.7", 53), 0);
	assert_int_equal(fx_local_port(a), 20000);
	b = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, NULL);
	assert_int_equal(fx_connect(b, "198.51.100.8", 53), 0);
	assert_int_equal(fx_local_port(b), 20000);
	c = fx_sock_kept(w, AF_INET, INP_PROTO_UDP, NULL);
	assert_int_equal(fx_connect(c, "198.51.100.7", 53), -EADDRNOTAVAIL);
	l = fx_sock_kept(w, AF_INET, INP_PROTO_TCP, NULL);
	assert_int_equal(fx_bind(l, "0.0.0.0", 20000), 0);
	assert_int_equal(inp_sock_listen(l, 5, NULL), 0);
	t = fx_sock_kept(w, AF_INET, INP_PROTO_TCP, NULL);
	assert_int_equal(fx_connect(t, "198.51.100.7", 80), -EADDRNOTAVAIL);
	/* Invariant 27: source selection released every address it used. */
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w->vnet), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fx_teardown)
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
