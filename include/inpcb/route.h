/*
 * inpcb/route.h - IPv4 and IPv6 routing tables with longest-prefix match.
 *
 * Each vnet has one table per family.  Routes come from four sources:
 * connected routes (installed by interface addresses), loopback host routes
 * for every local address (IF-6), static gateway or interface routes, and
 * the default route.  A lookup returns the most specific matching route;
 * among routes of equal length the one added first wins.
 *
 * Threading: changes take the vnet's configuration lock; lookups are safe
 * concurrently with changes.
 */
#ifndef INPCB_ROUTE_H
#define INPCB_ROUTE_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What kind of route a lookup found. */
enum inp_route_kind {
	INP_RT_CONNECTED = 1, /* prefix of an interface address */
	INP_RT_LOOPBACK,      /* host route to a local address, via loopback */
	INP_RT_GATEWAY,       /* via a gateway on a connected prefix */
	INP_RT_INTERFACE,     /* straight out of an interface */
	INP_RT_HOST_PEER,     /* host route to a point-to-point peer */
};

struct inp_route_info {
	enum inp_route_kind kind;
	unsigned plen;
	struct sockaddr_storage dst;     /* the route's prefix */
	struct sockaddr_storage gateway; /* INP_RT_GATEWAY only */
	struct inp_ifnet *ifp;           /* outgoing interface */
};

/*
 * Add a static route to dst/plen.  Exactly one of gateway and ifp is given:
 * a gateway must be reachable on a connected prefix (-ENETUNREACH
 * otherwise); ifp sends straight out of that interface.  plen 0 with an
 * unspecified dst is the default route.  Returns -EEXIST for a duplicate
 * static route, -EINVAL, -EAFNOSUPPORT, -ENOBUFS (limit).
 */
int inp_route_add(struct inp_vnet *vnet, const struct sockaddr *dst,
                  unsigned plen, const struct sockaddr *gateway,
                  struct inp_ifnet *ifp);

/* Delete the static route dst/plen; -ESRCH when there is none. */
int inp_route_delete(struct inp_vnet *vnet, const struct sockaddr *dst,
                     unsigned plen);

/*
 * Longest-prefix match for dst.  Returns 0 and *out, -ENETUNREACH when no
 * route matches, -EAFNOSUPPORT.  Routes through a down interface match
 * like others (the PCB layer does not look at link state).
 */
int inp_route_lookup(struct inp_vnet *vnet, const struct sockaddr *dst,
                     struct inp_route_info *out);

#ifdef __cplusplus
}
#endif
#endif
