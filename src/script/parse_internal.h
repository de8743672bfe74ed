/*
 * parse_internal.h - what the statement parsers (parse_world.c,
 * parse_sock.c) share with the driver (parser.c).
 */
#ifndef INPCB_SCRIPT_PARSE_INTERNAL_H
#define INPCB_SCRIPT_PARSE_INTERNAL_H

#include "parser.h"

/* The line being parsed. */
struct pctx {
	char **tok;        /* tok[0] is the command word */
	unsigned ntok;
	struct stmt *st;   /* zeroed; the parser fills kind and arguments */
	char *err;         /* LEX_ERR_MAX bytes */
	const char *usage; /* for "missing argument" messages */
};

/* Format an error into c->err; returns -1. */
int perr(struct pctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The statement has between min and max tokens, command word included. */
int p_nargs(struct pctx *c, unsigned min, unsigned max);

/* Case-insensitive keyword test. */
bool p_is(const char *tok, const char *word);

/* If tok is "key=VALUE" return VALUE, else NULL (key case-insensitive). */
const char *p_kv(const char *tok, const char *key);

/* A name of at most SCRIPT_NAME_MAX-1 characters. */
int p_name(struct pctx *c, const char *tok, const char *what, char *dst);
/* An existing socket's name (SCRIPT_SOCK_MAX-1 characters). */
int p_sock(struct pctx *c, const char *tok, char *dst);
/* A new socket's name: like p_sock, and not a reserved word. */
int p_newsock(struct pctx *c, const char *tok, char *dst);
int p_endpoint(struct pctx *c, const char *tok, struct script_ep *ep);
int p_addr(struct pctx *c, const char *tok, int family, const char *what,
           struct script_addr *a);
int p_u64(struct pctx *c, const char *tok, uint64_t max, const char *what,
          uint64_t *out);
int p_i64(struct pctx *c, const char *tok, int64_t min, int64_t max,
          const char *what, int64_t *out);
/* "0" or "1". */
int p_bool(struct pctx *c, const char *tok, const char *what, bool *out);

/* Statement parsers: fill c->st (kind and arguments) or fail. */
int parse_vnet(struct pctx *c);
int parse_ifconfig(struct pctx *c);
int parse_route(struct pctx *c);
int parse_sysctl(struct pctx *c);
int parse_advance(struct pctx *c);
int parse_seed(struct pctx *c);
int parse_jail(struct pctx *c);
int parse_cred(struct pctx *c);

int parse_socket(struct pctx *c);
int parse_setsockopt(struct pctx *c);
int parse_bind(struct pctx *c);
int parse_connect(struct pctx *c);
int parse_sock_only(struct pctx *c);  /* disconnect, timewait, close,
                                         getsockname, getpeername, recv */
int parse_listen(struct pctx *c);
int parse_accept(struct pctx *c);
int parse_lookup(struct pctx *c);
int parse_deliver(struct pctx *c);
int parse_count(struct pctx *c);
int parse_netstat(struct pctx *c);
int parse_stat(struct pctx *c);
int parse_send(struct pctx *c);

#endif
