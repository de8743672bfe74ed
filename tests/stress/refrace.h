/*
 * refrace.h - the release race of spec section 2.3, driven step by step
 * (scenarios 2 and 3 of section 12).
 *
 * Two reader threads, A and B, take references on a bound UDP PCB the way
 * a caller of the public API does (a lookup, inp_pcb_ref(), unlock); the
 * main thread plays C, the closer.  Each reader runs commands the main
 * thread posts to it, one at a time, so the main thread decides the exact
 * interleaving: "A and B both hold the read lock", "C frees", "A releases
 * first".  The commands are the only things a reader does with the PCB,
 * and they follow the contract of <inpcb/pcb.h>: lock it, release the
 * reference, and after "valid" use and unlock it; after "gone" never touch
 * it again.
 *
 * What is checked, in every interleaving:
 *   - a release after the free answers "gone" (RC-6, the INP_FREED fix),
 *     whichever reader goes first and in whichever lock mode;
 *   - a release before the free answers "valid", the PCB still locked,
 *     attached to its socket and without INP_FREED (RC-6, inv. 5/6);
 *   - the memory is reclaimed exactly once, by the last release (inv.
 *     9/10): the PCB holds a reference on its credential until reclaimed
 *     (LC-22), so the credential's count says how many PCBs are left;
 *     ASan adds "nobody touches it afterwards" and "nothing leaks".
 *
 * The program including this defines REFRACE_MIXED to 0 (scenario 2: both
 * readers read-lock) or 1 (scenario 3: one reads, one writes).
 */
#ifndef INPCB_STRESS_REFRACE_H
#define INPCB_STRESS_REFRACE_H

#define STRESS_INTERNAL   /* reference counts of our own PCB and cred */
#include "stress.h"

enum rr_cmd { RR_NONE, RR_REF, RR_LOCK, RR_RELE, RR_UNLOCK, RR_LOCK_RELE,
              RR_EXIT };
enum rr_res { RR_PENDING, RR_DONE, RR_VALID, RR_GONE };

struct rr_reader {
	const char *name;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	enum rr_cmd cmd;          /* posted by main, RR_NONE when taken */
	bool wlock;               /* lock mode of the command */
	enum rr_res res;          /* the reader's answer */
	/* the reader's own state */
	struct inp_pcb *pcb;      /* referenced, or NULL */
	bool locked;
	struct stress_world *w;
	unsigned port;
};

static void rr_lookup_ref(struct rr_reader *r)
{
	struct sockaddr_in src = stress_sin("198.51.100.1", 9);
	struct sockaddr_in dst = stress_sin("192.0.2.10", r->port);
	struct inp_pcb *p = NULL;

	STRESS_OK(inp_pcb_lookup(r->w->vnet, INP_PROTO_UDP, SA(&src), SA(&dst),
	                         INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB,
	                         NULL, &p, NULL));
	inp_pcb_ref(p);           /* RC-1: we hold its lock */
	inp_pcb_runlock(p);
	r->pcb = p;
}

static void rr_lock(struct rr_reader *r, bool wlock)
{
	if (wlock)
		inp_pcb_wlock(r->pcb);
	else
		inp_pcb_rlock(r->pcb);
	r->locked = true;
	r->wlock = wlock;
}

/* A "valid" PCB: still ours to use, so it must be alive and attached. */
static void rr_use(struct rr_reader *r)
{
	struct inp_pcb_info info;

	inp_pcb_get_info(r->pcb, &info);
	STRESS_CHECK(!(info.flags & INP_F_FREED),
	             "RC-6/§2.3: reader %s got \"valid\" for a freed PCB",
	             r->name);
	STRESS_CHECK(inp_pcb_sock(r->pcb) != NULL,
	             "RC-6: reader %s got \"valid\" for a detached PCB",
	             r->name);
	STRESS_CHECK(stress_port(&info.local) == r->port,
	             "reader %s: valid PCB has port %u, expected %u", r->name,
	             stress_port(&info.local), r->port);
}

static enum rr_res rr_rele(struct rr_reader *r)
{
	bool gone = r->wlock ? inp_pcb_rele_wlocked(r->pcb)
	                     : inp_pcb_rele_rlocked(r->pcb);

	if (gone) {
		r->pcb = NULL;    /* unlocked by the callee: never touch it */
		r->locked = false;
		return RR_GONE;
	}
	rr_use(r);                /* still locked, ours */
	return RR_VALID;
}

static void *rr_main(void *arg)
{
	struct rr_reader *r = arg;

	for (;;) {
		enum rr_cmd cmd;
		enum rr_res res = RR_DONE;

		pthread_mutex_lock(&r->mu);
		while (r->cmd == RR_NONE)
			pthread_cond_wait(&r->cv, &r->mu);
		cmd = r->cmd;
		pthread_mutex_unlock(&r->mu);

		switch (cmd) {
		case RR_REF:
			rr_lookup_ref(r);
			break;
		case RR_LOCK:
			rr_lock(r, r->wlock);
			break;
		case RR_RELE:
			res = rr_rele(r);
			break;
		case RR_UNLOCK:
			STRESS_CHECK(r->locked && r->pcb != NULL,
			             "reader %s: unlock without a lock", r->name);
			if (r->wlock)
				inp_pcb_wunlock(r->pcb);
			else
				inp_pcb_runlock(r->pcb);
			r->locked = false;
			r->pcb = NULL;    /* the reference went with "valid" */
			break;
		case RR_LOCK_RELE:
			rr_lock(r, r->wlock);
			res = rr_rele(r);
			if (res == RR_VALID) {
				if (r->wlock)
					inp_pcb_wunlock(r->pcb);
				else
					inp_pcb_runlock(r->pcb);
				r->locked = false;
				r->pcb = NULL;
			}
			break;
		default:
			break;
		}
		pthread_mutex_lock(&r->mu);
		r->res = res;
		r->cmd = RR_NONE;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		if (cmd == RR_EXIT)
			return NULL;
	}
}

static void rr_post(struct rr_reader *r, enum rr_cmd cmd, bool wlock)
{
	pthread_mutex_lock(&r->mu);
	while (r->cmd != RR_NONE)
		pthread_cond_wait(&r->cv, &r->mu);
	r->cmd = cmd;
	r->wlock = wlock;
	r->res = RR_PENDING;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static enum rr_res rr_wait(struct rr_reader *r)
{
	enum rr_res res;

	pthread_mutex_lock(&r->mu);
	while (r->res == RR_PENDING)
		pthread_cond_wait(&r->cv, &r->mu);
	res = r->res;
	pthread_mutex_unlock(&r->mu);
	return res;
}

/* Post a command and wait for its answer. */
static enum rr_res rr_do(struct rr_reader *r, enum rr_cmd cmd, bool wlock)
{
	rr_post(r, cmd, wlock);
	return rr_wait(r);
}

static void rr_start(struct rr_reader *r, const char *name,
                     struct stress_world *w, unsigned port)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->w = w;
	r->port = port;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	stress_spawn(&r->thread, rr_main, r);
}

static void rr_stop(struct rr_reader *r)
{
	rr_do(r, RR_EXIT, false);
	stress_join(r->thread);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
}

/* ---- the world of one round ------------------------------------------- */

struct rr_round {
	struct stress_world *w;
	struct inp_cred *cred;    /* the PCB's, ours: its count tells */
	struct inp_sock *so;
	struct inp_pcb *pcb;      /* for reference-count peeks only */
	unsigned base;            /* cred refs with no socket and no PCB */
};

static void rr_open(struct rr_round *rd, unsigned port)
{
	STRESS_OK(inp_sock_open(rd->w->vnet, AF_INET, INP_PROTO_UDP, rd->cred,
	                        &rd->so));
	inp_sock_set_label(rd->so, "victim");
	STRESS_OK(stress_bind(rd->so, "192.0.2.10", port));
	rd->pcb = inp_sock_pcb(rd->so);
	/* ours + the socket's + the PCB's (LC-22) */
	STRESS_CHECK(stress_cred_refs(rd->cred) == rd->base + 2,
	             "cred refs %u after open, expected %u",
	             stress_cred_refs(rd->cred), rd->base + 2);
}

/* C: close the socket (detach + in_pcbfree: INP_FREED, attachment ref). */
static void rr_close(struct rr_round *rd)
{
	STRESS_OK(inp_sock_close(rd->so));
	rd->so = NULL;
}

/* The PCB's memory is still there (someone holds a reference). */
static void rr_expect_alive(struct rr_round *rd, unsigned pcb_refs,
                            const char *when)
{
	STRESS_CHECK(stress_cred_refs(rd->cred) == rd->base + 1,
	             "%s: the PCB was reclaimed while a reference was held "
	             "(cred refs %u)", when, stress_cred_refs(rd->cred));
	STRESS_CHECK(stress_pcb_refs(rd->pcb) == pcb_refs,
	             "%s: PCB refcount %u, expected %u", when,
	             stress_pcb_refs(rd->pcb), pcb_refs);
}

/* Reclaimed exactly once: the PCB's credential reference is gone. */
static void rr_expect_reclaimed(struct rr_round *rd, const char *when)
{
	unsigned refs = stress_cred_refs(rd->cred);

	STRESS_CHECK(refs == rd->base,
	             "%s: cred refs %u, expected %u (%s)", when, refs,
	             rd->base, refs > rd->base ? "PCB never reclaimed (leak)"
	                                       : "PCB reclaimed twice");
	rd->pcb = NULL;
}

static void rr_expect(enum rr_res got, enum rr_res want, const char *what)
{
	static const char *const names[] = { "pending", "done", "valid",
	                                     "gone" };

	STRESS_CHECK(got == want, "%s: release answered \"%s\", expected "
	             "\"%s\"", what, names[got], names[want]);
}

/* ---- the interleavings -------------------------------------------------- */

#define RR_PORT 5000

struct rr_ctx {
	struct stress_world w;
	struct rr_round rd;
	struct rr_reader a, b;
	unsigned long rounds, both_valid, one_valid, both_gone;
};

static const char *rr_mode(bool wlock)
{
	return wlock ? "write" : "read";
}

/*
 * §2.3 as the table has it: A and B hold references, C frees, then both
 * lock and release, `first` before `second`.  When both read-lock they
 * hold the lock at the same time (step 6 of the table); when one writes,
 * the second one's lock waits for the first release.
 */
static void rr_after_free(struct rr_ctx *c, struct rr_reader *first,
                          bool wfirst, struct rr_reader *second,
                          bool wsecond)
{
	char what[128];

	snprintf(what, sizeof(what), "free, then %s (%s) and %s (%s)",
	         first->name, rr_mode(wfirst), second->name,
	         rr_mode(wsecond));
	rr_open(&c->rd, RR_PORT);
	rr_do(first, RR_REF, false);
	rr_do(second, RR_REF, false);
	rr_close(&c->rd);
	rr_expect_alive(&c->rd, 2, what);        /* two lookup references */
	if (!wfirst && !wsecond) {
		rr_do(first, RR_LOCK, false);
		rr_do(second, RR_LOCK, false);   /* both hold the read lock */
		rr_expect(rr_do(first, RR_RELE, false), RR_GONE, what);
		rr_expect_alive(&c->rd, 1, what);
		rr_expect(rr_do(second, RR_RELE, false), RR_GONE, what);
	} else {
		/* Sequential: first releases completely, then second. */
		rr_do(first, RR_LOCK, wfirst);
		rr_expect(rr_do(first, RR_RELE, wfirst), RR_GONE, what);
		rr_expect_alive(&c->rd, 1, what);
		rr_expect(rr_do(second, RR_LOCK_RELE, wsecond), RR_GONE, what);
		/* Overlapping: second blocks on the lock first holds. */
		rr_expect_reclaimed(&c->rd, what);
		rr_open(&c->rd, RR_PORT);
		rr_do(first, RR_REF, false);
		rr_do(second, RR_REF, false);
		rr_close(&c->rd);
		rr_do(first, RR_LOCK, wfirst);
		rr_post(second, RR_LOCK_RELE, wsecond);
		usleep(1000);    /* usually: second is now blocked */
		rr_expect(rr_do(first, RR_RELE, wfirst), RR_GONE, what);
		rr_expect(rr_wait(second), RR_GONE, what);
	}
	rr_expect_reclaimed(&c->rd, what);
}

/* Both release before the free: "valid" twice, then C's free reclaims. */
static void rr_before_free(struct rr_ctx *c, bool wa, bool wb)
{
	const char *what = "releases before the free";

	rr_open(&c->rd, RR_PORT);
	rr_do(&c->a, RR_REF, false);
	rr_do(&c->b, RR_REF, false);
	rr_do(&c->a, RR_LOCK, wa);
	if (!wa && !wb)
		rr_do(&c->b, RR_LOCK, false);    /* both read-locked at once */
	rr_expect(rr_do(&c->a, RR_RELE, wa), RR_VALID, what);
	rr_do(&c->a, RR_UNLOCK, wa);
	if (wa || wb)
		rr_do(&c->b, RR_LOCK, wb);
	rr_expect(rr_do(&c->b, RR_RELE, wb), RR_VALID, what);
	rr_do(&c->b, RR_UNLOCK, wb);
	STRESS_CHECK(stress_pcb_refs(c->rd.pcb) == 1, "%s: PCB refcount %u, "
	             "expected the attachment reference only", what,
	             stress_pcb_refs(c->rd.pcb));
	rr_close(&c->rd);
	rr_expect_reclaimed(&c->rd, what);
}

static pthread_t rr_closer_thread;

static void *rr_closer(void *arg)
{
	rr_close(arg);
	return NULL;
}

/*
 * A holds the lock when C starts to free: C waits for it, so A's release
 * is "valid"; B, after the free, gets "gone" and reclaims.
 */
static void rr_free_waits(struct rr_ctx *c, bool wa, bool wb)
{
	const char *what = "free waiting for a reader's lock";

	rr_open(&c->rd, RR_PORT);
	rr_do(&c->a, RR_REF, false);
	rr_do(&c->b, RR_REF, false);
	rr_do(&c->a, RR_LOCK, wa);
	stress_spawn(&rr_closer_thread, rr_closer, &c->rd);
	usleep(1000);    /* usually: C is now blocked on the write lock */
	rr_expect(rr_do(&c->a, RR_RELE, wa), RR_VALID, what);
	rr_do(&c->a, RR_UNLOCK, wa);
	stress_join(rr_closer_thread);
	rr_expect_alive(&c->rd, 1, what);
	rr_expect(rr_do(&c->b, RR_LOCK_RELE, wb), RR_GONE, what);
	rr_expect_reclaimed(&c->rd, what);
}

/*
 * Unforced: A and B lock and release while C frees, in whatever order
 * the scheduler picks.  Each answer may be either, but a "valid" one
 * must be for a live PCB (checked by the reader) and the memory must be
 * reclaimed exactly once whatever happened.
 */
static void rr_random_round(struct rr_ctx *c, struct stress_rng *rng,
                            bool wa, bool wb)
{
	enum rr_res ra, rb;

	rr_open(&c->rd, RR_PORT);
	rr_do(&c->a, RR_REF, false);
	rr_do(&c->b, RR_REF, false);
	rr_post(&c->a, RR_LOCK_RELE, wa);
	rr_post(&c->b, RR_LOCK_RELE, wb);
	for (unsigned n = stress_below(rng, 4); n > 0; n--)
		sched_yield();
	rr_close(&c->rd);
	ra = rr_wait(&c->a);
	rb = rr_wait(&c->b);
	rr_expect_reclaimed(&c->rd, "unforced round");
	c->rounds++;
	if (ra == RR_VALID && rb == RR_VALID)
		c->both_valid++;
	else if (ra == RR_VALID || rb == RR_VALID)
		c->one_valid++;
	else
		c->both_gone++;
}

/* Scenario 2 (mixed false) or 3 (mixed true). */
static int rr_run(int argc, char **argv, const char *name, bool mixed)
{
	struct rr_ctx *c = calloc(1, sizeof(*c));
	struct stress_rng rng;
	uint64_t deadline;
	unsigned forced = 0;
	int m;

	STRESS_CHECK(c != NULL, "out of memory");
	stress_init(argc, argv, name);
	stress_rng_init(&rng, 0);
	stress_world_init(&c->w);
	c->rd.w = &c->w;
	STRESS_OK(inp_cred_create(c->w.host, 0, NULL, 0, &c->rd.cred));
	c->rd.base = stress_cred_refs(c->rd.cred);
	rr_start(&c->a, "A", &c->w, RR_PORT);
	rr_start(&c->b, "B", &c->w, RR_PORT);

	/*
	 * Forced interleavings: every lock-mode combination of the
	 * scenario, both release orders.  Scenario 2: read/read.
	 * Scenario 3: read/write and write/read.
	 */
	for (m = 0; m < 2; m++) {
		bool wa = mixed ? m == 1 : false;
		bool wb = mixed ? m == 0 : false;

		if (!mixed && m == 1)
			break;
		rr_after_free(c, &c->a, wa, &c->b, wb);      /* A first */
		rr_after_free(c, &c->b, wb, &c->a, wa);      /* B first */
		rr_before_free(c, wa, wb);
		rr_free_waits(c, wa, wb);
		rr_free_waits(c, wb, wa);
		forced += 5;
	}

	/* Unforced rounds for the rest of the budget. */
	deadline = stress_now_ns() + (uint64_t)(stress_seconds * 1e9);
	while (stress_now_ns() < deadline) {
		bool wa = mixed ? stress_below(&rng, 2) == 1 : false;

		rr_random_round(c, &rng, wa, mixed ? !wa : false);
	}

	rr_stop(&c->a);
	rr_stop(&c->b);
	inp_cred_rele(c->rd.cred);
	stress_world_fini(&c->w);
	stress_pass("%u forced interleavings; %lu unforced rounds: both "
	            "valid %lu, one valid %lu, both gone %lu", forced,
	            c->rounds, c->both_valid, c->one_valid, c->both_gone);
	free(c);
	return 0;
}

#endif
