/*
 * ip_fixture.h - the world of the datapath tests and their checks.
 *
 * The world (ipw_setup): the fixture's host and vnet (lo0), em0 with
 * 192.0.2.10/24, 2001:db8::10/64 and fe80::10/64, em1 with
 * 203.0.113.5/24, default routes via 192.0.2.1 and 2001:db8::1, and a
 * loop driver (driver.h) on each of em0 and em1, so that what the stack
 * sends can be read back (ipw_sent) and packets injected (ipw_in).
 *
 * The ledgers of ip.h are checked by ipw_ledgers(), which every test's
 * teardown runs: each equation must hold whatever the test did, as long
 * as all UDP traffic came through IP input (no inp_udp_deliver calls).
 *
 * Static state: W (the world) and the drivers, one world per test.
 */
#ifndef INPCB_TEST_IP_FIXTURE_H
#define INPCB_TEST_IP_FIXTURE_H

#include "fixture.h"
#include "pkt_build.h"

static struct fx *W;
static const struct inp_driver_ops *DRV;    /* the loop driver's ops */
static void *D0, *D1;                        /* on em0, em1 */

/* ---- the world --------------------------------------------------------- */

static inline void ipw_drivers(void)
{
	assert_int_equal(inp_loop_open(64, &DRV, &D0), 0);
	assert_int_equal(inp_if_attach_driver(W->em0, DRV, D0), 0);
	assert_int_equal(inp_loop_open(64, &DRV, &D1), 0);
	assert_int_equal(inp_if_attach_driver(W->em1, DRV, D1), 0);
}

static inline int ipw_setup_cfg(void **state, const struct fx_config *cfg)
{
	struct sockaddr_in6 gw6 = fx_sin6("2001:db8::1", 0);
	struct sockaddr_in6 any6 = fx_sin6("::", 0);

	W = fx_new(cfg);
	fx_two_nets(W);
	assert_int_equal(fx_if_add6(W->em0, "2001:db8::10", 64), 0);
	assert_int_equal(fx_if_add6(W->em0, "fe80::10", 64), 0);
	assert_int_equal(inp_route_add(W->vnet, (struct sockaddr *)&any6, 0,
	                               (struct sockaddr *)&gw6, NULL), 0);
	ipw_drivers();
	*state = W;
	return 0;
}

static inline int ipw_setup(void **state)
{
	return ipw_setup_cfg(state, NULL);
}

/* ---- statistics and ledgers -------------------------------------------- */

static inline struct inp_ipstat ipw_ip(void)
{
	struct inp_ipstat st;

	assert_int_equal(inp_ip_stats(W->vnet, &st), 0);
	return st;
}

static inline struct inp_udpstat ipw_udp(void)
{
	struct inp_udpstat st;

	assert_int_equal(inp_udp_stats(W->vnet, &st), 0);
	return st;
}

/* Fragments waiting for reassembly (internal, src/ip). */
unsigned ip_reass_pending(struct inp_vnet *vnet);

static inline void ipw_ledgers(void)
{
	struct inp_ipstat s = ipw_ip();
	struct inp_udpstat u = ipw_udp();
	uint64_t udp_out = u.udps_hdrops + u.udps_dport0 + u.udps_badlen +
	                   u.udps_badsum + u.udps_delivered + u.udps_noport +
	                   u.udps_minttl + u.udps_macdrop + u.udps_fullsock;

	/* input: every packet (and every reassembled datagram) ends once */
	assert_int_equal(s.ips_total + s.ips_reassembled,
	                 s.ips_toosmall + s.ips_tooshort + s.ips_badvers +
	                 s.ips_badhlen + s.ips_badlen + s.ips_badsum +
	                 s.ips_badaddr + s.ip6s_badscope + s.ip6s_badoptions +
	                 s.ip6s_toomanyhdr + s.ips_cantforward +
	                 s.ips_fragments + s.ips_noproto + s.ips_delivered);
	assert_true(s.ips_fragments >= s.ips_fragdropped + s.ips_fragtimeout +
	                               ip_reass_pending(W->vnet));
	/* delivered: UDP's datagrams and ICMP's messages */
	assert_int_equal(u.udps_ipackets, udp_out);
	assert_int_equal(s.ips_delivered,
	                 u.udps_ipackets + s.icps_tooshort + s.icps_checksum +
	                 s.icps_badlen + s.icps_badcode +
	                 s.icps_inhist_unreach + s.icps_inhist_other);
	/* output */
	assert_int_equal(s.ips_localout, s.ips_otransmitted +
	                 s.ips_oloopback + s.ips_noroute + s.ips_odropped);
	/* errors: every unicast no-port datagram (blackhole off) */
	assert_int_equal(u.udps_noport - u.udps_noportbcast -
	                 u.udps_noportmcast - s.icps_ratelimited,
	                 s.icps_error + s.icps_oldicmp + s.icps_badaddr);
}

static inline int ipw_teardown(void **state)
{
	(void)state;
	ipw_ledgers();
	fx_fini(W);             /* the vnet's destruction closes the drivers */
	free(W);
	W = NULL;
	return 0;
}

#define IPW_TEST(fn) cmocka_unit_test_setup_teardown(fn, ipw_setup, ipw_teardown)

/* ---- packets in and out ------------------------------------------------ */

static inline void ipw_in(struct inp_ifnet *ifp, const uint8_t *p,
                          size_t len, unsigned flags)
{
	assert_int_equal(inp_ip_input(W->vnet, ifp, p, len, flags), 0);
}

/* The next packet the stack sent through driver d (0: none). */
static inline size_t ipw_sent(void *d, uint8_t *buf)
{
	long n = DRV->input(d, buf, PB_MAX);

	assert_true(n >= 0);
	return (size_t)n;
}

/* How many packets wait in driver d; they are dropped. */
static inline unsigned ipw_drain(void *d)
{
	static uint8_t buf[PB_MAX];
	unsigned n = 0;

	while (ipw_sent(d, buf) > 0)
		n++;
	return n;
}

/* ---- sockets ----------------------------------------------------------- */

/* A UDP socket bound to a:port (a NULL: unbound), closed by teardown. */
static inline struct inp_sock *ipw_sock(int family, const char *a,
                                        unsigned port)
{
	struct inp_sock *so = fx_sock_kept(W, family, INP_PROTO_UDP, NULL);

	if (a != NULL)
		fx_bind_ok(so, a, port);
	return so;
}

/* Send to a:port (either family, told by the string). */
static inline long ipw_sendto(struct inp_sock *so, const void *buf,
                              size_t len, const char *a, unsigned port)
{
	struct sockaddr_storage ss = fx_sa(a, port);

	return inp_sock_sendto(so, buf, len, (struct sockaddr *)&ss,
	                       fx_sa_len(&ss));
}

/*
 * Receive one datagram: its length (whatever buf takes; buf may be NULL)
 * or the negative errno of inp_sock_recv.
 */
static inline long ipw_recv(struct inp_sock *so, struct inp_rcvinfo *ri,
                            void *buf, size_t cap)
{
	struct inp_rcvinfo tmp;
	long rc;

	if (ri == NULL)
		ri = &tmp;
	rc = inp_sock_recv(so, ri, buf, cap);
	return rc < 0 ? rc : (long)ri->len;
}

/* The port of a sockaddr_storage (network order converted). */
static inline unsigned ipw_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

#endif
