/*
 * main.c - the inpcb command line tool: a small table of subcommands.
 *
 * Exit status 2 means a usage error (unknown subcommand or option); each
 * subcommand defines its other statuses.  A new subcommand is a row of
 * the table.
 */
#include "commands.h"

#include <inpcb/inpcb.h>

#include <stdio.h>
#include <string.h>

static const struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "run", cmd_run, "run scenario scripts (.pcbs files or directories)" },
	{ "bench", cmd_bench, "measure lookups, connect and bind against "
	  "in-process baselines" },
	{ "serve", cmd_serve, "run a live stack on a TUN device" },
	{ "replay", cmd_replay, "demultiplex a pcap capture against a script's "
	  "sockets" },
	{ "stat", cmd_stat, "print the UDP/IP counters of a vnet after a "
	  "script" },
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: inpcb COMMAND [ARGS...]\n"
	           "       inpcb --help | --version\n\ncommands:\n");
	for (i = 0; i < N_SUBCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name,
		        subcommands[i].summary);
	fprintf(f, "\n'inpcb COMMAND --help' describes a command's options.\n");
}

/*
 * run, serve, replay and stat look up PCBs on this thread: register it
 * (inpcb/thread.h).  bench registers each of its threads itself, per
 * implementation (liburcu must not see one thread registered twice, and
 * its lfht baseline registers with liburcu directly).
 */
static int run_registered(const struct subcommand *c, int argc, char **argv)
{
	bool reg = strcmp(c->name, "bench") != 0;
	int rc;

	if (reg)
		inp_thread_register();
	rc = c->run(argc, argv);
	if (reg)
		inp_thread_unregister();
	return rc;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("inpcb %d.%d\n", INPCB_VERSION_MAJOR,
		       INPCB_VERSION_MINOR);
		return 0;
	}
	for (i = 0; i < N_SUBCOMMANDS; i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return run_registered(&subcommands[i], argc - 1,
			                      argv + 1);
	fprintf(stderr, "inpcb: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
