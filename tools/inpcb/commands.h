/*
 * commands.h - the subcommands of the inpcb tool.  Each takes the
 * arguments after "inpcb" (argv[0] is the subcommand's name) and returns
 * the process exit status.
 */
#ifndef INPCB_TOOL_COMMANDS_H
#define INPCB_TOOL_COMMANDS_H

/* inpcb run [--seed N|random] [-q] [--explain] FILE|DIR ... */
int cmd_run(int argc, char **argv);

/* inpcb bench [--workload W,..] [--size N,..] [--threads T] [--json] ... */
int cmd_bench(int argc, char **argv);

/* inpcb serve --tun NAME [--addr A/PLEN ...] [--script F] [--echo P ...] */
int cmd_serve(int argc, char **argv);

/* inpcb replay FILE.pcap [--script F] [--out FILE.pcap] [--echo P ...] */
int cmd_replay(int argc, char **argv);

/* inpcb stat [--script F] */
int cmd_stat(int argc, char **argv);

#endif
