/*
 * test_insert_fail.c - a table insertion that fails (V16, B13, LB-5): the
 * only allocation on the insertion path is the SO_REUSEPORT_LB group's
 * (lbgroup_join creating a group or doubling its array), so this test
 * compiles src/pcb/lbgroup.c itself with calloc/malloc that fail on
 * demand (the library's own lbgroup.o is then not linked).  A failed
 * insertion is ENOBUFS for bind and for listen's implicit bind, leaves the
 * socket unbound and unhashed (P10) and the group as it was; a failed
 * shrink keeps the bigger array (invariant 19's exception).
 */
#include "pcb_fixture.h"

#include <stdlib.h>

/* While set, every allocation lbgroup.c makes fails. */
static bool lb_nomem;
static unsigned lb_failed;

static void *lb_calloc(size_t n, size_t size)
{
	if (lb_nomem) {
		lb_failed++;
		return NULL;
	}
	return calloc(n, size);
}

/* lbgroup.c's member arrays (grow and shrink replace them: LB-8). */
static void *lb_malloc(size_t size)
{
	if (lb_nomem) {
		lb_failed++;
		return NULL;
	}
	return malloc(size);
}

#define calloc lb_calloc
#define malloc lb_malloc
#include "pcb/lbgroup.c"
#undef calloc
#undef malloc

static int setup(void **state)
{
	struct fx *f = fx_new(NULL);

	fx_preamble(f);
	lb_nomem = false;
	lb_failed = 0;
	*state = f;
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

static struct inp_sock *lb_sock(struct fx *f, enum inp_proto proto)
{
	struct inp_sock *so = fx_sock_kept(f, AF_INET, proto, NULL);

	fx_setopt_int_ok(so, INP_SOL_SOCKET, INP_SO_REUSEPORT_LB, 1);
	return so;
}

static bool hashed(struct inp_sock *so)
{
	return (inp_sock_pcb(so)->flags & INP_F_INHASHLIST) != 0;
}

/* lbgroup_stats() of the socket's group: -ENOENT when in none. */
static int group_of(struct inp_sock *so, unsigned *size, unsigned *n)
{
	struct inp_pcb *p = inp_sock_pcb(so);
	int rc;

	hash_rlock(p->info);
	rc = lbgroup_stats(p, size, n, NULL);
	hash_unlock(p->info);
	return rc;
}

static struct inp_pcb *lookup(struct fx *f, unsigned sport, unsigned dport)
{
	struct inp_explain why;

	return fx_lookup(f, INP_PROTO_UDP, "198.51.100.1", (uint16_t)sport,
	                 "192.0.2.10", (uint16_t)dport, true, &why);
}

/* V16 / B13: the first member cannot create its group. */
static void test_bind_enobufs(void **state)
{
	struct fx *f = *state;
	struct inp_sock *a = lb_sock(f, INP_PROTO_UDP);
	struct inp_sock *e = lb_sock(f, INP_PROTO_UDP);
	struct inp_explain why;
	unsigned n0 = inp_pcb_count(f->vnet, INP_PROTO_UDP);

	lb_nomem = true;
	memset(&why, 0, sizeof(why));
	assert_int_equal(fx_bind_explain(a, "0.0.0.0", 7000, &why), -ENOBUFS);
	assert_string_equal(why.rule, "B13");
	assert_true(lb_failed > 0);
	/* P10: unbound and unhashed, found by no lookup. */
	assert_int_equal(fx_local_port(a), 0);
	assert_false(hashed(a));
	assert_int_equal(group_of(a, NULL, NULL), -ENOENT);
	assert_null(lookup(f, 9, 7000));
	/* An ephemeral port is given back the same way. */
	assert_int_equal(fx_bind(e, "0.0.0.0", 0), -ENOBUFS);
	assert_int_equal(fx_local_port(e), 0);
	assert_false(inp_sock_pcb(e)->flags & INP_F_ANONPORT);
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_UDP), n0);

	/* With memory the same binds succeed: nothing was left behind. */
	lb_nomem = false;
	fx_bind_ok(a, "0.0.0.0", 7000);
	assert_int_equal(group_of(a, NULL, NULL), 0);
	assert_ptr_equal(lookup(f, 9, 7000), inp_sock_pcb(a));
	fx_bind_ok(e, "0.0.0.0", 0);
	assert_true(hashed(e));
}

/* LB-5: the ninth member cannot double the array; the eight stay. */
static void test_growth_enobufs(void **state)
{
	struct fx *f = *state;
	struct inp_sock *m[9];
	unsigned i, size, n, k;

	for (i = 0; i < 8; i++) {
		m[i] = lb_sock(f, INP_PROTO_UDP);
		fx_bind_ok(m[i], "0.0.0.0", 7100);
	}
	assert_int_equal(group_of(m[0], &size, &n), 0);
	assert_int_equal(size, 8);
	assert_int_equal(n, 8);
	m[8] = lb_sock(f, INP_PROTO_UDP);
	lb_nomem = true;
	assert_int_equal(fx_bind(m[8], "0.0.0.0", 7100), -ENOBUFS);
	lb_nomem = false;
	assert_false(hashed(m[8]));
	assert_int_equal(fx_local_port(m[8]), 0);
	assert_int_equal(group_of(m[0], &size, &n), 0);
	assert_int_equal(size, 8);
	assert_int_equal(n, 8);
	/* Every flow still reaches one of the eight. */
	for (k = 1; k <= 64; k++) {
		struct inp_pcb *p = lookup(f, k, 7100);
		assert_non_null(p);
		assert_ptr_not_equal(p, inp_sock_pcb(m[8]));
	}
	fx_bind_ok(m[8], "0.0.0.0", 7100);
	assert_int_equal(group_of(m[8], &size, &n), 0);
	assert_int_equal(size, 16);
	assert_int_equal(n, 9);
}

/* listen's implicit bind (2.7) inserts too: ENOBUFS, not listening. */
static void test_listen_enobufs(void **state)
{
	struct fx *f = *state;
	struct inp_sock *l = lb_sock(f, INP_PROTO_TCP);
	struct inp_explain why;

	lb_nomem = true;
	memset(&why, 0, sizeof(why));
	assert_int_equal(inp_sock_listen(l, 5, &why), -ENOBUFS);
	assert_string_equal(why.rule, "B13");
	assert_false(hashed(l));
	assert_false(inp_sock_pcb(l)->flags & INP_LISTEN);
	assert_int_equal(fx_local_port(l), 0);
	lb_nomem = false;
	assert_int_equal(inp_sock_listen(l, 5, NULL), 0);
	assert_true(hashed(l));
	assert_int_equal(group_of(l, NULL, NULL), 0);
}

/* LB-8 / invariant 19: a failed shrink keeps the array and the members. */
static void test_failed_shrink_keeps_size(void **state)
{
	struct fx *f = *state;
	struct inp_sock *m[17];
	unsigned i, size, n;

	for (i = 0; i < 17; i++) {
		m[i] = lb_sock(f, INP_PROTO_UDP);
		fx_bind_ok(m[i], "0.0.0.0", 7200);
	}
	assert_int_equal(group_of(m[0], &size, &n), 0);
	assert_int_equal(size, 32);
	for (i = 16; i > 8; i--)
		fx_sock_close(f, m[i]);
	/* 9 of 32: above a quarter, no shrink yet. */
	assert_int_equal(group_of(m[0], &size, &n), 0);
	assert_int_equal(size, 32);
	assert_int_equal(n, 9);
	lb_nomem = true;
	fx_sock_close(f, m[8]);                  /* 8 of 32: halving fails */
	lb_nomem = false;
	assert_true(lb_failed > 0);
	assert_int_equal(group_of(m[0], &size, &n), 0);
	assert_int_equal(size, 32);
	assert_int_equal(n, 8);
	assert_non_null(lookup(f, 1, 7200));
	fx_sock_close(f, m[7]);                  /* 7 of 32: halving works */
	assert_int_equal(group_of(m[0], &size, &n), 0);
	assert_int_equal(size, 16);
	assert_int_equal(n, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_bind_enobufs),
		T(test_growth_enobufs),
		T(test_listen_enobufs),
		T(test_failed_shrink_keeps_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
