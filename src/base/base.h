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
 * Record the rule that decided an outcome.  A macro so that a NULL why
 * costs one branch and nothing else: the arguments, which often format
 * addresses (fmt_in4, pcb_describe), are evaluated only when someone asked
 * for an explanation.  Callers on fast paths pass why through
 * unconditionally.
 */
#define explain(why, ...)                                                  \
	do {                                                               \
		struct inp_explain *explain_why_ = (why);                  \
		if (explain_why_ != NULL)                                  \
			explain_record(explain_why_, __VA_ARGS__);         \
	} while (0)
void explain_record(struct inp_explain *why, const char *rule,
                    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

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
/*
 * Addresses that live in a zone (RFC 4007): link-local unicast fe80::/10
 * and interface-local (scope 1) or link-local (scope 2) multicast, any
 * flags (ff01::/16, ff02::/16, ff12::/16, ...).  The predicate reads
 * bytes 0-1 only, so it holds for an address with its zone embedded.
 */
static inline bool in6_is_scoped(const struct in6_addr *a)
{
	unsigned mscope = a->s6_addr[1] & 0x0f;

	return in6_is_linklocal(a) ||
	       (in6_is_multicast(a) && (mscope == 1 || mscope == 2));
}

/*
 * IPv6 zones inside addresses, the KAME way (FreeBSD's in6_setscope() /
 * in6_clearscope(), our own code): the PCB layer keeps a scoped address
 * with its zone -- the interface index, 16 bits -- in bytes 2-3, network
 * order.  Those bytes are zero in a scoped address on the wire (fe80::/64
 * is the link-local prefix, ff0X:0000::/32 the usual multicast form), so
 * fe80::1%em0 and fe80::1%em1 become different 16-byte values and every
 * comparison and hash of the PCB layer tells zones apart without knowing
 * about them.  (A unicast-prefix-based link-scope group, ff32:0040::,
 * loses its byte 3 as in FreeBSD.)
 *
 * in6_embed_zone() is called exactly once where an address enters the PCB
 * layer (bind, connect, accept, lookups, delivery, memberships) and
 * in6_clear_zone() where it leaves (sockaddr_in6 with sin6_scope_id,
 * messages).  Unscoped addresses, and IPv4 addresses in the 4in6 form,
 * pass unchanged.  Interface indexes never exceed 0xffff (inp_if_create).
 */
static inline void in6_embed_zone(struct in6_addr *a, unsigned zone)
{
	if (!in6_is_scoped(a))
		return;
	/* Overwrite: an application's bytes 2-3 never forge a zone. */
	a->s6_addr[2] = (uint8_t)((zone >> 8) & 0xff);
	a->s6_addr[3] = (uint8_t)(zone & 0xff);
}

/* The zone embedded in a, 0 when none or when a is not scoped. */
static inline unsigned in6_zone(const struct in6_addr *a)
{
	if (!in6_is_scoped(a))
		return 0;
	return ((unsigned)a->s6_addr[2] << 8) | a->s6_addr[3];
}

/* Take the zone out of a: a is the wire form afterwards; returns it. */
static inline unsigned in6_clear_zone(struct in6_addr *a)
{
	unsigned zone = in6_zone(a);

	if (zone != 0)
		a->s6_addr[2] = a->s6_addr[3] = 0;
	return zone;
}

/* The largest zone (interface index) in6_embed_zone() can hold. */
#define IN6_ZONE_MAX 0xffffu
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

/*
 * Large, long-lived memory on transparent huge pages (huge.c): zeroed;
 * from HUGE_PAGE_SIZE up it is a 2 MiB-aligned mapping with MADV_HUGEPAGE,
 * below that calloc().  huge_free() takes the length huge_alloc() got.
 */
#define HUGE_PAGE_SIZE ((size_t)2 << 20)
void *huge_alloc(size_t len);
void huge_free(void *p, size_t len);

#endif
