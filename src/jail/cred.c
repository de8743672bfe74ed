/*
 * cred.c - credentials: a uid, a jail and a privilege set (spec 6.5),
 * reference counted.  A credential holds a reference on its jail; the
 * PCBs created with it are counted in the jail for inp_jail_remove().
 */
#include "jail/jail_internal.h"

#include <stdlib.h>

/*
 * FreeBSD's defaults (6.5, V12): host root has every privilege; jailed
 * root has REUSEPORT, and RESERVEDPORT only with allow.reserved_ports
 * (never BINDANY: that needs a jail with its own vnet); others none.
 */
static unsigned cred_default_privs(uint32_t uid, const struct inp_jail *jail)
{
	unsigned privs;

	if (uid != 0)
		return 0;
	if (jail == NULL)
		return INP_PRIV_ALL;
	privs = INP_PRIV_REUSEPORT;
	if (jail->allow_reserved_ports)
		privs |= INP_PRIV_RESERVEDPORT;
	return privs;
}

int inp_cred_create(struct inp_host *host, uint32_t uid,
                    struct inp_jail *jail, int privs, struct inp_cred **out)
{
	struct inp_cred *cred;
	int rc = 0;

	if (host == NULL || out == NULL)
		return -EINVAL;
	if (privs != INP_PRIV_DEFAULT &&
	    (privs < 0 || ((unsigned)privs & ~(unsigned)INP_PRIV_ALL) != 0))
		return -EINVAL;
	cred = calloc(1, sizeof(*cred));
	if (cred == NULL)
		return -ENOMEM;
	atomic_init(&cred->refcount, 1);
	cred->host = host;
	cred->uid = uid;
	cred->jail = jail;
	if (jail != NULL) {
		pthread_mutex_lock(&host->lock);
		if (jail->host != host || jail->removed)
			rc = -EINVAL;   /* another host's, or removed */
		else
			jail_hold(jail);
		pthread_mutex_unlock(&host->lock);
	}
	if (rc != 0) {
		free(cred);
		return rc;
	}
	/* J12: an explicit set replaces the defaults. */
	cred->privs = privs == INP_PRIV_DEFAULT ? cred_default_privs(uid, jail)
	                                        : (unsigned)privs;
	*out = cred;
	return 0;
}

void inp_cred_ref(struct inp_cred *cred)
{
	if (cred != NULL)
		atomic_fetch_add_explicit(&cred->refcount, 1, memory_order_relaxed);
}

void inp_cred_rele(struct inp_cred *cred)
{
	if (cred == NULL)
		return;
	if (atomic_fetch_sub_explicit(&cred->refcount, 1,
	                              memory_order_acq_rel) != 1)
		return;
	jail_drop(cred->jail);
	free(cred);
}

uint32_t inp_cred_uid(const struct inp_cred *cred)
{
	return cred != NULL ? cred->uid : 0;
}

struct inp_jail *inp_cred_jail(const struct inp_cred *cred)
{
	return cred != NULL ? cred->jail : NULL;
}

/* True when cred holds every privilege bit of priv. */
bool inp_cred_has_priv(const struct inp_cred *cred, unsigned priv)
{
	if (cred == NULL || priv == 0)
		return false;
	return (cred->privs & priv) == priv;
}

void cred_pcb_attach(struct inp_cred *cred)
{
	if (cred == NULL)
		return;
	inp_cred_ref(cred);
	if (cred->jail != NULL)
		atomic_fetch_add(&cred->jail->npcbs, 1);
}

void cred_pcb_detach(struct inp_cred *cred)
{
	if (cred == NULL)
		return;
	if (cred->jail != NULL)
		atomic_fetch_sub(&cred->jail->npcbs, 1);
	inp_cred_rele(cred);
}
