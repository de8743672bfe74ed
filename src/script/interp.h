/*
 * interp.h - running parsed scripts against fresh library instances, or
 * against a caller's live host (sessions, at the end of this file).
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

/*
 * Sessions: scripts whose world outlives them (inpcb serve, replay,
 * stat): the caller keeps using the vnets, interfaces and sockets the
 * scripts set up, with a datapath of its own.
 *
 * With a host, the session runs on that host, the caller's, in the vnet
 * "default" (created when the host has none) with the credential "root",
 * like interp_run().  The host keeps its own clock and random source, so
 * `advance` and `seed` fail with ENOTSUP, and interp_session_close()
 * leaves it alone: call it before destroying the host.  Without a host
 * (NULL), the session makes the simulated world of interp_run() and
 * interp_session_close() destroys it as interp_run() does (its return
 * value is then inp_host_destroy's).
 *
 * Sockets the scripts create stay open, findable by their script names,
 * until interp_session_close() closes them.  opts is copied.  A session
 * is used by one thread at a time.
 */
struct interp;

int interp_session_open(struct inp_host *host, const struct interp_opts *opts,
                        struct interp **out);
/* The session's host (the caller's, or its own simulated one). */
struct inp_host *interp_session_host(struct interp *in);
/* Run every statement of s; counts like interp_run(). */
void interp_session_run(struct interp *in, const struct script *s,
                        struct run_totals *tot);
/* The session's current vnet (NULL if the script destroyed it). */
struct inp_vnet *interp_session_vnet(struct interp *in);
/*
 * The open sockets in creation order: the i-th, or NULL past the last;
 * *name (may be NULL) gets its script name.
 */
struct inp_sock *interp_session_sock(struct interp *in, size_t i,
                                     const char **name);
/* The open socket called name, or NULL. */
struct inp_sock *interp_session_find(struct interp *in, const char *name);
int interp_session_close(struct interp *in);

#endif
