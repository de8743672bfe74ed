/*
 * test_script_parser.c - the scenario language's lexer, parser and
 * expectations: every command parses to the right arguments, malformed
 * input gives the right "error:" text, and no input (overlong, binary,
 * huge numbers) crashes.  A last group runs small scripts end to end.
 */
#include "fixture.h"

#include "interp.h"
#include "parser.h"

/* ---- helpers ------------------------------------------------------------ */

/* Parse text; the script must parse.  The caller frees it. */
static struct script *ok_parse(const char *text)
{
	struct parse_diags d;
	struct script *s = NULL;
	int rc = script_parse("t.pcbs", text, strlen(text), &s, &d);

	if (rc != 0) {
		parse_diags_print(stderr, &d);
		fail_msg("'%s' did not parse", text);
	}
	assert_non_null(s);
	return s;
}

/* The single statement of text (the script is kept in *keep). */
static const struct stmt *one(const char *text, struct script **keep)
{
	*keep = ok_parse(text);
	assert_int_equal((*keep)->n, 1);
	return &(*keep)->v[0];
}

/* Parse text (length len); it must fail with what at line line. */
static void bad_len(const char *text, size_t len, unsigned line,
                    const char *what)
{
	struct parse_diags d;
	struct script *s = (struct script *)1;
	int rc = script_parse("t.pcbs", text, len, &s, &d);

	assert_int_equal(rc, -1);
	assert_null(s);
	assert_true(d.n >= 1);
	assert_int_equal(d.d[0].line, line);
	if (!strstr(d.d[0].what, what))
		fail_msg("error '%s' does not contain '%s'", d.d[0].what, what);
}

static void bad(const char *text, const char *what)
{
	bad_len(text, strlen(text), 1, what);
}

/* ---- lexical rules ------------------------------------------------------ */

static void test_lex_comments_blanks_arrow(void **state)
{
	struct script *s;
	(void)state;

	s = ok_parse("# a comment\n\n   \t\nsocket a udp4   # trailing\n"
	             "bind\ta\t0.0.0.0:5000=>EADDRINUSE\r\n"
	             "close a # héllo — UTF-8 in a comment\n");
	assert_int_equal(s->n, 3);
	assert_int_equal(s->v[0].line, 4);
	assert_int_equal(s->v[1].line, 5);
	assert_int_equal(s->v[1].kind, ST_BIND);
	assert_true(s->v[1].exp.present);
	assert_int_equal(s->v[1].exp.kind, EX_ERRNO);
	assert_int_equal(s->v[1].exp.err, EADDRINUSE);
	assert_string_equal(s->v[1].text, "bind a 0.0.0.0:5000 => EADDRINUSE");
	assert_false(s->v[2].exp.present);
	script_free(s);
}

static void test_lex_names_and_numbers(void **state)
{
	char err[LEX_ERR_MAX], name[8];
	uint64_t u;
	int64_t i;
	(void)state;

	assert_true(lex_is_name("_a.b-c9"));
	assert_false(lex_is_name("9a"));
	assert_false(lex_is_name("a/b"));
	assert_int_equal(lex_name("abcdefgh", sizeof(name), "x", name, err), -1);
	assert_non_null(strstr(err, "too long"));
	assert_int_equal(lex_u64("0x1F", 100, "n", &u, err), 0);
	assert_int_equal(u, 31);
	assert_int_equal(lex_u64("18446744073709551616", UINT64_MAX, "n", &u,
	                         err), -1);
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(lex_u64("12x", 100, "n", &u, err), -1);
	assert_non_null(strstr(err, "bad n '12x'"));
	assert_int_equal(lex_i64("-9223372036854775808", INT64_MIN, INT64_MAX,
	                         "n", &i, err), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(lex_i64("-1", 0, 10, "n", &i, err), -1);
}

static void test_lex_endpoints(void **state)
{
	struct script_ep ep;
	struct script_ep_pattern p;
	char err[LEX_ERR_MAX];
	(void)state;

	assert_int_equal(lex_endpoint("192.0.2.1:80", &ep, err), 0);
	assert_int_equal(ep.addr.family, AF_INET);
	assert_int_equal(ep.port, 80);
	assert_int_equal(lex_endpoint("[2001:db8::1]:443", &ep, err), 0);
	assert_int_equal(ep.addr.family, AF_INET6);
	assert_true(fx_in6_equal(&ep.addr.v6, "2001:db8::1"));
	assert_int_equal(lex_endpoint("[fe80::1%em0]:80", &ep, err), 0);
	assert_string_equal(ep.addr.zone, "em0");
	assert_int_equal(lex_endpoint("[::ffff:192.0.2.1]:0", &ep, err), 0);
	assert_int_equal(lex_endpoint("[192.0.2.1]:80", &ep, err), -1);
	assert_int_equal(lex_endpoint("1.2.3.4", &ep, err), -1);
	assert_int_equal(lex_endpoint("1.2.3.4:", &ep, err), -1);
	assert_int_equal(lex_endpoint("1.2.3.4:0x50", &ep, err), -1);
	assert_int_equal(lex_endpoint("[::1]80", &ep, err), -1);
	assert_int_equal(lex_endpoint("[::1:80", &ep, err), -1);
	assert_int_equal(lex_endpoint("01.2.3.4:80", &ep, err), -1);
	assert_int_equal(lex_ep_pattern("0.0.0.0:*", &p, err), 0);
	assert_int_equal(p.lo, 0);
	assert_int_equal(p.hi, 65535);
	assert_int_equal(lex_ep_pattern("[::]:49152-65535", &p, err), 0);
	assert_int_equal(p.lo, 49152);
	assert_int_equal(p.hi, 65535);
	assert_int_equal(lex_ep_pattern("1.2.3.4:5-70000", &p, err), -1);
	assert_non_null(strstr(err, "port 70000 out of range"));
}

static void test_lex_line_limits(void **state)
{
	char *line = malloc(LEX_LINE_MAX + 100);
	struct lex_line *ln = malloc(sizeof(*ln));
	char err[LEX_ERR_MAX];
	unsigned i;
	(void)state;

	memset(line, 'a', LEX_LINE_MAX + 100);
	assert_int_equal(lex_line(line, LEX_LINE_MAX + 100, ln, err), -1);
	assert_non_null(strstr(err, "line too long"));
	for (i = 0; i < LEX_LINE_MAX; i += 2) {
		line[i] = 'x';
		line[i + 1] = ' ';
	}
	assert_int_equal(lex_line(line, LEX_LINE_MAX, ln, err), -1);
	assert_non_null(strstr(err, "too many tokens"));
	free(line);
	free(ln);
}

/* ---- every command ------------------------------------------------------ */

static void test_parse_world(void **state)
{
	struct script *s;
	const struct stmt *st;
	(void)state;

	st = one("vnet create v2", &s);
	assert_int_equal(st->kind, ST_VNET_CREATE);
	assert_string_equal(st->name, "v2");
	script_free(s);
	st = one("VNET use v2", &s);
	assert_int_equal(st->kind, ST_VNET_USE);
	script_free(s);
	st = one("vnet destroy v2 => EBUSY", &s);
	assert_int_equal(st->kind, ST_VNET_DESTROY);
	script_free(s);

	st = one("ifconfig tun0 inet 10.0.0.1/32 dstaddr 10.0.0.2", &s);
	assert_int_equal(st->kind, ST_IF_ADDR);
	assert_string_equal(st->name, "tun0");
	assert_int_equal(st->u.ifaddr.addr.v4.s_addr, fx_in4("10.0.0.1").s_addr);
	assert_int_equal(st->u.ifaddr.plen, 32);
	assert_true(st->u.ifaddr.has_peer);
	assert_int_equal(st->u.ifaddr.peer.v4.s_addr, fx_in4("10.0.0.2").s_addr);
	script_free(s);
	st = one("ifconfig em0 inet6 2001:db8::50/64", &s);
	assert_int_equal(st->u.ifaddr.addr.family, AF_INET6);
	assert_int_equal(st->u.ifaddr.plen, 64);
	script_free(s);
	st = one("ifconfig em0 delete 192.0.2.10", &s);
	assert_int_equal(st->kind, ST_IF_DELETE);
	script_free(s);
	st = one("ifconfig em0 down", &s);
	assert_int_equal(st->kind, ST_IF_DOWN);
	script_free(s);
	st = one("ifconfig lo1 loopback", &s);
	assert_int_equal(st->kind, ST_IF_LOOPBACK);
	script_free(s);

	st = one("route add default 192.0.2.1", &s);
	assert_int_equal(st->kind, ST_ROUTE_ADD);
	assert_int_equal(st->u.route.dst.family, AF_INET);
	assert_int_equal(st->u.route.plen, 0);
	assert_true(st->u.route.has_gw);
	script_free(s);
	st = one("route add -inet6 default 2001:db8::1", &s);
	assert_int_equal(st->u.route.dst.family, AF_INET6);
	script_free(s);
	st = one("route add 198.51.100.0/24 -iface em1", &s);
	assert_false(st->u.route.has_gw);
	assert_string_equal(st->name2, "em1");
	assert_int_equal(st->u.route.plen, 24);
	script_free(s);
	st = one("route delete 198.51.100.7", &s);
	assert_int_equal(st->kind, ST_ROUTE_DELETE);
	assert_int_equal(st->u.route.plen, 32);
	script_free(s);

	st = one("sysctl net.inet.ip.portrange.first=-5", &s);
	assert_int_equal(st->kind, ST_SYSCTL_SET);
	assert_string_equal(st->u.sysctl.name, "net.inet.ip.portrange.first");
	assert_int_equal(st->u.sysctl.value, -5);
	assert_string_equal(st->text, "sysctl net.inet.ip.portrange.first=-5");
	script_free(s);
	st = one("sysctl net.inet.ip.portrange.first => 1024", &s);
	assert_int_equal(st->kind, ST_SYSCTL_GET);
	assert_int_equal(st->exp.kind, EX_INT);
	assert_int_equal(st->exp.ival, 1024);
	script_free(s);

	st = one("advance 61", &s);
	assert_true(st->u.advance_ns == 61000000000ull);
	script_free(s);
	st = one("advance 0.25", &s);
	assert_true(st->u.advance_ns == 250000000ull);
	script_free(s);
	st = one("seed 0xdeadbeef", &s);
	assert_true(st->u.seed == 0xdeadbeefull);
	script_free(s);
}

static void test_parse_jail_cred(void **state)
{
	struct script *s;
	const struct stmt *st;
	(void)state;

	st = one("jail create multi ip4=192.0.2.11,192.0.2.12 ip6=inherit "
	         "ip4.saddrsel=0 allow.reserved_ports=1 => EADDRINUSE", &s);
	assert_int_equal(st->kind, ST_JAIL_CREATE);
	assert_string_equal(st->name, "multi");
	assert_int_equal(st->u.jail->ip4_mode, INP_JAIL_NEW);
	assert_int_equal(st->u.jail->n_ip4, 2);
	assert_int_equal(st->u.jail->ip4[1].s_addr, fx_in4("192.0.2.12").s_addr);
	assert_int_equal(st->u.jail->ip6_mode, INP_JAIL_INHERIT);
	assert_false(st->u.jail->ip4_saddrsel);
	assert_true(st->u.jail->ip6_saddrsel);
	assert_true(st->u.jail->allow_reserved_ports);
	script_free(s);
	st = one("jail create p.d ip6=2001:db8::50", &s);
	assert_string_equal(st->name, "p.d");
	assert_int_equal(st->u.jail->ip4_mode, INP_JAIL_DISABLE);
	assert_int_equal(st->u.jail->n_ip6, 1);
	script_free(s);
	st = one("jail remove web", &s);
	assert_int_equal(st->kind, ST_JAIL_REMOVE);
	script_free(s);

	st = one("cred alice uid=1001", &s);
	assert_int_equal(st->kind, ST_CRED);
	assert_int_equal(st->u.cred.uid, 1001);
	assert_int_equal(st->u.cred.privs, INP_PRIV_DEFAULT);
	assert_string_equal(st->name2, "");
	script_free(s);
	st = one("cred j uid=0 jail=web priv=reuseport,bindany", &s);
	assert_string_equal(st->name2, "web");
	assert_int_equal(st->u.cred.privs,
	                 INP_PRIV_REUSEPORT | INP_PRIV_BINDANY);
	script_free(s);
	st = one("cred n priv=none", &s);
	assert_int_equal(st->u.cred.privs, 0);
	script_free(s);
}

static void test_parse_sockets(void **state)
{
	struct script *s;
	const struct stmt *st;
	(void)state;

	st = one("socket a tcp6 cred=alice", &s);
	assert_int_equal(st->kind, ST_SOCKET);
	assert_int_equal(st->u.socket.family, AF_INET6);
	assert_int_equal(st->u.socket.proto, INP_PROTO_TCP);
	assert_string_equal(st->name2, "alice");
	script_free(s);
	st = one("socket a udp4 cred=sroot => EAFNOSUPPORT", &s);
	assert_int_equal(st->u.socket.proto, INP_PROTO_UDP);
	assert_int_equal(st->exp.err, EAFNOSUPPORT);
	script_free(s);

	st = one("setsockopt a SO_REUSEPORT_LB 1", &s);
	assert_int_equal(st->u.sockopt.opt->level, INP_SOL_SOCKET);
	assert_int_equal(st->u.sockopt.opt->optname, INP_SO_REUSEPORT_LB);
	assert_int_equal(st->u.sockopt.ival, 1);
	script_free(s);
	st = one("setsockopt a ip_portrange low", &s);
	assert_int_equal(st->u.sockopt.opt->optname, INP_IP_PORTRANGE);
	assert_int_equal(st->u.sockopt.ival, INP_IP_PORTRANGE_LOW);
	script_free(s);
	st = one("setsockopt a IP_ADD_MEMBERSHIP 239.1.1.1 192.0.2.10", &s);
	assert_int_equal(st->u.sockopt.a1.v4.s_addr, fx_in4("239.1.1.1").s_addr);
	assert_true(st->u.sockopt.has_a2);
	assert_int_equal(st->u.sockopt.a2.v4.s_addr, fx_in4("192.0.2.10").s_addr);
	script_free(s);
	st = one("setsockopt a IPV6_JOIN_GROUP ff02::1:3 em0", &s);
	assert_int_equal(st->u.sockopt.opt->level, INP_IPPROTO_IPV6);
	assert_string_equal(st->name2, "em0");
	script_free(s);
	st = one("setsockopt a IP_MULTICAST_IF 203.0.113.6 => EADDRNOTAVAIL",
	         &s);
	assert_int_equal(st->u.sockopt.opt->optname, INP_IP_MULTICAST_IF);
	script_free(s);
	st = one("setsockopt a IP_TOS 0x10", &s);
	assert_int_equal(st->u.sockopt.ival, 16);
	script_free(s);

	st = one("bind a [::ffff:192.0.2.10]:8600", &s);
	assert_int_equal(st->kind, ST_BIND);
	assert_int_equal(st->u.ep.port, 8600);
	assert_true(fx_in6_equal(&st->u.ep.addr.v6, "::ffff:192.0.2.10"));
	script_free(s);
	st = one("connect c 198.51.100.7:53", &s);
	assert_int_equal(st->kind, ST_CONNECT);
	script_free(s);
	st = one("listen l", &s);
	assert_int_equal(st->u.backlog, 128);
	script_free(s);
	st = one("listen l 5", &s);
	assert_int_equal(st->u.backlog, 5);
	script_free(s);
	st = one("accept l s from 198.51.100.5:40000 To 192.0.2.10:80", &s);
	assert_int_equal(st->kind, ST_ACCEPT);
	assert_string_equal(st->name, "l");
	assert_string_equal(st->name2, "s");
	assert_int_equal(st->u.accept.from.port, 40000);
	assert_true(st->u.accept.has_to);
	assert_int_equal(st->u.accept.to.port, 80);
	script_free(s);
	st = one("accept l s FROM 198.51.100.5:40000", &s);
	assert_false(st->u.accept.has_to);
	script_free(s);

	st = one("disconnect u => EAFNOSUPPORT", &s);
	assert_int_equal(st->kind, ST_DISCONNECT);
	script_free(s);
	st = one("timewait s", &s);
	assert_int_equal(st->kind, ST_TIMEWAIT);
	script_free(s);
	st = one("close s", &s);
	assert_int_equal(st->kind, ST_CLOSE);
	script_free(s);
	st = one("getpeername u => ENOTCONN", &s);
	assert_int_equal(st->kind, ST_GETPEERNAME);
	script_free(s);
	st = one("getsockname c => 192.0.2.10:*", &s);
	assert_int_equal(st->kind, ST_GETSOCKNAME);
	assert_int_equal(st->exp.kind, EX_ENDPOINT);
	assert_int_equal(st->exp.u.ep.lo, 0);
	assert_int_equal(st->exp.u.ep.hi, 65535);
	script_free(s);
}

static void test_parse_packets(void **state)
{
	struct script *s;
	const struct stmt *st;
	(void)state;

	st = one("lookup tcp 198.51.100.1:1000 192.0.2.10:8300 => b", &s);
	assert_int_equal(st->kind, ST_LOOKUP);
	assert_int_equal(st->u.pkt.proto, INP_PROTO_TCP);
	assert_int_equal(st->u.pkt.src.port, 1000);
	assert_int_equal(st->u.pkt.dst.port, 8300);
	assert_false(st->u.pkt.has_hash);
	assert_int_equal(st->exp.kind, EX_ANYOF);
	assert_int_equal(st->exp.n_names, 1);
	script_free(s);
	st = one("lookup udp [2001:db8::1]:9 [2001:db8::10]:53 if=em0 "
	         "hash=0xffffffff => none", &s);
	assert_true(st->u.pkt.has_hash);
	assert_true(st->u.pkt.hash == 0xffffffffu);
	assert_string_equal(st->name2, "em0");
	assert_int_equal(st->exp.kind, EX_NONE);
	script_free(s);
	st = one("lookup tcp 198.51.100.1:1000 192.0.2.10:9443 => a|b", &s);
	assert_int_equal(st->exp.kind, EX_ANYOF);
	assert_int_equal(st->exp.n_names, 2);
	script_free(s);

	st = one("deliver udp 192.0.2.77:4000 239.1.1.1:5353 if=em0 tos=0x10 "
	         "ttl=1 len=100 => c,a,b", &s);
	assert_int_equal(st->kind, ST_DELIVER);
	assert_int_equal(st->u.pkt.tos, 0x10);
	assert_int_equal(st->u.pkt.ttl, 1);
	assert_int_equal(st->u.pkt.len, 100);
	assert_int_equal(st->exp.kind, EX_NAMES);
	assert_int_equal(st->exp.n_names, 3);
	assert_string_equal(st->exp.names[0], "a"); /* sorted */
	assert_string_equal(st->exp.names[2], "c");
	script_free(s);
	st = one("deliver udp 192.0.2.77:4000 192.0.2.10:9 => unreach", &s);
	assert_int_equal(st->u.pkt.ttl, 64);
	assert_int_equal(st->exp.kind, EX_UNREACH);
	script_free(s);

	st = one("recv a => 192.0.2.77:4000 dst=239.1.1.1 tos=0x10 ttl=none "
	         "len=0", &s);
	assert_int_equal(st->kind, ST_RECV);
	assert_int_equal(st->exp.kind, EX_RECV);
	assert_true(st->exp.u.recv->has_src);
	assert_int_equal(st->exp.u.recv->dst_c, FC_VALUE);
	assert_int_equal(st->exp.u.recv->tos, 0x10);
	assert_int_equal(st->exp.u.recv->ttl_c, FC_ABSENT);
	assert_int_equal(st->exp.u.recv->len_c, FC_VALUE);
	assert_int_equal(st->exp.u.recv->if_c, FC_ANY);
	script_free(s);
	st = one("recv a => EAGAIN", &s);
	assert_int_equal(st->exp.kind, EX_ERRNO);
	assert_int_equal(st->exp.err, EAGAIN);
	script_free(s);

	st = one("count", &s);
	assert_int_equal(st->u.count_proto, -1);
	script_free(s);
	st = one("count udp => 0x2", &s);
	assert_int_equal(st->u.count_proto, INP_PROTO_UDP);
	assert_int_equal(st->exp.ival, 2);
	script_free(s);
	st = one("netstat", &s);
	assert_int_equal(st->kind, ST_NETSTAT);
	script_free(s);
	st = one("stat udp udps_noport => 1", &s);
	assert_int_equal(st->kind, ST_STAT);
	assert_string_equal(st->u.stat->name, "udps_noport");
	script_free(s);
}

/* ---- errors ------------------------------------------------------------- */

static void test_parse_errors(void **state)
{
	static const struct { const char *in, *what; } cases[] = {
		{ "bnd a 1.2.3.4:80", "unknown command 'bnd'" },
		{ "bind a 1.2.3:80", "bad endpoint '1.2.3:80'" },
		{ "bind a 1.2.3.4:70000", "port 70000 out of range" },
		{ "bind a 1.2.3.4:99999999999999999999999",
		  "out of range" },
		{ "bind a 2001:db8::1:80", "write IPv6 endpoints as [ADDR]:PORT" },
		{ "bind a", "missing argument (usage: bind S ADDR:PORT)" },
		{ "bind a 1.2.3.4:80 extra", "unexpected 'extra'" },
		{ "bind 9a 1.2.3.4:80", "bad socket name '9a'" },
		{ "socket abcdefghijabcdefghijabcdefghijab udp4", "too long" },
		{ "socket none udp4", "socket name 'none' is reserved" },
		{ "socket EINVAL udp4", "socket name 'EINVAL' is reserved" },
		{ "socket a sctp4", "unknown protocol 'sctp4'" },
		{ "socket a udp4 creds=x", "unexpected 'creds=x'" },
		{ "setsockopt a SO_FOO 1", "unknown socket option 'SO_FOO'" },
		{ "setsockopt a SO_REUSEADDR", "missing argument" },
		{ "setsockopt a SO_REUSEADDR yes", "bad SO_REUSEADDR 'yes'" },
		{ "setsockopt a SO_REUSEADDR 4294967296", "out of range" },
		{ "setsockopt a IP_ADD_MEMBERSHIP ff02::1", "IPv4" },
		{ "ifconfig em0 inet 192.0.2.1", "missing prefix length" },
		{ "ifconfig em0 inet 192.0.2.1/33", "prefix length 33 out of range" },
		{ "ifconfig em0 inet6 192.0.2.1/24", "not an IPv6 address" },
		{ "ifconfig em0 frobnicate", "unknown ifconfig verb" },
		{ "ifconfig em0 inet 192.0.2.1/24 dstaddr", "missing address" },
		{ "route add default", "missing gateway" },
		{ "route add -inet6 default 192.0.2.1", "family" },
		{ "route add 10.0.0.0/8 -iface", "missing argument" },
		{ "route flip default", "unknown route subcommand" },
		{ "sysctl net.inet.ip.portrange.first=x", "bad sysctl value 'x'" },
		{ "sysctl 9=1", "bad sysctl name" },
		{ "advance -1", "bad seconds" },
		{ "advance 1.0000000001", "bad seconds" },
		{ "advance 1000000001", "out of range" },
		{ "seed x", "bad seed 'x'" },
		{ "jail create j ip4=1.2.3.4,::1", "IPv4" },
		{ "jail create j ip4=", "bad address ''" },
		{ "jail create j ip4=1.2.3.4 ip4=1.2.3.5", "given twice" },
		{ "jail create j color=red", "unknown jail parameter" },
		{ "jail create j ip4.saddrsel=2", "must be 0 or 1" },
		{ "jail destroy j", "unknown jail subcommand" },
		{ "cred c uid=4294967296", "uid 4294967296 out of range" },
		{ "cred c priv=root", "unknown privilege 'root'" },
		{ "cred c uid=1 uid=2", "given twice" },
		{ "accept l s 1.2.3.4:5", "missing argument" },
		{ "accept l s FRM 1.2.3.4:5", "expected FROM" },
		{ "accept l s FROM 1.2.3.4:5 TO [::1]:5", "different families" },
		{ "lookup tcp 1.2.3.4:1 [::1]:2", "different families" },
		{ "lookup sctp 1.2.3.4:1 1.2.3.4:2", "unknown protocol" },
		{ "lookup tcp 1.2.3.4:1 1.2.3.4:2 tos=1", "unexpected 'tos=1'" },
		{ "lookup tcp 1.2.3.4:1 1.2.3.4:2 => a,b", "a|b" },
		{ "deliver tcp 1.2.3.4:1 1.2.3.4:2", "udp only" },
		{ "deliver udp 1.2.3.4:1 1.2.3.4:2 ttl=256", "ttl 256 out of range" },
		{ "deliver udp 1.2.3.4:1 1.2.3.4:2 len=65536", "out of range" },
		{ "deliver udp 1.2.3.4:1 1.2.3.4:2 if=a if=b", "given twice" },
		{ "deliver udp 1.2.3.4:1 1.2.3.4:2 => a,,b", "bad socket name" },
		{ "count sctp", "unknown protocol" },
		{ "netstat => ok", "netstat takes no expectation" },
		{ "netstat all", "unexpected 'all'" },
		{ "stat udp udps_nothing", "unknown UDP counter" },
		{ "stat tcp udps_noport", "unknown statistics" },
		{ "bind a 1.2.3.4:80 => EFOO", "unknown errno name 'EFOO'" },
		{ "bind a 1.2.3.4:80 => okay", "expected ok or an errno name" },
		{ "bind a 1.2.3.4:80 => ok ok", "unexpected 'ok'" },
		{ "bind a 1.2.3.4:80 => ok => ok", "'=>' appears twice" },
		{ "bind a 1.2.3.4:80 =>", "nothing after '=>'" },
		{ "=> ok", "without a statement" },
		{ "getsockname a => 1.2.3.4:9-8", "empty port range" },
		{ "getsockname a => 1.2.3.4", "expected ADDR:PORT" },
		{ "count => many", "bad number 'many'" },
		{ "recv a => 1.2.3.4:5 foo=1", "unknown recv field 'foo=1'" },
		{ "recv a => 1.2.3.4:5 1.2.3.4:6", "unexpected" },
		{ "recv a => tos=256", "tos 256 out of range" },
		{ "bind a\x01 1.2.3.4:80", "control byte 0x01" },
		{ "bind a \xc3\xa9:80", "non-ASCII byte 0xc3" },
	};
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad(cases[i].in, cases[i].what);
}

static void test_parse_error_lines(void **state)
{
	static const char text[] = "socket a udp4\nbind a 1.2.3.4:1\n"
	                           "bnd a\n# fine\nbind a 1.2.3:4\n";
	struct parse_diags d;
	struct script *s;
	char buf[4096];
	FILE *f;
	(void)state;

	assert_int_equal(script_parse("x.pcbs", text, strlen(text), &s, &d),
	                 -1);
	assert_null(s);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.d[0].line, 3);
	assert_int_equal(d.d[1].line, 5);
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	parse_diags_print(f, &d);
	fclose(f);
	assert_non_null(strstr(buf, "x.pcbs:3: error: unknown command 'bnd'\n"
	                            "x.pcbs:5: error: bad endpoint '1.2.3:4'"));

	/* a NUL byte in the middle of a line, on line 2 */
	bad_len("close a\nclose\0 a\n", 17, 2, "NUL byte");
}

static void test_parse_too_many_errors(void **state)
{
	char text[64 * 8];
	struct parse_diags d;
	struct script *s;
	unsigned i;
	(void)state;

	text[0] = '\0';
	for (i = 0; i < 60; i++)
		strcat(text, "bad a\n");
	assert_int_equal(script_parse("t", text, strlen(text), &s, &d), -1);
	assert_int_equal(d.n, PARSE_DIAG_MAX);
	assert_int_equal(d.total, 60);
}

static void test_load_missing_file(void **state)
{
	struct parse_diags d;
	struct script *s;
	(void)state;

	assert_int_equal(script_load("/nonexistent/x.pcbs", &s, &d), -1);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.d[0].line, 0);
	assert_non_null(strstr(d.d[0].what, "cannot read"));
}

/* Deterministic garbage: the parser must neither crash nor accept junk
 * silently (any result is fine, as long as it returns). */
static void test_parse_garbage(void **state)
{
	static const char *const seeds[] = {
		"bind a 1.2.3.4:80 => ok", "lookup tcp [::1]:1 [::1]:2 => a|b",
		"jail create j ip4=1.2.3.4,5.6.7.8", "recv a => 1.2.3.4:5 len=3",
		"setsockopt a IPV6_JOIN_GROUP ff02::1 em0",
	};
	uint64_t x = 0x1234567;
	char buf[600];
	size_t i, j, len;
	(void)state;

	for (i = 0; i < 4000; i++) {
		struct parse_diags d;
		struct script *s = NULL;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		len = (x >> 33) % sizeof(buf);
		if (i % 2) {
			/* mutate a valid statement */
			const char *seed = seeds[(x >> 20) % 5];

			len = strlen(seed);
			memcpy(buf, seed, len);
			for (j = 0; j < 3; j++) {
				x = x * 6364136223846793005ull + 1;
				buf[(x >> 33) % len] = (char)(x >> 50);
			}
		} else {
			for (j = 0; j < len; j++) {
				x = x * 6364136223846793005ull + 1;
				buf[j] = (char)(x >> 56);
			}
		}
		if (script_parse("g", buf, len, &s, &d) == 0)
			script_free(s);
	}
}

static void test_parse_huge_inputs(void **state)
{
	size_t len = 1u << 20, i;
	char *big = malloc(len);
	struct parse_diags d;
	struct script *s;
	(void)state;

	/* one enormous line */
	memset(big, '9', len);
	assert_int_equal(script_parse("h", big, len, &s, &d), -1);
	assert_non_null(strstr(d.d[0].what, "line too long"));
	/* many blank and comment lines: fine */
	for (i = 0; i < len; i++)
		big[i] = i % 2 ? '\n' : '#';
	assert_int_equal(script_parse("h", big, len, &s, &d), 0);
	assert_int_equal(s->n, 0);
	script_free(s);
	/* a huge number in every numeric position */
	bad("listen a 99999999999999999999999999999999999999", "out of range");
	bad("lookup tcp 1.2.3.4:1 1.2.3.4:2 hash=4294967296", "out of range");
	bad("count => 99999999999999999999999999999", "out of range");
	free(big);
}

/* ---- matching ----------------------------------------------------------- */

static struct expect exp1(enum result_shape shape, const char *tok)
{
	char buf[256], err[LEX_ERR_MAX], *toks[8], *p;
	struct expect e;
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%s", tok);
	for (p = strtok(buf, " "); p && n < 8; p = strtok(NULL, " "))
		toks[n++] = p;
	if (expect_parse(shape, toks, n, &e, err) != 0)
		fail_msg("expectation '%s': %s", tok, err);
	return e;
}

static void test_match(void **state)
{
	struct outcome o;
	struct expect e;
	const char *names[] = { "b", "a", "c" };
	(void)state;

	memset(&o, 0, sizeof(o));
	e = exp1(RS_STATUS, "ok");
	assert_true(expect_match(&e, &o, NULL));
	o.err = EADDRINUSE;
	assert_false(expect_match(&e, &o, NULL));
	expect_free(&e);

	/* errno names by value: both spellings of one Linux value */
	o.err = EOPNOTSUPP;
	e = exp1(RS_STATUS, "ENOTSUP");
	assert_true(expect_match(&e, &o, NULL));
	expect_free(&e);

	/* disconnect: success also matches EAFNOSUPPORT */
	memset(&o, 0, sizeof(o));
	e = exp1(RS_STATUS, "EAFNOSUPPORT");
	assert_false(expect_match(&e, &o, NULL));
	o.disconnect = true;
	assert_true(expect_match(&e, &o, NULL));
	expect_free(&e);

	memset(&o, 0, sizeof(o));
	o.kind = OC_ENDPOINT;
	o.ep = fx_sa("0.0.0.0", 49152);
	e = exp1(RS_ENDPOINT, "0.0.0.0:49152-65535");
	assert_true(expect_match(&e, &o, NULL));
	expect_free(&e);
	e = exp1(RS_ENDPOINT, "0.0.0.0:10000-49151");
	assert_false(expect_match(&e, &o, NULL));
	expect_free(&e);
	e = exp1(RS_ENDPOINT, "0.0.0.1:*");
	assert_false(expect_match(&e, &o, NULL));
	expect_free(&e);
	e = exp1(RS_ENDPOINT, "[::]:49152");
	assert_false(expect_match(&e, &o, NULL));
	expect_free(&e);

	o.kind = OC_NAMES;
	o.names = names;
	o.n_names = 3;
	e = exp1(RS_DELIVER, "c,b,a");
	assert_true(expect_match(&e, &o, NULL));
	expect_free(&e);
	e = exp1(RS_DELIVER, "a,b");
	assert_false(expect_match(&e, &o, NULL));
	expect_free(&e);
	e = exp1(RS_DELIVER, "a,b,b");
	assert_false(expect_match(&e, &o, NULL));
	expect_free(&e);
	o.n_names = 1;
	e = exp1(RS_LOOKUP, "a|b");
	assert_true(expect_match(&e, &o, NULL));
	expect_free(&e);
	e = exp1(RS_LOOKUP, "none");
	assert_false(expect_match(&e, &o, NULL));
	expect_free(&e);

	memset(&o, 0, sizeof(o));
	o.kind = OC_RECV;
	o.rcv.src = fx_sa("192.0.2.77", 4000);
	o.rcv.dst = fx_sa("239.1.1.1", 0);
	o.rcv.have = INP_RCV_DSTADDR | INP_RCV_TOS;
	o.rcv.tos = 0x10;
	o.rcv.len = 12;
	e = exp1(RS_RECV, "192.0.2.77:4000 dst=239.1.1.1 tos=16 len=0xc");
	assert_true(expect_match(&e, &o, NULL));
	expect_free(&e);
	e = exp1(RS_RECV, "len=12");
	assert_true(expect_match(&e, &o, NULL));
	expect_free(&e);
	e = exp1(RS_RECV, "192.0.2.77:4000 ttl=64");
	assert_false(expect_match(&e, &o, NULL));
	expect_free(&e);
	e = exp1(RS_RECV, "192.0.2.77:4000 ttl=none dst=239.1.1.2");
	assert_false(expect_match(&e, &o, NULL));
	expect_free(&e);
	e = exp1(RS_RECV, "192.0.2.77:* tos=none");
	assert_false(expect_match(&e, &o, NULL));
	expect_free(&e);
	e = exp1(RS_RECV, "EAGAIN");
	assert_false(expect_match(&e, &o, NULL));
	o.err = EAGAIN;
	assert_true(expect_match(&e, &o, NULL));
	expect_free(&e);
}

/* ---- end to end --------------------------------------------------------- */

/* Run text as a script; returns the totals and the output in out. */
static struct run_totals run_text(const char *text, char *out, size_t len,
                                  bool quiet)
{
	struct interp_opts opts = { INTERP_DEFAULT_SEED, quiet, true, NULL };
	struct run_totals tot = { 0, 0 };
	struct script *s = ok_parse(text);

	memset(out, 0, len);
	opts.out = fmemopen(out, len - 1, "w");
	assert_non_null(opts.out);
	assert_int_equal(interp_run(s, &opts, &tot), 0);
	fclose(opts.out);
	script_free(s);
	return tot;
}

static void test_run_counts_and_output(void **state)
{
	static const char text[] =
		"ifconfig em0 inet 192.0.2.10/24\n"
		"socket a udp4\n"
		"bind a 192.0.2.10:5000 => ok\n"
		"socket b udp4\n"
		"bind b 192.0.2.10:5000 => ok\n"     /* fails: EADDRINUSE */
		"bind b 192.0.2.10:5001\n"
		"getsockname b => 192.0.2.10:5001\n"
		"getpeername b\n"                    /* query: only prints */
		"lookup udp 198.51.100.1:9 192.0.2.10:5000 => a\n"
		"deliver udp 198.51.100.1:9 192.0.2.10:5001 len=3 => b\n"
		"recv b => 198.51.100.1:9 len=3\n"
		"recv b => EAGAIN\n"
		"close a\n"
		"close a => EBADF\n"
		"count udp => 1\n";
	char out[8192];
	struct run_totals tot = run_text(text, out, sizeof(out), false);
	(void)state;

	assert_int_equal(tot.failed, 1);
	assert_int_equal(tot.passed, 13);
	assert_non_null(strstr(out, "-> EADDRINUSE  FAIL (expected ok)"));
	assert_non_null(strstr(out, "why: "));
	assert_non_null(strstr(out, "-> ENOTCONN\n"));
	assert_non_null(strstr(out, "note: socket 'a' is closed"));

	tot = run_text(text, out, sizeof(out), true);
	assert_int_equal(tot.failed, 1);
	assert_null(strstr(out, "getsockname"));
	assert_non_null(strstr(out, "t.pcbs:5:"));
}

static void test_run_robust_names(void **state)
{
	static const char text[] =
		"close nobody => EBADF\n"
		"socket s udp4 cred=ghost => ENOENT\n"
		"socket s udp4\n"
		"socket s udp4 => EEXIST\n"
		"vnet use nowhere => ENOENT\n"
		"jail remove nojail => ENOENT\n"
		"lookup udp 1.2.3.4:1 1.2.3.4:2 if=em9 => ENXIO\n"
		"bind s [fe80::1%em9]:1 => ENXIO\n"
		"timewait s => EINVAL\n"
		"close s\n"
		"socket s tcp4\n"                    /* reuse a closed name */
		"vnet destroy default\n"             /* EBUSY: s still lives */
		"close s\n"
		"vnet create v\n"
		"vnet destroy default\n"             /* no vnet is current */
		"count => ENOENT\n"
		"socket t udp4 => ENOENT\n"
		"vnet use v\n"
		"count => 0\n";
	char out[8192];
	struct run_totals tot = run_text(text, out, sizeof(out), false);
	(void)state;

	if (tot.failed != 1 || tot.passed != 18)
		fail_msg("passed %lu failed %lu:\n%s", tot.passed, tot.failed,
		         out);
	assert_non_null(strstr(out, "vnet destroy default"));
	assert_non_null(strstr(out, "-> EBUSY  FAIL (expected ok)"));
	assert_non_null(strstr(out, "no vnet is current any more"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lex_comments_blanks_arrow),
		cmocka_unit_test(test_lex_names_and_numbers),
		cmocka_unit_test(test_lex_endpoints),
		cmocka_unit_test(test_lex_line_limits),
		cmocka_unit_test(test_parse_world),
		cmocka_unit_test(test_parse_jail_cred),
		cmocka_unit_test(test_parse_sockets),
		cmocka_unit_test(test_parse_packets),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_error_lines),
		cmocka_unit_test(test_parse_too_many_errors),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_parse_garbage),
		cmocka_unit_test(test_parse_huge_inputs),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_run_counts_and_output),
		cmocka_unit_test(test_run_robust_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
