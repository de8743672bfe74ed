/*
 * burst.c - workload "burst": the exact lookups of "exact" (all hits),
 * BENCH_BURST keys per call, as a driver hands a whole receive burst to
 * the stack.  The library's side is inp_pcb_lookup_burst(), when it
 * exists (impl_inpcb_burst.c; until then the row says "not available");
 * rte_hash does rte_hash_lookup_bulk_data of 32 keys; the chained
 * baselines take their lock or RCU read section once per burst.
 */
#include "bench.h"

static int run_burst(struct bench_ctx *cx, struct bench_shared *sh)
{
	return bench_lookup_workload(cx, sh, "burst", "burst32",
	                             BENCH_BURST_M, false);
}

const struct bench_workload bench_wl_burst = {
	.name = "burst",
	.what = "exact lookups in bursts of 32 keys (all hits)",
	.shared = true,
	.run = run_burst,
};
