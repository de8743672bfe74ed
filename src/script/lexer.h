/*
 * lexer.h - the lexical layer of the scenario language (.pcbs files).
 *
 * lex_line() cuts one line into tokens: '#' starts a comment, spaces and
 * tabs separate tokens, and "=>" splits the command from its expectation.
 * The other functions parse single tokens: names, numbers, addresses
 * (with an optional IPv6 zone), ADDR/PLEN prefixes, endpoints and the
 * endpoint patterns of expectations (port '*' or LO-HI).
 *
 * Every function reports a problem as a short message in a caller buffer
 * of LEX_ERR_MAX bytes and never reads past the input it is given, however
 * long, binary or hostile it is.
 */
#ifndef INPCB_SCRIPT_LEXER_H
#define INPCB_SCRIPT_LEXER_H

#include <inpcb/inpcb.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEX_LINE_MAX   4096 /* longest accepted line, in bytes */
#define LEX_TOKENS_MAX 64   /* tokens per line, command and expectation */
#define LEX_ERR_MAX    200  /* size of an error message buffer */

/* One line cut into NUL-terminated tokens stored in buf. */
struct lex_line {
	char buf[LEX_LINE_MAX + 1];
	char *tok[LEX_TOKENS_MAX]; /* the command and its arguments */
	unsigned ntok;
	char *exp[LEX_TOKENS_MAX]; /* the tokens after "=>" */
	unsigned nexp;
	bool has_expect;           /* the line has "=>" */
};

/*
 * Tokenise the line [line, line+len) (without its newline).  A line holding
 * only blanks or a comment gives ntok == 0.  Returns 0, or -1 with a message
 * in err: NUL or control bytes, non-ASCII bytes outside comments, a line
 * longer than LEX_LINE_MAX, too many tokens, "=>" twice or with nothing
 * after it, or nothing before it.
 */
int lex_line(const char *line, size_t len, struct lex_line *out, char *err);

/* An address as written: IPv4 or IPv6 with an optional zone. */
struct script_addr {
	int family;               /* AF_INET or AF_INET6 */
	struct in_addr v4;
	struct in6_addr v6;
	char zone[INP_NAME_MAX];  /* IPv6 zone ("em0" or "3"); "" if none */
};

/* An endpoint ADDR:PORT. */
struct script_ep {
	struct script_addr addr;
	uint16_t port;
};

/* An endpoint pattern of an expectation: the port is a range. */
struct script_ep_pattern {
	struct script_addr addr;
	uint16_t lo, hi;          /* '*' is 0-65535; a single port lo == hi */
};

/* Names: [A-Za-z_][A-Za-z0-9_.-]* of at most max-1 characters. */
bool lex_is_name(const char *s);
int lex_name(const char *s, size_t max, const char *what, char *dst,
             char *err);

/*
 * Unsigned number, decimal or 0x-hex, at most max.  Returns 0, or -1 with
 * "bad WHAT 'S'" / "WHAT S out of range (max MAX)" in err.
 */
int lex_u64(const char *s, uint64_t max, const char *what, uint64_t *out,
            char *err);
/* Signed decimal or 0x-hex number in [min, max]. */
int lex_i64(const char *s, int64_t min, int64_t max, const char *what,
            int64_t *out, char *err);

/* An address: dotted quad, or IPv6 with optional %zone. */
int lex_addr(const char *s, struct script_addr *a, char *err);
/* ADDR/PLEN; *has_plen false when "/PLEN" is absent (plen untouched). */
int lex_prefix(const char *s, struct script_addr *a, unsigned *plen,
               bool *has_plen, char *err);
/* ADDR:PORT or [ADDR6]:PORT, port 0..65535. */
int lex_endpoint(const char *s, struct script_ep *ep, char *err);
/* Like lex_endpoint, the port may also be '*' or LO-HI. */
int lex_ep_pattern(const char *s, struct script_ep_pattern *p, char *err);

/* Copy s into dst (size LEX_ERR_MAX/2) for messages, shortened with "...". */
const char *lex_quote(const char *s, char *dst, size_t size);

#endif
