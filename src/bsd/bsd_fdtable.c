/*
 * bsd_fdtable.c - a stack's descriptor table: small integers from
 * INP_FD_BASE up mapped to open files, the lowest free one first (as
 * POSIX hands out descriptors).
 *
 * A lookup takes a reference on the file under the table lock, so a
 * descriptor closed by another thread meanwhile cannot free the file
 * under a call that is using it: close removes the descriptor (it may be
 * reused at once) and drops the table's reference; the socket goes when
 * the last call holding the file returns.
 */
#include "bsd_internal.h"

#include <stdlib.h>
#include <string.h>

#define FDT_INITIAL 64

int fdt_init(struct bsd_fdtable *t, unsigned max)
{
	if (pthread_mutex_init(&t->lock, NULL) != 0)
		return -ENOMEM;
	t->slot = NULL;
	t->cap = 0;
	t->hint = 0;
	t->max = max;
	return 0;
}

void fdt_fini(struct bsd_fdtable *t)
{
	free(t->slot);
	t->slot = NULL;
	pthread_mutex_destroy(&t->lock);
}

/* Room for slot i: double the array (table locked). */
static int fdt_grow(struct bsd_fdtable *t, unsigned i)
{
	unsigned cap = t->cap ? t->cap : FDT_INITIAL;
	struct bsd_file **s;

	while (cap <= i)
		cap *= 2;
	if (cap > t->max)
		cap = t->max;
	s = realloc(t->slot, cap * sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	memset(s + t->cap, 0, (cap - t->cap) * sizeof(*s));
	t->slot = s;
	t->cap = cap;
	return 0;
}

int fdt_install(struct bsd_fdtable *t, struct bsd_file *f)
{
	unsigned i;
	int rc = 0;

	pthread_mutex_lock(&t->lock);
	for (i = t->hint; i < t->cap && t->slot[i] != NULL; i++)
		;
	if (i >= t->max)
		rc = -EMFILE;
	else if (i >= t->cap)
		rc = fdt_grow(t, i);
	if (rc == 0) {
		t->slot[i] = f;
		t->hint = i + 1;
	}
	pthread_mutex_unlock(&t->lock);
	return rc < 0 ? rc : INP_FD_BASE + (int)i;
}

/* The slot of fd, or -1 when fd is not one of ours. */
static long fdt_index(const struct bsd_fdtable *t, int fd)
{
	if (fd < INP_FD_BASE || (unsigned)(fd - INP_FD_BASE) >= t->cap)
		return -1;
	return fd - INP_FD_BASE;
}

struct bsd_file *fdt_get(struct bsd_fdtable *t, int fd)
{
	struct bsd_file *f = NULL;
	long i;

	pthread_mutex_lock(&t->lock);
	i = fdt_index(t, fd);
	if (i >= 0 && t->slot[i] != NULL) {
		f = t->slot[i];
		file_ref(f);
	}
	pthread_mutex_unlock(&t->lock);
	return f;
}

/* Empty slot i (table locked); the caller gets the table's reference. */
static struct bsd_file *fdt_take(struct bsd_fdtable *t, unsigned i)
{
	struct bsd_file *f = t->slot[i];

	t->slot[i] = NULL;
	if (i < t->hint)
		t->hint = i;
	return f;
}

struct bsd_file *fdt_remove(struct bsd_fdtable *t, int fd)
{
	struct bsd_file *f = NULL;
	long i;

	pthread_mutex_lock(&t->lock);
	i = fdt_index(t, fd);
	if (i >= 0 && t->slot[i] != NULL)
		f = fdt_take(t, (unsigned)i);
	pthread_mutex_unlock(&t->lock);
	return f;
}

struct bsd_file *fdt_remove_any(struct bsd_fdtable *t)
{
	struct bsd_file *f = NULL;
	unsigned i;

	pthread_mutex_lock(&t->lock);
	for (i = 0; i < t->cap && f == NULL; i++)
		if (t->slot[i] != NULL)
			f = fdt_take(t, i);
	pthread_mutex_unlock(&t->lock);
	return f;
}
