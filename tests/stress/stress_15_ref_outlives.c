/*
 * Stress scenario 15 (spec section 12): a reference holder outlives the
 * free.  A thread takes a reference (lookup, inp_pcb_ref, unlock) and
 * sleeps; the PCB's socket is closed and a new socket binds the same
 * address and port; the holder then locks and releases.  It must get
 * "gone" (RC-6), must never see the new socket's PCB through its old
 * pointer (RC-3: a reference pins memory, not identity), and a fresh
 * lookup must find the new socket.
 *
 * Part 1 forces the order with a handshake, in every lock mode pairing.
 * Part 2 lets holders sleep random short times while the main thread
 * closes and rebinds as fast as it can: every "valid" answer must be for
 * the very PCB the holder looked up, alive and bound.
 */
#include "stress.h"

#define PORT 6000
#define HOLDERS 3

struct ctx {
	struct stress_world w;
	pthread_barrier_t step;
	atomic_uintptr_t cur;           /* udata of the bound socket */
	atomic_ulong gone, valid, missed;
};

static int lookup(struct ctx *c, bool wlock, struct inp_pcb **out)
{
	struct sockaddr_in src = stress_sin("198.51.100.7", 4000);
	struct sockaddr_in dst = stress_sin("192.0.2.10", PORT);

	return inp_pcb_lookup(c->w.vnet, INP_PROTO_UDP, SA(&src), SA(&dst),
	                      INP_LOOKUP_WILDCARD | (wlock ? INP_LOOKUP_WLOCKPCB
	                                                   : INP_LOOKUP_RLOCKPCB),
	                      NULL, out, NULL);
}

static void unlock(struct inp_pcb *p, bool wlock)
{
	if (wlock)
		inp_pcb_wunlock(p);
	else
		inp_pcb_runlock(p);
}

static bool lock_rele(struct inp_pcb *p, bool wlock)
{
	if (wlock) {
		inp_pcb_wlock(p);
		return inp_pcb_rele_wlocked(p);
	}
	inp_pcb_rlock(p);
	return inp_pcb_rele_rlocked(p);
}

static struct inp_sock *bind_new(struct ctx *c, uintptr_t id)
{
	struct inp_sock *so = stress_udp(c->w.vnet, id);
	int rc = stress_bind(so, "192.0.2.10", PORT);

	STRESS_CHECK(rc == 0, "rebinding port %u after close: %s", PORT,
	             stress_errname(rc));
	atomic_store(&c->cur, id);
	return so;
}

/* ---- part 1: forced ----------------------------------------------------- */

struct forced_arg {
	struct ctx *c;
	bool wlook, wrele;
	uintptr_t old_id, new_id;
};

static void *forced_holder(void *arg)
{
	struct forced_arg *a = arg;
	struct inp_pcb *p, *q;

	STRESS_OK(lookup(a->c, a->wlook, &p));
	STRESS_CHECK(inp_pcb_udata(p) == (void *)a->old_id,
	             "lookup found udata %p, expected the old socket",
	             inp_pcb_udata(p));
	inp_pcb_ref(p);
	unlock(p, a->wlook);
	stress_wait(&a->c->step);       /* 1: holding a reference */
	stress_wait(&a->c->step);       /* 2: freed, port reused */
	STRESS_CHECK(lock_rele(p, a->wrele),
	             "RC-6: release after the free answered \"valid\" (%s "
	             "lock): the holder would use a freed PCB",
	             a->wrele ? "write" : "read");
	/* p is gone: not touched again.  The port now belongs to new_id. */
	STRESS_OK(lookup(a->c, a->wlook, &q));
	STRESS_CHECK(inp_pcb_udata(q) == (void *)a->new_id,
	             "after the free a lookup found udata %p, expected the "
	             "new socket %p", inp_pcb_udata(q), (void *)a->new_id);
	unlock(q, a->wlook);
	return NULL;
}

static void forced(struct ctx *c, uintptr_t *id)
{
	unsigned mode;

	stress_barrier_init(&c->step, 2);
	for (mode = 0; mode < 4; mode++) {
		struct forced_arg a = { c, mode & 1, (mode & 2) != 0, *id,
		                        *id + 1 };
		struct inp_sock *old = bind_new(c, *id), *neu;
		pthread_t t;

		stress_spawn(&t, forced_holder, &a);
		stress_wait(&c->step);  /* 1 */
		STRESS_OK(inp_sock_close(old));
		neu = bind_new(c, *id + 1);
		/* The memory is pinned: the new PCB cannot be the old one. */
		stress_wait(&c->step);  /* 2 */
		stress_join(t);
		STRESS_OK(inp_sock_close(neu));
		*id += 2;
	}
	pthread_barrier_destroy(&c->step);
}

/* ---- part 2: unforced ---------------------------------------------------- */

struct holder_arg {
	struct ctx *c;
	unsigned idx;
};

static void *holder(void *arg)
{
	struct holder_arg *h = arg;
	struct ctx *c = h->c;
	struct stress_rng rng;

	stress_rng_init(&rng, 100 + h->idx);
	while (!stress_stop()) {
		bool wlook = stress_below(&rng, 2), wrele = stress_below(&rng, 2);
		struct inp_pcb *p;
		void *udata;

		if (lookup(c, wlook, &p) != 0) {
			atomic_fetch_add(&c->missed, 1);  /* between close and bind */
			continue;
		}
		udata = inp_pcb_udata(p);
		inp_pcb_ref(p);
		unlock(p, wlook);
		if (stress_below(&rng, 2))
			usleep(stress_below(&rng, 50));
		else
			stress_maybe_yield(&rng);
		if (lock_rele(p, wrele)) {
			atomic_fetch_add(&c->gone, 1);
			continue;
		}
		/* "valid": the PCB we looked up, still alive and bound. */
		struct inp_pcb_info info;

		inp_pcb_get_info(p, &info);
		STRESS_CHECK(!(info.flags & (INP_F_FREED | INP_F_DROPPED)),
		             "RC-6: \"valid\" for a PCB with flags %#x",
		             info.flags);
		STRESS_CHECK(info.udata == udata && inp_pcb_udata(p) == udata,
		             "RC-3: the referenced PCB changed identity (udata "
		             "%p, looked up %p)", info.udata, udata);
		STRESS_CHECK(stress_port(&info.local) == PORT &&
		             inp_pcb_sock(p) != NULL,
		             "RC-6: \"valid\" PCB is not the bound socket's");
		atomic_fetch_add(&c->valid, 1);
		unlock(p, wrele);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static struct ctx c;
	struct holder_arg ha[HOLDERS];
	pthread_t t[HOLDERS];
	uintptr_t id = 1;
	unsigned long cycles = 0;
	struct inp_sock *so;
	uint64_t deadline;
	unsigned i;

	stress_init(argc, argv, "stress_15_ref_outlives");
	stress_world_init(&c.w);
	forced(&c, &id);

	so = bind_new(&c, id++);
	for (i = 0; i < HOLDERS; i++) {
		ha[i] = (struct holder_arg){ &c, i };
		stress_spawn(&t[i], holder, &ha[i]);
	}
	deadline = stress_now_ns() + (uint64_t)(stress_seconds * 1e9);
	while (stress_now_ns() < deadline) {
		STRESS_OK(inp_sock_close(so));
		so = bind_new(&c, id++);
		cycles++;
		if ((cycles & 15) == 0)
			usleep(20);      /* let holders sleep across a free */
	}
	atomic_store(&stress_stop_flag, true);
	for (i = 0; i < HOLDERS; i++)
		stress_join(t[i]);
	STRESS_OK(inp_sock_close(so));
	stress_world_fini(&c.w);
	return stress_pass("4 forced holder/free/rebind sequences; %lu "
	                   "close+rebind cycles; releases: %lu gone, %lu "
	                   "valid; %lu lookups between close and rebind",
	                   cycles, atomic_load(&c.gone), atomic_load(&c.valid),
	                   atomic_load(&c.missed));
}
