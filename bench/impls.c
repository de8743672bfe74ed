/*
 * impls.c - the implementation table: the library first, then the
 * baselines every result is compared with.  Without DPDK at build time
 * the rte_hash entry stays, so that every report says it was skipped and
 * why, instead of silently having one column fewer.
 */
#include "bench.h"

#if !INPCB_BENCH_DPDK
static const char *rh_not_built(void)
{
	return "not built: libdpdk was not found by pkg-config at configure "
	       "time (Debian: dpdk-dev; CMake option INPCB_DPDK)";
}

const struct bench_impl bench_impl_rtehash = {
	.name = "rte_hash",
	.what = "DPDK rte_hash (not built)",
	.baseline = true,
	.unavailable = rh_not_built,
};
#endif

const struct bench_impl *const bench_impls[] = {
	&bench_impl_inpcb,
	&bench_impl_inpcb_groups,       /* connection groups on (spec 4) */
	&bench_impl_rwlock,
	&bench_impl_lfht,
	&bench_impl_rtehash,
};

const unsigned bench_nimpls = sizeof(bench_impls) / sizeof(bench_impls[0]);
