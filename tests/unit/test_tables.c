/*
 * test_tables.c - the table invariants of spec lifecycle section 11,
 * checked by walking every chain after each step of a socket's life
 * (src/pcb/pcb_hash.c): 1 (a PCB is on a table iff INP_INHASHLIST),
 * 2 (a hashed PCB is on exactly one lookup chain, the one its tuple
 * selects: exact iff it has a foreign address), 3 (every hashed PCB is on
 * the port chain of its lport) and 21 (an unbound PCB is never hashed),
 * plus LC-23's insertion rules.
 */
#include "pcb_fixture.h"

#define MAXP 64

/* How often each PCB of the global list was seen on each kind of chain. */
struct census {
	unsigned n;
	struct inp_pcb *p[MAXP];
	unsigned lookup[MAXP], port[MAXP];
};

static unsigned census_slot(struct census *c, const struct inp_pcb *p)
{
	unsigned i;

	for (i = 0; i < c->n; i++)
		if (c->p[i] == p)
			return i;
	fail_msg("a chain holds a PCB that is not on the global list");
	return 0;
}

/* Invariants 1, 2, 3 and 21 for one protocol table. */
static void check_tables(struct inp_pcbinfo *info)
{
	struct census c;
	struct inp_pcb *p;
	uint32_t b;
	unsigned i;

	memset(&c, 0, sizeof(c));
	pthread_mutex_lock(&info->list_lock);
	for (p = info->list; p != NULL; p = p->list_next) {
		assert_true(c.n < MAXP);
		c.p[c.n++] = p;
	}
	pthread_mutex_unlock(&info->list_lock);

	hash_rlock(info);
	for (b = 0; b <= info->exact.mask; b++)
		for (p = info->exact.heads[b].first; p; p = p->exact_next) {
			assert_true(p->flags & INP_F_INHASHLIST);     /* 1 */
			assert_true(pcb_has_faddr(p));                 /* 2 */
			assert_int_equal(b, pcb_hash_exact(info, &p->faddr,
			                                   p->lport, p->fport));
			c.lookup[census_slot(&c, p)]++;
		}
	for (b = 0; b <= info->wild.mask; b++)
		for (p = info->wild.heads[b].first; p; p = p->wild_next) {
			assert_true(p->flags & INP_F_INHASHLIST);     /* 1 */
			assert_false(pcb_has_faddr(p));                /* 2 */
			assert_int_equal(b, pcb_hash_port(info, p->lport));
			c.lookup[census_slot(&c, p)]++;
		}
	for (b = 0; b <= info->porthash.mask; b++)
		for (p = info->porthash.heads[b].first; p; p = p->port_next) {
			assert_true(p->flags & INP_F_INHASHLIST);     /* 1 */
			assert_int_equal(b, pcb_hash_port(info, p->lport)); /* 3 */
			c.port[census_slot(&c, p)]++;
		}
	for (i = 0; i < c.n; i++) {
		p = c.p[i];
		if (p->flags & INP_F_INHASHLIST) {
			assert_int_equal(c.lookup[i], 1);              /* 2 */
			assert_int_equal(c.port[i], 1);                /* 3 */
			assert_int_not_equal(p->lport, 0);             /* 21 */
		} else {
			assert_int_equal(c.lookup[i], 0);              /* 1 */
			assert_int_equal(c.port[i], 0);
		}
	}
	hash_unlock(info);
}

static void check(struct fx *f)
{
	check_tables(fx_info(f, INP_PROTO_UDP));
	check_tables(fx_info(f, INP_PROTO_TCP));
}

static int setup(void **state)
{
	static const struct fx_config cfg = { .start_ns = FX_SEC };
	struct fx *f = fx_new(&cfg);

	fx_preamble(f);
	fx_alice(f);
	*state = f;
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

static void test_udp_life(void **state)
{
	struct fx *f = *state;
	struct inp_sock *a = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_sock *b = fx_sock_kept(f, AF_INET6, INP_PROTO_UDP, NULL);
	struct inp_sock *g[3], *x;
	unsigned i;

	check(f);                                /* unbound: no table */
	assert_int_equal(fx_bind(a, "198.51.100.99", 5000), -EADDRNOTAVAIL);
	check(f);                                /* a failed bind: none */
	fx_bind_ok(a, "192.0.2.10", 5000);
	check(f);
	assert_int_equal(fx_connect(a, "198.51.100.7", 53), 0);
	check(f);                                /* wild -> exact */
	assert_int_equal(fx_connect(a, "198.51.100.8", 53), 0);
	check(f);                                /* exact -> exact */
	assert_int_equal(inp_sock_disconnect(a, NULL), 0);
	check(f);                                /* exact -> wild (V13) */
	assert_true(fx_connect(b, "2001:db8::1", 53) < 0);   /* no IPv6 */
	check(f);
	fx_setopt_int_ok(b, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY, 0);
	assert_int_equal(fx_connect(b, "::ffff:198.51.100.7", 53), 0);
	check(f);                                /* implicit bind + connect */
	for (i = 0; i < 3; i++) {
		g[i] = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
		fx_setopt_int_ok(g[i], INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 1);
		fx_bind_ok(g[i], "0.0.0.0", 5100);
		check(f);
	}
	assert_int_equal(fx_connect(g[1], "198.51.100.7", 53), 0);
	check(f);                                /* leaves the group */
	fx_sock_close(f, g[0]);
	check(f);
	x = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, f->alice);
	assert_int_equal(fx_bind(x, "0.0.0.0", 5000), -EADDRINUSE);
	check(f);
	fx_sock_close(f, a);
	fx_sock_close(f, b);
	check(f);
}

static void test_tcp_life(void **state)
{
	struct fx *f = *state;
	struct inp_sock *l = fx_sock_kept(f, AF_INET, INP_PROTO_TCP, NULL);
	struct inp_sock *c = NULL, *d = NULL, *o;
	struct sockaddr_in from = fx_sin4("198.51.100.7", 40000);
	struct sockaddr_in from2 = fx_sin4("198.51.100.7", 40001);
	struct sockaddr_in to = fx_sin4("192.0.2.10", 0);

	assert_int_equal(inp_sock_listen(l, 5, NULL), 0);
	check(f);                                /* implicit bind */
	assert_int_equal(inp_sock_accept(l, (struct sockaddr *)&from,
	                                 (struct sockaddr *)&to, &c, NULL), 0);
	check(f);
	assert_int_equal(inp_sock_accept(l, (struct sockaddr *)&from,
	                                 (struct sockaddr *)&to, &d, NULL),
	                 -EADDRINUSE);
	check(f);                                /* the failed one is gone */
	assert_int_equal(inp_sock_accept(l, (struct sockaddr *)&from2,
	                                 (struct sockaddr *)&to, &d, NULL), 0);
	check(f);
	assert_int_equal(inp_sock_timewait(c), 0);
	check(f);                                /* socketless, hashed */
	pcb_wlock(inp_sock_pcb(d));
	pcb_drop(inp_sock_pcb(d));
	pcb_unlock(inp_sock_pcb(d));
	check(f);                                /* dropped: unhashed */
	o = fx_sock_kept(f, AF_INET, INP_PROTO_TCP, NULL);
	assert_int_equal(fx_connect(o, "198.51.100.9", 80), 0);
	check(f);                                /* connect-only insert */
	fx_advance(f, 2 * (uint64_t)fx_sysctl(f->vnet, "net.inet.tcp.msl") *
	              1000000u);
	check(f);                                /* TIME_WAIT expired */
	assert_int_equal(inp_sock_close(d), 0);
	check(f);
}

/* Invariant 21 and LC-23 at the insertion itself. */
static void test_insert_rules(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "p");

	assert_int_equal(fx_insert(p, "192.0.2.10", 0, NULL, 0, 0), -EINVAL);
	assert_false(p->flags & INP_F_INHASHLIST);
	check(f);
	pcb_wlock(p);
	p->lport = htons(5300);
	hash_wlock(p->info);
	assert_int_equal(pcb_insert(p), 0);
	assert_int_equal(pcb_insert(p), -EINVAL);   /* already hashed */
	hash_unlock(p->info);
	pcb_unlock(p);
	check(f);
	pcb_wlock(p);
	hash_wlock(p->info);
	pcb_remove(p);
	pcb_remove(p);                              /* not hashed: no-op */
	pcb_rehash(p);                              /* needs the flag: no-op */
	hash_unlock(p->info);
	pcb_unlock(p);
	assert_false(p->flags & INP_F_INHASHLIST);
	/* LC-23: the 4-tuple stays after removal. */
	assert_int_equal(ntohs(p->lport), 5300);
	check(f);
	fx_free(p);
	check(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_udp_life),
		T(test_tcp_life),
		T(test_insert_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
