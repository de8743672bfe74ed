/*
 * rss_bits.c - the number of RSS buckets of a vnet (RSS-10), one answer
 * for the connection groups (pcbgroup.c) and the aligned ephemeral ports
 * (pcb_port.c), so that a port chosen for bucket b is in group b.
 */
#include "rss/rss_internal.h"

#include <unistd.h>

/* RSS-10: fls(ncpus - 1) + 1 bits for more than one CPU, at most 7. */
static unsigned default_bits(void)
{
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned bits;

	if (ncpus > RSS_MAX_CPUS)
		ncpus = RSS_MAX_CPUS;
	if (ncpus <= 1)
		return 0;
	bits = 32u - (unsigned)__builtin_clz((unsigned)ncpus - 1) + 1;
	return bits > RSS_MAX_BITS ? RSS_MAX_BITS : bits;
}

unsigned rss_bits_resolve(long bits)
{
	if (bits < 0 || bits > RSS_MAX_BITS)
		return default_bits();
	return (unsigned)bits;
}
