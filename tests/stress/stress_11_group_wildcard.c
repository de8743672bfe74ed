/*
 * Stress scenario 11 (spec section 12): group wildcard updates.  With
 * groups on (four of them), listener threads bind, listen and close TCP
 * listeners on NSLOT ports of 0.0.0.0, over and over: every change of the
 * shared wildcard table takes every group lock, ascending (PG-9).  At
 * the same time
 *   - readers make wildcard lookups for packets whose hash names each of
 *     the groups in turn (PG-11): a listener that was bound for the whole
 *     call must be found from every group, one that was closed for the
 *     whole call never, and what is found is a listener of that port;
 *   - a connector connects and closes TCP sockets (hash mutex, then one
 *     group lock: PG-14);
 *   - a mover moves fixed connections between groups by packet hash
 *     (PCB lock, then two group locks, no hash mutex: PG-13);
 *   - a checker verifies inv. 16/17 under the hash mutex and one group
 *     lock (PG-9: the wildcard table is read under one group lock).
 * The watchdog fails the run if the lock order ever deadlocks.
 */
#define STRESS_INTERNAL
#include "stress.h"
#include "groups.h"

#define NSLOT 8
#define PORT0 8000
#define LISTENERS 2
#define READERS 2
#define NFIXED 4

struct slot {
	atomic_ulong started, done;     /* odd done: bound and listening */
};

struct ctx {
	struct stress_world w;
	struct slot s[NSLOT];
	struct inp_sock *fixed[NFIXED];
	atomic_uint nthreads;
	atomic_uint nlisteners;         /* listeners number themselves apart */
	atomic_ulong cycles, found, missed, conns, moves;
};

static void *listener_main(void *arg)
{
	struct ctx *c = arg;
	/* Its own counter: readers take numbers too, in any order. */
	unsigned me = atomic_fetch_add(&c->nlisteners, 1) % LISTENERS, k;
	unsigned long n = 0;

	while (!stress_stop()) {
		for (k = me; k < NSLOT; k += LISTENERS) {
			struct slot *s = &c->s[k];
			struct inp_sock *so = NULL;
			struct sockaddr_in any = stress_sin("0.0.0.0",
			                                    PORT0 + k);

			atomic_fetch_add(&s->started, 1);
			STRESS_OK(inp_sock_open(c->w.vnet, AF_INET,
			                        INP_PROTO_TCP, NULL, &so));
			STRESS_OK(inp_sock_bind(so, SA(&any), sizeof(any),
			                        NULL));
			STRESS_OK(inp_sock_listen(so, 16, NULL));
			atomic_fetch_add(&s->done, 1);
			sched_yield();
			atomic_fetch_add(&s->started, 1);
			STRESS_OK(inp_sock_close(so));
			atomic_fetch_add(&s->done, 1);
			n++;
		}
	}
	atomic_fetch_add(&c->cycles, n);
	return NULL;
}

static void *reader_main(void *arg)
{
	struct ctx *c = arg;
	struct stress_rng rng;
	unsigned long found = 0, missed = 0;

	stress_rng_init(&rng, 100 + atomic_fetch_add(&c->nthreads, 1));
	while (!stress_stop()) {
		unsigned k = stress_below(&rng, NSLOT), g;
		struct slot *s = &c->s[k];
		struct sockaddr_in src = stress_sin("198.51.100.1",
		                                    1024 + stress_below(&rng,
		                                                        60000));
		struct sockaddr_in dst = stress_sin("192.0.2.10", PORT0 + k);
		bool wlock = stress_below(&rng, 2) != 0;

		for (g = 0; g < NGROUPS; g++) {
			unsigned long d0 = atomic_load(&s->done), s1;
			struct inp_pcb *p = NULL;
			int rc = groups_lookup(c->w.vnet, &src, &dst, g, true,
			                       wlock, &p);

			s1 = atomic_load(&s->started);
			STRESS_CHECK(rc == 0 || rc == -ENOENT, "lookup: %s",
			             stress_errname(rc));
			if (rc == 0) {
				stress_assert_locked(p, wlock);
				STRESS_CHECK(p->lport == htons(PORT0 + k) &&
				             !pcb_has_faddr(p),
				             "PG-11: group %u answered port %u "
				             "with another PCB", g, PORT0 + k);
				groups_unlock(p, wlock);
				found++;
			} else {
				missed++;
			}
			if (s1 != d0)
				continue;       /* bound or closed meanwhile */
			STRESS_CHECK((rc == 0) == (d0 % 2 == 1),
			             "PG-9: from group %u, the listener of port "
			             "%u (%s for the whole call) was %s", g,
			             PORT0 + k, d0 % 2 ? "bound" : "closed",
			             rc == 0 ? "found" : "missed");
		}
	}
	atomic_fetch_add(&c->found, found);
	atomic_fetch_add(&c->missed, missed);
	return NULL;
}

/* Connections come and go: into a group and out of it (PG-14, PG-16). */
static void *connector_main(void *arg)
{
	struct ctx *c = arg;
	unsigned long n = 0;

	while (!stress_stop()) {
		struct inp_sock *so = NULL;

		STRESS_OK(inp_sock_open(c->w.vnet, AF_INET, INP_PROTO_TCP,
		                        NULL, &so));
		STRESS_OK(stress_connect(so, "192.0.2.200", 80 + n % 64));
		STRESS_CHECK(pcbgroup_of(so->pcb) >= 0,
		             "PG-10: a connected PCB in no group");
		STRESS_OK(inp_sock_close(so));
		n++;
	}
	atomic_fetch_add(&c->conns, n);
	return NULL;
}

static void *mover_main(void *arg)
{
	struct ctx *c = arg;
	struct stress_rng rng;
	unsigned long n = 0;

	stress_rng_init(&rng, 200);
	while (!stress_stop()) {
		struct inp_pcb *p = c->fixed[stress_below(&rng, NFIXED)]->pcb;

		pcb_wlock(p);
		STRESS_OK(pcbgroup_rehash_pkt(p, INP_HASH_TCP_IPV4,
		                              stress_rand(&rng)));
		pcb_unlock(p);
		n++;
		stress_maybe_yield(&rng);
	}
	atomic_fetch_add(&c->moves, n);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct ctx c;
	pthread_t t[LISTENERS + READERS + 3];
	unsigned i, n = 0;

	stress_init(argc, argv, "stress_11_group_wildcard");
	stress_world_init(&c.w);
	groups_enable(c.w.vnet);
	for (i = 0; i < NFIXED; i++) {
		STRESS_OK(inp_sock_open(c.w.vnet, AF_INET, INP_PROTO_TCP,
		                        NULL, &c.fixed[i]));
		STRESS_OK(stress_connect(c.fixed[i], "192.0.2.201", 7000 + i));
	}
	for (i = 0; i < LISTENERS; i++)
		stress_spawn(&t[n++], listener_main, &c);
	for (i = 0; i < READERS; i++)
		stress_spawn(&t[n++], reader_main, &c);
	stress_spawn(&t[n++], connector_main, &c);
	stress_spawn(&t[n++], mover_main, &c);
	stress_spawn(&t[n++], groups_checker_main, c.w.vnet);
	stress_run_for(1.0);
	for (i = 0; i < n; i++)
		stress_join(t[i]);
	groups_verify(c.w.vnet, INP_PROTO_TCP, NGROUPS);
	STRESS_CHECK(atomic_load(&c.cycles) > 0 && atomic_load(&c.found) > 0 &&
	             atomic_load(&c.missed) > 0,
	             "nothing was tested: %lu listener cycles, %lu found, "
	             "%lu missed", atomic_load(&c.cycles),
	             atomic_load(&c.found), atomic_load(&c.missed));
	for (i = 0; i < NFIXED; i++)
		STRESS_OK(inp_sock_close(c.fixed[i]));
	stress_world_fini(&c.w);
	return stress_pass("%lu listener bind/close cycles, %lu connections, "
	                   "%lu moves; wildcard lookups from every group: %lu "
	                   "found, %lu missed", atomic_load(&c.cycles),
	                   atomic_load(&c.conns), atomic_load(&c.moves),
	                   atomic_load(&c.found), atomic_load(&c.missed));
}
