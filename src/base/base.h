/*
 * base.h - small helpers every module of the library uses: explanations,
 * address helpers, object names, the host's clock and random source.
 */
#ifndef INPCB_BASE_H
#define INPCB_BASE_H

#include <inpcb/inpcb.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

/*
 * Record the rule that decided an outcome.  No-op when why is NULL, so
 * callers on fast paths pass it through unconditionally.
 */
void explain(struct inp_explain *why, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Host's injected clock and random source (defaults when not injected). */
uint64_t host_now_ns(const struct inp_host *host);
uint32_t host_random32(struct inp_host *host);

/* Format an address or endpoint for messages: "192.0.2.1", "[::1]:80". */
const char *fmt_in4(struct in_addr a, char *buf, size_t len);
const char *fmt_in6(const struct in6_addr *a, char *buf, size_t len);
const char *fmt_sockaddr(const struct sockaddr *sa, char *buf, size_t len);

/* IPv4 address classes (network-order arguments). */
static inline bool in4_is_any(struct in_addr a) { return a.s_addr == 0; }
static inline bool in4_is_multicast(struct in_addr a)
{
	return (ntohl(a.s_addr) & 0xf0000000u) == 0xe0000000u;
}
static inline bool in4_is_bcast_all(struct in_addr a)
{
	return a.s_addr == 0xffffffffu;
}
static inline bool in4_is_loopback(struct in_addr a)
{
	return a.s_addr == htonl(INADDR_LOOPBACK);
}
static inline uint32_t in4_mask(unsigned plen)
{
	return plen == 0 ? 0 : htonl(0xffffffffu << (32 - plen));
}

/* IPv6 helpers. */
static inline bool in6_is_any(const struct in6_addr *a)
{
	static const struct in6_addr any;
	return memcmp(a, &any, sizeof(any)) == 0;
}
static inline bool in6_equal(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}
static inline bool in6_is_v4mapped(const struct in6_addr *a)
{
	return a->s6_addr32[0] == 0 && a->s6_addr32[1] == 0 &&
	       a->s6_addr32[2] == htonl(0xffff);
}
static inline struct in_addr in6_v4mapped_addr(const struct in6_addr *a)
{
	struct in_addr v4 = { a->s6_addr32[3] };
	return v4;
}
static inline void in6_make_v4mapped(struct in6_addr *a, struct in_addr v4)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr32[2] = htonl(0xffff);
	a->s6_addr32[3] = v4.s_addr;
}
static inline bool in6_is_multicast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;
}
static inline bool in6_is_linklocal(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}
static inline bool in6_is_loopback(const struct in6_addr *a)
{
	static const struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;
	return in6_equal(a, &lo);
}
/* Multicast scope: interface-local (1) and link-local (2) need a zone. */
static inline bool in6_is_scoped(const struct in6_addr *a)
{
	return in6_is_linklocal(a) ||
	       (in6_is_multicast(a) && (a->s6_addr[1] & 0x0f) <= 2);
}
bool in6_prefix_match(const struct in6_addr *a, const struct in6_addr *b,
                      unsigned plen);

/* Validate a sockaddr of the given length; returns its family or -errno. */
int sockaddr_check(const struct sockaddr *sa, socklen_t len);

/*
 * Names of interfaces, vnets and jails (name.c): [A-Za-z0-9_.-]+, shorter
 * than INP_NAME_MAX.  NAME_LETTER_FIRST: the first character is a letter
 * or '_' (interfaces).  NAME_DOTTED: '.' separates non-empty components
 * (jails: "parent.child").
 */
#define NAME_LETTER_FIRST 0x1
#define NAME_DOTTED       0x2
bool name_is_valid(const char *name, unsigned rules);

#endif
