/*
 * Stress scenario 10 (spec section 12): connection group moves.  With
 * groups on (four of them), NCONN connected TCP sockets are moved between
 * groups by mover threads, by a packet's hash (a random TCP/IPv4 hash,
 * PG-7/PG-13) or back to software placement (a hash of the wrong type,
 * PG-14), each move under the PCB's write lock and two group locks.
 * Readers look a connection up, read or write locked:
 *   - in the reservation table alone (the lockless lookup, then the
 *     serialised one when unsure): found every time (PG-2);
 *   - in each of the four groups (pcbgroup_lookup with a hash naming
 *     it): when no move of any connection overlapped the scan, found in
 *     exactly one group, the one its last move put it in (inv. 16, 17);
 *     while moves run, a group may miss it (PG-14) or see it twice;
 *   - through inp_pcb_lookup with a random group's hash: found every
 *     time (a group miss falls through to the reservation table).
 * A checker verifies inv. 16/17 of each group under the hash mutex and
 * that group's lock, racing the movers' lock order (PCB lock, then group
 * locks ascending, without the hash mutex).  The main thread pauses the
 * movers now and then, so that the readers get quiet windows.
 */
#define STRESS_INTERNAL
#include "stress.h"
#include "groups.h"

#define NCONN 16
#define MOVERS 2
#define READERS 2

struct conn {
	struct inp_sock *so;
	struct inp_pcb *pcb;
	struct sockaddr_in local, remote;
	atomic_int group;               /* where its last move put it */
};

struct ctx {
	struct stress_world w;
	struct conn c[NCONN];
	atomic_ulong started, done;     /* moves, all connections */
	atomic_bool paused;
	atomic_ulong moves, quiet, unsure, lookups;
	atomic_uint nthreads;           /* random streams handed out */
};

static void *mover_main(void *arg)
{
	struct ctx *c = arg;
	struct stress_rng rng;
	unsigned long n = 0;

	stress_rng_init(&rng, 1000 + atomic_fetch_add(&c->nthreads, 1));
	while (!stress_stop()) {
		struct conn *k = &c->c[stress_below(&rng, NCONN)];
		bool bypkt = stress_below(&rng, 2) != 0;

		if (atomic_load(&c->paused)) {
			sched_yield();
			continue;
		}
		atomic_fetch_add(&c->started, 1);
		pcb_wlock(k->pcb);
		STRESS_OK(pcbgroup_rehash_pkt(k->pcb,
		                              bypkt ? INP_HASH_TCP_IPV4
		                                    : INP_HASH_OPAQUE,
		                              stress_rand(&rng)));
		atomic_store(&k->group, pcbgroup_of(k->pcb));
		pcb_unlock(k->pcb);
		atomic_fetch_add(&c->done, 1);
		n++;
		stress_maybe_yield(&rng);
	}
	atomic_fetch_add(&c->moves, n);
	return NULL;
}

/* PG-2: the reservation table finds k whatever the groups do. */
static void reservation_finds(struct conn *k, bool wlock)
{
	struct inp_pcbinfo *info = k->pcb->info;
	union inp_addr fa, la;
	uint16_t fport, lport;
	struct inp_pcb *p = NULL;
	int rc;

	(void)pcb_addr_from_sa(CSA(&k->remote), &fa, &fport);
	(void)pcb_addr_from_sa(CSA(&k->local), &la, &lport);
	rc = pcb_lookup_lockless(info, AF_INET, &fa, fport, &la, lport, false,
	                         wlock, &p);
	if (rc == -EAGAIN)
		rc = pcb_lookup_serial(info, AF_INET, &fa, fport, &la, lport,
		                       false, wlock, NULL, 0, 0, NULL, &p);
	STRESS_CHECK(rc == 0 && p == k->pcb, "PG-2: the reservation table "
	             "lost a moving connection (%s)", stress_errname(rc));
	stress_assert_locked(p, wlock);
	pcb_unlock(p);
}

/* Ask every group; the groups that had k, as a bit mask; *unsure. */
static unsigned scan_groups(struct conn *k, bool wlock, bool *unsure)
{
	struct inp_pcbinfo *info = k->pcb->info;
	union inp_addr fa, la;
	uint16_t fport, lport;
	unsigned g, found = 0;

	(void)pcb_addr_from_sa(CSA(&k->remote), &fa, &fport);
	(void)pcb_addr_from_sa(CSA(&k->local), &la, &lport);
	for (g = 0; g < NGROUPS; g++) {
		struct inp_pkt_ctx pkt = { .hashtype = INP_HASH_TCP_IPV4,
		                           .hash = g };
		struct inp_pcb *p = NULL;
		int rc = pcbgroup_lookup(info, AF_INET, &fa, fport, &la, lport,
		                         &pkt, wlock, &p);

		if (rc == -EAGAIN)
			*unsure = true;
		if (rc != 0)
			continue;
		STRESS_CHECK(p == k->pcb, "PG-11: group %u returned another "
		             "PCB for the 4-tuple", g);
		stress_assert_locked(p, wlock);
		pcb_unlock(p);
		found |= 1u << g;
	}
	return found;
}

static void *reader_main(void *arg)
{
	struct ctx *c = arg;
	struct stress_rng rng;
	unsigned long quiet = 0, unsure_n = 0, n = 0;

	stress_rng_init(&rng, 2000 + atomic_fetch_add(&c->nthreads, 1));
	while (!stress_stop()) {
		struct conn *k = &c->c[stress_below(&rng, NCONN)];
		bool wlock = stress_below(&rng, 2) != 0, unsure = false;
		unsigned long d0 = atomic_load(&c->done), s1;
		struct inp_pcb *p = NULL;
		unsigned found;
		int want;

		reservation_finds(k, wlock);
		want = atomic_load(&k->group);
		found = scan_groups(k, wlock, &unsure);
		STRESS_OK(groups_lookup(c->w.vnet, &k->remote, &k->local,
		                        stress_below(&rng, NGROUPS), false, wlock,
		                        &p));
		STRESS_CHECK(p == k->pcb, "inp_pcb_lookup returned another "
		             "PCB for the 4-tuple");
		groups_unlock(p, wlock);
		s1 = atomic_load(&c->started);
		n++;
		if (s1 != d0)
			continue;               /* a move overlapped: anything */
		if (unsure) {
			unsure_n++;
			continue;
		}
		quiet++;
		STRESS_CHECK(found == 1u << want, "inv. 16/17: no move ran, "
		             "the connection is in group %d, found in groups "
		             "%#x", want, found);
	}
	atomic_fetch_add(&c->quiet, quiet);
	atomic_fetch_add(&c->unsure, unsure_n);
	atomic_fetch_add(&c->lookups, n);
	return NULL;
}

static void conns_open(struct ctx *c)
{
	char addr[32];
	unsigned i;

	for (i = 0; i < NCONN; i++) {
		struct conn *k = &c->c[i];

		snprintf(addr, sizeof(addr), "192.0.2.%u", 100 + i);
		k->local = stress_sin("192.0.2.10", 9000 + i);
		k->remote = stress_sin(addr, 7000 + i);
		STRESS_OK(inp_sock_open(c->w.vnet, AF_INET, INP_PROTO_TCP,
		                        NULL, &k->so));
		STRESS_OK(inp_sock_bind(k->so, SA(&k->local),
		                        sizeof(k->local), NULL));
		STRESS_OK(inp_sock_connect(k->so, SA(&k->remote),
		                           sizeof(k->remote), NULL));
		k->pcb = k->so->pcb;
		atomic_init(&k->group, pcbgroup_of(k->pcb));
		STRESS_CHECK(atomic_load(&k->group) >= 0, "PG-10: a connected "
		             "PCB in no group");
	}
}

int main(int argc, char **argv)
{
	static struct ctx c;
	pthread_t t[MOVERS + READERS + 1];
	uint64_t deadline;
	unsigned i, n = 0;

	stress_init(argc, argv, "stress_10_group_moves");
	stress_world_init(&c.w);
	groups_enable(c.w.vnet);
	conns_open(&c);
	for (i = 0; i < MOVERS; i++)
		stress_spawn(&t[n++], mover_main, &c);
	for (i = 0; i < READERS; i++)
		stress_spawn(&t[n++], reader_main, &c);
	stress_spawn(&t[n++], groups_checker_main, c.w.vnet);
	/* Moves for 20 ms, a quiet 5 ms, over and over. */
	deadline = stress_now_ns() + (uint64_t)(stress_seconds * 1e9);
	while (stress_now_ns() < deadline) {
		struct timespec run = { 0, 20000000 }, rest = { 0, 5000000 };

		atomic_store(&c.paused, false);
		nanosleep(&run, NULL);
		atomic_store(&c.paused, true);
		nanosleep(&rest, NULL);
	}
	atomic_store(&stress_stop_flag, true);
	for (i = 0; i < n; i++)
		stress_join(t[i]);
	groups_verify(c.w.vnet, INP_PROTO_TCP, NGROUPS);
	STRESS_CHECK(atomic_load(&c.moves) > 0 && atomic_load(&c.quiet) > 0,
	             "nothing was tested: %lu moves, %lu quiet scans",
	             atomic_load(&c.moves), atomic_load(&c.quiet));
	for (i = 0; i < NCONN; i++)
		STRESS_OK(inp_sock_close(c.c[i].so));
	stress_world_fini(&c.w);
	return stress_pass("%lu moves; %lu lookups, %lu quiet scans found the "
	                   "connection in its group alone, %lu unsure",
	                   atomic_load(&c.moves), atomic_load(&c.lookups),
	                   atomic_load(&c.quiet), atomic_load(&c.unsure));
}
