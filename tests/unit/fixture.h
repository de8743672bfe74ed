/*
 * fixture.h - the world every unit test builds on, through the public API
 * only: a host with an injected clock and a seeded (or fixed) random
 * source, one vnet, optional interfaces em0/em1 and an unprivileged
 * credential; address and sockaddr builders from strings; interface,
 * route, jail, credential, socket and sysctl helpers; and the teardown
 * checks (sockets closed, invariant 27, the vnet and host destroyed).
 *
 * Naming: a helper named for an action (fx_bind, fx_if_add4, fx_member4,
 * fx_setopt_int, ...) returns the library's result for the test to check;
 * the same name with _ok asserts that it succeeded (world building).
 * Getters (fx_getopt_int, fx_sysctl, fx_local_port) assert that the value
 * could be read and return it.  Builders from strings assert that the
 * string parses.
 *
 * The PCB-level helpers (internal API) are in pcb_fixture.h, which
 * includes this file.  Every function here is static inline, so a test
 * that does not use one gets no -Wunused-function warning.
 */
#ifndef INPCB_TEST_FIXTURE_H
#define INPCB_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inpcb/inpcb.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_SEC 1000000000ull        /* the clock counts nanoseconds */
#define FX_SEED 0x12345678u         /* the default xorshift32 seed */
#define FX_MAX_SOCKS 64             /* sockets fx_sock_kept remembers */
#define FX_ALICE_UID 1001           /* fx_alice: an unprivileged user */

/* Call fn(x) for every x named (of type type), in order. */
#define FX_EACH(fn, type, ...)                                             \
	do {                                                               \
		type fx_each_v_[] = { __VA_ARGS__ };                       \
		size_t fx_each_i_;                                         \
		for (fx_each_i_ = 0;                                       \
		     fx_each_i_ < sizeof(fx_each_v_) / sizeof(fx_each_v_[0]); \
		     fx_each_i_++)                                         \
			fn(fx_each_v_[fx_each_i_]);                        \
	} while (0)

/* E6's four SO_REUSEADDR / SO_REUSEPORT pairings: { first, second }. */
#define FX_REUSE_PAIRS                                                     \
	{                                                                  \
		{ INP_SO_REUSEADDR, INP_SO_REUSEADDR },                    \
		{ INP_SO_REUSEPORT, INP_SO_REUSEPORT },                    \
		{ INP_SO_REUSEPORT, INP_SO_REUSEADDR },                    \
		{ INP_SO_REUSEADDR, INP_SO_REUSEPORT },                    \
	}

/* How fx_init builds a world; a zeroed (or NULL) config is the default. */
struct fx_config {
	const char *vnet;           /* the vnet's name ["default"] */
	uint64_t start_ns;          /* the clock's first reading [0] */
	uint32_t seed;              /* xorshift32 seed [0: FX_SEED] */
	bool fixed_random;          /* random32 returns seed every time */
	const struct inp_limits *limits;   /* [NULL: the defaults] */
	bool leave_vnet;            /* teardown leaves the vnet (and the
	                             * jails, TIME_WAIT PCBs in it) to
	                             * inp_host_destroy */
};

struct fx {
	struct inp_host *host;
	struct inp_vnet *vnet;
	struct inp_ifnet *em0, *em1;    /* when the test's setup made them */
	struct inp_cred *alice;         /* fx_alice; released by teardown */
	uint64_t now;                   /* the injected clock, ns */
	uint32_t rnd;                   /* xorshift state, or the fixed value */
	bool rnd_fixed;
	unsigned rnd_calls;             /* how often the host drew a number */
	bool leave_vnet;
	struct inp_sock *socks[FX_MAX_SOCKS];   /* fx_sock_kept's sockets */
	unsigned nsocks;
};

/* ---- the host's injected clock and random source ------------------------ */

static inline uint64_t fx_now(void *ctx)
{
	return ((struct fx *)ctx)->now;
}

/* Thread-safe: the datapath draws numbers on every sending thread. */
static inline uint32_t fx_random(void *ctx)
{
	struct fx *f = ctx;
	uint32_t x, y;

	__atomic_fetch_add(&f->rnd_calls, 1, __ATOMIC_RELAXED);
	x = __atomic_load_n(&f->rnd, __ATOMIC_RELAXED);
	if (f->rnd_fixed)
		return x;
	do {
		y = x;
		y ^= y << 13;
		y ^= y >> 17;
		y ^= y << 5;
	} while (!__atomic_compare_exchange_n(&f->rnd, &x, y, false,
	                                      __ATOMIC_RELAXED,
	                                      __ATOMIC_RELAXED));
	return y;
}

/* Let ns pass and run the host's timers; the host sees the new time. */
static inline void fx_advance(struct fx *f, uint64_t ns)
{
	f->now += ns;
	assert_int_equal(inp_host_run_timers(f->host), 0);
	assert_int_equal(inp_host_now_ns(f->host), f->now);
}

/* ---- life cycle --------------------------------------------------------- */

/*
 * A host (clock and random source read f, which must not move while the
 * host lives) and one vnet, which comes with lo0.
 */
static inline void fx_init(struct fx *f, const struct fx_config *cfg)
{
	static const struct fx_config defaults;
	struct inp_host_ops ops = { fx_now, fx_random, NULL };

	if (cfg == NULL)
		cfg = &defaults;
	memset(f, 0, sizeof(*f));
	f->now = cfg->start_ns;
	f->rnd_fixed = cfg->fixed_random;
	f->rnd = cfg->seed != 0 || cfg->fixed_random ? cfg->seed : FX_SEED;
	f->leave_vnet = cfg->leave_vnet;
	ops.ctx = f;
	/* The test thread looks up PCBs: the lockless path (thread.h). */
	assert_int_equal(inp_thread_register(), 0);
	assert_int_equal(inp_host_create(&ops, cfg->limits, &f->host), 0);
	assert_int_equal(inp_vnet_create(f->host,
	                                 cfg->vnet ? cfg->vnet : "default",
	                                 &f->vnet), 0);
}

static inline struct fx *fx_new(const struct fx_config *cfg)
{
	struct fx *f = malloc(sizeof(*f));

	assert_non_null(f);
	fx_init(f, cfg);
	return f;
}

/* Invariant 27: every address reference taken has been released. */
static inline void fx_assert_invariant_27(struct inp_vnet *vnet)
{
	assert_int_equal(inp_vnet_ifa_refs_outstanding(vnet), 0);
}

/*
 * Close the sockets fx_sock_kept made, release alice, check invariant 27,
 * destroy the vnet (it refuses while a PCB or jail is left: a leak fails
 * the test) unless leave_vnet, then the host.  Does not free f.
 */
static inline void fx_fini(struct fx *f)
{
	unsigned i;

	for (i = 0; i < f->nsocks; i++)
		if (f->socks[i] != NULL)
			assert_int_equal(inp_sock_close(f->socks[i]), 0);
	if (f->alice != NULL)
		inp_cred_rele(f->alice);
	fx_assert_invariant_27(f->vnet);
	if (!f->leave_vnet)
		assert_int_equal(inp_vnet_destroy(f->vnet), 0);
	assert_int_equal(inp_host_destroy(f->host), 0);
	assert_int_equal(inp_thread_unregister(), 0);
}

/* cmocka setup and teardown for the default world (host and vnet). */
static inline int fx_setup(void **state)
{
	*state = fx_new(NULL);
	return 0;
}

static inline int fx_teardown(void **state)
{
	struct fx *f = *state;

	fx_fini(f);
	free(f);
	return 0;
}

#define FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

/* ---- addresses and sockaddrs from strings ------------------------------- */

static inline struct in_addr fx_in4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static inline struct in6_addr fx_in6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static inline bool fx_in6_equal(const struct in6_addr *a, const char *s)
{
	struct in6_addr b = fx_in6(s);

	return memcmp(a, &b, sizeof(b)) == 0;
}

static inline struct sockaddr_in fx_sin4(const char *s, unsigned port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr = fx_in4(s);
	return sin;
}

static inline struct sockaddr_in6 fx_sin6_scope(const char *s, unsigned port,
                                                unsigned scope)
{
	struct sockaddr_in6 sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin6_family = AF_INET6;
	sin.sin6_port = htons((uint16_t)port);
	sin.sin6_addr = fx_in6(s);
	sin.sin6_scope_id = scope;
	return sin;
}

static inline struct sockaddr_in6 fx_sin6(const char *s, unsigned port)
{
	return fx_sin6_scope(s, port, 0);
}

/* Either family, told by the string ("192.0.2.1", "2001:db8::1"). */
static inline struct sockaddr_storage fx_sa(const char *s, unsigned port)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(s, ':') != NULL) {
		struct sockaddr_in6 sin6 = fx_sin6(s, port);
		memcpy(&ss, &sin6, sizeof(sin6));
	} else {
		struct sockaddr_in sin = fx_sin4(s, port);
		memcpy(&ss, &sin, sizeof(sin));
	}
	return ss;
}

static inline socklen_t fx_sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                 : sizeof(struct sockaddr_in);
}

/* ---- interfaces, addresses, routes -------------------------------------- */

static inline struct inp_ifnet *fx_if(struct fx *f, const char *name)
{
	struct inp_ifnet *ifp = NULL;

	assert_int_equal(inp_if_create(f->vnet, name, &ifp), 0);
	return ifp;
}

/* em0 and em1 (interface indexes 2 and 3), no addresses. */
static inline void fx_em0_em1(struct fx *f)
{
	f->em0 = fx_if(f, "em0");
	f->em1 = fx_if(f, "em1");
}

/* cmocka setup: the default world with em0 and em1, no addresses. */
static inline int fx_setup_em0_em1(void **state)
{
	struct fx *f = fx_new(NULL);

	fx_em0_em1(f);
	*state = f;
	return 0;
}

/* ifconfig IFP inet A/PLEN [PEER] */
static inline int fx_if_add4(struct inp_ifnet *ifp, const char *a,
                             unsigned plen, const char *peer)
{
	struct sockaddr_in s = fx_sin4(a, 0), p;

	if (peer == NULL)
		return inp_if_addr_add(ifp, (struct sockaddr *)&s, plen, NULL);
	p = fx_sin4(peer, 0);
	return inp_if_addr_add(ifp, (struct sockaddr *)&s, plen,
	                       (struct sockaddr *)&p);
}

static inline void fx_if_add4_ok(struct inp_ifnet *ifp, const char *a,
                                 unsigned plen)
{
	assert_int_equal(fx_if_add4(ifp, a, plen, NULL), 0);
}

static inline int fx_if_add6(struct inp_ifnet *ifp, const char *a,
                             unsigned plen)
{
	struct sockaddr_in6 s = fx_sin6(a, 0);

	return inp_if_addr_add(ifp, (struct sockaddr *)&s, plen, NULL);
}

static inline int fx_if_del4(struct inp_ifnet *ifp, const char *a)
{
	struct sockaddr_in s = fx_sin4(a, 0);

	return inp_if_addr_delete(ifp, (struct sockaddr *)&s);
}

/* route add DST/PLEN GW, or (gw NULL) DST/PLEN -iface IFP */
static inline int fx_route_add4(struct inp_vnet *vnet, const char *dst,
                                unsigned plen, const char *gw,
                                struct inp_ifnet *ifp)
{
	struct sockaddr_in d = fx_sin4(dst, 0), g;

	if (gw == NULL)
		return inp_route_add(vnet, (struct sockaddr *)&d, plen, NULL,
		                     ifp);
	g = fx_sin4(gw, 0);
	return inp_route_add(vnet, (struct sockaddr *)&d, plen,
	                     (struct sockaddr *)&g, NULL);
}

static inline int fx_route_del4(struct inp_vnet *vnet, const char *dst,
                                unsigned plen)
{
	struct sockaddr_in d = fx_sin4(dst, 0);

	return inp_route_delete(vnet, (struct sockaddr *)&d, plen);
}

/*
 * The preamble of spec section 8: em0 with 192.0.2.10/24 and a default
 * route via 192.0.2.1.  Makes em0 unless the setup already did.
 */
static inline void fx_preamble(struct fx *f)
{
	if (f->em0 == NULL)
		f->em0 = fx_if(f, "em0");
	fx_if_add4_ok(f->em0, "192.0.2.10", 24);
	assert_int_equal(fx_route_add4(f->vnet, "0.0.0.0", 0, "192.0.2.1",
	                               NULL), 0);
}

/*
 * The sockets tests' world: em0 and em1, the preamble on em0 and
 * 203.0.113.5/24 on em1.
 */
static inline void fx_two_nets(struct fx *f)
{
	fx_em0_em1(f);
	fx_preamble(f);
	fx_if_add4_ok(f->em1, "203.0.113.5", 24);
}

/* ---- jails and credentials ---------------------------------------------- */

/*
 * One family's jail parameters in the scenario language's spelling:
 * "A,B,..." (NEW), "inherit", or NULL (not mentioned: the default).
 */
static inline void fx_jail_family(struct inp_jail_params *p, int af,
                                  const char *spec)
{
	char buf[512], *tok, *save = NULL;

	if (spec == NULL)
		return;
	if (strcmp(spec, "inherit") == 0) {
		if (af == AF_INET)
			p->ip4_mode = INP_JAIL_INHERIT;
		else
			p->ip6_mode = INP_JAIL_INHERIT;
		return;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (af == AF_INET) {
			p->ip4[p->n_ip4++] = fx_in4(tok);
			p->ip4_mode = INP_JAIL_NEW;
		} else {
			p->ip6[p->n_ip6++] = fx_in6(tok);
			p->ip6_mode = INP_JAIL_NEW;
		}
	}
}

/* jail -c name=NAME ip4=IP4 ip6=IP6 (see fx_jail_family) */
static inline int fx_jail_create(struct fx *f, const char *name,
                                 const char *ip4, const char *ip6,
                                 struct inp_jail **out)
{
	struct inp_jail_params p;

	inp_jail_params_init(&p);
	fx_jail_family(&p, AF_INET, ip4);
	fx_jail_family(&p, AF_INET6, ip6);
	return inp_jail_create(f->host, f->vnet, name, &p, out);
}

static inline struct inp_jail *fx_jail(struct fx *f, const char *name,
                                       const char *ip4, const char *ip6)
{
	struct inp_jail *j = NULL;

	assert_int_equal(fx_jail_create(f, name, ip4, ip6, &j), 0);
	return j;
}

/* A credential with the default privileges (jail NULL: the host's). */
static inline struct inp_cred *fx_cred(struct fx *f, uint32_t uid,
                                       struct inp_jail *jail)
{
	struct inp_cred *c = NULL;

	assert_int_equal(inp_cred_create(f->host, uid, jail, INP_PRIV_DEFAULT,
	                                 &c), 0);
	return c;
}

/* f->alice: uid 1001, unjailed, unprivileged; teardown releases it. */
static inline void fx_alice(struct fx *f)
{
	f->alice = fx_cred(f, FX_ALICE_UID, NULL);
}

/* Release every credential named, in order. */
#define fx_cred_rele_all(...)                                              \
	FX_EACH(inp_cred_rele, struct inp_cred *, __VA_ARGS__)

/* ---- sockets ------------------------------------------------------------ */

/* Open a socket; the test closes it. */
static inline struct inp_sock *fx_sock(struct fx *f, int family,
                                       enum inp_proto proto,
                                       struct inp_cred *cred)
{
	struct inp_sock *so = NULL;

	assert_int_equal(inp_sock_open(f->vnet, family, proto, cred, &so), 0);
	assert_non_null(so);
	return so;
}

/* Open a socket that teardown closes unless fx_sock_close did. */
static inline struct inp_sock *fx_sock_kept(struct fx *f, int family,
                                            enum inp_proto proto,
                                            struct inp_cred *cred)
{
	struct inp_sock *so;

	assert_true(f->nsocks < FX_MAX_SOCKS);
	so = fx_sock(f, family, proto, cred);
	f->socks[f->nsocks++] = so;
	return so;
}

static inline void fx_sock_close(struct fx *f, struct inp_sock *so)
{
	unsigned i;

	for (i = 0; i < f->nsocks; i++)
		if (f->socks[i] == so)
			f->socks[i] = NULL;
	assert_int_equal(inp_sock_close(so), 0);
}

static inline int fx_setopt_int(struct inp_sock *so, int level, int name,
                                int v)
{
	return inp_sock_setopt(so, level, name, &v, sizeof(v), NULL);
}

static inline void fx_setopt_int_ok(struct inp_sock *so, int level, int name,
                                    int v)
{
	assert_int_equal(fx_setopt_int(so, level, name, v), 0);
}

static inline int fx_getopt_int(struct inp_sock *so, int level, int name)
{
	int v = -12345;
	socklen_t len = sizeof(v);

	assert_int_equal(inp_sock_getopt(so, level, name, &v, &len), 0);
	assert_int_equal(len, sizeof(int));
	return v;
}

/* bind to A:PORT, either family (told by the string), with the rule. */
static inline int fx_bind_explain(struct inp_sock *so, const char *a,
                                  unsigned port, struct inp_explain *why)
{
	struct sockaddr_storage ss = fx_sa(a, port);

	return inp_sock_bind(so, (struct sockaddr *)&ss, fx_sa_len(&ss), why);
}

static inline int fx_bind(struct inp_sock *so, const char *a, unsigned port)
{
	return fx_bind_explain(so, a, port, NULL);
}

static inline void fx_bind_ok(struct inp_sock *so, const char *a,
                              unsigned port)
{
	assert_int_equal(fx_bind(so, a, port), 0);
}

static inline int fx_connect(struct inp_sock *so, const char *a,
                             unsigned port)
{
	struct sockaddr_storage ss = fx_sa(a, port);

	return inp_sock_connect(so, (struct sockaddr *)&ss, fx_sa_len(&ss),
	                        NULL);
}

/* The bound local port of an AF_INET socket. */
static inline unsigned fx_local_port(struct inp_sock *so)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(inp_sock_name(so, &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static inline struct ip_mreq fx_mreq4(const char *group, const char *ifaddr)
{
	struct ip_mreq m;

	m.imr_multiaddr = fx_in4(group);
	m.imr_interface = fx_in4(ifaddr);
	return m;
}

/* IP_ADD_MEMBERSHIP / IP_DROP_MEMBERSHIP (name) of group G on address I. */
static inline int fx_member4(struct inp_sock *so, int name, const char *g,
                             const char *i)
{
	struct ip_mreq m = fx_mreq4(g, i);

	return inp_sock_setopt(so, INP_IPPROTO_IP, name, &m, sizeof(m), NULL);
}

static inline void fx_member4_ok(struct inp_sock *so, int name, const char *g,
                                 const char *i)
{
	assert_int_equal(fx_member4(so, name, g, i), 0);
}

/* ---- sysctls ------------------------------------------------------------ */

static inline long fx_sysctl(struct inp_vnet *vnet, const char *name)
{
	long v = -12345;

	assert_int_equal(inp_sysctl_get(vnet, name, &v), 0);
	return v;
}

static inline void fx_sysctl_set_ok(struct inp_vnet *vnet, const char *name,
                                    long value)
{
	assert_int_equal(inp_sysctl_set(vnet, name, value), 0);
}

/* Ephemeral ports first..last, handed out in order (not randomized). */
static inline void fx_sequential_ports(struct inp_vnet *vnet, long first,
                                       long last)
{
	fx_sysctl_set_ok(vnet, "net.inet.ip.portrange.randomized", 0);
	fx_sysctl_set_ok(vnet, "net.inet.ip.portrange.first", first);
	fx_sysctl_set_ok(vnet, "net.inet.ip.portrange.last", last);
}

#endif
