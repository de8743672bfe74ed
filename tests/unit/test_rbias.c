/*
 * test_rbias.c - read-biased PCB locks (pcb_rbias.h): a PCB earns bias
 * after a run of locked reads; a biased read hold leaves the lock word
 * alone; a write lock takes the bias away, waits for the biased reader
 * and doubles the price of the next bias; a try-lock gives up instead of
 * waiting and puts the bias back; nesting, running out of slots, dead
 * PCBs and tables that never bias.  Skipped where the kernel has no
 * private expedited membarrier(2): the library then never biases.
 */

#include "pcb_fixture.h"

#include <inpcb/thread.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define READS 8         /* the tests' price of a bias */

static uint32_t word(const struct inp_pcb *p)
{
	return atomic_load_explicit(&p->lock, memory_order_relaxed);
}

static bool biased(const struct inp_pcb *p)
{
	return (word(p) & LK_BIAS) != 0;
}

/* The fixture's UDP table, biasing after READS reads; NULL: skip. */
static struct inp_pcbinfo *rb_info(struct fx *f)
{
	struct inp_pcbinfo *info = fx_info(f, INP_PROTO_UDP);

	if (info->rbias == NULL)
		return NULL;
	assert_int_equal(inp_sysctl_set(f->vnet, "net.inet.pcb.read_bias",
	                                READS), 0);
	assert_int_equal(atomic_load(&info->rbias->reads), READS);
	return info;
}

#define RB_INFO_OR_SKIP(f, info)                                          \
	do {                                                              \
		if (((info) = rb_info(f)) == NULL) {                      \
			print_message("no private expedited membarrier: " \
			              "read bias is off, nothing to test\n"); \
			skip();                                           \
		}                                                         \
	} while (0)

/* A connected UDP PCB, biased by reading it until it is. */
static struct inp_pcb *hot_pcb(struct fx *f, uint16_t lport)
{
	struct inp_pcb *p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "hot");
	unsigned n;

	assert_int_equal(fx_insert(p, "192.0.2.1", lport, "198.51.100.7",
	                           53, 0), 0);
	for (n = 0; n <= READS && !biased(p); n++) {
		pcb_rlock(p);
		pcb_unlock(p);
	}
	assert_true(biased(p));
	return p;
}

static void test_bias_is_earned_by_reads(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info;
	struct inp_pcb *p;
	unsigned n;
	uint32_t w;

	RB_INFO_OR_SKIP(f, info);
	p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "p");
	assert_int_equal(fx_insert(p, "192.0.2.1", 5000, NULL, 0, 0), 0);
	for (n = 0; n < READS; n++) {
		assert_false(biased(p));
		pcb_rlock(p);
		assert_int_equal(word(p) & LK_RMASK, 1);   /* a word hold */
		pcb_unlock(p);
	}
	pcb_rlock(p);                  /* the read that finds the count at 0 */
	pcb_unlock(p);
	assert_true(biased(p));
	/* A biased hold writes nothing shared: the word does not move. */
	w = word(p);
	pcb_rlock(p);
	assert_int_equal(word(p), w);
	assert_true(rbias_holding());
	pcb_unlock(p);
	assert_false(rbias_holding());
	assert_int_equal(word(p), w);
	fx_free(p);
}

static void test_write_lock_revokes_and_doubles_the_price(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info;
	struct inp_pcb *p;
	uint64_t before;
	unsigned n;

	RB_INFO_OR_SKIP(f, info);
	p = hot_pcb(f, 5001);
	before = atomic_load(&info->rbias->revokes);
	pcb_wlock(p);
	assert_false(biased(p));
	assert_int_equal((word(p) & LK_LVL) / LK_LVL1, 1);
	assert_int_equal(atomic_load(&info->rbias->revokes), before + 1);
	pcb_unlock(p);
	/* Level 1: the full count, ticking on every other read. */
	for (n = 0; n < 4 * LK_CNT_MAX && !biased(p); n++) {
		pcb_rlock(p);
		pcb_unlock(p);
	}
	assert_true(biased(p));
	assert_true(n > LK_CNT_MAX);
	/* A write lock on an unbiased word searches nobody. */
	pcb_wlock(p);
	pcb_unlock(p);
	before = atomic_load(&info->rbias->revokes);
	pcb_wlock(p);
	pcb_unlock(p);
	assert_int_equal(atomic_load(&info->rbias->revokes), before);
	fx_free(p);
}

struct writer_arg {
	struct inp_pcb *p;
	atomic_bool locked;
};

static void *writer(void *arg)
{
	struct writer_arg *w = arg;

	pcb_wlock(w->p);
	atomic_store(&w->locked, true);
	pcb_unlock(w->p);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* inp_pcb_lock_stats: the knob, the rows, the revocations; bad input. */
static void test_lock_stats(void **state)
{
	struct inp_pcblockstat st;
	struct fx *f = *state;
	struct inp_pcbinfo *info;
	struct inp_pcb *p;

	RB_INFO_OR_SKIP(f, info);
	assert_int_equal(inp_pcb_lock_stats(f->vnet, INP_PROTO_UDP, &st), 0);
	assert_int_equal(st.bias_reads, READS);
	assert_int_equal(st.revocations, 0);
	p = hot_pcb(f, 5005);
	pcb_rlock(p);                  /* a biased hold: our row */
	pcb_unlock(p);
	pcb_wlock(p);                  /* one revocation */
	pcb_unlock(p);
	assert_int_equal(inp_pcb_lock_stats(f->vnet, INP_PROTO_UDP, &st), 0);
	assert_int_equal(st.reader_rows, 1);
	assert_int_equal(st.revocations, 1);
	assert_int_equal(inp_pcb_lock_stats(f->vnet, INP_PROTO_TCP, &st), 0);
	assert_int_equal(st.bias_reads, READS);    /* the knob is per vnet */
	assert_int_equal(st.revocations, 0);
	assert_int_equal(inp_pcb_lock_stats(NULL, INP_PROTO_UDP, &st),
	                 -EINVAL);
	assert_int_equal(inp_pcb_lock_stats(f->vnet, INP_NPROTO, &st),
	                 -EINVAL);
	assert_int_equal(inp_pcb_lock_stats(f->vnet, INP_PROTO_UDP, NULL),
	                 -EINVAL);
	fx_free(p);
}

static void test_writer_waits_for_the_biased_reader(void **state)
{
	struct fx *f = *state;
	struct writer_arg w = { .locked = false };
	struct inp_pcbinfo *info;
	pthread_t t;
	unsigned i;

	RB_INFO_OR_SKIP(f, info);
	w.p = hot_pcb(f, 5002);
	pcb_rlock(w.p);
	assert_true(rbias_holding());
	assert_int_equal(pthread_create(&t, NULL, writer, &w), 0);
	/* However long we hold it, the writer must not get in. */
	for (i = 0; i < 10; i++) {
		sleep_ms(5);
		assert_false(atomic_load(&w.locked));
	}
	pcb_unlock(w.p);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(atomic_load(&w.locked));
	assert_false(biased(w.p));
	fx_free(w.p);
}

static void *try_writer(void *arg)
{
	struct writer_arg *w = arg;

	if (pcb_trywlock(w->p)) {
		atomic_store(&w->locked, true);
		pcb_unlock(w->p);
	}
	return NULL;
}

static void test_trylock_gives_up_and_keeps_the_bias(void **state)
{
	struct fx *f = *state;
	struct writer_arg w = { .locked = false };
	struct inp_pcbinfo *info;
	pthread_t t;

	RB_INFO_OR_SKIP(f, info);
	w.p = hot_pcb(f, 5003);
	pcb_rlock(w.p);
	assert_int_equal(pthread_create(&t, NULL, try_writer, &w), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_false(atomic_load(&w.locked));
	/* The bias is back and unlocked, so the next writer searches again. */
	assert_true(biased(w.p));
	assert_int_equal(word(w.p) & (LK_WRITER | LK_RMASK), 0);
	pcb_unlock(w.p);
	assert_true(pcb_trywlock(w.p));
	assert_false(biased(w.p));
	pcb_unlock(w.p);
	fx_free(w.p);
}

static void test_nesting_and_running_out_of_slots(void **state)
{
	struct inp_pcb *p[RB_SLOTS + 4];
	struct fx *f = *state;
	struct inp_pcbinfo *info;
	unsigned i;

	RB_INFO_OR_SKIP(f, info);
	for (i = 0; i < RB_SLOTS + 4; i++)
		p[i] = hot_pcb(f, (uint16_t)(6000 + i));
	for (i = 0; i < RB_SLOTS + 4; i++)
		pcb_rlock(p[i]);
	/* The first RB_SLOTS in the row, the others on their words. */
	for (i = 0; i < RB_SLOTS + 4; i++)
		assert_int_equal(word(p[i]) & LK_RMASK, i < RB_SLOTS ? 0 : 1);
	pcb_rlock_again(p[0]);         /* a burst meeting p[0] again */
	pcb_rlock_again(p[RB_SLOTS]);
	assert_int_equal(word(p[RB_SLOTS]) & LK_RMASK, 2);
	for (i = 0; i < RB_SLOTS + 4; i++)
		pcb_unlock(p[i]);
	assert_true(rbias_holding());  /* p[0] is still held once */
	assert_false(pcb_trywlock(p[0]));
	pcb_unlock(p[0]);
	pcb_unlock(p[RB_SLOTS]);
	assert_false(rbias_holding());
	for (i = 0; i < RB_SLOTS + 4; i++) {
		assert_int_equal(word(p[i]) & (LK_RMASK | LK_WRITER), 0);
		fx_free(p[i]);
	}
}

static void test_lookup_takes_the_bias_and_refuses_the_dead(void **state)
{
	union inp_addr fa = fx_addr("198.51.100.7"), la = fx_addr("192.0.2.1");
	struct fx *f = *state;
	struct inp_pcbinfo *info;
	struct inp_pcb *p, *got = NULL;
	uint32_t w;

	RB_INFO_OR_SKIP(f, info);
	assert_int_equal(inp_thread_register(), 0);
	p = hot_pcb(f, 5004);
	w = word(p);
	assert_int_equal(pcb_lookup_lockless(info, AF_INET, &fa, htons(53),
	                                     &la, htons(5004), false, false,
	                                     &got), 0);
	assert_ptr_equal(got, p);
	assert_int_equal(word(p), w);  /* held through the row */
	assert_true(rbias_holding());
	pcb_unlock(got);
	fx_free(p);                    /* revokes, marks it dead */
	assert_int_equal(pcb_lookup_lockless(info, AF_INET, &fa, htons(53),
	                                     &la, htons(5004), false, false,
	                                     &got), -ENOENT);
	assert_false(rbias_holding());
	assert_int_equal(inp_thread_unregister(), 0);
}

static void test_no_bias_when_reads_is_zero(void **state)
{
	struct fx *f = *state;
	struct inp_pcbinfo *info;
	struct inp_pcb *p;
	unsigned n;

	RB_INFO_OR_SKIP(f, info);
	assert_int_equal(inp_sysctl_set(f->vnet, "net.inet.pcb.read_bias",
	                                LK_CNT_MAX + 1), -EINVAL);
	assert_int_equal(inp_sysctl_set(f->vnet, "net.inet.pcb.read_bias", 0),
	                 0);
	p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "cold");
	assert_true(word(p) & LK_NOBIAS);
	for (n = 0; n < 2 * LK_CNT_MAX; n++) {
		pcb_rlock(p);
		pcb_unlock(p);
	}
	assert_false(biased(p));
	fx_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCB_TEST(test_bias_is_earned_by_reads),
		PCB_TEST(test_write_lock_revokes_and_doubles_the_price),
		PCB_TEST(test_lock_stats),
		PCB_TEST(test_writer_waits_for_the_biased_reader),
		PCB_TEST(test_trylock_gives_up_and_keeps_the_bias),
		PCB_TEST(test_nesting_and_running_out_of_slots),
		PCB_TEST(test_lookup_takes_the_bias_and_refuses_the_dead),
		PCB_TEST(test_no_bias_when_reads_is_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
