/*
 * Stress scenario 9 (spec section 12): lbgroup grow/shrink.  NSOCK
 * sockets with SO_REUSEPORT_LB, owned by WORKERS threads, bind to
 * 192.0.2.10:PORT and close again, concurrently with wildcard lookups of
 * that address and port.  A pinned member, bound first and closed last,
 * keeps the group alive while the others come and go.  The workers go
 * through phases, and at the end of each the main thread inspects the
 * group (internal lbgroup_stats under the hash lock):
 *
 *   bind all     301 sockets bound: exactly 256 members (LB-5: the 257th
 *                and later are not added, their bind still succeeds),
 *                the group at its largest size, 256 slots;
 *   churn        random closes and re-binds for a while;
 *   shrink       each worker keeps at most KEEP sockets: the group
 *                shrinks (inv. 19: size > 8 only with more than size/4
 *                members);
 *   (repeat while time remains), then everything closes and lookups
 *   find nothing.
 *
 * At every inspection: inv. 18 (1 <= members <= size <= 256, size a
 * power of two >= 8, every member in exactly one group, all reporting the
 * same group) and 19.  Every successful lookup, while the pinned member
 * exists, must return a current member of the group (L3 precedes the
 * wildcard match): alive, bound to the port, INP_INLBGROUP set -- stable
 * while we hold its lock, since leaving needs the write lock.  A lookup
 * whose chosen member is closed before its lock is taken answers "not
 * found" under the 2011 protocol (LK-9); those are counted, and fail the
 * test in INPCB_STRESS_STRICT=1 mode (the modern slow-path retry, LK-13).
 * ASan/TSan watch the array reallocations under readers (LB-8).
 */
#define STRESS_INTERNAL   /* lbgroup_stats, INP_INLBGROUP */
#include "stress.h"

#define NSOCK 300
#define WORKERS 4
#define READERS 2
#define PORT 7700
#define KEEP 4
#define LB_MAX 256

enum phase { P_BIND_ALL, P_CHURN, P_SHRINK, P_CLOSE_ALL, P_QUIT };

struct ctx {
	struct stress_world w;
	struct inp_sock *so[NSOCK];     /* NULL: closed; slot i owned by i % WORKERS */
	struct inp_sock *pinned;
	pthread_barrier_t start, end;
	enum phase phase;
	atomic_bool churn_stop, readers_stop, pinned_live;
	atomic_ulong lookups, members_found, lost, binds, closes;
};

struct worker {
	struct ctx *c;
	unsigned idx;
};

static struct inp_sock *lb_socket(struct ctx *c, uintptr_t id)
{
	struct inp_sock *so = stress_udp(c->w.vnet, id);
	int rc;

	STRESS_OK(stress_setopt_int(so, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB,
	                            1));
	rc = stress_bind(so, "192.0.2.10", PORT);
	STRESS_CHECK(rc == 0, "LB-5: bind of an SO_REUSEPORT_LB socket "
	             "failed: %s", stress_errname(rc));
	atomic_fetch_add(&c->binds, 1);
	return so;
}

static void slot_bind(struct ctx *c, unsigned i)
{
	if (c->so[i] == NULL)
		c->so[i] = lb_socket(c, i + 1);
}

static void slot_close(struct ctx *c, unsigned i)
{
	if (c->so[i] != NULL) {
		STRESS_OK(inp_sock_close(c->so[i]));
		c->so[i] = NULL;
		atomic_fetch_add(&c->closes, 1);
	}
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct ctx *c = wk->c;
	struct stress_rng rng;
	unsigned i, kept;

	stress_rng_init(&rng, wk->idx);
	for (;;) {
		stress_wait(&c->start);
		switch (c->phase) {
		case P_BIND_ALL:
			for (i = wk->idx; i < NSOCK; i += WORKERS)
				slot_bind(c, i);
			break;
		case P_CHURN:
			while (!atomic_load(&c->churn_stop)) {
				i = wk->idx + WORKERS *
				    stress_below(&rng, NSOCK / WORKERS);
				if (c->so[i] != NULL)
					slot_close(c, i);
				else
					slot_bind(c, i);
				stress_maybe_yield(&rng);
			}
			break;
		case P_SHRINK:
			kept = 0;
			for (i = wk->idx; i < NSOCK; i += WORKERS) {
				if (c->so[i] != NULL && kept < KEEP)
					kept++;
				else
					slot_close(c, i);
			}
			break;
		case P_CLOSE_ALL:
			for (i = wk->idx; i < NSOCK; i += WORKERS)
				slot_close(c, i);
			break;
		case P_QUIT:
			return NULL;
		}
		stress_wait(&c->end);
	}
}

/* lbgroup_stats of a socket's PCB, with the locks it needs. */
static int group_of(struct inp_sock *so, unsigned *size, unsigned *na,
                    unsigned *np)
{
	struct inp_pcb *p = inp_sock_pcb(so);
	int rc;

	pcb_rlock(p);
	hash_rlock(p->info);
	rc = lbgroup_stats(p, size, na, np);
	hash_unlock(p->info);
	pcb_unlock(p);
	return rc;
}

static bool pow2(unsigned x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* Inspect the group at a quiescent point; returns the member count. */
static unsigned inspect(struct ctx *c, const char *when, unsigned bound)
{
	unsigned i, members = 0, size0 = 0, na0 = 0, np0 = 0, size, na, np;

	for (i = 0; i <= NSOCK; i++) {
		struct inp_sock *so = i < NSOCK ? c->so[i] : c->pinned;

		if (so == NULL || group_of(so, &size, &na, &np) != 0)
			continue;
		members++;
		if (members == 1) {
			size0 = size;
			na0 = na;
			np0 = np;
		}
		STRESS_CHECK(size == size0 && na == na0, "%s: inv. 18: members "
		             "disagree on their group (%u/%u vs %u/%u)", when,
		             na, size, na0, size0);
	}
	if (members == 0)
		return 0;
	STRESS_CHECK(np0 == 0, "%s: %u pending members in a UDP group", when,
	             np0);
	STRESS_CHECK(na0 == members, "%s: inv. 18: group counts %u members, "
	             "%u sockets say they are in it", when, na0, members);
	STRESS_CHECK(na0 >= 1 && na0 <= size0 && size0 <= LB_MAX &&
	             size0 >= 8 && pow2(size0),
	             "%s: inv. 18: group of %u members in %u slots", when, na0,
	             size0);
	STRESS_CHECK(size0 == 8 || na0 > size0 / 4,
	             "%s: inv. 19: %u members in %u slots (not shrunk)", when,
	             na0, size0);
	/*
	 * Fewer members than bound sockets is fine: a socket bound while
	 * the group was full stays outside it (LB-5), even after members
	 * leave.  More is not.
	 */
	STRESS_CHECK(members <= bound && members <= LB_MAX,
	             "%s: %u members for %u bound sockets", when, members,
	             bound);
	return members;
}

static unsigned count_bound(struct ctx *c)
{
	unsigned i, n = c->pinned != NULL;

	for (i = 0; i < NSOCK; i++)
		n += c->so[i] != NULL;
	return n;
}

struct reader {
	struct ctx *c;
	unsigned idx;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct ctx *c = r->c;
	struct stress_rng rng;
	struct sockaddr_in dst = stress_sin("192.0.2.10", PORT);
	unsigned long n = 0, members = 0, lost = 0;

	stress_rng_init(&rng, 100 + r->idx);
	while (!atomic_load(&c->readers_stop)) {
		struct sockaddr_in src = stress_sin("198.51.100.1",
		                                    1024 + stress_below(&rng, 60000));
		bool wlock = stress_below(&rng, 2);
		bool pinned = atomic_load(&c->pinned_live);
		struct inp_pcb *p;
		struct inp_pcb_info info;
		int rc;

		src.sin_addr.s_addr ^= htonl(stress_below(&rng, 256));
		rc = inp_pcb_lookup(c->w.vnet, INP_PROTO_UDP, SA(&src),
		                    SA(&dst), INP_LOOKUP_WILDCARD |
		                    (wlock ? INP_LOOKUP_WLOCKPCB
		                           : INP_LOOKUP_RLOCKPCB), NULL, &p,
		                    NULL);
		n++;
		if (rc != 0) {
			STRESS_CHECK(rc == -ENOENT, "lookup: %s",
			             stress_errname(rc));
			/*
			 * LK-9 [2011]: the member chosen under the hash lock
			 * was freed before its lock was taken: "not found",
			 * although the pinned member is there.  The modern
			 * lookup retries on the slow path (strict mode).
			 */
			if (pinned && atomic_load(&c->pinned_live)) {
				STRESS_CHECK(!stress_strict(), "LK-13: lookup "
				             "found nothing while the pinned "
				             "member was bound");
				lost++;
			}
			sched_yield();
			continue;
		}
		stress_assert_locked(p, wlock);
		inp_pcb_get_info(p, &info);
		STRESS_CHECK(!(info.flags & (INP_F_FREED | INP_F_DROPPED)) &&
		             inp_pcb_sock(p) != NULL &&
		             stress_port(&info.local) == PORT,
		             "RC-14: lookup returned a dead or foreign PCB "
		             "(flags %#x, port %u)", info.flags,
		             stress_port(&info.local));
		/* Our lock keeps its membership (leaving needs the wlock). */
		if (p->flags2 & INP_INLBGROUP)
			members++;
		else
			STRESS_CHECK(!pinned || !atomic_load(&c->pinned_live),
			             "G3/LB-5: while the group existed a lookup "
			             "returned socket %lu, not a member",
			             (unsigned long)(uintptr_t)info.udata);
		if (wlock)
			inp_pcb_wunlock(p);
		else
			inp_pcb_runlock(p);
	}
	atomic_fetch_add(&c->lookups, n);
	atomic_fetch_add(&c->members_found, members);
	atomic_fetch_add(&c->lost, lost);
	return NULL;
}

static void run_phase(struct ctx *c, enum phase ph, double churn_fraction)
{
	c->phase = ph;
	atomic_store(&c->churn_stop, false);
	stress_wait(&c->start);
	if (ph == P_CHURN) {
		stress_run_for(churn_fraction);
		atomic_store(&c->churn_stop, true);
	}
	if (ph != P_QUIT)
		stress_wait(&c->end);
}

int main(int argc, char **argv)
{
	static struct ctx c;
	struct worker wk[WORKERS];
	struct reader rd[READERS];
	pthread_t tw[WORKERS], tr[READERS];
	unsigned i, cycles = 0, grown = 0, shrunk_to = 0;
	uint64_t deadline;

	stress_init(argc, argv, "stress_09_lbgroup");
	stress_world_init(&c.w);
	stress_barrier_init(&c.start, WORKERS + 1);
	stress_barrier_init(&c.end, WORKERS + 1);
	c.pinned = lb_socket(&c, 9999);
	atomic_store(&c.pinned_live, true);
	for (i = 0; i < WORKERS; i++) {
		wk[i] = (struct worker){ &c, i };
		stress_spawn(&tw[i], worker_main, &wk[i]);
	}
	for (i = 0; i < READERS; i++) {
		rd[i] = (struct reader){ &c, i };
		stress_spawn(&tr[i], reader_main, &rd[i]);
	}
	deadline = stress_now_ns() + (uint64_t)(stress_seconds * 1e9);
	do {
		unsigned m;

		run_phase(&c, P_BIND_ALL, 0);
		STRESS_CHECK(count_bound(&c) == NSOCK + 1, "not all bound");
		m = inspect(&c, "bind all", NSOCK + 1);
		STRESS_CHECK(m == LB_MAX, "LB-5: %u members with %u sockets "
		             "bound, expected %u", m, NSOCK + 1, LB_MAX);
		grown = m;
		run_phase(&c, P_CHURN, 0.15);
		inspect(&c, "churn", count_bound(&c));
		run_phase(&c, P_SHRINK, 0);
		shrunk_to = inspect(&c, "shrink", count_bound(&c));
		cycles++;
	} while (stress_now_ns() < deadline);
	run_phase(&c, P_CLOSE_ALL, 0);
	inspect(&c, "close all", count_bound(&c));
	atomic_store(&c.pinned_live, false);
	STRESS_OK(inp_sock_close(c.pinned));
	c.pinned = NULL;
	run_phase(&c, P_QUIT, 0);
	for (i = 0; i < WORKERS; i++)
		stress_join(tw[i]);
	/* Nothing bound: lookups find nothing (the group is gone). */
	{
		struct sockaddr_in src = stress_sin("198.51.100.1", 9);
		struct sockaddr_in dst = stress_sin("192.0.2.10", PORT);
		struct inp_pcb *p;
		int rc = inp_pcb_lookup(c.w.vnet, INP_PROTO_UDP, SA(&src),
		                        SA(&dst), INP_LOOKUP_WILDCARD |
		                        INP_LOOKUP_RLOCKPCB, NULL, &p, NULL);

		STRESS_CHECK(rc == -ENOENT, "lookup after every socket closed: "
		             "%s", stress_errname(rc));
	}
	atomic_store(&c.readers_stop, true);
	for (i = 0; i < READERS; i++)
		stress_join(tr[i]);
	pthread_barrier_destroy(&c.start);
	pthread_barrier_destroy(&c.end);
	stress_world_fini(&c.w);
	return stress_pass("%u grow/churn/shrink cycles (largest group %u, "
	                   "shrunk to %u); %lu binds, %lu closes; %lu lookups, "
	                   "%lu returned a group member, %lu lost the chosen "
	                   "member to a concurrent close (LK-9 [2011])",
	                   cycles, grown, shrunk_to, atomic_load(&c.binds),
	                   atomic_load(&c.closes), atomic_load(&c.lookups),
	                   atomic_load(&c.members_found),
	                   atomic_load(&c.lost));
}
