/*
 * test_jail.c - jails, credentials and the prison checks (spec section
 * 6): parameters and J1/J2, every row of the 6.2 table for IPv4 and IPv6
 * (unrestricted, restricted without addresses, restricted with addresses),
 * V11's loopback rule, J8 namespaces, J9, J10 (EPERM) before J11
 * (EADDRINUSE) with examples E29 and E31, privileges (6.5, J12), removal
 * (J11a) and reference counts.
 */
#include "fixture.h"

#include "jail/jail_internal.h"

/* The default world; the jails a test leaves are the host's to remove. */
static int setup(void **state)
{
	static const struct fx_config cfg = { .leave_vnet = true };

	*state = fx_new(&cfg);
	return 0;
}

/* ---- parameters, J1, J2 ------------------------------------------------- */

static void test_params_init(void **state)
{
	struct inp_jail_params p;

	(void)state;
	memset(&p, 0x5a, sizeof(p));
	inp_jail_params_init(&p);
	assert_int_equal(p.ip4_mode, INP_JAIL_DISABLE);
	assert_int_equal(p.ip6_mode, INP_JAIL_DISABLE);
	assert_int_equal(p.n_ip4, 0);
	assert_int_equal(p.n_ip6, 0);
	assert_true(p.ip4_saddrsel);
	assert_true(p.ip6_saddrsel);
	assert_false(p.allow_reserved_ports);
	inp_jail_params_init(NULL);
}

static void test_create_errors(void **state)
{
	struct fx *w = *state;
	struct inp_jail_params p;
	struct inp_jail *j = NULL;
	struct inp_vnet *other;
	struct inp_host *h2;

	assert_int_equal(fx_jail_create(w, "", NULL, NULL, &j), -EINVAL);
	assert_int_equal(fx_jail_create(w, ".a", NULL, NULL, &j), -EINVAL);
	assert_int_equal(fx_jail_create(w, "a.", NULL, NULL, &j), -EINVAL);
	assert_int_equal(fx_jail_create(w, "a..b", NULL, NULL, &j), -EINVAL);
	assert_int_equal(fx_jail_create(w, "a b", NULL, NULL, &j), -EINVAL);
	assert_int_equal(fx_jail_create(w, NULL, NULL, NULL, &j), -EINVAL);
	assert_int_equal(fx_jail_create(w, "a", "0.0.0.0", NULL, &j), -EINVAL);
	assert_int_equal(fx_jail_create(w, "a", "255.255.255.255", NULL,
	                                &j), -EINVAL);
	assert_int_equal(fx_jail_create(w, "a", "224.0.0.1", NULL,
	                                &j), -EINVAL);
	assert_int_equal(fx_jail_create(w, "a", "192.0.2.1,192.0.2.1", NULL,
	                                &j), -EINVAL);
	assert_int_equal(fx_jail_create(w, "a", NULL, "::", &j), -EINVAL);
	assert_int_equal(fx_jail_create(w, "a", NULL, "ff02::1", &j), -EINVAL);
	/* new without addresses; inherit with addresses; bad mode; too many */
	inp_jail_params_init(&p);
	p.ip4_mode = INP_JAIL_NEW;
	assert_int_equal(inp_jail_create(w->host, w->vnet, "a", &p, &j), -EINVAL);
	p.ip4_mode = INP_JAIL_INHERIT;
	p.n_ip4 = 1;
	p.ip4[0] = fx_in4("192.0.2.1");
	assert_int_equal(inp_jail_create(w->host, w->vnet, "a", &p, &j), -EINVAL);
	p.ip4_mode = (enum inp_jail_mode)7;
	assert_int_equal(inp_jail_create(w->host, w->vnet, "a", &p, &j), -EINVAL);
	p.ip4_mode = INP_JAIL_NEW;
	p.n_ip4 = INP_JAIL_MAX_ADDRS + 1;
	assert_int_equal(inp_jail_create(w->host, w->vnet, "a", &p, &j), -EINVAL);
	/* wrong host / vnet pairing */
	assert_int_equal(inp_host_create(NULL, NULL, &h2), 0);
	assert_int_equal(inp_vnet_create(h2, "x", &other), 0);
	assert_int_equal(inp_jail_create(w->host, other, "a", NULL, &j), -EINVAL);
	assert_int_equal(inp_jail_create(NULL, w->vnet, "a", NULL, &j), -EINVAL);
	assert_int_equal(inp_host_destroy(h2), 0);
	assert_null(j);
	/* missing parent, duplicates */
	assert_int_equal(fx_jail_create(w, "p.c", NULL, NULL, &j), -ENOENT);
	assert_int_equal(fx_jail_create(w, "a", NULL, NULL, &j), 0);
	assert_int_equal(fx_jail_create(w, "a", NULL, NULL, NULL), -EEXIST);
	assert_ptr_equal(inp_jail_find(w->host, "a"), j);
	assert_string_equal(inp_jail_name(j), "a");
	assert_null(inp_jail_find(w->host, "b"));
	assert_null(inp_jail_find(w->host, "a.b"));
	assert_int_equal(w->host->n_jails, 1);
	assert_int_equal(w->vnet->n_jails, 1);
}

static void test_jail_limit(void **state)
{
	struct inp_limits lim = { .max_jails = 2 };
	struct fx_config cfg = { .vnet = "v", .limits = &lim };
	struct fx w2;

	(void)state;
	fx_init(&w2, &cfg);
	assert_int_equal(fx_jail_create(&w2, "a", NULL, NULL, NULL), 0);
	assert_int_equal(fx_jail_create(&w2, "b", NULL, NULL, NULL), 0);
	assert_int_equal(fx_jail_create(&w2, "c", NULL, NULL, NULL), -ENOBUFS);
	assert_int_equal(inp_host_destroy(w2.host), 0);
}

/* J1: a family not mentioned is disabled; addresses imply new. */
static void test_j1_modes(void **state)
{
	struct fx *w = *state;
	struct inp_jail_params p;
	struct inp_jail *j, *k;
	struct inp_cred *c, *d;

	assert_int_equal(fx_jail_create(w, "six", NULL, "2001:db8::50", &j), 0);
	assert_int_equal(j->ip4.mode, INP_JAIL_DISABLE);
	assert_int_equal(j->ip6.mode, INP_JAIL_NEW);
	c = fx_cred(w, 0, j);
	assert_true(prison_restricts(c, AF_INET));
	assert_true(prison_restricts(c, AF_INET6));
	/* A zeroed mode with addresses means new (J1). */
	memset(&p, 0, sizeof(p));
	p.n_ip4 = 1;
	p.ip4[0] = fx_in4("192.0.2.77");
	assert_int_equal(inp_jail_create(w->host, w->vnet, "z", &p, &k), 0);
	assert_int_equal(k->ip4.mode, INP_JAIL_NEW);
	/* inherit under the host: unrestricted. */
	assert_int_equal(fx_jail_create(w, "open", "inherit", "inherit",
	                                &k), 0);
	d = fx_cred(w, 0, k);
	assert_false(prison_restricts(d, AF_INET));
	assert_null(prison_owner(d, AF_INET6));
	assert_false(prison_restricts(NULL, AF_INET));
	assert_false(prison_restricts(d, AF_UNIX));
	fx_cred_rele_all(c, d);
}

/* J2: primary first, the rest sorted; membership by binary search. */
static void test_j2_lists(void **state)
{
	struct fx *w = *state;
	struct inp_jail *j;
	const char *mem[] = { "192.0.2.20", "192.0.2.5", "10.0.0.1",
	                      "198.51.100.3", "192.0.2.200" };
	unsigned i;

	assert_int_equal(fx_jail_create(w, "j", "192.0.2.20,192.0.2.5,10.0.0.1,"
	                                "198.51.100.3,192.0.2.200",
	                                "2001:db8::9,2001:db8::1,2001:db8::5",
	                                &j), 0);
	assert_int_equal(j->ip4.n, 5);
	assert_int_equal(j->ip4.addrs.a4[0].s_addr, fx_in4("192.0.2.20").s_addr);
	for (i = 2; i < j->ip4.n; i++)
		assert_true(ntohl(j->ip4.addrs.a4[i - 1].s_addr) <
		            ntohl(j->ip4.addrs.a4[i].s_addr));
	for (i = 0; i < 5; i++)
		assert_true(prison_owns_ip4(j, fx_in4(mem[i])));
	assert_false(prison_owns_ip4(j, fx_in4("192.0.2.6")));
	assert_false(prison_owns_ip4(j, fx_in4("0.0.0.0")));
	{
		struct in6_addr a = fx_in6("2001:db8::5"), b = fx_in6("2001:db8::9"),
		                c = fx_in6("2001:db8::2");
		assert_true(prison_owns_ip6(j, &a));
		assert_true(prison_owns_ip6(j, &b));
		assert_false(prison_owns_ip6(j, &c));
	}
	/* The host owns everything. */
	assert_true(prison_owns_ip4(NULL, fx_in4("203.0.113.1")));
}

/* ---- the 6.2 table, IPv4 ----------------------------------------------- */

struct creds {
	struct inp_cred *host, *none, *one, *multi, *lo;
};

static void mkcreds(struct fx *w, struct creds *c)
{
	struct inp_jail *none, *one, *multi, *lo;

	assert_int_equal(fx_jail_create(w, "none", NULL, NULL, &none), 0);
	assert_int_equal(fx_jail_create(w, "one", "192.0.2.11", "2001:db8::11",
	                                &one), 0);
	assert_int_equal(fx_jail_create(w, "multi", "192.0.2.21,192.0.2.22",
	                                "2001:db8::21,2001:db8::22", &multi), 0);
	/* A jail that lists the loopback addresses itself (V11). */
	assert_int_equal(fx_jail_create(w, "lo", "192.0.2.31,127.0.0.1",
	                                "2001:db8::31,::1", &lo), 0);
	c->host = fx_cred(w, 0, NULL);
	c->none = fx_cred(w, 0, none);
	c->one = fx_cred(w, 0, one);
	c->multi = fx_cred(w, 0, multi);
	c->lo = fx_cred(w, 0, lo);
}

static void rmcreds(struct creds *c)
{
	fx_cred_rele_all(c->host, c->none, c->one, c->multi, c->lo);
}

static void test_j3_check_ip4(void **state)
{
	struct fx *w = *state;
	struct creds c;

	mkcreds(w, &c);
	assert_int_equal(prison_check_ip4(c.host, fx_in4("203.0.113.9")), 0);
	assert_int_equal(prison_check_ip4(NULL, fx_in4("203.0.113.9")), 0);
	assert_int_equal(prison_check_ip4(c.none, fx_in4("192.0.2.11")), -EAFNOSUPPORT);
	assert_int_equal(prison_check_ip4(c.multi, fx_in4("192.0.2.22")), 0);
	assert_int_equal(prison_check_ip4(c.multi, fx_in4("192.0.2.11")), -EADDRNOTAVAIL);
	assert_int_equal(prison_check_ip4(c.one, fx_in4("192.0.2.11")), 0);
	assert_int_equal(prison_check_ip4(c.one, fx_in4("127.0.0.1")), -EADDRNOTAVAIL);
	rmcreds(&c);
}

static void expect_local4(struct inp_cred *cred, const char *in, int rc,
                          const char *out)
{
	struct in_addr a = fx_in4(in);

	assert_int_equal(prison_local_ip4(cred, &a), rc);
	assert_int_equal(a.s_addr, fx_in4(out).s_addr);
}

static void test_j4_local_ip4(void **state)
{
	struct fx *w = *state;
	struct creds c;

	mkcreds(w, &c);
	/* unrestricted: 0, unchanged */
	expect_local4(c.host, "0.0.0.0", 0, "0.0.0.0");
	expect_local4(c.host, "127.0.0.1", 0, "127.0.0.1");
	expect_local4(c.host, "203.0.113.9", 0, "203.0.113.9");
	/* restricted, no addresses */
	expect_local4(c.none, "0.0.0.0", -EAFNOSUPPORT, "0.0.0.0");
	expect_local4(c.none, "127.0.0.1", -EAFNOSUPPORT, "127.0.0.1");
	/* one address: the wildcard becomes it (E27) */
	expect_local4(c.one, "0.0.0.0", 0, "192.0.2.11");
	expect_local4(c.one, "192.0.2.11", 0, "192.0.2.11");
	expect_local4(c.one, "127.0.0.1", 0, "192.0.2.11");
	expect_local4(c.one, "127.0.0.2", -EADDRNOTAVAIL, "127.0.0.2");
	expect_local4(c.one, "192.0.2.10", -EADDRNOTAVAIL, "192.0.2.10");
	/* several: the wildcard stays (E28) */
	expect_local4(c.multi, "0.0.0.0", 0, "0.0.0.0");
	expect_local4(c.multi, "192.0.2.22", 0, "192.0.2.22");
	expect_local4(c.multi, "127.0.0.1", 0, "192.0.2.21");
	expect_local4(c.multi, "192.0.2.23", -EADDRNOTAVAIL, "192.0.2.23");
	/* V11 [cur]: a jail owning 127.0.0.1 keeps it */
	expect_local4(c.lo, "127.0.0.1", 0, "127.0.0.1");
	expect_local4(c.lo, "0.0.0.0", 0, "0.0.0.0");
	assert_int_equal(prison_local_ip4(c.one, NULL), -EINVAL);
	rmcreds(&c);
}

static void expect_remote4(struct inp_cred *cred, const char *in, int rc,
                           const char *out)
{
	struct in_addr a = fx_in4(in);

	assert_int_equal(prison_remote_ip4(cred, &a), rc);
	assert_int_equal(a.s_addr, fx_in4(out).s_addr);
}

static void test_j5_remote_ip4(void **state)
{
	struct fx *w = *state;
	struct creds c;

	mkcreds(w, &c);
	expect_remote4(c.host, "127.0.0.1", 0, "127.0.0.1");
	expect_remote4(c.none, "127.0.0.1", -EAFNOSUPPORT, "127.0.0.1");
	expect_remote4(c.none, "198.51.100.7", -EAFNOSUPPORT, "198.51.100.7");
	expect_remote4(c.one, "127.0.0.1", 0, "192.0.2.11");      /* E27 */
	expect_remote4(c.multi, "127.0.0.1", 0, "192.0.2.21");
	expect_remote4(c.multi, "127.0.0.2", 0, "127.0.0.2");     /* exact only */
	expect_remote4(c.multi, "198.51.100.7", 0, "198.51.100.7");
	expect_remote4(c.multi, "0.0.0.0", 0, "0.0.0.0");
	expect_remote4(c.lo, "127.0.0.1", 0, "127.0.0.1");        /* V11 */
	rmcreds(&c);
}

static void test_j6_j7_ip4(void **state)
{
	struct fx *w = *state;
	struct inp_jail_params p;
	struct inp_jail *off;
	struct inp_cred *coff;
	struct creds c;
	struct in_addr a;

	mkcreds(w, &c);
	/* J6 saddrsel: "select normally" unless restricted, addresses, off */
	a = fx_in4("1.2.3.4");
	assert_false(prison_saddrsel_ip4(c.host, &a));
	assert_false(prison_saddrsel_ip4(c.none, &a));
	assert_false(prison_saddrsel_ip4(c.multi, &a));   /* saddrsel on */
	assert_int_equal(a.s_addr, fx_in4("1.2.3.4").s_addr);
	inp_jail_params_init(&p);
	fx_jail_family(&p, AF_INET, "192.0.2.13,203.0.113.6");
	p.ip4_saddrsel = false;
	assert_int_equal(inp_jail_create(w->host, w->vnet, "jb", &p, &off), 0);
	coff = fx_cred(w, 0, off);
	assert_true(prison_saddrsel_ip4(coff, &a));       /* E30 */
	assert_int_equal(a.s_addr, fx_in4("192.0.2.13").s_addr);
	/* J7 get: the primary */
	a = fx_in4("0.0.0.0");
	assert_int_equal(prison_get_ip4(c.host, &a), 0);
	assert_int_equal(a.s_addr, 0);
	assert_int_equal(prison_get_ip4(c.none, &a), -EAFNOSUPPORT);
	assert_int_equal(prison_get_ip4(c.multi, &a), 0);
	assert_int_equal(a.s_addr, fx_in4("192.0.2.21").s_addr);
	assert_int_equal(prison_get_ip4(c.one, &a), 0);
	assert_int_equal(a.s_addr, fx_in4("192.0.2.11").s_addr);
	assert_int_equal(prison_get_ip4(c.one, NULL), -EINVAL);
	inp_cred_rele(coff);
	rmcreds(&c);
}

/* ---- the 6.2 table, IPv6 ----------------------------------------------- */

static void expect_local6(struct inp_cred *cred, const char *in, bool v6only,
                          int rc, const char *out)
{
	struct in6_addr a = fx_in6(in), o = fx_in6(out);

	assert_int_equal(prison_local_ip6(cred, &a, v6only), rc);
	assert_memory_equal(&a, &o, sizeof(a));
}

static void test_ip6_rows(void **state)
{
	struct fx *w = *state;
	struct creds c;
	struct in6_addr a, lo = fx_in6("::1"), x = fx_in6("2001:db8::99");

	mkcreds(w, &c);
	/* J3 */
	a = fx_in6("2001:db8::22");
	assert_int_equal(prison_check_ip6(c.host, &a), 0);
	assert_int_equal(prison_check_ip6(c.none, &a), -EAFNOSUPPORT);
	assert_int_equal(prison_check_ip6(c.multi, &a), 0);
	assert_int_equal(prison_check_ip6(c.one, &a), -EADDRNOTAVAIL);
	/* J4: '::' narrowed only when V6ONLY (2.6, E32) */
	expect_local6(c.host, "::", true, 0, "::");
	expect_local6(c.none, "::", true, -EAFNOSUPPORT, "::");
	expect_local6(c.one, "::", true, 0, "2001:db8::11");
	expect_local6(c.one, "::", false, 0, "::");
	expect_local6(c.multi, "::", true, 0, "::");
	expect_local6(c.multi, "2001:db8::22", true, 0, "2001:db8::22");
	expect_local6(c.multi, "::1", true, 0, "2001:db8::21");
	expect_local6(c.multi, "2001:db8::99", true, -EADDRNOTAVAIL, "2001:db8::99");
	expect_local6(c.lo, "::1", true, 0, "::1");
	/* J5 */
	a = lo;
	assert_int_equal(prison_remote_ip6(c.host, &a), 0);
	assert_memory_equal(&a, &lo, sizeof(a));
	assert_int_equal(prison_remote_ip6(c.none, &a), -EAFNOSUPPORT);
	assert_int_equal(prison_remote_ip6(c.one, &a), 0);
	assert_memory_equal(&a, &c.one->jail->ip6.addrs.a6[0], sizeof(a));
	a = lo;
	assert_int_equal(prison_remote_ip6(c.lo, &a), 0);
	assert_memory_equal(&a, &lo, sizeof(a));
	a = x;
	assert_int_equal(prison_remote_ip6(c.multi, &a), 0);
	assert_memory_equal(&a, &x, sizeof(a));
	/* J6, J7 */
	assert_false(prison_saddrsel_ip6(c.multi, &a));
	assert_false(prison_saddrsel_ip6(c.host, &a));
	assert_int_equal(prison_get_ip6(c.none, &a), -EAFNOSUPPORT);
	assert_int_equal(prison_get_ip6(c.host, &a), 0);
	assert_memory_equal(&a, &x, sizeof(a));
	assert_int_equal(prison_get_ip6(c.multi, &a), 0);
	x = fx_in6("2001:db8::21");
	assert_memory_equal(&a, &x, sizeof(a));
	rmcreds(&c);
}

/* ---- J8, J9 --------------------------------------------------------------- */

static void test_j8_namespaces(void **state)
{
	struct fx *w = *state;
	struct inp_jail *a, *b, *ai, *half;
	struct inp_cred *h1, *h2, *ca, *cb, *cai, *chalf;

	assert_int_equal(fx_jail_create(w, "a", "192.0.2.11", NULL, &a), 0);
	assert_int_equal(fx_jail_create(w, "b", "192.0.2.11", NULL, &b), 0);
	assert_int_equal(fx_jail_create(w, "a.i", "inherit", NULL, &ai), 0);
	assert_int_equal(fx_jail_create(w, "half", "192.0.2.50", "inherit",
	                                &half), 0);
	h1 = fx_cred(w, 0, NULL);
	h2 = fx_cred(w, 1001, NULL);
	ca = fx_cred(w, 0, a);
	cb = fx_cred(w, 0, b);
	cai = fx_cred(w, 5, ai);
	chalf = fx_cred(w, 0, half);
	assert_true(prison_equal(h1, h2, AF_INET));
	assert_false(prison_equal(h1, ca, AF_INET));
	assert_false(prison_equal(ca, cb, AF_INET));    /* siblings */
	assert_true(prison_equal(ca, cai, AF_INET));    /* inherit: shared */
	assert_ptr_equal(prison_owner(cai, AF_INET), a);
	/* a.i's IPv6 is disabled: its own namespace for IPv6. */
	assert_ptr_equal(prison_owner(cai, AF_INET6), ai);
	assert_false(prison_equal(ca, cai, AF_INET6));
	/* ip6=inherit under the host: the host's IPv6 namespace. */
	assert_true(prison_equal(h1, chalf, AF_INET6));
	assert_false(prison_equal(h1, chalf, AF_INET));
	fx_cred_rele_all(h1, h2, ca, cb, cai, chalf);
}

static void test_j9_af(void **state)
{
	struct fx *w = *state;
	struct inp_jail *six, *i6;
	struct inp_cred *c, *ci, *h;

	assert_int_equal(fx_jail_create(w, "six", NULL, "2001:db8::50",
	                                &six), 0);
	assert_int_equal(fx_jail_create(w, "six.i", "inherit", "inherit",
	                                &i6), 0);
	c = fx_cred(w, 0, six);
	ci = fx_cred(w, 0, i6);
	h = fx_cred(w, 0, NULL);
	assert_int_equal(prison_check_af(c, AF_INET), -EAFNOSUPPORT);   /* E32 */
	assert_int_equal(prison_check_af(c, AF_INET6), 0);
	assert_int_equal(prison_check_af(ci, AF_INET), -EAFNOSUPPORT);
	assert_int_equal(prison_check_af(ci, AF_INET6), 0);
	assert_int_equal(prison_check_af(h, AF_INET), 0);
	assert_int_equal(prison_check_af(h, AF_UNIX), -EAFNOSUPPORT);
	fx_cred_rele_all(c, ci, h);
}

/* ---- J10, J11: E29 and E31 ---------------------------------------------- */

static void test_e29(void **state)
{
	struct fx *w = *state;

	assert_int_equal(fx_jail_create(w, "web", "192.0.2.11", NULL, NULL), 0);
	assert_int_equal(fx_jail_create(w, "web2", "192.0.2.11", NULL,
	                                NULL), 0);
	assert_int_equal(fx_jail_create(w, "multi", "192.0.2.11,192.0.2.12",
	                                NULL, NULL), -EADDRINUSE);
	assert_null(inp_jail_find(w->host, "multi"));
	/* Without sharing, several addresses are fine. */
	assert_int_equal(fx_jail_create(w, "multi", "192.0.2.13,192.0.2.12",
	                                NULL, NULL), 0);
	/* Now a single-address jail on one of multi's: a clash too. */
	assert_int_equal(fx_jail_create(w, "web3", "192.0.2.13", NULL,
	                                NULL), -EADDRINUSE);
	/* IPv6 follows the same rule. */
	assert_int_equal(fx_jail_create(w, "s1", NULL, "2001:db8::1", NULL), 0);
	assert_int_equal(fx_jail_create(w, "s2", NULL, "2001:db8::1", NULL), 0);
	assert_int_equal(fx_jail_create(w, "s3", NULL,
	                                "2001:db8::2,2001:db8::1", NULL),
	                 -EADDRINUSE);
}

static void test_e31(void **state)
{
	struct fx *w = *state;
	struct inp_jail *p, *pd, *r, *rc;
	struct inp_cred *droot, *croot, *rroot;
	struct in_addr a;

	assert_int_equal(fx_jail_create(w, "p", "192.0.2.11,192.0.2.12", NULL,
	                                &p), 0);
	assert_int_equal(fx_jail_create(w, "p.c", "192.0.2.13", NULL,
	                                NULL), -EPERM);
	assert_int_equal(fx_jail_create(w, "p.c", "192.0.2.12", NULL,
	                                NULL), -EADDRINUSE);
	assert_int_equal(fx_jail_create(w, "q", "192.0.2.12", NULL,
	                                NULL), -EADDRINUSE);
	assert_int_equal(fx_jail_create(w, "p.d", "inherit", NULL, &pd), 0);
	assert_ptr_equal(pd->parent, p);
	droot = fx_cred(w, 0, pd);
	a.s_addr = 0;
	assert_int_equal(prison_local_ip4(droot, &a), 0);   /* stays wildcard */
	assert_int_equal(a.s_addr, 0);
	assert_int_equal(fx_jail_create(w, "r", "192.0.2.14", NULL, &r), 0);
	assert_int_equal(fx_jail_create(w, "r.c", "192.0.2.14", NULL, &rc), 0);
	croot = fx_cred(w, 0, rc);
	rroot = fx_cred(w, 0, r);
	a.s_addr = 0;
	assert_int_equal(prison_local_ip4(croot, &a), 0);
	assert_int_equal(a.s_addr, fx_in4("192.0.2.14").s_addr);
	assert_false(prison_equal(croot, rroot, AF_INET));  /* separate spaces */
	a = fx_in4("192.0.2.11");
	assert_int_equal(prison_local_ip4(croot, &a), -EADDRNOTAVAIL);
	fx_cred_rele_all(droot, croot, rroot);
}

/* J10 through inherit, and under a disabled parent; J10 before J11. */
static void test_j10_more(void **state)
{
	struct fx *w = *state;

	assert_int_equal(fx_jail_create(w, "g", "192.0.2.1,192.0.2.2", NULL,
	                                NULL), 0);
	assert_int_equal(fx_jail_create(w, "g.p", "inherit", NULL, NULL), 0);
	/* g.p.c lives under g's restriction (inherited by g.p). */
	assert_int_equal(fx_jail_create(w, "g.p.c", "192.0.2.3", NULL,
	                                NULL), -EPERM);
	/* Subset, but g has two addresses and is visited: J11. */
	assert_int_equal(fx_jail_create(w, "g.p.c", "192.0.2.1", NULL,
	                                NULL), -EADDRINUSE);
	/* A child of a disabled parent may list nothing. */
	assert_int_equal(fx_jail_create(w, "d", NULL, NULL, NULL), 0);
	assert_int_equal(fx_jail_create(w, "d.c", "192.0.2.9", NULL,
	                                NULL), -EPERM);
	assert_int_equal(fx_jail_create(w, "d.c", "inherit", NULL, NULL), 0);
	/* An unrestricted parent imposes nothing. */
	assert_int_equal(fx_jail_create(w, "u", "inherit", NULL, NULL), 0);
	assert_int_equal(fx_jail_create(w, "u.c", "198.51.100.1", NULL,
	                                NULL), 0);
	/* J11 does not look below a jail that restricts itself ... */
	assert_int_equal(fx_jail_create(w, "s", "203.0.113.1,203.0.113.2", NULL,
	                                NULL), 0);
	assert_int_equal(fx_jail_create(w, "s.x", "203.0.113.1", NULL,
	                                NULL), -EADDRINUSE);
	/* ... but does below an inherit jail (u.c is visited). */
	assert_int_equal(fx_jail_create(w, "v", "198.51.100.1,198.51.100.2",
	                                NULL, NULL), -EADDRINUSE);
}

/* J11 compares jails of the same vnet only. */
static void test_j11_vnets(void **state)
{
	struct fx *w = *state;
	struct inp_vnet *other;
	struct inp_jail_params p;

	assert_int_equal(fx_jail_create(w, "a", "192.0.2.1,192.0.2.2", NULL,
	                                NULL), 0);
	assert_int_equal(inp_vnet_create(w->host, "other", &other), 0);
	inp_jail_params_init(&p);
	fx_jail_family(&p, AF_INET, "192.0.2.1,192.0.2.3");
	assert_int_equal(inp_jail_create(w->host, other, "b", &p, NULL), 0);
	/* A child must live in its parent's vnet. */
	assert_int_equal(inp_jail_create(w->host, other, "a.c", NULL, NULL),
	                 -EINVAL);
	assert_int_equal(other->n_jails, 1);
	assert_int_equal(inp_vnet_destroy(other), -EBUSY);
	assert_int_equal(inp_jail_remove(inp_jail_find(w->host, "b")), 0);
	assert_int_equal(inp_vnet_destroy(other), 0);
}

/* ---- privileges (6.5, J12) ----------------------------------------------- */

static void test_privileges(void **state)
{
	struct fx *w = *state;
	struct inp_jail_params p;
	struct inp_jail *j, *rp, *rpc;
	struct inp_cred *c;

	assert_int_equal(fx_jail_create(w, "j", "192.0.2.11", NULL, &j), 0);
	inp_jail_params_init(&p);
	fx_jail_family(&p, AF_INET, "192.0.2.12");
	p.allow_reserved_ports = true;
	assert_int_equal(inp_jail_create(w->host, w->vnet, "rp", &p, &rp), 0);
	/* A child never gets more than its parent allows. */
	fx_jail_family(&p, AF_INET, NULL);
	p.ip4_mode = INP_JAIL_INHERIT;
	p.n_ip4 = 0;
	assert_int_equal(inp_jail_create(w->host, w->vnet, "j.c", &p, &rpc), 0);
	assert_false(rpc->allow_reserved_ports);

	c = fx_cred(w, 0, NULL);                        /* host root: all */
	assert_int_equal(c->privs, INP_PRIV_ALL);
	assert_true(inp_cred_has_priv(c, INP_PRIV_BINDANY));
	assert_true(inp_cred_has_priv(c, INP_PRIV_ALL));
	inp_cred_rele(c);
	c = fx_cred(w, 1001, NULL);                     /* host user: none */
	assert_int_equal(c->privs, 0);
	assert_false(inp_cred_has_priv(c, INP_PRIV_RESERVEDPORT));
	inp_cred_rele(c);
	c = fx_cred(w, 0, j);                           /* jailed root */
	assert_int_equal(c->privs, INP_PRIV_REUSEPORT);
	assert_true(cred_priv(c, INP_PRIV_REUSEPORT));
	assert_false(cred_priv(c, INP_PRIV_RESERVEDPORT));   /* E28: EACCES */
	assert_false(cred_priv(c, INP_PRIV_BINDANY));
	inp_cred_rele(c);
	c = fx_cred(w, 0, rp);                          /* allow.reserved_ports */
	assert_int_equal(c->privs, INP_PRIV_REUSEPORT | INP_PRIV_RESERVEDPORT);
	inp_cred_rele(c);
	c = fx_cred(w, 0, rpc);
	assert_int_equal(c->privs, INP_PRIV_REUSEPORT);
	inp_cred_rele(c);
	c = fx_cred(w, 7, rp);                          /* jailed user: none */
	assert_int_equal(c->privs, 0);
	inp_cred_rele(c);
	/* An explicit set replaces the defaults. */
	assert_int_equal(inp_cred_create(w->host, 1001, NULL, INP_PRIV_BINDANY,
	                                 &c), 0);
	assert_int_equal(c->privs, INP_PRIV_BINDANY);
	assert_int_equal(inp_cred_uid(c), 1001);
	assert_null(inp_cred_jail(c));
	inp_cred_rele(c);
	assert_int_equal(inp_cred_create(w->host, 0, NULL, 0, &c), 0);
	assert_int_equal(c->privs, 0);
	assert_false(inp_cred_has_priv(c, 0));
	inp_cred_rele(c);
	assert_int_equal(inp_cred_create(w->host, 0, j, INP_PRIV_ALL, &c), 0);
	assert_ptr_equal(inp_cred_jail(c), j);
	assert_true(inp_cred_has_priv(c, INP_PRIV_BINDANY));
	inp_cred_rele(c);
	/* Bad input. */
	c = NULL;
	assert_int_equal(inp_cred_create(w->host, 0, NULL, 0x8, &c), -EINVAL);
	assert_int_equal(inp_cred_create(w->host, 0, NULL, -2, &c), -EINVAL);
	assert_int_equal(inp_cred_create(NULL, 0, NULL, 0, &c), -EINVAL);
	assert_int_equal(inp_cred_create(w->host, 0, NULL, 0, NULL), -EINVAL);
	assert_null(c);
	assert_false(inp_cred_has_priv(NULL, INP_PRIV_ALL));
	/* The host's own root credential. */
	assert_int_equal(w->host->root_cred->privs, INP_PRIV_ALL);
	assert_null(w->host->root_cred->jail);
}

/* ---- removal (J11a) and references ------------------------------------- */

static void test_remove(void **state)
{
	struct fx *w = *state;
	struct inp_jail *p, *c, *again;
	struct inp_cred *cred;

	assert_int_equal(fx_jail_create(w, "p", "192.0.2.1,192.0.2.2", NULL,
	                                &p), 0);
	assert_int_equal(fx_jail_create(w, "p.c", "inherit", NULL, &c), 0);
	assert_int_equal(atomic_load(&p->nchildren), 1);
	assert_int_equal(w->vnet->n_jails, 2);
	/* A child keeps the parent. */
	assert_int_equal(inp_jail_remove(p), -EBUSY);
	/* A socket (PCB) keeps the jail; a credential alone does not. */
	cred = fx_cred(w, 0, c);
	cred_pcb_attach(cred);
	assert_int_equal(atomic_load(&c->npcbs), 1);
	assert_int_equal(atomic_load(&cred->refcount), 2);
	assert_int_equal(inp_jail_remove(c), -EBUSY);
	cred_pcb_detach(cred);
	assert_int_equal(atomic_load(&cred->refcount), 1);
	assert_int_equal(inp_jail_remove(c), 0);
	assert_true(c->removed);
	assert_int_equal(inp_jail_remove(c), -EINVAL);
	assert_null(inp_jail_find(w->host, "p.c"));
	assert_int_equal(atomic_load(&p->nchildren), 0);
	assert_int_equal(w->vnet->n_jails, 1);
	/* The credential still reads its (removed) jail: memory kept. */
	assert_string_equal(inp_jail_name(inp_cred_jail(cred)), "p.c");
	assert_int_equal(prison_check_ip4(cred, fx_in4("192.0.2.2")), 0);
	/* No new credential for a removed jail. */
	{
		struct inp_cred *x = NULL;
		assert_int_equal(inp_cred_create(w->host, 0, c, INP_PRIV_DEFAULT,
		                                 &x), -EINVAL);
		assert_null(x);
	}
	/* The name is free again, and the parent can go now ... */
	assert_int_equal(fx_jail_create(w, "p.c", "inherit", NULL, &again), 0);
	assert_ptr_not_equal(again, c);
	assert_int_equal(inp_jail_remove(again), 0);
	assert_int_equal(inp_jail_remove(p), 0);
	assert_int_equal(w->vnet->n_jails, 0);
	assert_int_equal(w->host->n_jails, 0);
	/* ... while the removed child (and so its parent) live on through the
	 * credential; its release frees both (ASan and LSan check). */
	assert_int_equal(prison_check_ip4(cred, fx_in4("192.0.2.9")), -EADDRNOTAVAIL);
	inp_cred_rele(cred);
	assert_int_equal(inp_jail_remove(NULL), -EINVAL);
	cred_pcb_attach(NULL);
	cred_pcb_detach(NULL);
	inp_cred_rele(NULL);
	inp_cred_ref(NULL);
}

/* Host destruction with jails and a credential still held. */
static void test_host_destroy_with_jails(void **state)
{
	struct fx_config cfg = { .vnet = "v" };
	struct fx w2;
	struct inp_jail *j;
	struct inp_cred *c;

	(void)state;
	fx_init(&w2, &cfg);
	assert_int_equal(fx_jail_create(&w2, "a", "192.0.2.1", NULL, &j), 0);
	assert_int_equal(fx_jail_create(&w2, "a.b", "inherit", NULL, NULL), 0);
	c = fx_cred(&w2, 0, j);
	assert_int_equal(inp_host_destroy(w2.host), 0);
	/* The jail outlives the host while the credential holds it. */
	assert_true(j->removed);
	inp_cred_rele(c);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_init),
		T(test_create_errors),
		cmocka_unit_test(test_jail_limit),
		T(test_j1_modes),
		T(test_j2_lists),
		T(test_j3_check_ip4),
		T(test_j4_local_ip4),
		T(test_j5_remote_ip4),
		T(test_j6_j7_ip4),
		T(test_ip6_rows),
		T(test_j8_namespaces),
		T(test_j9_af),
		T(test_e29),
		T(test_e31),
		T(test_j10_more),
		T(test_j11_vnets),
		T(test_privileges),
		T(test_remove),
		cmocka_unit_test(test_host_destroy_with_jails),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
