/*
 * fuzz_packet.c - libFuzzer target for the packet parser: the input is a
 * sequence of packets fed to inp_ip_input() on a small fixed world, which
 * must survive anything, leak nothing, and account for every packet: the
 * ledgers of ip.h are checked after each input and a mismatch aborts.
 *
 * Input: records of a control byte, a 16-bit big-endian length and that
 * many packet bytes (the last record takes what is left).  Control bits:
 *   0x01 INP_PKT_LINK_BCAST      0x02 INP_PKT_CSUM_OK
 *   0x0c the receiving interface: em0, em1, lo0, em0
 *   0x10 move the clock 31 s first (reassembly timeouts)
 *   0x20 poll em0's loop driver afterwards (what the stack sent, such as
 *        ICMP errors, comes back in as input)
 *
 * The world: em0 192.0.2.10/24, 2001:db8::10/64, fe80::10/64 with a
 * loop driver; em1 203.0.113.5/24; default routes; UDP sockets bound on
 * *:53 (both families, every receive option), two connected ones (ICMP
 * errors find them), multicast members of 239.1.1.1 and ff02::fb on em0.
 * Building it takes milliseconds, so it is built once and reset after
 * each input instead: queues and pending errors drained, the driver
 * emptied, the clock moved 61 s (reassembly expires, the ICMP budget
 * refills).  Nothing an input does changes the configuration, and the
 * statistics only grow, so the ledgers hold over the whole run.
 */
#include <inpcb/inpcb.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_INPUT   65536
#define FUZZ_MAX_PACKETS 64
#define NSOCK            6
#define SEC              1000000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Fragments waiting in reassembly (library internal, src/ip). */
unsigned ip_reass_pending(struct inp_vnet *vnet);

struct world {
	uint64_t now;
	struct inp_host *host;
	struct inp_vnet *vnet;
	struct inp_ifnet *em0, *em1, *lo0;
	const struct inp_driver_ops *drv;   /* em0's loop driver */
	void *drv_ctx;
	struct inp_sock *so[NSOCK];
};

static uint64_t w_now(void *ctx)
{
	return ((struct world *)ctx)->now;
}

static uint32_t w_random(void *ctx)
{
	(void)ctx;
	return 0x2545f491u;
}

/* Stop on a world-building failure: the harness, not the input, broke. */
static void must(int rc)
{
	if (rc < 0)
		abort();
}

static struct sockaddr_storage sa(const char *a, unsigned port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(a, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, a, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, a, &s4->sin_addr);
	}
	return ss;
}

static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                 : sizeof(struct sockaddr_in);
}

static void addr(struct inp_ifnet *ifp, const char *a, unsigned plen)
{
	struct sockaddr_storage ss = sa(a, 0);

	must(inp_if_addr_add(ifp, (struct sockaddr *)&ss, plen, NULL));
}

static void route_default(struct world *w, const char *any, const char *gw)
{
	struct sockaddr_storage d = sa(any, 0), g = sa(gw, 0);

	must(inp_route_add(w->vnet, (struct sockaddr *)&d, 0,
	                   (struct sockaddr *)&g, NULL));
}

/* A UDP socket bound to a:port, connected to peer (NULL: not). */
static struct inp_sock *sock(struct world *w, int af, const char *a,
                             unsigned port, const char *peer)
{
	static const int opts[] = { INP_IP_RECVDSTADDR, INP_IP_RECVTTL,
	                            INP_IP_RECVTOS, INP_IP_RECVIF };
	struct sockaddr_storage ss = sa(a, port);
	struct inp_sock *so;
	int one = 1;
	size_t i;

	must(inp_sock_open(w->vnet, af, INP_PROTO_UDP, NULL, &so));
	must(inp_sock_setopt(so, INP_SOL_SOCKET, INP_SO_REUSEPORT, &one,
	                     sizeof(one), NULL));
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		must(inp_sock_setopt(so, INP_IPPROTO_IP, opts[i], &one,
		                     sizeof(one), NULL));
	must(inp_sock_bind(so, (struct sockaddr *)&ss, sa_len(&ss), NULL));
	if (peer != NULL) {
		ss = sa(peer, 53);
		must(inp_sock_connect(so, (struct sockaddr *)&ss, sa_len(&ss),
		                      NULL));
	}
	return so;
}

static void memberships(struct world *w)
{
	struct ip_mreq m4;
	struct ipv6_mreq m6;

	inet_pton(AF_INET, "239.1.1.1", &m4.imr_multiaddr);
	inet_pton(AF_INET, "192.0.2.10", &m4.imr_interface);
	must(inp_sock_setopt(w->so[4], INP_IPPROTO_IP, INP_IP_ADD_MEMBERSHIP,
	                     &m4, sizeof(m4), NULL));
	inet_pton(AF_INET6, "ff02::fb", &m6.ipv6mr_multiaddr);
	m6.ipv6mr_interface = inp_if_index(w->em0);
	must(inp_sock_setopt(w->so[5], INP_IPPROTO_IPV6, INP_IPV6_JOIN_GROUP,
	                     &m6, sizeof(m6), NULL));
}

static void world_build(struct world *w)
{
	struct inp_host_ops ops = { w_now, w_random, w };

	must(inp_host_create(&ops, NULL, &w->host));
	must(inp_vnet_create(w->host, "fuzz", &w->vnet));
	w->lo0 = inp_if_find(w->vnet, "lo0");
	must(inp_if_create(w->vnet, "em0", &w->em0));
	must(inp_if_create(w->vnet, "em1", &w->em1));
	addr(w->em0, "192.0.2.10", 24);
	addr(w->em0, "2001:db8::10", 64);
	addr(w->em0, "fe80::10", 64);
	addr(w->em1, "203.0.113.5", 24);
	route_default(w, "0.0.0.0", "192.0.2.1");
	route_default(w, "::", "2001:db8::1");
	must(inp_loop_open(16, &w->drv, &w->drv_ctx));
	must(inp_if_attach_driver(w->em0, w->drv, w->drv_ctx));
	w->so[0] = sock(w, AF_INET, "0.0.0.0", 53, NULL);
	w->so[1] = sock(w, AF_INET6, "::", 53, NULL);
	w->so[2] = sock(w, AF_INET, "192.0.2.10", 5000, "198.51.100.1");
	w->so[3] = sock(w, AF_INET6, "2001:db8::10", 5001, "2001:db8::77");
	w->so[4] = sock(w, AF_INET, "0.0.0.0", 5353, NULL);
	w->so[5] = sock(w, AF_INET6, "::", 5353, NULL);
	memberships(w);
}

/* Empty every queue (the datagrams, and each pending error). */
static void drain(struct world *w)
{
	static uint8_t buf[256];
	struct inp_rcvinfo ri;
	int i;

	for (i = 0; i < NSOCK; i++)
		while (inp_sock_recv(w->so[i], &ri, buf, sizeof(buf)) !=
		       -EAGAIN)
			;
}

/* The ledgers of ip.h; abort() on a packet that went uncounted. */
static void ledgers(struct world *w)
{
	struct inp_ipstat s;
	struct inp_udpstat u;
	uint64_t udp_out;

	must(inp_ip_stats(w->vnet, &s));
	must(inp_udp_stats(w->vnet, &u));
	udp_out = u.udps_hdrops + u.udps_dport0 + u.udps_badlen +
	          u.udps_badsum + u.udps_delivered + u.udps_noport +
	          u.udps_minttl + u.udps_macdrop + u.udps_fullsock;
	if (s.ips_total + s.ips_reassembled !=
	    s.ips_toosmall + s.ips_tooshort + s.ips_badvers + s.ips_badhlen +
	    s.ips_badlen + s.ips_badsum + s.ips_badaddr + s.ip6s_badscope +
	    s.ip6s_badoptions + s.ip6s_toomanyhdr + s.ips_cantforward +
	    s.ips_fragments + s.ips_noproto + s.ips_delivered)
		abort();
	if (s.ips_fragments < s.ips_fragdropped + s.ips_fragtimeout +
	                      ip_reass_pending(w->vnet))
		abort();
	if (u.udps_ipackets != udp_out ||
	    s.ips_delivered != u.udps_ipackets + s.icps_tooshort +
	                       s.icps_checksum + s.icps_badlen +
	                       s.icps_badcode + s.icps_inhist_unreach +
	                       s.icps_inhist_other)
		abort();
	if (s.ips_localout != s.ips_otransmitted + s.ips_oloopback +
	                      s.ips_noroute + s.ips_odropped)
		abort();
	if (u.udps_noport - u.udps_noportbcast - u.udps_noportmcast -
	    s.icps_ratelimited !=
	    s.icps_error + s.icps_oldicmp + s.icps_badaddr)
		abort();
}

/* Back to the state world_build() left: see the header comment. */
static void world_reset(struct world *w)
{
	static uint8_t buf[65536];

	(void)inp_if_poll(w->em0, 16);
	drain(w);
	/* What the poll made the stack send: read and forgotten. */
	while (w->drv->input(w->drv_ctx, buf, sizeof(buf)) > 0)
		;
	w->now += 61 * SEC;
	must(inp_host_run_timers(w->host));
}

/* One record: control byte, then the packet. */
static void feed(struct world *w, uint8_t ctl, const uint8_t *pkt, size_t len)
{
	struct inp_ifnet *ifs[4] = { w->em0, w->em1, w->lo0, w->em0 };

	if (ctl & 0x10) {
		w->now += 31 * SEC;
		must(inp_host_run_timers(w->host));
	}
	must(inp_ip_input(w->vnet, ifs[(ctl >> 2) & 3], pkt, len, ctl & 0x03));
	if (ctl & 0x20)
		(void)inp_if_poll(w->em0, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world w;      /* the harness's state, built once */
	size_t off = 0, len;
	unsigned n = 0;
	uint8_t ctl;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (w.host == NULL)
		world_build(&w);
	while (off < size && n++ < FUZZ_MAX_PACKETS) {
		ctl = data[off++];
		len = off + 2 <= size ? ((size_t)data[off] << 8) | data[off + 1]
		                      : 0;
		off = off + 2 <= size ? off + 2 : size;
		if (len > size - off)
			len = size - off;
		feed(&w, ctl, data + off, len);
		off += len;
	}
	world_reset(&w);
	ledgers(&w);
	return 0;
}
