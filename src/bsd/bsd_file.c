/*
 * bsd_file.c - open files: what a descriptor refers to, a socket and the
 * BSD state the core socket does not keep (timeouts, O_NONBLOCK, the
 * control messages asked for, shutdown, TCP connection state).
 *
 * A file is reference counted: the descriptor table holds one, every
 * call using it one more, a listener's accept queue one for each queued
 * connection.  The last reference closes the socket.
 */
#include "bsd_internal.h"

#include <stdlib.h>

struct bsd_file *file_new(struct inp_stack *st, struct inp_sock *so,
                          int type)
{
	struct bsd_file *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	if (pthread_mutex_init(&f->lock, NULL) != 0) {
		free(f);
		return NULL;
	}
	atomic_init(&f->refs, 1);
	atomic_init(&f->closed, false);
	atomic_init(&f->nonblock, false);
	f->st = st;
	f->so = so;
	f->type = type;
	f->family = inp_sock_family(so);
	/* every datagram and error queued on so wakes the stack's waiters */
	inp_sock_set_upcall(so, wait_upcall, st);
	return f;
}

void file_ref(struct bsd_file *f)
{
	atomic_fetch_add(&f->refs, 1);
}

unsigned file_tcp_state(struct bsd_file *f)
{
	unsigned v;

	pthread_mutex_lock(&f->lock);
	v = (f->listening ? FILE_LISTENING : 0) |
	    (f->connected ? FILE_CONNECTED : 0);
	pthread_mutex_unlock(&f->lock);
	return v;
}

bool file_tryref(struct bsd_file *f)
{
	int n = atomic_load(&f->refs);

	while (n > 0)
		if (atomic_compare_exchange_weak(&f->refs, &n, n + 1))
			return true;
	return false;
}

void file_rele(struct bsd_file *f)
{
	if (atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	inp_sock_set_upcall(f->so, NULL, NULL);
	if (f->type == SOCK_STREAM) {
		tcp_flush_acceptq(f);
		tcp_release(f);
	} else {
		inp_sock_close(f->so);
	}
	pthread_mutex_destroy(&f->lock);
	free(f);
}

struct bsd_file *file_get(int fd, int *err)
{
	/* no default stack: no descriptor either (only socket() makes one) */
	struct inp_stack *st = inp_stack_default();
	struct bsd_file *f = st != NULL ? fdt_get(&st->fdt, fd) : NULL;

	if (f == NULL)
		*err = -EBADF;
	return f;
}
