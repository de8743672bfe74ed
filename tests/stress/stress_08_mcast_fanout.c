/*
 * Stress scenario 8 (spec section 12): multicast fan-out racing close.
 * NSLOT sockets, all with SO_REUSEPORT, are bound to 0.0.0.0:PORT; a
 * sender thread delivers numbered datagrams to 239.1.1.1:PORT arriving on
 * em0 (inp_udp_deliver), while owner threads make their sockets join the
 * group on em0, join it on em1 instead, leave, close and reopen.
 *
 * Tickets (stress.h) bracket every delivery [d_start, d_end] and every
 * membership on em0 [join start, leave done].  Checked:
 *   - each datagram reaches each socket at most once: no socket appears
 *     twice among a delivery's recipients, and a socket's queue holds
 *     strictly increasing sequence numbers (inv. 23);
 *   - only while a member on the receiving interface (UD-6): every
 *     datagram a socket dequeues was delivered during one of its em0
 *     memberships (the intervals overlap); a socket that is a member on
 *     em1 only, or of nothing, receives nothing new;
 *   - at the end, with all NSLOT sockets members on em0 and nothing else
 *     running, one datagram reaches every socket exactly once (UD-7: all
 *     have the reuse option, the walk never stops early), and the UDP
 *     counters add up (inv. 25).
 */
#include "stress.h"

#define NSLOT 32
#define OWNERS 4
#define PORT 5100
#define RING 65536
#define GROUP "239.1.1.1"

enum mstate { M_NONE, M_EM0, M_EM1 };

struct slot {
	struct inp_sock *so;
	uintptr_t id;
	enum mstate m;
	uint64_t cur_js;                /* em0 membership start, 0: none */
	uint64_t last_js, last_ld;      /* the previous em0 membership */
	uint64_t last_seq;              /* last sequence number dequeued */
};

struct ctx {
	struct stress_world w;
	struct inp_ifnet *em1;
	struct slot slots[NSLOT];
	atomic_uintptr_t next_id;
	/* delivery tickets by sequence number (tag checked on read) */
	struct {
		atomic_uint_fast64_t seq, start, end;
	} ring[RING];
	atomic_ulong sent, copies, received, unchecked, churn;
};

/* ---- the sender ---------------------------------------------------------- */

static void deliver(struct ctx *c, uint64_t seq, struct inp_udp_result *res,
                    void **rcpt, unsigned max)
{
	struct sockaddr_in src = stress_sin("192.0.2.50", 4000);
	struct sockaddr_in dst = stress_sin(GROUP, PORT);
	struct inp_udp_meta meta = { .rcvif = c->w.em0, .ttl = 1,
	                             .payload = &seq, .len = sizeof(seq) };
	unsigned i, j;

	memset(res, 0, sizeof(*res));
	res->rcpt = rcpt;
	res->max = max;
	STRESS_OK(inp_udp_deliver(c->w.vnet, SA(&src), SA(&dst), &meta, res,
	                          NULL));
	STRESS_CHECK(res->outcome == INP_UDP_DELIVERED ||
	             res->outcome == INP_UDP_NOPORT_MCAST ||
	             res->outcome == INP_UDP_DROPPED,
	             "multicast delivery outcome %d", res->outcome);
	STRESS_CHECK(res->n <= max, "%u recipients for %u sockets", res->n,
	             max);
	for (i = 0; i < res->n; i++)
		for (j = i + 1; j < res->n; j++)
			STRESS_CHECK(rcpt[i] != rcpt[j], "inv. 23: datagram %"
			             PRIu64 " delivered twice to socket %lu", seq,
			             (unsigned long)(uintptr_t)rcpt[i]);
}

static void *sender_main(void *arg)
{
	struct ctx *c = arg;
	void *rcpt[2 * NSLOT];
	uint64_t seq = 0;

	while (!stress_stop()) {
		struct inp_udp_result res;
		unsigned r = (unsigned)(++seq % RING);

		/* invalidate, fill, publish (see check_dgram) */
		atomic_store(&c->ring[r].seq, 0);
		atomic_store(&c->ring[r].end, 0);
		atomic_store(&c->ring[r].start, stress_ticket());
		atomic_store(&c->ring[r].seq, seq);
		deliver(c, seq, &res, rcpt, 2 * NSLOT);
		atomic_store(&c->ring[r].end, stress_ticket());
		atomic_fetch_add(&c->copies, res.n);
		atomic_fetch_add(&c->sent, 1);
	}
	return NULL;
}

/* ---- the owners ----------------------------------------------------- */

static int membership(struct ctx *c, struct slot *s, bool join, bool em1)
{
	struct ip_mreq mreq;

	(void)c;
	memset(&mreq, 0, sizeof(mreq));
	inet_pton(AF_INET, GROUP, &mreq.imr_multiaddr);
	inet_pton(AF_INET, em1 ? "198.51.100.10" : "192.0.2.10",
	          &mreq.imr_interface);
	return inp_sock_setopt(s->so, INP_IPPROTO_IP,
	                       join ? INP_IP_ADD_MEMBERSHIP
	                            : INP_IP_DROP_MEMBERSHIP,
	                       &mreq, sizeof(mreq), NULL);
}

/* May slot s have received datagram seq? */
static void check_dgram(struct ctx *c, struct slot *s, uint64_t seq)
{
	unsigned r = (unsigned)(seq % RING);
	uint64_t tag, st, en;

	STRESS_CHECK(seq > s->last_seq, "inv. 23: socket %lu dequeued "
	             "datagram %" PRIu64 " after %" PRIu64 " (twice, or out "
	             "of order)", (unsigned long)s->id, seq, s->last_seq);
	s->last_seq = seq;
	atomic_fetch_add(&c->received, 1);
	/* tag, fields, tag: the sender invalidates before refilling */
	tag = atomic_load(&c->ring[r].seq);
	st = atomic_load(&c->ring[r].start);
	en = atomic_load(&c->ring[r].end);
	if (tag != seq || atomic_load(&c->ring[r].seq) != seq) {
		atomic_fetch_add(&c->unchecked, 1);   /* ring wrapped */
		return;
	}
	if (s->m == M_EM0) {
		STRESS_CHECK(en == 0 || en > s->cur_js,
		             "UD-6: socket %lu got datagram %" PRIu64
		             " delivered before it joined", (unsigned long)s->id,
		             seq);
		return;
	}
	STRESS_CHECK(s->last_ld != 0,
	             "UD-6: socket %lu, never a member on em0 (%s), got "
	             "datagram %" PRIu64, (unsigned long)s->id,
	             s->m == M_EM1 ? "member on em1" : "member of nothing",
	             seq);
	STRESS_CHECK(st < s->last_ld && (en == 0 || en > s->last_js),
	             "UD-6: socket %lu got datagram %" PRIu64 " delivered "
	             "outside its em0 membership (%s now)",
	             (unsigned long)s->id, seq,
	             s->m == M_EM1 ? "member on em1" : "member of nothing");
}

static void drain(struct ctx *c, struct slot *s)
{
	struct inp_rcvinfo info;
	uint64_t seq;
	long n;

	while ((n = inp_sock_recv(s->so, &info, &seq, sizeof(seq))) >= 0) {
		STRESS_CHECK(n == sizeof(seq), "datagram of %ld bytes", n);
		check_dgram(c, s, seq);
	}
	STRESS_CHECK(n == -EAGAIN, "inp_sock_recv: %s",
	             stress_errname((int)n));
}

static void slot_open(struct ctx *c, struct slot *s)
{
	memset(s, 0, sizeof(*s));
	s->id = atomic_fetch_add(&c->next_id, 1);
	s->so = stress_udp(c->w.vnet, s->id);
	STRESS_OK(stress_setopt_int(s->so, INP_SOL_SOCKET, INP_SO_REUSEPORT,
	                            1));
	STRESS_OK(stress_bind(s->so, "0.0.0.0", PORT));
}

static void slot_join(struct ctx *c, struct slot *s, bool em1)
{
	drain(c, s);
	if (em1) {
		STRESS_OK(membership(c, s, true, true));
		s->m = M_EM1;
		return;
	}
	s->cur_js = stress_ticket();
	STRESS_OK(membership(c, s, true, false));
	s->m = M_EM0;
}

static void slot_leave(struct ctx *c, struct slot *s)
{
	drain(c, s);
	STRESS_OK(membership(c, s, false, s->m == M_EM1));
	if (s->m == M_EM0) {
		s->last_js = s->cur_js;
		s->last_ld = stress_ticket();
		s->cur_js = 0;
	}
	s->m = M_NONE;
	drain(c, s);     /* what was queued before the leave took effect */
}

struct owner {
	struct ctx *c;
	unsigned idx;
};

static void *owner_main(void *arg)
{
	struct owner *o = arg;
	struct ctx *c = o->c;
	struct stress_rng rng;
	const unsigned per = NSLOT / OWNERS;

	stress_rng_init(&rng, o->idx);
	while (!stress_stop()) {
		struct slot *s = &c->slots[o->idx * per +
		                           stress_below(&rng, per)];
		unsigned a = stress_below(&rng, 10);

		if (a < 4) {
			drain(c, s);
		} else if (a < 7) {
			if (s->m == M_NONE)
				slot_join(c, s, stress_below(&rng, 4) == 0);
			else
				slot_leave(c, s);
		} else {
			drain(c, s);
			STRESS_OK(inp_sock_close(s->so));
			slot_open(c, s);
			if (stress_below(&rng, 2))
				slot_join(c, s, false);
		}
		atomic_fetch_add(&c->churn, 1);
		stress_maybe_yield(&rng);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static struct ctx c;
	struct owner ow[OWNERS];
	pthread_t to[OWNERS], ts;
	struct sockaddr_in a1 = stress_sin("198.51.100.10", 0);
	void *rcpt[2 * NSLOT];
	struct inp_udp_result res;
	unsigned i;

	stress_init(argc, argv, "stress_08_mcast_fanout");
	stress_world_init(&c.w);
	STRESS_OK(inp_if_create(c.w.vnet, "em1", &c.em1));
	STRESS_OK(inp_if_addr_add(c.em1, SA(&a1), 24, NULL));
	atomic_store(&c.next_id, 1);
	for (i = 0; i < NSLOT; i++) {
		slot_open(&c, &c.slots[i]);
		slot_join(&c, &c.slots[i], false);
	}
	for (i = 0; i < OWNERS; i++) {
		ow[i] = (struct owner){ &c, i };
		stress_spawn(&to[i], owner_main, &ow[i]);
	}
	stress_spawn(&ts, sender_main, &c);
	stress_run_for(1.0);
	stress_join(ts);
	for (i = 0; i < OWNERS; i++)
		stress_join(to[i]);

	/* Quiescent: everyone a member on em0, one datagram each. */
	for (i = 0; i < NSLOT; i++) {
		struct slot *s = &c.slots[i];

		if (s->m == M_EM1)
			slot_leave(&c, s);
		if (s->m == M_NONE)
			slot_join(&c, s, false);
		drain(&c, s);
	}
	{
		uint64_t seq = atomic_load(&c.sent) + 1000000;
		unsigned r = (unsigned)(seq % RING);

		atomic_store(&c.ring[r].seq, 0);
		atomic_store(&c.ring[r].end, 0);
		atomic_store(&c.ring[r].start, stress_ticket());
		atomic_store(&c.ring[r].seq, seq);
		deliver(&c, seq, &res, rcpt, 2 * NSLOT);
		atomic_store(&c.ring[r].end, stress_ticket());
		STRESS_CHECK(res.outcome == INP_UDP_DELIVERED && res.n == NSLOT,
		             "UD-7: quiescent datagram reached %u of %u "
		             "members", res.n, NSLOT);
		for (i = 0; i < NSLOT; i++) {
			struct slot *s = &c.slots[i];
			unsigned long before = atomic_load(&c.received);

			drain(&c, s);
			STRESS_CHECK(atomic_load(&c.received) == before + 1,
			             "socket %lu got %lu copies of the last "
			             "datagram", (unsigned long)s->id,
			             atomic_load(&c.received) - before);
		}
	}
	stress_check_invariants(c.w.vnet);
	for (i = 0; i < NSLOT; i++)
		STRESS_OK(inp_sock_close(c.slots[i].so));
	stress_world_fini(&c.w);
	return stress_pass("%lu datagrams, %lu copies delivered, %lu dequeued "
	                   "and checked (%lu past the ticket ring), %lu "
	                   "join/leave/close/reopen/drain actions",
	                   atomic_load(&c.sent), atomic_load(&c.copies),
	                   atomic_load(&c.received), atomic_load(&c.unchecked),
	                   atomic_load(&c.churn));
}
