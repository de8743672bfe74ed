/*
 * Stress scenario 7 (spec section 12): listing during churn.  Churner
 * threads open, bind and close UDP sockets continuously; a lister calls
 * inp_pcb_list() (the generation protocol of LC-25) in a loop.  Every
 * socket carries a unique id (udata) and a record of tickets (stress.h):
 * when its open started, when it finished, when its close started and
 * finished.  For one listing, L0 is a ticket taken before the call, F the
 * ticket taken in the first callback (the snapshot of gen0 came before
 * it), Z the ticket taken in the last callback and L1 one taken after the
 * call.  Checked, for every listing:
 *
 *   existed at the start   every listed socket's open started before F
 *                          (LC-25/LC-27: PCBs created after gen0 are
 *                          not listed) and its close did not finish
 *                          before L0 (freed PCBs are not listed);
 *   none twice             no id appears twice in one listing;
 *   nothing lost           every socket whose open finished before L0
 *                          and whose close started after L1 is listed,
 *                          as are the STABLE sockets that never close;
 *   generations            `changed` is set when an open or close ran
 *                          entirely between F and Z (an allocation or
 *                          free between header and trailer, LC-25 step
 *                          6), and clear when no open or close was in
 *                          flight at L0 and none started before L1;
 *   count                  the return value is the number of callbacks.
 */
#include "stress.h"

#define CHURNERS 3
#define SLOTS 16                 /* sockets per churner at a time */
#define STABLE 8                 /* sockets open for the whole run */
#define MAXSEEN 4096
#define RING 65536               /* close records kept, by id */

/* One churner slot: the socket in it and its tickets. */
struct slot {
	struct inp_sock *so;            /* owner only */
	atomic_uint_fast64_t id;        /* 0: empty */
	atomic_uint_fast64_t open_start, open_done, close_start;
};

struct ctx {
	struct stress_world w;
	struct slot slots[CHURNERS][SLOTS];
	atomic_uint_fast64_t next_id;
	/* in-flight accounting for the "no churn" direction */
	atomic_ulong ops_started, ops_done;
	/* every (id, op) ticket interval, for the "churn" direction */
	atomic_uint_fast64_t last_op_start, last_op_done;
	atomic_ulong opens, closes;
	/* when each recent socket's close finished (id checked on read) */
	struct {
		atomic_uint_fast64_t id, close_done;
	} rec[RING];
};

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
		struct slot *s = &c->slots[ch->idx][stress_below(&rng, SLOTS)];

		atomic_fetch_add(&c->ops_started, 1);
		if (s->so == NULL) {
			uint64_t id = atomic_fetch_add(&c->next_id, 1);

			atomic_store(&s->open_done, 0);
			atomic_store(&s->close_start, 0);
			atomic_store(&s->open_start, stress_ticket());
			atomic_store(&s->id, id);
			s->so = stress_udp(c->w.vnet, (uintptr_t)id);
			if (stress_below(&rng, 2))
				STRESS_OK(stress_bind(s->so, "0.0.0.0", 0));
			atomic_store(&s->open_done, stress_ticket());
			atomic_fetch_add(&c->opens, 1);
		} else {
			uint64_t id = atomic_load(&s->id);

			atomic_store(&s->close_start, stress_ticket());
			STRESS_OK(inp_sock_close(s->so));
			/* invalidate, fill, publish: see the reader */
			atomic_store(&c->rec[id % RING].id, 0);
			atomic_store(&c->rec[id % RING].close_done,
			             stress_ticket());
			atomic_store(&c->rec[id % RING].id, id);
			s->so = NULL;
			atomic_store(&s->id, 0);
			atomic_fetch_add(&c->closes, 1);
		}
		atomic_fetch_add(&c->ops_done, 1);
		stress_maybe_yield(&rng);
	}
	return NULL;
}

/* What one listing saw. */
struct seen {
	struct ctx *c;
	uint64_t first, last;           /* tickets F and Z */
	unsigned n;
	uint64_t ids[MAXSEEN];
	uint64_t gens[MAXSEEN];
};

static int list_cb(const struct inp_pcb_info *info, void *arg)
{
	struct seen *s = arg;
	uint64_t t = stress_ticket();

	if (s->n == 0)
		s->first = t;
	s->last = t;
	STRESS_CHECK(s->n < MAXSEEN, "listing longer than %u", MAXSEEN);
	STRESS_CHECK(!(info->flags & INP_F_FREED),
	             "inv. 5: listing shows a freed PCB");
	s->ids[s->n] = (uint64_t)(uintptr_t)info->udata;
	s->gens[s->n] = info->gencnt;
	s->n++;
	/* Make the walk long enough for churn to land inside it. */
	if (s->n % 8 == 0)
		sched_yield();
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool listed(const uint64_t *sorted, unsigned n, uint64_t id)
{
	return bsearch(&id, sorted, n, sizeof(id), cmp_u64) != NULL;
}

/*
 * A stable read of a slot (its id did not change while we read it):
 * false when it is empty or changed under us.
 */
static bool slot_read(struct slot *sl, uint64_t *id, uint64_t *os,
                      uint64_t *od, uint64_t *cs)
{
	*id = atomic_load(&sl->id);
	*os = atomic_load(&sl->open_start);
	*od = atomic_load(&sl->open_done);
	*cs = atomic_load(&sl->close_start);
	return *id != 0 && atomic_load(&sl->id) == *id &&
	       atomic_load(&sl->open_start) == *os;
}

int main(int argc, char **argv)
{
	static struct ctx c;
	static struct seen s;
	static uint64_t sorted[MAXSEEN];
	struct churner ch[CHURNERS];
	pthread_t t[CHURNERS];
	struct inp_sock *stable[STABLE];
	unsigned long listings = 0, changed_n = 0, churn_inside = 0;
	uint64_t deadline;
	unsigned i, j;

	stress_init(argc, argv, "stress_07_listing");
	stress_world_init(&c.w);
	atomic_store(&c.next_id, 1000);
	for (i = 0; i < STABLE; i++) {
		stable[i] = stress_udp(c.w.vnet, i + 1);
		STRESS_OK(stress_bind(stable[i], "192.0.2.10", 9000 + i));
	}
	for (i = 0; i < CHURNERS; i++) {
		ch[i] = (struct churner){ &c, i };
		stress_spawn(&t[i], churner_main, &ch[i]);
	}
	deadline = stress_now_ns() + (uint64_t)(stress_seconds * 1e9);
	while (stress_now_ns() < deadline) {
		unsigned long st0, dn0, st1;
		uint64_t l0, l1, id, os, od, cs;
		bool changed = false;
		int rc;

		s.c = &c;
		s.n = 0;
		s.first = s.last = 0;
		dn0 = atomic_load(&c.ops_done);
		st0 = atomic_load(&c.ops_started);
		l0 = stress_ticket();
		rc = inp_pcb_list(c.w.vnet, INP_PROTO_UDP, NULL, list_cb, &s,
		                  &changed);
		l1 = stress_ticket();
		st1 = atomic_load(&c.ops_started);
		STRESS_CHECK(rc >= 0 && (unsigned)rc == s.n,
		             "inp_pcb_list returned %d after %u callbacks", rc,
		             s.n);
		listings++;
		changed_n += changed;

		/* None twice; generations distinct (inv. 12). */
		memcpy(sorted, s.ids, s.n * sizeof(*sorted));
		qsort(sorted, s.n, sizeof(*sorted), cmp_u64);
		for (i = 1; i < s.n; i++)
			STRESS_CHECK(sorted[i] != sorted[i - 1],
			             "LC-25: socket %" PRIu64 " listed twice",
			             sorted[i]);
		/* The stable sockets are always there. */
		for (i = 1; i <= STABLE; i++)
			STRESS_CHECK(listed(sorted, s.n, i),
			             "LC-25: stable socket %u missing from a "
			             "listing", i);

		/* Churned sockets: existed at the start, none lost. */
		for (i = 0; i < CHURNERS; i++) {
			for (j = 0; j < SLOTS; j++) {
				bool in;

				if (!slot_read(&c.slots[i][j], &id, &os, &od,
				               &cs))
					continue;
				in = listed(sorted, s.n, id);
				if (in)
					STRESS_CHECK(s.first != 0 &&
					             os < s.first,
					             "LC-25: socket %" PRIu64 " "
					             "opened after the listing "
					             "started, yet listed", id);
				if (od != 0 && od < l0 &&
				    (cs == 0 || cs > l1))
					STRESS_CHECK(in, "LC-25: socket %"
					             PRIu64 " open for the whole "
					             "listing was not listed", id);
			}
		}
		/* A listed socket was not closed before L0 (inv. 5). */
		for (i = 0; i < s.n; i++) {
			uint64_t x = s.ids[i], id1, cd;

			if (x <= STABLE)
				continue;
			STRESS_CHECK(x >= 1000 && x < atomic_load(&c.next_id),
			             "LC-25: listed udata %" PRIu64 " is no "
			             "socket of ours", x);
			id1 = atomic_load(&c.rec[x % RING].id);
			cd = atomic_load(&c.rec[x % RING].close_done);
			if (id1 != x || atomic_load(&c.rec[x % RING].id) != x)
				continue;
			STRESS_CHECK(cd == 0 || cd > l0, "LC-25: socket %"
			             PRIu64 " was closed before the listing "
			             "started, yet listed", x);
		}

		/* Generations: churn inside the walk sets `changed`. */
		if (s.n >= 2) {
			bool inside = false;

			for (i = 0; i < CHURNERS && !inside; i++)
				for (j = 0; j < SLOTS && !inside; j++) {
					struct slot *sl = &c.slots[i][j];

					if (!slot_read(sl, &id, &os, &od, &cs))
						continue;
					/* an open entirely within (F, Z) */
					inside = os > s.first && od != 0 &&
					         od < s.last;
				}
			if (inside) {
				churn_inside++;
				STRESS_CHECK(changed, "LC-25: a socket was "
				             "allocated during the walk but the "
				             "trailer generation equals the "
				             "header's");
			}
		}
		if (st0 == dn0 && st1 == st0)
			STRESS_CHECK(!changed, "LC-25: no churn during the "
			             "listing, but `changed` is set");
	}
	atomic_store(&stress_stop_flag, true);
	for (i = 0; i < CHURNERS; i++)
		stress_join(t[i]);
	for (i = 0; i < CHURNERS; i++)
		for (j = 0; j < SLOTS; j++)
			if (c.slots[i][j].so != NULL)
				STRESS_OK(inp_sock_close(c.slots[i][j].so));
	/* Quiescent: exactly the stable sockets, `changed` clear. */
	{
		bool changed = true;

		s.n = 0;
		STRESS_CHECK(inp_pcb_list(c.w.vnet, INP_PROTO_UDP, NULL,
		                          list_cb, &s, &changed) == STABLE &&
		             !changed, "quiescent listing: %u PCBs, changed "
		             "%d", s.n, changed);
	}
	for (i = 0; i < STABLE; i++)
		STRESS_OK(inp_sock_close(stable[i]));
	stress_world_fini(&c.w);
	return stress_pass("%lu listings (%lu saw the table change, %lu with "
	                   "an allocation inside the walk), %lu opens, %lu "
	                   "closes", listings, changed_n, churn_inside,
	                   atomic_load(&c.opens), atomic_load(&c.closes));
}
