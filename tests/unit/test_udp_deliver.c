/*
 * test_udp_deliver.c - UDP delivery (src/udp/udp_deliver.c, spec §7):
 * unicast (UD-2) with IP_MINTTL and the MAC hook, the no-receiver path
 * (UD-9: link broadcast, blackhole, ICMP rate limit), broadcast (UD-4)
 * and multicast fan-out (UD-5, UD-6) with every SO_REUSEADDR /
 * SO_REUSEPORT pairing, the reuse stop rule (UD-7), ancillary data
 * (UD-10, UD-11), a full receive queue, invariant 25, and bad input.
 *
 * Through the public API (internal headers only for the vnet's interface
 * objects, which the public API hands out opaque).
 */
#include "fixture.h"

/* ---- the world: lo0, em0 192.0.2.10/24, em1 203.0.113.5/24 ------------ */

static struct fx *W;

/* The preamble, em1; a random source that always returns 4. */
static int setup(void **state)
{
	struct fx_config cfg = { .seed = 4, .fixed_random = true };

	W = fx_new(&cfg);
	fx_two_nets(W);
	*state = W;
	return 0;
}

/* SO_RCVBUF with room for two of deliver4's datagrams (5 bytes each,
 * plus the sockaddr_in every queued datagram is charged). */
#define TWO_DGRAMS ((int)(2 * (5 + sizeof(struct sockaddr_in))))

/* ---- helpers --------------------------------------------------------- */

/* A socket labelled `label`, whose udata is the label string itself. */
static struct inp_sock *udp_sock(int family, const char *label)
{
	struct inp_sock *so = fx_sock(W, family, INP_PROTO_UDP, NULL);

	assert_int_equal(inp_sock_set_label(so, label), 0);
	inp_sock_set_udata(so, (void *)label);
	return so;
}

/* The result of one delivery, recipients as a comma list of labels. */
struct outcome {
	enum inp_udp_outcome o;
	unsigned n;
	char who[128];
	struct inp_explain why;
};

static struct outcome deliver_meta(const struct sockaddr *src,
                                   const struct sockaddr *dst,
                                   const struct inp_udp_meta *meta)
{
	struct outcome r;
	void *rcpt[8];
	struct inp_udp_result res = { .rcpt = rcpt, .max = 8 };
	unsigned i;

	memset(&r, 0, sizeof(r));
	assert_int_equal(inp_udp_deliver(W->vnet, src, dst, meta, &res, &r.why), 0);
	r.o = res.outcome;
	r.n = res.n;
	for (i = 0; i < res.n && i < 8; i++) {
		if (i > 0)
			strcat(r.who, ",");
		strcat(r.who, (const char *)rcpt[i]);
	}
	return r;
}

static struct outcome deliver4(const char *src, int sport, const char *dst,
                               int dport, struct inp_ifnet *ifp)
{
	struct sockaddr_in s = fx_sin4(src, sport), d = fx_sin4(dst, dport);
	struct inp_udp_meta meta = { .rcvif = ifp, .ttl = 64,
	                             .payload = "hello", .len = 5 };

	return deliver_meta((struct sockaddr *)&s, (struct sockaddr *)&d, &meta);
}

static struct inp_udpstat stats(void)
{
	struct inp_udpstat st;

	assert_int_equal(inp_udp_stats(W->vnet, &st), 0);
	return st;
}

/* Invariant 25: the outcome counters add up to udps_ipackets. */
static void assert_invariant_25(void)
{
	struct inp_udpstat st = stats();

	assert_int_equal(st.udps_delivered + st.udps_dport0 + st.udps_noport +
	                 st.udps_minttl + st.udps_macdrop + st.udps_fullsock +
	                 st.udps_hdrops + st.udps_badsum + st.udps_badlen +
	                 st.udps_filtermcast,
	                 st.udps_ipackets);
}

static unsigned queued(struct inp_sock *so)
{
	struct inp_rcvinfo ri;
	unsigned n = 0;

	while (inp_sock_recv(so, &ri, NULL, 0) >= 0)
		n++;
	return n;
}

/* ---- unicast ---------------------------------------------------------- */

static void unicast_reaches_one_socket(void **state)
{
	struct inp_sock *a = udp_sock(AF_INET, "a");
	struct inp_rcvinfo ri;
	struct sockaddr_in *src = (struct sockaddr_in *)&ri.src;
	char buf[16];
	struct outcome r;

	(void)state;
	fx_bind_ok(a, "0.0.0.0", 5000);
	r = deliver4("198.51.100.1", 9, "192.0.2.10", 5000, NULL);
	assert_int_equal(r.o, INP_UDP_DELIVERED);
	assert_string_equal(r.who, "a");
	assert_string_equal(r.why.rule, "L4");      /* the lookup decided */

	memset(buf, 0, sizeof(buf));
	assert_int_equal(inp_sock_recv(a, &ri, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(ri.len, 5);
	assert_int_equal(ri.have, 0);                 /* no receive option */
	assert_int_equal(src->sin_family, AF_INET);
	assert_int_equal(src->sin_port, htons(9));
	assert_int_equal(src->sin_addr.s_addr,
	                 fx_sin4("198.51.100.1", 0).sin_addr.s_addr);
	assert_int_equal(inp_sock_recv(a, &ri, buf, sizeof(buf)), -EAGAIN);

	/* A short buffer gets a prefix; the datagram is consumed anyway. */
	deliver4("198.51.100.1", 9, "192.0.2.10", 5000, NULL);
	assert_int_equal(inp_sock_recv(a, &ri, buf, 2), 2);
	assert_int_equal(ri.len, 5);
	assert_int_equal(inp_sock_recv(a, NULL, NULL, 0), -EAGAIN);

	assert_int_equal(stats().udps_delivered, 2);
	assert_int_equal(stats().udps_ipackets, 2);
	inp_sock_close(a);
}

/* L1 before L4: the connected socket gets its peer's datagrams. */
static void unicast_prefers_the_connected_socket(void **state)
{
	struct inp_sock *a = udp_sock(AF_INET, "a");
	struct inp_sock *c = udp_sock(AF_INET, "c");
	struct sockaddr_in peer = fx_sin4("198.51.100.7", 53);

	(void)state;
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_setopt_int_ok(c, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_bind_ok(a, "192.0.2.10", 5001);
	fx_bind_ok(c, "192.0.2.10", 5001);
	assert_int_equal(inp_sock_connect(c, (struct sockaddr *)&peer,
	                                  sizeof(peer), NULL), 0);
	assert_string_equal(deliver4("198.51.100.7", 53, "192.0.2.10", 5001,
	                             NULL).who, "c");
	assert_string_equal(deliver4("198.51.100.8", 53, "192.0.2.10", 5001,
	                             NULL).who, "a");
	inp_sock_close(a);
	inp_sock_close(c);
}

static void minttl_drops(void **state)
{
	struct inp_sock *a = udp_sock(AF_INET, "a");
	struct outcome r;

	(void)state;
	fx_bind_ok(a, "0.0.0.0", 5002);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_MINTTL, 65);
	r = deliver4("198.51.100.1", 9, "192.0.2.10", 5002, NULL);   /* ttl 64 */
	assert_int_equal(r.o, INP_UDP_DROPPED);
	assert_int_equal(r.n, 0);
	assert_string_equal(r.why.rule, "UD-1");
	assert_int_equal(stats().udps_minttl, 1);
	assert_int_equal(queued(a), 0);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_MINTTL, 64);
	assert_int_equal(deliver4("198.51.100.1", 9, "192.0.2.10", 5002, NULL).o,
	                 INP_UDP_DELIVERED);
	assert_invariant_25();
	inp_sock_close(a);
}

static int refuse_all(void *ctx, void *label, const struct sockaddr *src,
                      size_t len)
{
	(void)ctx; (void)label; (void)src; (void)len;
	return EACCES;
}

static void mac_policy_drops(void **state)
{
	static const struct inp_mac_ops ops = { .check_deliver = refuse_all };
	struct inp_sock *a;
	struct outcome r;

	(void)state;
	assert_int_equal(inp_mac_register(W->host, &ops, NULL), 0);
	a = udp_sock(AF_INET, "a");
	fx_bind_ok(a, "0.0.0.0", 5003);
	r = deliver4("198.51.100.1", 9, "192.0.2.10", 5003, NULL);
	assert_int_equal(r.o, INP_UDP_DROPPED);
	assert_string_equal(r.why.rule, "UD-10");
	assert_int_equal(stats().udps_macdrop, 1);
	assert_int_equal(queued(a), 0);
	assert_invariant_25();
	inp_sock_close(a);
}

/* ---- no receiver (UD-9) ---------------------------------------------- */

static void no_receiver(void **state)
{
	struct sockaddr_in s = fx_sin4("198.51.100.1",
	                               9), d = fx_sin4("192.0.2.10", 6000);
	struct inp_udp_meta meta = { .link_bcast = true };
	struct outcome r;

	(void)state;
	r = deliver4("198.51.100.1", 9, "192.0.2.10", 6000, NULL);
	assert_int_equal(r.o, INP_UDP_UNREACH);
	assert_string_equal(r.why.rule, "UD-9");
	assert_int_equal(stats().udps_noport, 1);

	/* Invariant 24: a link-layer broadcast never draws an ICMP error. */
	r = deliver_meta((struct sockaddr *)&s, (struct sockaddr *)&d, &meta);
	assert_int_equal(r.o, INP_UDP_NOPORT_BCAST);
	assert_int_equal(stats().udps_noport, 2);
	assert_int_equal(stats().udps_noportbcast, 1);

	assert_int_equal(inp_sysctl_set(W->vnet, "net.inet.udp.blackhole", 1), 0);
	assert_int_equal(deliver4("198.51.100.1", 9, "192.0.2.10", 6000, NULL).o,
	                 INP_UDP_DROPPED);
	assert_int_equal(inp_sysctl_set(W->vnet, "net.inet.udp.blackhole", 0), 0);
	assert_int_equal(stats().udps_noport, 3);
	assert_invariant_25();
}

static void icmp_rate_limit(void **state)
{
	int i;

	(void)state;
	W->now = 5000000000ull;
	assert_int_equal(inp_sysctl_set(W->vnet, "net.inet.icmp.icmplim", 2), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(deliver4("198.51.100.1", 9, "192.0.2.10", 6001,
		                          NULL).o, INP_UDP_UNREACH);
	assert_int_equal(deliver4("198.51.100.1", 9, "192.0.2.10", 6001, NULL).o,
	                 INP_UDP_DROPPED);
	W->now += 999999999ull;       /* still the same second */
	assert_int_equal(deliver4("198.51.100.1", 9, "192.0.2.10", 6001, NULL).o,
	                 INP_UDP_DROPPED);
	W->now += 1;                  /* a new second: a new budget */
	assert_int_equal(deliver4("198.51.100.1", 9, "192.0.2.10", 6001, NULL).o,
	                 INP_UDP_UNREACH);
	assert_int_equal(inp_sysctl_set(W->vnet, "net.inet.icmp.icmplim", 0), 0);
	for (i = 0; i < 5; i++)   /* 0: no limit */
		assert_int_equal(deliver4("198.51.100.1", 9, "192.0.2.10", 6001,
		                          NULL).o, INP_UDP_UNREACH);
	assert_int_equal(stats().udps_noport, 10);
	assert_invariant_25();
}

static void dport_zero(void **state)
{
	struct inp_sock *a = udp_sock(AF_INET, "a");
	struct outcome r;

	(void)state;
	fx_bind_ok(a, "0.0.0.0", 5004);
	r = deliver4("198.51.100.1", 9, "192.0.2.10", 0, NULL);
	assert_int_equal(r.o, INP_UDP_DROPPED);
	assert_string_equal(r.why.rule, "UD-1");
	assert_int_equal(stats().udps_dport0, 1);
	assert_int_equal(stats().udps_noport, 0);
	assert_invariant_25();
	inp_sock_close(a);
}

/* ---- broadcast (UD-4) --------------------------------------------------- */

static void broadcast_fan_out(void **state)
{
	struct inp_sock *a = udp_sock(AF_INET, "a");
	struct inp_sock *b = udp_sock(AF_INET, "b");
	struct inp_sock *other = udp_sock(AF_INET, "other");
	struct outcome r;

	(void)state;
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_setopt_int_ok(b, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_bind_ok(a, "0.0.0.0", 5100);
	fx_bind_ok(b, "0.0.0.0", 5100);
	fx_bind_ok(other, "0.0.0.0", 5101);

	/* The subnet broadcast of em0, arriving on em0: newest first. */
	r = deliver4("192.0.2.77", 4000, "192.0.2.255", 5100, W->em0);
	assert_int_equal(r.o, INP_UDP_DELIVERED);
	assert_string_equal(r.who, "b,a");
	assert_string_equal(r.why.rule, "UD-5");
	/* The default receiving interface is found from the address too. */
	assert_string_equal(deliver4("192.0.2.77", 4000, "192.0.2.255", 5100,
	                             NULL).who, "b,a");
	assert_string_equal(deliver4("192.0.2.77", 4000, "255.255.255.255", 5100,
	                             W->em1).who, "b,a");
	/* Old-style host-0 broadcast counts too (UD-4). */
	assert_string_equal(deliver4("192.0.2.77", 4000, "192.0.2.0", 5100,
	                             W->em0).who, "b,a");
	/* em0's broadcast address is a plain unicast address on em1. */
	r = deliver4("192.0.2.77", 4000, "192.0.2.255", 5100, W->em1);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.who, "b");
	assert_int_equal(queued(a), 4);
	assert_int_equal(queued(b), 5);
	assert_int_equal(queued(other), 0);

	/* Nobody on the port: counted, never an ICMP error (UD-8). */
	r = deliver4("192.0.2.77", 4000, "192.0.2.255", 5999, W->em0);
	assert_int_equal(r.o, INP_UDP_NOPORT_BCAST);
	assert_string_equal(r.why.rule, "UD-8");
	assert_int_equal(stats().udps_noportbcast, 1);
	assert_int_equal(stats().udps_noport, 1);
	assert_invariant_25();
	inp_sock_close(a);
	inp_sock_close(b);
	inp_sock_close(other);
}

/* UD-5: the local address and the foreign side filter candidates. */
static void broadcast_match_rules(void **state)
{
	struct inp_sock *spec = udp_sock(AF_INET, "spec");
	struct inp_sock *bc = udp_sock(AF_INET, "bc");
	struct inp_sock *wild = udp_sock(AF_INET, "wild");
	struct inp_sock *v6 = udp_sock(AF_INET6, "v6only");
	struct sockaddr_in6 any6 = fx_sin6("::", 5102);

	(void)state;
	fx_setopt_int_ok(spec, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_setopt_int_ok(bc, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_setopt_int_ok(wild, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_bind_ok(spec, "192.0.2.10", 5102);        /* a unicast address: no */
	fx_bind_ok(bc, "192.0.2.255", 5102);         /* the broadcast address: yes */
	fx_bind_ok(wild, "0.0.0.0", 5102);
	assert_int_equal(inp_sock_bind(v6, (struct sockaddr *)&any6,
	                               sizeof(any6), NULL), 0);  /* V6ONLY: no */
	assert_string_equal(deliver4("192.0.2.77", 4000, "192.0.2.255", 5102,
	                             W->em0).who, "wild,bc");
	inp_sock_close(spec);
	inp_sock_close(bc);
	inp_sock_close(wild);
	inp_sock_close(v6);
}

/* IPv4 broadcasts also reach dual-stack AF_INET6 sockets, mapped. */
static void broadcast_to_dual_stack(void **state)
{
	struct inp_sock *d = udp_sock(AF_INET6, "dual");
	struct sockaddr_in6 any6 = fx_sin6("::", 5103);
	struct inp_rcvinfo ri;
	struct sockaddr_in6 *src = (struct sockaddr_in6 *)&ri.src;
	struct sockaddr_in6 *dst = (struct sockaddr_in6 *)&ri.dst;
	char buf[INET6_ADDRSTRLEN];

	(void)state;
	fx_setopt_int_ok(d, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY, 0);
	fx_setopt_int_ok(d, INP_IPPROTO_IP, INP_IP_RECVDSTADDR, 1);
	assert_int_equal(inp_sock_bind(d, (struct sockaddr *)&any6, sizeof(any6),
	                               NULL), 0);
	assert_string_equal(deliver4("192.0.2.77", 4000, "192.0.2.255", 5103,
	                             W->em0).who, "dual");
	assert_int_equal(inp_sock_recv(d, &ri, NULL, 0), 0);
	assert_int_equal(src->sin6_family, AF_INET6);
	assert_int_equal(src->sin6_port, htons(4000));
	inet_ntop(AF_INET6, &src->sin6_addr, buf, sizeof(buf));
	assert_string_equal(buf, "::ffff:192.0.2.77");
	assert_true(ri.have & INP_RCV_DSTADDR);
	inet_ntop(AF_INET6, &dst->sin6_addr, buf, sizeof(buf));
	assert_string_equal(buf, "::ffff:192.0.2.255");
	inp_sock_close(d);
}

/* ---- multicast (UD-5, UD-6, UD-7) ---------------------------------------- */

/* All four SO_REUSEADDR / SO_REUSEPORT pairings receive (E6, §1.3). */
static void multicast_four_combinations(void **state)
{
	static const int opts[4][2] = FX_REUSE_PAIRS;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		struct inp_sock *a = udp_sock(AF_INET, "a");
		struct inp_sock *b = udp_sock(AF_INET, "b");
		struct outcome r;

		fx_setopt_int_ok(a, INP_SOL_SOCKET, opts[i][0], 1);
		fx_bind_ok(a, "239.1.1.1", 5353 + i);
		fx_setopt_int_ok(b, INP_SOL_SOCKET, opts[i][1], 1);
		fx_bind_ok(b, "239.1.1.1", 5353 + i);
		fx_member4_ok(a, INP_IP_ADD_MEMBERSHIP, "239.1.1.1", "192.0.2.10");
		fx_member4_ok(b, INP_IP_ADD_MEMBERSHIP, "239.1.1.1", "192.0.2.10");
		r = deliver4("192.0.2.77", 4000, "239.1.1.1", 5353 + i, W->em0);
		assert_int_equal(r.o, INP_UDP_DELIVERED);
		assert_int_equal(r.n, 2);
		assert_string_equal(r.who, "b,a");
		assert_int_equal(queued(a), 1);
		assert_int_equal(queued(b), 1);
		inp_sock_close(a);
		inp_sock_close(b);
	}
	assert_int_equal(stats().udps_delivered, 4);
	assert_invariant_25();
}

/*
 * UD-7: the newest matching socket without a reuse option receives
 * alone.  The option is dropped after binding; the cached flag follows
 * (§1.3), and the walk reads only the cache.
 */
static void stop_rule(void **state)
{
	struct inp_sock *a = udp_sock(AF_INET, "a");
	struct inp_sock *b = udp_sock(AF_INET, "b");
	struct inp_sock *c = udp_sock(AF_INET, "c");
	struct outcome r;

	(void)state;
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_setopt_int_ok(b, INP_SOL_SOCKET, INP_SO_REUSEADDR, 1);
	fx_setopt_int_ok(c, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 1);
	fx_bind_ok(a, "239.4.4.4", 5400);
	fx_bind_ok(b, "239.4.4.4", 5400);
	fx_member4_ok(a, INP_IP_ADD_MEMBERSHIP, "239.4.4.4", "192.0.2.10");
	fx_member4_ok(b, INP_IP_ADD_MEMBERSHIP, "239.4.4.4", "192.0.2.10");

	fx_setopt_int_ok(b, INP_SOL_SOCKET, INP_SO_REUSEADDR, 0);
	r = deliver4("192.0.2.77", 4000, "239.4.4.4", 5400, W->em0);
	assert_int_equal(r.o, INP_UDP_DELIVERED);
	assert_string_equal(r.who, "b");
	assert_string_equal(r.why.rule, "UD-7");
	assert_non_null(strstr(r.why.reason, "'b'"));

	/* The oldest lacking the option changes nothing: it is last anyway. */
	fx_setopt_int_ok(b, INP_SOL_SOCKET, INP_SO_REUSEADDR, 1);
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEPORT, 0);
	r = deliver4("192.0.2.77", 4000, "239.4.4.4", 5400, W->em0);
	assert_string_equal(r.who, "b,a");

	/* SO_REUSEPORT_LB counts as a reuse option for the stop rule. */
	fx_setopt_int_ok(c, INP_SOL_SOCKET, INP_SO_REUSEADDR, 1);
	fx_bind_ok(c, "239.4.4.4", 5400);
	fx_setopt_int_ok(c, INP_SOL_SOCKET, INP_SO_REUSEADDR, 0);
	fx_member4_ok(c, INP_IP_ADD_MEMBERSHIP, "239.4.4.4", "192.0.2.10");
	assert_string_equal(deliver4("192.0.2.77", 4000, "239.4.4.4", 5400,
	                             W->em0).who, "c,b,a");

	/* Broadcast obeys the same rule. */
	inp_sock_close(c);
	inp_sock_close(b);
	inp_sock_close(a);
}

static void broadcast_stop_rule(void **state)
{
	struct inp_sock *a = udp_sock(AF_INET, "a");
	struct inp_sock *b = udp_sock(AF_INET, "b");

	(void)state;
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_setopt_int_ok(b, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_bind_ok(a, "0.0.0.0", 5401);
	fx_bind_ok(b, "0.0.0.0", 5401);
	fx_setopt_int_ok(b, INP_SOL_SOCKET, INP_SO_REUSEPORT, 0);
	assert_string_equal(deliver4("192.0.2.77", 4000, "192.0.2.255", 5401,
	                             W->em0).who, "b");
	inp_sock_close(b);
	inp_sock_close(a);
}

/* UD-6: membership on the receiving interface, not just any. */
static void membership_filter(void **state)
{
	struct inp_sock *a = udp_sock(AF_INET, "a");
	struct inp_sock *nojoin = udp_sock(AF_INET, "nojoin");
	struct outcome r;

	(void)state;
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_setopt_int_ok(nojoin, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_bind_ok(a, "0.0.0.0", 5500);
	fx_bind_ok(nojoin, "0.0.0.0", 5500);
	/* joined on em1 only */
	fx_member4_ok(a, INP_IP_ADD_MEMBERSHIP, "239.5.5.5", "203.0.113.5");

	r = deliver4("192.0.2.77", 4000, "239.5.5.5", 5500, W->em0);
	assert_int_equal(r.o, INP_UDP_NOPORT_MCAST);
	assert_int_equal(r.n, 0);
	assert_string_equal(r.why.rule, "UD-8");
	/* a is no member on em0; nojoin has no multicast options at all. */
	assert_int_equal(stats().ips_notmember, 1);
	assert_int_equal(stats().udps_noportmcast, 1);
	assert_int_equal(stats().udps_noport, 1);

	r = deliver4("203.0.113.77", 4000, "239.5.5.5", 5500, W->em1);
	assert_string_equal(r.who, "a");
	/* Another group on the right interface is no membership either. */
	r = deliver4("203.0.113.77", 4000, "239.5.5.6", 5500, W->em1);
	assert_int_equal(r.o, INP_UDP_NOPORT_MCAST);
	assert_int_equal(stats().ips_notmember, 2);
	assert_int_equal(queued(nojoin), 0);
	assert_int_equal(queued(a), 1);
	assert_invariant_25();
	inp_sock_close(a);
	inp_sock_close(nojoin);
}

static void ipv6_unicast_and_multicast(void **state)
{
	struct inp_sock *s = udp_sock(AF_INET6, "s6");
	struct sockaddr_in6 any6 = fx_sin6("::", 5600);
	struct sockaddr_in6 src = fx_sin6("2001:db8::77", 4000);
	struct sockaddr_in6 grp = fx_sin6("ff05::1:3", 5600);
	struct sockaddr_in6 lo = fx_sin6("::1", 5600);
	struct sockaddr_in src4 = fx_sin4("192.0.2.77", 4000);
	struct inp_udp_meta meta = { .rcvif = W->em0, .ttl = 9 };
	struct ipv6_mreq m;
	struct outcome r;

	(void)state;
	assert_int_equal(inp_sock_bind(s, (struct sockaddr *)&any6, sizeof(any6),
	                               NULL), 0);
	r = deliver_meta((struct sockaddr *)&src, (struct sockaddr *)&lo, NULL);
	assert_string_equal(r.who, "s6");
	r = deliver_meta((struct sockaddr *)&src, (struct sockaddr *)&grp, &meta);
	assert_int_equal(r.o, INP_UDP_NOPORT_MCAST);
	m.ipv6mr_multiaddr = grp.sin6_addr;
	m.ipv6mr_interface = inp_if_index(W->em0);
	assert_int_equal(inp_sock_setopt(s, INP_IPPROTO_IPV6, INP_IPV6_JOIN_GROUP,
	                                 &m, sizeof(m), NULL), 0);
	r = deliver_meta((struct sockaddr *)&src, (struct sockaddr *)&grp, &meta);
	assert_string_equal(r.who, "s6");
	/* Mixed families are a caller error and change nothing. */
	assert_int_equal(inp_udp_deliver(W->vnet, (struct sockaddr *)&src4,
	                                 (struct sockaddr *)&grp, &meta, NULL,
	                                 NULL), -EINVAL);
	assert_int_equal(stats().udps_ipackets, 3);
	assert_invariant_25();
	inp_sock_close(s);
}

/* ---- ancillary data (UD-10, UD-11) --------------------------------------- */

static void ancillary_data(void **state)
{
	struct inp_sock *a = udp_sock(AF_INET, "a");
	struct sockaddr_in s = fx_sin4("198.51.100.1",
	                               9), d = fx_sin4("192.0.2.10", 5700);
	struct inp_udp_meta meta = { .rcvif = W->em0, .tos = 0x2e, .ttl = 17,
	                             .len = 3 };
	struct inp_rcvinfo ri;
	struct sockaddr_in *dst = (struct sockaddr_in *)&ri.dst;
	unsigned char buf[8] = { 1, 1, 1, 1 };

	(void)state;
	fx_bind_ok(a, "0.0.0.0", 5700);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVDSTADDR, 1);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVTTL, 1);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVTOS, 1);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVIF, 1);
	deliver_meta((struct sockaddr *)&s, (struct sockaddr *)&d, &meta);
	/* Options off again: the next datagram lacks their fields. */
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVTOS, 0);
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_RECVIF, 0);
	deliver_meta((struct sockaddr *)&s, (struct sockaddr *)&d, &meta);

	/* NULL payload: len zero bytes. */
	assert_int_equal(inp_sock_recv(a, &ri, buf, sizeof(buf)), 3);
	assert_int_equal(buf[0] | buf[1] | buf[2], 0);
	assert_int_equal(buf[3], 1);
	assert_int_equal(ri.have, INP_RCV_DSTADDR | INP_RCV_TTL | INP_RCV_TOS |
	                          INP_RCV_IF);
	assert_int_equal(ri.ttl, 17);
	assert_int_equal(ri.tos, 0x2e);
	assert_int_equal(ri.ifindex, inp_if_index(W->em0));
	assert_int_equal(dst->sin_family, AF_INET);
	assert_int_equal(dst->sin_addr.s_addr, d.sin_addr.s_addr);
	assert_int_equal(dst->sin_port, 0);          /* an address only */

	assert_int_equal(inp_sock_recv(a, &ri, NULL, 0), 0);
	assert_int_equal(ri.have, INP_RCV_DSTADDR | INP_RCV_TTL);
	assert_int_equal(ri.ttl, 17);
	assert_int_equal(ri.tos, 0);
	assert_int_equal(ri.ifindex, 0);
	assert_int_equal(ri.len, 3);
	inp_sock_close(a);
}

/* ---- a full queue ---------------------------------------------------- */

static void full_queue(void **state)
{
	struct inp_sock *a = udp_sock(AF_INET, "a");
	struct inp_sock *b = udp_sock(AF_INET, "b");
	struct outcome r;

	(void)state;
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_RCVBUF, TWO_DGRAMS);
	fx_setopt_int_ok(b, INP_SOL_SOCKET, INP_SO_RCVBUF, TWO_DGRAMS);
	fx_bind_ok(a, "0.0.0.0", 5800);
	assert_int_equal(deliver4("198.51.100.1", 9, "192.0.2.10", 5800, NULL).o,
	                 INP_UDP_DELIVERED);
	assert_int_equal(deliver4("198.51.100.1", 9, "192.0.2.10", 5800, NULL).o,
	                 INP_UDP_DELIVERED);
	r = deliver4("198.51.100.1", 9, "192.0.2.10", 5800, NULL);
	assert_int_equal(r.o, INP_UDP_DROPPED);
	assert_int_equal(r.n, 0);
	assert_string_equal(r.why.rule, "UD-10");
	assert_int_equal(stats().udps_fullsock, 1);
	assert_int_equal(queued(a), 2);
	assert_int_equal(deliver4("198.51.100.1", 9, "192.0.2.10", 5800, NULL).o,
	                 INP_UDP_DELIVERED);

	/* Fan-out: a full recipient is skipped, the others still get theirs. */
	fx_setopt_int_ok(b, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_bind_ok(b, "0.0.0.0", 5801);
	assert_int_equal(inp_sock_close(a), 0);    /* frees a queued datagram */
	a = udp_sock(AF_INET, "a");
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_RCVBUF, TWO_DGRAMS);
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEPORT, 1);
	fx_bind_ok(a, "0.0.0.0", 5801);
	deliver4("192.0.2.77", 1, "192.0.2.255", 5801, W->em0);
	deliver4("192.0.2.77", 1, "192.0.2.255", 5801, W->em0);
	assert_int_equal(inp_sock_recv(b, NULL, NULL, 0), 0);
	r = deliver4("192.0.2.77", 1, "192.0.2.255", 5801, W->em0);
	assert_int_equal(r.o, INP_UDP_DELIVERED);
	assert_string_equal(r.who, "b");
	queued(b);
	r = deliver4("192.0.2.77", 1, "192.0.2.255", 5801, W->em0);  /* a full */
	assert_string_equal(r.who, "b");
	queued(b);
	queued(a);
	assert_int_equal(stats().udps_fullsock, 1);   /* per datagram */
	assert_invariant_25();
	inp_sock_close(a);
	inp_sock_close(b);
}

/* ---- invariant 25 over a mixture, and bad input ------------------------ */

static void invariant_25_mixture(void **state)
{
	struct inp_sock *a = udp_sock(AF_INET, "a");
	struct inp_udpstat st;

	(void)state;
	fx_setopt_int_ok(a, INP_SOL_SOCKET, INP_SO_REUSEADDR, 1);
	fx_bind_ok(a, "239.7.7.7", 5900);
	fx_member4_ok(a, INP_IP_ADD_MEMBERSHIP, "239.7.7.7", "192.0.2.10");
	deliver4("192.0.2.77", 1, "239.7.7.7", 5900, W->em0);       /* delivered */
	deliver4("192.0.2.77", 1, "239.7.7.7", 5900, W->em1);       /* not member */
	deliver4("192.0.2.77", 1, "239.7.7.7", 0, W->em0);          /* dport 0 */
	deliver4("192.0.2.77", 1, "192.0.2.255", 5900, W->em0);     /* bcast: none */
	deliver4("192.0.2.77", 1, "192.0.2.10", 5900, NULL);       /* unreach */
	fx_setopt_int_ok(a, INP_IPPROTO_IP, INP_IP_MINTTL, 255);
	deliver4("192.0.2.77", 1, "239.7.7.7", 5900, W->em0);       /* fan-out
	                                                               ignores
	                                                               MINTTL */
	st = stats();
	assert_int_equal(st.udps_ipackets, 6);
	assert_int_equal(st.udps_delivered, 2);
	assert_int_equal(st.udps_noport, 3);
	assert_int_equal(st.udps_noportmcast, 1);
	assert_int_equal(st.udps_noportbcast, 1);
	assert_int_equal(st.udps_dport0, 1);
	assert_invariant_25();
	inp_sock_close(a);
}

static void bad_input(void **state)
{
	struct sockaddr_in s = fx_sin4("198.51.100.1",
	                               9), d = fx_sin4("192.0.2.10", 53);
	struct sockaddr bad = { .sa_family = AF_UNIX };
	struct inp_udp_meta meta = { .len = 70000 };
	struct inp_udpstat st;

	(void)state;
	assert_int_equal(inp_udp_deliver(NULL, (struct sockaddr *)&s,
	                                 (struct sockaddr *)&d, NULL, NULL, NULL),
	                 -EINVAL);
	assert_int_equal(inp_udp_deliver(W->vnet, NULL, (struct sockaddr *)&d,
	                                 NULL, NULL, NULL), -EINVAL);
	assert_int_equal(inp_udp_deliver(W->vnet, &bad, &bad, NULL, NULL, NULL),
	                 -EAFNOSUPPORT);
	assert_int_equal(inp_udp_deliver(W->vnet, (struct sockaddr *)&s,
	                                 (struct sockaddr *)&d, &meta, NULL, NULL),
	                 -EINVAL);
	assert_int_equal(inp_udp_stats(NULL, &st), -EINVAL);
	assert_int_equal(inp_udp_stats(W->vnet, NULL), -EINVAL);
	st = stats();
	assert_int_equal(st.udps_ipackets, 0);   /* nothing was counted */
	/* res and why may be NULL. */
	assert_int_equal(inp_udp_deliver(W->vnet, (struct sockaddr *)&s,
	                                 (struct sockaddr *)&d, NULL, NULL, NULL), 0);
	assert_int_equal(stats().udps_noport, 1);
	assert_int_equal(inp_sock_recv(NULL, NULL, NULL, 0), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(unicast_reaches_one_socket),
		T(unicast_prefers_the_connected_socket),
		T(minttl_drops),
		T(mac_policy_drops),
		T(no_receiver),
		T(icmp_rate_limit),
		T(dport_zero),
		T(broadcast_fan_out),
		T(broadcast_match_rules),
		T(broadcast_to_dual_stack),
		T(multicast_four_combinations),
		T(stop_rule),
		T(broadcast_stop_rule),
		T(membership_filter),
		T(ipv6_unicast_and_multicast),
		T(ancillary_data),
		T(full_queue),
		T(invariant_25_mixture),
		T(bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
