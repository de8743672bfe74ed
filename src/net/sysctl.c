/*
 * sysctl.c - the per-vnet knobs of spec section 7 by their FreeBSD names:
 * one table of (name, field, kind, bounds) drives defaults, validation,
 * clamping (P1) and iteration.
 */
#include "net/net_internal.h"
#include "rss/rss_internal.h"

#include <limits.h>

enum knob_kind {
	KNOB_CLAMP,   /* out-of-range values are clamped (P1) */
	KNOB_BOOL,    /* 0 or 1, anything else -EINVAL */
	KNOB_COUNT,   /* 0 .. max, negative -EINVAL */
	KNOB_INT,     /* any int, stored as is (reserved ports: no clamp) */
};

struct knob {
	const char *name;
	size_t offset;            /* in struct vnet_sysctls */
	enum knob_kind kind;
	long min, max;
	long def;
};

#define K(n, f, k, lo, hi, d) \
	{ n, offsetof(struct vnet_sysctls, f), k, lo, hi, d }
static const struct knob knobs[] = {
	K("net.inet.ip.portrange.first", portrange_first, KNOB_CLAMP, 1024, 65535, 10000),
	K("net.inet.ip.portrange.last", portrange_last, KNOB_CLAMP, 1024, 65535, 65535),
	K("net.inet.ip.portrange.hifirst", portrange_hifirst, KNOB_CLAMP, 1024, 65535, 49152),
	K("net.inet.ip.portrange.hilast", portrange_hilast, KNOB_CLAMP, 1024, 65535, 65535),
	K("net.inet.ip.portrange.lowfirst", portrange_lowfirst, KNOB_CLAMP, 1, 1023, 1023),
	K("net.inet.ip.portrange.lowlast", portrange_lowlast, KNOB_CLAMP, 1, 1023, 600),
	K("net.inet.ip.portrange.reservedhigh", portrange_reservedhigh, KNOB_INT, INT_MIN, INT_MAX, 1023),
	K("net.inet.ip.portrange.reservedlow", portrange_reservedlow, KNOB_INT, INT_MIN, INT_MAX, 0),
	K("net.inet.ip.portrange.randomized", portrange_randomized, KNOB_BOOL, 0, 1, 1),
	K("net.inet.ip.portrange.randomcps", portrange_randomcps, KNOB_COUNT, 0, INT_MAX, 10),
	K("net.inet.ip.portrange.randomtime", portrange_randomtime, KNOB_COUNT, 0, INT_MAX, 45),
	K("net.inet.ip.portrange.rss_bucket", portrange_rss_bucket, KNOB_CLAMP, -1, 127, -1),
	K("net.inet.ip.connect_inaddr_wild", connect_inaddr_wild, KNOB_BOOL, 0, 1, 0),
	K("net.inet6.ip6.connect_in6addr_wild", connect_in6addr_wild, KNOB_BOOL, 0, 1, 1),
	K("net.inet6.ip6.v6only", v6only, KNOB_BOOL, 0, 1, 1),
	K("net.inet6.ip6.use_defzone", use_defzone, KNOB_BOOL, 0, 1, 0),
	K("net.inet6.ip6.use_deprecated", use_deprecated, KNOB_BOOL, 0, 1, 1),
	K("net.inet6.ip6.prefer_tempaddr", prefer_tempaddr, KNOB_BOOL, 0, 1, 0),
	K("net.inet.tcp.msl", tcp_msl_ms, KNOB_COUNT, 0, INT_MAX, 30000),
	K("net.inet.udp.blackhole", udp_blackhole, KNOB_BOOL, 0, 1, 0),
	K("net.inet.udp.log_in_vain", udp_log_in_vain, KNOB_BOOL, 0, 1, 0),
	K("net.inet.icmp.icmplim", icmp_lim, KNOB_COUNT, 0, INT_MAX, 200),
	K("net.inet.pcbgroup.enable", pcbgroup_enable, KNOB_BOOL, 0, 1, 0),
	K("net.inet.rss.bits", rss_bits, KNOB_INT, -1, 7, -1),
	K("net.inet.pcb.read_bias", pcb_read_bias, KNOB_COUNT, 0, 511, 500),
};
#undef K

#define N_KNOBS (sizeof(knobs) / sizeof(knobs[0]))

static long *knob_field(struct vnet_sysctls *sc, const struct knob *k)
{
	return (long *)((char *)sc + k->offset);
}

static const struct knob *knob_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < N_KNOBS; i++)
		if (strcmp(knobs[i].name, name) == 0)
			return &knobs[i];
	return NULL;
}

/*
 * net.inet.rss.bits is resolved once per setting (RSS-10 asks the
 * system for the CPU count): the connection groups and the aligned
 * ports read the same count, and a connect does not ask the system.
 */
static void rss_bits_derive(struct vnet_sysctls *sc)
{
	sc->rss_bits_used = (long)rss_bits_resolve(sc->rss_bits);
}

void sysctl_defaults(struct vnet_sysctls *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < N_KNOBS; i++)
		*knob_field(sc, &knobs[i]) = knobs[i].def;
	rss_bits_derive(sc);
}

/* The value to store, or -EINVAL through *err. */
static long knob_value(const struct knob *k, long value, int *err)
{
	*err = 0;
	switch (k->kind) {
	case KNOB_CLAMP:   /* P1: clamp into the range, never refuse */
		if (value < k->min)
			return k->min;
		return value > k->max ? k->max : value;
	case KNOB_BOOL:
	case KNOB_COUNT:
	case KNOB_INT:
		if (value < k->min || value > k->max)
			*err = -EINVAL;
		return value;
	}
	*err = -EINVAL;
	return value;
}

int sysctl_apply(struct vnet_sysctls *sc, const char *name, long value)
{
	const struct knob *k;
	long v;
	int err;

	if (sc == NULL || name == NULL)
		return -EINVAL;
	k = knob_find(name);
	if (k == NULL)
		return -ENOENT;
	v = knob_value(k, value, &err);
	if (err != 0)
		return err;
	*knob_field(sc, k) = v;
	if (k->offset == offsetof(struct vnet_sysctls, rss_bits))
		rss_bits_derive(sc);
	return 0;
}

int inp_sysctl_set(struct inp_vnet *vnet, const char *name, long value)
{
	int rc;

	if (vnet == NULL || name == NULL)
		return -EINVAL;
	if (pcbgroup_knob(name))        /* only while the tables are empty */
		return pcbgroup_sysctl_set(vnet, name, value);
	pthread_mutex_lock(&vnet->cfg_lock);
	rc = sysctl_apply(&vnet->sc, name, value);
	pthread_mutex_unlock(&vnet->cfg_lock);
	if (rc == 0 && strcmp(name, "net.inet.pcb.read_bias") == 0)
		for (unsigned p = 0; p < INP_NPROTO; p++)
			pcbinfo_set_read_bias(vnet->pcbinfo[p],
			                      (unsigned)value);
	return rc;
}

int inp_sysctl_get(const struct inp_vnet *vnet, const char *name,
                   long *value)
{
	struct inp_vnet *v = (struct inp_vnet *)vnet;   /* for the lock only */
	const struct knob *k;

	if (vnet == NULL || name == NULL || value == NULL)
		return -EINVAL;
	k = knob_find(name);
	if (k == NULL)
		return -ENOENT;
	pthread_mutex_lock(&v->cfg_lock);
	*value = *knob_field(&v->sc, k);
	pthread_mutex_unlock(&v->cfg_lock);
	return 0;
}

const char *inp_sysctl_name(unsigned i)
{
	return i < N_KNOBS ? knobs[i].name : NULL;
}
