/*
 * jail_internal.h - prisons, credentials and the prison_* checks of spec
 * section 6, as the PCB layer calls them.
 *
 * Every check takes a credential (the caller's or the PCB's) and works on
 * network-order addresses.  Results follow spec section 6.2 exactly:
 * 0, -EAFNOSUPPORT or -EADDRNOTAVAIL.
 */
#ifndef INPCB_JAIL_INTERNAL_H
#define INPCB_JAIL_INTERNAL_H

#include "net/net_internal.h"

/* One family's setting of a jail. */
struct prison_af {
	enum inp_jail_mode mode;
	unsigned n;        /* number of addresses */
	/* addrs[0] is the primary; addrs[1..n) sorted for binary search */
	union {
		struct in_addr *a4;
		struct in6_addr *a6;
	} addrs;
	bool saddrsel;
};

struct inp_jail {
	struct inp_host *host;
	struct inp_vnet *vnet;
	struct inp_jail *parent;        /* NULL: child of the host */
	struct inp_jail *next;          /* host->jails */
	char name[INP_NAME_MAX];        /* full dotted name */
	struct prison_af ip4, ip6;
	bool allow_reserved_ports;
	bool removed;                   /* inp_jail_remove() done */
	_Atomic unsigned refs;          /* credentials and children hold it */
	_Atomic unsigned nchildren;     /* live child jails (EBUSY) */
	_Atomic unsigned npcbs;         /* PCBs of its credentials (EBUSY) */
};

struct inp_cred {
	_Atomic unsigned refcount;
	struct inp_host *host;
	uint32_t uid;
	struct inp_jail *jail;          /* NULL: the host (prison0) */
	unsigned privs;                 /* INP_PRIV_* after defaults */
};

/* A jail's own setting for af (AF_INET, else AF_INET6). */
static inline const struct prison_af *jail_af(const struct inp_jail *j,
                                              int af)
{
	return af == AF_INET ? &j->ip4 : &j->ip6;
}

/*
 * The jail whose own setting for af applies to j: j or the first ancestor
 * that does not inherit af (NULL: the host, unrestricted).
 */
const struct inp_jail *jail_owner(const struct inp_jail *j, int af);

/*
 * The jail whose setting applies to family af for cred: walk up from the
 * credential's jail over INHERIT jails.  NULL means unrestricted (the host).
 * This is also the J8 namespace owner.
 */
const struct inp_jail *prison_owner(const struct inp_cred *cred, int af);

/* J1: the credential's jail restricts af (effective mode NEW or DISABLE). */
bool prison_restricts(const struct inp_cred *cred, int af);

/* J3: may cred use address a? */
int prison_check_ip4(const struct inp_cred *cred, struct in_addr a);
int prison_check_ip6(const struct inp_cred *cred, const struct in6_addr *a);

/* J4: rewrite/check a local (bind) address; v6only matters for '::'. */
int prison_local_ip4(const struct inp_cred *cred, struct in_addr *a);
int prison_local_ip6(const struct inp_cred *cred, struct in6_addr *a,
                     bool v6only);

/* J5: rewrite a remote (connect/sendto) address. */
int prison_remote_ip4(const struct inp_cred *cred, struct in_addr *a);
int prison_remote_ip6(const struct inp_cred *cred, struct in6_addr *a);

/*
 * J6: true ("use it") when the jail restricts the family, has saddrsel off
 * and has an address: *a is set to the primary.  false: select normally.
 */
bool prison_saddrsel_ip4(const struct inp_cred *cred, struct in_addr *a);
bool prison_saddrsel_ip6(const struct inp_cred *cred, struct in6_addr *a);

/* J7: the primary address (unchanged *a and 0 when unrestricted). */
int prison_get_ip4(const struct inp_cred *cred, struct in_addr *a);
int prison_get_ip6(const struct inp_cred *cred, struct in6_addr *a);

/* J8: same namespace for af. */
bool prison_equal(const struct inp_cred *c1, const struct inp_cred *c2,
                  int af);

/* J9: may a socket of family af be created? 0 or -EAFNOSUPPORT. */
int prison_check_af(const struct inp_cred *cred, int af);

/* Membership in a specific jail's effective list (used by lookups). */
bool prison_owns_ip4(const struct inp_jail *owner, struct in_addr a);
bool prison_owns_ip6(const struct inp_jail *owner, const struct in6_addr *a);

/* Privileges with FreeBSD's defaults applied at credential creation. */
static inline bool cred_priv(const struct inp_cred *cred, unsigned priv)
{
	return (cred->privs & priv) != 0;
}

/*
 * A PCB starts / stops using cred (pcb_alloc / final release): keeps the
 * jail's PCB count for inp_jail_remove()'s EBUSY.  Also takes / drops a
 * credential reference.
 */
void cred_pcb_attach(struct inp_cred *cred);
void cred_pcb_detach(struct inp_cred *cred);

/* Destroy every jail of a host (host destruction). */
void jails_destroy_all(struct inp_host *host);

/*
 * Jail references (jail.c): the host's list, credentials and child jails
 * hold one each; the memory goes with the last.  Never takes the host lock.
 */
void jail_hold(struct inp_jail *jail);
void jail_drop(struct inp_jail *jail);

#endif
