/*
 * test_bind.c - bind where the scenarios cannot look (src/sock/sock_proto.c,
 * src/pcb/pcb_bind.c): B1, a dropped TCP PCB refuses bind (and listen,
 * connect), its INP_DROPPED stays (invariant 4) while its port is free
 * again (LC-13); B14 / P11, the INP_INHASHLIST and INP_ANONPORT flags as
 * inp_pcb_get_info() reports them, for bind, connect and listen, with
 * invariant 22 (an anonymous port lies in the range that chose it); V14,
 * an IPv6 anycast address may be bound.
 */
#include "pcb_fixture.h"

/* The preamble (em0 192.0.2.10/24, default route), 2001:db8::10/64, alice. */
static int setup(void **state)
{
	struct fx *f = fx_new(NULL);

	fx_preamble(f);
	assert_int_equal(fx_if_add6(f->em0, "2001:db8::10", 64), 0);
	fx_alice(f);
	*state = f;
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

/* What inp_pcb_get_info() says about the socket's PCB. */
static struct inp_pcb_info info_of(struct inp_sock *so)
{
	struct inp_pcb_info i;

	inp_pcb_rlock(inp_sock_pcb(so));
	inp_pcb_get_info(inp_sock_pcb(so), &i);
	inp_pcb_runlock(inp_sock_pcb(so));
	return i;
}

static unsigned flags_of(struct inp_sock *so)
{
	return info_of(so).flags;
}

/* TCP drops a connection (RST, 2MSL expiry): in_pcbdrop, internal only. */
static void drop(struct inp_sock *so)
{
	struct inp_pcb *p = inp_sock_pcb(so);

	pcb_wlock(p);
	pcb_drop(p);
	pcb_unlock(p);
}

/* ---- B1 ----------------------------------------------------------------- */

static void test_b1_dropped_tcp_refuses_bind(void **state)
{
	struct fx *f = *state;
	struct inp_sock *t = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_sock *t6 = fx_sock(f, AF_INET6, INP_PROTO_TCP, NULL);
	struct inp_sock *u = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_sock *other = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_explain why;

	/* Never bound, then dropped: B1, before anything else. */
	drop(t);
	memset(&why, 0, sizeof(why));
	assert_int_equal(fx_bind_explain(t, "192.0.2.10", 8000, &why), -EINVAL);
	assert_string_equal(why.rule, "B1");
	assert_int_equal(fx_bind_explain(t, "0.0.0.0", 0, &why), -EINVAL);
	assert_string_equal(why.rule, "B1");
	assert_int_equal(fx_local_port(t), 0);
	assert_false(flags_of(t) & INP_F_INHASHLIST);
	drop(t6);
	assert_int_equal(fx_bind_explain(t6, "2001:db8::10", 8000, &why),
	                 -EINVAL);
	assert_string_equal(why.rule, "B1");

	/* Bound, then dropped: the port is free again at once (LC-13) ... */
	fx_bind_ok(u, "192.0.2.10", 8001);
	drop(u);
	fx_bind_ok(other, "192.0.2.10", 8001);
	/* ... while u keeps its PCB and its 4-tuple, and refuses everything. */
	assert_int_equal(fx_local_port(u), 8001);
	assert_int_equal(info_of(u).state, INP_ST_DROPPED);
	assert_int_equal(fx_bind_explain(u, "192.0.2.10", 8002, &why), -EINVAL);
	assert_string_equal(why.rule, "B1");         /* B1 comes before B5 */
	assert_int_equal(inp_sock_listen(u, 5, &why), -EINVAL);
	assert_string_equal(why.rule, "B1");
	assert_int_equal(fx_connect(u, "198.51.100.7", 80), -ECONNREFUSED);
	/* Invariant 4: INP_DROPPED is never cleared. */
	assert_true(flags_of(u) & INP_F_DROPPED);
	assert_false(flags_of(u) & INP_F_INHASHLIST);

	/* A live TCP socket binds where the dropped t never did. */
	fx_sock_close(f, other);
	other = fx_sock(f, AF_INET, INP_PROTO_TCP, NULL);
	fx_bind_ok(other, "192.0.2.10", 8000);
	fx_sock_close(f, other);
	fx_sock_close(f, t);
	fx_sock_close(f, t6);
	fx_sock_close(f, u);
}

/* ---- B14, P11, invariant 22 ---------------------------------------------- */

static void assert_in(unsigned port, unsigned lo, unsigned hi)
{
	if (port < lo || port > hi)
		fail_msg("port %u outside [%u, %u]", port, lo, hi);
}

static void test_b14_p11_flags_after_bind(void **state)
{
	struct fx *f = *state;
	struct inp_sock *a = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *e = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *h = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *l = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, f->alice);
	struct inp_sock *s6 = fx_sock_kept(f, AF_INET6, INP_PROTO_UDP, NULL);
	struct sockaddr_in6 any6 = fx_sin6("::", 0);
	struct sockaddr_in6 *n6;
	struct inp_pcb_info i;

	/* Unbound: neither flag. */
	assert_false(flags_of(a) & (INP_F_INHASHLIST | INP_F_ANONPORT));

	/* Port 0: hashed and anonymous, in the default range. */
	fx_bind_ok(a, "0.0.0.0", 0);
	i = info_of(a);
	assert_int_equal(i.state, INP_ST_BOUND);
	assert_true(i.flags & INP_F_INHASHLIST);
	assert_true(i.flags & INP_F_ANONPORT);
	assert_in(fx_local_port(a), 10000, 65535);

	/* An explicit port: hashed, not anonymous. */
	fx_bind_ok(e, "192.0.2.10", 5000);
	assert_int_equal(flags_of(e) & (INP_F_INHASHLIST | INP_F_ANONPORT),
	                 INP_F_INHASHLIST);

	/* Invariant 22 for the high range, and after changing the range. */
	fx_setopt_int_ok(h, INP_IPPROTO_IP, INP_IP_PORTRANGE,
	                 INP_IP_PORTRANGE_HIGH);
	fx_bind_ok(h, "0.0.0.0", 0);
	assert_true(flags_of(h) & INP_F_ANONPORT);
	assert_in(fx_local_port(h), 49152, 65535);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.first", 30000);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.last", 30009);
	fx_bind_ok(l, "0.0.0.0", 0);
	assert_true(flags_of(l) & INP_F_ANONPORT);
	assert_in(fx_local_port(l), 30000, 30009);

	/* The IPv6 path sets it too. */
	assert_int_equal(inp_sock_bind(s6, (struct sockaddr *)&any6,
	                               sizeof(any6), NULL), 0);
	i = info_of(s6);
	assert_true(i.flags & INP_F_ANONPORT);
	n6 = (struct sockaddr_in6 *)&i.local;
	assert_in(ntohs(n6->sin6_port), 30000, 30009);
}

static void test_p11_flags_after_connect_and_listen(void **state)
{
	struct fx *f = *state;
	struct inp_sock *c = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *b = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *l = fx_sock_kept(f, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_sock *x = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *y = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);

	/* connect of an unbound socket allocates the port (P7): anonymous. */
	assert_int_equal(fx_connect(c, "198.51.100.7", 53), 0);
	assert_true(flags_of(c) & INP_F_ANONPORT);
	assert_true(flags_of(c) & INP_F_INHASHLIST);
	assert_in(fx_local_port(c), 10000, 65535);
	/* Informational and never cleared: it survives the disconnect. */
	assert_int_equal(inp_sock_disconnect(c, NULL), 0);
	assert_true(flags_of(c) & INP_F_ANONPORT);

	/* connect of a socket bound to an explicit port: not anonymous. */
	fx_bind_ok(b, "0.0.0.0", 5353);
	assert_int_equal(fx_connect(b, "198.51.100.7", 53), 0);
	assert_false(flags_of(b) & INP_F_ANONPORT);

	/* listen's implicit bind (2.7). */
	assert_int_equal(inp_sock_listen(l, 5, NULL), 0);
	assert_int_equal(flags_of(l) & (INP_F_INHASHLIST | INP_F_ANONPORT),
	                 INP_F_INHASHLIST | INP_F_ANONPORT);

	/* A failed allocation sets nothing (P10). */
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.first", 5399);
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.last", 5399);
	fx_bind_ok(x, "0.0.0.0", 0);
	assert_int_equal(fx_local_port(x), 5399);
	assert_int_equal(fx_bind(y, "0.0.0.0", 0), -EADDRNOTAVAIL);
	assert_false(flags_of(y) & (INP_F_INHASHLIST | INP_F_ANONPORT));
}

/* ---- V14 ------------------------------------------------------------------ */

/* Mark an address of the vnet with IFA6_* state (no public knob). */
static void set_flags6(struct fx *f, const char *addr, unsigned flags6)
{
	struct in6_addr a = fx_in6(addr);
	struct inp_ifaddr *ifa = ifa_find_in6(f->vnet, &a, 0);

	assert_non_null(ifa);
	ifa->u.in6.flags6 = flags6;
	ifa_rele(ifa);
}

static void test_v14_anycast_bindable(void **state)
{
	struct fx *f = *state;
	struct inp_sock *u = fx_sock(f, AF_INET6, INP_PROTO_UDP, NULL);
	struct inp_sock *t = fx_sock(f, AF_INET6, INP_PROTO_TCP, NULL);
	struct inp_sock *z = fx_sock(f, AF_INET6, INP_PROTO_UDP, NULL);
	struct sockaddr_storage ss;
	socklen_t len;
	struct inp_explain why;

	assert_int_equal(fx_if_add6(f->em0, "2001:db8::80", 64), 0);
	set_flags6(f, "2001:db8::80", IFA6_ANYCAST);
	/* UDP and TCP may bind it (FreeBSD 10 said EADDRNOTAVAIL). */
	memset(&why, 0, sizeof(why));
	assert_int_equal(fx_bind_explain(u, "2001:db8::80", 5300, &why), 0);
	assert_string_equal(why.rule, "B14");
	assert_int_equal(inp_sock_name(u, &ss, &len), 0);
	assert_true(fx_in6_equal(&((struct sockaddr_in6 *)&ss)->sin6_addr,
	                         "2001:db8::80"));
	assert_int_equal(fx_bind(t, "2001:db8::80", 5300), 0);

	/* The same address while not ready is refused (B8): the flag decides. */
	set_flags6(f, "2001:db8::80", IFA6_ANYCAST | IFA6_TENTATIVE);
	assert_int_equal(fx_bind_explain(z, "2001:db8::80", 5301, &why),
	                 -EADDRNOTAVAIL);
	assert_string_equal(why.rule, "B8");
	set_flags6(f, "2001:db8::80", IFA6_ANYCAST);
	assert_int_equal(fx_bind(z, "2001:db8::80", 5301), 0);
	fx_sock_close(f, u);
	fx_sock_close(f, t);
	fx_sock_close(f, z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_b1_dropped_tcp_refuses_bind),
		T(test_b14_p11_flags_after_bind),
		T(test_p11_flags_after_connect_and_listen),
		T(test_v14_anycast_bindable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
