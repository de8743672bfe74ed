/*
 * fuzz_script.c - libFuzzer target for the scenario language: the input
 * is parsed as a .pcbs file and, when it parses, run against a fresh
 * library instance.  Parsing must reject anything malformed without
 * crashing; running must survive any sequence of statements.
 *
 * Bounded so that one input runs in milliseconds: at most
 * FUZZ_MAX_STMTS statements, `advance` of at most FUZZ_MAX_ADVANCE_S
 * seconds, and no TCP MSL above FUZZ_MAX_MSL_MS (the teardown waits 2*MSL
 * for TIME_WAIT PCBs); other scripts are parsed but not run.
 */
#include "interp.h"
#include "parser.h"

#include <stdint.h>
#include <string.h>

#define FUZZ_MAX_INPUT     65536
#define FUZZ_MAX_STMTS     200
#define FUZZ_MAX_ADVANCE_S 100
#define FUZZ_MAX_MSL_MS    120000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool bounded(const struct script *s)
{
	size_t i;

	if (s->n > FUZZ_MAX_STMTS)
		return false;
	for (i = 0; i < s->n; i++) {
		const struct stmt *st = &s->v[i];

		if (st->kind == ST_ADVANCE &&
		    st->u.advance_ns > FUZZ_MAX_ADVANCE_S * 1000000000ull)
			return false;
		if (st->kind == ST_SYSCTL_SET &&
		    strcmp(st->u.sysctl.name, "net.inet.tcp.msl") == 0 &&
		    st->u.sysctl.value > FUZZ_MAX_MSL_MS)
			return false;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull; /* the harness's, not the library's state */
	struct interp_opts opts = { INTERP_DEFAULT_SEED, false, true, NULL };
	struct run_totals tot = { 0, 0 };
	struct parse_diags diags;
	struct script *s;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (script_parse("fuzz.pcbs", (const char *)data, size, &s, &diags))
		return 0;
	if (bounded(s)) {
		if (!devnull)
			devnull = fopen("/dev/null", "w");
		opts.out = devnull; /* format every result, print nowhere */
		interp_run(s, &opts, &tot);
	}
	script_free(s);
	return 0;
}
