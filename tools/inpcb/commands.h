/*
 * commands.h - the subcommands of the inpcb tool.  Each takes the
 * arguments after "inpcb" (argv[0] is the subcommand's name) and returns
 * the process exit status.
 */
#ifndef INPCB_TOOL_COMMANDS_H
#define INPCB_TOOL_COMMANDS_H

/* inpcb run [--seed N|random] [-q] [--explain] FILE|DIR ... */
int cmd_run(int argc, char **argv);

#endif
