/*
 * inpcb/mac.h - MAC policy hooks for PCBs (spec section 10).
 *
 * A policy is a set of optional callbacks registered with a host.  With no
 * policy registered no PCB has a label and no callback runs (one load and
 * one branch per hook).  With several policies every one is consulted and
 * errors combine by FreeBSD's precedence (MAC-3).
 *
 * Threading: register policies before creating sockets; callbacks may run
 * concurrently on different PCBs and must be thread-safe.
 */
#ifndef INPCB_MAC_H
#define INPCB_MAC_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct inp_mac_ops {
	/* true if this policy labels PCBs (init_label/destroy_label run). */
	bool labels_pcbs;
	/* Allocate a label for a new PCB: 0 or an errno (-> -ENOMEM). */
	int (*init_label)(void *ctx, const struct inp_cred *cred, void **label);
	void (*destroy_label)(void *ctx, void *label);
	/* May this PCB receive this datagram?  0 or an errno (silent drop). */
	int (*check_deliver)(void *ctx, void *label,
	                     const struct sockaddr *src, size_t len);
	/* May viewer see this PCB in a listing?  0 or an errno. */
	int (*check_visible)(void *ctx, const struct inp_cred *viewer,
	                     void *label);
};

/*
 * Register a policy; ops and ctx must outlive the host.
 * Returns 0, -EINVAL, -ENOBUFS (at most 8 policies).
 */
int inp_mac_register(struct inp_host *host, const struct inp_mac_ops *ops,
                     void *ctx);

#ifdef __cplusplus
}
#endif
#endif
