/*
 * Stress scenario 12 (spec section 12): drop vs lookup.  Each round a
 * fresh socket (UDP or TCP, alternately) connects from an ephemeral port
 * to 192.0.2.77:53; reader threads look its 4-tuple up (read or write
 * mode, with or without INP_LOOKUP_WILDCARD) while the main thread drops
 * the PCB (in_pcbdrop through the internal API: the library drops PCBs
 * only from TCP's TIME_WAIT expiry today, and the scenario needs a drop
 * of a PCB whose socket stays open).
 *
 * Checked:
 *   - a lookup that started after the drop returned never finds the PCB
 *     (LC-14, inv. 6), and no lookup returns it with INP_DROPPED set;
 *   - the drop releases the port at once (LC-13): a new socket binds the
 *     dropped PCB's local address and port while the old socket is open;
 *   - the dropped PCB stays in listings with its 4-tuple, state DROPPED,
 *     not hashed (LC-12, LC-26, inv. 1), until its socket closes; then it
 *     is gone from listings.
 */
#define STRESS_INTERNAL   /* pcb_drop() */
#include "stress.h"

#define READERS 3
#define MAXROUNDS (1u << 18)
#define REUSER_ID 0x7fffffffu

struct round {
	atomic_uint port;               /* host order */
	atomic_int proto;
	atomic_uint_fast64_t drop_done; /* ticket after the drop, 0 before */
};

struct ctx {
	struct stress_world w;
	struct round *rounds;
	atomic_uint cur;                /* the round being played, 0: none */
	atomic_uint seen;               /* latest round a reader found */
	atomic_ulong before, after, other;
};

struct reader {
	struct ctx *c;
	unsigned idx;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct ctx *c = r->c;
	struct stress_rng rng;
	struct sockaddr_in src = stress_sin("192.0.2.77", 53);
	unsigned long before = 0, after = 0, other = 0;

	stress_rng_init(&rng, r->idx);
	while (!stress_stop()) {
		unsigned id = atomic_load(&c->cur);
		struct round *rd = &c->rounds[id];
		struct sockaddr_in dst;
		bool wlock = stress_below(&rng, 2);
		unsigned flags = (stress_below(&rng, 2) ? INP_LOOKUP_WILDCARD
		                                        : 0) |
		                 (wlock ? INP_LOOKUP_WLOCKPCB
		                        : INP_LOOKUP_RLOCKPCB);
		struct inp_pcb_info info;
		struct inp_pcb *p;
		uint64_t t0, dd;
		int rc;

		if (id == 0)
			continue;
		dst = stress_sin("192.0.2.10", atomic_load(&rd->port));
		t0 = stress_ticket();
		rc = inp_pcb_lookup(c->w.vnet, (enum inp_proto)atomic_load(
		                    &rd->proto), SA(&src), SA(&dst), flags,
		                    NULL, &p, NULL);
		if (rc != 0) {
			STRESS_CHECK(rc == -ENOENT, "lookup: %s",
			             stress_errname(rc));
			after++;
			sched_yield();
			continue;
		}
		inp_pcb_get_info(p, &info);
		STRESS_CHECK(!(info.flags & (INP_F_DROPPED | INP_F_FREED)),
		             "inv. 6: lookup returned a PCB with flags %#x",
		             info.flags);
		if ((uintptr_t)info.udata == id) {
			dd = atomic_load(&rd->drop_done);
			STRESS_CHECK(dd == 0 || dd > t0,
			             "LC-14: round %u: a lookup that started after "
			             "the drop returned found the dropped PCB", id);
			atomic_store(&c->seen, id);
			before++;
		} else {
			/*
			 * The socket that rebinds the freed port, or a later
			 * round's that got the same ephemeral port; never an
			 * earlier round's (closed before this one began).
			 */
			STRESS_CHECK((uintptr_t)info.udata == REUSER_ID ||
			             (uintptr_t)info.udata > id,
			             "lookup for round %u found round %lu's "
			             "socket", id,
			             (unsigned long)(uintptr_t)info.udata);
			other++;
		}
		if (wlock)
			inp_pcb_wunlock(p);
		else
			inp_pcb_runlock(p);
	}
	atomic_fetch_add(&c->before, before);
	atomic_fetch_add(&c->after, after);
	atomic_fetch_add(&c->other, other);
	return NULL;
}

/* Longest wait for the PCB write lock under the readers' flood. */
static uint64_t max_wlock_ns;

struct find {
	uintptr_t id;
	struct inp_pcb_info info;
	unsigned n;
};

static int find_cb(const struct inp_pcb_info *info, void *arg)
{
	struct find *f = arg;

	if ((uintptr_t)info->udata == f->id) {
		f->info = *info;
		f->n++;
	}
	return 0;
}

static unsigned listed(struct ctx *c, enum inp_proto proto, unsigned id,
                       struct inp_pcb_info *out)
{
	struct find f = { .id = id };

	STRESS_CHECK(inp_pcb_list(c->w.vnet, proto, NULL, find_cb, &f, NULL)
	             >= 0, "listing failed");
	if (out != NULL)
		*out = f.info;
	return f.n;
}

static void play(struct ctx *c, unsigned id, struct stress_rng *rng)
{
	enum inp_proto proto = id % 2 ? INP_PROTO_UDP : INP_PROTO_TCP;
	struct round *rd = &c->rounds[id];
	struct inp_sock *so = NULL, *reuser;
	struct inp_pcb_info info;
	struct inp_pcb *p;
	unsigned port, i;
	uint64_t t0;
	int rc;

	STRESS_OK(inp_sock_open(c->w.vnet, AF_INET, proto, NULL, &so));
	inp_sock_set_udata(so, (void *)(uintptr_t)id);
	STRESS_OK(stress_connect(so, "192.0.2.77", 53));
	port = stress_local_port(so);
	atomic_store(&rd->port, port);
	atomic_store(&rd->proto, proto);
	atomic_store(&rd->drop_done, 0);
	atomic_store(&c->cur, id);
	/* Let the readers find it, then drop it under their feet. */
	for (i = 0; i < 100 && atomic_load(&c->seen) != id; i++)
		sched_yield();
	for (i = stress_below(rng, 4); i > 0; i--)
		sched_yield();
	p = inp_sock_pcb(so);
	t0 = stress_now_ns();
	pcb_wlock(p);
	t0 = stress_now_ns() - t0;
	if (t0 > max_wlock_ns)
		max_wlock_ns = t0;
	pcb_drop(p);                            /* LC-12 */
	pcb_unlock(p);
	atomic_store(&rd->drop_done, stress_ticket());
	/* LC-13: the port is free at once, the socket still open. */
	reuser = NULL;
	if (stress_below(rng, 2)) {
		STRESS_OK(inp_sock_open(c->w.vnet, AF_INET, proto, NULL,
		                        &reuser));
		inp_sock_set_udata(reuser, (void *)(uintptr_t)REUSER_ID);
		rc = stress_bind(reuser, "192.0.2.10", port);
		STRESS_CHECK(rc == 0, "LC-13: binding the dropped PCB's port "
		             "%u: %s", port, stress_errname(rc));
	}
	for (i = stress_below(rng, 50); i > 0; i--)
		sched_yield();          /* lookups after the drop */
	/* LC-26: still listed, with its 4-tuple, dropped and unhashed. */
	STRESS_CHECK(listed(c, proto, id, &info) == 1,
	             "LC-26: the dropped PCB of round %u is not listed once",
	             id);
	STRESS_CHECK(info.state == INP_ST_DROPPED &&
	             (info.flags & INP_F_DROPPED) &&
	             !(info.flags & INP_F_INHASHLIST),
	             "LC-12: dropped PCB: state %d flags %#x", info.state,
	             info.flags);
	STRESS_CHECK(stress_port(&info.local) == port &&
	             stress_addr4(&info.local) == stress_a4("192.0.2.10") &&
	             stress_port(&info.foreign) == 53 &&
	             stress_addr4(&info.foreign) == stress_a4("192.0.2.77"),
	             "LC-12: the dropped PCB lost its 4-tuple");
	if (reuser != NULL)
		STRESS_OK(inp_sock_close(reuser));
	STRESS_OK(inp_sock_close(so));
	STRESS_CHECK(listed(c, proto, id, NULL) == 0,
	             "LC-26: round %u's PCB still listed after close", id);
}

int main(int argc, char **argv)
{
	static struct ctx c;
	struct reader r[READERS];
	pthread_t t[READERS];
	struct stress_rng rng;
	uint64_t deadline;
	unsigned i, id = 0;

	stress_init(argc, argv, "stress_12_drop_lookup");
	stress_rng_init(&rng, 99);
	stress_world_init(&c.w);
	c.rounds = calloc(MAXROUNDS, sizeof(*c.rounds));
	STRESS_CHECK(c.rounds != NULL, "out of memory");
	for (i = 0; i < READERS; i++) {
		r[i] = (struct reader){ &c, i };
		stress_spawn(&t[i], reader_main, &r[i]);
	}
	deadline = stress_now_ns() + (uint64_t)(stress_seconds * 1e9);
	while (stress_now_ns() < deadline && id + 1 < MAXROUNDS)
		play(&c, ++id, &rng);
	atomic_store(&stress_stop_flag, true);
	for (i = 0; i < READERS; i++)
		stress_join(t[i]);
	free(c.rounds);
	stress_world_fini(&c.w);
	return stress_pass("%u drops (UDP and TCP); lookups: %lu found the PCB "
	                   "before its drop, %lu found nothing, %lu found the "
	                   "socket that took over the port; longest wait for "
	                   "the PCB write lock %.2f ms", id,
	                   atomic_load(&c.before), atomic_load(&c.after),
	                   atomic_load(&c.other), max_wlock_ns / 1e6);
}
