/*
 * ephemeral.c - connections for the connect and churn workloads.
 *
 * The library connects a socket (inp_sock_connect: source address
 * selection, route, ephemeral port, insertion).  A baseline runs the
 * allocator of FreeBSD's in_pcb_lport_dest() (spec P4/P5) over its table:
 * a random start inside [lo, hi], then one step at a time with
 * wrap-around, taking the first local port whose 4-tuple towards dst is
 * not in the table, and inserts it.  That is the least work any
 * implementation of BSD connect() has to do, so the ratio of the two is
 * the cost of everything else.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>

int bench_conn_open(const struct bench_impl *im, void *st,
                    struct bench_conn *c)
{
	c->so = NULL;
	c->connected = false;
	return im->open != NULL ? im->open(st, &c->so) : 0;
}

int bench_connect(const struct bench_impl *im, void *st,
                  const struct bench_key *dst, uint16_t lo, uint16_t hi,
                  uint32_t value, uint64_t *rng, struct bench_conn *c)
{
	uint32_t tries = (uint32_t)(hi - lo) + 1;
	uint16_t cur;
	int rc;

	c->value = value;
	if (im->connect != NULL) {
		rc = im->connect(st, c->so, dst);
		c->connected = rc == 0;
		return rc;
	}
	c->key = *dst;
	cur = (uint16_t)(lo + (hi > lo ? bench_rand(rng) % (uint32_t)(hi - lo)
	                               : 0));
	while (tries-- > 0) {
		cur++;
		if (cur < lo || cur > hi)
			cur = lo;
		c->key.lport = htons(cur);
		if (im->contains(st, &c->key))
			continue;
		rc = im->insert(st, &c->key, value);
		if (rc != -EEXIST) {
			c->connected = rc == 0;
			return rc;
		}
	}
	return -EADDRNOTAVAIL;
}

void bench_close(const struct bench_impl *im, void *st, struct bench_conn *c)
{
	if (c->so != NULL)
		im->close(st, c->so);
	else if (c->connected)
		im->remove(st, &c->key, c->value);
	c->so = NULL;
	c->connected = false;
}
