/*
 * impl_inpcb.c - the library, seen by the bench as one more
 * implementation, through its public API only.
 *
 * One host, one vnet ("bench") whose max_pcbs is raised to the table's
 * capacity, one interface em0 with 192.0.2.1/24 and 192.0.2.2-8/32, a
 * default route via 192.0.2.254.  The PCBs a table holds are made the
 * quickest way the API offers for each kind:
 *  - connected 4-tuples on ports 80/443: inp_sock_accept() on a wildcard
 *    TCP listener (no bind conflict walk, no port search); other local
 *    ports: a TCP socket bound to the port, then connected;
 *  - listeners: TCP socket, bind, listen;
 *  - bound sockets: UDP socket, bind.
 * Lookups are what a user pays: inp_pcb_lookup(.., INP_LOOKUP_RLOCKPCB,
 * NULL, &pcb, NULL), read the user pointer, inp_pcb_runlock().
 *
 * "inpcb-grp" is the same library with connection groups on
 * (net.inet.pcbgroup.enable=1, RSS-10's group count for the CPUs) and
 * lookups that carry the packet's RSS hash, as a NIC delivers it
 * (struct inp_pkt_ctx): the Toeplitz hash of each inserted 4-tuple is
 * computed once at insertion, outside the timed part, and its low byte
 * kept by value (enough for 128 groups); a lookup reads it from that
 * array, one byte per PCB, in place of the NIC's descriptor.
 *
 * The host gets a seeded, lock-free random source: the default one is a
 * getrandom(2) system call per ephemeral port, which would measure the
 * kernel, and a seeded one makes runs repeatable.  The clock is the real
 * one; the bench never runs the host's timers, so the port randomisation
 * limiter never engages and connect() always starts at a random port.
 */
#include "bench.h"

#include <inpcb/inpcb.h>
#if INPCB_BENCH_HAVE_THREAD
#include <inpcb/thread.h>
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct ib_state {
	struct inp_host *host;
	struct inp_vnet *vnet;
	enum bench_kind kind;
	enum inp_proto proto;
	struct inp_sock *listener[2];   /* 0.0.0.0:80, 0.0.0.0:443 */
	struct inp_sock **socks;        /* by value */
	size_t cap;
	atomic_uint_fast64_t rnd;
	bool groups;                    /* inpcb-grp */
	uint8_t *pkthash;               /* by value: the NIC's hash, low byte */
};

static uint32_t ib_random32(void *ctx)
{
	struct ib_state *s = ctx;
	uint64_t x = atomic_fetch_add_explicit(&s->rnd, 0x9E3779B97F4A7C15ull,
	                                       memory_order_relaxed);

	return (uint32_t)(bench_rand(&x) >> 32);
}

static int ib_world(struct ib_state *s, const struct bench_table_spec *spec)
{
	struct inp_host_ops ops = { .random32 = ib_random32, .ctx = s };
	struct inp_limits lim = { 0 };
	struct inp_ifnet *em0;
	struct sockaddr_in a, gw;
	unsigned i;
	int rc;

	/* Room for the table, listeners, churn and connect() batches. */
	lim.max_pcbs = (unsigned)(spec->capacity + 4096);
	rc = inp_host_create(&ops, &lim, &s->host);
	if (rc == 0)
		rc = inp_vnet_create(s->host, "bench", &s->vnet);
	if (rc == 0 && s->groups)        /* while the tables are empty */
		rc = inp_sysctl_set(s->vnet, "net.inet.pcbgroup.enable", 1);
	if (rc == 0)
		rc = inp_if_create(s->vnet, "em0", &em0);
	for (i = 0; rc == 0 && i < BENCH_NLADDR; i++) {
		a = bench_sin(bench_laddr(i), 0);
		rc = inp_if_addr_add(em0, (struct sockaddr *)&a,
		                     i == 0 ? 24 : 32, NULL);
	}
	if (rc == 0) {
		a = bench_sin(0, 0);
		gw = bench_sin(htonl(BENCH_GATEWAY), 0);
		rc = inp_route_add(s->vnet, (struct sockaddr *)&a, 0,
		                   (struct sockaddr *)&gw, NULL);
	}
	if (rc == 0 && spec->port_lo != 0) {
		rc = inp_sysctl_set(s->vnet, "net.inet.ip.portrange.first",
		                    spec->port_lo);
		if (rc == 0)
			rc = inp_sysctl_set(s->vnet,
			                    "net.inet.ip.portrange.last",
			                    spec->port_hi);
	}
	return rc;
}

static int ib_listen(struct ib_state *s, uint32_t addr, uint16_t port,
                     struct inp_sock **out)
{
	struct sockaddr_in a = bench_sin(addr, port);
	struct inp_sock *so;
	int rc;

	rc = inp_sock_open(s->vnet, AF_INET, INP_PROTO_TCP, NULL, &so);
	if (rc != 0)
		return rc;
	rc = inp_sock_bind(so, (struct sockaddr *)&a, sizeof(a), NULL);
	if (rc == 0)
		rc = inp_sock_listen(so, 128, NULL);
	if (rc != 0) {
		inp_sock_close(so);
		return rc;
	}
	*out = so;
	return 0;
}

static void ib_destroy(void *st)
{
	struct ib_state *s = st;
	size_t i;

	if (s->socks != NULL)
		for (i = 0; i < s->cap; i++)
			if (s->socks[i] != NULL)
				inp_sock_close(s->socks[i]);
	for (i = 0; i < 2; i++)
		if (s->listener[i] != NULL)
			inp_sock_close(s->listener[i]);
	if (s->vnet != NULL)
		inp_vnet_destroy(s->vnet);
	if (s->host != NULL)
		inp_host_destroy(s->host);
	free(s->socks);
	free(s->pkthash);
	free(s);
}

static int ib_create_as(const struct bench_table_spec *spec, bool groups,
                        void **out)
{
	struct ib_state *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->groups = groups;
	s->kind = spec->kind;
	s->proto = spec->kind == BENCH_KIND_BOUND ? INP_PROTO_UDP
	                                          : INP_PROTO_TCP;
	s->cap = spec->capacity;
	atomic_init(&s->rnd, spec->seed);
	s->socks = calloc(s->cap ? s->cap : 1, sizeof(*s->socks));
	if (groups)
		s->pkthash = calloc(s->cap ? s->cap : 1, 1);
	rc = s->socks != NULL && (!groups || s->pkthash != NULL)
	     ? ib_world(s, spec) : -ENOMEM;
	if (rc == 0 && spec->kind == BENCH_KIND_CONNECTED) {
		rc = ib_listen(s, 0, htons(BENCH_LPORT0), &s->listener[0]);
		if (rc == 0)
			rc = ib_listen(s, 0, htons(BENCH_LPORT1),
			               &s->listener[1]);
	}
	if (rc != 0) {
		ib_destroy(s);
		return rc;
	}
	*out = s;
	return 0;
}

static int ib_create(const struct bench_table_spec *spec, void **out)
{
	return ib_create_as(spec, false, out);
}

static int ib_create_groups(const struct bench_table_spec *spec, void **out)
{
	return ib_create_as(spec, true, out);
}

/* The RSS hash a NIC gives a packet of key k (PG-7: TCP/IPv4 4-tuple). */
static uint32_t ib_rss(const struct bench_key *k)
{
	struct sockaddr_in from = bench_sin(k->faddr, k->fport);
	struct sockaddr_in to = bench_sin(k->laddr, k->lport);

	return inp_rss_hash(NULL, (struct sockaddr *)&from,
	                    (struct sockaddr *)&to, true);
}

/* A connected TCP PCB with exactly this 4-tuple. */
static int ib_connected(struct ib_state *s, const struct bench_key *k,
                        struct inp_sock **out)
{
	struct sockaddr_in from = bench_sin(k->faddr, k->fport);
	struct sockaddr_in to = bench_sin(k->laddr, k->lport);
	struct inp_sock *so;
	int rc;

	if (k->lport == htons(BENCH_LPORT0) || k->lport == htons(BENCH_LPORT1))
		return inp_sock_accept(s->listener[k->lport ==
		                                   htons(BENCH_LPORT1)],
		                       (struct sockaddr *)&from,
		                       (struct sockaddr *)&to, out, NULL);
	rc = inp_sock_open(s->vnet, AF_INET, INP_PROTO_TCP, NULL, &so);
	if (rc != 0)
		return rc;
	rc = inp_sock_bind(so, (struct sockaddr *)&to, sizeof(to), NULL);
	if (rc == 0)
		rc = inp_sock_connect(so, (struct sockaddr *)&from,
		                      sizeof(from), NULL);
	if (rc != 0) {
		inp_sock_close(so);
		return rc;
	}
	*out = so;
	return 0;
}

static int ib_bound(struct ib_state *s, const struct bench_key *k,
                    struct inp_sock **out)
{
	struct sockaddr_in a = bench_sin(k->laddr, k->lport);
	struct inp_sock *so;
	int rc;

	rc = inp_sock_open(s->vnet, AF_INET, INP_PROTO_UDP, NULL, &so);
	if (rc != 0)
		return rc;
	rc = inp_sock_bind(so, (struct sockaddr *)&a, sizeof(a), NULL);
	if (rc != 0) {
		inp_sock_close(so);
		return rc;
	}
	*out = so;
	return 0;
}

static int ib_insert(void *st, const struct bench_key *k, uint32_t value)
{
	struct ib_state *s = st;
	struct inp_sock *so = NULL;
	int rc;

	if (value >= s->cap || s->socks[value] != NULL)
		return -EINVAL;
	switch (s->kind) {
	case BENCH_KIND_CONNECTED:
		rc = ib_connected(s, k, &so);
		break;
	case BENCH_KIND_LISTEN:
		rc = ib_listen(s, k->laddr, k->lport, &so);
		break;
	default:
		rc = ib_bound(s, k, &so);
		break;
	}
	if (rc == -EADDRINUSE)
		return -EEXIST;
	if (rc != 0)
		return rc;
	inp_sock_set_udata(so, (void *)(uintptr_t)((uint64_t)value + 1));
	s->socks[value] = so;
	if (s->pkthash != NULL)
		s->pkthash[value] = (uint8_t)ib_rss(k);
	return 0;
}

static int ib_remove(void *st, const struct bench_key *k, uint32_t value)
{
	struct ib_state *s = st;

	(void)k;
	if (value >= s->cap || s->socks[value] == NULL)
		return -ENOENT;
	inp_sock_close(s->socks[value]);
	s->socks[value] = NULL;
	return 0;
}

static void ib_lookup(void *st, const struct bench_key *keys,
                      const uint32_t *idx, size_t n, enum bench_mode mode,
                      struct bench_found *f)
{
	struct ib_state *s = st;
	unsigned flags = INP_LOOKUP_RLOCKPCB;
	struct sockaddr_in src = bench_sin(0, 0), dst = bench_sin(0, 0);
	struct inp_pkt_ctx pkt = { .hashtype = INP_HASH_NONE };
	struct inp_pcb *pcb;
	size_t i;

	if (mode == BENCH_BURST_M) {
		bench_inpcb_burst(s->vnet, s->proto, keys, idx, n, f);
		return;
	}
	if (mode == BENCH_WILD)
		flags |= INP_LOOKUP_WILDCARD;
	for (i = 0; i < n; i++) {
		const struct bench_key *k = &keys[idx[i]];

		src.sin_addr.s_addr = k->faddr;
		src.sin_port = k->fport;
		dst.sin_addr.s_addr = k->laddr;
		dst.sin_port = k->lport;
		if (s->pkthash != NULL && idx[i] < s->cap) {
			pkt.hashtype = INP_HASH_TCP_IPV4;
			pkt.hash = s->pkthash[idx[i]];
		}
		if (inp_pcb_lookup(s->vnet, s->proto, (struct sockaddr *)&src,
		                   (struct sockaddr *)&dst, flags,
		                   s->pkthash != NULL ? &pkt : NULL, &pcb,
		                   NULL) == 0) {
			f->hits++;
			f->sum += (uintptr_t)inp_pcb_udata(pcb);
			inp_pcb_runlock(pcb);
		}
	}
}

/* A socket of the table's protocol, for bind() or connect() later. */
static int ib_open(void *st, void **so)
{
	struct ib_state *s = st;

	return inp_sock_open(s->vnet, AF_INET, s->proto, NULL,
	                     (struct inp_sock **)so);
}

static void ib_close(void *st, void *so)
{
	(void)st;
	inp_sock_close(so);
}

static int ib_bind(void *st, void *so, const struct bench_key *k,
                   uint32_t value)
{
	struct ib_state *s = st;
	struct sockaddr_in a = bench_sin(k->laddr, k->lport);
	int rc;

	if (value >= s->cap || s->socks[value] != NULL)
		return -EINVAL;
	rc = inp_sock_bind(so, (struct sockaddr *)&a, sizeof(a), NULL);
	if (rc != 0)
		return rc == -EADDRINUSE ? -EEXIST : rc;
	inp_sock_set_udata(so, (void *)(uintptr_t)((uint64_t)value + 1));
	s->socks[value] = so;
	return 0;
}

/* connect(2): source address selection, an ephemeral port, insertion. */
static int ib_connect(void *st, void *so, const struct bench_key *dst)
{
	struct sockaddr_in to = bench_sin(dst->faddr, dst->fport);

	(void)st;
	return inp_sock_connect(so, (struct sockaddr *)&to, sizeof(to), NULL);
}

/*
 * Every measuring thread calls these first and last.  With lockless
 * lookups (include/inpcb/thread.h) a thread that looks up registers with
 * RCU, or its lookups take the serialised path; in QSBR builds it reports
 * a quiescent state between batches.  Threads that only connect, bind or
 * close need no registration and get none (a registered QSBR thread that
 * waits for a grace period would wait for itself).
 */
static void ib_thread_enter(void *st, unsigned tid, bool reader)
{
	(void)st;
	(void)tid;
#if INPCB_BENCH_HAVE_THREAD
	if (reader)
		(void)inp_thread_register();
#else
	(void)reader;
#endif
}

static void ib_thread_leave(void *st, unsigned tid, bool reader)
{
	(void)st;
	(void)tid;
#if INPCB_BENCH_HAVE_THREAD
	if (reader)
		(void)inp_thread_unregister();
#else
	(void)reader;
#endif
}

#if INPCB_BENCH_HAVE_QUIESCENT
static void ib_quiescent(void *st, unsigned tid)
{
	(void)st;
	(void)tid;
	inp_thread_quiescent();
}
#endif

static const char *ib_mode_unavailable(enum bench_mode mode)
{
	return mode == BENCH_BURST_M ? bench_inpcb_burst_unavailable() : NULL;
}

#if INPCB_BENCH_HAVE_QUIESCENT
#define IB_QUIESCENT .quiescent = ib_quiescent,
#else
#define IB_QUIESCENT
#endif

/* What both rows share: they differ in name and in create. */
#define IB_OPS                                                               \
	.mode_unavailable = ib_mode_unavailable, .destroy = ib_destroy,       \
	.insert = ib_insert, .remove = ib_remove,                             \
	.thread_enter = ib_thread_enter, .thread_leave = ib_thread_leave,     \
	IB_QUIESCENT                                                          \
	.lookup = ib_lookup, .open = ib_open, .close = ib_close,              \
	.bind = ib_bind, .connect = ib_connect

const struct bench_impl bench_impl_inpcb = {
	.name = "inpcb",
	.what = "libinpcb: inp_pcb_lookup(RLOCKPCB) + inp_pcb_runlock",
	.baseline = false,
	.create = ib_create,
	IB_OPS,
};

/*
 * The same library with connection groups on; a key whose hash byte is
 * stale (a different key under the same value) only costs a group miss
 * and the reservation-table lookup behind it.
 */
const struct bench_impl bench_impl_inpcb_groups = {
	.name = "inpcb-grp",
	.what = "libinpcb with connection groups (net.inet.pcbgroup.enable=1), "
	        "lookups carrying the packet's RSS hash",
	.baseline = false,
	.opt_in = true,                 /* --impl inpcb,inpcb-grp,... */
	.create = ib_create_groups,
	IB_OPS,
};
