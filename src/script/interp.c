/*
 * interp.c - the run loop of the scenario language: a fresh library
 * instance per file, one statement after the other, one output line each.
 *
 * The world (scenario-language.md, "The world a script starts in"): a host
 * whose clock starts at 0 and whose random source is splitmix64 seeded
 * with opts->seed; a vnet "default" (lo0 comes with it); the credential
 * "root" (uid 0, not jailed, INP_PRIV_ALL).  Every socket's label is its
 * script name and its udata its record, so the library's explanations and
 * delivery results name it.
 *
 * Output, one line per statement (padded so the arrows line up):
 *     FILE:LINE: STATEMENT -> RESULT
 *     FILE:LINE: STATEMENT -> RESULT  FAIL (expected EXPECT)
 * followed, where there is something to say, by
 *     "    note: ..."   the interpreter's own message (always shown),
 *     "    why: RULE: REASON"   the library's explanation (--explain),
 *     the table of netstat.
 * With opts->quiet only failing statements are printed.
 *
 * Counting: a statement with "=>", and a statement without it that is not
 * a pure query (parser.h, stmt_is_query), passes or fails; pure queries
 * without "=>" only print.
 *
 * Decisions where the spec is silent:
 *   - Names are resolved at run time, not at parse time, because whether
 *     a name is live depends on earlier results.  A socket name that
 *     refers to no live socket gives EBADF (what a closed descriptor
 *     gives; so `close s` twice gives EBADF), creating a socket under a
 *     live name gives EEXIST, an unknown credential, jail or vnet ENOENT,
 *     an unknown interface ENXIO; each with a note naming what is missing.
 *   - `disconnect S` calls inp_sock_disconnect(); a success also matches
 *     the expectation EAFNOSUPPORT (FreeBSD's connect(AF_UNSPEC) reports
 *     it after dissolving the association, C11) and is then printed so.
 *   - After every statement the interface address references of every
 *     vnet must be back at their baseline (lifecycle spec, invariant 27);
 *     a statement that leaves new references outstanding fails.
 *   - At the end of a file every live socket is closed, the clock is moved
 *     past 2*MSL so TIME_WAIT PCBs expire, and the host must then be
 *     destroyable; a host that still holds PCBs is a counted failure.
 *   - Destroying the current vnet makes "default" current again (no vnet
 *     is current once "default" itself is gone: ENOENT).
 *   - IPv6 zones (fe80::1%em0) name interfaces of the current vnet; a
 *     link-local address without zone in `ifconfig` belongs to that
 *     interface, as with ifconfig(8).
 *   - `cred NAME ...` for a name already defined replaces the definition
 *     (sockets keep the credential they were created with); redefining
 *     "root" changes the default credential of later sockets.
 *
 * Extension: `stat udp COUNTER` gives the value of a struct inp_udpstat
 * field by its name, e.g. `stat udp udps_noport => 1`.  Other extensions
 * are listed in expect.h and parse_sock.c (deliver link_bcast=0|1).
 */
#include "interp_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers shared by the executors ------------------------------------ */

void set_rc(struct outcome *o, int rc)
{
	o->kind = OC_STATUS;
	o->err = rc < 0 ? -rc : 0;
}

static void vnote(struct interp *in, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void vnote(struct interp *in, const char *fmt, va_list ap)
{
	char buf[256];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (in->note.len)
		sb_puts(&in->note, "; ");
	sb_puts(&in->note, buf);
}

void add_note(struct interp *in, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(in, fmt, ap);
	va_end(ap);
}

void fail_note(struct interp *in, struct outcome *o, int err,
               const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(in, fmt, ap);
	va_end(ap);
	o->err = err;
}

struct inp_vnet *cur_vnet(struct interp *in, struct outcome *o)
{
	if (!in->vnet)
		fail_note(in, o, ENOENT, "no current vnet (it was destroyed)");
	return in->vnet;
}

static struct sock_rec *live_sock(struct interp *in, const char *name)
{
	size_t i;

	for (i = in->nsocks; i-- > 0;)
		if (in->socks[i]->so && strcmp(in->socks[i]->name, name) == 0)
			return in->socks[i];
	return NULL;
}

struct sock_rec *find_sock(struct interp *in, const char *name,
                           struct outcome *o)
{
	struct sock_rec *r = live_sock(in, name);
	size_t i;

	if (r)
		return r;
	for (i = 0; i < in->nsocks; i++)
		if (strcmp(in->socks[i]->name, name) == 0)
			break;
	fail_note(in, o, EBADF, i < in->nsocks ? "socket '%s' is closed"
	                                        : "no socket '%s'", name);
	return NULL;
}

bool sock_name_free(struct interp *in, const char *name, struct outcome *o)
{
	if (!live_sock(in, name))
		return true;
	fail_note(in, o, EEXIST, "socket '%s' already exists", name);
	return false;
}

struct sock_rec *add_sock(struct interp *in, const char *name,
                          struct inp_sock *so)
{
	struct sock_rec *r;

	if (in->nsocks == in->capsocks) {
		size_t cap = in->capsocks ? in->capsocks * 2 : 16;
		struct sock_rec **v = realloc(in->socks, cap * sizeof(*v));

		if (!v)
			return NULL;
		in->socks = v;
		in->capsocks = cap;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->so = so;
	in->socks[in->nsocks++] = r;
	inp_sock_set_label(so, name);
	inp_sock_set_udata(so, r);
	return r;
}

struct inp_cred *find_cred(struct interp *in, const char *name,
                           struct outcome *o)
{
	size_t i;

	if (name[0] == '\0')
		return in->root;
	for (i = 0; i < in->ncreds; i++)
		if (strcmp(in->creds[i].name, name) == 0)
			return in->creds[i].cred;
	fail_note(in, o, ENOENT, "no credential '%s'", name);
	return NULL;
}

int set_cred(struct interp *in, const char *name, struct inp_cred *cred)
{
	size_t i;

	for (i = 0; i < in->ncreds; i++) {
		if (strcmp(in->creds[i].name, name) == 0) {
			inp_cred_rele(in->creds[i].cred);
			in->creds[i].cred = cred;
			if (strcmp(name, "root") == 0)
				in->root = cred;
			return 0;
		}
	}
	if (in->ncreds == in->capcreds) {
		size_t cap = in->capcreds ? in->capcreds * 2 : 8;
		struct cred_rec *v = realloc(in->creds, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		in->creds = v;
		in->capcreds = cap;
	}
	snprintf(in->creds[in->ncreds].name, SCRIPT_NAME_MAX, "%s", name);
	in->creds[in->ncreds++].cred = cred;
	if (strcmp(name, "root") == 0)
		in->root = cred;
	return 0;
}

int add_vnet_name(struct interp *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->nvnets; i++)
		if (strcmp(in->vnets[i].name, name) == 0)
			return 0;
	if (in->nvnets == in->capvnets) {
		size_t cap = in->capvnets ? in->capvnets * 2 : 4;
		struct vnet_rec *v = realloc(in->vnets, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		in->vnets = v;
		in->capvnets = cap;
	}
	snprintf(in->vnets[in->nvnets].name, SCRIPT_NAME_MAX, "%s", name);
	in->vnets[in->nvnets++].ifa_refs = 0;
	return 0;
}

struct inp_ifnet *find_if(struct interp *in, struct inp_vnet *vnet,
                          const char *name, struct outcome *o)
{
	struct inp_ifnet *ifp = inp_if_find(vnet, name);

	if (!ifp)
		fail_note(in, o, ENXIO, "no interface '%s' in vnet '%s'", name,
		          inp_vnet_name(vnet));
	return ifp;
}

static bool is_linklocal(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

socklen_t to_sockaddr(struct interp *in, struct inp_vnet *vnet,
                      const struct script_addr *a, uint16_t port,
                      uint32_t def_scope, struct sockaddr_storage *ss,
                      struct outcome *o)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct inp_ifnet *ifp;

	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->v4;
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = a->v6;
	if (a->zone[0] >= '0' && a->zone[0] <= '9') {
		sin6->sin6_scope_id = (uint32_t)strtoul(a->zone, NULL, 10);
	} else if (a->zone[0]) {
		ifp = vnet ? find_if(in, vnet, a->zone, o) : NULL;
		if (!ifp) {
			if (!vnet)
				cur_vnet(in, o);
			return 0;
		}
		sin6->sin6_scope_id = inp_if_index(ifp);
	} else if (is_linklocal(&a->v6)) {
		sin6->sin6_scope_id = def_scope;
	}
	return sizeof(*sin6);
}

bool names_room(struct interp *in, size_t n, struct outcome *o)
{
	const char **v;

	if (n <= in->capnames)
		return true;
	v = realloc(in->names, n * sizeof(*v));
	if (!v) {
		fail_note(in, o, ENOMEM, "out of memory");
		return false;
	}
	in->names = v;
	in->capnames = n;
	return true;
}

/* ---- the statement table ------------------------------------------------ */

static const exec_fn executors[] = {
	[ST_VNET_CREATE] = x_vnet_create,
	[ST_VNET_USE] = x_vnet_use,
	[ST_VNET_DESTROY] = x_vnet_destroy,
	[ST_IF_ADDR] = x_if_addr,
	[ST_IF_DELETE] = x_if_delete,
	[ST_IF_UP] = x_if_flags,
	[ST_IF_DOWN] = x_if_flags,
	[ST_IF_LOOPBACK] = x_if_flags,
	[ST_ROUTE_ADD] = x_route_add,
	[ST_ROUTE_DELETE] = x_route_delete,
	[ST_SYSCTL_SET] = x_sysctl_set,
	[ST_SYSCTL_GET] = x_sysctl_get,
	[ST_ADVANCE] = x_advance,
	[ST_SEED] = x_seed,
	[ST_JAIL_CREATE] = x_jail_create,
	[ST_JAIL_REMOVE] = x_jail_remove,
	[ST_CRED] = x_cred,
	[ST_SOCKET] = x_socket,
	[ST_SETSOCKOPT] = x_setsockopt,
	[ST_BIND] = x_bind,
	[ST_CONNECT] = x_connect,
	[ST_DISCONNECT] = x_disconnect,
	[ST_LISTEN] = x_listen,
	[ST_ACCEPT] = x_accept,
	[ST_TIMEWAIT] = x_timewait,
	[ST_CLOSE] = x_close,
	[ST_GETSOCKNAME] = x_getsockname,
	[ST_GETPEERNAME] = x_getpeername,
	[ST_LOOKUP] = x_lookup,
	[ST_DELIVER] = x_deliver,
	[ST_RECV] = x_recv,
	[ST_COUNT] = x_count,
	[ST_NETSTAT] = x_netstat,
	[ST_STAT] = x_stat,
	[ST_SEND] = x_send,
};

/* ---- output ------------------------------------------------------------- */

/* Widths the locations and statement texts of a file are padded to. */
struct widths {
	int loc;
	int text;
};

static struct widths text_widths(const struct script *s)
{
	struct widths w = { 0, 0 };
	char loc[32];
	size_t i;
	int n;

	for (i = 0; i < s->n; i++) {
		if ((int)strlen(s->v[i].text) > w.text)
			w.text = (int)strlen(s->v[i].text);
		n = snprintf(loc, sizeof(loc), "%u:", s->v[i].line);
		if (n > w.loc)
			w.loc = n;
	}
	if (w.text > 56)
		w.text = 56;
	return w;
}

/* Print the lines of text (possibly several) indented under a statement. */
static void print_lines(FILE *f, const char *prefix, const char *text)
{
	const char *nl;

	while (*text) {
		nl = strchr(text, '\n');
		fprintf(f, "%s%.*s\n", prefix,
		        (int)(nl ? (size_t)(nl - text) : strlen(text)), text);
		text = nl ? nl + 1 : text + strlen(text);
	}
}

struct verdict {
	bool counted;           /* an expectation, an implied ok, or a leak */
	bool matched;           /* the result satisfied the expectation */
	const char *expected;   /* shown after FAIL */
	long leaked;            /* invariant 27: new references outstanding */
};

static bool failed(const struct verdict *v)
{
	return v->counted && (!v->matched || v->leaked);
}

static void report(struct interp *in, const struct stmt *st,
                   const struct outcome *o, const struct verdict *v,
                   struct widths w)
{
	FILE *f = in->opts->out;
	struct strbuf res = STRBUF_INIT;
	char loc[32];

	if (!f || (in->opts->quiet && !failed(v)))
		return;
	outcome_format(o, &st->exp, in->vnet, &res);
	if (in->opts->comments && st->lead)
		print_lines(f, "# ", st->lead);
	snprintf(loc, sizeof(loc), "%u:", st->line);
	fprintf(f, "%s:%-*s %-*s -> %s", in->script->file, w.loc, loc, w.text,
	        st->text, sb_str(&res));
	if (failed(v)) {
		fputs("  FAIL (", f);
		if (!v->matched)
			fprintf(f, "expected %s%s", v->expected,
			        v->leaked ? "; " : "");
		if (v->leaked)
			fprintf(f, "invariant 27: %ld interface address "
			        "reference(s) not released", v->leaked);
		fputc(')', f);
	}
	fputc('\n', f);
	if (in->note.len)
		print_lines(f, "    note: ", sb_str(&in->note));
	if (in->opts->explain && (in->why.rule[0] || in->why.reason[0]))
		fprintf(f, "    why: %s: %s\n", in->why.rule, in->why.reason);
	if (in->opts->comments && st->tail)
		fprintf(f, "    # %s\n", st->tail);
	if (in->table.len && !in->opts->quiet)
		print_lines(f, "    ", sb_str(&in->table));
	sb_free(&res);
}

/* ---- invariants --------------------------------------------------------- */

/* New interface address references left outstanding (invariant 27). */
static long ifa_leaks(struct interp *in)
{
	long leaked = 0, refs;
	struct inp_vnet *v;
	size_t i;

	for (i = 0; i < in->nvnets; i++) {
		v = inp_vnet_find(in->host, in->vnets[i].name);
		refs = v ? inp_vnet_ifa_refs_outstanding(v) : 0;
		if (refs > in->vnets[i].ifa_refs)
			leaked += refs - in->vnets[i].ifa_refs;
		in->vnets[i].ifa_refs = refs;
	}
	return leaked;
}

/* ---- running ------------------------------------------------------------ */

static void run_stmt(struct interp *in, const struct stmt *st,
                     struct widths w, struct run_totals *tot)
{
	struct outcome o;
	struct verdict v = { false, true, "ok", 0 };

	memset(&o, 0, sizeof(o));
	memset(&in->why, 0, sizeof(in->why));
	sb_reset(&in->note);
	sb_reset(&in->table);
	executors[st->kind](in, st, &o);

	if (st->exp.present) {
		v.counted = true;
		v.matched = expect_match(&st->exp, &o, in->vnet);
		v.expected = st->exp.text;
	} else if (!stmt_is_query(st->kind)) {
		v.counted = true;
		v.matched = o.err == 0;
	}
	v.leaked = ifa_leaks(in);
	if (v.leaked)
		v.counted = true;
	if (failed(&v))
		tot->failed++;
	else if (v.counted)
		tot->passed++;
	report(in, st, &o, &v, w);
}

static int world_create(struct interp *in)
{
	struct inp_host_ops ops;
	struct inp_cred *root;
	int rc;

	simhost_init(&in->sim, in->opts->seed);
	simhost_ops(&in->sim, &ops);
	rc = inp_host_create(&ops, NULL, &in->host);
	if (rc < 0)
		return rc;
	rc = inp_vnet_create(in->host, "default", &in->vnet);
	if (rc < 0)
		return rc;
	rc = add_vnet_name(in, "default");
	if (rc < 0)
		return rc;
	rc = inp_cred_create(in->host, 0, NULL, INP_PRIV_ALL, &root);
	if (rc < 0)
		return rc;
	rc = set_cred(in, "root", root);
	if (rc < 0)
		inp_cred_rele(root);
	return rc;
}

/* Largest 2*MSL of every vnet, in nanoseconds, plus a second. */
static uint64_t timewait_horizon(struct interp *in)
{
	long msl = in->max_msl_ms, v;
	struct inp_vnet *vn;
	size_t i;

	for (i = 0; i < in->nvnets; i++) {
		vn = inp_vnet_find(in->host, in->vnets[i].name);
		if (vn && inp_sysctl_get(vn, "net.inet.tcp.msl", &v) == 0 &&
		    v > msl)
			msl = v;
	}
	if (msl < 0)
		msl = 0;
	return 2 * (uint64_t)msl * 1000000ull + 1000000000ull;
}

static void close_socks(struct interp *in)
{
	size_t i;

	for (i = in->nsocks; i-- > 0;) {
		if (in->socks[i]->so)
			inp_sock_close(in->socks[i]->so);
		in->socks[i]->so = NULL;
	}
}

static void release_creds(struct interp *in)
{
	size_t i;

	for (i = 0; i < in->ncreds; i++)
		inp_cred_rele(in->creds[i].cred);
	in->ncreds = 0;
}

/* The interpreter's own memory (after its sockets and credentials). */
static void free_state(struct interp *in)
{
	size_t i;

	for (i = 0; i < in->nsocks; i++)
		free(in->socks[i]);
	free(in->socks);
	free(in->creds);
	free(in->vnets);
	free(in->names);
	sb_free(&in->note);
	sb_free(&in->table);
}

/* Close every socket, let TIME_WAIT expire, destroy the host. */
static int world_destroy(struct interp *in)
{
	int rc = 0;

	close_socks(in);
	if (in->host) {
		simhost_advance(&in->sim, timewait_horizon(in));
		inp_host_run_timers(in->host);
	}
	release_creds(in);
	if (in->host)
		rc = inp_host_destroy(in->host);
	free_state(in);
	return rc;
}

static void report_setup(const struct interp *in, const char *what, int rc,
                         struct run_totals *tot)
{
	tot->failed++;
	if (in->opts->out)
		fprintf(in->opts->out, "%s: %s: %s  FAIL\n", in->script->file,
		        what, inp_errno_name(-rc) ? inp_errno_name(-rc)
		                                  : "error");
}

int interp_run(const struct script *s, const struct interp_opts *opts,
               struct run_totals *tot)
{
	struct interp in;
	struct widths w = text_widths(s);
	int rc;
	size_t i;

	memset(&in, 0, sizeof(in));
	in.opts = opts;
	in.script = s;
	in.max_msl_ms = 0;
	/* Statements look up PCBs on this thread (inpcb/thread.h). */
	inp_thread_register();
	rc = world_create(&in);
	if (rc == 0)
		for (i = 0; i < s->n; i++)
			run_stmt(&in, &s->v[i], w, tot);
	else
		report_setup(&in, "cannot create the library instance", rc,
		             tot);
	if (world_destroy(&in) < 0 && rc == 0)
		report_setup(&in, "teardown: the host still holds PCBs "
		             "after every socket was closed", -EBUSY, tot);
	inp_thread_unregister();
	return rc;
}

/* ---- sessions on a caller's host ----------------------------------------- */

static int session_world(struct interp *in)
{
	struct inp_cred *root;
	int rc;

	in->vnet = inp_vnet_find(in->host, "default");
	if (!in->vnet && (rc = inp_vnet_create(in->host, "default",
	                                       &in->vnet)) < 0)
		return rc;
	if ((rc = add_vnet_name(in, "default")) < 0)
		return rc;
	/* the caller's configuration is the baseline of invariant 27 */
	in->vnets[0].ifa_refs = inp_vnet_ifa_refs_outstanding(in->vnet);
	rc = inp_cred_create(in->host, 0, NULL, INP_PRIV_ALL, &root);
	if (rc < 0)
		return rc;
	rc = set_cred(in, "root", root);
	if (rc < 0)
		inp_cred_rele(root);
	return rc;
}

int interp_session_open(struct inp_host *host, const struct interp_opts *opts,
                        struct interp **out)
{
	struct interp *in;
	int rc;

	if (!opts || !out)
		return -EINVAL;
	in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->own_opts = *opts;
	in->opts = &in->own_opts;
	in->live = host != NULL;
	in->host = host;
	rc = in->live ? session_world(in) : world_create(in);
	if (rc < 0) {
		interp_session_close(in);
		return rc;
	}
	*out = in;
	return 0;
}

struct inp_host *interp_session_host(struct interp *in)
{
	return in->host;
}

void interp_session_run(struct interp *in, const struct script *s,
                        struct run_totals *tot)
{
	struct widths w = text_widths(s);
	size_t i;

	in->script = s;
	inp_thread_register();          /* lookups on this thread */
	for (i = 0; i < s->n; i++)
		run_stmt(in, &s->v[i], w, tot);
	inp_thread_unregister();
	in->script = NULL;
}

struct inp_vnet *interp_session_vnet(struct interp *in)
{
	return in->vnet;
}

struct inp_sock *interp_session_sock(struct interp *in, size_t i,
                                     const char **name)
{
	size_t k;

	for (k = 0; k < in->nsocks; k++) {
		if (!in->socks[k]->so)
			continue;
		if (i-- == 0) {
			if (name)
				*name = in->socks[k]->name;
			return in->socks[k]->so;
		}
	}
	return NULL;
}

struct inp_sock *interp_session_find(struct interp *in, const char *name)
{
	struct sock_rec *r = live_sock(in, name);

	return r ? r->so : NULL;
}

int interp_session_close(struct interp *in)
{
	int rc = 0;

	if (!in)
		return 0;
	if (in->live) {
		close_socks(in);
		release_creds(in);
		free_state(in);
	} else {
		rc = world_destroy(in);
	}
	free(in);
	return rc;
}
