/*
 * loop.c - the in-memory loop driver (driver.h): a bounded FIFO of IP
 * packets.  Whatever the interface sends is queued and comes back from
 * input, so inp_if_poll() feeds an interface's own output back to it --
 * a wire that ends where it starts -- and a test can read what the stack
 * sent with ops->input, or inject packets with inp_loop_push().
 *
 * Thread-safe: one mutex around the ring; packets are copied in and out.
 */
#include <inpcb/driver.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LOOP_DEPTH_MAX 65536u
#define LOOP_PKT_MAX   65535u

struct loop_pkt {
	size_t len;
	unsigned char data[];
};

struct loop_ctx {
	pthread_mutex_t lock;
	unsigned depth, head, count;    /* ring of depth slots */
	struct loop_pkt **ring;
};

static int loop_enqueue(struct loop_ctx *c, const void *pkt, size_t len)
{
	struct loop_pkt *p;
	int rc = 0;

	if (len > LOOP_PKT_MAX)
		return -EMSGSIZE;
	if (pkt == NULL && len > 0)
		return -EINVAL;
	p = malloc(sizeof(*p) + len);
	if (p == NULL)
		return -ENOBUFS;
	p->len = len;
	if (len > 0)
		memcpy(p->data, pkt, len);
	pthread_mutex_lock(&c->lock);
	if (c->count == c->depth)
		rc = -ENOBUFS;
	else
		c->ring[(c->head + c->count++) % c->depth] = p;
	pthread_mutex_unlock(&c->lock);
	if (rc != 0)
		free(p);
	return rc;
}

static int loop_output(void *ctx, const void *pkt, size_t len)
{
	return loop_enqueue(ctx, pkt, len);
}

static long loop_input(void *ctx, void *buf, size_t cap)
{
	struct loop_ctx *c = ctx;
	struct loop_pkt *p = NULL;
	size_t n;

	pthread_mutex_lock(&c->lock);
	if (c->count > 0) {
		p = c->ring[c->head];
		c->head = (c->head + 1) % c->depth;
		c->count--;
	}
	pthread_mutex_unlock(&c->lock);
	if (p == NULL)
		return 0;
	n = p->len < cap ? p->len : cap;
	if (n > 0)
		memcpy(buf, p->data, n);
	free(p);
	return (long)n;
}

static int loop_poll_fd(void *ctx)
{
	(void)ctx;
	return -1;           /* nothing to wait on: poll it */
}

static void loop_close(void *ctx)
{
	struct loop_ctx *c = ctx;

	while (c->count > 0) {
		free(c->ring[c->head]);
		c->head = (c->head + 1) % c->depth;
		c->count--;
	}
	free(c->ring);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static const struct inp_driver_ops loop_ops = {
	.name = "loop",
	.output = loop_output,
	.input = loop_input,
	.poll_fd = loop_poll_fd,
	.close = loop_close,
	.input_flags = NULL,
};

int inp_loop_open(unsigned depth, const struct inp_driver_ops **ops,
                  void **ctx)
{
	struct loop_ctx *c;

	if (ops == NULL || ctx == NULL || depth == 0 || depth > LOOP_DEPTH_MAX)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->ring = calloc(depth, sizeof(*c->ring));
	if (c->ring == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c->ring);
		free(c);
		return -ENOMEM;
	}
	c->depth = depth;
	*ops = &loop_ops;
	*ctx = c;
	return 0;
}

int inp_loop_push(void *ctx, const void *pkt, size_t len)
{
	if (ctx == NULL)
		return -EINVAL;
	return loop_enqueue(ctx, pkt, len);
}
