/*
 * parser.h - a .pcbs file as an array of typed statements.
 *
 * script_parse() checks a whole file before anything runs
 * (scenario-language.md, "Output and exit status"): if any line is
 * malformed the file gives no script, only diagnostics of the form
 * FILE:LINE: error: WHAT.  A parsed statement holds everything the
 * interpreter needs: the command, its typed arguments and its
 * expectation.  Names of sockets, credentials, jails, vnets and
 * interfaces are checked for shape only; whether they exist is a
 * run-time question (see interp.c).
 */
#ifndef INPCB_SCRIPT_PARSER_H
#define INPCB_SCRIPT_PARSER_H

#include "expect.h"
#include "lexer.h"
#include "vocab.h"

#include <stdio.h>

#define SCRIPT_SOCK_MAX   INP_LABEL_MAX /* socket names: 31 characters */
#define SCRIPT_NAME_MAX   INP_NAME_MAX  /* other names: 63 characters */
#define SCRIPT_SYSCTL_MAX 128
#define SCRIPT_STMTS_MAX  100000        /* statements per file */
#define SCRIPT_FILE_MAX   (16u << 20)   /* bytes per file */
#define SCRIPT_ADVANCE_MAX 1000000000ull /* seconds per advance */

enum stmt_kind {
	ST_VNET_CREATE, ST_VNET_USE, ST_VNET_DESTROY,
	ST_IF_ADDR,      /* ifconfig IF inet|inet6 ADDR/PLEN [dstaddr PEER] */
	ST_IF_DELETE, ST_IF_UP, ST_IF_DOWN, ST_IF_LOOPBACK,
	ST_ROUTE_ADD, ST_ROUTE_DELETE,
	ST_SYSCTL_SET, ST_SYSCTL_GET,
	ST_ADVANCE, ST_SEED,
	ST_JAIL_CREATE, ST_JAIL_REMOVE,
	ST_CRED,
	ST_SOCKET, ST_SETSOCKOPT, ST_BIND, ST_CONNECT, ST_DISCONNECT,
	ST_LISTEN, ST_ACCEPT, ST_TIMEWAIT, ST_CLOSE,
	ST_GETSOCKNAME, ST_GETPEERNAME,
	ST_LOOKUP, ST_DELIVER, ST_RECV,
	ST_COUNT, ST_NETSTAT, ST_STAT,
	ST_SEND,         /* send S [DST] [len=N]: the datapath extension */
};

/*
 * One statement.  name and name2 hold the statement's names:
 *   vnet: name = vnet; ifconfig: name = interface;
 *   route: name2 = -iface interface; jail: name = jail;
 *   cred: name = credential, name2 = jail (jail=);
 *   socket: name = socket, name2 = credential ("" = root);
 *   setsockopt, bind, connect, ...: name = socket;
 *   setsockopt IPV6_*: name2 = interface; accept: name = listener,
 *   name2 = new socket; lookup, deliver: name2 = if= interface.
 */
struct stmt {
	enum stmt_kind kind;
	unsigned line;
	char *text;                   /* the statement as printed */
	char *lead;                   /* comment lines before it, or NULL */
	char *tail;                   /* its trailing comment, or NULL */
	struct expect exp;
	char name[SCRIPT_NAME_MAX];
	char name2[SCRIPT_NAME_MAX];
	union {
		struct {                      /* ST_IF_ADDR, ST_IF_DELETE */
			struct script_addr addr;
			unsigned plen;
			bool has_peer;
			struct script_addr peer;
		} ifaddr;
		struct {                      /* ST_ROUTE_* */
			struct script_addr dst;
			unsigned plen;
			bool has_gw;
			struct script_addr gw;
		} route;
		struct {                      /* ST_SYSCTL_* */
			char name[SCRIPT_SYSCTL_MAX];
			int64_t value;
		} sysctl;
		uint64_t advance_ns;          /* ST_ADVANCE */
		uint64_t seed;                /* ST_SEED */
		struct inp_jail_params *jail; /* ST_JAIL_CREATE (allocated) */
		struct {                      /* ST_CRED */
			uint32_t uid;
			int privs;            /* INP_PRIV_* or _DEFAULT */
		} cred;
		struct {                      /* ST_SOCKET */
			int family;
			enum inp_proto proto;
		} socket;
		struct {                      /* ST_SETSOCKOPT */
			const struct sockopt_desc *opt;
			int64_t ival;         /* OV_INT, OV_PORTRANGE,
			                       * OV_IFINDEX given as a number */
			struct script_addr a1, a2; /* address / group, ifaddr */
			bool has_a2;
		} sockopt;
		struct script_ep ep;          /* ST_BIND, ST_CONNECT */
		int backlog;                  /* ST_LISTEN */
		struct {                      /* ST_ACCEPT */
			struct script_ep from, to;
			bool has_to;
		} accept;
		struct {                      /* ST_LOOKUP, ST_DELIVER */
			enum inp_proto proto;
			struct script_ep src, dst;
			bool has_hash;
			uint32_t hash;
			uint8_t tos, ttl;
			uint16_t len;
			bool link_bcast;
		} pkt;
		struct {                      /* ST_SEND */
			struct script_ep dst;
			bool has_dst;         /* else: the connected peer */
			uint16_t len;         /* payload bytes (zeros) */
		} send;
		int count_proto;              /* ST_COUNT: -1 = both */
		const struct udpstat_desc *stat; /* ST_STAT */
	} u;
};

struct script {
	char *file;
	struct stmt *v;
	size_t n, cap;
	char *pending;                /* comment lines not yet attached */
};

/* Diagnostics of a file that did not parse. */
#define PARSE_DIAG_MAX 20
struct parse_diag {
	unsigned line;             /* 0: about the whole file */
	char what[LEX_ERR_MAX];
};
struct parse_diags {
	const char *file;
	struct parse_diag d[PARSE_DIAG_MAX];
	unsigned n;                /* stored */
	unsigned total;            /* found (may exceed PARSE_DIAG_MAX) */
};

/*
 * Parse buf[0..len) (any bytes) as the file called file.  Returns 0 and
 * *out, -1 when the file has errors (described in *diags, *out NULL), or
 * -ENOMEM.  diags is always initialised.
 */
int script_parse(const char *file, const char *buf, size_t len,
                 struct script **out, struct parse_diags *diags);

/* Read and parse the file at path; -1 with a diagnostic if unreadable. */
int script_load(const char *path, struct script **out,
                struct parse_diags *diags);

void script_free(struct script *s);

/* Print the diagnostics as "FILE:LINE: error: WHAT" lines. */
void parse_diags_print(FILE *f, const struct parse_diags *diags);

/* The result shape of a statement kind (what its expectation may be). */
enum result_shape stmt_shape(enum stmt_kind kind);

/*
 * Pure queries only print their result when written without "=>":
 * getsockname, getpeername, lookup, deliver, recv, count, sysctl NAME,
 * netstat, stat.  Every other statement without "=>" expects ok.
 */
bool stmt_is_query(enum stmt_kind kind);

#endif
