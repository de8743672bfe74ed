/*
 * parse_sock.c - syntax of the socket, demultiplexing and inspection
 * statements (scenario-language.md, "Sockets", "Demultiplexing and
 * delivery", "Inspection"), plus the `stat udp COUNTER` and
 * `send S [ADDR:PORT] [len=N]` extensions.
 */
#include "parse_internal.h"

#include <limits.h>
#include <string.h>

#define Q(s) lex_quote((s), (char[48]){0}, 48)

/* ---- socket ------------------------------------------------------------- */

static int parse_proto(struct pctx *c, const char *tok)
{
	static const struct { const char *name; int family; int proto; } v[] = {
		{ "tcp4", AF_INET, INP_PROTO_TCP },
		{ "udp4", AF_INET, INP_PROTO_UDP },
		{ "tcp6", AF_INET6, INP_PROTO_TCP },
		{ "udp6", AF_INET6, INP_PROTO_UDP },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (p_is(tok, v[i].name)) {
			c->st->u.socket.family = v[i].family;
			c->st->u.socket.proto = (enum inp_proto)v[i].proto;
			return 0;
		}
	}
	return perr(c, "unknown protocol '%s' (tcp4, udp4, tcp6, udp6)",
	            Q(tok));
}

int parse_socket(struct pctx *c)
{
	struct stmt *st = c->st;
	const char *cred;

	st->kind = ST_SOCKET;
	if (p_nargs(c, 3, 4) < 0 || p_newsock(c, c->tok[1], st->name) < 0 ||
	    parse_proto(c, c->tok[2]) < 0)
		return -1;
	if (c->ntok == 3)
		return 0;
	cred = p_kv(c->tok[3], "cred");
	if (!cred)
		return perr(c, "unexpected '%s' (usage: %s)", Q(c->tok[3]),
		            c->usage);
	return p_name(c, cred, "credential name", st->name2);
}

/* ---- setsockopt --------------------------------------------------------- */

/* An interface given by name (name2) or by index (ival). */
static int opt_ifref(struct pctx *c, const char *tok)
{
	uint64_t v;

	if (lex_is_name(tok))
		return p_name(c, tok, "interface name", c->st->name2);
	if (p_u64(c, tok, UINT_MAX, "interface index", &v) < 0)
		return -1;
	c->st->u.sockopt.ival = (int64_t)v;
	return 0;
}

static int opt_portrange(struct pctx *c, const char *tok)
{
	static const char *const names[] = { "default", "high", "low" };
	int i;

	for (i = 0; i < 3; i++) {
		if (p_is(tok, names[i])) {
			/* in the order of INP_IP_PORTRANGE_* */
			c->st->u.sockopt.ival = i;
			return 0;
		}
	}
	return p_i64(c, tok, INT_MIN, INT_MAX, "port range",
	             &c->st->u.sockopt.ival);
}

int parse_setsockopt(struct pctx *c)
{
	struct stmt *st = c->st;
	const struct sockopt_desc *o;
	const char *name;

	st->kind = ST_SETSOCKOPT;
	if (p_nargs(c, 3, 5) < 0 || p_sock(c, c->tok[1], st->name) < 0)
		return -1;
	o = vocab_sockopt(c->tok[2]);
	if (!o)
		return perr(c, "unknown socket option '%s'", Q(c->tok[2]));
	st->u.sockopt.opt = o;
	name = o->name;
	switch (o->kind) {
	case OV_INT:
		c->usage = "setsockopt S OPTION N";
		return p_nargs(c, 4, 4) < 0 ? -1 :
		       p_i64(c, c->tok[3], INT_MIN, INT_MAX, name,
		             &st->u.sockopt.ival);
	case OV_PORTRANGE:
		c->usage = "setsockopt S IP_PORTRANGE default|high|low";
		return p_nargs(c, 4, 4) < 0 ? -1 : opt_portrange(c, c->tok[3]);
	case OV_ADDR4:
		c->usage = "setsockopt S IP_MULTICAST_IF ADDR";
		return p_nargs(c, 4, 4) < 0 ? -1 :
		       p_addr(c, c->tok[3], AF_INET, name, &st->u.sockopt.a1);
	case OV_MREQ4:
		c->usage = "setsockopt S IP_ADD_MEMBERSHIP GROUP [IFADDR]";
		if (p_nargs(c, 4, 5) < 0 ||
		    p_addr(c, c->tok[3], AF_INET, name, &st->u.sockopt.a1) < 0)
			return -1;
		st->u.sockopt.has_a2 = c->ntok == 5;
		return c->ntok == 4 ? 0 :
		       p_addr(c, c->tok[4], AF_INET, name, &st->u.sockopt.a2);
	case OV_MREQ6:
		c->usage = "setsockopt S IPV6_JOIN_GROUP GROUP IF";
		if (p_nargs(c, 4, 5) < 0 ||
		    p_addr(c, c->tok[3], AF_INET6, name, &st->u.sockopt.a1) < 0)
			return -1;
		return c->ntok == 4 ? 0 : opt_ifref(c, c->tok[4]);
	default: /* OV_IFINDEX */
		c->usage = "setsockopt S IPV6_MULTICAST_IF IF";
		return p_nargs(c, 4, 4) < 0 ? -1 : opt_ifref(c, c->tok[3]);
	}
}

/* ---- bind, connect, listen, accept, single-socket statements ------------ */

static int sock_ep(struct pctx *c, enum stmt_kind kind)
{
	c->st->kind = kind;
	if (p_nargs(c, 3, 3) < 0 || p_sock(c, c->tok[1], c->st->name) < 0)
		return -1;
	return p_endpoint(c, c->tok[2], &c->st->u.ep);
}

int parse_bind(struct pctx *c)
{
	return sock_ep(c, ST_BIND);
}

int parse_connect(struct pctx *c)
{
	return sock_ep(c, ST_CONNECT);
}

int parse_sock_only(struct pctx *c)
{
	static const struct { const char *name; enum stmt_kind kind; } v[] = {
		{ "disconnect", ST_DISCONNECT },
		{ "timewait", ST_TIMEWAIT },
		{ "close", ST_CLOSE },
		{ "getsockname", ST_GETSOCKNAME },
		{ "getpeername", ST_GETPEERNAME },
		{ "recv", ST_RECV },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (p_is(c->tok[0], v[i].name))
			c->st->kind = v[i].kind;
	if (p_nargs(c, 2, 2) < 0)
		return -1;
	return p_sock(c, c->tok[1], c->st->name);
}

int parse_listen(struct pctx *c)
{
	int64_t backlog = 128;

	c->st->kind = ST_LISTEN;
	if (p_nargs(c, 2, 3) < 0 || p_sock(c, c->tok[1], c->st->name) < 0)
		return -1;
	if (c->ntok == 3 &&
	    p_i64(c, c->tok[2], INT_MIN, INT_MAX, "backlog", &backlog) < 0)
		return -1;
	c->st->u.backlog = (int)backlog;
	return 0;
}

int parse_accept(struct pctx *c)
{
	struct stmt *st = c->st;

	st->kind = ST_ACCEPT;
	if (p_nargs(c, 5, 7) < 0 || p_sock(c, c->tok[1], st->name) < 0 ||
	    p_newsock(c, c->tok[2], st->name2) < 0)
		return -1;
	if (!p_is(c->tok[3], "FROM"))
		return perr(c, "expected FROM, not '%s' (usage: %s)",
		            Q(c->tok[3]), c->usage);
	if (p_endpoint(c, c->tok[4], &st->u.accept.from) < 0)
		return -1;
	if (c->ntok == 5)
		return 0;
	if (!p_is(c->tok[5], "TO"))
		return perr(c, "expected TO, not '%s' (usage: %s)",
		            Q(c->tok[5]), c->usage);
	if (p_nargs(c, 7, 7) < 0 ||
	    p_endpoint(c, c->tok[6], &st->u.accept.to) < 0)
		return -1;
	st->u.accept.has_to = true;
	if (st->u.accept.to.addr.family != st->u.accept.from.addr.family)
		return perr(c, "FROM and TO are of different families");
	return 0;
}

/* ---- lookup and deliver ------------------------------------------------- */

/* PROTO SRC DST, common to lookup and deliver. */
static int pkt_head(struct pctx *c)
{
	struct stmt *st = c->st;

	if (p_is(c->tok[1], "tcp"))
		st->u.pkt.proto = INP_PROTO_TCP;
	else if (p_is(c->tok[1], "udp"))
		st->u.pkt.proto = INP_PROTO_UDP;
	else
		return perr(c, "unknown protocol '%s' (tcp, udp)",
		            Q(c->tok[1]));
	if (p_endpoint(c, c->tok[2], &st->u.pkt.src) < 0 ||
	    p_endpoint(c, c->tok[3], &st->u.pkt.dst) < 0)
		return -1;
	if (st->u.pkt.src.addr.family != st->u.pkt.dst.addr.family)
		return perr(c, "SRC and DST are of different families");
	return 0;
}

/* A KEY=VALUE option of lookup/deliver, each at most once. */
static int pkt_opt(struct pctx *c, const char *tok, bool deliver,
                   unsigned *seen)
{
	static const char *const keys[] = {
		"if", "hash", "tos", "ttl", "len", "link_bcast",
	};
	struct stmt *st = c->st;
	const char *v = NULL;
	uint64_t n;
	unsigned k;
	bool b;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if ((v = p_kv(tok, keys[k])) != NULL)
			break;
	if (!v || (deliver && k == 1) || (!deliver && k > 1))
		return perr(c, "unexpected '%s' (usage: %s)", Q(tok), c->usage);
	if (*seen & (1u << k))
		return perr(c, "option %s= given twice", keys[k]);
	*seen |= 1u << k;
	switch (k) {
	case 0:
		return p_name(c, v, "interface name", st->name2);
	case 1:
		st->u.pkt.has_hash = true;
		if (p_u64(c, v, UINT32_MAX, "hash", &n) < 0)
			return -1;
		st->u.pkt.hash = (uint32_t)n;
		return 0;
	case 2:
	case 3:
		if (p_u64(c, v, 255, keys[k], &n) < 0)
			return -1;
		*(k == 2 ? &st->u.pkt.tos : &st->u.pkt.ttl) = (uint8_t)n;
		return 0;
	case 4:
		if (p_u64(c, v, 65535, "len", &n) < 0)
			return -1;
		st->u.pkt.len = (uint16_t)n;
		return 0;
	default:
		if (p_bool(c, v, "link_bcast", &b) < 0)
			return -1;
		st->u.pkt.link_bcast = b;
		return 0;
	}
}

static int parse_pkt(struct pctx *c, bool deliver)
{
	unsigned i, seen = 0;

	c->st->kind = deliver ? ST_DELIVER : ST_LOOKUP;
	c->st->u.pkt.ttl = 64;
	if (p_nargs(c, 4, deliver ? 9 : 6) < 0 || pkt_head(c) < 0)
		return -1;
	if (deliver && c->st->u.pkt.proto != INP_PROTO_UDP)
		return perr(c, "deliver takes udp only");
	for (i = 4; i < c->ntok; i++)
		if (pkt_opt(c, c->tok[i], deliver, &seen) < 0)
			return -1;
	return 0;
}

int parse_lookup(struct pctx *c)
{
	return parse_pkt(c, false);
}

int parse_deliver(struct pctx *c)
{
	return parse_pkt(c, true);
}

/* ---- inspection --------------------------------------------------------- */

int parse_count(struct pctx *c)
{
	c->st->kind = ST_COUNT;
	c->st->u.count_proto = -1;
	if (p_nargs(c, 1, 2) < 0 || c->ntok == 1)
		return c->ntok == 1 ? 0 : -1;
	if (p_is(c->tok[1], "tcp"))
		c->st->u.count_proto = INP_PROTO_TCP;
	else if (p_is(c->tok[1], "udp"))
		c->st->u.count_proto = INP_PROTO_UDP;
	else
		return perr(c, "unknown protocol '%s' (tcp, udp)",
		            Q(c->tok[1]));
	return 0;
}

int parse_netstat(struct pctx *c)
{
	c->st->kind = ST_NETSTAT;
	return p_nargs(c, 1, 1);
}

int parse_stat(struct pctx *c)
{
	c->st->kind = ST_STAT;
	if (p_nargs(c, 3, 3) < 0)
		return -1;
	if (!p_is(c->tok[1], "udp"))
		return perr(c, "unknown statistics '%s' (udp)", Q(c->tok[1]));
	c->st->u.stat = vocab_udpstat(c->tok[2]);
	if (!c->st->u.stat)
		return perr(c, "unknown UDP counter '%s'", Q(c->tok[2]));
	return 0;
}

/* ---- send (the datapath extension) --------------------------------------- */

/*
 * send S [ADDR:PORT] [len=N]: S sends N zero bytes (default 0) to the
 * endpoint, or without one to its connected peer (inp_sock_sendto).
 */
int parse_send(struct pctx *c)
{
	struct stmt *st = c->st;
	const char *v;
	unsigned i = 2;
	uint64_t n;

	st->kind = ST_SEND;
	if (p_nargs(c, 2, 4) < 0 || p_sock(c, c->tok[1], st->name) < 0)
		return -1;
	if (i < c->ntok && !p_kv(c->tok[i], "len")) {
		if (p_endpoint(c, c->tok[i], &st->u.send.dst) < 0)
			return -1;
		st->u.send.has_dst = true;
		i++;
	}
	if (i < c->ntok) {
		v = p_kv(c->tok[i], "len");
		if (!v)
			return perr(c, "unexpected '%s' (usage: %s)",
			            Q(c->tok[i]), c->usage);
		if (p_u64(c, v, 65535, "len", &n) < 0)
			return -1;
		st->u.send.len = (uint16_t)n;
		i++;
	}
	if (i < c->ntok)
		return perr(c, "unexpected '%s' (usage: %s)", Q(c->tok[i]),
		            c->usage);
	return 0;
}
