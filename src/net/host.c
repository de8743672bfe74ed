/*
 * host.c - the host object: root of one library instance.  It owns the
 * injected clock and random source, the limits, every vnet, the jail tree,
 * the MAC policies and the root credential.  Nothing is global (design.md).
 */
#include "jail/jail_internal.h"

#include <stdlib.h>

/* Defaults of struct inp_limits (documented in host.h). */
static const struct inp_limits default_limits = {
	.max_vnets = 64,
	.max_pcbs = 65536,
	.max_jails = 1024,
	.max_routes = 4096,
	.max_ifaddrs = 4096,
	.max_ifnets = 256,
	.rcvbuf_max = 2097152,          /* kern.ipc.maxsockbuf */
	.reass_max_datagrams = 128,
	.reass_max_bytes = 1048576,
	.reass_max_frags = 16,          /* net.inet.ip.maxfragsperpacket */
};

static unsigned limit_or_default(unsigned v, unsigned def)
{
	return v != 0 ? v : def;
}

static void limits_fill(struct inp_limits *dst, const struct inp_limits *src)
{
	const struct inp_limits *d = &default_limits;

	if (src == NULL) {
		*dst = *d;
		return;
	}
	dst->max_vnets = limit_or_default(src->max_vnets, d->max_vnets);
	dst->max_pcbs = limit_or_default(src->max_pcbs, d->max_pcbs);
	dst->max_jails = limit_or_default(src->max_jails, d->max_jails);
	dst->max_routes = limit_or_default(src->max_routes, d->max_routes);
	dst->max_ifaddrs = limit_or_default(src->max_ifaddrs, d->max_ifaddrs);
	dst->max_ifnets = limit_or_default(src->max_ifnets, d->max_ifnets);
	dst->rcvbuf_max = limit_or_default(src->rcvbuf_max, d->rcvbuf_max);
	dst->reass_max_datagrams = limit_or_default(src->reass_max_datagrams,
	                                            d->reass_max_datagrams);
	dst->reass_max_bytes = limit_or_default(src->reass_max_bytes,
	                                        d->reass_max_bytes);
	dst->reass_max_frags = limit_or_default(src->reass_max_frags,
	                                        d->reass_max_frags);
}

int inp_host_create(const struct inp_host_ops *ops,
                    const struct inp_limits *limits, struct inp_host **out)
{
	struct inp_host *host;
	int rc;

	if (out == NULL)
		return -EINVAL;
	host = calloc(1, sizeof(*host));
	if (host == NULL)
		return -ENOMEM;
	if (pthread_mutex_init(&host->lock, NULL) != 0) {
		free(host);
		return -ENOMEM;
	}
	if (ops != NULL)
		host->ops = *ops;
	limits_fill(&host->limits, limits);
	/* uid 0 on the host: every privilege (spec 6.5). */
	rc = inp_cred_create(host, 0, NULL, INP_PRIV_ALL, &host->root_cred);
	if (rc != 0) {
		pthread_mutex_destroy(&host->lock);
		free(host);
		return rc;
	}
	*out = host;
	return 0;
}

static bool host_has_pcbs(const struct inp_host *host)
{
	const struct inp_vnet *v;

	for (v = host->vnets; v != NULL; v = v->next)
		if (vnet_has_pcbs(v))
			return true;
	return false;
}

int inp_host_destroy(struct inp_host *host)
{
	struct inp_vnet *v, *next;

	if (host == NULL)
		return -EINVAL;
	pthread_mutex_lock(&host->lock);
	if (host_has_pcbs(host)) {
		pthread_mutex_unlock(&host->lock);
		return -EBUSY;
	}
	/* Jails first: they point at vnets, never the other way round. */
	jails_destroy_all(host);
	for (v = host->vnets; v != NULL; v = next) {
		next = v->next;
		vnet_free(v);
	}
	host->vnets = NULL;
	host->n_vnets = 0;
	pthread_mutex_unlock(&host->lock);
	inp_cred_rele(host->root_cred);
	pthread_mutex_destroy(&host->lock);
	free(host);
	return 0;
}

uint64_t inp_host_now_ns(const struct inp_host *host)
{
	return host_now_ns(host);
}

int inp_host_run_timers(struct inp_host *host)
{
	struct inp_vnet *v;
	uint64_t now;

	if (host == NULL)
		return -EINVAL;
	pthread_mutex_lock(&host->lock);
	now = host_now_ns(host);
	for (v = host->vnets; v != NULL; v = v->next)
		vnet_run_timers(v, now);
	pthread_mutex_unlock(&host->lock);
	return 0;
}
