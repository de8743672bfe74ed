/*
 * table.c - the workload table: what `inpcb bench --workload` accepts, in
 * the order a run goes through them.  A workload is a row; the lookup
 * workloads marked shared run on the connected tables built once per
 * --size.  The burst row is always there: until the library declares
 * inp_pcb_lookup_burst its own row reports "not available" and the
 * baselines' bulk numbers still come out.
 */
#include "bench.h"

const struct bench_workload *const bench_workloads[] = {
	&bench_wl_exact,
	&bench_wl_exact_miss,
	&bench_wl_burst,
	&bench_wl_churn,        /* last of the shared ones: it writes */
	&bench_wl_wildcard,
	&bench_wl_connect,
	&bench_wl_bindstorm,
	&bench_wl_delivery,
};

const unsigned bench_nworkloads =
	sizeof(bench_workloads) / sizeof(bench_workloads[0]);
