/*
 * inpcb/vnet.h - virtual network stacks and their sysctl knobs.
 *
 * A vnet owns its interfaces, routes, one PCB table per protocol, the
 * ephemeral port cursors and limiter, UDP statistics and its sysctls.
 * Every vnet starts with the loopback interface lo0 carrying 127.0.0.1/8 and
 * ::1/128, and every sysctl at FreeBSD's default.
 *
 * Threading: configuration calls (create, destroy, sysctl set) take the
 * vnet's configuration lock; they may run concurrently with lookups.
 */
#ifndef INPCB_VNET_H
#define INPCB_VNET_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest vnet, interface, jail name, including the terminating NUL. */
#define INP_NAME_MAX 64

/*
 * Create a vnet named name (unique within the host).
 * Returns 0 and *out, or -EINVAL (bad name), -EEXIST, -ENOBUFS (limit).
 */
int inp_vnet_create(struct inp_host *host, const char *name,
                    struct inp_vnet **out);

/* Find a vnet by name; NULL if none.  The pointer lives until destroy. */
struct inp_vnet *inp_vnet_find(struct inp_host *host, const char *name);

/* The vnet's name and host; valid while the vnet lives. */
const char *inp_vnet_name(const struct inp_vnet *vnet);
struct inp_host *inp_vnet_host(const struct inp_vnet *vnet);

/*
 * Destroy a vnet with its interfaces and routes.  -EBUSY, and nothing is
 * destroyed, while it has sockets or PCBs (TIME_WAIT ones included) or a
 * jail lives in it.
 */
int inp_vnet_destroy(struct inp_vnet *vnet);

/*
 * Per-vnet knobs by their FreeBSD names, for example
 * "net.inet.ip.portrange.first".  Values outside a knob's clamp are clamped
 * on write (spec P1); boolean knobs accept 0 and 1 only (-EINVAL).
 * Unknown name: -ENOENT.  The connection-group knobs
 * (net.inet.pcbgroup.enable, net.inet.rss.bits: docs/architecture.md)
 * change only while the vnet has no PCB: -EBUSY otherwise.
 */
int inp_sysctl_set(struct inp_vnet *vnet, const char *name, long value);
int inp_sysctl_get(const struct inp_vnet *vnet, const char *name,
                   long *value);

/*
 * Iterate over the knob names: returns the name of knob i, or NULL past the
 * last one.  Useful for listings and shell completion.
 */
const char *inp_sysctl_name(unsigned i);

#ifdef __cplusplus
}
#endif
#endif
