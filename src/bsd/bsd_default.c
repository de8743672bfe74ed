/*
 * bsd_default.c - the default stack of the BSD calls: the one piece of
 * process-wide mutable state of libinpcb_socket (socket.h, docs/sockets.md).
 * The core library keeps none; programs that want several stacks hold
 * them explicitly and switch the default.
 */
#include "bsd_internal.h"

static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static struct inp_stack *default_stack;

struct inp_stack *inp_stack_set_default(struct inp_stack *st)
{
	struct inp_stack *old;

	pthread_mutex_lock(&default_lock);
	old = default_stack;
	default_stack = st;
	pthread_mutex_unlock(&default_lock);
	return old;
}

struct inp_stack *inp_stack_default(void)
{
	struct inp_stack *st;

	pthread_mutex_lock(&default_lock);
	st = default_stack;
	pthread_mutex_unlock(&default_lock);
	return st;
}

/*
 * Made under the lock so that two first calls racing make one stack.  A
 * failure is not remembered: the next socket() tries again.
 */
struct inp_stack *bsd_current(int *err)
{
	struct inp_stack *st;

	pthread_mutex_lock(&default_lock);
	if (default_stack == NULL)
		*err = inp_stack_from_env(&default_stack);
	st = default_stack;
	pthread_mutex_unlock(&default_lock);
	return st;
}

void bsd_default_forget(struct inp_stack *st)
{
	pthread_mutex_lock(&default_lock);
	if (default_stack == st)
		default_stack = NULL;
	pthread_mutex_unlock(&default_lock);
}
