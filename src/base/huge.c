/*
 * huge.c - large, long-lived allocations on transparent huge pages.
 *
 * A lookup in a table of a million PCBs touches a bucket head and a PCB
 * line at random over hundreds of megabytes.  With 4 KiB pages almost
 * every such touch also misses the TLB, and under virtualisation a page
 * walk is itself a chain of cache misses: measured here, that doubled
 * the cost of a lookup.  Hash tables and the PCB zone therefore map their
 * memory 2 MiB-aligned and ask for huge pages with madvise(), which is
 * all a kernel in THP "madvise" mode (Debian's default) needs.  Where the
 * kernel has none to give, the memory is ordinary pages and nothing else
 * changes.  Small requests are not worth a mapping and go to calloc().
 */
#include "base/base.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

static size_t huge_round(size_t len)
{
	return (len + HUGE_PAGE_SIZE - 1) & ~(size_t)(HUGE_PAGE_SIZE - 1);
}

/* An anonymous mapping of len bytes (a multiple of HUGE_PAGE_SIZE), aligned. */
static void *huge_map(size_t len)
{
	size_t span = len + HUGE_PAGE_SIZE, head, tail;
	char *raw, *p;

	raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
	           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return NULL;
	p = (char *)(((uintptr_t)raw + HUGE_PAGE_SIZE - 1) &
	             ~(uintptr_t)(HUGE_PAGE_SIZE - 1));
	head = (size_t)(p - raw);
	tail = span - head - len;
	if (head != 0)
		munmap(raw, head);
	if (tail != 0)
		munmap(p + len, tail);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE);  /* advice: failure is harmless */
#endif
	return p;
}

void *huge_alloc(size_t len)
{
	if (len < HUGE_PAGE_SIZE)
		return calloc(1, len);
	return huge_map(huge_round(len));      /* zero-filled by the kernel */
}

void huge_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	if (len < HUGE_PAGE_SIZE)
		free(p);
	else
		munmap(p, huge_round(len));
}
