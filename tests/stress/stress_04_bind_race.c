/*
 * Stress scenario 4 (spec section 12): bind racing bind.  In each round
 * THREADS threads bind their own fresh UDP socket to the same address and
 * port at the same moment (start barrier), each with a mix of options
 * chosen for the round.  The set of winners must be one that some order
 * of the same binds could produce (the bind rules are evaluated against
 * what is bound, atomically with the insertion):
 *
 *   "sharers" are the sockets allowed to share the address: SO_REUSEPORT
 *   on a unicast address (SO_REUSEADDR never duplicates a unicast
 *   binding, E4); SO_REUSEPORT or SO_REUSEADDR on a multicast address
 *   (R2, E6).  Then the winners are either exactly one non-sharer, or
 *   every sharer (when a sharer bound first).
 *
 * The losers must get -EADDRINUSE; the table must hold exactly the
 * winners on that port (listing and a unicast lookup), and after the
 * round closes them the port must be free again.
 */
#include "stress.h"

#define THREADS 8
#define PORT 7000

enum { OPT_ADDR = 1, OPT_PORT = 2 };

struct round {
	const char *addr;               /* unicast or multicast */
	bool mcast;
	unsigned opts[THREADS];         /* OPT_* per thread */
};

struct ctx {
	struct stress_world w;
	pthread_barrier_t go, done;
	struct round r;
	struct inp_sock *so[THREADS];
	int rc[THREADS];
	atomic_bool quit;
};

struct worker {
	struct ctx *c;
	unsigned idx;
};

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct ctx *c = wk->c;

	for (;;) {
		stress_wait(&c->go);
		if (atomic_load(&c->quit))
			return NULL;
		c->rc[wk->idx] = stress_bind(c->so[wk->idx], c->r.addr, PORT);
		stress_wait(&c->done);
	}
}

static bool sharer(const struct round *r, unsigned i)
{
	if (r->mcast)
		return r->opts[i] != 0;
	return (r->opts[i] & OPT_PORT) != 0;
}

static int listing_port_cb(const struct inp_pcb_info *info, void *arg)
{
	unsigned *mask = arg;
	uintptr_t id = (uintptr_t)info->udata;

	if (stress_port(&info->local) == PORT && id >= 1 && id <= THREADS)
		*mask |= 1u << (id - 1);
	return 0;
}

static const char *describe(const struct round *r, char *buf, size_t len)
{
	size_t off = 0;
	unsigned i;

	off += snprintf(buf + off, len - off, "%s:", r->addr);
	for (i = 0; i < THREADS && off < len; i++)
		off += snprintf(buf + off, len - off, " %s",
		                r->opts[i] == 0 ? "-" :
		                r->opts[i] == OPT_ADDR ? "A" :
		                r->opts[i] == OPT_PORT ? "P" : "AP");
	return buf;
}

static void check_round(struct ctx *c, unsigned long *shared,
                        unsigned long *single)
{
	const struct round *r = &c->r;
	unsigned i, winners = 0, sharers = 0, nwin = 0, listed = 0;
	char desc[128];
	int rc;

	for (i = 0; i < THREADS; i++) {
		if (sharer(r, i))
			sharers |= 1u << i;
		if (c->rc[i] == 0) {
			winners |= 1u << i;
			nwin++;
		} else {
			STRESS_CHECK(c->rc[i] == -EADDRINUSE,
			             "[%s] bind %u failed with %s, expected "
			             "EADDRINUSE", describe(r, desc, sizeof(desc)),
			             i, stress_errname(c->rc[i]));
		}
	}
	STRESS_CHECK((nwin == 1 && !(winners & sharers)) ||
	             (sharers != 0 && winners == sharers),
	             "[%s] winners %#x are not an allowed set (sharers %#x): "
	             "one non-sharer or every sharer",
	             describe(r, desc, sizeof(desc)), winners, sharers);
	if (nwin > 1)
		(*shared)++;
	else
		(*single)++;

	/* The table holds exactly the winners on this port. */
	rc = inp_pcb_list(c->w.vnet, INP_PROTO_UDP, NULL, listing_port_cb,
	                  &listed, NULL);
	STRESS_CHECK(rc >= 0, "listing: %s", stress_errname(rc));
	STRESS_CHECK(listed == winners, "[%s] PCBs on port %u are %#x, the "
	             "winners %#x", describe(r, desc, sizeof(desc)), PORT,
	             listed, winners);
	if (!r->mcast) {
		struct sockaddr_in src = stress_sin("198.51.100.1", 9);
		struct sockaddr_in dst = stress_sin(r->addr, PORT);
		struct inp_pcb *p;
		uintptr_t id;

		STRESS_OK(inp_pcb_lookup(c->w.vnet, INP_PROTO_UDP, SA(&src),
		                         SA(&dst), INP_LOOKUP_WILDCARD |
		                         INP_LOOKUP_WLOCKPCB, NULL, &p, NULL));
		id = (uintptr_t)inp_pcb_udata(p);
		inp_pcb_wunlock(p);
		STRESS_CHECK(id >= 1 && id <= THREADS &&
		             (winners & (1u << (id - 1))),
		             "lookup found socket %lu, not a winner",
		             (unsigned long)id);
	}
}

int main(int argc, char **argv)
{
	static struct ctx c;
	struct worker wk[THREADS];
	pthread_t t[THREADS];
	struct stress_rng rng;
	unsigned long rounds = 0, shared = 0, single = 0;
	uint64_t deadline;
	unsigned i;

	stress_init(argc, argv, "stress_04_bind_race");
	stress_rng_init(&rng, 0);
	stress_world_init(&c.w);
	stress_barrier_init(&c.go, THREADS + 1);
	stress_barrier_init(&c.done, THREADS + 1);
	for (i = 0; i < THREADS; i++) {
		wk[i] = (struct worker){ &c, i };
		stress_spawn(&t[i], worker_main, &wk[i]);
	}
	deadline = stress_now_ns() + (uint64_t)(stress_seconds * 1e9);
	do {
		/*
		 * Round kinds: nobody shares, everybody shares, and mixes;
		 * on the unicast address and on a multicast group.
		 */
		unsigned kind = rounds % 6;

		c.r.mcast = kind >= 4 || stress_below(&rng, 4) == 0;
		c.r.addr = c.r.mcast ? "239.1.1.1" : "192.0.2.10";
		for (i = 0; i < THREADS; i++) {
			switch (kind) {
			case 0: c.r.opts[i] = 0; break;
			case 1: c.r.opts[i] = OPT_PORT; break;
			case 2: c.r.opts[i] = OPT_ADDR; break;
			default: c.r.opts[i] = stress_below(&rng, 4); break;
			}
		}
		for (i = 0; i < THREADS; i++) {
			c.so[i] = stress_udp(c.w.vnet, i + 1);
			if (c.r.opts[i] & OPT_ADDR)
				STRESS_OK(stress_setopt_int(c.so[i],
				          INP_SOL_SOCKET, INP_SO_REUSEADDR, 1));
			if (c.r.opts[i] & OPT_PORT)
				STRESS_OK(stress_setopt_int(c.so[i],
				          INP_SOL_SOCKET, INP_SO_REUSEPORT, 1));
		}
		stress_wait(&c.go);     /* everyone binds now */
		stress_wait(&c.done);
		check_round(&c, &shared, &single);
		for (i = 0; i < THREADS; i++)
			STRESS_OK(inp_sock_close(c.so[i]));
		rounds++;
	} while (stress_now_ns() < deadline || rounds < 12);
	atomic_store(&c.quit, true);
	stress_wait(&c.go);
	for (i = 0; i < THREADS; i++)
		stress_join(t[i]);
	pthread_barrier_destroy(&c.go);
	pthread_barrier_destroy(&c.done);
	/* The port is free again. */
	{
		struct inp_sock *so = stress_udp(c.w.vnet, 99);

		STRESS_OK(stress_bind(so, "192.0.2.10", PORT));
		STRESS_OK(inp_sock_close(so));
	}
	stress_world_fini(&c.w);
	return stress_pass("%lu rounds of %u simultaneous binds: %lu shared "
	                   "outcomes, %lu single winners", rounds, THREADS,
	                   shared, single);
}
