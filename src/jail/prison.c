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
	if (cred == NULL || (af != AF_INET && af != AF_INET6))
		return NULL;
	return jail_owner(cred->jail, af);
}

bool prison_restricts(const struct inp_cred *cred, int af)
{
	return prison_owner(cred, af) != NULL;
}

/*
 * The first two rows of the 6.2 table, shared by every check: the jail
 * that restricts af for cred when it has addresses to answer from.  NULL
 * with *rc 0: unrestricted (allowed, nothing rewritten); NULL with
 * *rc -EAFNOSUPPORT: restricted without an address.
 */
static const struct inp_jail *prison_listed(const struct inp_cred *cred,
                                            int af, int *rc)
{
	const struct inp_jail *o = prison_owner(cred, af);

	*rc = 0;
	if (o != NULL && jail_af(o, af)->n == 0) {
		*rc = -EAFNOSUPPORT;
		o = NULL;
	}
	return o;
}

/* The owner's primary address for af (the first of its list) into a. */
static void prison_primary(const struct inp_jail *o, int af, void *a)
{
	if (af == AF_INET)
		*(struct in_addr *)a = o->ip4.addrs.a4[0];
	else
		*(struct in6_addr *)a = o->ip6.addrs.a6[0];
}

/*
 * J6 / S1: saddrsel is the credential's own jail's setting (J2a: not
 * inherited); the restriction and the primary come from the owner.
 */
static bool prison_saddrsel(const struct inp_cred *cred, int af, void *a)
{
	int rc;
	const struct inp_jail *o = prison_listed(cred, af, &rc);

	if (o == NULL || a == NULL || jail_af(cred->jail, af)->saddrsel)
		return false;
	prison_primary(o, af, a);
	return true;
}

/* J7: the primary address; *a unchanged when unrestricted. */
static int prison_get(const struct inp_cred *cred, int af, void *a)
{
	const struct inp_jail *o;
	int rc;

	if (a == NULL)
		return -EINVAL;
	o = prison_listed(cred, af, &rc);
	if (o != NULL)
		prison_primary(o, af, a);
	return rc;
}

/* ---- IPv4 ------------------------------------------------------------ */

int prison_check_ip4(const struct inp_cred *cred, struct in_addr a)
{
	int rc;
	const struct inp_jail *o = prison_listed(cred, AF_INET, &rc);

	if (o == NULL)
		return rc;
	return prison_owns_ip4(o, a) ? 0 : -EADDRNOTAVAIL;
}

/*
 * J4 [cur]: the wildcard becomes the only address of a single-address
 * jail; 127.0.0.1 becomes the primary address only when the jail does not
 * list 127.0.0.1 itself (V11).
 */
int prison_local_ip4(const struct inp_cred *cred, struct in_addr *a)
{
	const struct inp_jail *o;
	int rc;

	if (a == NULL)
		return -EINVAL;
	o = prison_listed(cred, AF_INET, &rc);
	if (o == NULL)
		return rc;
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
	const struct inp_jail *o;
	int rc;

	if (a == NULL)
		return -EINVAL;
	o = prison_listed(cred, AF_INET, &rc);
	if (o != NULL && in4_is_loopback(*a) && !prison_owns_ip4(o, *a))
		*a = o->ip4.addrs.a4[0];
	return rc;
}

bool prison_saddrsel_ip4(const struct inp_cred *cred, struct in_addr *a)
{
	return prison_saddrsel(cred, AF_INET, a);
}

int prison_get_ip4(const struct inp_cred *cred, struct in_addr *a)
{
	return prison_get(cred, AF_INET, a);
}

/* ---- IPv6 ------------------------------------------------------------ */

int prison_check_ip6(const struct inp_cred *cred, const struct in6_addr *a)
{
	int rc;
	const struct inp_jail *o = prison_listed(cred, AF_INET6, &rc);

	if (o == NULL)
		return rc;
	return prison_owns_ip6(o, a) ? 0 : -EADDRNOTAVAIL;
}

/* J4 for IPv6: '::' is narrowed only for a V6ONLY socket (2.6). */
int prison_local_ip6(const struct inp_cred *cred, struct in6_addr *a,
                     bool v6only)
{
	const struct inp_jail *o;
	int rc;

	if (a == NULL)
		return -EINVAL;
	o = prison_listed(cred, AF_INET6, &rc);
	if (o == NULL)
		return rc;
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
	const struct inp_jail *o;
	int rc;

	if (a == NULL)
		return -EINVAL;
	o = prison_listed(cred, AF_INET6, &rc);
	if (o != NULL && in6_is_loopback(a) && !prison_owns_ip6(o, a))
		*a = o->ip6.addrs.a6[0];
	return rc;
}

bool prison_saddrsel_ip6(const struct inp_cred *cred, struct in6_addr *a)
{
	return prison_saddrsel(cred, AF_INET6, a);
}

int prison_get_ip6(const struct inp_cred *cred, struct in6_addr *a)
{
	return prison_get(cred, AF_INET6, a);
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
	int rc;

	if (af != AF_INET && af != AF_INET6)
		return -EAFNOSUPPORT;
	(void)prison_listed(cred, af, &rc);
	return rc;
}
