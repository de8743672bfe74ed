/*
 * pcb_zone.c - the memory of a table's PCBs: a zone of equal-sized,
 * cache-line-aligned items carved from huge-page slabs, as FreeBSD keeps
 * its PCBs in the pcbinfo's UMA zone (ipi_zone).
 *
 * Why not malloc: an exact lookup touches line 0 of one or two PCBs at
 * random.  Packed into 2 MiB slabs, a million PCBs span 160 huge pages
 * instead of 80,000 small ones interleaved with sockets and buffers, so
 * those touches stop missing the TLB (huge.c).  A freed PCB comes back
 * only after its grace period (pcb_alloc.c), so an item is never reused
 * while a lockless reader may still look at it; the zone then keeps it
 * for the next allocation, newest first (its lines are likely cached),
 * and gives its slabs back only with the table.  Memory is bounded by
 * limits.max_pcbs like the table itself.
 *
 * Under AddressSanitizer the zone hands every item to malloc instead, so
 * that a use after free of a PCB is still caught.
 */
#include "pcb/pcb_internal.h"

#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define ZONE_USES_MALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZONE_USES_MALLOC 1
#endif
#endif

#define ZONE_SLAB_SIZE HUGE_PAGE_SIZE

struct zone_slab {
	struct zone_slab *next;
	void *mem;
};

/* A free item's first word links it to the next free one. */
struct zone_free_item {
	struct zone_free_item *next;
};

void pcb_zone_init(struct pcb_zone *z, size_t item_size)
{
	memset(z, 0, sizeof(*z));
	pthread_mutex_init(&z->lock, NULL);
	z->item_size = item_size;
}

#ifdef ZONE_USES_MALLOC

void *pcb_zone_alloc(struct pcb_zone *z)
{
	return aligned_alloc(64, z->item_size);
}

void pcb_zone_free(struct pcb_zone *z, void *item)
{
	(void)z;
	free(item);
}

#else

/* A new slab to carve from; the zone lock held. */
static int zone_grow(struct pcb_zone *z)
{
	struct zone_slab *s = malloc(sizeof(*s));

	if (s == NULL)
		return -ENOMEM;
	s->mem = huge_alloc(ZONE_SLAB_SIZE);
	if (s->mem == NULL) {
		free(s);
		return -ENOMEM;
	}
	s->next = z->slabs;
	z->slabs = s;
	z->carve = s->mem;
	z->carve_end = (char *)s->mem + ZONE_SLAB_SIZE;
	return 0;
}

void *pcb_zone_alloc(struct pcb_zone *z)
{
	struct zone_free_item *f;
	void *item = NULL;

	pthread_mutex_lock(&z->lock);
	f = z->free;
	if (f != NULL) {
		z->free = f->next;
		item = f;
	} else if ((size_t)(z->carve_end - z->carve) >= z->item_size ||
	           zone_grow(z) == 0) {
		item = z->carve;
		z->carve += z->item_size;
	}
	pthread_mutex_unlock(&z->lock);
	return item;
}

void pcb_zone_free(struct pcb_zone *z, void *item)
{
	struct zone_free_item *f = item;

	if (item == NULL)
		return;
	pthread_mutex_lock(&z->lock);
	f->next = z->free;
	z->free = f;
	pthread_mutex_unlock(&z->lock);
}

#endif

/* Every item must have come back (the table is empty, its frees done). */
void pcb_zone_destroy(struct pcb_zone *z)
{
	struct zone_slab *s, *next;

	for (s = z->slabs; s != NULL; s = next) {
		next = s->next;
		huge_free(s->mem, ZONE_SLAB_SIZE);
		free(s);
	}
	z->slabs = NULL;
	z->free = NULL;
	pthread_mutex_destroy(&z->lock);
}
