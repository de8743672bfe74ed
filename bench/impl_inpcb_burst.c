/*
 * impl_inpcb_burst.c - the library's burst lookup, for the burst
 * workload, once the API exists.
 *
 * CMake compiles this file with INPCB_BENCH_HAVE_BURST=1 only when
 * include/inpcb/pcb.h declares inp_pcb_lookup_burst AND this adapter
 * compiles against that declaration (a configure-time check, redone
 * whenever pcb.h changes).  Otherwise the workload reports the library
 * as "not available" and the build never breaks because of it.
 *
 * Written for the declaration (DPDK's bulk lookup, with the packet keys
 * as on the wire):
 *
 *   int inp_pcb_lookup_burst(struct inp_vnet *vnet, enum inp_proto proto,
 *                            const struct inp_pkt_key *keys, unsigned n,
 *                            unsigned flags, struct inp_pcb **out,
 *                            int *results);
 *
 * n packets at once; returns how many were found; out[i] is the PCB
 * locked as flags ask, or NULL; results may be NULL.  If the API changes,
 * adapt the body of bench_inpcb_burst() below; nothing else in the bench
 * depends on it.
 */
#include "bench.h"

#include <inpcb/inpcb.h>

#include <string.h>

#if INPCB_BENCH_HAVE_BURST

const char *bench_inpcb_burst_unavailable(void)
{
	return NULL;
}

void bench_inpcb_burst(struct inp_vnet *vnet, int proto,
                       const struct bench_key *keys, const uint32_t *idx,
                       size_t n, struct bench_found *f)
{
	struct inp_pkt_key pk[BENCH_BURST];
	struct inp_pcb *out[BENCH_BURST];
	size_t i, j, m;

	memset(pk, 0, sizeof(pk));
	for (j = 0; j < BENCH_BURST; j++)
		pk[j].family = AF_INET;
	for (i = 0; i < n; i += m) {
		m = n - i < BENCH_BURST ? n - i : BENCH_BURST;
		for (j = 0; j < m; j++) {
			const struct bench_key *k = &keys[idx[i + j]];

			pk[j].saddr.v4.s_addr = k->faddr;      /* the peer */
			pk[j].sport = k->fport;
			pk[j].daddr.v4.s_addr = k->laddr;      /* local */
			pk[j].dport = k->lport;
		}
		if (inp_pcb_lookup_burst(vnet, (enum inp_proto)proto, pk,
		                         (unsigned)m, INP_LOOKUP_RLOCKPCB, out,
		                         NULL) < 0)
			continue;              /* counted as misses: the run fails */
		for (j = 0; j < m; j++)
			if (out[j] != NULL) {
				f->hits++;
				f->sum += (uintptr_t)inp_pcb_udata(out[j]);
				inp_pcb_runlock(out[j]);
			}
	}
}

#else

const char *bench_inpcb_burst_unavailable(void)
{
#if INPCB_BENCH_BURST_DECLARED
	return "inp_pcb_lookup_burst is declared in include/inpcb/pcb.h "
	       "but bench/impl_inpcb_burst.c does not compile against it: "
	       "adapt the adapter";
#else
	return "not available: inp_pcb_lookup_burst is not declared in "
	       "include/inpcb/pcb.h";
#endif
}

void bench_inpcb_burst(struct inp_vnet *vnet, int proto,
                       const struct bench_key *keys, const uint32_t *idx,
                       size_t n, struct bench_found *f)
{
	(void)vnet;
	(void)proto;
	(void)keys;
	(void)idx;
	(void)n;
	(void)f;
}

#endif
