/*
 * inpcb/jail.h - prisons, credentials and privileges.
 *
 * Jails form a tree per host; the host itself (FreeBSD's prison0) is the
 * root and is never "jailed".  A child is named "parent.child".  Each jail
 * lives in one vnet (the vnet given at creation) and, per address family,
 * either inherits its parent's restriction, has its own address list, or is
 * disabled for that family (spec J1).  The first address given is the
 * primary address (J2).
 *
 * A credential captures a uid, a jail and a privilege set.  Sockets keep the
 * credential they were created with (reference counted).
 *
 * Threading: jail and credential changes take the host lock.
 */
#ifndef INPCB_JAIL_H
#define INPCB_JAIL_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Per-family mode of a jail (spec J1). */
enum inp_jail_mode {
	INP_JAIL_DISABLE = 0, /* restricted to no addresses (the default) */
	INP_JAIL_INHERIT,     /* the parent's restriction and namespace */
	INP_JAIL_NEW,         /* its own address list */
};

#define INP_JAIL_MAX_ADDRS 64

struct inp_jail_params {
	enum inp_jail_mode ip4_mode;
	unsigned n_ip4;
	struct in_addr ip4[INP_JAIL_MAX_ADDRS];  /* ip4[0] is the primary */
	enum inp_jail_mode ip6_mode;
	unsigned n_ip6;
	struct in6_addr ip6[INP_JAIL_MAX_ADDRS]; /* ip6[0] is the primary */
	bool ip4_saddrsel;          /* default true (J2a) */
	bool ip6_saddrsel;          /* default true */
	bool allow_reserved_ports;  /* default false (J12) */
};

/* Fill params with the defaults: both families disabled, saddrsel on. */
void inp_jail_params_init(struct inp_jail_params *params);

/*
 * Create jail name in vnet.  "p.c" creates a child of the existing jail p.
 * Errors: -EINVAL (bad name, parameters, or NEW with no address), -EEXIST,
 * -ENOENT (parent missing), -EPERM (a child's addresses are not a subset of
 * its parent's, J10), -EADDRINUSE (address clash, J11), -ENOBUFS (limit).
 */
int inp_jail_create(struct inp_host *host, struct inp_vnet *vnet,
                    const char *name, const struct inp_jail_params *params,
                    struct inp_jail **out);

/* Find a jail by its full name; NULL if none. */
struct inp_jail *inp_jail_find(struct inp_host *host, const char *name);
const char *inp_jail_name(const struct inp_jail *jail);

/*
 * Remove a jail: -EBUSY while a socket (PCB) or a child jail uses it.
 * Credentials that name it keep its memory alive but no longer make it
 * findable; sockets cannot be created with them afterwards (-EINVAL).
 */
int inp_jail_remove(struct inp_jail *jail);

/* Privileges (FreeBSD PRIV_NETINET_*). */
#define INP_PRIV_RESERVEDPORT 0x1 /* bind below reservedhigh, low range */
#define INP_PRIV_REUSEPORT    0x2 /* exempt from port theft checks (T1) */
#define INP_PRIV_BINDANY      0x4 /* IP_BINDANY / IPV6_BINDANY */
#define INP_PRIV_ALL          0x7
#define INP_PRIV_DEFAULT      (-1) /* FreeBSD's defaults for uid and jail */

/*
 * Create a credential for uid in jail (NULL: the host).  privs is a mask of
 * INP_PRIV_* or INP_PRIV_DEFAULT, which follows FreeBSD (spec section 6.5):
 * host uid 0 has all; jailed uid 0 has REUSEPORT, and RESERVEDPORT only if
 * the jail allows reserved ports; any other uid has none.
 * The new credential has one reference, owned by the caller.
 */
int inp_cred_create(struct inp_host *host, uint32_t uid,
                    struct inp_jail *jail, int privs, struct inp_cred **out);
void inp_cred_ref(struct inp_cred *cred);
void inp_cred_rele(struct inp_cred *cred);

uint32_t inp_cred_uid(const struct inp_cred *cred);
struct inp_jail *inp_cred_jail(const struct inp_cred *cred);
bool inp_cred_has_priv(const struct inp_cred *cred, unsigned priv);

#ifdef __cplusplus
}
#endif
#endif
