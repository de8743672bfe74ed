/*
 * test_sysctl.c - the per-vnet knobs of spec section 7 (defaults, P1
 * clamps, bad input), and the vnet life cycle around them: creation with
 * FreeBSD's reference copy (VN-1), names and limits, destruction rules
 * (VN-5), and the once-per-second limiter tick (P9) driven by the
 * injected clock.
 */
#include "fixture.h"

#include "jail/jail_internal.h"

/* ---- knobs ------------------------------------------------------------ */

static const struct {
	const char *name;
	long def;
} defaults[] = {
	{ "net.inet.ip.portrange.first", 10000 },
	{ "net.inet.ip.portrange.last", 65535 },
	{ "net.inet.ip.portrange.hifirst", 49152 },
	{ "net.inet.ip.portrange.hilast", 65535 },
	{ "net.inet.ip.portrange.lowfirst", 1023 },
	{ "net.inet.ip.portrange.lowlast", 600 },
	{ "net.inet.ip.portrange.reservedhigh", 1023 },
	{ "net.inet.ip.portrange.reservedlow", 0 },
	{ "net.inet.ip.portrange.randomized", 1 },
	{ "net.inet.ip.portrange.randomcps", 10 },
	{ "net.inet.ip.portrange.randomtime", 45 },
	{ "net.inet.ip.portrange.rss_bucket", -1 },  /* -1: no RSS alignment */
	{ "net.inet.ip.connect_inaddr_wild", 0 },
	{ "net.inet6.ip6.connect_in6addr_wild", 1 },
	{ "net.inet6.ip6.v6only", 1 },
	{ "net.inet6.ip6.use_defzone", 0 },
	{ "net.inet6.ip6.use_deprecated", 1 },
	{ "net.inet6.ip6.prefer_tempaddr", 0 },
	{ "net.inet.tcp.msl", 30000 },
	{ "net.inet.udp.blackhole", 0 },
	{ "net.inet.udp.log_in_vain", 0 },
	{ "net.inet.icmp.icmplim", 200 },
	{ "net.inet.pcbgroup.enable", 0 },  /* connection groups: pcbgroup.c */
	{ "net.inet.rss.bits", -1 },        /* -1: RSS-10 from the CPUs */
	{ "net.inet.pcb.read_bias", 500 },  /* reads to earn bias: pcb_rbias.h */
};
#define N_DEFAULTS (sizeof(defaults) / sizeof(defaults[0]))

static void test_defaults(void **state)
{
	struct fx *w = *state;
	size_t i;

	for (i = 0; i < N_DEFAULTS; i++)
		assert_int_equal(fx_sysctl(w->vnet, defaults[i].name), defaults[i].def);
	/* The struct the PCB layer reads agrees. */
	assert_int_equal(w->vnet->sc.portrange_first, 10000);
	assert_int_equal(w->vnet->sc.tcp_msl_ms, 30000);
	assert_int_equal(w->vnet->sc.v6only, 1);
}

static void test_names(void **state)
{
	struct fx *w = *state;
	unsigned i;
	size_t k;

	for (i = 0; inp_sysctl_name(i) != NULL; i++) {
		bool listed = false;
		for (k = 0; k < N_DEFAULTS; k++)
			listed |= strcmp(defaults[k].name, inp_sysctl_name(i)) == 0;
		assert_true(listed);
		(void)fx_sysctl(w->vnet, inp_sysctl_name(i));
	}
	assert_int_equal(i, N_DEFAULTS);
	assert_null(inp_sysctl_name(1000));
}

/* P1: the six range knobs are clamped, never refused. */
static void test_clamps(void **state)
{
	struct fx *w = *state;
	struct inp_vnet *v = w->vnet;

	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.first", 80), 0);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.first"), 1024);
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.last", 70000), 0);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.last"), 65535);
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.hifirst", -5), 0);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.hifirst"), 1024);
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.hilast", 1L << 40), 0);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.hilast"), 65535);
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.lowfirst", 0), 0);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.lowfirst"), 1);
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.lowlast", 2000), 0);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.lowlast"), 1023);
	/* In range: stored as is; ends may be in either order (P1). */
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.first", 20000), 0);
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.last", 19000), 0);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.first"), 20000);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.last"), 19000);
	/* reserved*: no clamp (E1 sets reservedhigh=0). */
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.reservedhigh", 0), 0);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.reservedhigh"), 0);
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.reservedhigh", 5000), 0);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.reservedhigh"), 5000);
}

static void test_bad_values(void **state)
{
	struct fx *w = *state;
	struct inp_vnet *v = w->vnet;
	long val = 7;

	/* Booleans: 0 and 1 only, and a refusal changes nothing. */
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.randomized", 2),
	                 -EINVAL);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.randomized"), 1);
	assert_int_equal(inp_sysctl_set(v, "net.inet6.ip6.v6only", -1), -EINVAL);
	assert_int_equal(fx_sysctl(v, "net.inet6.ip6.v6only"), 1);
	assert_int_equal(inp_sysctl_set(v, "net.inet6.ip6.v6only", 0), 0);
	assert_int_equal(fx_sysctl(v, "net.inet6.ip6.v6only"), 0);
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.connect_inaddr_wild", 1), 0);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.connect_inaddr_wild"), 1);
	/* Counts: no negatives. */
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.randomcps", -1),
	                 -EINVAL);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.randomcps"), 10);
	assert_int_equal(inp_sysctl_set(v, "net.inet.tcp.msl", -1), -EINVAL);
	assert_int_equal(inp_sysctl_set(v, "net.inet.icmp.icmplim", -3), -EINVAL);
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.randomtime", 0), 0);
	assert_int_equal(fx_sysctl(v, "net.inet.ip.portrange.randomtime"), 0);
	/* Unknown names and NULLs. */
	assert_int_equal(inp_sysctl_set(v, "net.inet.ip.portrange.nope", 1), -ENOENT);
	assert_int_equal(inp_sysctl_get(v, "net.inet.ip.portrange", &val), -ENOENT);
	assert_int_equal(val, 7);
	assert_int_equal(inp_sysctl_set(v, NULL, 1), -EINVAL);
	assert_int_equal(inp_sysctl_set(NULL, "net.inet.tcp.msl", 1), -EINVAL);
	assert_int_equal(inp_sysctl_get(v, "net.inet.tcp.msl", NULL), -EINVAL);
	assert_int_equal(inp_sysctl_get(NULL, "net.inet.tcp.msl", &val), -EINVAL);
}

static void test_apply_direct(void **state)
{
	struct vnet_sysctls sc;

	(void)state;
	memset(&sc, 0xff, sizeof(sc));
	sysctl_defaults(&sc);
	assert_int_equal(sc.portrange_lowlast, 600);
	assert_int_equal(sc.icmp_lim, 200);
	assert_int_equal(sysctl_apply(&sc, "net.inet.ip.portrange.lowfirst", 5000), 0);
	assert_int_equal(sc.portrange_lowfirst, 1023);
	assert_int_equal(sysctl_apply(&sc, "net.inet.udp.blackhole", 3), -EINVAL);
	assert_int_equal(sc.udp_blackhole, 0);
	assert_int_equal(sysctl_apply(&sc, "x", 3), -ENOENT);
	assert_int_equal(sysctl_apply(NULL, "net.inet.udp.blackhole", 1), -EINVAL);
}

/* VN-1: every vnet starts from the defaults; changes stay local. */
static void test_vnets_independent(void **state)
{
	struct fx *w = *state;
	struct inp_vnet *b;

	assert_int_equal(inp_sysctl_set(w->vnet, "net.inet.ip.portrange.first",
	                                30000), 0);
	assert_int_equal(inp_vnet_create(w->host, "b", &b), 0);
	assert_int_equal(fx_sysctl(b, "net.inet.ip.portrange.first"), 10000);
	assert_int_equal(fx_sysctl(w->vnet, "net.inet.ip.portrange.first"), 30000);
	assert_int_equal(inp_vnet_destroy(b), 0);
}

/* ---- vnets ------------------------------------------------------------- */

static void test_vnet_create_rules(void **state)
{
	struct fx *w = *state;
	struct inp_vnet *v = NULL;
	char longname[INP_NAME_MAX + 1];

	assert_int_equal(inp_vnet_create(w->host, "default", &v), -EEXIST);
	assert_null(v);
	assert_int_equal(inp_vnet_create(w->host, "", &v), -EINVAL);
	assert_int_equal(inp_vnet_create(w->host, NULL, &v), -EINVAL);
	assert_int_equal(inp_vnet_create(w->host, "a b", &v), -EINVAL);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(inp_vnet_create(w->host, longname, &v), -EINVAL);
	assert_int_equal(inp_vnet_create(NULL, "x", &v), -EINVAL);
	assert_ptr_equal(inp_vnet_find(w->host, "default"), w->vnet);
	assert_null(inp_vnet_find(w->host, "nope"));
	assert_string_equal(inp_vnet_name(w->vnet), "default");
	assert_ptr_equal(inp_vnet_host(w->vnet), w->host);
	assert_int_equal(inp_vnet_destroy(NULL), -EINVAL);
	assert_int_equal(inp_host_destroy(NULL), -EINVAL);
}

/* Every vnet starts alike: lo0 first, index 1, both loopback addresses. */
static void test_vnet_fresh_world(void **state)
{
	struct fx *w = *state;
	struct inp_vnet *b;
	struct inp_ifnet *lo;
	struct in_addr a;

	assert_int_equal(inp_vnet_create(w->host, "second", &b), 0);
	lo = inp_if_byindex(b, 1);
	assert_non_null(lo);
	assert_string_equal(inp_if_name(lo), "lo0");
	assert_ptr_equal(b->lo0, lo);
	assert_int_equal(inp_if_flags(lo),
	                 INP_IFF_UP | INP_IFF_LOOPBACK | INP_IFF_MULTICAST);
	assert_true(vnet_primary_in4(b, &a, NULL));
	assert_int_equal(a.s_addr, htonl(INADDR_LOOPBACK));
	assert_non_null(b->pcbinfo[INP_PROTO_UDP]);
	assert_non_null(b->pcbinfo[INP_PROTO_TCP]);
	assert_non_null(b->rt4);
	assert_non_null(b->rt6);
	assert_int_equal(b->n_addrs, 2);
	assert_int_equal(inp_vnet_destroy(b), 0);
	assert_null(inp_vnet_find(w->host, "second"));
	/* The name is free again. */
	assert_int_equal(inp_vnet_create(w->host, "second", &b), 0);
	assert_int_equal(inp_vnet_destroy(b), 0);
}

static void test_vnet_limit(void **state)
{
	struct inp_limits lim = { .max_vnets = 2 };
	struct inp_host *h;
	struct inp_vnet *a, *b, *c = NULL;

	(void)state;
	assert_int_equal(inp_host_create(NULL, &lim, &h), 0);
	assert_int_equal(h->limits.max_vnets, 2);
	assert_int_equal(h->limits.max_pcbs, 65536);   /* zero: default */
	assert_int_equal(inp_vnet_create(h, "a", &a), 0);
	assert_int_equal(inp_vnet_create(h, "b", &b), 0);
	assert_int_equal(inp_vnet_create(h, "c", &c), -ENOBUFS);
	assert_null(c);
	assert_int_equal(inp_vnet_destroy(a), 0);
	assert_int_equal(inp_vnet_create(h, "c", &c), 0);
	assert_int_equal(inp_host_destroy(h), 0);   /* destroys b and c */
	assert_int_equal(inp_host_create(NULL, NULL, NULL), -EINVAL);
}

/* VN-5: EBUSY while a jail lives in the vnet; nothing is destroyed. */
static void test_vnet_busy_with_jail(void **state)
{
	struct fx *w = *state;
	struct inp_jail_params p;
	struct inp_jail *j;

	inp_jail_params_init(&p);
	assert_int_equal(inp_jail_create(w->host, w->vnet, "j", &p, &j), 0);
	assert_int_equal(inp_vnet_destroy(w->vnet), -EBUSY);
	assert_ptr_equal(inp_vnet_find(w->host, "default"), w->vnet);
	assert_int_equal(inp_jail_remove(j), 0);
	assert_int_equal(w->vnet->n_jails, 0);
	assert_int_equal(inp_vnet_destroy(w->vnet), 0);
	assert_int_equal(inp_vnet_create(w->host, "default", &w->vnet), 0);
}

/* ---- timers (P9) --------------------------------------------------------- */

static void test_limiter_ticks(void **state)
{
	struct fx *w = *state;
	struct port_limiter *l = &w->vnet->limiter;

	assert_int_equal(l->ticks, 0);
	fx_advance(w, FX_SEC / 2);
	assert_int_equal(l->ticks, 0);          /* tick 1 is at 1 s */
	l->allocs += 11;                        /* > randomcps (10) */
	fx_advance(w, FX_SEC / 2);
	assert_int_equal(l->ticks, 1);
	assert_int_equal(l->stop, 45);          /* randomtime */
	assert_int_equal(l->last, 11);
	fx_advance(w, 2 * FX_SEC);
	assert_int_equal(l->ticks, 3);
	assert_int_equal(l->stop, 43);          /* two quiet ticks */
	l->allocs += 10;                        /* not more than 10: quiet */
	fx_advance(w, FX_SEC);
	assert_int_equal(l->stop, 42);
	/* A long jump: the count is right and suppression has run out. */
	fx_advance(w, 100000 * FX_SEC);
	assert_int_equal(l->ticks, 100004);
	assert_int_equal(l->stop, 0);
	assert_int_equal(l->last, l->allocs);
}

/* A vnet created at 5.5 s runs ticks 6, 7, ... only. */
static void test_limiter_late_vnet(void **state)
{
	struct fx *w = *state;
	struct inp_vnet *b;

	w->now = 5 * FX_SEC + FX_SEC / 2;
	assert_int_equal(inp_vnet_create(w->host, "late", &b), 0);
	assert_int_equal(b->limiter.ticks, 5);
	b->limiter.allocs = 50;
	fx_advance(w, FX_SEC / 4);
	assert_int_equal(b->limiter.stop, 0);
	assert_int_equal(b->limiter.ticks, 5);
	fx_advance(w, FX_SEC / 4);              /* 6.0 s */
	assert_int_equal(b->limiter.ticks, 6);
	assert_int_equal(b->limiter.stop, 45);
	assert_int_equal(inp_host_run_timers(NULL), -EINVAL);
	assert_int_equal(inp_vnet_destroy(b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_defaults),
		FX_TEST(test_names),
		FX_TEST(test_clamps),
		FX_TEST(test_bad_values),
		cmocka_unit_test(test_apply_direct),
		FX_TEST(test_vnets_independent),
		FX_TEST(test_vnet_create_rules),
		FX_TEST(test_vnet_fresh_world),
		cmocka_unit_test(test_vnet_limit),
		FX_TEST(test_vnet_busy_with_jail),
		FX_TEST(test_limiter_ticks),
		FX_TEST(test_limiter_late_vnet),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
