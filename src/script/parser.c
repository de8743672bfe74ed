/*
 * parser.c - a whole .pcbs file to statements: the line loop, the command
 * table, diagnostics, reading files, and the argument helpers the
 * statement parsers share.
 *
 * A file with any error gives no script at all (scenario-language.md:
 * "no statement of that file runs"); every error is reported, up to
 * PARSE_DIAG_MAX of them, so one run shows all the typos of a file.
 */
#include "parse_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define Q(s) lex_quote((s), (char[48]){0}, 48)

/* ---- helpers for the statement parsers ---------------------------------- */

int perr(struct pctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, LEX_ERR_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

int p_nargs(struct pctx *c, unsigned min, unsigned max)
{
	if (c->ntok < min)
		return perr(c, "missing argument (usage: %s)", c->usage);
	if (c->ntok > max)
		return perr(c, "unexpected '%s' (usage: %s)", Q(c->tok[max]),
		            c->usage);
	return 0;
}

bool p_is(const char *tok, const char *word)
{
	return strcasecmp(tok, word) == 0;
}

const char *p_kv(const char *tok, const char *key)
{
	size_t n = strlen(key);

	if (strncasecmp(tok, key, n) == 0 && tok[n] == '=')
		return tok + n + 1;
	return NULL;
}

int p_name(struct pctx *c, const char *tok, const char *what, char *dst)
{
	return lex_name(tok, SCRIPT_NAME_MAX, what, dst, c->err);
}

int p_sock(struct pctx *c, const char *tok, char *dst)
{
	return lex_name(tok, SCRIPT_SOCK_MAX, "socket name", dst, c->err);
}

int p_newsock(struct pctx *c, const char *tok, char *dst)
{
	if (p_sock(c, tok, dst) < 0)
		return -1;
	/* lookup and deliver results would be ambiguous otherwise */
	if (strcmp(tok, "none") == 0 || strcmp(tok, "unreach") == 0 ||
	    inp_errno_value(tok) > 0)
		return perr(c, "socket name '%s' is reserved", Q(tok));
	return 0;
}

int p_endpoint(struct pctx *c, const char *tok, struct script_ep *ep)
{
	return lex_endpoint(tok, ep, c->err);
}

int p_addr(struct pctx *c, const char *tok, int family, const char *what,
           struct script_addr *a)
{
	if (lex_addr(tok, a, c->err) < 0)
		return -1;
	if (family && a->family != family)
		return perr(c, "%s needs an %s address, not '%s'", what,
		            family == AF_INET ? "IPv4" : "IPv6", Q(tok));
	return 0;
}

int p_u64(struct pctx *c, const char *tok, uint64_t max, const char *what,
          uint64_t *out)
{
	return lex_u64(tok, max, what, out, c->err);
}

int p_i64(struct pctx *c, const char *tok, int64_t min, int64_t max,
          const char *what, int64_t *out)
{
	return lex_i64(tok, min, max, what, out, c->err);
}

int p_bool(struct pctx *c, const char *tok, const char *what, bool *out)
{
	if (strcmp(tok, "0") != 0 && strcmp(tok, "1") != 0)
		return perr(c, "%s must be 0 or 1, not '%s'", what, Q(tok));
	*out = tok[0] == '1';
	return 0;
}

/* ---- statement shapes --------------------------------------------------- */

enum result_shape stmt_shape(enum stmt_kind kind)
{
	switch (kind) {
	case ST_GETSOCKNAME:
	case ST_GETPEERNAME:
		return RS_ENDPOINT;
	case ST_LOOKUP:
		return RS_LOOKUP;
	case ST_DELIVER:
		return RS_DELIVER;
	case ST_RECV:
		return RS_RECV;
	case ST_SYSCTL_GET:
	case ST_COUNT:
	case ST_STAT:
		return RS_INT;
	case ST_NETSTAT:
		return RS_TABLE;
	default:
		return RS_STATUS;
	}
}

bool stmt_is_query(enum stmt_kind kind)
{
	return stmt_shape(kind) != RS_STATUS;
}

/* ---- the command table -------------------------------------------------- */

static const struct command {
	const char *name;
	int (*parse)(struct pctx *c);
	const char *usage;
} commands[] = {
	{ "vnet", parse_vnet, "vnet create|use|destroy NAME" },
	{ "ifconfig", parse_ifconfig,
	  "ifconfig IF inet ADDR/PLEN [dstaddr PEER] | inet6 ADDR/PLEN | "
	  "delete ADDR | up | down | loopback" },
	{ "route", parse_route,
	  "route add|delete [-inet6] DEST/PLEN|default [GATEWAY|-iface IF]" },
	{ "sysctl", parse_sysctl, "sysctl NAME[=VALUE]" },
	{ "advance", parse_advance, "advance SECONDS" },
	{ "seed", parse_seed, "seed N" },
	{ "jail", parse_jail,
	  "jail create NAME [ip4=A,B|inherit] [ip6=A,B|inherit] "
	  "[ip4.saddrsel=0|1] [ip6.saddrsel=0|1] [allow.reserved_ports=0|1]"
	  " | jail remove NAME" },
	{ "cred", parse_cred, "cred NAME [uid=N] [jail=JAIL] [priv=P,P]" },
	{ "socket", parse_socket, "socket S tcp4|udp4|tcp6|udp6 [cred=C]" },
	{ "setsockopt", parse_setsockopt, "setsockopt S OPTION [VALUE...]" },
	{ "bind", parse_bind, "bind S ADDR:PORT" },
	{ "connect", parse_connect, "connect S ADDR:PORT" },
	{ "disconnect", parse_sock_only, "disconnect S" },
	{ "listen", parse_listen, "listen S [BACKLOG]" },
	{ "accept", parse_accept,
	  "accept L S FROM ADDR:PORT [TO ADDR:PORT]" },
	{ "timewait", parse_sock_only, "timewait S" },
	{ "close", parse_sock_only, "close S" },
	{ "getsockname", parse_sock_only, "getsockname S" },
	{ "getpeername", parse_sock_only, "getpeername S" },
	{ "lookup", parse_lookup,
	  "lookup tcp|udp SRC DST [if=IF] [hash=N]" },
	{ "deliver", parse_deliver,
	  "deliver udp SRC DST [if=IF] [tos=N] [ttl=N] [len=N]" },
	{ "recv", parse_sock_only, "recv S" },
	{ "count", parse_count, "count [tcp|udp]" },
	{ "netstat", parse_netstat, "netstat" },
	{ "stat", parse_stat, "stat udp COUNTER" },
	{ "send", parse_send, "send S [ADDR:PORT] [len=N]" },
};

static const struct command *find_command(const char *word)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (p_is(word, commands[i].name))
			return &commands[i];
	return NULL;
}

/* ---- statements --------------------------------------------------------- */

static void stmt_free(struct stmt *st)
{
	free(st->text);
	free(st->lead);
	free(st->tail);
	expect_free(&st->exp);
	if (st->kind == ST_JAIL_CREATE)
		free(st->u.jail);
}

/* The statement as printed: tokens joined by one space. */
static char *stmt_text(const struct lex_line *ln)
{
	size_t len = 4;
	unsigned i;
	char *s, *p;

	for (i = 0; i < ln->ntok; i++)
		len += strlen(ln->tok[i]) + 1;
	for (i = 0; i < ln->nexp; i++)
		len += strlen(ln->exp[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	for (i = 0; i < ln->ntok; i++)
		p += sprintf(p, "%s%s", i ? " " : "", ln->tok[i]);
	if (ln->has_expect)
		p += sprintf(p, " =>");
	for (i = 0; i < ln->nexp; i++)
		p += sprintf(p, " %s", ln->exp[i]);
	return s;
}

/* Parse one tokenised line into st; -1 with err, or -ENOMEM. */
static int parse_stmt(struct lex_line *ln, struct stmt *st, char *err)
{
	const struct command *cmd = find_command(ln->tok[0]);
	struct pctx c = { ln->tok, ln->ntok, st, err, NULL };
	int rc;

	if (!cmd)
		return perr(&c, "unknown command '%s'", Q(ln->tok[0]));
	c.usage = cmd->usage;
	rc = cmd->parse(&c);
	if (rc < 0)
		return rc;
	if (ln->has_expect) {
		rc = expect_parse(stmt_shape(st->kind), ln->exp, ln->nexp,
		                  &st->exp, err);
		if (rc < 0)
			return rc;
	}
	st->text = stmt_text(ln);
	return st->text ? 0 : -ENOMEM;
}

/* ---- files -------------------------------------------------------------- */

static void diag_add(struct parse_diags *d, unsigned line, const char *what)
{
	if (d->n < PARSE_DIAG_MAX) {
		d->d[d->n].line = line;
		snprintf(d->d[d->n].what, sizeof(d->d[d->n].what), "%s", what);
		d->n++;
	}
	d->total++;
}

static int script_append(struct script *s, struct stmt *st)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct stmt *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *st;
	return 0;
}

/*
 * The comment of a line ("# ..." up to the end), without the '#' and the
 * blanks around it; NULL when the line has none.  Comments are kept for
 * narration (`inpcb run --comments`), never interpreted.
 */
static char *line_comment(const char *line, size_t len)
{
	const char *hash = memchr(line, '#', len);
	size_t n;

	if (!hash)
		return NULL;
	n = len - (size_t)(hash - line) - 1;
	line = hash + 1;
	while (n && (*line == ' ' || *line == '\t'))
		line++, n--;
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\r'))
		n--;
	return strndup(line, n);
}

/* Add a full-line comment to the block that will lead the next statement. */
static int pending_add(struct script *s, char *comment)
{
	size_t old = s->pending ? strlen(s->pending) : 0;
	char *p = realloc(s->pending, old + strlen(comment) + 2);

	if (!p) {
		free(comment);
		return -ENOMEM;
	}
	if (old)
		p[old++] = '\n';
	strcpy(p + old, comment);
	s->pending = p;
	free(comment);
	return 0;
}

/* Parse one line: append a statement or record a diagnostic. */
static int parse_one(struct script *s, struct lex_line *ln, const char *line,
                     size_t len, unsigned lineno, struct parse_diags *d)
{
	char err[LEX_ERR_MAX];
	struct stmt st;
	int rc;

	if (lex_line(line, len, ln, err) < 0) {
		diag_add(d, lineno, err);
		return 0;
	}
	if (ln->ntok == 0) {
		char *c = line_comment(line, len);
		return c ? pending_add(s, c) : 0;
	}
	memset(&st, 0, sizeof(st));
	st.line = lineno;
	rc = parse_stmt(ln, &st, err);
	if (rc == 0) {
		st.lead = s->pending;
		s->pending = NULL;
		st.tail = line_comment(line, len);
	}
	if (rc == 0 && d->total == 0 && s->n >= SCRIPT_STMTS_MAX) {
		snprintf(err, sizeof(err), "too many statements (max %d)",
		         SCRIPT_STMTS_MAX);
		rc = -1;
	}
	if (rc == 0 && d->total == 0)
		rc = script_append(s, &st);
	else
		stmt_free(&st);
	if (rc == -1)
		diag_add(d, lineno, err);
	return rc == -ENOMEM ? rc : 0;
}

int script_parse(const char *file, const char *buf, size_t len,
                 struct script **out, struct parse_diags *diags)
{
	struct lex_line *ln = malloc(sizeof(*ln));
	struct script *s = calloc(1, sizeof(*s));
	size_t pos = 0, end;
	unsigned lineno = 0;
	int rc = 0;

	memset(diags, 0, sizeof(*diags));
	diags->file = file;
	*out = NULL;
	if (!ln || !s || !(s->file = strdup(file))) {
		free(ln);
		script_free(s);
		return -ENOMEM;
	}
	while (pos < len && rc == 0) {
		const char *nl = memchr(buf + pos, '\n', len - pos);

		end = nl ? (size_t)(nl - buf) : len;
		rc = parse_one(s, ln, buf + pos, end - pos, ++lineno, diags);
		pos = end + 1;
	}
	free(ln);
	if (rc == 0 && diags->total == 0) {
		*out = s;
		return 0;
	}
	script_free(s);
	return rc < 0 ? rc : -1;
}

/* Read at most SCRIPT_FILE_MAX bytes of path; -1 with a message. */
static char *read_file(const char *path, size_t *len, char *err)
{
	struct stat sb;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb) < 0) {
		snprintf(err, LEX_ERR_MAX, "cannot read: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, LEX_ERR_MAX, "not a regular file");
		goto fail;
	}
	if (sb.st_size > (off_t)SCRIPT_FILE_MAX) {
		snprintf(err, LEX_ERR_MAX, "file too large (max %u bytes)",
		         SCRIPT_FILE_MAX);
		goto fail;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		snprintf(err, LEX_ERR_MAX, "out of memory");
		goto fail;
	}
	while (got < (size_t)sb.st_size &&
	       (n = read(fd, buf + got, (size_t)sb.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	*len = got;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

int script_load(const char *path, struct script **out,
                struct parse_diags *diags)
{
	char err[LEX_ERR_MAX];
	size_t len = 0;
	char *buf = read_file(path, &len, err);
	int rc;

	if (!buf) {
		memset(diags, 0, sizeof(*diags));
		diags->file = path;
		*out = NULL;
		diag_add(diags, 0, err);
		return -1;
	}
	rc = script_parse(path, buf, len, out, diags);
	free(buf);
	return rc;
}

void script_free(struct script *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		stmt_free(&s->v[i]);
	free(s->v);
	free(s->file);
	free(s->pending);
	free(s);
}

void parse_diags_print(FILE *f, const struct parse_diags *d)
{
	unsigned i;

	for (i = 0; i < d->n; i++) {
		if (d->d[i].line)
			fprintf(f, "%s:%u: error: %s\n", d->file, d->d[i].line,
			        d->d[i].what);
		else
			fprintf(f, "%s: error: %s\n", d->file, d->d[i].what);
	}
	if (d->total > d->n)
		fprintf(f, "%s: error: %u more errors not shown\n", d->file,
		        d->total - d->n);
}
