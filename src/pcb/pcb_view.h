/*
 * pcb_view.h - a PCB seen from one address family: the family flag a
 * lookup needs (spec 5.1), addresses compared in that family's width, and
 * the jail tests of 5.2 / G3.  Private to src/pcb.
 *
 * IPv4 addresses live in the last four bytes of union inp_addr (IA4) with
 * the first twelve zero, so comparing IA4 alone is the IPv4 view of any
 * PCB: a v4-mapped bind of an AF_INET6 socket and a dual-stack '::' PCB
 * both read correctly.
 */
#ifndef INPCB_PCB_VIEW_H
#define INPCB_PCB_VIEW_H

#include "pcb/pcb_internal.h"

/* The vflag bit that lets a PCB see traffic of family af. */
static inline unsigned view_vflag(int af)
{
	return af == AF_INET ? INP_V_IPV4 : INP_V_IPV6;
}

static inline bool view_addr_eq(const union inp_addr *a,
                                const union inp_addr *b, int af)
{
	if (af == AF_INET)
		return IA4(*a).s_addr == IA4(*b).s_addr;
	return in6_equal(&a->a6, &b->a6);
}

static inline bool view_addr_any(const union inp_addr *a, int af)
{
	if (af == AF_INET)
		return IA4(*a).s_addr == INADDR_ANY;
	return inp_addr_is_any(a);
}

/* An address in the canonical form of family af (IPv4: 4in6, pad zero). */
static inline void view_addr_norm(union inp_addr *out,
                                  const union inp_addr *in, int af)
{
	if (af == AF_INET) {
		memset(out, 0, sizeof(*out));
		IA4(*out) = IA4(*in);
	} else {
		*out = *in;
	}
}

/*
 * J3 with the PCB's credential, as lookups use it (6.3): does the jail
 * that decides family af for cred own local address a?  Jail addresses
 * have no zone, so a scoped a is compared without its own.  Dereferences
 * the credential and the jail: only with the hash mutex or the PCB's lock
 * held, never in a lockless walk (LC-22), which uses lk_bits and checks
 * this on the PCB it has locked (pcb_lookup_rcu.c).
 */
static inline bool view_jail_owns(const struct inp_cred *cred, int af,
                                  const union inp_addr *a)
{
	struct in6_addr bare;

	if (af == AF_INET)
		return prison_owns_ip4(prison_owner(cred, AF_INET), IA4(*a));
	bare = a->a6;
	(void)in6_clear_zone(&bare);
	return prison_owns_ip6(prison_owner(cred, AF_INET6), &bare);
}

#endif
