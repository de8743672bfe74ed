/*
 * Stress scenario 5 (spec section 12): ephemeral port exhaustion with
 * concurrent closes.  The ephemeral range is shrunk to RANGE ports;
 * threads connect fresh UDP sockets (port 0: the connect picks one, P7)
 * to one of two destinations until the range is exhausted
 * (-EADDRNOTAVAIL), while closing random sockets of their own.
 *
 * Checked:
 *   - every chosen port lies in the range (inv. 22) and the source is the
 *     interface address;
 *   - no port is handed out twice for the same 4-tuple: a ledger counts
 *     the live sockets per (destination, port); a connect that returns a
 *     port whose count is not zero fails the test (a socket leaves the
 *     ledger before it is closed, so a port reused after a close is
 *     fine);
 *   - connect fails only with -EADDRNOTAVAIL;
 *   - at the end, with nothing else running, each destination takes
 *     exactly RANGE connections and then -EADDRNOTAVAIL: the allocator
 *     finds every free port (a port may serve both destinations).
 */
#include "stress.h"

#define FIRST 40000
#define RANGE 64
#define THREADS 4
#define PER_THREAD 40
#define NDEST 2

static const char *const dests[NDEST] = { "192.0.2.1", "192.0.2.2" };

struct ctx {
	struct stress_world w;
	atomic_int owners[NDEST][RANGE];
	atomic_ulong connects, exhausted, closes;
};

struct held {
	struct inp_sock *so;
	unsigned dest, port;
};

struct worker {
	struct ctx *c;
	unsigned idx;
	struct held h[PER_THREAD];
	unsigned n;
};

/* Connect a fresh socket to dest; 0 and the port, or the error. */
static int connect_one(struct ctx *c, unsigned dest, struct held *out)
{
	struct inp_sock *so = stress_udp(c->w.vnet, 0);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	unsigned port;
	int rc, prev;

	rc = stress_connect(so, dests[dest], 53);
	if (rc != 0) {
		STRESS_CHECK(rc == -EADDRNOTAVAIL, "connect with port 0 to "
		             "%s failed with %s", dests[dest],
		             stress_errname(rc));
		STRESS_OK(inp_sock_close(so));
		return rc;
	}
	STRESS_OK(inp_sock_name(so, &ss, &len));
	port = stress_port(&ss);
	STRESS_CHECK(port >= FIRST && port < FIRST + RANGE,
	             "inv. 22: ephemeral port %u outside %u..%u", port, FIRST,
	             FIRST + RANGE - 1);
	STRESS_CHECK(stress_addr4(&ss) == stress_a4("192.0.2.10"),
	             "source address is not 192.0.2.10");
	prev = atomic_fetch_add(&c->owners[dest][port - FIRST], 1);
	STRESS_CHECK(prev == 0, "port %u handed out twice for the 4-tuple "
	             "192.0.2.10:%u -> %s:53 (%d live owners before)", port,
	             port, dests[dest], prev);
	*out = (struct held){ so, dest, port };
	return 0;
}

static void close_one(struct ctx *c, struct held *h)
{
	/* Out of the ledger first: the port may be reused once closed. */
	atomic_fetch_sub(&c->owners[h->dest][h->port - FIRST], 1);
	STRESS_OK(inp_sock_close(h->so));
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct ctx *c = wk->c;
	struct stress_rng rng;

	stress_rng_init(&rng, wk->idx);
	while (!stress_stop()) {
		if (wk->n < PER_THREAD && stress_below(&rng, 3) != 0) {
			int rc = connect_one(c, stress_below(&rng, NDEST),
			                     &wk->h[wk->n]);

			if (rc == 0) {
				wk->n++;
				atomic_fetch_add(&c->connects, 1);
				continue;
			}
			atomic_fetch_add(&c->exhausted, 1);
		}
		if (wk->n > 0) {
			unsigned i = stress_below(&rng, wk->n);

			close_one(c, &wk->h[i]);
			wk->h[i] = wk->h[--wk->n];
			atomic_fetch_add(&c->closes, 1);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static struct ctx c;
	static struct worker wk[THREADS];
	static struct held fill[NDEST][RANGE + 1];
	pthread_t t[THREADS];
	unsigned i, d, n;

	stress_init(argc, argv, "stress_05_ephemeral");
	stress_world_init(&c.w);
	STRESS_OK(inp_sysctl_set(c.w.vnet, "net.inet.ip.portrange.first",
	                         FIRST));
	STRESS_OK(inp_sysctl_set(c.w.vnet, "net.inet.ip.portrange.last",
	                         FIRST + RANGE - 1));
	for (i = 0; i < THREADS; i++) {
		wk[i].c = &c;
		wk[i].idx = i;
		stress_spawn(&t[i], worker_main, &wk[i]);
	}
	stress_run_for(1.0);
	for (i = 0; i < THREADS; i++)
		stress_join(t[i]);
	STRESS_CHECK(atomic_load(&c.exhausted) > 0,
	             "the range was never exhausted: the test did not test");
	for (i = 0; i < THREADS; i++)
		while (wk[i].n > 0)
			close_one(&c, &wk[i].h[--wk[i].n]);
	stress_check_invariants(c.w.vnet);

	/* Quiescent: exactly RANGE connections per destination. */
	for (d = 0; d < NDEST; d++) {
		for (n = 0; n <= RANGE; n++)
			if (connect_one(&c, d, &fill[d][n]) != 0)
				break;
		STRESS_CHECK(n == RANGE, "%u connections to %s before "
		             "EADDRNOTAVAIL, expected %u", n, dests[d], RANGE);
	}
	stress_check_invariants(c.w.vnet);
	for (d = 0; d < NDEST; d++)
		for (n = 0; n < RANGE; n++)
			close_one(&c, &fill[d][n]);
	stress_world_fini(&c.w);
	return stress_pass("%lu connects, %lu EADDRNOTAVAIL, %lu closes; "
	                   "quiescent fill: %u per destination",
	                   atomic_load(&c.connects), atomic_load(&c.exhausted),
	                   atomic_load(&c.closes), RANGE);
}
