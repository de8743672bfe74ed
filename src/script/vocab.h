/*
 * vocab.h - the fixed vocabularies of the scenario language: socket
 * options (name, level, value shape) and UDP statistics counters.
 */
#ifndef INPCB_SCRIPT_VOCAB_H
#define INPCB_SCRIPT_VOCAB_H

#include <inpcb/inpcb.h>

#include <stddef.h>

/* How the value of a socket option is written and passed. */
enum optval_kind {
	OV_INT,       /* N (0|1 for the boolean options): int */
	OV_PORTRANGE, /* default|high|low: int INP_IP_PORTRANGE_* */
	OV_ADDR4,     /* ADDR: struct in_addr */
	OV_MREQ4,     /* GROUP [IFADDR]: struct ip_mreq */
	OV_MREQ6,     /* GROUP [IF]: struct ipv6_mreq */
	OV_IFINDEX,   /* IF: unsigned interface index */
};

struct sockopt_desc {
	const char *name; /* "SO_REUSEADDR" */
	int level;        /* INP_SOL_SOCKET, INP_IPPROTO_IP, INP_IPPROTO_IPV6 */
	int optname;      /* INP_SO_REUSEADDR ... */
	enum optval_kind kind;
};

/* The option called name (case-insensitive), or NULL. */
const struct sockopt_desc *vocab_sockopt(const char *name);

/* A counter of struct inp_udpstat. */
struct udpstat_desc {
	const char *name;  /* "udps_noport" */
	size_t offset;     /* of its uint64_t in struct inp_udpstat */
};

/* The UDP counter called name (exact), or NULL. */
const struct udpstat_desc *vocab_udpstat(const char *name);

#endif
