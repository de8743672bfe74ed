/*
 * Stress scenario 6 (spec section 12): connect/disconnect churn under
 * lookups.  NSOCK UDP sockets are bound to 0.0.0.0:PORT0+i; churner
 * threads move each through the cycle
 *
 *     step 4k:   connect to remote A_i      (state after: connected to A)
 *     step 4k+1: disconnect                  (unconnected)
 *     step 4k+2: connect to remote B_i      (connected to B)
 *     step 4k+3: disconnect                  (unconnected)
 *
 * counting started and completed steps.  Readers look a socket up (read
 * or write mode, chosen at random) by
 *   - the exact tuple from A_i or B_i (no wildcard),
 *   - the same tuple with INP_LOOKUP_WILDCARD,
 *   - an unrelated source with INP_LOOKUP_WILDCARD (finds it only while
 *     unconnected: a connected UDP socket has a specific local address
 *     and a foreign one).
 * Before the call a reader reads the completed count d0, after it the
 * started count s1: during the call the socket was in some state of steps
 * d0..s1.  An answer must be possible in one of them, and a miss must be
 * too: a socket that was in a matching state for the whole call must be
 * found (RC-14 and section 5.1: a lookup returns the PCB only in
 * matching states, and does not lose one).  Lookups never hang
 * (watchdog) and return the PCB locked in the requested mode, alive.
 *
 * "Matching" is judged as RC-15 allows today: the 2011 lookup matches
 * under the table lock, so the PCB it returns may have been disconnected
 * or reconnected before its lock was taken; it must have matched at some
 * point of the call, and those stale answers are counted.  Modern
 * lookups re-check the tuple under the PCB lock; INPCB_STRESS_STRICT=1
 * then requires the returned state itself to match.
 */
#define STRESS_INTERNAL   /* lock-mode check of the returned PCB */
#include "stress.h"

#define NSOCK 4
#define PORT0 8000
#define CHURNERS 2
#define READERS 2

struct sock_state {
	struct inp_sock *so;
	char a[16], b[16];              /* the two remotes */
	atomic_ulong started, done;     /* steps */
};

struct ctx {
	struct stress_world w;
	struct sock_state s[NSOCK];
	atomic_ulong found, missed, stale, cycles;
};

/* INPCB_STRESS_STRICT=1: the returned PCB matches under its lock. */
static bool strict;

enum st { ST_UNCONN, ST_A, ST_B };

static enum st state_after(unsigned long n)
{
	switch (n % 4) {
	case 1: return ST_A;
	case 3: return ST_B;
	default: return ST_UNCONN;
	}
}

/* Which states did the socket pass through in steps d0..s1? */
static unsigned states_between(unsigned long d0, unsigned long s1)
{
	unsigned mask = 0;
	unsigned long n;

	if (s1 - d0 >= 4)
		return 7;
	for (n = d0; n <= s1; n++)
		mask |= 1u << state_after(n);
	return mask;
}

struct churner {
	struct ctx *c;
	unsigned idx;
};

static void *churner_main(void *arg)
{
	struct churner *ch = arg;
	struct ctx *c = ch->c;
	struct stress_rng rng;

	stress_rng_init(&rng, ch->idx);
	while (!stress_stop()) {
		/* Sockets idx, idx + CHURNERS, ...: one owner each. */
		unsigned i = ch->idx + CHURNERS *
		             stress_below(&rng, NSOCK / CHURNERS);
		struct sock_state *s = &c->s[i];
		unsigned long n = atomic_load(&s->started);
		int rc;

		atomic_store(&s->started, n + 1);
		switch (n % 4) {
		case 0: rc = stress_connect(s->so, s->a, 9); break;
		case 2: rc = stress_connect(s->so, s->b, 9); break;
		default: rc = inp_sock_disconnect(s->so, NULL); break;
		}
		STRESS_CHECK(rc == 0, "socket %u step %lu (%s) failed: %s", i,
		             n, n % 2 == 0 ? "connect" : "disconnect",
		             stress_errname(rc));
		atomic_store(&s->done, n + 1);
		if (n % 4 == 3)
			atomic_fetch_add(&c->cycles, 1);
		stress_maybe_yield(&rng);
	}
	return NULL;
}

struct reader {
	struct ctx *c;
	unsigned idx;
};

static const char *const state_name[] = { "unconnected", "connected to A",
                                          "connected to B" };

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct ctx *c = r->c;
	struct stress_rng rng;
	unsigned long found = 0, missed = 0, stale = 0;

	stress_rng_init(&rng, 100 + r->idx);
	while (!stress_stop()) {
		unsigned i = stress_below(&rng, NSOCK);
		unsigned kind = stress_below(&rng, 5);
		bool wlock = stress_below(&rng, 2);
		struct sock_state *s = &c->s[i];
		/* kinds 0,1: from A; 2,3: from B; 4: unrelated source */
		const char *from = kind < 2 ? s->a : kind < 4 ? s->b
		                                            : "203.0.113.1";
		bool wild = kind == 4 || (kind & 1);
		struct sockaddr_in src = stress_sin(from, kind == 4 ? 7 : 9);
		struct sockaddr_in dst = stress_sin("192.0.2.10", PORT0 + i);
		unsigned flags = (wild ? INP_LOOKUP_WILDCARD : 0) |
		                 (wlock ? INP_LOOKUP_WLOCKPCB
		                        : INP_LOOKUP_RLOCKPCB);
		/* States in which this lookup must find socket i. */
		unsigned match = kind == 4 ? 1u << ST_UNCONN
		               : (1u << (kind < 2 ? ST_A : ST_B)) |
		                 (wild ? 1u << ST_UNCONN : 0);
		unsigned long d0, s1;
		unsigned seen;
		struct inp_pcb *p = NULL;
		int rc;

		d0 = atomic_load(&s->done);
		rc = inp_pcb_lookup(c->w.vnet, INP_PROTO_UDP, SA(&src),
		                    SA(&dst), flags, NULL, &p, NULL);
		s1 = atomic_load(&s->started);
		seen = states_between(d0, s1);
		if (rc != 0) {
			STRESS_CHECK(rc == -ENOENT, "lookup: %s",
			             stress_errname(rc));
			STRESS_CHECK((seen & ~match) != 0,
			             "socket %u was %s for the whole lookup "
			             "(steps %lu..%lu) but lookup kind %u "
			             "missed it", i, state_name[state_after(d0)],
			             d0, s1, kind);
			missed++;
			continue;
		}
		{
			struct inp_pcb_info info;
			enum st st;

			stress_assert_locked(p, wlock);
			inp_pcb_get_info(p, &info);
			STRESS_CHECK((uintptr_t)info.udata == i + 1,
			             "lookup for port %u found socket %lu",
			             PORT0 + i, (unsigned long)(uintptr_t)info.udata - 1);
			STRESS_CHECK(!(info.flags & (INP_F_FREED |
			                             INP_F_DROPPED)),
			             "RC-14: lookup returned flags %#x",
			             info.flags);
			if (info.state == INP_ST_CONNECTED) {
				uint32_t fa = stress_addr4(&info.foreign);

				STRESS_CHECK(stress_port(&info.foreign) == 9 &&
				             (fa == stress_a4(s->a) ||
				              fa == stress_a4(s->b)),
				             "socket %u connected to an unknown "
				             "remote", i);
				STRESS_CHECK(stress_addr4(&info.local) ==
				             stress_a4("192.0.2.10"),
				             "C7: connected socket %u has no local "
				             "address", i);
				st = fa == stress_a4(s->a) ? ST_A : ST_B;
			} else {
				STRESS_CHECK(info.state == INP_ST_BOUND &&
				             stress_addr4(&info.local) == 0,
				             "socket %u: state %d, local not ANY "
				             "after disconnect (C11)", i,
				             info.state);
				st = ST_UNCONN;
			}
			STRESS_CHECK(stress_port(&info.local) == PORT0 + i,
			             "socket %u lost its port", i);
			/*
			 * RC-15: the 2011 lookup matched under the table lock
			 * and the PCB may have moved before its lock was
			 * taken; it must have matched at some point of the
			 * call.  The modern lookup re-checks under the PCB
			 * lock: then the state it returns must match
			 * (INPCB_STRESS_STRICT=1).
			 */
			STRESS_CHECK((seen & match) != 0,
			             "lookup kind %u returned socket %u, which "
			             "never matched during the call (steps "
			             "%lu..%lu)", kind, i, d0, s1);
			if (!(match & (1u << st))) {
				STRESS_CHECK(!strict, "RC-15 [modern]: lookup "
				             "kind %u returned socket %u %s: no "
				             "longer a matching state", kind, i,
				             state_name[st]);
				stale++;
			}
			STRESS_CHECK((seen & (1u << st)) != 0,
			             "lookup returned socket %u %s, a state it "
			             "was not in during the call (steps %lu..%lu)",
			             i, state_name[st], d0, s1);
		}
		found++;
		if (wlock)
			inp_pcb_wunlock(p);
		else
			inp_pcb_runlock(p);
	}
	atomic_fetch_add(&c->found, found);
	atomic_fetch_add(&c->missed, missed);
	atomic_fetch_add(&c->stale, stale);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct ctx c;
	struct churner ch[CHURNERS];
	struct reader rd[READERS];
	pthread_t tc[CHURNERS], tr[READERS];
	unsigned i;

	stress_init(argc, argv, "stress_06_connect_churn");
	strict = stress_strict();
	stress_world_init(&c.w);
	for (i = 0; i < NSOCK; i++) {
		struct sock_state *s = &c.s[i];

		snprintf(s->a, sizeof(s->a), "192.0.2.%u", 100 + 2 * i);
		snprintf(s->b, sizeof(s->b), "192.0.2.%u", 101 + 2 * i);
		s->so = stress_udp(c.w.vnet, i + 1);
		STRESS_OK(stress_bind(s->so, "0.0.0.0", PORT0 + i));
	}
	for (i = 0; i < CHURNERS; i++) {
		ch[i] = (struct churner){ &c, i };
		stress_spawn(&tc[i], churner_main, &ch[i]);
	}
	for (i = 0; i < READERS; i++) {
		rd[i] = (struct reader){ &c, i };
		stress_spawn(&tr[i], reader_main, &rd[i]);
	}
	stress_run_for(1.0);
	for (i = 0; i < CHURNERS; i++)
		stress_join(tc[i]);
	for (i = 0; i < READERS; i++)
		stress_join(tr[i]);
	stress_check_invariants(c.w.vnet);
	for (i = 0; i < NSOCK; i++)
		STRESS_OK(inp_sock_close(c.s[i].so));
	stress_world_fini(&c.w);
	return stress_pass("%lu connect/disconnect cycles; %lu lookups found "
	                   "their socket, %lu of them no longer matching once "
	                   "locked (RC-15 [2011]%s); %lu missed it in a "
	                   "non-matching state", atomic_load(&c.cycles),
	                   atomic_load(&c.found), atomic_load(&c.stale),
	                   strict ? ", strict" : "", atomic_load(&c.missed));
}
