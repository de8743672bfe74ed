/*
 * rss_internal.h - RSS helpers for the rest of the library: the local
 * ports whose reply tuple lands in a chosen RSS bucket (rss_ports.c).
 */
#ifndef INPCB_RSS_INTERNAL_H
#define INPCB_RSS_INTERNAL_H

#include "base/base.h"

#define RSS_MAX_BITS 7          /* RSS-10: at most 128 buckets */

/*
 * The ports x with bucket(toeplitz(reply tuple with lport = x)) == b, as
 * the reduced row echelon form of the m linear equations over the 16
 * port bits (m = bits): row r fixes port bit pivot[r] from the free bits
 * above it.  none: no port at all lands in the bucket.
 */
struct rss_portsol {
	uint16_t row[RSS_MAX_BITS];     /* free bits of row r */
	uint8_t rhs[RSS_MAX_BITS];
	int8_t row_of[16];              /* port bit -> its row, or -1 */
	bool none;
};

/*
 * Solve for a reply tuple src = faddr:fport, dst = laddr (the lport left
 * zero), family af (addresses 4 or 16 bytes, network order, no zone),
 * under key, for bucket `bucket` of 2^bits (bits 1..RSS_MAX_BITS).
 * -EINVAL on bad arguments.
 */
int rss_port_solve(const uint8_t key[INP_RSS_KEYLEN], int af,
                   const void *faddr, uint16_t fport, const void *laddr,
                   unsigned bits, unsigned bucket, struct rss_portsol *s);

/* The smallest solution in [from, to], or -1. */
long rss_port_next(const struct rss_portsol *s, unsigned from, unsigned to);

#endif
