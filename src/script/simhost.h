/*
 * simhost.h - the injected clock and random source of a script's host.
 *
 * The clock starts at 0 and moves only when the script says `advance`;
 * the generator is splitmix64, seeded by --seed or the `seed` statement,
 * so every run of a script is reproducible.
 */
#ifndef INPCB_SCRIPT_SIMHOST_H
#define INPCB_SCRIPT_SIMHOST_H

#include <inpcb/inpcb.h>

struct simhost {
	uint64_t now_ns;
	uint64_t rng;    /* splitmix64 state */
};

void simhost_init(struct simhost *h, uint64_t seed);
/* Callbacks for inp_host_create() that read and draw from h. */
void simhost_ops(struct simhost *h, struct inp_host_ops *ops);
/* Move the clock forward by ns, stopping at 2^62 ns (146 years). */
void simhost_advance(struct simhost *h, uint64_t ns);
void simhost_seed(struct simhost *h, uint64_t seed);
uint64_t simhost_next64(struct simhost *h);

#endif
