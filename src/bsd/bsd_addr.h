/*
 * bsd_addr.h - socket addresses in and out of the BSD calls (bsd_addr.c).
 */
#ifndef INPCB_BSD_ADDR_H
#define INPCB_BSD_ADDR_H

#include "bsd_internal.h"

/* An address the program passes: NULL -EFAULT, a bad length -EINVAL. */
int addr_in_check(const struct sockaddr *a, socklen_t len);

/*
 * Copy sslen bytes of ss out to a (at most *alen of them) and set *alen
 * to sslen.  Both NULL: nothing to do (recvfrom, accept); one of them
 * NULL: -EFAULT; *alen negative as an int: -EINVAL.
 */
int addr_out(const struct sockaddr_storage *ss, socklen_t sslen,
             struct sockaddr *a, socklen_t *alen);

#endif
