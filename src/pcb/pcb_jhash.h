/*
 * pcb_jhash.h - the keyed hash behind every PCB table bucket and the
 * SO_REUSEPORT_LB member choice (spec 1.5, G4).
 *
 * Bob Jenkins' lookup3 mixing (public domain) over 32-bit words, keyed with
 * the table's seed, which is drawn from the host's random source so that a
 * remote peer cannot aim packets at one bucket.  [10] used a plain xor-fold
 * here; the spec asks for a keyed hash ([cur] uses Jenkins with a seed).
 * Private to src/pcb.
 */
#ifndef INPCB_PCB_JHASH_H
#define INPCB_PCB_JHASH_H

#include <stdint.h>

static inline uint32_t jh_rol(uint32_t x, unsigned k)
{
	return (x << k) | (x >> (32 - k));
}

/* lookup3's reversible mix of three words. */
static inline void jh_mix(uint32_t *a, uint32_t *b, uint32_t *c)
{
	*a -= *c; *a ^= jh_rol(*c, 4);  *c += *b;
	*b -= *a; *b ^= jh_rol(*a, 6);  *a += *c;
	*c -= *b; *c ^= jh_rol(*b, 8);  *b += *a;
	*a -= *c; *a ^= jh_rol(*c, 16); *c += *b;
	*b -= *a; *b ^= jh_rol(*a, 19); *a += *c;
	*c -= *b; *c ^= jh_rol(*b, 4);  *b += *a;
}

/* lookup3's final avalanche of three words into c. */
static inline void jh_final(uint32_t *a, uint32_t *b, uint32_t *c)
{
	*c ^= *b; *c -= jh_rol(*b, 14);
	*a ^= *c; *a -= jh_rol(*c, 11);
	*b ^= *a; *b -= jh_rol(*a, 25);
	*c ^= *b; *c -= jh_rol(*b, 16);
	*a ^= *c; *a -= jh_rol(*c, 4);
	*b ^= *a; *b -= jh_rol(*a, 14);
	*c ^= *b; *c -= jh_rol(*b, 24);
}

/* Hash five words (an address in its 16-byte form plus one extra word). */
static inline uint32_t jh_5words(const uint32_t w[4], uint32_t extra,
                                 uint32_t seed)
{
	uint32_t a, b, c;

	a = b = c = 0xdeadbeefu + (5u << 2) + seed;
	a += w[0];
	b += w[1];
	c += w[2];
	jh_mix(&a, &b, &c);
	a += w[3];
	b += extra;
	jh_final(&a, &b, &c);
	return c;
}

/* Hash one word. */
static inline uint32_t jh_1word(uint32_t w, uint32_t seed)
{
	uint32_t a, b, c;

	a = b = c = 0xdeadbeefu + (1u << 2) + seed;
	a += w;
	jh_final(&a, &b, &c);
	return c;
}

#endif
