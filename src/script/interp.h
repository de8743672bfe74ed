/*
 * interp.h - running parsed scripts against fresh library instances.
 *
 * Each script runs against its own host (injected clock starting at 0 and
 * a seeded generator) with one vnet "default" and one credential "root";
 * every statement prints one line "FILE:LINE: STATEMENT -> RESULT", with
 * FAIL and the expectation when it does not hold (interp.c describes the
 * output and the run-time error conventions).
 */
#ifndef INPCB_SCRIPT_INTERP_H
#define INPCB_SCRIPT_INTERP_H

#include "parser.h"

#include <stdio.h>

#define INTERP_DEFAULT_SEED 0x696e706362ull /* "inpcb": fixed, reproducible */

struct interp_opts {
	uint64_t seed;    /* the generator's seed at the start of every file */
	bool quiet;       /* print only failures */
	bool explain;     /* print the library's explanation under statements */
	bool comments;    /* print the script's comments with its statements */
	FILE *out;        /* where to print; NULL prints nothing */
};

/* Statements with an expectation or an implied ok, over all files. */
struct run_totals {
	unsigned long passed;
	unsigned long failed;
};

/*
 * Run script s on a fresh instance and add its statements to *tot.
 * Returns 0, or a negative errno when the instance could not be created
 * (nothing ran; the failure is printed and counted as one failure).
 */
int interp_run(const struct script *s, const struct interp_opts *opts,
               struct run_totals *tot);

#endif
