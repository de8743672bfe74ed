/*
 * expect.h - results of statements, expectations, and matching the two.
 *
 * A statement's result (struct outcome) is one of: ok or an errno (any
 * statement), an endpoint, a list of socket names, none, unreach, an
 * integer, or a received datagram.  Its expectation (the text after "=>")
 * is parsed according to the statement's result shape and compared with
 * the rules of scenario-language.md: exact text; endpoint ports '*' or
 * LO-HI; name lists in any order; recv field by field (fields not written
 * are not checked; numbers decimal or 0x-hex); errno names by value.
 *
 * Extensions (they change the meaning of nothing the spec defines):
 *   lookup ... => a|b      the result is one of the names (hash-dependent
 *                          load-balancing picks, E33);
 *   recv S => ... dst=none / tos=none / ttl=none / if=none
 *                          the field must be absent;
 *   recv S => ... if=IF    the receiving interface (IP_RECVIF).
 */
#ifndef INPCB_SCRIPT_EXPECT_H
#define INPCB_SCRIPT_EXPECT_H

#include "lexer.h"
#include "strbuf.h"

/* What a statement may be compared with. */
enum result_shape {
	RS_STATUS,   /* ok | ERRNO */
	RS_ENDPOINT, /* endpoint pattern | ERRNO */
	RS_LOOKUP,   /* NAME | NAME|NAME... | none | ERRNO */
	RS_DELIVER,  /* NAME,NAME... | none | unreach | ERRNO */
	RS_RECV,     /* [SRC] [dst=A] [tos=N] [ttl=N] [if=IF] [len=N] | ERRNO */
	RS_INT,      /* integer | ERRNO */
	RS_TABLE,    /* netstat: no expectation allowed */
};

enum expect_kind {
	EX_OK,
	EX_ERRNO,
	EX_ENDPOINT,
	EX_NAMES,   /* a,b,c: the same multiset of names */
	EX_ANYOF,   /* a|b: exactly one name, one of these */
	EX_NONE,
	EX_UNREACH,
	EX_INT,
	EX_RECV,
};

/* A field of a recv expectation. */
enum field_check {
	FC_ANY = 0, /* not written: not checked */
	FC_ABSENT,  /* written as FIELD=none */
	FC_VALUE,   /* written with a value */
};

struct recv_pattern {
	bool has_src;
	struct script_ep_pattern src;
	enum field_check dst_c, tos_c, ttl_c, if_c, len_c;
	struct script_addr dst;
	uint8_t tos, ttl;
	uint64_t len;
	char ifname[INP_NAME_MAX];
};

struct expect {
	bool present;             /* the statement has "=>" */
	enum expect_kind kind;
	char *text;               /* as written (tokens joined by spaces) */
	int err;                  /* EX_ERRNO: the errno value */
	int64_t ival;             /* EX_INT */
	char **names;             /* EX_NAMES (sorted), EX_ANYOF */
	unsigned n_names;
	union {
		struct script_ep_pattern ep; /* EX_ENDPOINT */
		struct recv_pattern *recv;   /* EX_RECV (allocated) */
	} u;
};

/*
 * Parse the n expectation tokens tok[] for a statement of result shape
 * shape.  Returns 0, -1 with a message in err (LEX_ERR_MAX), or -ENOMEM.
 * On success e owns allocated memory: release it with expect_free().
 */
int expect_parse(enum result_shape shape, char **tok, unsigned n,
                 struct expect *e, char *err);
void expect_free(struct expect *e);

/* The result of running a statement. */
enum outcome_kind {
	OC_STATUS,   /* ok, or err */
	OC_ENDPOINT, /* ep */
	OC_NAMES,    /* names[0..n_names) in delivery order */
	OC_NONE,
	OC_UNREACH,
	OC_INT,      /* ival */
	OC_RECV,     /* rcv */
	OC_TABLE,    /* netstat: the table was printed */
};

struct outcome {
	enum outcome_kind kind;
	int err;                    /* > 0: the call failed with this errno */
	bool disconnect;            /* a disconnect: success also matches
	                             * EAFNOSUPPORT (C11, see interp.c) */
	struct sockaddr_storage ep;
	const char **names;         /* owned by the interpreter */
	unsigned n_names;
	int64_t ival;
	struct inp_rcvinfo rcv;
};

/*
 * Does outcome o satisfy expectation e?  vnet (may be NULL) names the
 * interfaces of IPv6 zones and of recv's if= field.
 */
bool expect_match(const struct expect *e, const struct outcome *o,
                  struct inp_vnet *vnet);

/* Append the printable result to sb ("ok", "EADDRINUSE", "a,b", ...). */
void outcome_format(const struct outcome *o, const struct expect *e,
                    struct inp_vnet *vnet, struct strbuf *sb);

/* An endpoint as the language writes it: 1.2.3.4:80, [2001:db8::1]:80. */
void format_endpoint(const struct sockaddr *sa, struct inp_vnet *vnet,
                     struct strbuf *sb);

/* The name of an errno value ("EADDRINUSE"; "errno 123" if unknown). */
void format_errno(int err, struct strbuf *sb);

#endif
