/*
 * vnet.c - virtual network stacks (spec section 8).  A vnet starts like
 * FreeBSD's reference copy (VN-1): every sysctl at its default, lo0 with
 * 127.0.0.1/8 and ::1/128, both routing tables, one PCB table per
 * protocol, and a lookup-hash seed drawn from the host's random source.
 */
#include "jail/jail_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define NS_PER_SEC 1000000000ull

static struct inp_vnet *vnet_lookup_locked(struct inp_host *host,
                                           const char *name)
{
	struct inp_vnet *v;

	for (v = host->vnets; v != NULL; v = v->next)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

/* lo0: index 1, up, loopback, multicast; 127.0.0.1/8 and ::1/128. */
static int vnet_make_lo0(struct inp_vnet *vnet)
{
	struct sockaddr_in lo4 = { .sin_family = AF_INET };
	struct sockaddr_in6 lo6 = { .sin6_family = AF_INET6 };
	struct inp_ifnet *lo;
	int rc;

	rc = inp_if_create(vnet, "lo0", &lo);
	if (rc != 0)
		return rc;
	lo->flags = INP_IFF_UP | INP_IFF_LOOPBACK | INP_IFF_MULTICAST;
	vnet->lo0 = lo;
	lo4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = inp_if_addr_add(lo, (struct sockaddr *)&lo4, 8, NULL);
	if (rc != 0)
		return rc;
	lo6.sin6_addr = in6addr_loopback;
	return inp_if_addr_add(lo, (struct sockaddr *)&lo6, 128, NULL);
}

void vnet_free(struct inp_vnet *vnet)
{
	int p;

	if (vnet == NULL)
		return;
	for (p = 0; p < INP_NPROTO; p++)
		if (vnet->pcbinfo[p] != NULL)
			pcbinfo_destroy(vnet->pcbinfo[p]);
	ip_vnet_destroy(vnet);
	ifaddrs_destroy_all(vnet);
	ifnets_destroy_all(vnet);
	rtable_destroy(vnet->rt4);
	rtable_destroy(vnet->rt6);
	pthread_mutex_destroy(&vnet->cfg_lock);
	free(vnet);
}

static int vnet_alloc(struct inp_host *host, const char *name,
                      struct inp_vnet **out)
{
	struct inp_vnet *vnet;
	int rc, p;

	/* Aligned: the statistics shards are a cache line each. */
	vnet = aligned_alloc(_Alignof(struct inp_vnet), sizeof(*vnet));
	if (vnet == NULL)
		return -ENOMEM;
	memset(vnet, 0, sizeof(*vnet));
	if (pthread_mutex_init(&vnet->cfg_lock, NULL) != 0) {
		free(vnet);
		return -ENOMEM;
	}
	vnet->host = host;
	snprintf(vnet->name, sizeof(vnet->name), "%s", name);
	sysctl_defaults(&vnet->sc);
	vnet->next_ifindex = 1;
	vnet->hash_seed = host_random32(host);
	/* Ticks at or before the creation time are not this vnet's (P9). */
	vnet->limiter.ticks = host_now_ns(host) / NS_PER_SEC;
	vnet->rt4 = rtable_create(AF_INET, host->limits.max_routes);
	vnet->rt6 = rtable_create(AF_INET6, host->limits.max_routes);
	rc = (vnet->rt4 && vnet->rt6) ? vnet_make_lo0(vnet) : -ENOMEM;
	if (rc == 0)
		rc = ip_vnet_create(vnet);
	for (p = 0; rc == 0 && p < INP_NPROTO; p++)
		rc = pcbinfo_create(vnet, (enum inp_proto)p, &vnet->pcbinfo[p]);
	if (rc != 0) {
		vnet_free(vnet);
		return rc;
	}
	*out = vnet;
	return 0;
}

int inp_vnet_create(struct inp_host *host, const char *name,
                    struct inp_vnet **out)
{
	struct inp_vnet *vnet, **tail;
	int rc;

	/* [A-Za-z0-9_.-]+ */
	if (host == NULL || !name_is_valid(name, 0))
		return -EINVAL;
	pthread_mutex_lock(&host->lock);
	if (vnet_lookup_locked(host, name) != NULL) {
		rc = -EEXIST;
	} else if (host->n_vnets >= host->limits.max_vnets) {
		rc = -ENOBUFS;
	} else {
		rc = vnet_alloc(host, name, &vnet);
	}
	if (rc == 0) {
		for (tail = &host->vnets; *tail != NULL; tail = &(*tail)->next)
			;
		*tail = vnet;
		host->n_vnets++;
		if (out != NULL)
			*out = vnet;
	}
	pthread_mutex_unlock(&host->lock);
	return rc;
}

struct inp_vnet *inp_vnet_find(struct inp_host *host, const char *name)
{
	struct inp_vnet *v;

	if (host == NULL || name == NULL)
		return NULL;
	pthread_mutex_lock(&host->lock);
	v = vnet_lookup_locked(host, name);
	pthread_mutex_unlock(&host->lock);
	return v;
}

const char *inp_vnet_name(const struct inp_vnet *vnet)
{
	return vnet != NULL ? vnet->name : NULL;
}

struct inp_host *inp_vnet_host(const struct inp_vnet *vnet)
{
	return vnet != NULL ? vnet->host : NULL;
}

void stat_shards_sum(const struct inp_vnet *vnet, bool udp, uint64_t *out,
                     size_t n)
{
	unsigned s;
	size_t i;

	memset(out, 0, n * sizeof(*out));
	for (s = 0; s < STAT_SHARDS; s++) {
		const _Atomic uint64_t *c = udp ? vnet->stats[s].udp
		                                : vnet->stats[s].ip;

		for (i = 0; i < n; i++)
			out[i] += atomic_load_explicit(&c[i],
			                               memory_order_relaxed);
	}
}

bool vnet_has_pcbs(const struct inp_vnet *vnet)
{
	int p;

	for (p = 0; p < INP_NPROTO; p++)
		if (pcbinfo_busy(vnet->pcbinfo[p]))
			return true;
	return false;
}

int inp_vnet_destroy(struct inp_vnet *vnet)
{
	struct inp_host *host;
	struct inp_vnet **pp;

	if (vnet == NULL)
		return -EINVAL;
	host = vnet->host;
	pthread_mutex_lock(&host->lock);
	/* VN-5: no PCB (TIME_WAIT included) and no jail may remain. */
	if (vnet_has_pcbs(vnet) || vnet->n_jails != 0) {
		pthread_mutex_unlock(&host->lock);
		return -EBUSY;
	}
	for (pp = &host->vnets; *pp != NULL && *pp != vnet; pp = &(*pp)->next)
		;
	if (*pp == NULL) {
		pthread_mutex_unlock(&host->lock);
		return -EINVAL;
	}
	*pp = vnet->next;
	host->n_vnets--;
	vnet_free(vnet);
	pthread_mutex_unlock(&host->lock);
	return 0;
}

/*
 * P9: the limiter ticks once per whole second of the host clock (tick k
 * at k seconds).  Once nothing is suppressed and nothing was allocated
 * since the last tick, further ticks change nothing, so a long jump of the
 * clock skips them while keeping the tick count right.
 */
void vnet_run_timers(struct inp_vnet *vnet, uint64_t now_ns)
{
	uint64_t due = now_ns / NS_PER_SEC;
	struct port_limiter *lim = &vnet->limiter;
	int p;

	while (lim->ticks < due) {
		uint64_t tick = lim->ticks + 1;

		if (__atomic_load_n(&lim->stop, __ATOMIC_RELAXED) == 0 &&
		    __atomic_load_n(&lim->allocs, __ATOMIC_RELAXED) == lim->last) {
			lim->ticks = due;
			break;
		}
		port_limiter_tick(vnet);
		lim->ticks = tick;   /* whoever counts inside, tick k is done */
	}
	for (p = 0; p < INP_NPROTO; p++)
		if (vnet->pcbinfo[p] != NULL)
			pcbinfo_expire_timewait(vnet->pcbinfo[p], now_ns);
	ip_vnet_run_timers(vnet, now_ns);      /* reassembly timeouts */
}
