/*
 * prison.c - the prison_* checks of spec 6.2 (J3-J9) as the PCB layer
 * calls them.  Each check finds the jail whose own setting applies to the
 * family (walking up over `inherit`, J1/J8) and answers from its address
 * list; the table of 6.2 is followed row by row:
 *
 *   unrestricted credential   -> allowed, address unchanged
 *   restricted, no addresses  -> EAFNOSUPPORT (J6: "select normally")
 *   restricted with addresses -> per function below
 *
 * Jail address lists are immutable after creation: no lock is needed.
 */
#include "jail/jail_internal.h"

const struct inp_jail *prison_owner(const struct inp_cred *cred, int af)
{
	const struct inp_jail *j;

	if (cred == NULL || (af != AF_INET && af != AF_INET6))
		return NULL;
	for (j = cred->jail; j != NULL; j = j->parent) {
		const struct prison_af *paf = af == AF_INET ? &j->ip4 : &j->ip6;
		if (paf->mode != INP_JAIL_INHERIT)
			break;
	}
	return j;
}

bool prison_restricts(const struct inp_cred *cred, int af)
{
	return prison_owner(cred, af) != NULL;
}

/* ---- IPv4 ------------------------------------------------------------ */

int prison_check_ip4(const struct inp_cred *cred, struct in_addr a)
{
	const struct inp_jail *o = prison_owner(cred, AF_INET);

	if (o == NULL)
		return 0;
	if (o->ip4.n == 0)
		return -EAFNOSUPPORT;
	return prison_owns_ip4(o, a) ? 0 : -EADDRNOTAVAIL;
}

/*
 * J4 [cur]: the wildcard becomes the only address of a single-address
 * jail; 127.0.0.1 becomes the primary address only when the jail does not
 * list 127.0.0.1 itself (V11).
 */
int prison_local_ip4(const struct inp_cred *cred, struct in_addr *a)
{
	const struct inp_jail *o = prison_owner(cred, AF_INET);

	if (a == NULL)
		return -EINVAL;
	if (o == NULL)
		return 0;
	if (o->ip4.n == 0)
		return -EAFNOSUPPORT;
	if (in4_is_any(*a)) {
		if (o->ip4.n == 1)
			*a = o->ip4.addrs.a4[0];
		return 0;
	}
	if (prison_owns_ip4(o, *a))
		return 0;
	if (in4_is_loopback(*a)) {
		*a = o->ip4.addrs.a4[0];
		return 0;
	}
	return -EADDRNOTAVAIL;
}

/* J5: only the loopback address is rewritten, and only if not listed. */
int prison_remote_ip4(const struct inp_cred *cred, struct in_addr *a)
{
	const struct inp_jail *o = prison_owner(cred, AF_INET);

	if (a == NULL)
		return -EINVAL;
	if (o == NULL)
		return 0;
	if (o->ip4.n == 0)
		return -EAFNOSUPPORT;
	if (in4_is_loopback(*a) && !prison_owns_ip4(o, *a))
		*a = o->ip4.addrs.a4[0];
	return 0;
}

/*
 * J6 / S1: saddrsel is the credential's own jail's setting (J2a: not
 * inherited); the restriction and the primary come from the owner.
 */
bool prison_saddrsel_ip4(const struct inp_cred *cred, struct in_addr *a)
{
	const struct inp_jail *o = prison_owner(cred, AF_INET);

	if (o == NULL || o->ip4.n == 0 || a == NULL || cred->jail->ip4.saddrsel)
		return false;
	*a = o->ip4.addrs.a4[0];
	return true;
}

int prison_get_ip4(const struct inp_cred *cred, struct in_addr *a)
{
	const struct inp_jail *o = prison_owner(cred, AF_INET);

	if (a == NULL)
		return -EINVAL;
	if (o == NULL)
		return 0;
	if (o->ip4.n == 0)
		return -EAFNOSUPPORT;
	*a = o->ip4.addrs.a4[0];
	return 0;
}

/* ---- IPv6 ------------------------------------------------------------ */

int prison_check_ip6(const struct inp_cred *cred, const struct in6_addr *a)
{
	const struct inp_jail *o = prison_owner(cred, AF_INET6);

	if (o == NULL)
		return 0;
	if (o->ip6.n == 0)
		return -EAFNOSUPPORT;
	return prison_owns_ip6(o, a) ? 0 : -EADDRNOTAVAIL;
}

/* J4 for IPv6: '::' is narrowed only for a V6ONLY socket (2.6). */
int prison_local_ip6(const struct inp_cred *cred, struct in6_addr *a,
                     bool v6only)
{
	const struct inp_jail *o = prison_owner(cred, AF_INET6);

	if (a == NULL)
		return -EINVAL;
	if (o == NULL)
		return 0;
	if (o->ip6.n == 0)
		return -EAFNOSUPPORT;
	if (in6_is_any(a)) {
		if (o->ip6.n == 1 && v6only)
			*a = o->ip6.addrs.a6[0];
		return 0;
	}
	if (prison_owns_ip6(o, a))
		return 0;
	if (in6_is_loopback(a)) {
		*a = o->ip6.addrs.a6[0];
		return 0;
	}
	return -EADDRNOTAVAIL;
}

int prison_remote_ip6(const struct inp_cred *cred, struct in6_addr *a)
{
	const struct inp_jail *o = prison_owner(cred, AF_INET6);

	if (a == NULL)
		return -EINVAL;
	if (o == NULL)
		return 0;
	if (o->ip6.n == 0)
		return -EAFNOSUPPORT;
	if (in6_is_loopback(a) && !prison_owns_ip6(o, a))
		*a = o->ip6.addrs.a6[0];
	return 0;
}

bool prison_saddrsel_ip6(const struct inp_cred *cred, struct in6_addr *a)
{
	const struct inp_jail *o = prison_owner(cred, AF_INET6);

	if (o == NULL || o->ip6.n == 0 || a == NULL || cred->jail->ip6.saddrsel)
		return false;
	*a = o->ip6.addrs.a6[0];
	return true;
}

int prison_get_ip6(const struct inp_cred *cred, struct in6_addr *a)
{
	const struct inp_jail *o = prison_owner(cred, AF_INET6);

	if (a == NULL)
		return -EINVAL;
	if (o == NULL)
		return 0;
	if (o->ip6.n == 0)
		return -EAFNOSUPPORT;
	*a = o->ip6.addrs.a6[0];
	return 0;
}

/* ---- namespaces and families ------------------------------------------ */

/* J8: same namespace owner (host and jails, siblings: separate spaces). */
bool prison_equal(const struct inp_cred *c1, const struct inp_cred *c2,
                  int af)
{
	return prison_owner(c1, af) == prison_owner(c2, af);
}

/* J9: a family disabled in the jail refuses sockets of that family. */
int prison_check_af(const struct inp_cred *cred, int af)
{
	const struct inp_jail *o;

	if (af != AF_INET && af != AF_INET6)
		return -EAFNOSUPPORT;
	o = prison_owner(cred, af);
	if (o == NULL)
		return 0;
	return (af == AF_INET ? o->ip4.n : o->ip6.n) == 0 ? -EAFNOSUPPORT : 0;
}
