/*
 * Stress scenario 14 (spec section 12): interface address removal during
 * connect.  em1's address goes round the cycle
 *
 *     10.0.0.10/24  ->  none  ->  10.0.0.11/24  ->  none  ->  10.0.0.10/24 ...
 *
 * (the toggler counts started and completed changes) while connector
 * threads connect fresh UDP sockets to 10.0.0.1:53, whose only route is
 * the prefix route of that address, and finder threads take and release
 * references on the addresses (inp_ifa_find / inp_ifa_rele).
 *
 * For a connect, d0 is the completed count before the call and s1 the
 * started count after it: the configurations it may have seen are those
 * after d0..s1 changes.  Checked:
 *   - every source address a connect returns was configured in one of
 *     them (S rules pick a configured address; IF-2 keeps it alive while
 *     selection uses it);
 *   - a failure is -ENETUNREACH or -EADDRNOTAVAIL, and only when some
 *     configuration in the range had no address: with an address present
 *     for the whole call the connect succeeds;
 *   - an address found by inp_ifa_find is one of the two and stays
 *     readable until released (ASan: no use after free);
 *   - invariant 27 at the end: every address reference was released
 *     (inp_vnet_ifa_refs_outstanding() == 0).
 */
#include "stress.h"

#define CONNECTORS 2
#define FINDERS 1

struct ctx {
	struct stress_world w;
	struct inp_ifnet *em1;
	atomic_ulong started, done;
	atomic_ulong ok, failed, found;
};

/* Bit 0: 10.0.0.10 configured, bit 1: 10.0.0.11, after n changes. */
static unsigned config_after(unsigned long n)
{
	switch (n % 4) {
	case 0: return 1;
	case 2: return 2;
	default: return 0;
	}
}

static unsigned configs_between(unsigned long d0, unsigned long s1,
                                bool *always)
{
	unsigned mask = 0;
	unsigned long n;

	*always = true;
	for (n = d0; n <= s1 && n < d0 + 4; n++) {
		mask |= config_after(n);
		if (config_after(n) == 0)
			*always = false;
	}
	return mask;
}

static void *toggler_main(void *arg)
{
	struct ctx *c = arg;
	struct stress_rng rng;

	stress_rng_init(&rng, 7);
	while (!stress_stop()) {
		unsigned long n = atomic_load(&c->started);
		/* change n: delete .10, add .11, delete .11, add .10 */
		static const char *const addr[4] = { "10.0.0.10", "10.0.0.11",
		                                     "10.0.0.11", "10.0.0.10" };
		struct sockaddr_in sin = stress_sin(addr[n % 4], 0);
		int rc;

		atomic_store(&c->started, n + 1);
		if (n % 2 == 0)
			rc = inp_if_addr_delete(c->em1, SA(&sin));
		else
			rc = inp_if_addr_add(c->em1, SA(&sin), 24, NULL);
		STRESS_CHECK(rc == 0, "address change %lu: %s", n,
		             stress_errname(rc));
		atomic_store(&c->done, n + 1);
		for (unsigned i = stress_below(&rng, 20); i > 0; i--)
			sched_yield();
	}
	return NULL;
}

static void *connector_main(void *arg)
{
	struct ctx *c = arg;
	unsigned long ok = 0, failed = 0;

	while (!stress_stop()) {
		struct inp_sock *so = stress_udp(c->w.vnet, 0);
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		unsigned long d0, s1;
		unsigned configs, got;
		bool always;
		int rc;

		d0 = atomic_load(&c->done);
		rc = stress_connect(so, "10.0.0.1", 53);
		s1 = atomic_load(&c->started);
		configs = configs_between(d0, s1, &always);
		if (rc == 0) {
			STRESS_OK(inp_sock_name(so, &ss, &len));
			got = stress_addr4(&ss) == stress_a4("10.0.0.10") ? 1
			    : stress_addr4(&ss) == stress_a4("10.0.0.11") ? 2
			                                                 : 0;
			STRESS_CHECK(got != 0, "S rules: connect picked a source "
			             "that was never configured");
			STRESS_CHECK((configs & got) != 0,
			             "S rules: connect picked 10.0.0.%s, not "
			             "configured during the call (changes "
			             "%lu..%lu)", got == 1 ? "10" : "11", d0, s1);
			ok++;
		} else {
			STRESS_CHECK(rc == -ENETUNREACH || rc == -EADDRNOTAVAIL,
			             "connect failed with %s",
			             stress_errname(rc));
			STRESS_CHECK(!always, "connect failed with %s although "
			             "an address was configured for the whole "
			             "call (changes %lu..%lu)",
			             stress_errname(rc), d0, s1);
			failed++;
		}
		STRESS_OK(inp_sock_close(so));
	}
	atomic_fetch_add(&c->ok, ok);
	atomic_fetch_add(&c->failed, failed);
	return NULL;
}

/* IF-2: a found address is referenced, so it stays readable. */
static void *finder_main(void *arg)
{
	struct ctx *c = arg;
	struct sockaddr_in a[2] = { stress_sin("10.0.0.10", 0),
	                            stress_sin("10.0.0.11", 0) };
	unsigned long found = 0, i = 0;

	while (!stress_stop()) {
		struct inp_ifaddr *ifa;
		struct sockaddr_storage ss;

		if (inp_ifa_find(c->w.vnet, SA(&a[i++ % 2]), &ifa) != 0)
			continue;
		sched_yield();          /* let the toggler delete it */
		inp_ifa_addr(ifa, &ss);
		STRESS_CHECK(stress_addr4(&ss) == a[(i - 1) % 2].sin_addr.s_addr
		             && inp_ifa_plen(ifa) == 24 &&
		             inp_ifa_ifnet(ifa) == c->em1,
		             "IF-2: a referenced address changed under us");
		inp_ifa_rele(ifa);
		found++;
	}
	atomic_fetch_add(&c->found, found);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct ctx c;
	struct sockaddr_in a0 = stress_sin("10.0.0.10", 0);
	pthread_t tt, tc[CONNECTORS], tf[FINDERS];
	unsigned i;

	stress_init(argc, argv, "stress_14_ifaddr_connect");
	stress_world_init(&c.w);
	STRESS_OK(inp_if_create(c.w.vnet, "em1", &c.em1));
	STRESS_OK(inp_if_addr_add(c.em1, SA(&a0), 24, NULL));
	stress_spawn(&tt, toggler_main, &c);
	for (i = 0; i < CONNECTORS; i++)
		stress_spawn(&tc[i], connector_main, &c);
	for (i = 0; i < FINDERS; i++)
		stress_spawn(&tf[i], finder_main, &c);
	stress_run_for(1.0);
	stress_join(tt);
	for (i = 0; i < CONNECTORS; i++)
		stress_join(tc[i]);
	for (i = 0; i < FINDERS; i++)
		stress_join(tf[i]);
	STRESS_CHECK(atomic_load(&c.ok) > 0 && atomic_load(&c.failed) > 0,
	             "the race did not happen: %lu connects, %lu failures",
	             atomic_load(&c.ok), atomic_load(&c.failed));
	stress_world_fini(&c.w);     /* inv. 27 among the checks */
	return stress_pass("%lu address changes; %lu connects with a valid "
	                   "source, %lu refused without an address; %lu "
	                   "address references taken and released",
	                   atomic_load(&c.done), atomic_load(&c.ok),
	                   atomic_load(&c.failed), atomic_load(&c.found));
}
