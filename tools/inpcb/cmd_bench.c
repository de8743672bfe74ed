/*
 * cmd_bench.c - `inpcb bench`: the library's lookups, connect() and bind()
 * measured against baselines run in the same process (bench/, and
 * docs/benchmarks.md for what each number means).  This file only parses
 * the options; bench_main() runs everything.
 *
 * Exit status: 0; 1 when a measurement failed (an implementation gave
 * wrong answers, a table could not be built); 2 for a usage error.
 */
#include "commands.h"
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void bench_usage(FILE *f)
{
	unsigned i;

	fprintf(f,
	        "usage: inpcb bench [--workload NAME[,NAME...]] [--size N[,N...]]\n"
	        "                   [--threads T] [--seconds S] [--repeat R]\n"
	        "                   [--impl NAME[,NAME...]] [--seed N] [--json]\n"
	        "                   [--quick] [--progress] [--no-pin]\n"
	        "  --workload  which workloads (default: all of them)\n"
	        "  --size      PCBs in the lookup tables; k and M suffixes\n"
	        "              (default 1k,10k,100k,1M,4M; --quick: 1k)\n"
	        "  --threads   run with 1, 2, 4 ... up to T threads (default:\n"
	        "              online CPUs; --quick: at most 2)\n"
	        "  --seconds   measured seconds per run (default 0.5; --quick 0.01)\n"
	        "  --repeat    runs per configuration, the median is kept\n"
	        "              (default 3; --quick 1)\n"
	        "  --impl      which implementations (default: all but\n"
	        "              the opt-in ones)\n"
	        "  --seed      seed of the key sets and orders (default 1)\n"
	        "  --json      one JSON document on stdout instead of the table\n"
	        "  --quick     smoke mode: tiny tables, about a second in all\n"
	        "  --progress  progress line on stderr even when it is not a\n"
	        "              terminal\n"
	        "  --no-pin    do not pin measuring thread t to the t-th CPU\n"
	        "workloads:");
	for (i = 0; i < bench_nworkloads; i++)
		fprintf(f, "\n  %-13s %s", bench_workloads[i]->name,
		        bench_workloads[i]->what);
	fprintf(f, "\nimplementations:");
	for (i = 0; i < bench_nimpls; i++)
		fprintf(f, "\n  %-13s %s%s", bench_impls[i]->name,
		        bench_impls[i]->what,
		        bench_impls[i]->opt_in ? " (opt-in)" : "");
	fprintf(f, "\n");
}

/* "1000", "100k", "4M" */
static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s)
		return -1;
	if (*end == 'k' || *end == 'K') {
		v *= 1000;
		end++;
	} else if (*end == 'M' || *end == 'm') {
		v *= 1000000;
		end++;
	}
	/* Values are 32-bit in the tables; 100M PCBs is far past useful. */
	if (*end != '\0' || v == 0 || v > 100000000ull)
		return -1;
	*out = (size_t)v;
	return 0;
}

static int parse_sizes(const char *arg, struct bench_opts *o)
{
	char buf[256], *tok, *save = NULL;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	o->nsizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->nsizes == BENCH_MAX_SIZES ||
		    parse_size(tok, &o->sizes[o->nsizes]) != 0)
			return -1;
		o->nsizes++;
	}
	return o->nsizes > 0 ? 0 : -1;
}

static int parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *out > 0 &&
	       *out <= 3600 ? 0 : -1;
}

static int parse_uint(const char *s, unsigned long long max,
                      unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno == 0 && end != s && *end == '\0' && *out <= max ? 0 : -1;
}

static bool takes_value(const char *opt)
{
	static const char *const opts[] = { "--workload", "--impl", "--size",
		"--threads", "--seconds", "--repeat", "--seed" };
	size_t i;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (strcmp(opt, opts[i]) == 0)
			return true;
	return false;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	bool progress_flag = false;
	unsigned long long u;
	int i;

	memset(&o, 0, sizeof(o));
	o.warmup = -1;
	o.seed = 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool bad = false;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			bench_usage(stdout);
			return 0;
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
			continue;
		} else if (strcmp(a, "--quick") == 0) {
			o.quick = true;
			continue;
		} else if (strcmp(a, "--progress") == 0) {
			progress_flag = true;
			continue;
		} else if (strcmp(a, "--no-pin") == 0) {
			o.no_pin = true;
			continue;
		}
		if (!takes_value(a)) {
			fprintf(stderr, "inpcb bench: unknown option '%s'\n", a);
			bench_usage(stderr);
			return 2;
		}
		if (v == NULL) {
			fprintf(stderr, "inpcb bench: %s needs a value\n", a);
			return 2;
		}
		i++;
		if (strcmp(a, "--workload") == 0)
			o.workloads = v;
		else if (strcmp(a, "--impl") == 0)
			o.impls = v;
		else if (strcmp(a, "--size") == 0)
			bad = parse_sizes(v, &o) != 0;
		else if (strcmp(a, "--threads") == 0) {
			bad = parse_uint(v, BENCH_MAX_THREADS, &u) != 0 || u == 0;
			o.threads = (unsigned)u;
		} else if (strcmp(a, "--seconds") == 0)
			bad = parse_double(v, &o.seconds) != 0;
		else if (strcmp(a, "--repeat") == 0) {
			bad = parse_uint(v, BENCH_MAX_REPEAT, &u) != 0 || u == 0;
			o.repeat = (unsigned)u;
		} else {                                /* --seed */
			bad = parse_uint(v, UINT64_MAX, &u) != 0;
			o.seed = u;
		}
		if (bad) {
			fprintf(stderr, "inpcb bench: bad value '%s' for %s\n",
			        v, a);
			return 2;
		}
	}
	o.progress = progress_flag || isatty(STDERR_FILENO);
	return bench_main(&o);
}
