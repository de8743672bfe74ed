/*
 * udp_echo.c - a UDP echo service on inpcb over packet I/O of its own.
 *
 * This is the program docs/embedding.md walks through.  It plays both
 * sides of a wire that exists only in memory:
 *
 *   - the "NIC": a driver (struct inp_driver_ops) over two rings of
 *     packets, rx (wire -> stack) and tx (stack -> wire);
 *   - the "peer": hand-built IPv4/UDP packets from 192.0.2.1 put on the
 *     rx ring, and the packets the stack sends checked on the tx ring.
 *
 * The stack (vnet "default", interface em0 with 192.0.2.2/24) runs an
 * echo socket on port 7 that asks for ancillary data.  The program sends
 * three datagrams to port 7 and one to port 9 (nobody listens there),
 * then checks that exactly three echoes and one ICMP port unreachable
 * came out of its driver and that the statistics agree.  Exit status 0
 * on success, 1 otherwise.
 *
 * Build it in the tree (target example_udp_echo, ctest examples/udp_echo)
 * or against an installed library:
 *   cc -o udp_echo udp_echo.c $(pkg-config --cflags --libs inpcb)
 */
#include <inpcb/inpcb.h>

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* What a failed check returns: below every negative errno value. */
#define CHECKS_FAILED (-4096)

/* ---- the wire: two rings of packets, and the driver over them --------- */

#define RING_SLOTS 16
#define PKT_MAX 2048

struct ring {
	unsigned head, count;
	size_t len[RING_SLOTS];
	uint8_t data[RING_SLOTS][PKT_MAX];
};

struct wire {
	pthread_mutex_t lock; /* output may be called from any sending thread */
	struct ring rx;       /* filled by the peer, read by the stack */
	struct ring tx;       /* filled by the stack, read by the peer */
};

static int ring_put(struct ring *r, const void *pkt, size_t len)
{
	unsigned slot = (r->head + r->count) % RING_SLOTS;

	if (len > PKT_MAX)
		return -EMSGSIZE;
	if (r->count == RING_SLOTS)
		return -ENOBUFS; /* the stack counts it in ips_odropped */
	memcpy(r->data[slot], pkt, len);
	r->len[slot] = len;
	r->count++;
	return 0;
}

/* The oldest packet's length (copied up to cap bytes), 0 when empty. */
static long ring_get(struct ring *r, void *buf, size_t cap)
{
	size_t len;

	if (r->count == 0)
		return 0;
	len = r->len[r->head];
	memcpy(buf, r->data[r->head], len < cap ? len : cap);
	r->head = (r->head + 1) % RING_SLOTS;
	r->count--;
	return (long)len;
}

/* driver.h: transmit one IP packet; called by whatever thread sends. */
static int wire_output(void *ctx, const void *pkt, size_t len)
{
	struct wire *w = ctx;
	int rc;

	pthread_mutex_lock(&w->lock);
	rc = ring_put(&w->tx, pkt, len);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

/* driver.h: one received packet, 0 when none waits; never blocks. */
static long wire_input(void *ctx, void *buf, size_t cap)
{
	struct wire *w = ctx;
	long n;

	pthread_mutex_lock(&w->lock);
	n = ring_get(&w->rx, buf, cap);
	pthread_mutex_unlock(&w->lock);
	return n;
}

/* driver.h: called by inp_if_detach_driver() or inp_vnet_destroy(). */
static void wire_close(void *ctx)
{
	struct wire *w = ctx;

	pthread_mutex_destroy(&w->lock);
}

static const struct inp_driver_ops wire_ops = {
	.name = "wire",
	.output = wire_output,
	.input = wire_input,
	.poll_fd = NULL,     /* nothing to poll(2): the loop polls the rings */
	.close = wire_close,
	.input_flags = NULL, /* no link-layer broadcasts on this wire */
};

/* ---- the peer: building and reading IPv4/UDP packets ------------------- */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* RFC 1071 one's complement sum, folded; seed carries a partial sum. */
static unsigned cksum(const uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t sum = seed;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* The sum of the UDP pseudo header: addresses, protocol, length. */
static uint32_t pseudo_sum(const uint8_t *ip, size_t udplen)
{
	uint32_t sum = IPPROTO_UDP + (uint32_t)udplen;
	int i;

	for (i = 12; i < 20; i += 2)
		sum += get16(ip + i);
	return sum;
}

/* The UDP checksum to store; 0 would mean "no checksum": 0xffff then. */
static unsigned udp_cksum(const uint8_t *ip, const uint8_t *udp, size_t len)
{
	unsigned c = cksum(udp, len, pseudo_sum(ip, len));

	return c == 0 ? 0xffff : c;
}

/* An IPv4/UDP packet from src:sport to dst:dport; returns its length. */
static size_t build_udp4(uint8_t *pkt, const char *src, unsigned sport,
                         const char *dst, unsigned dport, uint8_t tos,
                         const void *payload, size_t len)
{
	uint8_t *udp = pkt + 20;

	memset(pkt, 0, 28);
	pkt[0] = 0x45;                 /* version 4, header 5 words */
	pkt[1] = tos;
	put16(pkt + 2, (unsigned)(28 + len));
	pkt[8] = 64;                   /* TTL */
	pkt[9] = IPPROTO_UDP;
	inet_pton(AF_INET, src, pkt + 12);
	inet_pton(AF_INET, dst, pkt + 16);
	put16(pkt + 10, cksum(pkt, 20, 0));
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (unsigned)(8 + len));
	memcpy(udp + 8, payload, len);
	put16(udp + 6, udp_cksum(pkt, udp, 8 + len));
	return 28 + len;
}

/* The peer sends a datagram: it waits on the rx ring for the stack. */
static int peer_send(struct wire *w, unsigned sport, unsigned dport,
                     uint8_t tos, const char *text)
{
	uint8_t pkt[PKT_MAX];
	size_t len = build_udp4(pkt, "192.0.2.1", sport, "192.0.2.2", dport,
	                        tos, text, strlen(text));
	int rc;

	pthread_mutex_lock(&w->lock);
	rc = ring_put(&w->rx, pkt, len);
	pthread_mutex_unlock(&w->lock);
	return rc;
}

/*
 * What the peer received, packet by packet: echoes must come from
 * 192.0.2.2:7 to the port that sent `expect[port - 40000]`, with valid
 * checksums; ICMP errors are counted.
 */
struct peer_seen {
	unsigned echoes, unreachables, bad;
};

static void peer_check_udp(const uint8_t *pkt, size_t len,
                           const char *const *expect, unsigned nexpect,
                           struct peer_seen *seen)
{
	const uint8_t *udp = pkt + 20;
	unsigned i;
	size_t plen;
	uint8_t me[4];

	inet_pton(AF_INET, "192.0.2.2", me);
	if (len < 28 || get16(udp + 4) != len - 20 ||
	    cksum(udp, len - 20, pseudo_sum(pkt, len - 20)) != 0 ||
	    memcmp(pkt + 12, me, 4) != 0 || get16(udp) != 7) {
		seen->bad++;
		return;
	}
	i = get16(udp + 2) - 40000; /* which datagram this answers */
	plen = len - 28;
	if (i >= nexpect || strlen(expect[i]) != plen ||
	    memcmp(udp + 8, expect[i], plen) != 0) {
		seen->bad++;
		return;
	}
	seen->echoes++;
}

static void peer_receive(struct wire *w, const char *const *expect,
                         unsigned nexpect, struct peer_seen *seen)
{
	uint8_t pkt[PKT_MAX];
	long n;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		n = ring_get(&w->tx, pkt, sizeof(pkt));
		pthread_mutex_unlock(&w->lock);
		if (n <= 0)
			break;
		if (n < 20 || pkt[0] != 0x45 || cksum(pkt, 20, 0) != 0)
			seen->bad++;
		else if (pkt[9] == IPPROTO_UDP)
			peer_check_udp(pkt, (size_t)n, expect, nexpect, seen);
		else if (pkt[9] == IPPROTO_ICMP && n >= 28 && pkt[20] == 3 &&
		         pkt[21] == 3)
			seen->unreachables++; /* destination/port unreachable */
		else
			seen->bad++;
	}
}

/* ---- the host's clock and random source, injected ---------------------- */

/*
 * A settable clock and a seeded generator make every run the same.  This
 * program has one thread; a multi-threaded one must make both
 * thread-safe (host.h).
 */
struct sim {
	uint64_t now_ns;
	uint32_t rnd;
};

static uint64_t sim_now(void *ctx)
{
	return ((struct sim *)ctx)->now_ns;
}

static uint32_t sim_random(void *ctx)
{
	struct sim *s = ctx;

	s->rnd ^= s->rnd << 13; /* xorshift32 */
	s->rnd ^= s->rnd >> 17;
	s->rnd ^= s->rnd << 5;
	return s->rnd;
}

/* ---- the stack ---------------------------------------------------------- */

static struct sockaddr_in sin4(const char *addr, unsigned port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	                           .sin_port = htons((uint16_t)port) };

	inet_pton(AF_INET, addr, &sin.sin_addr);
	return sin;
}

/* em0 with 192.0.2.2/24 (its connected route comes with the address),
 * a default route via the peer, and the wire as its driver. */
static int setup_interface(struct inp_vnet *vnet, struct wire *w,
                           struct inp_ifnet **em0)
{
	struct sockaddr_in me = sin4("192.0.2.2", 0);
	struct sockaddr_in any = sin4("0.0.0.0", 0);
	struct sockaddr_in gw = sin4("192.0.2.1", 0);
	int rc;

	if ((rc = inp_if_create(vnet, "em0", em0)) < 0 ||
	    (rc = inp_if_addr_add(*em0, (struct sockaddr *)&me, 24, NULL)) < 0 ||
	    (rc = inp_route_add(vnet, (struct sockaddr *)&any, 0,
	                        (struct sockaddr *)&gw, NULL)) < 0)
		return rc;
	return inp_if_attach_driver(*em0, &wire_ops, w);
}

/* The echo socket: port 7 on every address, with ancillary data. */
static int open_echo(struct inp_vnet *vnet, struct inp_sock **out)
{
	static const int opts[] = { INP_IP_RECVDSTADDR, INP_IP_RECVTTL,
	                            INP_IP_RECVTOS };
	struct sockaddr_in addr = sin4("0.0.0.0", 7);
	int one = 1, rc;
	unsigned i;

	if ((rc = inp_sock_open(vnet, AF_INET, INP_PROTO_UDP, NULL, out)) < 0)
		return rc;
	inp_sock_set_label(*out, "echo"); /* names it in explanations */
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if ((rc = inp_sock_setopt(*out, INP_IPPROTO_IP, opts[i], &one,
		                          sizeof(one), NULL)) < 0)
			return rc;
	return inp_sock_bind(*out, (struct sockaddr *)&addr, sizeof(addr),
	                     NULL);
}

/* A second socket on port 7 fails: explain mode says which rule and why. */
static int show_explain(struct inp_vnet *vnet)
{
	struct sockaddr_in addr = sin4("192.0.2.2", 7);
	struct inp_explain why;
	struct inp_sock *so;
	int rc;

	if ((rc = inp_sock_open(vnet, AF_INET, INP_PROTO_UDP, NULL, &so)) < 0)
		return rc;
	rc = inp_sock_bind(so, (struct sockaddr *)&addr, sizeof(addr), &why);
	printf("second bind to port 7: %s, rule %s: %s\n",
	       inp_errno_name(-rc), why.rule, why.reason);
	inp_sock_close(so);
	return rc == -EADDRINUSE ? 0 : CHECKS_FAILED;
}

/* Echo every queued datagram back to its sender; returns how many. */
static long serve_echo(struct inp_sock *so)
{
	struct inp_rcvinfo info;
	char buf[1500], dst[INET_ADDRSTRLEN] = "?";
	long n, served = 0, sent;

	while ((n = inp_sock_recv(so, &info, buf, sizeof(buf))) >= 0) {
		struct sockaddr_in *from = (struct sockaddr_in *)&info.src;
		struct sockaddr_in *to = (struct sockaddr_in *)&info.dst;

		if (info.have & INP_RCV_DSTADDR)
			inet_ntop(AF_INET, &to->sin_addr, dst, sizeof(dst));
		printf("echo: %ld bytes from port %u to %s, ttl %u, tos 0x%02x\n",
		       n, ntohs(from->sin_port), dst, info.ttl, info.tos);
		sent = inp_sock_sendto(so, buf, (size_t)n,
		                       (struct sockaddr *)from, sizeof(*from));
		if (sent < 0)
			return sent;
		served++;
	}
	return n == -EAGAIN ? served : n; /* -EAGAIN: the queue is empty */
}

/* ---- the program: configure, run the loop, check, tear down ------------- */

static const char *const texts[] = { "hello", "from the", "wire" };
#define NTEXTS 3u

/* One turn of an application's loop: receive, serve, run the timers. */
static int run_loop_once(struct inp_host *host, struct inp_ifnet *em0,
                         struct inp_sock *echo)
{
	long n = inp_if_poll(em0, 32); /* each packet -> inp_ip_input() */

	if (n < 0)
		return (int)n;
	printf("polled %ld packets\n", n);
	if ((n = serve_echo(echo)) < 0)
		return (int)n;
	return inp_host_run_timers(host);
}

static int check_stats(struct inp_vnet *vnet, const struct peer_seen *seen)
{
	struct inp_udpstat us;
	struct inp_ipstat is;

	if (inp_udp_stats(vnet, &us) < 0 || inp_ip_stats(vnet, &is) < 0)
		return CHECKS_FAILED;
	printf("udp: %llu received, %llu delivered, %llu to no port, "
	       "%llu sent; ip: %llu handed to the driver\n",
	       (unsigned long long)us.udps_ipackets,
	       (unsigned long long)us.udps_delivered,
	       (unsigned long long)us.udps_noport,
	       (unsigned long long)us.udps_opackets,
	       (unsigned long long)is.ips_otransmitted);
	printf("peer: %u echoes, %u port unreachables, %u bad packets\n",
	       seen->echoes, seen->unreachables, seen->bad);
	return us.udps_ipackets == NTEXTS + 1 && us.udps_delivered == NTEXTS &&
	       us.udps_noport == 1 && us.udps_opackets == NTEXTS &&
	       is.ips_otransmitted == NTEXTS + 1 && seen->echoes == NTEXTS &&
	       seen->unreachables == 1 && seen->bad == 0 ? 0 : CHECKS_FAILED;
}

/* Everything between the host's creation and its destruction. */
static int run(struct inp_host *host, struct sim *sim, struct wire *w)
{
	struct inp_vnet *vnet;
	struct inp_ifnet *em0;
	struct inp_sock *echo = NULL;
	struct peer_seen seen = { 0, 0, 0 };
	unsigned i;
	int rc;

	if ((rc = inp_vnet_create(host, "default", &vnet)) < 0)
		return rc;
	if ((rc = setup_interface(vnet, w, &em0)) < 0 ||
	    (rc = open_echo(vnet, &echo)) < 0 || (rc = show_explain(vnet)) < 0)
		goto out;
	for (i = 0; i < NTEXTS; i++)
		peer_send(w, 40000 + i, 7, (uint8_t)(i << 5), texts[i]);
	peer_send(w, 40009, 9, 0, "anyone?");  /* no socket: ICMP unreachable */
	sim->now_ns += 1000000000ull;           /* a second passes */
	if ((rc = run_loop_once(host, em0, echo)) < 0)
		goto out;
	peer_receive(w, texts, NTEXTS, &seen);
	rc = check_stats(vnet, &seen);
out:
	if (echo)
		inp_sock_close(echo);
	/* Destroys em0 too, which detaches the driver: wire_close(). */
	if (inp_vnet_destroy(vnet) < 0)
		rc = CHECKS_FAILED; /* a socket or PCB was left behind */
	return rc;
}

int main(void)
{
	static struct wire w; /* large: not on the stack */
	struct sim sim = { 0, 0x2545f491 };
	struct inp_host_ops ops = { sim_now, sim_random, &sim };
	struct inp_host *host;
	int rc;

	pthread_mutex_init(&w.lock, NULL);
	inp_thread_register(); /* this thread looks PCBs up (thread.h) */
	if ((rc = inp_host_create(&ops, NULL, &host)) == 0) {
		rc = run(host, &sim, &w);
		if (inp_host_destroy(host) < 0)
			rc = CHECKS_FAILED;
	}
	inp_thread_unregister();
	if (rc == CHECKS_FAILED)
		fprintf(stderr, "udp_echo: the checks failed\n");
	else if (rc < 0)
		fprintf(stderr, "udp_echo: failed: error %d\n", -rc);
	else
		printf("udp_echo: ok\n");
	return rc < 0 ? 1 : 0;
}
