/*
 * inpcb/if.h - interfaces and their addresses.
 *
 * Interfaces other than loopback behave like Ethernet: broadcast and
 * multicast capable.  An IPv4 address with a prefix shorter than /32 on a
 * broadcast-capable interface has the broadcast address of its prefix.
 * Adding an address installs its connected route and its loopback host
 * route (spec IF-6); deleting it removes both.
 *
 * Address lookups that return a struct inp_ifaddr return a *reference*
 * (spec IF-2): the caller releases it with inp_ifa_rele().  The boolean
 * check inp_ifa_is_local() takes none (spec IF-3).
 *
 * Threading: configuration calls take the vnet's configuration lock.
 */
#ifndef INPCB_IF_H
#define INPCB_IF_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Interface flags. */
#define INP_IFF_UP          0x1
#define INP_IFF_BROADCAST   0x2
#define INP_IFF_LOOPBACK    0x8
#define INP_IFF_POINTOPOINT 0x10
#define INP_IFF_MULTICAST   0x8000

/*
 * Create interface name in vnet.  New interfaces are up, broadcast- and
 * multicast-capable.  Returns 0 and *out (may be NULL), -EEXIST, -EINVAL,
 * -ENOBUFS (limit; also once 65535 indexes were used, as an index is an
 * IPv6 zone id of 16 bits).  The interface lives as long as its vnet.
 */
int inp_if_create(struct inp_vnet *vnet, const char *name,
                  struct inp_ifnet **out);

/* Find an interface by name or by index; NULL if none. */
struct inp_ifnet *inp_if_find(struct inp_vnet *vnet, const char *name);
struct inp_ifnet *inp_if_byindex(struct inp_vnet *vnet, unsigned index);

const char *inp_if_name(const struct inp_ifnet *ifp);
unsigned inp_if_index(const struct inp_ifnet *ifp);
unsigned inp_if_flags(const struct inp_ifnet *ifp);

/* Bring the interface up or down. */
int inp_if_set_up(struct inp_ifnet *ifp, bool up);

/*
 * Mark the interface as loopback: not broadcast-capable; its addresses are
 * reached through the loopback route like lo0's.
 */
int inp_if_set_loopback(struct inp_ifnet *ifp);

/*
 * Add an address.  addr is a sockaddr_in or sockaddr_in6, plen its prefix
 * length.  peer, for IPv4 only, makes the address point-to-point with that
 * destination (-EINVAL for IPv6).  Returns -EEXIST when the interface has
 * the address, -EINVAL for a bad prefix length, -EAFNOSUPPORT, -ENOBUFS.
 */
int inp_if_addr_add(struct inp_ifnet *ifp, const struct sockaddr *addr,
                    unsigned plen, const struct sockaddr *peer);

/* Remove an address and its routes; -EADDRNOTAVAIL if not configured. */
int inp_if_addr_delete(struct inp_ifnet *ifp, const struct sockaddr *addr);

/*
 * Find the interface address equal to addr, in any interface state.
 * Returns 0 and a referenced *out, or -EADDRNOTAVAIL.
 */
int inp_ifa_find(struct inp_vnet *vnet, const struct sockaddr *addr,
                 struct inp_ifaddr **out);

/*
 * True when addr is one of the vnet's addresses or, for IPv4, the broadcast
 * address of a broadcast-capable interface.  Takes no reference (IF-3).
 */
bool inp_ifa_is_local(struct inp_vnet *vnet, const struct sockaddr *addr);

/* Take and release a reference on an address. */
void inp_ifa_ref(struct inp_ifaddr *ifa);
void inp_ifa_rele(struct inp_ifaddr *ifa);

/* Read an address: its address, prefix length and interface. */
void inp_ifa_addr(const struct inp_ifaddr *ifa, struct sockaddr_storage *ss);
unsigned inp_ifa_plen(const struct inp_ifaddr *ifa);
struct inp_ifnet *inp_ifa_ifnet(const struct inp_ifaddr *ifa);

/*
 * Sum of all address reference counts of a vnet above their baseline
 * (one per configured address).  Zero when every reference was released;
 * tests check it after every call (spec invariant 27).
 */
long inp_vnet_ifa_refs_outstanding(struct inp_vnet *vnet);

#ifdef __cplusplus
}
#endif
#endif
