/*
 * portmap.c - a set of 16-bit ports as a two-level bitmap: 1024 words of
 * 64 port bits, and 16 summary words whose bit w says "word w is full".
 * The occupancy index (port_index.c) keeps one per local address, view
 * and, when learned, per destination; the allocator asks it for the next
 * port that is not in the set.
 *
 * next_clear() skips full words by the summary with a count of trailing
 * zeros, so a search costs at most 16 summary words plus the few words
 * it lands on, whatever the occupancy.  No locking here: the callers hold
 * the table's hash mutex.
 */
#include "pcb/pcb_internal.h"

#include <stdlib.h>

void portmap_set(struct portmap *m, uint16_t port)
{
	unsigned w = port >> 6;

	m->bits[w] |= 1ull << (port & 63);
	if (m->bits[w] == ~0ull)
		m->full[w >> 6] |= 1ull << (w & 63);
}

void portmap_clear(struct portmap *m, uint16_t port)
{
	unsigned w = port >> 6;

	m->bits[w] &= ~(1ull << (port & 63));
	m->full[w >> 6] &= ~(1ull << (w & 63));
}

bool portmap_test(const struct portmap *m, uint16_t port)
{
	return (m->bits[port >> 6] >> (port & 63)) & 1;
}

/* The first word at or after w that is not full, or PORTMAP_WORDS. */
static unsigned next_open_word(const struct portmap *m, unsigned w)
{
	unsigned s = w >> 6;
	uint64_t open = ~m->full[s] & (~0ull << (w & 63));

	while (open == 0) {
		if (++s == PORTMAP_WORDS / 64)
			return PORTMAP_WORDS;
		open = ~m->full[s];
	}
	return (s << 6) + (unsigned)__builtin_ctzll(open);
}

/*
 * The smallest port in [from, to] whose bit is clear in every map of
 * maps[0..n) (NULL entries are empty sets); -1 when there is none.  A
 * word full in any one map is skipped through that map's summary.
 */
long portmap_next_clear(const struct portmap *const *maps, unsigned n,
                        unsigned from, unsigned to)
{
	unsigned w = from >> 6, last = to >> 6, i, skip;
	uint64_t taken, mask = ~0ull << (from & 63);

	if (from > to || to > 65535)
		return -1;
	while (w <= last) {
		taken = 0;
		skip = w;
		for (i = 0; i < n; i++) {
			if (maps[i] == NULL)
				continue;
			skip = next_open_word(maps[i], w);
			if (skip != w)
				break;
			taken |= maps[i]->bits[w];
		}
		if (skip != w) {        /* a full word: jump past the run */
			w = skip;
			mask = ~0ull;
			continue;
		}
		taken = ~taken & mask;
		if (w == last && (to & 63) != 63)
			taken &= (2ull << (to & 63)) - 1;
		if (taken != 0)
			return (long)(w << 6) + __builtin_ctzll(taken);
		w++;
		mask = ~0ull;
	}
	return -1;
}

struct portmap *portmap_new(void)
{
	return calloc(1, sizeof(struct portmap));
}
