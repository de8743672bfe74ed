/*
 * delivery.c - workload "delivery" (issue 4): UDP datagrams parsed,
 * demultiplexed and queued from memory, the receive side of a userspace
 * stack without its driver.  Library only: nothing else in the process
 * does the same, so the rows are absolute and the targets compare the
 * per-core rate with the goal (report.c).
 *
 * Rows (mode):
 *  - unicast, size N: N UDP sockets bound to distinct endpoints (the 8
 *    local addresses x ports from 10000 up); every datagram is for one of
 *    them (an exact lookup that misses, then the bound socket, UD-2).
 *    Sizes: --size when given, else 1k and 100k (--quick: 1k).
 *  - mcast8, size 8: 8 sockets with SO_REUSEPORT on 0.0.0.0:5000 joined
 *    to 239.1.0.1 on em0; every datagram is queued on all 8 (UD-5..UD-7).
 *    The rate is datagrams; the note gives deliveries (8 per datagram).
 *
 * Packets: complete IPv4 + UDP datagrams with 64-byte payloads and valid
 * checksums (no INP_PKT_CSUM_OK: the library verifies both), built before
 * the run into one ring per thread of 128-byte slots, each destination of
 * the thread the same number of times, in a seeded shuffled order, from
 * seeded random sources.  They are fed as they lie in the ring to
 * inp_ip_input(vnet, em0, ...): the only copy is the library's own, of
 * the payload into the receive queue.
 *
 * A step feeds a batch of 1024 datagrams, timed as one block in the
 * thread's CPU time: the rate is datagrams per second of a core's time
 * spent feeding (the machine is shared; the wall clock would count the
 * time the thread waited for its CPU).  Then, untimed but timed apart (the
 * note gives ns per datagram received), the batch before it is taken back
 * with inp_sock_recv(), each datagram from the socket(s) it was meant for,
 * and must carry its place in the ring in its first payload bytes.  Every
 * socket has SO_RCVBUF 256 KiB, room for two whole batches (2048 x 80
 * bytes of queue cost), so the queues never fill, and a datagram queued
 * on the wrong socket, twice or not at all fails the run.  After the run
 * inp_udp_stats() and inp_ip_stats() must count every datagram fed as
 * delivered, or the row FAILS.
 *
 * T threads: each feeds its own ring.  Unicast: thread t's destinations
 * are its own slice of the sockets (RSS gives a flow to one core); the
 * PCB table is shared.  mcast8: thread t has its own group 239.1.0.(t+1)
 * and port 5000 + t with 8 sockets, in one vnet, so that it drains only
 * what it fed; a fan-out walks every UDP PCB of the table (UD-5), 8 x T.
 */
#include "bench.h"

#include <inpcb/inpcb.h>
#if INPCB_BENCH_HAVE_THREAD
#include <inpcb/thread.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DLV_PAYLOAD  64
#define DLV_PKTLEN   (20 + 8 + DLV_PAYLOAD)
#define DLV_SLOT     128          /* bytes per packet in a ring */
#define DLV_BATCH    1024         /* datagrams fed per timed block */
#define DLV_MIN_RING 4096         /* packets per ring at least */
#define DLV_RCVBUF   (256 << 10)  /* SO_RCVBUF: two batches on one socket */
#define DLV_PORT0    10000        /* unicast: ports from here up */
#define DLV_MPORT0   5000         /* mcast8: thread t's port is this + t */
#define DLV_GROUP0   0xEF010001u  /* 239.1.0.1, host order: thread 0's */
#define DLV_FANOUT   8
#define DLV_MAX_SOCKS ((size_t)BENCH_NLADDR * (65536 - DLV_PORT0))
#define DLV_TRIM     (256u << 20) /* M_TRIM_THRESHOLD while measuring */
#define GLIBC_TRIM   (128u << 10) /* its default */

static const size_t default_sizes[] = { 1000, 100000 };

/* The batch being drained is never the one being fed. */
_Static_assert(DLV_MIN_RING >= 2 * DLV_BATCH, "ring shorter than 2 batches");
/* Two batches, each datagram costing its payload and a sockaddr_in. */
_Static_assert(2 * DLV_BATCH * (DLV_PAYLOAD + 16) <= DLV_RCVBUF,
               "SO_RCVBUF too small for two batches");

/* One thread's packets and what became of them. */
struct dlv_ring {
	_Alignas(64) uint8_t *pkts;     /* len slots of DLV_SLOT bytes */
	uint32_t *dst;                  /* unicast: socket of each packet */
	size_t len, pos;
	uint64_t fed, received, wrong, drain_ns, input_errors;
	long last_wrong;                /* what inp_sock_recv returned */
};

struct dlv_wl {
	struct bench_ctx *cx;
	bool mcast;
	size_t n;                       /* unicast: sockets; mcast: 8 */
	struct inp_host *host;
	struct inp_vnet *vnet;
	struct inp_ifnet *em0;
	struct inp_sock **socks;
	size_t nsocks;
	unsigned threads;               /* what the rings are built for */
	struct inp_udpstat udp0;
	struct inp_ipstat ip0;
	double runs[BENCH_MAX_REPEAT];  /* datagrams/s of the group's runs */
	unsigned nruns;
	uint64_t drain_ns, drained;     /* the group's, for the note */
	struct dlv_ring ring[BENCH_MAX_THREADS];
};

/* ---- packets ----------------------------------------------------------- */

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* RFC 1071 over an even number of bytes. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	return s;
}

static unsigned fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/*
 * An IPv4 + UDP datagram with valid checksums from src:sport to
 * dst:dport (network order), its payload starting with tag.
 */
static void dlv_packet(uint8_t *p, uint32_t src, uint16_t sport,
                       uint32_t dst, uint16_t dport, uint32_t tag)
{
	uint8_t *u = p + 20, *data = p + 28;
	unsigned c, i;

	memset(p, 0, DLV_PKTLEN);
	p[0] = 0x45;
	put16(p + 2, DLV_PKTLEN);
	put16(p + 4, tag & 0xffff);             /* IP id */
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	put16(p + 10, fold(sum16(0, p, 20)));
	memcpy(u, &sport, 2);
	memcpy(u + 2, &dport, 2);
	put16(u + 4, 8 + DLV_PAYLOAD);
	put32(data, tag);
	for (i = 4; i < DLV_PAYLOAD; i++)
		data[i] = (uint8_t)('a' + (tag + i) % 26);
	c = fold(sum16(sum16(0, p + 12, 8) + IPPROTO_UDP + 8 + DLV_PAYLOAD,
	               u, 8 + DLV_PAYLOAD));
	put16(u + 6, c ? c : 0xffff);
}

/* A seeded sender: 198.51.100.0/24 or 203.0.113.0/24, ports 1024 up. */
static void dlv_source(uint64_t *rng, uint32_t *addr, uint16_t *port)
{
	uint64_t x = bench_rand(rng);
	uint32_t net = (x & 1) ? 0xC6336400u : 0xCB007100u;

	*addr = htonl(net | (uint32_t)(1 + (x >> 8) % 254));
	*port = htons((uint16_t)(1024 + (x >> 32) % 64512));
}

/* Unicast socket i's endpoint: address i % 8, port 10000 + i / 8. */
static void dlv_endpoint(size_t i, uint32_t *addr, uint16_t *port)
{
	*addr = bench_laddr((unsigned)(i % BENCH_NLADDR));
	*port = htons((uint16_t)(DLV_PORT0 + i / BENCH_NLADDR));
}

static void ring_free(struct dlv_ring *r)
{
	free(r->pkts);
	free(r->dst);
	memset(r, 0, sizeof(*r));
}

/*
 * Thread t's ring.  Unicast: its slice [lo, hi) of the sockets, each the
 * same number of times, shuffled; mcast8: DLV_MIN_RING datagrams to its
 * group.
 */
static int ring_build(struct dlv_wl *w, unsigned t, unsigned threads)
{
	struct dlv_ring *r = &w->ring[t];
	size_t lo = w->n * t / threads, k = w->n * (t + 1) / threads - lo;
	uint64_t rng = w->cx->seed * 0x100000001B3ull + t;
	uint32_t *order, addr, src;
	uint16_t port, sport;
	size_t j;

	if (w->mcast)
		k = 1;
	r->len = (DLV_MIN_RING + k - 1) / k * k;
	r->pkts = aligned_alloc(64, r->len * DLV_SLOT);
	r->dst = calloc(r->len, sizeof(*r->dst));
	order = bench_shuffled(r->len, rng);
	if (r->pkts == NULL || r->dst == NULL || order == NULL) {
		free(order);
		return -ENOMEM;
	}
	for (j = 0; j < r->len; j++) {
		if (w->mcast) {
			addr = htonl(DLV_GROUP0 + t);
			port = htons((uint16_t)(DLV_MPORT0 + t));
		} else {
			r->dst[j] = (uint32_t)(lo + order[j] % k);
			dlv_endpoint(r->dst[j], &addr, &port);
		}
		dlv_source(&rng, &src, &sport);
		dlv_packet(r->pkts + j * DLV_SLOT, src, sport, addr, port,
		           (uint32_t)j);
	}
	free(order);
	return 0;
}

/* ---- the world --------------------------------------------------------- */

static void world_free(struct dlv_wl *w)
{
	size_t i;

	for (i = 0; i < w->nsocks; i++)
		if (w->socks[i] != NULL)
			inp_sock_close(w->socks[i]);
	if (w->vnet != NULL)
		inp_vnet_destroy(w->vnet);
	if (w->host != NULL)
		inp_host_destroy(w->host);
	free(w->socks);
	w->socks = NULL;
	w->nsocks = 0;
	w->vnet = NULL;
	w->host = NULL;
}

/*
 * Host, vnet, em0 with 192.0.2.1/24 and 192.0.2.2-8/32, room for n.  The
 * host's default random source is fine: nothing measured draws from it
 * (explicit ports, no ICMP).
 */
static int world_new(struct dlv_wl *w, size_t n)
{
	struct inp_limits lim = { .max_pcbs = (unsigned)n + 64 };
	struct sockaddr_in a;
	unsigned i;
	int rc;

	w->socks = calloc(n ? n : 1, sizeof(*w->socks));
	w->nsocks = n;
	rc = w->socks != NULL ? inp_host_create(NULL, &lim, &w->host)
	                      : -ENOMEM;
	if (rc == 0)
		rc = inp_vnet_create(w->host, "delivery", &w->vnet);
	if (rc == 0)
		rc = inp_if_create(w->vnet, "em0", &w->em0);
	for (i = 0; rc == 0 && i < BENCH_NLADDR; i++) {
		a = bench_sin(bench_laddr(i), 0);
		rc = inp_if_addr_add(w->em0, (struct sockaddr *)&a,
		                     i == 0 ? 24 : 32, NULL);
	}
	return rc;
}

static int sock_new(struct dlv_wl *w, size_t i, uint32_t addr,
                    uint16_t port, bool reuse)
{
	struct sockaddr_in a = bench_sin(addr, port);
	int one = 1, rcvbuf = DLV_RCVBUF, rc;

	rc = inp_sock_open(w->vnet, AF_INET, INP_PROTO_UDP, NULL,
	                   &w->socks[i]);
	if (rc == 0)
		rc = inp_sock_setopt(w->socks[i], INP_SOL_SOCKET,
		                     INP_SO_RCVBUF, &rcvbuf, sizeof(rcvbuf),
		                     NULL);
	if (rc == 0 && reuse)
		rc = inp_sock_setopt(w->socks[i], INP_SOL_SOCKET,
		                     INP_SO_REUSEPORT, &one, sizeof(one), NULL);
	if (rc == 0)
		rc = inp_sock_bind(w->socks[i], (struct sockaddr *)&a,
		                   sizeof(a), NULL);
	return rc;
}

/* Unicast: socket i bound to its own endpoint. */
static int world_unicast(struct dlv_wl *w)
{
	uint32_t addr;
	uint16_t port;
	size_t i;
	int rc = world_new(w, w->n);

	for (i = 0; rc == 0 && i < w->n; i++) {
		dlv_endpoint(i, &addr, &port);
		rc = sock_new(w, i, addr, port, false);
	}
	return rc;
}

/* mcast8: thread t's 8 sockets on port 5000 + t, members of its group. */
static int world_mcast(struct dlv_wl *w, unsigned threads)
{
	struct ip_mreq mreq;
	size_t i;
	unsigned t;
	int rc = world_new(w, (size_t)DLV_FANOUT * threads);

	memset(&mreq, 0, sizeof(mreq));
	mreq.imr_interface.s_addr = bench_laddr(0);
	for (i = 0; rc == 0 && i < w->nsocks; i++) {
		t = (unsigned)(i / DLV_FANOUT);
		rc = sock_new(w, i, 0, htons((uint16_t)(DLV_MPORT0 + t)), true);
		mreq.imr_multiaddr.s_addr = htonl(DLV_GROUP0 + t);
		if (rc == 0)
			rc = inp_sock_setopt(w->socks[i], INP_IPPROTO_IP,
			                     INP_IP_ADD_MEMBERSHIP, &mreq,
			                     sizeof(mreq), NULL);
	}
	return rc;
}

/* ---- measuring ----------------------------------------------------------- */

/* Take one datagram from so: it must be ring slot j's. */
static void dlv_take(struct dlv_ring *r, struct inp_sock *so, size_t j)
{
	struct inp_rcvinfo ri;
	uint8_t buf[DLV_PAYLOAD];
	long n = inp_sock_recv(so, &ri, buf, sizeof(buf));

	if (n == DLV_PAYLOAD && get32(buf) == (uint32_t)j) {
		r->received++;
		return;
	}
	r->wrong++;
	r->last_wrong = n;
}

/* Take back the batch that began at slot first, oldest first. */
static void dlv_drain(struct dlv_wl *w, struct dlv_ring *r, unsigned tid,
                      size_t first)
{
	size_t i, j = first, k;

	for (i = 0; i < DLV_BATCH; i++) {
		if (w->mcast)
			for (k = 0; k < DLV_FANOUT; k++)
				dlv_take(r, w->socks[tid * DLV_FANOUT + k], j);
		else
			dlv_take(r, w->socks[r->dst[j]], j);
		if (++j == r->len)
			j = 0;
	}
}

/*
 * The calling thread's CPU time: the time a core spent on the batch.  On
 * a machine shared with other work the wall clock would also count the
 * time the thread waited for its CPU.  It is a system call (about 2 us on
 * this VM): about 2 ns per datagram of a 1024-datagram batch.
 */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Feed a batch (timed), then take back the one before it (untimed): the
 * application stays one batch behind, so the queues never empty and the
 * allocator reaches a steady state.  Draining every batch at once would
 * free the whole heap top each time and measure glibc giving it back to
 * the kernel and faulting it in again (a third of the samples of the
 * first profile).
 */
static uint64_t dlv_step(void *arg, unsigned tid, uint64_t *busy_ns)
{
	struct dlv_wl *w = arg;
	struct dlv_ring *r = &w->ring[tid];
	size_t i, j = r->pos;
	uint64_t t0, t1, t2;

	t0 = thread_cpu_ns();
	for (i = 0; i < DLV_BATCH; i++) {
		if (inp_ip_input(w->vnet, w->em0, r->pkts + j * DLV_SLOT,
		                 DLV_PKTLEN, 0) != 0)
			r->input_errors++;
		if (++j == r->len)
			j = 0;
	}
	t1 = thread_cpu_ns();
	if (r->fed > 0)
		dlv_drain(w, r, tid, (r->pos + r->len - DLV_BATCH) % r->len);
	t2 = thread_cpu_ns();
	r->pos = j;
	r->fed += DLV_BATCH;
	*busy_ns += t1 - t0;
	r->drain_ns += t2 - t1;
#if INPCB_BENCH_HAVE_QUIESCENT
	inp_thread_quiescent();
#endif
	return DLV_BATCH;
}

/* Every measuring thread delivers, so it looks up: register (thread.h). */
static void dlv_enter(void *arg, unsigned tid)
{
	(void)arg;
	(void)tid;
#if INPCB_BENCH_HAVE_THREAD
	(void)inp_thread_register();
#endif
}

/* The last batch is still queued: take it back too. */
static void dlv_leave(void *arg, unsigned tid)
{
	struct dlv_wl *w = arg;
	struct dlv_ring *r = &w->ring[tid];
	uint64_t t0 = thread_cpu_ns();

	if (r->fed > 0)
		dlv_drain(w, r, tid, (r->pos + r->len - DLV_BATCH) % r->len);
	r->drain_ns += thread_cpu_ns() - t0;
#if INPCB_BENCH_HAVE_THREAD
	(void)inp_thread_unregister();
#endif
}

/* Rings (and the mcast8 sockets) for this thread count. */
static int dlv_prepare(struct dlv_wl *w, unsigned threads)
{
	unsigned t;
	int rc = 0;

	for (t = 0; t < BENCH_MAX_THREADS; t++)
		ring_free(&w->ring[t]);
	w->threads = 0;
	if (threads > w->n && !w->mcast)
		return -EINVAL;          /* a thread without a socket */
	if (w->mcast) {
		world_free(w);
		rc = world_mcast(w, threads);
	}
	for (t = 0; rc == 0 && t < threads; t++)
		rc = ring_build(w, t, threads);
	if (rc == 0)
		w->threads = threads;
	return rc;
}

static int dlv_job(void *wl, unsigned impl, unsigned threads, unsigned rep,
                   struct bench_job *job)
{
	struct dlv_wl *w = wl;
	unsigned t;
	int rc;

	(void)impl;
	if (threads != w->threads && (rc = dlv_prepare(w, threads)) != 0)
		return rc;
	if (rep == 0) {
		w->nruns = 0;
		w->drain_ns = w->drained = 0;
	}
	for (t = 0; t < threads; t++) {
		struct dlv_ring *r = &w->ring[t];

		/* Each repetition starts elsewhere (golden-ratio steps). */
		r->pos = (size_t)((double)rep * 0.6180339887 * (double)r->len) %
		         r->len;
		r->fed = r->received = r->wrong = r->drain_ns = 0;
		r->input_errors = 0;
	}
	(void)inp_udp_stats(w->vnet, &w->udp0);
	(void)inp_ip_stats(w->vnet, &w->ip0);
	job->arg = w;
	job->enter = dlv_enter;
	job->step = dlv_step;
	job->leave = dlv_leave;
	return 0;
}

/* ---- checking ------------------------------------------------------------ */

/* The counters every datagram must have moved, else why not. */
static bool stats_ok(struct dlv_wl *w, uint64_t fed, char *why, size_t len)
{
	struct inp_udpstat u;
	struct inp_ipstat ip;

	(void)inp_udp_stats(w->vnet, &u);
	(void)inp_ip_stats(w->vnet, &ip);
	if (u.udps_delivered - w->udp0.udps_delivered == fed &&
	    u.udps_ipackets - w->udp0.udps_ipackets == fed &&
	    ip.ips_total - w->ip0.ips_total == fed)
		return true;
	snprintf(why, len, "%llu datagrams fed, %llu IP packets, %llu UDP "
	         "delivered (noport +%llu, fullsock +%llu, badsum +%llu)",
	         (unsigned long long)fed,
	         (unsigned long long)(ip.ips_total - w->ip0.ips_total),
	         (unsigned long long)(u.udps_delivered -
	                              w->udp0.udps_delivered),
	         (unsigned long long)(u.udps_noport - w->udp0.udps_noport),
	         (unsigned long long)(u.udps_fullsock - w->udp0.udps_fullsock),
	         (unsigned long long)(u.udps_badsum - w->udp0.udps_badsum));
	return false;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The note of a good row: deliveries (mcast8) and the drain's cost. */
static void dlv_note(struct dlv_wl *w, const struct bench_sample *s,
                     unsigned threads, struct bench_result *r)
{
	double v[BENCH_MAX_REPEAT], med = 0;
	unsigned t;

	for (t = 0; t < threads; t++)
		med += s->rate[t];
	if (w->nruns < BENCH_MAX_REPEAT)
		w->runs[w->nruns++] = med;
	memcpy(v, w->runs, w->nruns * sizeof(v[0]));
	qsort(v, w->nruns, sizeof(v[0]), cmp_double);
	med = w->nruns % 2 ? v[w->nruns / 2]
	      : (v[w->nruns / 2 - 1] + v[w->nruns / 2]) / 2;
	if (w->mcast)
		snprintf(r->note, sizeof(r->note),
		         "%.3f M deliveries/s (x%d); drain, untimed: %.0f ns "
		         "per datagram received", med * DLV_FANOUT / 1e6,
		         DLV_FANOUT, (double)w->drain_ns / (double)w->drained);
	else
		snprintf(r->note, sizeof(r->note),
		         "drain, untimed: %.0f ns per datagram received",
		         (double)w->drain_ns / (double)w->drained);
}

static void dlv_finish(void *wl, unsigned impl, const struct bench_sample *s,
                       struct bench_result *r)
{
	struct dlv_wl *w = wl;
	uint64_t fed = 0, received = 0, wrong = 0, errors = 0, ns = 0;
	long last = 0;
	unsigned t;

	(void)impl;
	for (t = 0; t < w->threads; t++) {
		const struct dlv_ring *ring = &w->ring[t];

		fed += ring->fed;
		received += ring->received;
		wrong += ring->wrong;
		errors += ring->input_errors;
		ns += ring->drain_ns;
		if (ring->wrong != 0)
			last = ring->last_wrong;
	}
	r->status = BENCH_FAILED;
	if (errors != 0)
		snprintf(r->note, sizeof(r->note),
		         "inp_ip_input refused %llu packets",
		         (unsigned long long)errors);
	else if (wrong != 0)
		snprintf(r->note, sizeof(r->note),
		         "%llu of %llu datagrams not received as fed (last "
		         "inp_sock_recv: %ld)", (unsigned long long)wrong,
		         (unsigned long long)(received + wrong), last);
	else if (received != fed * (w->mcast ? DLV_FANOUT : 1))
		snprintf(r->note, sizeof(r->note),
		         "%llu datagrams received for %llu fed",
		         (unsigned long long)received,
		         (unsigned long long)fed);
	else if (stats_ok(w, fed, r->note, sizeof(r->note)))
		r->status = BENCH_OK;
	if (r->status != BENCH_OK)
		return;
	w->drain_ns += ns;
	w->drained += received;
	dlv_note(w, s, w->threads, r);
}

/* ---- the rows ------------------------------------------------------------- */

/* The sizes of the unicast rows: --size, else 1k and 100k (quick: 1k). */
static unsigned dlv_sizes(const struct bench_ctx *cx, const size_t **sizes)
{
	if (cx->o->nsizes > 0) {
		*sizes = cx->sizes;
		return cx->nsizes;
	}
	*sizes = default_sizes;
	return cx->o->quick ? 1 : 2;
}

unsigned bench_delivery_rows(const struct bench_ctx *cx)
{
	const size_t *sizes;

	return dlv_sizes(cx, &sizes) + 1;
}

static void dlv_setup_report(struct bench_ctx *cx, size_t n, double t0,
                             long rss0, long heap0, int rc)
{
	struct bench_setup s = { .table = "udp-bound", .size = n,
	                         .impl = "inpcb", .bytes_per_entry = -1,
	                         .heap_per_entry = -1 };
	long rss1 = bench_rss_bytes(), heap1 = bench_heap_bytes();

	s.seconds = bench_now() - t0;
	if (rc != 0) {
		s.status = BENCH_FAILED;
		snprintf(s.note, sizeof(s.note), "%s", n > DLV_MAX_SOCKS
		         ? "more sockets than 8 addresses x ports 10000-65535"
		         : strerror(-rc));
	} else if (n > 0) {
		if (rss0 >= 0 && rss1 >= 0)
			s.bytes_per_entry = (double)(rss1 - rss0) / (double)n;
		s.heap_per_entry = (double)(heap1 - heap0) / (double)n;
	}
	bench_setup_add(cx, &s);
}

/* One row group; a table that could not be built is reported, skipped. */
static int dlv_variant(struct bench_ctx *cx, struct dlv_wl *w)
{
	struct bench_variant v = {
		.workload = "delivery", .mode = w->mcast ? "mcast8" : "unicast",
		.size = w->n, .busy = true, .library_only = true, .wl = w,
		.job = dlv_job, .finish = dlv_finish,
	};
	double t0 = bench_now();
	long rss0, heap0;
	int rc;

	if (!w->mcast) {          /* mcast8's sockets: per thread count */
		bench_release_free_memory();
		rss0 = bench_rss_bytes();
		heap0 = bench_heap_bytes();
		rc = w->n > DLV_MAX_SOCKS ? -ERANGE : world_unicast(w);
		dlv_setup_report(cx, w->n, t0, rss0, heap0, rc);
		if (rc != 0)
			return 0;
	}
	return bench_run_variant(cx, &v);
}

static int run_delivery(struct bench_ctx *cx)
{
	struct dlv_wl *w;
	const size_t *sizes;
	unsigned i, n = dlv_sizes(cx, &sizes), t;
	int rc = 0;

	w = aligned_alloc(64, (sizeof(*w) + 63) / 64 * 64);
	if (w == NULL)
		return -ENOMEM;
	/*
	 * The library mallocs every queued datagram and recv frees it.  With
	 * glibc's default trim threshold, freeing a batch that lies at the
	 * top of a thread's heap gives that memory back to the kernel, and
	 * the next batch faults it in again: a third of the time in a
	 * profile, a property of the allocator's policy, not of the stack.
	 * A datapath application tunes its allocator; so does the bench,
	 * for this workload only (docs/benchmarks.md has both figures).
	 */
	mallopt(M_TRIM_THRESHOLD, DLV_TRIM);
	for (i = 0; rc == 0 && i <= n; i++) {
		memset(w, 0, sizeof(*w));
		w->cx = cx;
		w->mcast = i == n;
		w->n = w->mcast ? DLV_FANOUT : sizes[i];
		rc = dlv_variant(cx, w);
		for (t = 0; t < BENCH_MAX_THREADS; t++)
			ring_free(&w->ring[t]);
		world_free(w);
	}
	mallopt(M_TRIM_THRESHOLD, GLIBC_TRIM);
	free(w);
	return rc;
}

const struct bench_workload bench_wl_delivery = {
	.name = "delivery",
	.what = "UDP datagrams from memory through inp_ip_input: parse, "
	        "demultiplex, queue (library only)",
	.shared = false,
	.run_own = run_delivery,
};
