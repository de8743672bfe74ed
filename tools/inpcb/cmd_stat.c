/*
 * cmd_stat.c - `inpcb stat [--script FILE.pcbs] [-v]`: the UDP, IP and
 * ICMP counters of a vnet, after a script has run in it.
 *
 * The script runs in the simulated world of `inpcb run` (clock at 0,
 * `advance` works), so the counters its deliver statements move are
 * reproducible.  Statements are printed only when they fail, or all with
 * -v.  Exit status: 0, 1 when a statement failed (the counters are still
 * printed), 2 for a usage error or a script that cannot be parsed.
 */
#include "commands.h"
#include "counters.h"
#include "live.h"

#include <stdio.h>
#include <string.h>

static void stat_usage(FILE *f)
{
	fprintf(f, "usage: inpcb stat [--script FILE.pcbs] [-v]\n"
	           "  --script FILE  configure the vnet and run FILE first\n"
	           "  -v             print every statement of the script\n"
	           "Prints the counters of vnet 'default' (netstat -s "
	           "names).\n");
}

int cmd_stat(int argc, char **argv)
{
	const char *script = NULL;
	bool verbose = false;
	struct live lv;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--script") == 0 && i + 1 < argc) {
			script = argv[++i];
		} else if (strcmp(argv[i], "-v") == 0) {
			verbose = true;
		} else if (strcmp(argv[i], "-h") == 0 ||
		           strcmp(argv[i], "--help") == 0) {
			stat_usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "inpcb stat: bad argument '%s'\n",
			        argv[i]);
			stat_usage(stderr);
			return 2;
		}
	}
	if ((rc = live_open(&lv, NULL, stdout, !verbose)) != 0)
		return rc;
	rc = live_script(&lv, script);
	if (rc != 2 && lv.vnet && print_counters(stdout, lv.vnet) < 0)
		rc = 1;
	if (live_close(&lv) < 0) {
		fprintf(stderr, "inpcb stat: the host still holds PCBs after "
		        "every socket was closed\n");
		rc = rc ? rc : 1;
	}
	return rc;
}
