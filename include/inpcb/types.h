/*
 * inpcb/types.h - types shared by every part of the public API.
 *
 * All functions of libinpcb return 0 (or a non-negative value where stated)
 * on success and a negative errno value on failure, with FreeBSD's errno
 * meanings (-EADDRINUSE, -EADDRNOTAVAIL, ...).  A failed call changes
 * nothing.  Addresses cross the API as struct sockaddr_in / sockaddr_in6.
 */
#ifndef INPCB_TYPES_H
#define INPCB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque objects.  Ownership and locking rules are at each function. */
struct inp_host;   /* clock, random source, jails, MAC policies, vnets */
struct inp_vnet;   /* one virtual network stack */
struct inp_ifnet;  /* an interface of a vnet */
struct inp_ifaddr; /* an address of an interface (reference counted) */
struct inp_jail;   /* a prison */
struct inp_cred;   /* a credential: uid, jail, privileges (ref counted) */
struct inp_sock;   /* a socket: options, receive queue and its PCB */
struct inp_pcb;    /* a protocol control block */

/* The transport protocols that have a PCB table in every vnet. */
enum inp_proto {
	INP_PROTO_UDP = 0,
	INP_PROTO_TCP = 1,
};
#define INP_NPROTO 2

/*
 * Explain mode.  Calls that make a decision (bind, connect, setsockopt,
 * lookups, delivery) take an optional struct inp_explain *.  When it is not
 * NULL the call fills in the spec rule that decided the outcome (for example
 * "B9", "R4", "T1", "S3", "G4", "L4", "UD-7") and a one-line reason that
 * names the conflicting socket where there is one.  Passing NULL costs
 * nothing on the fast paths.
 */
#define INP_EXPLAIN_RULE_MAX 16
#define INP_EXPLAIN_REASON_MAX 240
struct inp_explain {
	char rule[INP_EXPLAIN_RULE_MAX];
	char reason[INP_EXPLAIN_REASON_MAX];
};

/* Longest label a socket may carry (used in explanations and listings). */
#define INP_LABEL_MAX 32

#ifdef __cplusplus
}
#endif
#endif
