/*
 * Stress scenario 1 (spec section 12): lookup racing free.  Reader
 * threads look up a bound UDP socket's address and port, alternating
 * read- and write-locked lookups, while the main thread closes the socket
 * and binds a new one to the same address and port, as fast as it can.
 *
 * Every successful lookup must return (RC-14, inv. 6, 7):
 *   - the PCB locked in the requested mode;
 *   - alive: INP_FREED and INP_DROPPED clear, attached to its socket;
 *   - with the requested tuple: bound to 192.0.2.10:PORT, unconnected;
 *   - a PCB that existed during the lookup: socket generation g (udata)
 *     with g0 <= g <= g1 + 1, where g0 and g1 are the generations
 *     published before and after the call (the main thread publishes g
 *     after binding it and closes g before binding g + 1).
 * Failed lookups may only say -ENOENT.
 */
#define STRESS_INTERNAL   /* lock-mode check of the returned PCB */
#include "stress.h"

#define PORT 5353
#define READERS 3

struct ctx {
	struct stress_world w;
	atomic_uintptr_t cur;           /* generation of the bound socket */
	atomic_uintptr_t seen;          /* latest generation a reader found */
	atomic_ulong hits, misses;
};

struct reader {
	struct ctx *c;
	unsigned idx;
};

static void check_hit(struct inp_pcb *p, bool wlock,
                      uintptr_t g0, uintptr_t g1)
{
	struct inp_pcb_info info;
	uintptr_t g;

	stress_assert_locked(p, wlock);
	inp_pcb_get_info(p, &info);
	g = (uintptr_t)info.udata;
	STRESS_CHECK(!(info.flags & (INP_F_FREED | INP_F_DROPPED)),
	             "RC-14: lookup returned a PCB with flags %#x (freed "
	             "%d, dropped %d)", info.flags,
	             (info.flags & INP_F_FREED) != 0,
	             (info.flags & INP_F_DROPPED) != 0);
	STRESS_CHECK(inp_pcb_sock(p) != NULL,
	             "RC-14: lookup returned a detached PCB (gen %lu)",
	             (unsigned long)g);
	STRESS_CHECK(stress_port(&info.local) == PORT &&
	             stress_addr4(&info.local) == stress_a4("192.0.2.10") &&
	             info.state == INP_ST_BOUND,
	             "lookup returned a PCB not bound to 192.0.2.10:%u "
	             "(port %u, state %d)", PORT, stress_port(&info.local),
	             info.state);
	STRESS_CHECK(g >= g0 && g <= g1 + 1,
	             "lookup returned socket generation %lu, not alive "
	             "during the call (generations %lu..%lu)",
	             (unsigned long)g, (unsigned long)g0,
	             (unsigned long)g1);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct ctx *c = r->c;
	struct sockaddr_in src = stress_sin("198.51.100.1", 1000 + r->idx);
	struct sockaddr_in dst = stress_sin("192.0.2.10", PORT);
	struct stress_rng rng;
	unsigned long n = 0, hits = 0, misses = 0;

	stress_rng_init(&rng, r->idx);
	while (!stress_stop()) {
		bool wlock = (n++ & 1) != 0;    /* alternate the modes */
		/* The socket is unconnected: only a wildcard lookup finds it. */
		unsigned flags = INP_LOOKUP_WILDCARD |
		                 (wlock ? INP_LOOKUP_WLOCKPCB
		                        : INP_LOOKUP_RLOCKPCB);
		uintptr_t g0, g1;
		struct inp_pcb *p = NULL;
		int rc;

		src.sin_port = htons(1000 + stress_below(&rng, 100));
		g0 = atomic_load(&c->cur);
		rc = inp_pcb_lookup(c->w.vnet, INP_PROTO_UDP, SA(&src),
		                    SA(&dst), flags, NULL, &p, NULL);
		g1 = atomic_load(&c->cur);
		if (rc != 0) {
			STRESS_CHECK(rc == -ENOENT && p == NULL,
			             "lookup failed with %s (out %p)",
			             stress_errname(rc), (void *)p);
			misses++;
			/*
			 * Back off: with the locked lookup protocol the hash
			 * lock is a reader-preferring rwlock, and readers
			 * spinning on misses starve the rebind (which needs
			 * it for writing) for long spells.
			 */
			sched_yield();
			continue;
		}
		check_hit(p, wlock, g0, g1);
		atomic_store(&c->seen, (uintptr_t)inp_pcb_udata(p));
		hits++;
		stress_maybe_yield(&rng);
		if (wlock)
			inp_pcb_wunlock(p);
		else
			inp_pcb_runlock(p);
	}
	atomic_fetch_add(&c->hits, hits);
	atomic_fetch_add(&c->misses, misses);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct ctx c;
	struct reader r[READERS];
	pthread_t t[READERS];
	struct inp_sock *so;
	unsigned long cycles = 0;
	uintptr_t g = 1;
	uint64_t deadline;
	unsigned i;

	stress_init(argc, argv, "stress_01_lookup_free");
	stress_world_init(&c.w);
	so = stress_udp(c.w.vnet, g);
	STRESS_OK(stress_bind(so, "192.0.2.10", PORT));
	atomic_store(&c.cur, g);
	for (i = 0; i < READERS; i++) {
		r[i] = (struct reader){ &c, i };
		stress_spawn(&t[i], reader_main, &r[i]);
	}
	deadline = stress_now_ns() + (uint64_t)(stress_seconds * 1e9);
	while (stress_now_ns() < deadline) {
		int rc;

		STRESS_OK(inp_sock_close(so));
		so = stress_udp(c.w.vnet, ++g);
		rc = stress_bind(so, "192.0.2.10", PORT);
		STRESS_CHECK(rc == 0, "rebinding the freed port: %s",
		             stress_errname(rc));
		atomic_store(&c.cur, g);
		cycles++;
		/*
		 * Close only once a reader has found this generation (or
		 * after a while): the interesting lookups are those that
		 * hold or wait for the PCB while it is being freed.
		 */
		for (i = 0; i < 200 && atomic_load(&c.seen) != g; i++)
			sched_yield();
	}
	atomic_store(&stress_stop_flag, true);
	for (i = 0; i < READERS; i++)
		stress_join(t[i]);
	STRESS_OK(inp_sock_close(so));
	stress_world_fini(&c.w);
	return stress_pass("%lu close+rebind cycles; %lu lookups returned a "
	                   "live PCB, %lu found none", cycles,
	                   atomic_load(&c.hits), atomic_load(&c.misses));
}
