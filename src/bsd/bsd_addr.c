/*
 * bsd_addr.c - socket addresses across the BSD boundary: checking what
 * the program passes in and copying out what the stack reports, truncated
 * to the program's buffer with the real length returned, as BSD does.
 */
#include "bsd_addr.h"

#include <string.h>

int addr_in_check(const struct sockaddr *a, socklen_t len)
{
	if (a == NULL)
		return -EFAULT;
	/* the family must be readable; no address is larger than this */
	if (len < sizeof(sa_family_t) + offsetof(struct sockaddr, sa_family) ||
	    len > sizeof(struct sockaddr_storage))
		return -EINVAL;
	return 0;
}

int addr_out(const struct sockaddr_storage *ss, socklen_t sslen,
             struct sockaddr *a, socklen_t *alen)
{
	socklen_t n;

	if (a == NULL && alen == NULL)
		return 0;
	if (a == NULL || alen == NULL)
		return -EFAULT;
	if ((int)*alen < 0)
		return -EINVAL;
	n = *alen < sslen ? *alen : sslen;
	memcpy(a, ss, n);
	*alen = sslen;
	return 0;
}
