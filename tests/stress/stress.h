/*
 * stress.h - what every stress program shares: failing loudly, the time
 * budget (CI mode and long mode), a watchdog against deadlocks, a start
 * barrier, per-thread random numbers, global "tickets" that order events
 * across threads, the standard world (host, vnet, em0 192.0.2.10/24) and
 * the end-of-run invariant checks of spec section 11.
 *
 * The programs test the public contract (include/inpcb/) so that they stay
 * valid when lookups become lockless; only where a scenario needs to
 * force an interleaving or look at a private invariant does a program
 * define STRESS_INTERNAL before including this header, which brings in
 * the library's internal headers and the few helpers that use them.
 *
 * Everything is static inline: each program is one translation unit.
 */
#ifndef INPCB_STRESS_H
#define INPCB_STRESS_H

#include <inpcb/inpcb.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef STRESS_INTERNAL
#include "pcb/pcb_internal.h"
#include "sock/sock_internal.h"
#endif

/* ---- failing ---------------------------------------------------------- */

static const char *stress_name = "stress";

/*
 * A failed check ends the whole process at once with exit status 1: the
 * other threads may be in the middle of calls, so running atexit handlers
 * (and LeakSanitizer's report of everything they hold) would only add
 * noise after the one message that matters.
 */
__attribute__((format(printf, 3, 4), noreturn))
static inline void stress_fail_at(const char *file, int line,
                                  const char *fmt, ...)
{
	va_list ap;

	flockfile(stderr);
	fprintf(stderr, "FAIL %s (%s:%d): ", stress_name, file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	fflush(stderr);
	_exit(1);
}

#define STRESS_FAIL(...) stress_fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define STRESS_CHECK(cond, ...)                                              \
	do {                                                                 \
		if (!(cond))                                                 \
			stress_fail_at(__FILE__, __LINE__, __VA_ARGS__);     \
	} while (0)
/* A library call that must succeed: name the errno when it does not. */
#define STRESS_OK(call)                                                      \
	do {                                                                 \
		int stress_rc_ = (call);                                     \
		if (stress_rc_ != 0)                                         \
			stress_fail_at(__FILE__, __LINE__, "%s = %s (%d)",   \
			               #call, stress_errname(stress_rc_),    \
			               stress_rc_);                          \
	} while (0)

/* "EADDRINUSE" for -EADDRINUSE; "0" for success. */
static inline const char *stress_errname(int rc)
{
	const char *n;

	if (rc == 0)
		return "0";
	n = inp_errno_name(rc < 0 ? -rc : rc);
	return n != NULL ? n : "?";
}

/* ---- time budget, watchdog, stop flag ---------------------------------- */

/* Seconds of racing per program in CI mode (ctest). */
#define STRESS_CI_SECONDS 2.0

static double stress_seconds = STRESS_CI_SECONDS;
static uint64_t stress_seed;
static atomic_bool stress_stop_flag;

static inline uint64_t stress_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

__attribute__((unused))
static void stress_watchdog(int sig)
{
	static const char msg[] = "FAIL watchdog: the program did not finish "
	                          "in time (deadlock or livelock?)\n";

	(void)sig;
	/* async-signal-safe only */
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

/*
 * Parse "--seconds N" (or INPCB_STRESS_SECONDS=N) and INPCB_STRESS_SEED,
 * print what the run is, and arm the watchdog.  The watchdog allows ten
 * times the budget plus a minute: sanitizers slow the fixed-work phases
 * down a lot, a deadlock never finishes.  Returns the index of the first
 * argument it did not consume.
 */
static inline int stress_init(int argc, char **argv, const char *name)
{
	const char *env = getenv("INPCB_STRESS_SECONDS");
	int i = 1;

	stress_name = name;
	if (env != NULL && *env != '\0')
		stress_seconds = atof(env);
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			stress_seconds = atof(argv[++i]);
		else
			break;
	}
	if (!(stress_seconds > 0))
		stress_seconds = STRESS_CI_SECONDS;
	env = getenv("INPCB_STRESS_SEED");
	stress_seed = env != NULL && *env != '\0' ? strtoull(env, NULL, 0)
	                                          : stress_now_ns();
	printf("%s: %.1f s, seed %" PRIu64 " (INPCB_STRESS_SEED to replay "
	       "the choices; thread timing is never replayable)\n", name,
	       stress_seconds, stress_seed);
	fflush(stdout);
	signal(SIGALRM, stress_watchdog);
	alarm((unsigned)(stress_seconds * 10) + 60);
	atomic_store(&stress_stop_flag, false);
	return i;
}

/* Workers loop until this is true; stress_run_for() sets it. */
static inline bool stress_stop(void)
{
	return atomic_load_explicit(&stress_stop_flag, memory_order_relaxed);
}

/* Let the workers race for fraction * the budget, then stop them. */
static inline void stress_run_for(double fraction)
{
	uint64_t ns = (uint64_t)(stress_seconds * fraction * 1e9);
	struct timespec ts = { (time_t)(ns / 1000000000ull),
	                       (long)(ns % 1000000000ull) };

	atomic_store(&stress_stop_flag, false);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	atomic_store(&stress_stop_flag, true);
}

/*
 * Lookups are held to the modern guarantees (RC-15, LK-13): the tuple is
 * re-checked under the PCB lock, and a PCB lost to a concurrent free
 * sends the lookup on searching instead of answering "not found".  The
 * 2011 protocol did neither; INPCB_STRESS_STRICT=0 counts those answers
 * instead of failing on them (to measure an older library).
 */
static inline bool stress_strict(void)
{
	const char *v = getenv("INPCB_STRESS_STRICT");

	return v == NULL || atoi(v) != 0;
}

/* ---- tickets ------------------------------------------------------------ */

/*
 * A global sequence number.  Taking a ticket is a sequentially consistent
 * read-modify-write, so tickets order events across threads: if thread A
 * takes t1 after an action returned and thread B takes t2 > t1 before
 * starting another, A's action happened before B's.  Tests compare
 * tickets to decide what a correct answer could have been.
 */
static atomic_uint_fast64_t stress_ticket_ctr = 1;

static inline uint64_t stress_ticket(void)
{
	return atomic_fetch_add(&stress_ticket_ctr, 1);
}

/* ---- threads ------------------------------------------------------------ */

/* Per-thread xorshift64*: cheap and free of shared state. */
struct stress_rng {
	uint64_t s;
};

static inline void stress_rng_init(struct stress_rng *r, uint64_t stream)
{
	r->s = stress_seed ^ (0x9e3779b97f4a7c15ull * (stream + 1));
	if (r->s == 0)
		r->s = 1;
}

static inline uint32_t stress_rand(struct stress_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 0x2545f4914f6cdd1dull) >> 32);
}

/* Uniform in [0, n). */
static inline unsigned stress_below(struct stress_rng *r, unsigned n)
{
	return n != 0 ? stress_rand(r) % n : 0;
}

static inline void stress_barrier_init(pthread_barrier_t *b, unsigned n)
{
	STRESS_CHECK(pthread_barrier_init(b, NULL, n) == 0, "barrier init");
}

static inline void stress_wait(pthread_barrier_t *b)
{
	int rc = pthread_barrier_wait(b);

	STRESS_CHECK(rc == 0 || rc == PTHREAD_BARRIER_SERIAL_THREAD,
	             "barrier wait: %d", rc);
}

/* Every stress thread is a registered lookup thread (inpcb/thread.h). */
struct stress_thread_start {
	void *(*fn)(void *);
	void *arg;
};

static inline void *stress_thread_main(void *p)
{
	struct stress_thread_start st = *(struct stress_thread_start *)p;
	void *ret;

	free(p);
	inp_thread_register();
	ret = st.fn(st.arg);
	inp_thread_unregister();
	return ret;
}

static inline void stress_spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	struct stress_thread_start *st = malloc(sizeof(*st));

	STRESS_CHECK(st != NULL, "out of memory");
	st->fn = fn;
	st->arg = arg;
	STRESS_CHECK(pthread_create(t, NULL, stress_thread_main, st) == 0,
	             "pthread_create");
}

static inline void stress_join(pthread_t t)
{
	STRESS_CHECK(pthread_join(t, NULL) == 0, "pthread_join");
}

/* Give another thread the CPU now and then (2 cores, many threads). */
static inline void stress_maybe_yield(struct stress_rng *r)
{
	if (stress_below(r, 8) == 0)
		sched_yield();
}

/* ---- addresses ---------------------------------------------------------- */

static inline struct sockaddr_in stress_sin(const char *addr, unsigned port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		STRESS_FAIL("bad address %s", addr);
	return sin;
}

#define SA(x) ((struct sockaddr *)(x))
#define CSA(x) ((const struct sockaddr *)(x))

/* The port of a sockaddr_in / sockaddr_in6 (host order). */
static inline unsigned stress_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* The IPv4 address of a sockaddr_in (network order), 0 otherwise. */
static inline uint32_t stress_addr4(const struct sockaddr_storage *ss)
{
	if (ss->ss_family != AF_INET)
		return 0;
	return ((const struct sockaddr_in *)ss)->sin_addr.s_addr;
}

static inline uint32_t stress_a4(const char *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, addr, &a) != 1)
		STRESS_FAIL("bad address %s", addr);
	return a.s_addr;
}

/* ---- sockets ------------------------------------------------------------ */

static inline int stress_setopt_int(struct inp_sock *so, int level, int name,
                                    int v)
{
	return inp_sock_setopt(so, level, name, &v, sizeof(v), NULL);
}

/* A UDP socket of vnet whose udata is the integer id (for listings). */
static inline struct inp_sock *stress_udp(struct inp_vnet *vnet, uintptr_t id)
{
	struct inp_sock *so = NULL;

	STRESS_OK(inp_sock_open(vnet, AF_INET, INP_PROTO_UDP, NULL, &so));
	inp_sock_set_udata(so, (void *)id);
	return so;
}

static inline int stress_bind(struct inp_sock *so, const char *addr,
                              unsigned port)
{
	struct sockaddr_in sin = stress_sin(addr, port);

	return inp_sock_bind(so, SA(&sin), sizeof(sin), NULL);
}

static inline int stress_connect(struct inp_sock *so, const char *addr,
                                 unsigned port)
{
	struct sockaddr_in sin = stress_sin(addr, port);

	return inp_sock_connect(so, SA(&sin), sizeof(sin), NULL);
}

/* getsockname's port (host order). */
static inline unsigned stress_local_port(struct inp_sock *so)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	STRESS_OK(inp_sock_name(so, &ss, &len));
	return stress_port(&ss);
}

/* ---- the world ---------------------------------------------------------- */

struct stress_world {
	struct inp_host *host;
	struct inp_vnet *vnet;
	struct inp_ifnet *em0;
};

/*
 * A host with the real clock and random source (or ops), one vnet
 * "stress", em0 with 192.0.2.10/24 (so 192.0.2.0/24 is a connected
 * route: connect needs no gateway).
 */
static inline void stress_world_init_ops(struct stress_world *w,
                                         const struct inp_host_ops *ops,
                                         const struct inp_limits *limits)
{
	struct sockaddr_in me = stress_sin("192.0.2.10", 0);

	memset(w, 0, sizeof(*w));
	inp_thread_register();          /* the main thread looks up too */
	STRESS_OK(inp_host_create(ops, limits, &w->host));
	STRESS_OK(inp_vnet_create(w->host, "stress", &w->vnet));
	STRESS_OK(inp_if_create(w->vnet, "em0", &w->em0));
	STRESS_OK(inp_if_addr_add(w->em0, SA(&me), 24, NULL));
}

static inline void stress_world_init(struct stress_world *w)
{
	stress_world_init_ops(w, NULL, NULL);
}

/* ---- invariants (spec section 11) at a quiescent point ------------------ */

/* What a listing saw; the check runs when no thread changes the tables. */
struct stress_listing {
	unsigned n;
	unsigned cap;
	struct inp_pcb_info *v;
};

__attribute__((unused))
static int stress_listing_cb(const struct inp_pcb_info *info, void *arg)
{
	struct stress_listing *l = arg;

	if (l->n == l->cap) {
		unsigned cap = l->cap != 0 ? l->cap * 2 : 64;
		struct inp_pcb_info *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			STRESS_FAIL("out of memory in a listing");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *info;
	return 0;
}

static inline void stress_list(struct inp_vnet *vnet, enum inp_proto proto,
                               struct stress_listing *l, bool *changed)
{
	int rc;

	l->n = 0;
	rc = inp_pcb_list(vnet, proto, NULL, stress_listing_cb, l, changed);
	STRESS_CHECK(rc >= 0 && (unsigned)rc == l->n,
	             "inp_pcb_list returned %d for %u callbacks", rc, l->n);
}

static inline void stress_listing_free(struct stress_listing *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

__attribute__((unused))
static int stress_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The section 11 invariants visible through the API, for one protocol,
 * with nothing running concurrently:
 *   5/6  no listed PCB carries INP_FREED;
 *   11   inp_pcb_count() equals the listing's length (and the listing
 *        saw no change: the table is quiescent);
 *   12   generations of live PCBs are pairwise distinct;
 *   21   an unbound PCB is not hashed;
 *   1    a bound or connected UDP PCB that is not dropped is hashed
 *        (INP_INHASHLIST), a dropped one is not.
 */
static inline void stress_check_table(struct inp_vnet *vnet,
                                      enum inp_proto proto)
{
	struct stress_listing l = { 0 };
	uint64_t *gens;
	unsigned i, count;
	bool changed = true;

	count = inp_pcb_count(vnet, proto);
	stress_list(vnet, proto, &l, &changed);
	STRESS_CHECK(!changed, "inv. 12/LC-25: quiescent listing says the "
	             "table changed");
	STRESS_CHECK(l.n == count, "inv. 11: inp_pcb_count %u but %u listed",
	             count, l.n);
	gens = calloc(l.n + 1, sizeof(*gens));
	STRESS_CHECK(gens != NULL, "out of memory");
	for (i = 0; i < l.n; i++) {
		const struct inp_pcb_info *p = &l.v[i];

		STRESS_CHECK(!(p->flags & INP_F_FREED),
		             "inv. 5: a listed PCB ('%s') carries INP_FREED",
		             p->label);
		if (p->state == INP_ST_UNBOUND)
			STRESS_CHECK(!(p->flags & INP_F_INHASHLIST),
			             "inv. 21: unbound PCB '%s' is hashed",
			             p->label);
		if (p->flags & INP_F_DROPPED)
			STRESS_CHECK(!(p->flags & INP_F_INHASHLIST),
			             "inv. 1/LC-12: dropped PCB '%s' is hashed",
			             p->label);
		else if (proto == INP_PROTO_UDP &&
		         (p->state == INP_ST_BOUND ||
		          p->state == INP_ST_CONNECTED) &&
		         stress_port(&p->local) != 0)
			STRESS_CHECK(p->flags & INP_F_INHASHLIST,
			             "inv. 1: bound UDP PCB '%s' port %u not "
			             "hashed", p->label, stress_port(&p->local));
		gens[i] = p->gencnt;
	}
	qsort(gens, l.n, sizeof(*gens), stress_cmp_u64);
	for (i = 1; i < l.n; i++)
		STRESS_CHECK(gens[i] != gens[i - 1],
		             "inv. 12: two live PCBs share generation %" PRIu64,
		             gens[i]);
	free(gens);
	stress_listing_free(&l);
}

/*
 * Invariant 25: every datagram counted in udps_ipackets ended in exactly
 * one outcome counter.
 */
static inline void stress_check_udpstat(struct inp_vnet *vnet)
{
	struct inp_udpstat st;
	uint64_t sum;

	STRESS_OK(inp_udp_stats(vnet, &st));
	sum = st.udps_delivered + st.udps_dport0 + st.udps_noport +
	      st.udps_minttl + st.udps_macdrop + st.udps_fullsock +
	      st.udps_hdrops + st.udps_badlen + st.udps_badsum;
	STRESS_CHECK(sum == st.udps_ipackets,
	             "inv. 25: %" PRIu64 " datagrams received but %" PRIu64
	             " outcomes counted", st.udps_ipackets, sum);
}

/* Everything above, for both tables, plus invariant 27. */
static inline void stress_check_invariants(struct inp_vnet *vnet)
{
	long refs;

	stress_check_table(vnet, INP_PROTO_UDP);
	stress_check_table(vnet, INP_PROTO_TCP);
	stress_check_udpstat(vnet);
	refs = inp_vnet_ifa_refs_outstanding(vnet);
	STRESS_CHECK(refs == 0, "inv. 27: %ld interface-address references "
	             "not released", refs);
}

/*
 * The end of every program: invariants, then the world must come apart
 * cleanly (inv. 26: a vnet with no PCB destroys, and the host with it).
 * Callers close every socket first.
 */
static inline void stress_world_fini(struct stress_world *w)
{
	unsigned p;

	stress_check_invariants(w->vnet);
	for (p = 0; p < INP_NPROTO; p++)
		STRESS_CHECK(inp_pcb_count(w->vnet, (enum inp_proto)p) == 0,
		             "LC-24: %u PCBs left after every socket closed",
		             inp_pcb_count(w->vnet, (enum inp_proto)p));
	STRESS_OK(inp_vnet_destroy(w->vnet));
	STRESS_OK(inp_host_destroy(w->host));
	inp_thread_unregister();
	memset(w, 0, sizeof(*w));
}

static inline int stress_pass(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", stress_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n%s: ok\n", stress_name);
	fflush(stdout);
	return 0;
}

/* ---- internal helpers (STRESS_INTERNAL) ---------------------------------- */

#ifdef STRESS_INTERNAL
/*
 * RC-14 / invariant 7: the lookup returned p locked in the requested mode.
 * A PCB we hold for writing cannot be read-locked by anyone, one we hold
 * for reading cannot be write-locked (pcb_lock.h's try-locks).
 */
static inline void stress_assert_locked(struct inp_pcb *p, bool wlock)
{
	if (wlock) {
		STRESS_CHECK(!pcb_tryrlock(p),
		             "inv. 7: a write-locked lookup result can be "
		             "read-locked");
		return;
	}
	STRESS_CHECK(!pcb_trywlock(p),
	             "inv. 7: a read-locked lookup result can be write-locked");
}

/* Reference counts of our own objects (noinline: see test_refcount.c). */
__attribute__((noinline, unused))
static unsigned stress_pcb_refs(struct inp_pcb *p)
{
	return atomic_load(&p->refcount);
}

__attribute__((noinline, unused))
static unsigned stress_cred_refs(struct inp_cred *c)
{
	return atomic_load(&c->refcount);
}
#endif

#endif
