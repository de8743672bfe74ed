/*
 * jail.c - the jail tree of a host (spec 6.1, 6.4): creation with its
 * parameter checks, the subset rule J10, the address clash rule J11,
 * removal (J11a) and the jail reference counts.
 *
 * A jail's address lists never change after creation, so the prison_*
 * checks read them without a lock.  The host lock covers the jail list,
 * the children counts and vnet->n_jails.
 */
#include "jail/jail_internal.h"

#include <stdio.h>
#include <stdlib.h>

void inp_jail_params_init(struct inp_jail_params *params)
{
	if (params == NULL)
		return;
	memset(params, 0, sizeof(*params));
	params->ip4_mode = INP_JAIL_DISABLE;
	params->ip6_mode = INP_JAIL_DISABLE;
	params->ip4_saddrsel = true;    /* J2a */
	params->ip6_saddrsel = true;
	params->allow_reserved_ports = false;   /* J12 */
}

/* ---- references ------------------------------------------------------ */

void jail_hold(struct inp_jail *jail)
{
	if (jail != NULL)
		atomic_fetch_add_explicit(&jail->refs, 1, memory_order_relaxed);
}

static void jail_free(struct inp_jail *jail)
{
	free(jail->ip4.addrs.a4);
	free(jail->ip6.addrs.a6);
	free(jail);
}

/* The last reference frees the jail, which releases its parent. */
void jail_drop(struct inp_jail *jail)
{
	while (jail != NULL &&
	       atomic_fetch_sub_explicit(&jail->refs, 1,
	                                 memory_order_acq_rel) == 1) {
		struct inp_jail *parent = jail->parent;
		jail_free(jail);
		jail = parent;
	}
}

/* ---- names ----------------------------------------------------------- */

static struct inp_jail *jail_lookup_locked(struct inp_host *host,
                                           const char *name, size_t len)
{
	struct inp_jail *j;

	for (j = host->jails; j != NULL; j = j->next)
		if (strlen(j->name) == len && strncmp(j->name, name, len) == 0)
			return j;
	return NULL;
}

/* The parent named by everything before the last dot (NULL: the host). */
static int jail_parent_locked(struct inp_host *host, const char *name,
                              struct inp_jail **parent)
{
	const char *dot = strrchr(name, '.');

	*parent = NULL;
	if (dot == NULL)
		return 0;
	*parent = jail_lookup_locked(host, name, (size_t)(dot - name));
	return *parent != NULL ? 0 : -ENOENT;
}

/* ---- address lists (J2) ---------------------------------------------- */

static int cmp_in4(const void *a, const void *b)
{
	uint32_t x = ntohl(((const struct in_addr *)a)->s_addr);
	uint32_t y = ntohl(((const struct in_addr *)b)->s_addr);
	return x < y ? -1 : x > y;
}

static int cmp_in6(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct in6_addr));
}

static bool jail_addr_ok(int af, const void *a)
{
	if (af == AF_INET) {
		struct in_addr v4 = *(const struct in_addr *)a;
		return !in4_is_any(v4) && !in4_is_bcast_all(v4) &&
		       !in4_is_multicast(v4);
	}
	return !in6_is_any(a) && !in6_is_multicast(a);
}

/*
 * Check one family's parameters and give its effective mode.  J1:
 * addresses imply `new` (a zeroed mode with addresses means new too);
 * `new` needs an address; `inherit` and `disable` take none.  Addresses
 * must be unicast and distinct.
 */
static int jail_af_mode(int af, enum inp_jail_mode mode, unsigned n,
                        const void *addrs, enum inp_jail_mode *eff)
{
	size_t sz = af == AF_INET ? sizeof(struct in_addr)
	                          : sizeof(struct in6_addr);
	const char *p = addrs;
	unsigned i, k;

	if (mode != INP_JAIL_DISABLE && mode != INP_JAIL_INHERIT &&
	    mode != INP_JAIL_NEW)
		return -EINVAL;
	if (n > INP_JAIL_MAX_ADDRS)
		return -EINVAL;
	if (n > 0 && mode == INP_JAIL_DISABLE)
		mode = INP_JAIL_NEW;
	if ((mode == INP_JAIL_NEW) != (n > 0))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!jail_addr_ok(af, p + i * sz))
			return -EINVAL;
		for (k = 0; k < i; k++)
			if (memcmp(p + i * sz, p + k * sz, sz) == 0)
				return -EINVAL;
	}
	*eff = mode;
	return 0;
}

/* Copy the list: the primary first, the others sorted for bsearch. */
static int prison_af_fill(struct prison_af *paf, int af,
                          enum inp_jail_mode mode, unsigned n,
                          const void *addrs, bool saddrsel)
{
	size_t sz = af == AF_INET ? sizeof(struct in_addr)
	                          : sizeof(struct in6_addr);
	void *copy = NULL;

	paf->mode = mode;
	paf->n = n;
	paf->saddrsel = saddrsel;
	if (n > 0) {
		copy = malloc(n * sz);
		if (copy == NULL)
			return -ENOMEM;
		memcpy(copy, addrs, n * sz);
		qsort((char *)copy + sz, n - 1, sz,
		      af == AF_INET ? cmp_in4 : cmp_in6);
	}
	if (af == AF_INET)
		paf->addrs.a4 = copy;
	else
		paf->addrs.a6 = copy;
	return 0;
}

static bool paf_has(const struct prison_af *paf, int af, const void *a)
{
	if (paf->n == 0)
		return false;
	if (af == AF_INET) {
		if (paf->addrs.a4[0].s_addr == ((const struct in_addr *)a)->s_addr)
			return true;
		return bsearch(a, paf->addrs.a4 + 1, paf->n - 1,
		               sizeof(struct in_addr), cmp_in4) != NULL;
	}
	if (in6_equal(&paf->addrs.a6[0], a))
		return true;
	return bsearch(a, paf->addrs.a6 + 1, paf->n - 1,
	               sizeof(struct in6_addr), cmp_in6) != NULL;
}

const struct inp_jail *jail_owner(const struct inp_jail *j, int af)
{
	while (j != NULL && jail_af(j, af)->mode == INP_JAIL_INHERIT)
		j = j->parent;
	return j;
}

/* Membership in the effective list: primary, then binary search (J2). */
bool prison_owns_ip4(const struct inp_jail *owner, struct in_addr a)
{
	owner = jail_owner(owner, AF_INET);
	return owner == NULL || paf_has(&owner->ip4, AF_INET, &a);
}

bool prison_owns_ip6(const struct inp_jail *owner, const struct in6_addr *a)
{
	owner = jail_owner(owner, AF_INET6);
	return owner == NULL || (a != NULL && paf_has(&owner->ip6, AF_INET6, a));
}

static const void *paf_addr(const struct prison_af *paf, int af, unsigned i)
{
	return af == AF_INET ? (const void *)&paf->addrs.a4[i]
	                     : (const void *)&paf->addrs.a6[i];
}

/* ---- J10, J11 -------------------------------------------------------- */

/*
 * J10: a child with its own list must stay within the restriction its
 * parent lives under (the parent's own list, or what it inherits).
 */
static int jail_check_subset(const struct inp_jail *parent,
                             const struct prison_af *paf, int af)
{
	const struct inp_jail *owner = jail_owner(parent, af);
	unsigned i;

	if (paf->mode != INP_JAIL_NEW)
		return 0;
	if (owner == NULL)
		return 0;   /* the parent is unrestricted for af */
	for (i = 0; i < paf->n; i++)
		if (!paf_has(jail_af(owner, af), af, paf_addr(paf, af, i)))
			return -EPERM;
	return 0;
}

/* J11 walk: j is visited when no ancestor restricts af itself. */
static bool j11_visited(const struct inp_jail *j, int af)
{
	const struct inp_jail *a;

	for (a = j->parent; a != NULL; a = a->parent)
		if (jail_af(a, af)->mode != INP_JAIL_INHERIT)
			return false;
	return true;
}

/*
 * J11: compared with every visited jail of the same vnet that has its own
 * list (the new jail's parent and ancestors included), the new list clashes
 * when either side has more than one address and they share one.
 */
static int jail_check_clash(const struct inp_host *host,
                            const struct inp_vnet *vnet,
                            const struct prison_af *paf, int af)
{
	const struct inp_jail *j;
	unsigned i;

	if (paf->mode != INP_JAIL_NEW)
		return 0;
	for (j = host->jails; j != NULL; j = j->next) {
		const struct prison_af *other = jail_af(j, af);

		if (j->vnet != vnet || other->mode != INP_JAIL_NEW ||
		    !j11_visited(j, af))
			continue;
		if (paf->n == 1 && other->n == 1)
			continue;   /* single-address jails may share */
		for (i = 0; i < paf->n; i++)
			if (paf_has(other, af, paf_addr(paf, af, i)))
				return -EADDRINUSE;
	}
	return 0;
}

/* ---- create / find / remove ------------------------------------------ */

static int jail_build(struct inp_host *host, struct inp_vnet *vnet,
                      const char *name, const struct inp_jail_params *pp,
                      const enum inp_jail_mode mode[2], struct inp_jail **out)
{
	struct inp_jail *j;
	int rc;

	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return -ENOMEM;
	j->host = host;
	j->vnet = vnet;
	snprintf(j->name, sizeof(j->name), "%s", name);
	atomic_init(&j->refs, 1);   /* the host's list */
	rc = prison_af_fill(&j->ip4, AF_INET, mode[0], pp->n_ip4, pp->ip4,
	                    pp->ip4_saddrsel);
	if (rc == 0)
		rc = prison_af_fill(&j->ip6, AF_INET6, mode[1], pp->n_ip6, pp->ip6,
		                    pp->ip6_saddrsel);
	if (rc != 0) {
		jail_free(j);
		return rc;
	}
	*out = j;
	return 0;
}

/* Everything that can refuse the new jail, in the spec's order. */
static int jail_admit_locked(struct inp_host *host, struct inp_jail *j)
{
	int rc;

	if (jail_lookup_locked(host, j->name, strlen(j->name)) != NULL)
		return -EEXIST;
	rc = jail_parent_locked(host, j->name, &j->parent);
	if (rc != 0)
		return rc;
	if (j->parent != NULL && j->parent->vnet != j->vnet)
		return -EINVAL;   /* a child lives in its parent's vnet */
	if (host->n_jails >= host->limits.max_jails)
		return -ENOBUFS;
	/* J10 before J11 (E31: "p.c ip4=192.0.2.13" is EPERM). */
	rc = jail_check_subset(j->parent, &j->ip4, AF_INET);
	if (rc == 0)
		rc = jail_check_subset(j->parent, &j->ip6, AF_INET6);
	if (rc == 0)
		rc = jail_check_clash(host, j->vnet, &j->ip4, AF_INET);
	if (rc == 0)
		rc = jail_check_clash(host, j->vnet, &j->ip6, AF_INET6);
	return rc;
}

static void jail_link_locked(struct inp_host *host, struct inp_jail *j)
{
	struct inp_jail **tail;

	if (j->parent != NULL) {
		jail_hold(j->parent);
		atomic_fetch_add(&j->parent->nchildren, 1);
		/* allow.* never exceeds the parent's (FreeBSD pr_allow). */
		j->allow_reserved_ports &= j->parent->allow_reserved_ports;
	}
	for (tail = &host->jails; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = j;
	host->n_jails++;
	j->vnet->n_jails++;
}

int inp_jail_create(struct inp_host *host, struct inp_vnet *vnet,
                    const char *name, const struct inp_jail_params *params,
                    struct inp_jail **out)
{
	struct inp_jail_params defaults;
	enum inp_jail_mode mode[2];
	struct inp_jail *j;
	int rc;

	/* Dot-separated components of [A-Za-z0-9_-]+ (J10: "parent.child"). */
	if (host == NULL || vnet == NULL || vnet->host != host ||
	    !name_is_valid(name, NAME_DOTTED))
		return -EINVAL;
	if (params == NULL) {
		inp_jail_params_init(&defaults);
		params = &defaults;
	}
	rc = jail_af_mode(AF_INET, params->ip4_mode, params->n_ip4, params->ip4,
	                  &mode[0]);
	if (rc == 0)
		rc = jail_af_mode(AF_INET6, params->ip6_mode, params->n_ip6,
		                  params->ip6, &mode[1]);
	if (rc == 0)
		rc = jail_build(host, vnet, name, params, mode, &j);
	if (rc != 0)
		return rc;
	j->allow_reserved_ports = params->allow_reserved_ports;
	pthread_mutex_lock(&host->lock);
	rc = jail_admit_locked(host, j);
	if (rc == 0)
		jail_link_locked(host, j);
	pthread_mutex_unlock(&host->lock);
	if (rc != 0) {
		jail_free(j);
		return rc;
	}
	if (out != NULL)
		*out = j;
	return 0;
}

struct inp_jail *inp_jail_find(struct inp_host *host, const char *name)
{
	struct inp_jail *j;

	if (host == NULL || name == NULL)
		return NULL;
	pthread_mutex_lock(&host->lock);
	j = jail_lookup_locked(host, name, strlen(name));
	pthread_mutex_unlock(&host->lock);
	return j;
}

const char *inp_jail_name(const struct inp_jail *jail)
{
	return jail != NULL ? jail->name : NULL;
}

static void jail_unlink_locked(struct inp_host *host, struct inp_jail *j)
{
	struct inp_jail **pp;

	for (pp = &host->jails; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	j->next = NULL;
	j->removed = true;
	host->n_jails--;
	j->vnet->n_jails--;
	if (j->parent != NULL)
		atomic_fetch_sub(&j->parent->nchildren, 1);
}

/*
 * J11a: not while a socket or a child jail uses it.  Credentials do not
 * keep it: they hold a reference, so the memory stays until the last
 * one goes, but the name is free at once and no new socket may use it.
 */
int inp_jail_remove(struct inp_jail *jail)
{
	struct inp_host *host;
	int rc = 0;

	if (jail == NULL)
		return -EINVAL;
	host = jail->host;
	pthread_mutex_lock(&host->lock);
	if (jail->removed)
		rc = -EINVAL;
	else if (atomic_load(&jail->npcbs) != 0 ||
	         atomic_load(&jail->nchildren) != 0)
		rc = -EBUSY;
	else
		jail_unlink_locked(host, jail);
	pthread_mutex_unlock(&host->lock);
	if (rc == 0)
		jail_drop(jail);   /* the host list's reference */
	return rc;
}

/*
 * Host destruction: every jail leaves the list and the host's reference
 * is dropped.  Children hold their parents, so a parent goes with its last
 * child; the list is in creation order (parents first), so a jail freed
 * that way was already passed.  Jails still held by credentials the
 * application has not released stay allocated until those go.
 */
void jails_destroy_all(struct inp_host *host)
{
	struct inp_jail *j, *next;

	for (j = host->jails; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		j->removed = true;
		j->vnet->n_jails = 0;
		jail_drop(j);
	}
	host->jails = NULL;
	host->n_jails = 0;
}
