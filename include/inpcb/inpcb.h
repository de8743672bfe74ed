/*
 * inpcb/inpcb.h - everything of libinpcb in one include.
 *
 * libinpcb is FreeBSD's Internet protocol control block layer as an
 * embeddable C library.  Start with inp_host_create() and
 * inp_vnet_create(), configure interfaces and routes, open sockets with
 * inp_sock_open(), and demultiplex packets with inp_pcb_lookup() or
 * inp_udp_deliver() -- or run the datapath: inp_ip_input() for received
 * packets, inp_sock_sendto() for sending, drivers (driver.h) to move them.
 */
#ifndef INPCB_INPCB_H
#define INPCB_INPCB_H

#include <inpcb/types.h>
#include <inpcb/host.h>
#include <inpcb/vnet.h>
#include <inpcb/if.h>
#include <inpcb/route.h>
#include <inpcb/jail.h>
#include <inpcb/sock.h>
#include <inpcb/pcb.h>
#include <inpcb/lbgroup.h>
#include <inpcb/thread.h>
#include <inpcb/udp.h>
#include <inpcb/mac.h>
#include <inpcb/rss.h>
#include <inpcb/ip.h>
#include <inpcb/driver.h>

#define INPCB_VERSION_MAJOR 0
#define INPCB_VERSION_MINOR 1

/* The name of an errno value ("EADDRINUSE"), or NULL for unknown ones. */
const char *inp_errno_name(int err);
/* The errno value of a name, or 0 when unknown. */
int inp_errno_value(const char *name);

#endif
