/*
 * Stress scenario 9b (spec section 12, scenario 9 with a selector,
 * inpcb/lbgroup.h): members of an SO_REUSEPORT_LB group join and leave
 * while readers look up through the group's selector, and a switcher
 * replaces the selector and clears it.
 *
 * NSOCK sockets, owned by WORKERS threads, bind to 192.0.2.10:PORT and
 * close again in waves (all of a worker's sockets, then none), so that
 * the group grows and shrinks through 8, 16, 32 and 64 slots; a pinned
 * member, bound first and closed last, keeps the group alive.  Two
 * readers look up packets from random peers, one on the lockless path
 * (registered thread), one on the serialised path (unregistered); the
 * switcher sets selector A, selector B (same function, other salt), or
 * none, through the pinned socket.
 *
 * The selector checks the snapshot it is given: 1 <= nmembers <= 256,
 * default_index below it, every member's udata a live socket's, none
 * twice, and the pinned member in it while it is bound (LB-8 without a
 * torn array).  It answers by the peer's port: the pinned member, an
 * index beyond the members (the default, G4), or member sport % n.
 *
 * Each reader checks, for every lookup:
 *   - a hit is locked, alive, on PORT and a current member (INP_INLBGROUP
 *     under its lock), never "not found" while the pinned member is bound
 *     (counted, failing only with INPCB_STRESS_STRICT=1 as in stress_09:
 *     the serialised lookup may lose its member to a close);
 *   - when no selector change overlapped the lookup: with no selector the
 *     selector was not called; with one it was, and when its last answer
 *     named a member, that member is the one returned (the lookup takes
 *     its member from the snapshot the selector saw).
 */
#define STRESS_INTERNAL   /* INP_INLBGROUP */
#include "stress.h"

#include <inpcb/lbgroup.h>

#define NSOCK 60
#define WORKERS 3
#define READERS 2
#define PORT 7800
#define PINNED_SLOT 0xff
#define SLOT(udata) ((unsigned)((uintptr_t)(udata) & 0xff))

enum { SEL_NONE, SEL_A, SEL_B, SEL_MODES };

struct ctx;

struct sel {
	struct ctx *c;
	unsigned salt;
};

struct ctx {
	struct stress_world w;
	struct inp_sock *so[NSOCK];     /* slot i owned by worker i % WORKERS */
	struct inp_sock *pinned;
	struct sel sel[SEL_MODES];
	atomic_bool workers_stop, readers_stop, pinned_live;
	atomic_uint sel_seq;            /* odd while the selector changes */
	atomic_int sel_mode;            /* valid while sel_seq is even */
	atomic_uint gen;                /* socket generations, for udata */
	atomic_ulong lookups, picked, defaults, unselected, lost, switches,
	             binds, closes, calls;
};

/* The selector's last answer on this thread (it runs on the reader's). */
static _Thread_local struct {
	unsigned calls;
	uintptr_t udata;        /* the member it named; 0: the default */
} last;

/* LB-8 / lbgroup.h: one consistent snapshot of live, distinct members. */
static void check_snapshot(struct ctx *c, const struct inp_lb_pick *pk)
{
	bool seen[256] = { false };
	unsigned i, slot;

	STRESS_CHECK(pk->nmembers >= 1 && pk->nmembers <= 256 &&
	             pk->default_index < pk->nmembers,
	             "selector: %u members, default %u", pk->nmembers,
	             pk->default_index);
	for (i = 0; i < pk->nmembers; i++) {
		slot = SLOT(pk->members[i].udata);
		STRESS_CHECK(pk->members[i].udata != NULL &&
		             (slot < NSOCK || slot == PINNED_SLOT),
		             "selector: member %u has udata %p", i,
		             pk->members[i].udata);
		STRESS_CHECK(!seen[slot], "selector: socket slot %u twice in "
		             "one snapshot (torn array)", slot);
		seen[slot] = true;
	}
	STRESS_CHECK(seen[PINNED_SLOT] || !atomic_load(&c->pinned_live),
	             "selector: the pinned member is bound but missing from "
	             "the snapshot of %u members", pk->nmembers);
}

static int selector(const struct inp_lb_pick *pk, void *arg)
{
	const struct sel *s = arg;
	unsigned sport = ntohs(pk->key.sport), n = pk->nmembers, i;

	check_snapshot(s->c, pk);
	atomic_fetch_add_explicit(&s->c->calls, 1, memory_order_relaxed);
	last.calls++;
	last.udata = 0;
	switch ((sport + s->salt) % 3) {
	case 0:
		for (i = 0; i < n; i++)
			if (SLOT(pk->members[i].udata) == PINNED_SLOT) {
				last.udata = (uintptr_t)pk->members[i].udata;
				return (int)i;
			}
		return INP_LB_DEFAULT;
	case 1:
		return (int)(n + sport);       /* out of range: G4 */
	default:
		i = sport % n;
		last.udata = (uintptr_t)pk->members[i].udata;
		return (int)i;
	}
}

/* A group member with a fresh udata: generation << 8 | slot. */
static struct inp_sock *lb_socket(struct ctx *c, unsigned slot)
{
	uintptr_t id = ((uintptr_t)atomic_fetch_add(&c->gen, 1) + 1) << 8 |
	               slot;
	struct inp_sock *so = stress_udp(c->w.vnet, id);

	STRESS_OK(stress_setopt_int(so, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB,
	                            1));
	STRESS_OK(stress_bind(so, "192.0.2.10", PORT));
	atomic_fetch_add(&c->binds, 1);
	return so;
}

static void slot_close(struct ctx *c, unsigned i)
{
	if (c->so[i] == NULL)
		return;
	STRESS_OK(inp_sock_close(c->so[i]));
	c->so[i] = NULL;
	atomic_fetch_add(&c->closes, 1);
}

struct worker {
	struct ctx *c;
	unsigned idx;
};

/* Waves: bind every slot of ours, then close them all, in random order. */
static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct ctx *c = wk->c;
	struct stress_rng rng;
	bool fill = true;
	unsigned i, n, per = NSOCK / WORKERS;

	stress_rng_init(&rng, wk->idx);
	while (!atomic_load(&c->workers_stop)) {
		for (n = 0; n < per * 2; n++) {
			i = wk->idx + WORKERS * stress_below(&rng, per);
			if (fill && c->so[i] == NULL)
				c->so[i] = lb_socket(c, i);
			else if (!fill)
				slot_close(c, i);
			stress_maybe_yield(&rng);
			inp_thread_quiescent();    /* QSBR builds */
		}
		fill = !fill;
	}
	for (i = wk->idx; i < NSOCK; i += WORKERS)
		slot_close(c, i);
	return NULL;
}

/* Selector A, B or none, through the pinned member, in turn. */
static void *switcher_main(void *arg)
{
	struct ctx *c = arg;
	struct stress_rng rng;
	int mode;

	stress_rng_init(&rng, 50);
	while (!atomic_load(&c->workers_stop)) {
		mode = (int)stress_below(&rng, SEL_MODES);
		atomic_fetch_add(&c->sel_seq, 1);      /* odd: changing */
		atomic_store(&c->sel_mode, mode);
		STRESS_OK(inp_lbgroup_set_selector(c->pinned,
		                                   mode == SEL_NONE ? NULL
		                                                    : selector,
		                                   &c->sel[mode]));
		atomic_fetch_add(&c->sel_seq, 1);      /* even: settled */
		atomic_fetch_add(&c->switches, 1);
		inp_thread_offline();                  /* QSBR: asleep */
		usleep(200 + stress_below(&rng, 800));
		inp_thread_online();
	}
	return NULL;
}

struct reader {
	struct ctx *c;
	unsigned idx;
	unsigned long n, picked, defaults, unselected, lost;
};

/* The checks of one hit (see the header comment); p is locked. */
static void check_hit(struct reader *r, struct inp_pcb *p, bool wlock,
                      bool settled, int mode, bool pinned)
{
	struct ctx *c = r->c;
	struct inp_pcb_info info;

	stress_assert_locked(p, wlock);
	inp_pcb_get_info(p, &info);
	STRESS_CHECK(!(info.flags & (INP_F_FREED | INP_F_DROPPED)) &&
	             inp_pcb_sock(p) != NULL &&
	             stress_port(&info.local) == PORT,
	             "RC-14: lookup returned a dead or foreign PCB (flags %#x, "
	             "port %u)", info.flags, stress_port(&info.local));
	STRESS_CHECK((p->flags2 & INP_INLBGROUP) || !pinned ||
	             !atomic_load(&c->pinned_live),
	             "G3: while the group existed a lookup returned socket "
	             "%#lx, not a member",
	             (unsigned long)(uintptr_t)info.udata);
	if (!settled)
		return;
	if (mode == SEL_NONE) {
		STRESS_CHECK(last.calls == 0, "the selector ran %u times after "
		             "it was cleared", last.calls);
		r->unselected++;
		return;
	}
	STRESS_CHECK(last.calls >= 1, "the group's selector was not called");
	if (last.udata == 0) {
		r->defaults++;
		return;
	}
	STRESS_CHECK((uintptr_t)info.udata == last.udata,
	             "the selector named socket %#lx, the lookup returned "
	             "%#lx", (unsigned long)last.udata,
	             (unsigned long)(uintptr_t)info.udata);
	r->picked++;
}

static void reader_once(struct reader *r, struct stress_rng *rng)
{
	struct ctx *c = r->c;
	struct sockaddr_in src = stress_sin("198.51.100.1",
	                                    1024 + stress_below(rng, 60000));
	struct sockaddr_in dst = stress_sin("192.0.2.10", PORT);
	bool wlock = stress_below(rng, 2), pinned;
	unsigned s0, s1;
	struct inp_pcb *p;
	int rc, mode;

	src.sin_addr.s_addr ^= htonl(stress_below(rng, 256));
	s0 = atomic_load(&c->sel_seq);
	mode = atomic_load(&c->sel_mode);
	pinned = atomic_load(&c->pinned_live);
	last.calls = 0;
	last.udata = 0;
	rc = inp_pcb_lookup(c->w.vnet, INP_PROTO_UDP, SA(&src), SA(&dst),
	                    INP_LOOKUP_WILDCARD | (wlock ? INP_LOOKUP_WLOCKPCB
	                                                 : INP_LOOKUP_RLOCKPCB),
	                    NULL, &p, NULL);
	s1 = atomic_load(&c->sel_seq);
	r->n++;
	if (rc != 0) {
		STRESS_CHECK(rc == -ENOENT, "lookup: %s", stress_errname(rc));
		if (pinned && atomic_load(&c->pinned_live)) {
			STRESS_CHECK(!stress_strict(), "LK-13: lookup found "
			             "nothing while the pinned member was "
			             "bound");
			r->lost++;
		}
		return;
	}
	check_hit(r, p, wlock, s0 == s1 && !(s0 & 1), mode, pinned);
	if (wlock)
		inp_pcb_wunlock(p);
	else
		inp_pcb_runlock(p);
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct ctx *c = r->c;
	struct stress_rng rng;
	bool serial = r->idx == 1;

	if (serial)     /* the selector under the table mutex */
		STRESS_OK(inp_thread_unregister());
	stress_rng_init(&rng, 100 + r->idx);
	while (!atomic_load(&c->readers_stop)) {
		reader_once(r, &rng);
		inp_thread_quiescent();        /* QSBR builds */
	}
	if (serial)
		STRESS_OK(inp_thread_register());
	atomic_fetch_add(&c->lookups, r->n);
	atomic_fetch_add(&c->picked, r->picked);
	atomic_fetch_add(&c->defaults, r->defaults);
	atomic_fetch_add(&c->unselected, r->unselected);
	atomic_fetch_add(&c->lost, r->lost);
	return NULL;
}

static void final_lookup_misses(struct ctx *c)
{
	struct sockaddr_in src = stress_sin("198.51.100.1", 9);
	struct sockaddr_in dst = stress_sin("192.0.2.10", PORT);
	struct inp_pcb *p;
	int rc = inp_pcb_lookup(c->w.vnet, INP_PROTO_UDP, SA(&src), SA(&dst),
	                        INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB, NULL,
	                        &p, NULL);

	STRESS_CHECK(rc == -ENOENT, "lookup after every socket closed: %s",
	             stress_errname(rc));
}

int main(int argc, char **argv)
{
	static struct ctx c;
	struct worker wk[WORKERS];
	struct reader rd[READERS];
	pthread_t tw[WORKERS], tr[READERS], ts;
	unsigned i;

	stress_init(argc, argv, "stress_09b_lbselect");
	stress_world_init(&c.w);
	for (i = 0; i < SEL_MODES; i++)
		c.sel[i] = (struct sel){ &c, i };
	c.pinned = lb_socket(&c, PINNED_SLOT);
	atomic_store(&c.pinned_live, true);
	for (i = 0; i < READERS; i++) {
		rd[i] = (struct reader){ .c = &c, .idx = i };
		stress_spawn(&tr[i], reader_main, &rd[i]);
	}
	for (i = 0; i < WORKERS; i++) {
		wk[i] = (struct worker){ &c, i };
		stress_spawn(&tw[i], worker_main, &wk[i]);
	}
	stress_spawn(&ts, switcher_main, &c);
	inp_thread_offline();          /* QSBR: grace periods go on meanwhile */
	stress_run_for(1.0);
	atomic_store(&c.workers_stop, true);
	for (i = 0; i < WORKERS; i++)
		stress_join(tw[i]);
	stress_join(ts);
	inp_thread_online();
	atomic_store(&c.pinned_live, false);
	STRESS_OK(inp_sock_close(c.pinned));
	atomic_store(&c.readers_stop, true);
	for (i = 0; i < READERS; i++)
		stress_join(tr[i]);
	final_lookup_misses(&c);
	STRESS_CHECK(atomic_load(&c.picked) > 0 &&
	             atomic_load(&c.unselected) > 0,
	             "no lookup went through a settled selector (%lu) or a "
	             "settled default (%lu)", atomic_load(&c.picked),
	             atomic_load(&c.unselected));
	stress_world_fini(&c.w);
	return stress_pass("%lu binds, %lu closes, %lu selector changes; "
	                   "%lu lookups: %lu returned the member the selector "
	                   "named, %lu its default, %lu had no selector; %lu "
	                   "selector calls; %lu lost the member to a "
	                   "concurrent close (LK-9)",
	                   atomic_load(&c.binds), atomic_load(&c.closes),
	                   atomic_load(&c.switches), atomic_load(&c.lookups),
	                   atomic_load(&c.picked), atomic_load(&c.defaults),
	                   atomic_load(&c.unselected), atomic_load(&c.calls),
	                   atomic_load(&c.lost));
}
