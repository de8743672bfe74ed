/*
 * parse_world.c - syntax of the statements that build the world a script
 * runs in: vnet, ifconfig, route, sysctl, advance, seed, jail, cred
 * (scenario-language.md, "Network stacks ..." and "Jails and
 * credentials").
 */
#include "parse_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define Q(s) lex_quote((s), (char[48]){0}, 48)

/* ---- vnet --------------------------------------------------------------- */

int parse_vnet(struct pctx *c)
{
	const char *sub = c->ntok > 1 ? c->tok[1] : "";

	if (p_is(sub, "create"))
		c->st->kind = ST_VNET_CREATE;
	else if (p_is(sub, "use"))
		c->st->kind = ST_VNET_USE;
	else if (p_is(sub, "destroy"))
		c->st->kind = ST_VNET_DESTROY;
	else if (c->ntok > 1)
		return perr(c, "unknown vnet subcommand '%s' (usage: %s)",
		            Q(sub), c->usage);
	if (p_nargs(c, 3, 3) < 0)
		return -1;
	return p_name(c, c->tok[2], "vnet name", c->st->name);
}

/* ---- ifconfig ----------------------------------------------------------- */

/* ADDR/PLEN of the given family, the prefix length required. */
static int if_prefix(struct pctx *c, const char *tok, int family)
{
	struct stmt *st = c->st;
	bool has_plen;

	if (lex_prefix(tok, &st->u.ifaddr.addr, &st->u.ifaddr.plen,
	               &has_plen, c->err) < 0)
		return -1;
	if (st->u.ifaddr.addr.family != family)
		return perr(c, "'%s' is not an %s address", Q(tok),
		            family == AF_INET ? "IPv4" : "IPv6");
	if (!has_plen)
		return perr(c, "missing prefix length in '%s' "
		            "(write ADDR/PLEN)", Q(tok));
	return 0;
}

static int ifconfig_inet(struct pctx *c)
{
	struct stmt *st = c->st;

	st->kind = ST_IF_ADDR;
	if (p_nargs(c, 4, 6) < 0 || if_prefix(c, c->tok[3], AF_INET) < 0)
		return -1;
	if (c->ntok == 4)
		return 0;
	if (!p_is(c->tok[4], "dstaddr"))
		return perr(c, "unexpected '%s' (usage: %s)", Q(c->tok[4]),
		            c->usage);
	if (c->ntok == 5)
		return perr(c, "missing address after dstaddr");
	st->u.ifaddr.has_peer = true;
	return p_addr(c, c->tok[5], AF_INET, "dstaddr", &st->u.ifaddr.peer);
}

int parse_ifconfig(struct pctx *c)
{
	struct stmt *st = c->st;
	const char *verb;
	bool has_plen;

	if (p_nargs(c, 3, 6) < 0 ||
	    p_name(c, c->tok[1], "interface name", st->name) < 0)
		return -1;
	verb = c->tok[2];
	if (p_is(verb, "inet"))
		return ifconfig_inet(c);
	if (p_is(verb, "inet6")) {
		st->kind = ST_IF_ADDR;
		return p_nargs(c, 4, 4) < 0 ? -1 :
		       if_prefix(c, c->tok[3], AF_INET6);
	}
	if (p_is(verb, "delete")) {
		st->kind = ST_IF_DELETE;
		if (p_nargs(c, 4, 4) < 0)
			return -1;
		return lex_prefix(c->tok[3], &st->u.ifaddr.addr,
		                  &st->u.ifaddr.plen, &has_plen, c->err);
	}
	if (p_is(verb, "up"))
		st->kind = ST_IF_UP;
	else if (p_is(verb, "down"))
		st->kind = ST_IF_DOWN;
	else if (p_is(verb, "loopback"))
		st->kind = ST_IF_LOOPBACK;
	else
		return perr(c, "unknown ifconfig verb '%s' (usage: %s)",
		            Q(verb), c->usage);
	return p_nargs(c, 3, 3);
}

/* ---- route -------------------------------------------------------------- */

/* DEST/PLEN, DEST (a host route) or default; family 0 when not forced. */
static int route_dest(struct pctx *c, const char *tok, int family)
{
	struct stmt *st = c->st;
	bool has_plen;

	if (p_is(tok, "default")) {
		st->u.route.dst.family = family ? family : AF_INET;
		st->u.route.plen = 0;
		return 0;
	}
	if (lex_prefix(tok, &st->u.route.dst, &st->u.route.plen, &has_plen,
	               c->err) < 0)
		return -1;
	if (family && st->u.route.dst.family != family)
		return perr(c, "-inet6 with the IPv4 destination '%s'", Q(tok));
	if (!has_plen)
		st->u.route.plen = st->u.route.dst.family == AF_INET ? 32 : 128;
	return 0;
}

/* After the destination of route add: GATEWAY or -iface IF. */
static int route_via(struct pctx *c, unsigned i, bool is_default,
                     bool inet6)
{
	struct stmt *st = c->st;

	if (i == c->ntok)
		return perr(c, "missing gateway (usage: %s)", c->usage);
	if (p_is(c->tok[i], "-iface")) {
		if (p_nargs(c, i + 2, i + 2) < 0)
			return -1;
		return p_name(c, c->tok[i + 1], "interface name", st->name2);
	}
	if (p_nargs(c, i + 1, i + 1) < 0 ||
	    p_addr(c, c->tok[i], 0, "gateway", &st->u.route.gw) < 0)
		return -1;
	st->u.route.has_gw = true;
	/* "route add default 2001:db8::1": the gateway says the family */
	if (is_default && !inet6)
		st->u.route.dst.family = st->u.route.gw.family;
	if (st->u.route.gw.family != st->u.route.dst.family)
		return perr(c, "gateway '%s' is not of the destination's "
		            "family", Q(c->tok[i]));
	return 0;
}

int parse_route(struct pctx *c)
{
	struct stmt *st = c->st;
	bool inet6, is_default;
	unsigned i = 2;

	if (p_nargs(c, 3, 6) < 0)
		return -1;
	if (p_is(c->tok[1], "add"))
		st->kind = ST_ROUTE_ADD;
	else if (p_is(c->tok[1], "delete") || p_is(c->tok[1], "del"))
		st->kind = ST_ROUTE_DELETE;
	else
		return perr(c, "unknown route subcommand '%s' (usage: %s)",
		            Q(c->tok[1]), c->usage);
	inet6 = p_is(c->tok[i], "-inet6");
	if (inet6 || p_is(c->tok[i], "-inet"))
		i++;
	if (i == c->ntok)
		return perr(c, "missing destination (usage: %s)", c->usage);
	is_default = p_is(c->tok[i], "default");
	if (route_dest(c, c->tok[i], inet6 ? AF_INET6 : 0) < 0)
		return -1;
	i++;
	if (st->kind == ST_ROUTE_DELETE)
		return p_nargs(c, i, i);
	return route_via(c, i, is_default, inet6);
}

/* ---- sysctl, advance, seed ---------------------------------------------- */

/*
 * "sysctl NAME" or "sysctl NAME=VALUE"; blanks around the '=' are allowed
 * ("NAME = VALUE"), as people write them in shell scripts and sysctl.conf.
 */
int parse_sysctl(struct pctx *c)
{
	struct stmt *st = c->st;
	char buf[SCRIPT_SYSCTL_MAX + 32];
	size_t used = 0, n;
	unsigned i;
	char *eq;

	if (p_nargs(c, 2, 4) < 0)
		return -1;
	if (c->ntok > 2 && c->tok[1][strlen(c->tok[1]) - 1] != '=' &&
	    c->tok[2][0] != '=')
		return perr(c, "expected NAME or NAME=VALUE after 'sysctl'");
	for (i = 1; i < c->ntok; i++) {
		n = strlen(c->tok[i]);
		if (used + n >= sizeof(buf))
			return perr(c, "sysctl statement too long");
		memcpy(buf + used, c->tok[i], n + 1);
		used += n;
	}
	eq = strchr(buf, '=');
	st->kind = eq ? ST_SYSCTL_SET : ST_SYSCTL_GET;
	if (eq)
		*eq = '\0';
	if (lex_name(buf, SCRIPT_SYSCTL_MAX, "sysctl name", st->u.sysctl.name,
	             c->err) < 0)
		return -1;
	if (eq)
		return p_i64(c, eq + 1, LONG_MIN, LONG_MAX, "sysctl value",
		             &st->u.sysctl.value);
	return 0;
}

/* SECONDS as N or N.FRACTION (at most 9 digits: nanoseconds). */
int parse_advance(struct pctx *c)
{
	const char *tok, *dot;
	char ip[24];
	uint64_t sec, frac = 0;
	size_t nfrac, i;

	c->st->kind = ST_ADVANCE;
	if (p_nargs(c, 2, 2) < 0)
		return -1;
	tok = c->tok[1];
	dot = strchr(tok, '.');
	nfrac = dot ? strlen(dot + 1) : 0;
	if ((dot ? (size_t)(dot - tok) : strlen(tok)) >= sizeof(ip) ||
	    (dot && (nfrac == 0 || nfrac > 9 ||
	             strspn(dot + 1, "0123456789") != nfrac)))
		return perr(c, "bad seconds '%s'", Q(tok));
	snprintf(ip, sizeof(ip), "%.*s",
	         (int)(dot ? (size_t)(dot - tok) : strlen(tok)), tok);
	if (ip[0] < '0' || ip[0] > '9')
		return perr(c, "bad seconds '%s'", Q(tok));
	if (p_u64(c, ip, SCRIPT_ADVANCE_MAX, "seconds", &sec) < 0)
		return -1;
	for (i = 0; i < 9; i++)
		frac = frac * 10 +
		       (i < nfrac ? (uint64_t)(dot[1 + i] - '0') : 0);
	c->st->u.advance_ns = sec * 1000000000ull + frac;
	return 0;
}

int parse_seed(struct pctx *c)
{
	c->st->kind = ST_SEED;
	if (p_nargs(c, 2, 2) < 0)
		return -1;
	return p_u64(c, c->tok[1], UINT64_MAX, "seed", &c->st->u.seed);
}

/* ---- jail --------------------------------------------------------------- */

/* ip4=/ip6= value: inherit, disable, or a comma list of addresses. */
static int jail_addrs(struct pctx *c, const char *val, int family)
{
	struct inp_jail_params *p = c->st->u.jail;
	bool v4 = family == AF_INET;
	enum inp_jail_mode *mode = v4 ? &p->ip4_mode : &p->ip6_mode;
	unsigned *n = v4 ? &p->n_ip4 : &p->n_ip6;
	char buf[LEX_LINE_MAX + 1], *a, *next;
	struct script_addr sa;

	if (p_is(val, "inherit") || p_is(val, "disable")) {
		*mode = p_is(val, "inherit") ? INP_JAIL_INHERIT
		                             : INP_JAIL_DISABLE;
		return 0;
	}
	*mode = INP_JAIL_NEW;
	snprintf(buf, sizeof(buf), "%s", val);
	for (a = buf; a; a = next) {
		next = strchr(a, ',');
		if (next)
			*next++ = '\0';
		if (p_addr(c, a, family, v4 ? "ip4" : "ip6", &sa) < 0)
			return -1;
		if (sa.zone[0])
			return perr(c, "no zone allowed in jail address '%s'",
			            Q(a));
		if (*n == INP_JAIL_MAX_ADDRS)
			return perr(c, "too many jail addresses (max %d)",
			            INP_JAIL_MAX_ADDRS);
		if (v4)
			p->ip4[(*n)++] = sa.v4;
		else
			p->ip6[(*n)++] = sa.v6;
	}
	return 0;
}

static const char *const jail_keys[] = {
	"ip4", "ip6", "ip4.saddrsel", "ip6.saddrsel", "allow.reserved_ports",
};

/* One KEY=VALUE parameter of jail create; seen tracks repeats. */
static int jail_param(struct pctx *c, const char *tok, unsigned *seen)
{
	struct inp_jail_params *p = c->st->u.jail;
	const char *val = NULL;
	unsigned k;

	for (k = 0; k < sizeof(jail_keys) / sizeof(jail_keys[0]); k++)
		if ((val = p_kv(tok, jail_keys[k])) != NULL)
			break;
	if (!val)
		return perr(c, "unknown jail parameter '%s' (usage: %s)",
		            Q(tok), c->usage);
	if (*seen & (1u << k))
		return perr(c, "jail parameter %s given twice", jail_keys[k]);
	*seen |= 1u << k;
	switch (k) {
	case 0:
		return jail_addrs(c, val, AF_INET);
	case 1:
		return jail_addrs(c, val, AF_INET6);
	case 2:
		return p_bool(c, val, "ip4.saddrsel", &p->ip4_saddrsel);
	case 3:
		return p_bool(c, val, "ip6.saddrsel", &p->ip6_saddrsel);
	default:
		return p_bool(c, val, "allow.reserved_ports",
		              &p->allow_reserved_ports);
	}
}

int parse_jail(struct pctx *c)
{
	struct stmt *st = c->st;
	unsigned i, seen = 0;

	if (c->ntok > 1 && p_is(c->tok[1], "remove")) {
		st->kind = ST_JAIL_REMOVE;
		return p_nargs(c, 3, 3) < 0 ? -1 :
		       p_name(c, c->tok[2], "jail name", st->name);
	}
	if (c->ntok > 1 && !p_is(c->tok[1], "create"))
		return perr(c, "unknown jail subcommand '%s' (usage: %s)",
		            Q(c->tok[1]), c->usage);
	if (p_nargs(c, 3, 8) < 0 ||
	    p_name(c, c->tok[2], "jail name", st->name) < 0)
		return -1;
	st->kind = ST_JAIL_CREATE;
	st->u.jail = malloc(sizeof(*st->u.jail));
	if (!st->u.jail)
		return -ENOMEM;
	inp_jail_params_init(st->u.jail);
	for (i = 3; i < c->ntok; i++)
		if (jail_param(c, c->tok[i], &seen) < 0)
			return -1;
	return 0;
}

/* ---- cred --------------------------------------------------------------- */

static int cred_privs(struct pctx *c, const char *val, int *privs)
{
	static const struct { const char *name; int bits; } names[] = {
		{ "reservedport", INP_PRIV_RESERVEDPORT },
		{ "reuseport", INP_PRIV_REUSEPORT },
		{ "bindany", INP_PRIV_BINDANY },
		{ "all", INP_PRIV_ALL },
		{ "none", 0 },
	};
	char buf[LEX_LINE_MAX + 1], *p, *next;
	size_t k;

	*privs = 0;
	snprintf(buf, sizeof(buf), "%s", val);
	for (p = buf; p; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (p_is(p, names[k].name))
				break;
		if (k == sizeof(names) / sizeof(names[0]))
			return perr(c, "unknown privilege '%s' (reservedport, "
			            "reuseport, bindany, all, none)", Q(p));
		*privs |= names[k].bits;
	}
	return 0;
}

int parse_cred(struct pctx *c)
{
	struct stmt *st = c->st;
	const char *v;
	unsigned i, seen = 0, bit;
	uint64_t uid;

	st->kind = ST_CRED;
	st->u.cred.privs = INP_PRIV_DEFAULT;
	if (p_nargs(c, 2, 5) < 0 ||
	    p_name(c, c->tok[1], "credential name", st->name) < 0)
		return -1;
	for (i = 2; i < c->ntok; i++) {
		const char *t = c->tok[i];
		int rc;

		if ((v = p_kv(t, "uid")) != NULL) {
			bit = 1;
			rc = p_u64(c, v, UINT32_MAX, "uid", &uid);
			st->u.cred.uid = (uint32_t)uid;
		} else if ((v = p_kv(t, "jail")) != NULL) {
			bit = 2;
			rc = p_name(c, v, "jail name", st->name2);
		} else if ((v = p_kv(t, "priv")) != NULL) {
			bit = 4;
			rc = cred_privs(c, v, &st->u.cred.privs);
		} else {
			return perr(c, "unknown cred parameter '%s' "
			            "(usage: %s)", Q(t), c->usage);
		}
		if (rc < 0)
			return -1;
		if (seen & bit)
			return perr(c, "cred parameter '%s' given twice", Q(t));
		seen |= bit;
	}
	return 0;
}
