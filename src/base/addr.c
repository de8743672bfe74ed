/*
 * addr.c - address helpers shared by every module: formatting addresses
 * for messages, IPv6 prefix comparison, and sockaddr validation.
 */
#include "base/base.h"

#include <stdio.h>

const char *fmt_in4(struct in_addr a, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return "";
	if (inet_ntop(AF_INET, &a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *fmt_in6(const struct in6_addr *a, char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return "";
	if (a == NULL || inet_ntop(AF_INET6, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

/* "192.0.2.1:80", "[2001:db8::1]:80", "[fe80::1%2]:80" (zone as index). */
const char *fmt_sockaddr(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (buf == NULL || len == 0)
		return "";
	if (sa == NULL) {
		snprintf(buf, len, "(null)");
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		snprintf(buf, len, "%s:%u", fmt_in4(sin->sin_addr, a, sizeof(a)),
		         ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		fmt_in6(&sin6->sin6_addr, a, sizeof(a));
		if (sin6->sin6_scope_id != 0)
			snprintf(buf, len, "[%s%%%u]:%u", a, sin6->sin6_scope_id,
			         ntohs(sin6->sin6_port));
		else
			snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
	return buf;
}

bool in6_prefix_match(const struct in6_addr *a, const struct in6_addr *b,
                      unsigned plen)
{
	unsigned bytes, bits;

	if (a == NULL || b == NULL)
		return false;
	if (plen > 128)
		plen = 128;
	bytes = plen / 8;
	bits = plen % 8;
	if (memcmp(a->s6_addr, b->s6_addr, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((a->s6_addr[bytes] ^ b->s6_addr[bytes]) &
	        (uint8_t)(0xff << (8 - bits))) == 0;
}

/*
 * The family of sa, after checking that len is exactly the size of that
 * family's sockaddr (B3: a wrong length is EINVAL).  Families other than
 * AF_INET and AF_INET6 are -EAFNOSUPPORT (B2); callers that accept
 * AF_UNSPEC for 0.0.0.0 handle it before calling.
 */
int sockaddr_check(const struct sockaddr *sa, socklen_t len)
{
	if (sa == NULL || len < (socklen_t)(offsetof(struct sockaddr, sa_family) +
	                                    sizeof(sa->sa_family)))
		return -EINVAL;
	switch (sa->sa_family) {
	case AF_INET:
		return len == sizeof(struct sockaddr_in) ? AF_INET : -EINVAL;
	case AF_INET6:
		return len == sizeof(struct sockaddr_in6) ? AF_INET6 : -EINVAL;
	default:
		return -EAFNOSUPPORT;
	}
}
