/*
 * Stress scenario 13 (spec section 12): vnet destroy with stragglers.
 * A vnet gets sockets from several threads (UDP bound, TCP connected,
 * some TCP connections left in TIME_WAIT without a socket); the threads
 * then close theirs late, one by one, while the main thread keeps trying
 * to destroy the vnet.  Destruction must answer -EBUSY while anything is
 * live (VN-5, inv. 26: sockets, PCBs, TIME_WAIT PCBs) and succeed once
 * everything is freed; afterwards the vnet is not reachable by name and a
 * bystander vnet is untouched.  The injected clock lets TIME_WAIT expire.
 *
 * While the stragglers close, an anchor socket keeps the vnet live, so
 * every concurrent attempt must fail; the last straggler is the anchor,
 * closed by the destroying thread itself.  The very last close racing a
 * destroy is a window too narrow to hit by chance, so it is forced:
 *
 *     stress_13_vnet_destroy --inflight-close
 *
 * parks the last close inside in_pcbfree (through a MAC destroy_label
 * hook: the PCB is already off the vnet's list) and calls
 * inp_vnet_destroy() meanwhile, which must answer -EBUSY (the socket
 * still exists, vnet.h).  It used to succeed and free the PCB tables
 * under the running close (tests/stress/README.md, bug 1).
 */
#include "stress.h"

#define THREADS 4
#define PER_THREAD 6

static _Atomic uint64_t clock_ns = 1000000000ull;

static uint64_t fake_now(void *ctx)
{
	(void)ctx;
	return atomic_load(&clock_ns);
}

static const struct inp_host_ops ops = { .now_ns = fake_now };

struct straggler {
	struct inp_vnet *vnet;
	pthread_barrier_t *ready;
	unsigned idx, round;
	unsigned long closes, timewaits;
};

/*
 * Open PER_THREAD sockets: UDP bound to a port of its own, TCP
 * connected; half the TCP ones go to TIME_WAIT (socket gone, PCB kept).
 * Wait until everyone is set up, then close the rest late.
 */
static void *straggler_main(void *arg)
{
	struct straggler *s = arg;
	struct inp_sock *so[PER_THREAD];
	struct stress_rng rng;
	unsigned i, n = 0;

	stress_rng_init(&rng, 1000 * s->round + s->idx);
	for (i = 0; i < PER_THREAD; i++) {
		unsigned port = 20000 + 100 * s->idx + i;
		bool tcp = i % 2 == 1;
		struct inp_sock *x = NULL;

		STRESS_OK(inp_sock_open(s->vnet, AF_INET,
		                        tcp ? INP_PROTO_TCP : INP_PROTO_UDP,
		                        NULL, &x));
		if (!tcp) {
			STRESS_OK(stress_bind(x, "0.0.0.0", port));
		} else {
			STRESS_OK(stress_bind(x, "127.0.0.1", port));
			STRESS_OK(stress_connect(x, "127.0.0.1", 80));
			if (i % 4 == 3) {
				STRESS_OK(inp_sock_timewait(x));
				s->timewaits++;
				continue;
			}
		}
		so[n++] = x;
	}
	stress_wait(s->ready);
	while (n > 0) {
		i = stress_below(&rng, n);
		if (stress_below(&rng, 3) == 0)
			usleep(stress_below(&rng, 200));
		STRESS_OK(inp_sock_close(so[i]));
		so[i] = so[--n];
		s->closes++;
	}
	return NULL;
}

static void round_once(struct inp_host *host, struct inp_vnet *bystander,
                       unsigned round, unsigned long *busy,
                       unsigned long *closes, unsigned long *tws)
{
	struct straggler st[THREADS];
	pthread_t t[THREADS];
	pthread_barrier_t ready;
	struct inp_vnet *v = NULL;
	struct inp_sock *anchor;
	char name[32];
	unsigned i;
	int rc;

	snprintf(name, sizeof(name), "v13-%u", round);
	STRESS_OK(inp_vnet_create(host, name, &v));
	anchor = stress_udp(v, 1);
	STRESS_OK(stress_bind(anchor, "127.0.0.1", 19999));
	stress_barrier_init(&ready, THREADS + 1);
	for (i = 0; i < THREADS; i++) {
		st[i] = (struct straggler){ v, &ready, i, round, 0, 0 };
		stress_spawn(&t[i], straggler_main, &st[i]);
	}
	stress_wait(&ready);
	/* Destroy attempts while the stragglers close: always live. */
	for (i = 0; i < 200; i++) {
		rc = inp_vnet_destroy(v);
		STRESS_CHECK(rc == -EBUSY, "VN-5: destroy of a vnet with live "
		             "sockets answered %s", stress_errname(rc));
		(*busy)++;
		if (i % 8 == 0)
			sched_yield();
	}
	for (i = 0; i < THREADS; i++) {
		stress_join(t[i]);
		*closes += st[i].closes;
		*tws += st[i].timewaits;
	}
	pthread_barrier_destroy(&ready);
	/* Only the anchor and socketless TIME_WAIT PCBs are left. */
	rc = inp_vnet_destroy(v);
	STRESS_CHECK(rc == -EBUSY, "VN-5: destroy with the anchor socket open "
	             "answered %s", stress_errname(rc));
	STRESS_OK(inp_sock_close(anchor));
	if (inp_pcb_count(v, INP_PROTO_TCP) != 0) {
		rc = inp_vnet_destroy(v);
		STRESS_CHECK(rc == -EBUSY, "VN-5: destroy with %u TIME_WAIT "
		             "PCBs answered %s", inp_pcb_count(v, INP_PROTO_TCP),
		             stress_errname(rc));
		(*busy)++;
	}
	stress_check_invariants(v);
	/* 2*MSL (2 x 30 s by default) later the TIME_WAIT PCBs are freed. */
	atomic_fetch_add(&clock_ns, 61000000000ull);
	STRESS_OK(inp_host_run_timers(host));
	STRESS_CHECK(inp_pcb_count(v, INP_PROTO_TCP) == 0 &&
	             inp_pcb_count(v, INP_PROTO_UDP) == 0,
	             "LC-18: PCBs left after TIME_WAIT expiry (udp %u tcp %u)",
	             inp_pcb_count(v, INP_PROTO_UDP),
	             inp_pcb_count(v, INP_PROTO_TCP));
	STRESS_OK(inp_vnet_destroy(v));
	STRESS_CHECK(inp_vnet_find(host, name) == NULL,
	             "inv. 26: destroyed vnet %s still found by name", name);
	/* The bystander's socket is still there and still found. */
	{
		struct sockaddr_in src = stress_sin("127.0.0.1", 9);
		struct sockaddr_in dst = stress_sin("127.0.0.1", 19999);
		struct inp_pcb *p;

		STRESS_OK(inp_pcb_lookup(bystander, INP_PROTO_UDP, SA(&src),
		                         SA(&dst), INP_LOOKUP_WILDCARD |
		                         INP_LOOKUP_RLOCKPCB, NULL, &p, NULL));
		STRESS_CHECK(inp_pcb_udata(p) == (void *)2,
		             "bystander lookup found the wrong PCB");
		inp_pcb_runlock(p);
	}
}

/* ---- --inflight-close: the window between unlink and unhash, forced ----- */

static pthread_mutex_t park_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cv = PTHREAD_COND_INITIALIZER;
static bool parked, released;
static int label_dummy;

static int mac_init_label(void *ctx, const struct inp_cred *cred,
                          void **label)
{
	(void)ctx;
	(void)cred;
	*label = &label_dummy;
	return 0;
}

/* in_pcbfree step 4: the PCB is already off the list (count 0). */
static void mac_destroy_label(void *ctx, void *label)
{
	(void)ctx;
	(void)label;
	pthread_mutex_lock(&park_mu);
	parked = true;
	pthread_cond_broadcast(&park_cv);
	while (!released)
		pthread_cond_wait(&park_cv, &park_mu);
	pthread_mutex_unlock(&park_mu);
}

static const struct inp_mac_ops park_ops = {
	.labels_pcbs = true,
	.init_label = mac_init_label,
	.destroy_label = mac_destroy_label,
};

static void *closer(void *arg)
{
	STRESS_OK(inp_sock_close(arg));
	return NULL;
}

static int inflight_close(void)
{
	struct inp_host *host;
	struct inp_vnet *v;
	struct inp_sock *so;
	pthread_t t;
	int rc;

	STRESS_OK(inp_host_create(NULL, NULL, &host));
	STRESS_OK(inp_mac_register(host, &park_ops, NULL));
	STRESS_OK(inp_vnet_create(host, "v13-inflight", &v));
	so = stress_udp(v, 1);
	STRESS_OK(stress_bind(so, "0.0.0.0", 7000));
	stress_spawn(&t, closer, so);
	pthread_mutex_lock(&park_mu);
	while (!parked)
		pthread_cond_wait(&park_cv, &park_mu);
	pthread_mutex_unlock(&park_mu);
	/* inp_sock_close() has not returned: the socket still exists. */
	rc = inp_vnet_destroy(v);
	if (rc == 0)
		STRESS_FAIL("regression (tests/stress/README.md, bug 1): "
		            "inp_vnet_destroy() returned 0 while "
		            "inp_sock_close() of the vnet's last socket was "
		            "still running (its PCB already off the list, "
		            "count 0); the close then goes on with the "
		            "destroyed vnet's tables and socket.  Expected "
		            "-EBUSY (vnet.h: \"while it has sockets\").");
	STRESS_CHECK(rc == -EBUSY, "destroy during a close answered %s",
	             stress_errname(rc));
	pthread_mutex_lock(&park_mu);
	released = true;
	pthread_cond_broadcast(&park_cv);
	pthread_mutex_unlock(&park_mu);
	stress_join(t);
	STRESS_OK(inp_vnet_destroy(v));
	STRESS_OK(inp_host_destroy(host));
	return stress_pass("destroy during the last close answered -EBUSY");
}

int main(int argc, char **argv)
{
	struct inp_host *host;
	struct inp_vnet *bystander;
	struct inp_sock *by;
	unsigned long busy = 0, closes = 0, tws = 0;
	unsigned round = 0;
	uint64_t deadline;
	int i;

	i = stress_init(argc, argv, "stress_13_vnet_destroy");
	if (i < argc && strcmp(argv[i], "--inflight-close") == 0)
		return inflight_close();
	if (i < argc)
		STRESS_FAIL("usage: %s [--seconds N] [--inflight-close]",
		            argv[0]);
	STRESS_OK(inp_host_create(&ops, NULL, &host));
	STRESS_OK(inp_vnet_create(host, "bystander", &bystander));
	by = stress_udp(bystander, 2);
	STRESS_OK(stress_bind(by, "127.0.0.1", 19999));
	deadline = stress_now_ns() + (uint64_t)(stress_seconds * 1e9);
	do {
		round_once(host, bystander, round++, &busy, &closes, &tws);
	} while (stress_now_ns() < deadline);
	/* The host will not go while the bystander has a socket. */
	STRESS_CHECK(inp_host_destroy(host) == -EBUSY,
	             "inp_host_destroy with a live socket did not say EBUSY");
	STRESS_OK(inp_sock_close(by));
	stress_check_invariants(bystander);
	STRESS_OK(inp_vnet_destroy(bystander));
	STRESS_OK(inp_host_destroy(host));
	return stress_pass("%u vnets destroyed; %lu straggler closes, %lu "
	                   "TIME_WAIT PCBs, %lu destroy attempts refused while "
	                   "live", round, closes, tws, busy);
}
