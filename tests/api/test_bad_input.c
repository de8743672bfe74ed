/*
 * test_bad_input.c - every public entry point refuses bad arguments with a
 * fitting negative errno and changes nothing; configured limits give
 * -ENOBUFS, never a crash.  Public headers only, linked against the shared
 * library as a user program would be.
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

static uint64_t fixed_clock(void *ctx) { (void)ctx; return 0; }
static uint32_t fixed_random(void *ctx) { (void)ctx; return 12345; }

static const struct inp_host_ops test_ops = {
	.now_ns = fixed_clock, .random32 = fixed_random, .ctx = NULL,
};

struct world {
	struct inp_host *host;
	struct inp_vnet *vnet;
	struct inp_ifnet *em0;
};

static struct sockaddr_in sin4(const char *addr, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	assert_int_equal(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
	return sin;
}

static struct sockaddr_in6 sin6(const char *addr, int port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	assert_int_equal(inet_pton(AF_INET6, addr, &s.sin6_addr), 1);
	return s;
}

static void world_up(struct world *w, const struct inp_limits *limits)
{
	struct sockaddr_in a = sin4("192.0.2.10", 0);

	memset(w, 0, sizeof(*w));
	assert_int_equal(inp_host_create(&test_ops, limits, &w->host), 0);
	assert_int_equal(inp_vnet_create(w->host, "default", &w->vnet), 0);
	assert_int_equal(inp_if_create(w->vnet, "em0", &w->em0), 0);
	assert_int_equal(inp_if_addr_add(w->em0, (struct sockaddr *)&a, 24, NULL), 0);
}

static void world_down(struct world *w)
{
	assert_int_equal(inp_vnet_destroy(w->vnet), 0);
	assert_int_equal(inp_host_destroy(w->host), 0);
}

static void test_host_and_vnet(void **state)
{
	struct world w;
	struct inp_vnet *v;
	long val;
	(void)state;

	assert_int_equal(inp_host_create(NULL, NULL, NULL), -EINVAL);
	world_up(&w, NULL);
	assert_int_equal(inp_vnet_create(w.host, NULL, &v), -EINVAL);
	assert_int_equal(inp_vnet_create(w.host, "", &v), -EINVAL);
	assert_int_equal(inp_vnet_create(w.host, "bad name", &v), -EINVAL);
	assert_int_equal(inp_vnet_create(w.host, "default", &v), -EEXIST);
	assert_null(inp_vnet_find(w.host, "nosuch"));

	assert_int_equal(inp_sysctl_set(w.vnet, "net.inet.no.such", 1), -ENOENT);
	assert_int_equal(inp_sysctl_set(w.vnet, NULL, 1), -EINVAL);
	assert_int_equal(inp_sysctl_set(w.vnet, "net.inet.ip.portrange.randomized", 7), -EINVAL);
	assert_int_equal(inp_sysctl_get(w.vnet, "net.inet.ip.portrange.randomized", &val), 0);
	assert_int_equal(val, 1); /* unchanged by the refused write */
	assert_int_equal(inp_sysctl_get(w.vnet, "net.inet.ip.portrange.first", NULL), -EINVAL);
	world_down(&w);
}

static void test_interfaces_and_routes(void **state)
{
	struct world w;
	struct sockaddr_in a = sin4("198.51.100.1", 0), gw = sin4("203.0.113.1", 0);
	struct sockaddr_in6 a6 = sin6("2001:db8::1", 0);
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct inp_route_info ri;
	(void)state;

	world_up(&w, NULL);
	assert_int_equal(inp_if_create(w.vnet, "em0", NULL), -EEXIST);
	assert_int_equal(inp_if_create(w.vnet, "9bad", NULL), -EINVAL);
	assert_int_equal(inp_if_addr_add(w.em0, (struct sockaddr *)&a, 33, NULL), -EINVAL);
	assert_int_equal(inp_if_addr_add(w.em0, (struct sockaddr *)&a6, 129, NULL), -EINVAL);
	assert_int_equal(inp_if_addr_add(w.em0, &unspec, 24, NULL), -EAFNOSUPPORT);
	assert_int_equal(inp_if_addr_add(w.em0, NULL, 24, NULL), -EINVAL);
	assert_int_equal(inp_if_addr_add(w.em0, (struct sockaddr *)&a6, 64,
	                                 (struct sockaddr *)&a), -EINVAL);
	assert_int_equal(inp_if_addr_delete(w.em0, (struct sockaddr *)&a), -EADDRNOTAVAIL);
	assert_false(inp_ifa_is_local(w.vnet, (struct sockaddr *)&a));

	/* A gateway must be on a connected prefix. */
	assert_int_equal(inp_route_add(w.vnet, (struct sockaddr *)&a, 24,
	                               (struct sockaddr *)&gw, NULL), -ENETUNREACH);
	assert_int_equal(inp_route_lookup(w.vnet, (struct sockaddr *)&a, &ri), -ENETUNREACH);
	assert_int_equal(inp_route_delete(w.vnet, (struct sockaddr *)&a, 24), -ESRCH);
	assert_int_equal(inp_vnet_ifa_refs_outstanding(w.vnet), 0);
	world_down(&w);
}

static void test_jails_and_creds(void **state)
{
	struct world w;
	struct inp_jail_params jp;
	struct inp_jail *j;
	struct inp_cred *c;
	(void)state;

	world_up(&w, NULL);
	inp_jail_params_init(&jp);
	assert_int_equal(inp_jail_create(w.host, w.vnet, NULL, &jp, &j), -EINVAL);
	assert_int_equal(inp_jail_create(w.host, w.vnet, "a..b", &jp, &j), -EINVAL);
	assert_int_equal(inp_jail_create(w.host, w.vnet, "nosuch.child", &jp, &j), -ENOENT);
	jp.ip4_mode = INP_JAIL_NEW; /* NEW without an address */
	assert_int_equal(inp_jail_create(w.host, w.vnet, "j", &jp, &j), -EINVAL);
	assert_null(inp_jail_find(w.host, "j"));
	assert_int_equal(inp_cred_create(w.host, 0, NULL, INP_PRIV_DEFAULT, NULL), -EINVAL);
	assert_int_equal(inp_cred_create(NULL, 0, NULL, INP_PRIV_DEFAULT, &c), -EINVAL);
	world_down(&w);
}

static void test_sockets(void **state)
{
	struct world w;
	struct inp_sock *so;
	struct sockaddr_in a = sin4("192.0.2.10", 5000);
	struct sockaddr_in6 a6 = sin6("2001:db8::1", 5000);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int one = 1, bad = 7;
	(void)state;

	world_up(&w, NULL);
	assert_int_equal(inp_sock_open(w.vnet, AF_UNIX, INP_PROTO_UDP, NULL, &so), -EAFNOSUPPORT);
	assert_int_equal(inp_sock_open(w.vnet, AF_INET, (enum inp_proto)9, NULL, &so), -EINVAL);
	assert_int_equal(inp_sock_open(w.vnet, AF_INET, INP_PROTO_UDP, NULL, NULL), -EINVAL);
	assert_int_equal(inp_pcb_count(w.vnet, INP_PROTO_UDP), 0);

	assert_int_equal(inp_sock_open(w.vnet, AF_INET, INP_PROTO_UDP, NULL, &so), 0);
	assert_int_equal(inp_sock_bind(so, NULL, sizeof(a), NULL), -EINVAL);
	assert_int_equal(inp_sock_bind(so, (struct sockaddr *)&a, sizeof(a) - 1, NULL), -EINVAL);
	assert_int_equal(inp_sock_bind(so, (struct sockaddr *)&a6, sizeof(a6), NULL), -EAFNOSUPPORT);
	assert_int_equal(inp_sock_connect(so, (struct sockaddr *)&a, 3, NULL), -EINVAL);
	assert_int_equal(inp_sock_setopt(so, INP_SOL_SOCKET, 0x7777, &one, sizeof(one), NULL),
	                 -ENOPROTOOPT);
	assert_int_equal(inp_sock_setopt(so, INP_SOL_SOCKET, INP_SO_REUSEADDR, NULL,
	                                 sizeof(one), NULL), -EINVAL);
	assert_int_equal(inp_sock_setopt(so, INP_IPPROTO_IP, INP_IP_PORTRANGE, &bad,
	                                 sizeof(bad), NULL), -EINVAL);
	assert_int_equal(inp_sock_setopt(so, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY, &one,
	                                 sizeof(one), NULL), -ENOPROTOOPT);
	assert_int_equal(inp_sock_peer(so, &ss, &len), -ENOTCONN);
	assert_int_equal(inp_sock_recv(so, NULL, NULL, 0), -EAGAIN);
	assert_int_equal(inp_sock_listen(so, 5, NULL), -EOPNOTSUPP);
	assert_int_equal(inp_sock_timewait(so), -EINVAL);
	/* None of the refused calls bound the socket. */
	assert_int_equal(inp_sock_name(so, &ss, &len), 0);
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_port, 0);
	assert_int_equal(inp_sock_close(so), 0);
	world_down(&w);
}

static void test_lookups_and_delivery(void **state)
{
	struct world w;
	struct inp_pcb *pcb;
	struct sockaddr_in src = sin4("198.51.100.1", 9), dst = sin4("192.0.2.10", 53);
	struct sockaddr_in6 dst6 = sin6("2001:db8::1", 53);
	struct inp_udpstat st;
	(void)state;

	world_up(&w, NULL);
	/* LK-7: exactly one of the lock flags. */
	assert_int_equal(inp_pcb_lookup(w.vnet, INP_PROTO_UDP, (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst, INP_LOOKUP_WILDCARD, NULL,
	                                &pcb, NULL), -EINVAL);
	assert_int_equal(inp_pcb_lookup(w.vnet, INP_PROTO_UDP, (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst,
	                                INP_LOOKUP_RLOCKPCB | INP_LOOKUP_WLOCKPCB, NULL,
	                                &pcb, NULL), -EINVAL);
	assert_int_equal(inp_pcb_lookup(w.vnet, INP_PROTO_UDP, (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst, INP_LOOKUP_RLOCKPCB | 0x80,
	                                NULL, &pcb, NULL), -EINVAL);
	assert_int_equal(inp_pcb_lookup(w.vnet, INP_PROTO_UDP, (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst6, INP_LOOKUP_RLOCKPCB, NULL,
	                                &pcb, NULL), -EINVAL);
	assert_int_equal(inp_pcb_lookup(w.vnet, INP_PROTO_UDP, (struct sockaddr *)&src,
	                                (struct sockaddr *)&dst, INP_LOOKUP_RLOCKPCB, NULL,
	                                &pcb, NULL), -ENOENT);

	assert_int_equal(inp_udp_deliver(w.vnet, NULL, (struct sockaddr *)&dst, NULL, NULL,
	                                 NULL), -EINVAL);
	assert_int_equal(inp_udp_deliver(w.vnet, (struct sockaddr *)&src,
	                                 (struct sockaddr *)&dst6, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(inp_udp_stats(w.vnet, &st), 0);
	assert_int_equal(st.udps_ipackets, 0); /* refused calls counted nothing */
	world_down(&w);
}

/* Reaching a configured limit is -ENOBUFS, and everything below it works. */
static void test_limits(void **state)
{
	struct inp_limits lim = { .max_pcbs = 3, .max_jails = 2, .max_routes = 8 };
	struct world w;
	struct inp_sock *so[4];
	struct inp_jail_params jp;
	struct sockaddr_in gw = sin4("192.0.2.1", 0);
	int i, rc = 0;
	(void)state;

	world_up(&w, &lim);
	for (i = 0; i < 3; i++)
		assert_int_equal(inp_sock_open(w.vnet, AF_INET, INP_PROTO_UDP, NULL, &so[i]), 0);
	assert_int_equal(inp_sock_open(w.vnet, AF_INET, INP_PROTO_UDP, NULL, &so[3]), -ENOBUFS);
	assert_int_equal(inp_pcb_count(w.vnet, INP_PROTO_UDP), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(inp_sock_close(so[i]), 0);

	inp_jail_params_init(&jp);
	assert_int_equal(inp_jail_create(w.host, w.vnet, "j1", &jp, NULL), 0);
	assert_int_equal(inp_jail_create(w.host, w.vnet, "j2", &jp, NULL), 0);
	assert_int_equal(inp_jail_create(w.host, w.vnet, "j3", &jp, NULL), -ENOBUFS);
	assert_int_equal(inp_jail_remove(inp_jail_find(w.host, "j1")), 0);
	assert_int_equal(inp_jail_remove(inp_jail_find(w.host, "j2")), 0);

	/* Add /32 routes until the table is full. */
	for (i = 0; i < 16 && rc == 0; i++) {
		struct sockaddr_in dst = sin4("203.0.113.0", 0);
		dst.sin_addr.s_addr = htonl(ntohl(dst.sin_addr.s_addr) + (uint32_t)i);
		rc = inp_route_add(w.vnet, (struct sockaddr *)&dst, 32,
		                   (struct sockaddr *)&gw, NULL);
	}
	assert_int_equal(rc, -ENOBUFS);
	world_down(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_and_vnet),
		cmocka_unit_test(test_interfaces_and_routes),
		cmocka_unit_test(test_jails_and_creds),
		cmocka_unit_test(test_sockets),
		cmocka_unit_test(test_lookups_and_delivery),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
