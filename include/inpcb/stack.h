/*
 * inpcb/stack.h - a stack: one vnet, an optional live device polled by a
 * thread of its own, and the descriptor table of the BSD socket API
 * (socket.h).
 *
 * A stack either owns a host with one vnet "default" (real monotonic
 * clock, getrandom) or serves a vnet of the caller's.  It can run a
 * scenario script (FILE.pcbs, the language of `inpcb run`) on that vnet
 * to set up the world: interfaces, addresses, routes, sysctls, jails.
 * With a TUN device, a thread reads it and feeds the packets to the
 * stack; it also runs the host's timers (TIME_WAIT, reassembly) every
 * 100 ms.
 *
 * Functions here return 0 or a negative errno like the rest of the
 * library.  The default stack (inp_stack_set_default) is the one piece of
 * process-wide mutable state of libinpcb_socket; the core library has
 * none (docs/sockets.md).
 */
#ifndef INPCB_STACK_H
#define INPCB_STACK_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct inp_stack;

struct inp_stack_config {
	/*
	 * The caller's vnet, or NULL: the stack creates a host of its own
	 * with a vnet "default" (lo0 with 127.0.0.1 and ::1).  A caller's
	 * vnet must outlive the stack; with a script it must be the host's
	 * vnet "default" (scripts run there).
	 */
	struct inp_vnet *vnet;
	/* A .pcbs script run on the vnet before anything else, or NULL. */
	const char *script;
	/*
	 * A Linux TUN device (created if missing, needs CAP_NET_ADMIN),
	 * attached to the vnet's interface of the same name, which the
	 * script may have created with its addresses (`ifconfig NAME inet
	 * A/PLEN`); the stack creates it bare otherwise.  NULL: no device.
	 */
	const char *tun;
};

/*
 * Create a stack.  cfg NULL: an own host, no script, no device.  Script
 * statements that fail are printed on stderr and fail the creation
 * (-EINVAL; -ENOENT when the file cannot be read or parsed).  Other
 * errors: -EINVAL (out NULL, a script with a vnet not "default"), -ENOMEM,
 * the TUN driver's.
 */
int inp_stack_create(const struct inp_stack_config *cfg,
                     struct inp_stack **out);

/*
 * inp_stack_create() configured from the environment: INPCB_SCRIPT (the
 * script) and INPCB_TUN (the device), each optional.
 */
int inp_stack_from_env(struct inp_stack **out);

/*
 * Close every descriptor still open, stop the device thread, release the
 * device, the script's sockets and, for an own host, the host; TIME_WAIT
 * connections of an own host are expired first (its clock is moved past
 * 2*MSL).  No other thread may use the stack meanwhile or afterwards.
 * Returns 0, -EINVAL for NULL, or -EBUSY from inp_host_destroy() when
 * PCBs the stack did not make remain (the host is then leaked).  A stack
 * that is the default is first unset.
 */
int inp_stack_destroy(struct inp_stack *st);

/* The stack's vnet and host (valid while the stack lives). */
struct inp_vnet *inp_stack_vnet(struct inp_stack *st);
struct inp_host *inp_stack_host(struct inp_stack *st);

/*
 * The default stack the BSD calls of socket.h act on: set it (NULL
 * unsets) and get the previous one back.  Descriptors belong to the stack
 * that made them: change the default only while no descriptor is open,
 * or keep using descriptors of the old stack through the new one at your
 * peril (they name other sockets, or none: EBADF).  Thread-safe.
 */
struct inp_stack *inp_stack_set_default(struct inp_stack *st);

/* The default stack, or NULL when none was set or created yet. */
struct inp_stack *inp_stack_default(void);

#ifdef __cplusplus
}
#endif
#endif
