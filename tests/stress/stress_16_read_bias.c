/*
 * Stress 16 (beyond spec section 12): read-biased PCB locks (pcb_rbias.h)
 * against their writers.  A few hot connected UDP PCBs earn read bias
 * quickly (net.inet.pcb.read_bias = 4) under readers that look them up
 * one at a time and in bursts (each key twice, so the burst takes second
 * holds); meanwhile one thread write-locks them and changes two fields
 * together, another looks them up write-locked (the bounded revocation
 * of a try-lock inside the lookup), and the main thread closes and
 * reopens them.
 *
 * Checked:
 *   - under a read lock the two fields are always equal (a biased reader
 *     never overlaps a writer); ThreadSanitizer checks that the accesses
 *     are ordered by the lock, AddressSanitizer that nobody reads a
 *     reclaimed PCB;
 *   - no lookup returns a dropped or freed PCB (RC-18, inv. 6);
 *   - biases were taken away while readers ran (the table's revocation
 *     count grew), unless the kernel cannot revoke, which is reported.
 */
#define STRESS_INTERNAL   /* the two fields, the revocation count */
#include "stress.h"

#define HOT 6
#define READERS 2
#define BURST (2 * HOT)

struct ctx {
	struct stress_world w;
	struct inp_sock *_Atomic so[HOT];
	unsigned lport[HOT];
	atomic_ulong reads, bursts, writes, wlookups;
};

static struct sockaddr_in peer(void)
{
	return stress_sin("192.0.2.77", 53);
}

/* Under the PCB's lock (either mode): the writer's two fields agree. */
static void check_fields(const struct inp_pcb *p)
{
	struct inp_pcb_info info;

	inp_pcb_get_info(p, &info);
	STRESS_CHECK(!(info.flags & (INP_F_DROPPED | INP_F_FREED)),
	             "inv. 6: a lookup returned a PCB with flags %#x",
	             info.flags);
	STRESS_CHECK(p->ip_tos == p->ip_ttl,
	             "a reader saw a writer half way: tos %u, ttl %u",
	             p->ip_tos, p->ip_ttl);
}

static int lookup(struct ctx *c, unsigned i, unsigned flags,
                  struct inp_pcb **p)
{
	struct sockaddr_in src = peer();
	struct sockaddr_in dst = stress_sin("192.0.2.10", c->lport[i]);

	return inp_pcb_lookup(c->w.vnet, INP_PROTO_UDP, SA(&src), SA(&dst),
	                      flags, NULL, p, NULL);
}

static void one_read(struct ctx *c, struct stress_rng *rng)
{
	struct inp_pcb *p;
	int rc = lookup(c, stress_below(rng, HOT), INP_LOOKUP_RLOCKPCB, &p);

	if (rc == -ENOENT)
		return;                 /* closed and not yet reopened */
	STRESS_CHECK(rc == 0, "lookup: %s", stress_errname(rc));
	check_fields(p);
	inp_pcb_runlock(p);
}

static void one_burst(struct ctx *c)
{
	struct inp_pkt_key keys[BURST];
	struct inp_pcb *out[BURST];
	unsigned i;
	int n;

	memset(keys, 0, sizeof(keys));
	for (i = 0; i < BURST; i++) {
		keys[i].family = AF_INET;
		keys[i].saddr.v4.s_addr = stress_a4("192.0.2.77");
		keys[i].daddr.v4.s_addr = stress_a4("192.0.2.10");
		keys[i].sport = htons(53);
		keys[i].dport = htons((uint16_t)c->lport[i % HOT]);
	}
	n = inp_pcb_lookup_burst(c->w.vnet, INP_PROTO_UDP, keys, BURST,
	                         INP_LOOKUP_RLOCKPCB, out, NULL);
	STRESS_CHECK(n >= 0, "burst: %s", stress_errname(n));
	for (i = 0; i < BURST; i++)
		if (out[i] != NULL)
			check_fields(out[i]);
	for (i = 0; i < BURST; i++)
		if (out[i] != NULL)
			inp_pcb_runlock(out[i]);
}

static void *reader_main(void *arg)
{
	struct ctx *c = arg;
	struct stress_rng rng;
	unsigned long reads = 0, bursts = 0;

	stress_rng_init(&rng, (uintptr_t)&rng);
	while (!stress_stop()) {
		if (stress_below(&rng, 16) == 0) {
			one_burst(c);
			bursts++;
		} else {
			one_read(c, &rng);
			reads++;
		}
	}
	atomic_fetch_add(&c->reads, reads);
	atomic_fetch_add(&c->bursts, bursts);
	return NULL;
}

/* Write-locked through a socket: both fields to a new value. */
static void *writer_main(void *arg)
{
	struct ctx *c = arg;
	struct stress_rng rng;
	unsigned long writes = 0;
	uint8_t v = 0;

	stress_rng_init(&rng, 7);
	while (!stress_stop()) {
		struct inp_pcb *p;

		if (lookup(c, stress_below(&rng, HOT), INP_LOOKUP_RLOCKPCB,
		           &p) != 0)
			continue;
		/* Hold a reference across the unlock/relock (RC-2). */
		inp_pcb_ref(p);
		inp_pcb_runlock(p);
		inp_pcb_wlock(p);
		if (inp_pcb_rele_wlocked(p))
			continue;              /* freed meanwhile */
		v++;
		p->ip_tos = v;
		p->ip_ttl = v;
		inp_pcb_wunlock(p);
		writes++;
		/* Let the readers earn the bias back now and then. */
		if (stress_below(&rng, 4) == 0)
			usleep(200);
	}
	atomic_fetch_add(&c->writes, writes);
	return NULL;
}

/* Lookups that want the write lock: the try-lock's bounded revocation. */
static void *wlookup_main(void *arg)
{
	struct ctx *c = arg;
	struct stress_rng rng;
	unsigned long n = 0;

	stress_rng_init(&rng, 11);
	while (!stress_stop()) {
		struct inp_pcb *p;
		int rc = lookup(c, stress_below(&rng, HOT),
		                INP_LOOKUP_WLOCKPCB, &p);

		if (rc == -ENOENT)
			continue;
		STRESS_CHECK(rc == 0, "wlookup: %s", stress_errname(rc));
		check_fields(p);
		inp_pcb_wunlock(p);
		n++;
		usleep(500);
	}
	atomic_store(&c->wlookups, n);
	return NULL;
}

/* Socket i: bound to its port, connected to the peer. */
static void open_hot(struct ctx *c, unsigned i)
{
	struct inp_sock *so = stress_udp(c->w.vnet, i + 1);

	/* The fields' invariant before lookups see it: TOS = default TTL. */
	STRESS_OK(stress_setopt_int(so, INP_IPPROTO_IP, INP_IP_TOS, 64));
	STRESS_OK(stress_bind(so, "192.0.2.10", c->lport[i]));
	STRESS_OK(stress_connect(so, "192.0.2.77", 53));
	atomic_store(&c->so[i], so);
}

static uint64_t revocations(struct ctx *c)
{
	struct inp_pcbinfo *info = c->w.vnet->pcbinfo[INP_PROTO_UDP];

	return info->rbias == NULL ? 0 : atomic_load(&info->rbias->revokes);
}

int main(int argc, char **argv)
{
	pthread_t r[READERS], w, wl;
	struct stress_rng rng;
	struct ctx c;
	unsigned i, closes = 0;
	uint64_t end, revoked;

	stress_init(argc, argv, "stress_16_read_bias");
	memset(&c, 0, sizeof(c));
	stress_world_init(&c.w);
	STRESS_OK(inp_sysctl_set(c.w.vnet, "net.inet.pcb.read_bias", 4));
	for (i = 0; i < HOT; i++) {
		c.lport[i] = 7000 + i;
		open_hot(&c, i);
	}
	stress_rng_init(&rng, 3);
	for (i = 0; i < READERS; i++)
		stress_spawn(&r[i], reader_main, &c);
	stress_spawn(&w, writer_main, &c);
	stress_spawn(&wl, wlookup_main, &c);
	end = stress_now_ns() + (uint64_t)(stress_seconds * 1e9);
	while (stress_now_ns() < end) {
		i = stress_below(&rng, HOT);
		STRESS_OK(inp_sock_close(atomic_exchange(&c.so[i], NULL)));
		open_hot(&c, i);
		closes++;
		usleep(2000);
	}
	atomic_store(&stress_stop_flag, true);
	for (i = 0; i < READERS; i++)
		stress_join(r[i]);
	stress_join(w);
	stress_join(wl);
	revoked = revocations(&c);
	if (c.w.vnet->pcbinfo[INP_PROTO_UDP]->rbias == NULL)
		printf("no private expedited membarrier: read bias is off\n");
	else
		STRESS_CHECK(revoked > 0,
		             "no bias was ever revoked: the test tested nothing");
	for (i = 0; i < HOT; i++)
		STRESS_OK(inp_sock_close(c.so[i]));
	stress_world_fini(&c.w);
	return stress_pass("%lu reads, %lu bursts, %lu writes, %lu write "
	                   "lookups, %u closes, %" PRIu64 " revocations",
	                   atomic_load(&c.reads), atomic_load(&c.bursts),
	                   atomic_load(&c.writes), atomic_load(&c.wlookups),
	                   closes, revoked);
}
