/*
 * lexer.c - tokens of one .pcbs line and the parsing of single tokens.
 *
 * The rules are those of scenario-language.md, "Lexical rules".  Inputs
 * may be anything (fuzzers feed binary garbage): every loop is bounded by
 * the given length, numbers are accumulated with overflow checks, and
 * messages quote at most a short prefix of the offending token.
 */
#include "lexer.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int lex_err(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int lex_err(char *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, LEX_ERR_MAX, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *lex_quote(const char *s, char *dst, size_t size)
{
	size_t n = strlen(s);

	if (size < 8) {
		if (size)
			dst[0] = '\0';
		return dst;
	}
	if (n < size) {
		memcpy(dst, s, n + 1);
	} else {
		memcpy(dst, s, size - 4);
		memcpy(dst + size - 4, "...", 4);
	}
	return dst;
}

/* A quoted token for messages: short enough to keep lines readable. */
#define Q(s) lex_quote((s), (char[48]){0}, 48)

/* ---- lines ------------------------------------------------------------ */

/* Check the bytes of a line; returns the length of the part before '#'. */
static long check_bytes(const char *line, size_t len, char *err)
{
	size_t i, code = len;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\0')
			return lex_err(err, "NUL byte in line");
		if (code < len)
			continue; /* inside the comment: anything but NUL */
		if (c == '#') {
			code = i;
		} else if (c >= 0x80) {
			return lex_err(err, "non-ASCII byte 0x%02x (allowed "
			               "in comments only)", c);
		} else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			return lex_err(err, "control byte 0x%02x in line", c);
		}
	}
	return (long)code;
}

/* Split s in place at blanks into tok[]; returns the count or -1. */
static int split(char *s, char **tok, unsigned room, unsigned *n, char *err)
{
	*n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			*s++ = '\0';
		if (*s == '\0')
			return 0;
		if (*n == room)
			return lex_err(err, "too many tokens (max %d per line)",
			               LEX_TOKENS_MAX);
		tok[(*n)++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r')
			s++;
	}
}

int lex_line(const char *line, size_t len, struct lex_line *out, char *err)
{
	long code;
	char *arrow;

	out->ntok = out->nexp = 0;
	out->has_expect = false;
	out->buf[0] = '\0';
	if (len > LEX_LINE_MAX)
		return lex_err(err, "line too long (%zu bytes, max %d)", len,
		               LEX_LINE_MAX);
	code = check_bytes(line, len, err);
	if (code < 0)
		return -1;
	memcpy(out->buf, line, (size_t)code);
	out->buf[code] = '\0';

	arrow = strstr(out->buf, "=>");
	if (arrow) {
		if (strstr(arrow + 2, "=>"))
			return lex_err(err, "'=>' appears twice");
		*arrow = '\0';
		out->has_expect = true;
	}
	if (split(out->buf, out->tok, LEX_TOKENS_MAX, &out->ntok, err) < 0)
		return -1;
	if (!arrow)
		return 0;
	if (split(arrow + 2, out->exp, LEX_TOKENS_MAX - out->ntok, &out->nexp,
	          err) < 0)
		return -1;
	if (out->ntok == 0)
		return lex_err(err, "'=>' without a statement before it");
	if (out->nexp == 0)
		return lex_err(err, "nothing after '=>'");
	return 0;
}

/* ---- names and numbers -------------------------------------------------- */

static bool is_alpha_(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool lex_is_name(const char *s)
{
	if (!is_alpha_(*s))
		return false;
	for (s++; *s; s++)
		if (!is_alpha_(*s) && !is_digit(*s) && *s != '.' && *s != '-')
			return false;
	return true;
}

int lex_name(const char *s, size_t max, const char *what, char *dst,
             char *err)
{
	if (!lex_is_name(s))
		return lex_err(err, "bad %s '%s' (names are "
		               "[A-Za-z_][A-Za-z0-9_.-]*)", what, Q(s));
	if (strlen(s) >= max)
		return lex_err(err, "%s '%s' too long (max %zu characters)",
		               what, Q(s), max - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int hexval(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Digits of s in base 10 or (0x prefix) 16, capped at max.  Returns 0,
 * -1 on bad syntax, -2 when the value exceeds max.
 */
static int scan_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	bool big = false;
	int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		d = base == 16 ? hexval(*s) : (is_digit(*s) ? *s - '0' : -1);
		if (d < 0)
			return -1;
		if ((uint64_t)d > max || v > (max - (uint64_t)d) / base)
			big = true; /* keep scanning: syntax errors win */
		else
			v = v * base + (uint64_t)d;
	}
	if (big)
		return -2;
	*out = v;
	return 0;
}

int lex_u64(const char *s, uint64_t max, const char *what, uint64_t *out,
            char *err)
{
	int rc = scan_u64(s, max, out);

	if (rc == -1)
		return lex_err(err, "bad %s '%s'", what, Q(s));
	if (rc == -2)
		return lex_err(err, "%s %s out of range (max %llu)", what, Q(s),
		               (unsigned long long)max);
	return 0;
}

int lex_i64(const char *s, int64_t min, int64_t max, const char *what,
            int64_t *out, char *err)
{
	bool neg = *s == '-';
	uint64_t mag, lim = neg ? (uint64_t)0 - (uint64_t)min : (uint64_t)max;
	int rc;

	if (neg && min >= 0)
		return lex_err(err, "%s %s out of range (min %lld)", what, Q(s),
		               (long long)min);
	rc = scan_u64(s + neg, lim, &mag);
	if (rc == -1)
		return lex_err(err, "bad %s '%s'", what, Q(s));
	if (rc == -2)
		return lex_err(err, "%s %s out of range (%lld..%lld)", what,
		               Q(s), (long long)min, (long long)max);
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

/* ---- addresses and endpoints -------------------------------------------- */

/* Parse the address in s[0..n) (not NUL-terminated); -1 if it is none. */
static int scan_addr(const char *s, size_t n, struct script_addr *a)
{
	char buf[INET6_ADDRSTRLEN + INP_NAME_MAX];
	const char *pct;

	memset(a, 0, sizeof(*a));
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	pct = strchr(buf, '%');
	if (!pct && inet_pton(AF_INET, buf, &a->v4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (pct) {
		size_t zl = strlen(pct + 1);

		if (zl == 0 || zl >= sizeof(a->zone) ||
		    (!lex_is_name(pct + 1) &&
		     strspn(pct + 1, "0123456789") != zl))
			return -1;
		memcpy(a->zone, pct + 1, zl + 1);
		buf[pct - buf] = '\0';
	}
	if (inet_pton(AF_INET6, buf, &a->v6) != 1)
		return -1;
	a->family = AF_INET6;
	return 0;
}

int lex_addr(const char *s, struct script_addr *a, char *err)
{
	if (scan_addr(s, strlen(s), a) < 0)
		return lex_err(err, "bad address '%s'", Q(s));
	return 0;
}

int lex_prefix(const char *s, struct script_addr *a, unsigned *plen,
               bool *has_plen, char *err)
{
	const char *slash = strchr(s, '/');
	uint64_t v;
	unsigned max;

	*has_plen = slash != NULL;
	if (scan_addr(s, slash ? (size_t)(slash - s) : strlen(s), a) < 0)
		return lex_err(err, "bad address '%s'", Q(s));
	if (!slash)
		return 0;
	max = a->family == AF_INET ? 32 : 128;
	if (lex_u64(slash + 1, UINT64_MAX, "prefix length", &v, err) < 0)
		return -1;
	if (v > max)
		return lex_err(err, "prefix length %s out of range (max %u)",
		               Q(slash + 1), max);
	*plen = (unsigned)v;
	return 0;
}

/* Split an endpoint into address and port text; -1 on bad shape. */
static int split_ep(const char *s, const char **addr, size_t *alen,
                    const char **port, char *err)
{
	const char *colon;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return lex_err(err, "bad endpoint '%s' (expected "
			               "[ADDR]:PORT)", Q(s));
		*addr = s + 1;
		*alen = (size_t)(close - s - 1);
		*port = close + 2;
		return 0;
	}
	colon = strrchr(s, ':');
	if (!colon)
		return lex_err(err, "bad endpoint '%s' (expected ADDR:PORT)",
		               Q(s));
	if (memchr(s, ':', (size_t)(colon - s)))
		return lex_err(err, "bad endpoint '%s' (write IPv6 endpoints "
		               "as [ADDR]:PORT)", Q(s));
	*addr = s;
	*alen = (size_t)(colon - s);
	*port = colon + 1;
	return 0;
}

/* The address part of an endpoint, with the family rule for brackets. */
static int ep_addr(const char *s, const char *addr, size_t alen,
                   struct script_addr *a, char *err)
{
	if (scan_addr(addr, alen, a) < 0)
		return lex_err(err, "bad endpoint '%s'", Q(s));
	if ((s[0] == '[') != (a->family == AF_INET6))
		return lex_err(err, "bad endpoint '%s' (brackets are for "
		               "IPv6 addresses only)", Q(s));
	return 0;
}

static int port_num(const char *p, const char *s, uint16_t *out, char *err)
{
	uint64_t v;
	int rc = scan_u64(p, UINT64_MAX, &v);

	if (rc == -1 || (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')))
		return lex_err(err, "bad port '%s' in endpoint '%s'", Q(p),
		               Q(s));
	if (rc == -2 || v > 65535)
		return lex_err(err, "port %s out of range (max 65535)", Q(p));
	*out = (uint16_t)v;
	return 0;
}

int lex_endpoint(const char *s, struct script_ep *ep, char *err)
{
	const char *addr = NULL, *port = NULL;
	size_t alen = 0;

	if (split_ep(s, &addr, &alen, &port, err) < 0 ||
	    ep_addr(s, addr, alen, &ep->addr, err) < 0)
		return -1;
	return port_num(port, s, &ep->port, err);
}

int lex_ep_pattern(const char *s, struct script_ep_pattern *p, char *err)
{
	const char *addr = NULL, *port = NULL, *dash;
	char lo[24];
	size_t alen = 0;

	if (split_ep(s, &addr, &alen, &port, err) < 0 ||
	    ep_addr(s, addr, alen, &p->addr, err) < 0)
		return -1;
	if (strcmp(port, "*") == 0) {
		p->lo = 0;
		p->hi = 65535;
		return 0;
	}
	dash = strchr(port, '-');
	if (!dash) {
		if (port_num(port, s, &p->lo, err) < 0)
			return -1;
		p->hi = p->lo;
		return 0;
	}
	if ((size_t)(dash - port) >= sizeof(lo))
		return lex_err(err, "bad port range in '%s'", Q(s));
	memcpy(lo, port, (size_t)(dash - port));
	lo[dash - port] = '\0';
	if (port_num(lo, s, &p->lo, err) < 0 ||
	    port_num(dash + 1, s, &p->hi, err) < 0)
		return -1;
	if (p->lo > p->hi)
		return lex_err(err, "empty port range in '%s'", Q(s));
	return 0;
}
