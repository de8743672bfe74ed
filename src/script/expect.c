/*
 * expect.c - parsing expectations, formatting results, matching them.
 *
 * The comparison rules are scenario-language.md's "Results and
 * expectations"; the extensions are listed in expect.h.  Errno names are
 * compared by value (inp_errno_value), so aliases such as EOPNOTSUPP and
 * ENOTSUP on Linux are the same expectation.
 */
#include "expect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define Q(s) lex_quote((s), (char[48]){0}, 48)

static int xerr(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int xerr(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, LEX_ERR_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- parsing ------------------------------------------------------------ */

/* Looks like an errno name: E followed by capitals and digits. */
static bool errno_shaped(const char *s)
{
	if (s[0] != 'E' || s[1] == '\0')
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/*
 * 1: tok is a known errno name (e->err set), 0: not one, -1: shaped like
 * one (capitals) but unknown.  Known names are also accepted in lower case
 * ("enotconn"); an unknown lower-case word stays a socket name.
 */
static int parse_errno(const char *tok, struct expect *e, char *err)
{
	int v = inp_errno_value(tok);

	if (v <= 0 && errno_shaped(tok))
		return xerr(err, "unknown errno name '%s'", Q(tok));
	if (v <= 0)
		return 0;
	e->kind = EX_ERRNO;
	e->err = v;
	return 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Split tok at sep into socket names (e->names, allocated in one block:
 * the pointer array followed by the characters).
 */
static int parse_names(const char *tok, char sep, struct expect *e,
                       char *err)
{
	size_t len = strlen(tok), n = 1, i;
	char **v, *p, *q;

	for (i = 0; i < len; i++)
		n += tok[i] == sep;
	v = malloc(n * sizeof(*v) + len + 1);
	if (!v)
		return -ENOMEM;
	p = (char *)(v + n);
	memcpy(p, tok, len + 1);
	for (i = 0; i < n; i++) {
		q = strchr(p, sep);
		if (q)
			*q = '\0';
		if (!lex_is_name(p) || strlen(p) >= INP_LABEL_MAX) {
			xerr(err, "bad socket name '%s' in '%s'", Q(p), Q(tok));
			free(v); /* p points into v: free it after formatting */
			return -1;
		}
		v[i] = p;
		p = q ? q + 1 : p + strlen(p);
	}
	e->names = v;
	e->n_names = (unsigned)n;
	return 0;
}

/* One token of a recv expectation. */
static int parse_recv_field(const char *tok, struct recv_pattern *r,
                            char *err)
{
	const char *eq = strchr(tok, '=');
	const char *val = eq ? eq + 1 : NULL;
	size_t klen = eq ? (size_t)(eq - tok) : 0;
	bool none = val && strcmp(val, "none") == 0;
	uint64_t v;

	if (!eq) {
		if (r->has_src)
			return xerr(err, "unexpected '%s' in recv expectation",
			            Q(tok));
		r->has_src = true;
		return lex_ep_pattern(tok, &r->src, err);
	}
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(tok, k, klen) == 0)
	if (KEY("dst")) {
		r->dst_c = none ? FC_ABSENT : FC_VALUE;
		return none ? 0 : lex_addr(val, &r->dst, err);
	}
	if (KEY("if")) {
		r->if_c = none ? FC_ABSENT : FC_VALUE;
		return none ? 0 : lex_name(val, INP_NAME_MAX, "interface name",
		                           r->ifname, err);
	}
	if (KEY("tos") || KEY("ttl")) {
		enum field_check *c = KEY("tos") ? &r->tos_c : &r->ttl_c;

		*c = none ? FC_ABSENT : FC_VALUE;
		if (none)
			return 0;
		if (lex_u64(val, 255, KEY("tos") ? "tos" : "ttl", &v, err) < 0)
			return -1;
		*(KEY("tos") ? &r->tos : &r->ttl) = (uint8_t)v;
		return 0;
	}
	if (KEY("len")) {
		r->len_c = FC_VALUE;
		return lex_u64(val, 65535, "len", &r->len, err);
	}
#undef KEY
	return xerr(err, "unknown recv field '%s' (dst=, tos=, ttl=, if=, "
	            "len=)", Q(tok));
}

static int parse_recv(char **tok, unsigned n, struct expect *e, char *err)
{
	struct recv_pattern *r = calloc(1, sizeof(*r));
	unsigned i;

	if (!r)
		return -ENOMEM;
	e->kind = EX_RECV;
	e->u.recv = r;
	for (i = 0; i < n; i++)
		if (parse_recv_field(tok[i], r, err) < 0)
			return -1;
	return 0;
}

/* A single-token expectation of a shape other than recv. */
static int parse_single(enum result_shape shape, const char *tok,
                        struct expect *e, char *err)
{
	switch (shape) {
	case RS_STATUS:
		if (strcasecmp(tok, "ok") == 0) {
			e->kind = EX_OK;
			return 0;
		}
		return xerr(err, "expected ok or an errno name, not '%s'",
		            Q(tok));
	case RS_ENDPOINT:
		e->kind = EX_ENDPOINT;
		return lex_ep_pattern(tok, &e->u.ep, err);
	case RS_INT:
		e->kind = EX_INT;
		return lex_i64(tok, INT64_MIN, INT64_MAX, "number", &e->ival,
		               err);
	case RS_LOOKUP:
	case RS_DELIVER:
		if (strcasecmp(tok, "none") == 0) {
			e->kind = EX_NONE;
			return 0;
		}
		if (shape == RS_DELIVER && strcasecmp(tok, "unreach") == 0) {
			e->kind = EX_UNREACH;
			return 0;
		}
		if (shape == RS_LOOKUP && strchr(tok, ','))
			return xerr(err, "a lookup gives one socket (write "
			            "a|b for alternatives), not '%s'", Q(tok));
		e->kind = shape == RS_LOOKUP ? EX_ANYOF : EX_NAMES;
		return parse_names(tok, shape == RS_LOOKUP ? '|' : ',', e,
		                   err);
	default:
		return xerr(err, "this statement takes no expectation");
	}
}

static char *join(char **tok, unsigned n)
{
	size_t len = 1;
	unsigned i;
	char *s;

	for (i = 0; i < n; i++)
		len += strlen(tok[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, tok[i]);
	}
	return s;
}

int expect_parse(enum result_shape shape, char **tok, unsigned n,
                 struct expect *e, char *err)
{
	int rc;

	memset(e, 0, sizeof(*e));
	e->present = true;
	if (shape == RS_TABLE)
		return xerr(err, "netstat takes no expectation");
	e->text = join(tok, n);
	if (!e->text)
		return -ENOMEM;
	if (n == 1) {
		rc = parse_errno(tok[0], e, err);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
	if (shape == RS_RECV)
		return parse_recv(tok, n, e, err);
	if (n > 1)
		return xerr(err, "unexpected '%s' after the expectation",
		            Q(tok[1]));
	rc = parse_single(shape, tok[0], e, err);
	if (rc == 0 && e->kind == EX_NAMES)
		qsort(e->names, e->n_names, sizeof(*e->names), cmp_str);
	return rc;
}

void expect_free(struct expect *e)
{
	free(e->text);
	free(e->names);
	if (e->kind == EX_RECV)
		free(e->u.recv);
	memset(e, 0, sizeof(*e));
}

/* ---- formatting --------------------------------------------------------- */

void format_errno(int err, struct strbuf *sb)
{
	const char *name = inp_errno_name(err);

	if (name)
		sb_puts(sb, name);
	else
		sb_printf(sb, "errno %d", err);
}

static void format_zone(uint32_t scope, struct inp_vnet *vnet,
                        struct strbuf *sb)
{
	struct inp_ifnet *ifp = vnet ? inp_if_byindex(vnet, scope) : NULL;

	if (scope == 0)
		return;
	if (ifp)
		sb_printf(sb, "%%%s", inp_if_name(ifp));
	else
		sb_printf(sb, "%%%u", (unsigned)scope);
}

/* The address of sa, without port ("192.0.2.1", "fe80::1%em0"). */
static void format_addr(const struct sockaddr *sa, struct inp_vnet *vnet,
                        struct strbuf *sb)
{
	char buf[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
		sb_puts(sb, buf);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
		sb_puts(sb, buf);
		format_zone(sin6->sin6_scope_id, vnet, sb);
	} else {
		sb_printf(sb, "(family %d)", sa->sa_family);
	}
}

void format_endpoint(const struct sockaddr *sa, struct inp_vnet *vnet,
                     struct strbuf *sb)
{
	if (sa->sa_family == AF_INET) {
		format_addr(sa, vnet, sb);
		sb_printf(sb, ":%u",
		          ntohs(((const struct sockaddr_in *)(const void *)sa)
		                ->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		sb_puts(sb, "[");
		format_addr(sa, vnet, sb);
		sb_printf(sb, "]:%u",
		          ntohs(((const struct sockaddr_in6 *)(const void *)sa)
		                ->sin6_port));
	} else {
		format_addr(sa, vnet, sb);
	}
}

static void format_recv(const struct inp_rcvinfo *r, struct inp_vnet *vnet,
                        struct strbuf *sb)
{
	format_endpoint((const struct sockaddr *)&r->src, vnet, sb);
	if (r->have & INP_RCV_DSTADDR) {
		sb_puts(sb, " dst=");
		format_addr((const struct sockaddr *)&r->dst, vnet, sb);
	}
	if (r->have & INP_RCV_TOS)
		sb_printf(sb, " tos=%u", r->tos);
	if (r->have & INP_RCV_TTL)
		sb_printf(sb, " ttl=%u", r->ttl);
	if (r->have & INP_RCV_IF) {
		struct inp_ifnet *ifp =
			vnet ? inp_if_byindex(vnet, r->ifindex) : NULL;

		if (ifp)
			sb_printf(sb, " if=%s", inp_if_name(ifp));
		else
			sb_printf(sb, " if=%u", r->ifindex);
	}
	sb_printf(sb, " len=%zu", r->len);
}

void outcome_format(const struct outcome *o, const struct expect *e,
                    struct inp_vnet *vnet, struct strbuf *sb)
{
	unsigned i;

	if (o->err > 0) {
		format_errno(o->err, sb);
		return;
	}
	switch (o->kind) {
	case OC_STATUS:
		/* C11: FreeBSD reports a dissolved association as this. */
		if (o->disconnect && e && e->present && e->kind == EX_ERRNO &&
		    e->err == EAFNOSUPPORT)
			format_errno(EAFNOSUPPORT, sb);
		else
			sb_puts(sb, "ok");
		break;
	case OC_ENDPOINT:
		format_endpoint((const struct sockaddr *)&o->ep, vnet, sb);
		break;
	case OC_NAMES:
		for (i = 0; i < o->n_names; i++)
			sb_printf(sb, "%s%s", i ? "," : "", o->names[i]);
		break;
	case OC_NONE:
		sb_puts(sb, "none");
		break;
	case OC_UNREACH:
		sb_puts(sb, "unreach");
		break;
	case OC_INT:
		sb_printf(sb, "%lld", (long long)o->ival);
		break;
	case OC_RECV:
		format_recv(&o->rcv, vnet, sb);
		break;
	case OC_TABLE:
		sb_printf(sb, "%lld PCBs", (long long)o->ival);
		break;
	}
}

/* ---- matching ----------------------------------------------------------- */

static bool zone_match(const char *zone, uint32_t scope,
                       struct inp_vnet *vnet)
{
	struct inp_ifnet *ifp;

	if (zone[0] == '\0')
		return true; /* not written: not checked */
	if (zone[0] >= '0' && zone[0] <= '9')
		return strtoul(zone, NULL, 10) == scope;
	ifp = vnet ? inp_if_byindex(vnet, scope) : NULL;
	return ifp && strcmp(inp_if_name(ifp), zone) == 0;
}

static bool addr_match(const struct script_addr *a,
                       const struct sockaddr *sa, struct inp_vnet *vnet)
{
	const struct sockaddr_in6 *sin6 = (const void *)sa;

	if (sa->sa_family != a->family)
		return false;
	if (a->family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)sa)
		       ->sin_addr.s_addr == a->v4.s_addr;
	return memcmp(&sin6->sin6_addr, &a->v6, sizeof(a->v6)) == 0 &&
	       zone_match(a->zone, sin6->sin6_scope_id, vnet);
}

static bool ep_match(const struct script_ep_pattern *p,
                     const struct sockaddr *sa, struct inp_vnet *vnet)
{
	unsigned port;

	if (!addr_match(&p->addr, sa, vnet))
		return false;
	port = sa->sa_family == AF_INET
	       ? ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port)
	       : ntohs(((const struct sockaddr_in6 *)(const void *)sa)
	               ->sin6_port);
	return port >= p->lo && port <= p->hi;
}

static bool names_equal(const struct expect *e, const struct outcome *o)
{
	const char **v;
	unsigned i;
	bool eq = true;

	if (o->n_names != e->n_names)
		return false;
	v = malloc((o->n_names + 1) * sizeof(*v));
	if (!v)
		return false;
	memcpy(v, o->names, o->n_names * sizeof(*v));
	qsort(v, o->n_names, sizeof(*v), cmp_str);
	for (i = 0; i < o->n_names && eq; i++)
		eq = strcmp(v[i], e->names[i]) == 0;
	free(v);
	return eq;
}

static bool names_anyof(const struct expect *e, const struct outcome *o)
{
	unsigned i;

	if (o->n_names != 1)
		return false;
	for (i = 0; i < e->n_names; i++)
		if (strcmp(o->names[0], e->names[i]) == 0)
			return true;
	return false;
}

/* One optional ancillary field: present with value v, or absent. */
static bool field_match(enum field_check c, bool have, unsigned want,
                        unsigned v)
{
	if (c == FC_ANY)
		return true;
	if (c == FC_ABSENT)
		return !have;
	return have && want == v;
}

static bool recv_match(const struct recv_pattern *r,
                       const struct inp_rcvinfo *i, struct inp_vnet *vnet)
{
	bool have_if = i->have & INP_RCV_IF;
	struct inp_ifnet *ifp;

	if (r->has_src && !ep_match(&r->src, (const void *)&i->src, vnet))
		return false;
	if (r->dst_c == FC_ABSENT && (i->have & INP_RCV_DSTADDR))
		return false;
	if (r->dst_c == FC_VALUE && (!(i->have & INP_RCV_DSTADDR) ||
	                             !addr_match(&r->dst, (const void *)&i->dst,
	                                         vnet)))
		return false;
	if (!field_match(r->tos_c, i->have & INP_RCV_TOS, r->tos, i->tos) ||
	    !field_match(r->ttl_c, i->have & INP_RCV_TTL, r->ttl, i->ttl))
		return false;
	if (r->len_c == FC_VALUE && r->len != i->len)
		return false;
	if (r->if_c == FC_ABSENT)
		return !have_if;
	if (r->if_c == FC_VALUE) {
		ifp = vnet ? inp_if_byindex(vnet, i->ifindex) : NULL;
		return have_if && ifp && strcmp(inp_if_name(ifp),
		                                r->ifname) == 0;
	}
	return true;
}

bool expect_match(const struct expect *e, const struct outcome *o,
                  struct inp_vnet *vnet)
{
	if (e->kind == EX_ERRNO)
		return o->err == e->err ||
		       (o->disconnect && o->err == 0 && e->err == EAFNOSUPPORT);
	if (o->err != 0)
		return false;
	switch (e->kind) {
	case EX_OK:
		return o->kind == OC_STATUS;
	case EX_ENDPOINT:
		return o->kind == OC_ENDPOINT &&
		       ep_match(&e->u.ep, (const void *)&o->ep, vnet);
	case EX_NAMES:
		return o->kind == OC_NAMES && names_equal(e, o);
	case EX_ANYOF:
		return o->kind == OC_NAMES && names_anyof(e, o);
	case EX_NONE:
		return o->kind == OC_NONE;
	case EX_UNREACH:
		return o->kind == OC_UNREACH;
	case EX_INT:
		return o->kind == OC_INT && o->ival == e->ival;
	case EX_RECV:
		return o->kind == OC_RECV &&
		       recv_match(e->u.recv, &o->rcv, vnet);
	default:
		return false;
	}
}
