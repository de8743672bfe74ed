/*
 * bench.h - the internal interface of `inpcb bench` (library inpcb_bench).
 *
 * The bench measures the library through its public API and, in the same
 * process, on the same keys and at the same table size and thread count,
 * three baselines: a chained table under one pthread rwlock (the 2011
 * design), liburcu's cds_lfht and DPDK's rte_hash.  Every result is
 * printed with its ratio against each baseline, because on a shared,
 * noisy machine only ratios measured side by side mean anything.
 *
 * Pieces, one file each:
 *   keys.c        deterministic key sets and per-thread lookup orders
 *   timer.c       monotonic clock and sleeps
 *   sysinfo.c     CPUs, load average, resident memory
 *   progress.c    the progress line on stderr
 *   measure.c     run a step function on T threads for S seconds
 *   ephemeral.c   the reference ephemeral-port allocator of the baselines
 *   impl_inpcb.c  the library seen as one more implementation
 *   baseline_*.c  the baselines
 *   impls.c       the implementation table
 *   workloads/    the workload table and one file per workload
 *   runner.c      options -> workloads x sizes x threads x implementations
 *   report.c      the human table and the JSON document
 */
#ifndef INPCB_BENCH_H
#define INPCB_BENCH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define BENCH_MAX_THREADS 64
#define BENCH_MAX_SIZES   16
#define BENCH_MAX_REPEAT  15
#define BENCH_BURST       32     /* keys per burst: rte_hash's bulk-32 */
#define BENCH_BATCH       64     /* lookups between two looks at the clock */

/* ---- options (filled by tools/inpcb/cmd_bench.c) ----------------------- */

struct bench_opts {
	const char *workloads;     /* comma list, NULL: every workload */
	const char *impls;         /* comma list, NULL: every implementation */
	size_t sizes[BENCH_MAX_SIZES];
	unsigned nsizes;           /* 0: the default sizes */
	unsigned threads;          /* most threads; 0: online CPUs */
	double seconds;            /* measured time per run; 0: default */
	double warmup;             /* untimed time before each run; <0: default */
	unsigned repeat;           /* runs per configuration; 0: default */
	uint64_t seed;
	bool json, quick, progress;
	bool no_pin;               /* leave threads where the scheduler puts them */
};

/*
 * Run the benchmark.  Returns the exit status: 0, 1 when a measurement
 * failed (wrong lookup answers, a setup error), 2 for a bad option value.
 */
int bench_main(const struct bench_opts *opts);

/* ---- keys (keys.c) ----------------------------------------------------- */

/*
 * One IPv4 4-tuple, network byte order, 12 bytes with no padding so that
 * rte_hash can hash it as it is.  The local side is 192.0.2.0/24, the
 * foreign side 198.51.100.0/24 and 203.0.113.0/24 (RFC 5737).
 */
struct bench_key {
	uint32_t faddr;
	uint32_t laddr;
	uint16_t fport;
	uint16_t lport;
};

#define BENCH_NLADDR  8           /* local addresses 192.0.2.1 .. .8 */
#define BENCH_LPORT0  80          /* the two ports connected keys use */
#define BENCH_LPORT1  443
#define BENCH_GATEWAY 0xC00002FEu /* 192.0.2.254, host order */
#define BENCH_MISS    UINT32_MAX  /* expected value of a key that misses */

uint32_t bench_laddr(unsigned i);      /* 192.0.2.(1+i), network order */

/* An AF_INET socket address; addr and port in network order. */
static inline struct sockaddr_in bench_sin(uint32_t addr, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = addr;
	sin.sin_port = port;
	return sin;
}

/*
 * Element i of a seeded pseudo-random permutation of every connected
 * 4-tuple (8 local addresses x 2 local ports x 508 foreign addresses x
 * 64512 foreign ports): distinct i give distinct keys, whatever the seed.
 */
void bench_key_connected(uint64_t seed, uint64_t i, struct bench_key *k);

/* splitmix64: the bench's only random source; deterministic per seed. */
static inline uint64_t bench_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/*
 * The hash of the chained baselines (rwlock and cds_lfht): a 64-bit
 * multiply-xorshift over the 12 key bytes, seeded.  rte_hash keeps its own
 * default (CRC32 where SSE4.2 exists), as a DPDK user would.
 */
static inline uint64_t bench_hash(const struct bench_key *k, uint64_t seed)
{
	uint64_t a = ((uint64_t)k->faddr << 32 | k->laddr) ^ seed;
	uint64_t b = (uint64_t)k->fport << 16 | k->lport;

	a *= 0x9E3779B97F4A7C15ull;
	a ^= (b + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
	a ^= a >> 29;
	a *= 0xBF58476D1CE4E5B9ull;
	return a ^ (a >> 32);
}

static inline bool bench_key_eq(const struct bench_key *a,
                                const struct bench_key *b)
{
	return a->faddr == b->faddr && a->laddr == b->laddr &&
	       a->fport == b->fport && a->lport == b->lport;
}

/* A shuffled array of 0 .. n-1 (malloc'd, NULL on failure). */
uint32_t *bench_shuffled(size_t n, uint64_t seed);

/*
 * Keys to look up: keys[i] should find value expect[i] (BENCH_MISS: must
 * miss).  Workloads build one per table; threads walk it in their own
 * order.
 */
struct bench_lookups {
	struct bench_key *keys;
	uint32_t *expect;
	size_t n;
};

void bench_lookups_free(struct bench_lookups *l);

/* ---- time and the machine (timer.c, sysinfo.c) ------------------------- */

double bench_now(void);                  /* CLOCK_MONOTONIC, seconds */
void bench_sleep(double seconds);
unsigned bench_online_cpus(void);
long bench_rss_bytes(void);              /* resident set size, -1 unknown */
long bench_heap_bytes(void);             /* malloc'd and not freed */
void bench_release_free_memory(void);    /* malloc_trim: honest RSS deltas */
void bench_loadavg(double out[3]);       /* -1 when unknown */

/*
 * CPU time of the whole machine and of this process: between two
 * snapshots, how many CPUs other processes kept busy -- the noise a
 * measurement suffered, which the load average cannot tell apart from the
 * bench's own threads.
 */
struct bench_cpu {
	double t;
	long long busy;          /* machine: non-idle clock ticks */
	long long self;          /* this process: user + system ticks */
};
void bench_cpu_snap(struct bench_cpu *c);
double bench_cpu_others(const struct bench_cpu *a, const struct bench_cpu *b);

/* ---- progress line (progress.c) ---------------------------------------- */

/*
 * One line on stderr, rewritten in place, shown only when enabled (stderr
 * is a terminal or --progress) and only once the run has lasted a few
 * seconds.  progress_clear() before printing anything else.
 */
void progress_init(bool enabled, unsigned total_steps);
void progress_step(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));     /* one step done/begun */
void progress_note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));     /* same step, new text */
void progress_clear(void);
void progress_done(void);

/* ---- implementations (impl_*.c, baseline_*.c, impls.c) ----------------- */

enum bench_mode {
	BENCH_SINGLE,   /* one exact lookup per key */
	BENCH_BURST_M,  /* bursts of BENCH_BURST keys */
	BENCH_WILD,     /* exact, then the listener (specific, then wildcard) */
};

/* What a table holds; the library needs to know to create the PCBs. */
enum bench_kind {
	BENCH_KIND_CONNECTED, /* established connections (4-tuples) */
	BENCH_KIND_LISTEN,    /* TCP listeners: faddr, fport 0; laddr 0 = any */
	BENCH_KIND_BOUND,     /* bound UDP sockets: faddr, fport 0 */
};

struct bench_table_spec {
	enum bench_kind kind;
	size_t capacity;          /* most entries at once; values < capacity */
	unsigned threads;         /* most threads calling thread_enter */
	bool concurrent_writes;   /* a writer runs while readers look up */
	bool parallel_writers;    /* several threads insert at once */
	uint16_t port_lo, port_hi;/* ephemeral range for connect, 0: default */
	uint64_t seed;
};

/* What one call of lookup() found: hits and the sum of (value + 1). */
struct bench_found {
	uint64_t hits;
	uint64_t sum;
};

struct bench_impl {
	const char *name;         /* "inpcb", "rwlock", "lfht", "rte_hash" */
	const char *what;         /* one line for the documentation */
	bool baseline;
	bool opt_in;              /* runs only when --impl names it */
	/* A writer beside readers needs a table created for it (rte_hash). */
	bool writer_table;
	/* NULL when usable, else why not ("not built: ...") */
	const char *(*unavailable)(void);
	const char *(*mode_unavailable)(enum bench_mode mode);
	/* Called once before any table with the largest capacity needed. */
	int (*prepare)(size_t max_capacity, unsigned max_threads);
	void (*shutdown)(void);              /* at the end of the run */
	int (*create)(const struct bench_table_spec *spec, void **st);
	void (*destroy)(void *st);
	/* 0, -EEXIST when the key is there, or another negative errno. */
	int (*insert)(void *st, const struct bench_key *k, uint32_t value);
	int (*remove)(void *st, const struct bench_key *k, uint32_t value);
	/* Every worker thread, around its work; reader: it only looks up. */
	void (*thread_enter)(void *st, unsigned tid, bool reader);
	void (*thread_leave)(void *st, unsigned tid, bool reader);
	/* A reader between two batches (QSBR); may be NULL. */
	void (*quiescent)(void *st, unsigned tid);
	void (*lookup)(void *st, const struct bench_key *keys,
	               const uint32_t *idx, size_t n, enum bench_mode mode,
	               struct bench_found *found);
	bool (*contains)(void *st, const struct bench_key *k);
	/*
	 * Sockets (the library): open() makes one of the table's protocol,
	 * outside the timed part of connect and bindstorm; close() closes it
	 * whatever its state.  bind() binds an open socket to k's local
	 * address and port and files it under value (remove() closes it).
	 * connect() connects an open socket to dst with an ephemeral port.
	 * Without them (the baselines): connect is ephemeral.c's allocator
	 * over contains() and insert(), bind is insert().
	 */
	int (*open)(void *st, void **so);
	void (*close)(void *st, void *so);
	int (*bind)(void *st, void *so, const struct bench_key *k,
	            uint32_t value);
	int (*connect)(void *st, void *so, const struct bench_key *dst);
};

/* The implementation table, the library first. */
extern const struct bench_impl *const bench_impls[];
extern const unsigned bench_nimpls;

extern const struct bench_impl bench_impl_inpcb;
extern const struct bench_impl bench_impl_inpcb_groups;
extern const struct bench_impl bench_impl_rwlock;
extern const struct bench_impl bench_impl_lfht;
extern const struct bench_impl bench_impl_rtehash;

/* The library's burst adapter (impl_inpcb_burst.c). */
const char *bench_inpcb_burst_unavailable(void);
struct inp_vnet;
void bench_inpcb_burst(struct inp_vnet *vnet, int proto,
                       const struct bench_key *keys, const uint32_t *idx,
                       size_t n, struct bench_found *found);

/* ---- connections (ephemeral.c) ----------------------------------------- */

struct bench_conn {
	struct bench_key key;     /* the 4-tuple the allocator picked */
	uint32_t value;
	void *so;                 /* the implementation's socket, if any */
	bool connected;
};

/* Make what a connection needs before it is timed (a socket). */
int bench_conn_open(const struct bench_impl *im, void *st,
                    struct bench_conn *c);

/*
 * connect(): dst gives the foreign address and port and the local
 * address.  The library connects its socket; a baseline picks a local
 * port in [lo, hi] the way FreeBSD does (P4/P5: random start, step by
 * one, first 4-tuple not in use) and inserts the 4-tuple.
 */
int bench_connect(const struct bench_impl *im, void *st,
                  const struct bench_key *dst, uint16_t lo, uint16_t hi,
                  uint32_t value, uint64_t *rng, struct bench_conn *c);
/* Undo open and connect, whichever happened. */
void bench_close(const struct bench_impl *im, void *st, struct bench_conn *c);

/* ---- measuring (measure.c) --------------------------------------------- */

/*
 * A job: T threads call step() until told to stop.  step() does one batch
 * and returns how many operations it did; when busy is not NULL it adds
 * the nanoseconds spent in the operations proper (workloads that must undo
 * their work between batches, untimed, measure only the timed part).
 */
struct bench_job {
	unsigned threads;
	void *arg;
	void (*enter)(void *arg, unsigned tid);
	uint64_t (*step)(void *arg, unsigned tid, uint64_t *busy_ns);
	void (*leave)(void *arg, unsigned tid);
	bool use_busy;            /* rates from busy time, not wall time */
	bool pin;                 /* thread t runs on an allowed CPU: */
	unsigned pin_shift;       /* the ((t + pin_shift) % threads)-th */
	double warmup, seconds;
};

struct bench_sample {
	double rate[BENCH_MAX_THREADS];  /* ops per second of each thread */
	uint64_t ops[BENCH_MAX_THREADS];
};

int bench_measure(const struct bench_job *job, struct bench_sample *out);

/* ---- results, report (report.c) ---------------------------------------- */

enum bench_status {
	BENCH_OK,
	BENCH_NOT_AVAILABLE,   /* the implementation lacks this operation */
	BENCH_SKIPPED,         /* not built, or not started (EAL) */
	BENCH_FAILED,          /* wrong answers or a setup error */
};

struct bench_result {
	const char *workload;
	size_t size;
	unsigned threads;
	const char *impl;
	const char *mode;        /* "single", "burst32", "wild", "connect", ... */
	enum bench_status status;
	char note[200];
	double ops_per_s;        /* median of the runs, all counted threads */
	double runs[BENCH_MAX_REPEAT];
	unsigned nruns;
	double per_thread[BENCH_MAX_THREADS];  /* of the median run */
	unsigned counted;        /* threads whose ops count (churn: readers) */
	double writer_ops_per_s; /* churn: connect+close pairs per second */
	double other_cpus;       /* CPUs other processes used meanwhile */
};

struct bench_setup {
	const char *table;       /* "connected", "listeners", ... */
	size_t size;
	const char *impl;
	double seconds;
	double bytes_per_entry;  /* RSS delta / entries; <0 unknown */
	double heap_per_entry;   /* malloc'd bytes delta / entries */
	enum bench_status status;
	char note[160];
};

struct bench_ctx;

void report_begin(struct bench_ctx *cx);
void report_setup(struct bench_ctx *cx, const struct bench_setup *s);
/* A group: every implementation of one (workload, size, threads). */
void report_group(struct bench_ctx *cx, size_t first, size_t count);
void report_end(struct bench_ctx *cx);

/* ---- the run (runner.c) ------------------------------------------------- */

struct bench_workload;

struct bench_ctx {
	const struct bench_opts *o;
	uint64_t seed;
	double seconds, warmup;
	unsigned repeat;
	unsigned threads[BENCH_MAX_THREADS];   /* thread counts to run */
	unsigned nthreads;
	size_t sizes[BENCH_MAX_SIZES];
	unsigned nsizes;
	bool impl_on[8];                        /* by index in bench_impls */
	const char *impl_off_why[8];            /* NULL: usable */
	struct bench_result *res;
	size_t nres, capres;
	struct bench_setup *setups;
	size_t nsetups, capsetups;
	size_t wild_listeners;                  /* wildcard workload */
	size_t bind_round;                      /* bind storm: binds/round */
	double load_start[3], load_end[3];
	double t_start;
	char date[32];
	int failures;
};

/* The tables of the shared lookup workloads: one per implementation. */
struct bench_shared {
	size_t n;                       /* connected keys in every table */
	struct bench_key *keys;         /* n hits, then n/9 misses, then churn */
	size_t nmiss, nchurn;
	void *st[8];                    /* by index in bench_impls; NULL: none */
	struct bench_table_spec spec;
};

struct bench_result *bench_result_new(struct bench_ctx *cx,
                                      const char *workload, size_t size,
                                      unsigned threads, const char *impl,
                                      const char *mode);
void bench_setup_add(struct bench_ctx *cx, const struct bench_setup *s);

/*
 * Build one implementation's table from keys[0..n) with values 0..n-1,
 * recording the setup time and bytes per entry.  Returns 0 or -errno.
 */
int bench_table_build(struct bench_ctx *cx, const char *table,
                      const struct bench_impl *im,
                      const struct bench_table_spec *spec,
                      const struct bench_key *keys, size_t n, void **st);

/*
 * Build every usable implementation's table (st[] by index in
 * bench_impls), the library's last: its build frees small temporaries
 * between its PCBs, and a table built after it would fill those holes and
 * look smaller than it is.
 */
void bench_build_all(struct bench_ctx *cx, const char *table,
                     const struct bench_table_spec *spec,
                     const struct bench_key *keys, size_t n, void **st);

/*
 * The common measuring loop: for every thread count, every repetition and
 * every usable implementation (in an order that rotates with the
 * repetition, so that none always runs first or right after another),
 * prepare the job, measure it, take the median and report the group.
 */
struct bench_variant {
	const char *workload;
	const char *mode;
	size_t size;
	bool busy;                      /* rates from busy time */
	unsigned min_threads;           /* churn: 2 */
	bool single_thread;             /* connect: one thread only */
	bool library_only;              /* no baseline does this: inpcb row only */
	unsigned first_counted;         /* churn: thread 0 is the writer */
	void *wl;                       /* the workload's own state */
	/* NULL, or why the implementation lacks the operation. */
	const char *(*unsupported)(void *wl, unsigned impl);
	/*
	 * Fill in arg/enter/step/leave for repetition rep; 0 or -errno (the
	 * row fails).
	 */
	int (*job)(void *wl, unsigned impl, unsigned threads, unsigned rep,
	           struct bench_job *job);
	/* After the run: check answers, set status/note on failure. */
	void (*finish)(void *wl, unsigned impl, const struct bench_sample *s,
	               struct bench_result *r);
};

int bench_run_variant(struct bench_ctx *cx, const struct bench_variant *v);

/* ---- workloads (workloads/) -------------------------------------------- */

struct bench_workload {
	const char *name;
	const char *what;
	bool shared;            /* runs on the shared connected tables */
	/* Shared: run at one size on the built tables; else build its own. */
	int (*run)(struct bench_ctx *cx, struct bench_shared *sh);
	int (*run_own)(struct bench_ctx *cx);
};

extern const struct bench_workload *const bench_workloads[];
extern const unsigned bench_nworkloads;

extern const struct bench_workload bench_wl_exact;
extern const struct bench_workload bench_wl_exact_miss;
extern const struct bench_workload bench_wl_burst;
extern const struct bench_workload bench_wl_churn;
extern const struct bench_workload bench_wl_wildcard;
extern const struct bench_workload bench_wl_connect;
extern const struct bench_workload bench_wl_bindstorm;
extern const struct bench_workload bench_wl_delivery;

/* delivery.c: the row groups it runs per thread count (progress line). */
unsigned bench_delivery_rows(const struct bench_ctx *cx);

/* exact.c: lookups of the shared keys (exact, exact-miss10, burst). */
int bench_lookup_workload(struct bench_ctx *cx, struct bench_shared *sh,
                          const char *name, const char *mode_name,
                          enum bench_mode mode, bool misses);

/*
 * The reader side shared by exact, burst, wildcard and churn.  The orders
 * are made once per workload and reused for every implementation and
 * repetition: every implementation sees the same keys in the same order.
 */
#define BENCH_ORDERS 8          /* distinct orders; more threads share */

struct bench_reader_slot {
	_Alignas(64) const uint32_t *order;
	size_t pos;                    /* own cache line: no false sharing */
	uint64_t wrong;                /* batches with a wrong answer */
};

struct bench_readers {
	const struct bench_impl *im;
	void *st;
	const struct bench_lookups *l;
	enum bench_mode mode;
	size_t len;                           /* of every order */
	unsigned threads;
	unsigned first_reader;                /* churn: thread 0 writes */
	uint32_t *orders[BENCH_ORDERS];
	struct bench_reader_slot slot[BENCH_MAX_THREADS];
};

/* Cache-line aligned (aligned_alloc); NULL when out of memory. */
struct bench_readers *readers_new(const struct bench_lookups *l,
                                  enum bench_mode mode, unsigned threads,
                                  unsigned first_reader, uint64_t seed);
/*
 * Point the readers at one implementation's table for repetition rep:
 * every repetition starts elsewhere in the orders, so that an
 * implementation too slow to go through all keys in one run does not
 * find the previous run's keys still in the cache.
 */
void readers_bind(struct bench_readers *r, const struct bench_impl *im,
                  void *st, unsigned rep);
void readers_delete(struct bench_readers *r);
void readers_enter(void *arg, unsigned tid);
uint64_t readers_step(void *arg, unsigned tid, uint64_t *busy_ns);
void readers_leave(void *arg, unsigned tid);
uint64_t readers_wrong(const struct bench_readers *r);
/*
 * The job of a lookup-only workload: the readers bound to implementation
 * i's table st for repetition rep; -ENODEV when the table was not built.
 */
int readers_job(struct bench_readers *r, unsigned i, void *st, unsigned rep,
                struct bench_job *job);
/*
 * Fail the row when operations of the workload failed: "N <what> failed
 * (last: <error>)"; nothing when errors is 0.
 */
void bench_fail_errors(struct bench_result *res, uint64_t errors,
                       const char *what, int last_error);
/* Fail the row when some batch of lookups gave a wrong answer. */
bool readers_check(const struct bench_readers *r, struct bench_result *res);

#endif
