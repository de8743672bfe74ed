/*
 * cmd_replay.c - `inpcb replay FILE.pcap`: demultiplex a capture against
 * the socket table a script sets up.
 *
 *   inpcb replay FILE.pcap [--script FILE.pcbs] [--out FILE.pcap]
 *                [--echo PORT ...] [--seed N] [-q]
 *
 * Phases:
 *   1. the script runs on a fresh stack (vnet "default"): interfaces,
 *      addresses, sockets, options, groups;
 *   2. every IP packet of the capture is read into memory (the pcap
 *      driver: raw IP, Ethernet, Linux cooked, BSD loopback) and given
 *      its receiving interface: the interface owning the destination
 *      address, else the one whose connected prefix holds it (a subnet
 *      broadcast, a neighbour), else the first non-loopback interface.
 *      A script that configures no interface gets "em0", without
 *      addresses, so packets still arrive from a wire;
 *   3. timed: each packet goes through inp_ip_input(); every 256 packets
 *      the sockets are drained (what an application would do; without it
 *      their queues fill) and the timers run.
 * Then the datagrams taken per socket, the summary (packets per second
 * of phase 3 alone) and the counters are printed.
 *
 * The host's clock is the capture's: each packet's timestamp becomes
 * "now" before it is processed (never going backwards), so the ICMP rate
 * limit sees the capture's real pace, and the random source is seeded,
 * so a replay is reproducible: the same capture and script give the same
 * output file, byte for byte.  Whatever the stack sends (ICMP errors,
 * --echo replies) goes to every non-loopback interface's driver: one
 * shared writer of --out (LINKTYPE_RAW, stamped with the timestamp of the
 * packet that caused it), or a counter only.
 *
 * Exit status: 0; 1 when the script failed or the capture could not be
 * read; 2 for usage errors and unparsable scripts.
 */
#include "commands.h"
#include "counters.h"
#include "interp.h"
#include "live.h"
#include "simhost.h"

#include <inpcb/driver.h>
#include <inpcb/ip.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ECHO 16
#define DRAIN_EVERY 256
#define PKT_MAX 65536
#define MAX_IFINDEX 4096

struct replay_args {
	const char *in, *out, *script;
	uint16_t echo[MAX_ECHO];
	unsigned necho;
	uint64_t seed;
	bool quiet;
};

/* A captured packet: bytes in the arena, its wire and its time. */
struct pkt {
	size_t off, len;
	uint64_t ts_ns;
	unsigned flags;            /* INP_PKT_LINK_BCAST */
	struct inp_ifnet *rcvif;
};

struct capture {
	unsigned char *arena;
	size_t used, cap;
	struct pkt *v;
	size_t n, capn;
	uint64_t bytes;
};

/* The writer every interface's driver shares (a shim per attach). */
#define MAX_WIRES 64
struct out_shared {
	const struct inp_driver_ops *ops; /* NULL: count only */
	void *ctx;
	unsigned refs;                    /* attaches, plus ours */
	struct inp_ifnet *wires[MAX_WIRES];
	unsigned nwires;
	uint64_t packets, failed;
};

static void replay_usage(FILE *f)
{
	fprintf(f,
	        "usage: inpcb replay FILE.pcap [--script FILE.pcbs] "
	        "[--out FILE.pcap]\n"
	        "                    [--echo PORT ...] [--seed N] [-q]\n"
	        "  --script FILE  set up interfaces and sockets first\n"
	        "  --out FILE     write what the stack sends (ICMP errors, "
	        "echo replies)\n"
	        "  --echo PORT    answer UDP datagrams to PORT "
	        "(repeatable)\n"
	        "  --seed N       seed of the stack's random source\n"
	        "  -q             print only failing script statements\n");
}

/* ---- arguments ---------------------------------------------------------- */

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || s[0] == '-' || *v > max ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct replay_args *a)
{
	const char *opt, *val;
	uint64_t v;
	int i;

	a->seed = INTERP_DEFAULT_SEED;
	for (i = 1; i < argc; i++) {
		opt = argv[i];
		if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0)
			return 1;
		if (strcmp(opt, "-q") == 0) {
			a->quiet = true;
			continue;
		}
		if (opt[0] != '-' || opt[1] == '\0') {
			if (a->in) {
				fprintf(stderr, "inpcb replay: one capture "
				        "file only\n");
				return -1;
			}
			a->in = opt;
			continue;
		}
		if (i + 1 == argc) {
			fprintf(stderr, "inpcb replay: %s needs a value\n",
			        opt);
			return -1;
		}
		val = argv[++i];
		if (strcmp(opt, "--script") == 0) {
			a->script = val;
		} else if (strcmp(opt, "--out") == 0) {
			a->out = val;
		} else if (strcmp(opt, "--seed") == 0 &&
		           parse_u64(val, UINT64_MAX, &a->seed) == 0) {
			continue;
		} else if (strcmp(opt, "--echo") == 0 && a->necho < MAX_ECHO &&
		           parse_u64(val, 65535, &v) == 0 && v > 0) {
			a->echo[a->necho++] = (uint16_t)v;
		} else {
			fprintf(stderr, "inpcb replay: bad option '%s %s'\n",
			        opt, val);
			return -1;
		}
	}
	if (!a->in) {
		fprintf(stderr, "inpcb replay: no capture file given\n");
		return -1;
	}
	return 0;
}

/* ---- phase 2: the capture in memory ------------------------------------- */

static int capture_add(struct capture *c, const void *data, size_t len,
                       const struct timespec *ts, unsigned flags)
{
	struct pkt *p;

	if (c->n == c->capn) {
		size_t capn = c->capn ? c->capn * 2 : 1024;

		p = realloc(c->v, capn * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->v = p;
		c->capn = capn;
	}
	if (c->used + len > c->cap) {
		size_t cap = c->cap ? c->cap : 1 << 20;
		unsigned char *a;

		while (cap < c->used + len)
			cap *= 2;
		a = realloc(c->arena, cap);
		if (!a)
			return -ENOMEM;
		c->arena = a;
		c->cap = cap;
	}
	memcpy(c->arena + c->used, data, len);
	p = &c->v[c->n++];
	p->off = c->used;
	p->len = len;
	p->ts_ns = (uint64_t)ts->tv_sec * 1000000000ull +
	           (uint64_t)ts->tv_nsec;
	p->flags = flags;
	p->rcvif = NULL;
	c->used += len;
	c->bytes += len;
	return 0;
}

static int capture_read(struct capture *c, const char *path)
{
	const struct inp_driver_ops *ops;
	struct timespec ts;
	unsigned flags;
	void *ctx;
	unsigned char *buf;
	long n;
	int rc = inp_pcap_open(path, NULL, &ops, &ctx);

	if (rc < 0) {
		fprintf(stderr, "inpcb replay: %s: %s\n", path,
		        rc == -EINVAL ? "not a capture file"
		        : rc == -EPROTONOSUPPORT ? "unsupported link type"
		        : strerror(-rc));
		return rc;
	}
	buf = malloc(PKT_MAX);
	rc = buf ? 0 : -ENOMEM;
	while (rc == 0 && (n = ops->input(ctx, buf, PKT_MAX)) > 0) {
		flags = 0;
		if (inp_pcap_last_ts(ctx, &ts, &flags) < 0)
			memset(&ts, 0, sizeof(ts));
		rc = capture_add(c, buf, (size_t)n, &ts, flags);
	}
	if (rc == 0 && n != -ENODATA)
		rc = n < 0 ? (int)n : -EIO;
	if (rc < 0)
		fprintf(stderr, "inpcb replay: %s: %s\n", path,
		        strerror(-rc));
	free(buf);
	ops->close(ctx);
	return rc;
}

static void capture_free(struct capture *c)
{
	free(c->arena);
	free(c->v);
}

/* The destination address of an IP packet; false when too short. */
static bool ip_dst(const unsigned char *p, size_t len,
                   struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (len >= 20 && p[0] >> 4 == 4) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, p + 16, 4);
		return true;
	}
	if (len >= 40 && p[0] >> 4 == 6) {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, p + 24, 16);
		return true;
	}
	return false;
}

/* The first interface that is not a loopback, or NULL. */
static struct inp_ifnet *first_wire(struct inp_vnet *vnet)
{
	struct inp_ifnet *ifp;
	unsigned i;

	for (i = 1; i < MAX_IFINDEX; i++) {
		ifp = inp_if_byindex(vnet, i);
		if (ifp && !(inp_if_flags(ifp) & INP_IFF_LOOPBACK))
			return ifp;
	}
	return NULL;
}

/* The rule of the file comment: owner, connected prefix, first wire. */
static struct inp_ifnet *rcvif_for(struct inp_vnet *vnet,
                                   const unsigned char *p, size_t len,
                                   struct inp_ifnet *wire)
{
	struct sockaddr_storage dst;
	struct inp_route_info ri;
	struct inp_ifaddr *ifa;
	struct inp_ifnet *ifp;

	if (!ip_dst(p, len, &dst))
		return wire;
	if (inp_ifa_find(vnet, (struct sockaddr *)&dst, &ifa) == 0) {
		ifp = inp_ifa_ifnet(ifa);
		inp_ifa_rele(ifa);
		return ifp;
	}
	if (inp_route_lookup(vnet, (struct sockaddr *)&dst, &ri) == 0 &&
	    ri.kind == INP_RT_CONNECTED && ri.ifp)
		return ri.ifp;
	return wire;
}

static int assign_rcvif(struct capture *c, struct inp_vnet *vnet)
{
	struct inp_ifnet *wire = first_wire(vnet);
	size_t i;
	int rc;

	if (!wire) {
		rc = inp_if_create(vnet, "em0", &wire);
		if (rc < 0) {
			fprintf(stderr, "inpcb replay: interface em0: %s\n",
			        strerror(-rc));
			return rc;
		}
		printf("replay: the script configured no interface; packets "
		       "arrive on em0 (no addresses)\n");
	}
	for (i = 0; i < c->n; i++)
		c->v[i].rcvif = rcvif_for(vnet, c->arena + c->v[i].off,
		                          c->v[i].len, wire);
	return 0;
}

/* ---- output: one writer shared by every interface ----------------------- */

static int shim_output(void *ctx, const void *pkt, size_t len)
{
	struct out_shared *o = ctx;
	int rc = o->ops ? o->ops->output(o->ctx, pkt, len) : 0;

	if (rc < 0)
		o->failed++;
	else
		o->packets++;
	return rc;
}

static void shim_close(void *ctx)
{
	struct out_shared *o = ctx;

	if (--o->refs == 0 && o->ops) {
		o->ops->close(o->ctx);
		o->ops = NULL;
	}
}

static const struct inp_driver_ops shim_ops = {
	.name = "replay-out",
	.output = shim_output,
	.close = shim_close,
};

/* Open --out (if any) and attach the shim to every wire interface. */
static int attach_out(struct out_shared *o, struct inp_vnet *vnet,
                      const char *path)
{
	struct inp_ifnet *ifp;
	unsigned i;
	int rc;

	if (path && (rc = inp_pcap_open(NULL, path, &o->ops, &o->ctx)) < 0) {
		fprintf(stderr, "inpcb replay: --out %s: %s\n", path,
		        strerror(-rc));
		return rc;
	}
	o->refs = 1; /* ours, until detach_out: the writer outlives attaches */
	for (i = 1; i < MAX_IFINDEX && o->nwires < MAX_WIRES; i++) {
		ifp = inp_if_byindex(vnet, i);
		if (!ifp || (inp_if_flags(ifp) & INP_IFF_LOOPBACK))
			continue;
		rc = inp_if_attach_driver(ifp, &shim_ops, o);
		if (rc == 0) {
			o->refs++;
			o->wires[o->nwires++] = ifp;
		} else
			fprintf(stderr, "inpcb replay: %s already has a "
			        "driver: %s\n", inp_if_name(ifp),
			        strerror(-rc));
	}
	return 0;
}

static void detach_out(struct out_shared *o)
{
	unsigned i;

	for (i = 0; i < o->nwires; i++)
		inp_if_detach_driver(o->wires[i]);
	o->nwires = 0;
	shim_close(o);
}

/* ---- phase 3: the timed run --------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double process(struct capture *c, struct live *lv,
                      struct simhost *sim, struct out_shared *o)
{
	struct timespec ts;
	const struct pkt *p;
	double t0 = now_s();
	size_t i;

	for (i = 0; i < c->n; i++) {
		p = &c->v[i];
		if (p->ts_ns > sim->now_ns)
			sim->now_ns = p->ts_ns;
		if (o->ops) {
			ts.tv_sec = (time_t)(p->ts_ns / 1000000000ull);
			ts.tv_nsec = (long)(p->ts_ns % 1000000000ull);
			inp_pcap_set_ts(o->ctx, &ts);
		}
		inp_ip_input(lv->vnet, p->rcvif, c->arena + p->off, p->len,
		             p->flags);
		if ((i + 1) % DRAIN_EVERY == 0) {
			live_drain(lv);
			inp_host_run_timers(lv->host);
		}
	}
	live_drain(lv);
	return now_s() - t0;
}

static void summary(const struct capture *c, const struct out_shared *o,
                    const char *out, double secs)
{
	double pps = secs > 0 ? (double)c->n / secs : 0;

	printf("replay: %zu packets, %llu bytes in %.6f s: %.0f packets/s, "
	       "%.1f Mbit/s\n", c->n, (unsigned long long)c->bytes, secs, pps,
	       secs > 0 ? (double)c->bytes * 8 / secs / 1e6 : 0);
	printf("replay: %llu packets sent by the stack%s%s",
	       (unsigned long long)o->packets, out ? ", written to " : "",
	       out ? out : "");
	if (o->failed)
		printf(" (%llu failed to write)",
		       (unsigned long long)o->failed);
	putchar('\n');
}

/* ---- the command -------------------------------------------------------- */

static int setup(struct live *lv, const struct replay_args *a,
                 struct capture *c)
{
	unsigned i;
	int rc = live_script(lv, a->script);

	if (rc != 0)
		return rc;
	if (capture_read(c, a->in) < 0 || assign_rcvif(c, lv->vnet) < 0 ||
	    live_collect(lv) < 0)
		return 1;
	for (i = 0; i < a->necho; i++) {
		rc = live_add_echo(lv, a->echo[i]);
		if (rc < 0) {
			fprintf(stderr, "inpcb replay: --echo %u: %s\n",
			        a->echo[i], strerror(-rc));
			return 1;
		}
	}
	return 0;
}

static int replay(const struct replay_args *a, struct inp_host *host,
                  struct simhost *sim)
{
	struct out_shared o;
	struct capture c;
	struct live lv;
	double secs;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	if ((rc = live_open(&lv, host, stdout, a->quiet)) != 0)
		return rc;
	rc = setup(&lv, a, &c);
	if (rc == 0 && c.n)
		sim->now_ns = c.v[0].ts_ns;
	if (rc == 0 && attach_out(&o, lv.vnet, a->out) < 0)
		rc = 1;
	if (rc == 0) {
		secs = process(&c, &lv, sim, &o);
		live_print_socks(&lv, stdout);
		summary(&c, &o, a->out, secs);
		print_counters(stdout, lv.vnet);
		detach_out(&o);
	}
	live_close(&lv);
	capture_free(&c);
	return rc;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_args a;
	struct inp_host_ops ops;
	struct inp_host *host;
	struct simhost sim;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse_args(argc, argv, &a);
	if (rc != 0) {
		replay_usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	simhost_init(&sim, a.seed);
	simhost_ops(&sim, &ops);
	rc = inp_host_create(&ops, NULL, &host);
	if (rc < 0) {
		fprintf(stderr, "inpcb replay: %s\n", strerror(-rc));
		return 1;
	}
	rc = replay(&a, host, &sim);
	if (inp_host_destroy(host) < 0) {
		fprintf(stderr, "inpcb replay: the stack still holds PCBs\n");
		rc = rc ? rc : 1;
	}
	return rc;
}
