/*
 * live.c - a script session on a live host and the sockets a command
 * serves: the script's sockets, found by their names once it has run,
 * and the command's own UDP echo sockets.
 *
 * Draining reads every queued datagram of every served socket.  A live
 * command must drain, or the queues fill and the stack counts every
 * later datagram as udps_fullsock; what it then does with a datagram is
 * the command's business: count it (always), print it (--print: the
 * source and the ancillary data the socket's receive options asked for),
 * echo it (echo sockets).
 */
#include "live.h"

#include "interp.h"
#include "parser.h"

#include <inpcb/ip.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DGRAM_MAX 65536

int live_open(struct live *lv, struct inp_host *host, FILE *out,
              bool quiet)
{
	struct interp_opts opts;
	int rc;

	memset(lv, 0, sizeof(*lv));
	lv->host = host;
	lv->out = out;
	lv->buf = malloc(DGRAM_MAX);
	memset(&opts, 0, sizeof(opts));
	opts.seed = INTERP_DEFAULT_SEED;
	opts.out = out;
	opts.quiet = quiet;
	rc = lv->buf ? interp_session_open(host, &opts, &lv->session) : -ENOMEM;
	if (rc < 0) {
		fprintf(stderr, "inpcb: cannot set up the stack: %s\n",
		        strerror(-rc));
		free(lv->buf);
		lv->buf = NULL;
		return 2;
	}
	lv->host = interp_session_host(lv->session);
	lv->vnet = interp_session_vnet(lv->session);
	return 0;
}

int live_script(struct live *lv, const char *path)
{
	struct run_totals tot = { 0, 0 };
	struct parse_diags diags;
	struct script *s;
	int rc;

	if (!path)
		return 0;
	rc = script_load(path, &s, &diags);
	if (rc < 0) {
		if (rc == -ENOMEM)
			fprintf(stderr, "%s: error: out of memory\n", path);
		else
			parse_diags_print(stderr, &diags);
		return 2;
	}
	interp_session_run(lv->session, s, &tot);
	script_free(s);
	lv->vnet = interp_session_vnet(lv->session);
	if (tot.failed) {
		fprintf(stderr, "%s: %lu statement(s) failed\n", path,
		        tot.failed);
		return 1;
	}
	if (!lv->vnet) {
		fprintf(stderr, "%s: the script destroyed vnet 'default'\n",
		        path);
		return 1;
	}
	return 0;
}

static struct live_sock *add_sock(struct live *lv, const char *name,
                                  struct inp_sock *so)
{
	struct live_sock *v = realloc(lv->socks,
	                              (lv->nsocks + 1) * sizeof(*v));

	if (!v)
		return NULL;
	lv->socks = v;
	v = &lv->socks[lv->nsocks++];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->so = so;
	return v;
}

/* One echo socket of family af on port, dual-stack off for IPv6. */
static int open_echo(struct live *lv, int af, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct live_sock *ls = NULL;
	struct inp_sock *so;
	char name[INP_LABEL_MAX];
	int one = 1, rc;

	rc = inp_sock_open(lv->vnet, af, INP_PROTO_UDP, NULL, &so);
	if (rc < 0)
		return rc;
	snprintf(name, sizeof(name), "echo%d:%u", af == AF_INET ? 4 : 6,
	         port);
	inp_sock_set_label(so, name);
	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		rc = inp_sock_setopt(so, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY,
		                     &one, sizeof(one), NULL);
	}
	if (rc == 0)
		rc = inp_sock_bind(so, (struct sockaddr *)&ss,
		                   af == AF_INET ? sizeof(*sin) : sizeof(*sin6),
		                   NULL);
	if (rc == 0 && !(ls = add_sock(lv, name, so)))
		rc = -ENOMEM;
	if (rc < 0) {
		inp_sock_close(so);
		return rc;
	}
	ls->echo = ls->own = true;
	return 0;
}

int live_add_echo(struct live *lv, uint16_t port)
{
	int rc = open_echo(lv, AF_INET, port);

	return rc < 0 ? rc : open_echo(lv, AF_INET6, port);
}

int live_collect(struct live *lv)
{
	struct inp_sock *so;
	const char *name;
	size_t i;

	for (i = 0; (so = interp_session_sock(lv->session, i, &name)); i++)
		if (inp_sock_proto(so) == INP_PROTO_UDP &&
		    !add_sock(lv, name, so))
			return -ENOMEM;
	return 0;
}

void live_format(const struct sockaddr_storage *ss, bool port, char *buf,
                 size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		if (port)
			snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
		else
			snprintf(buf, len, "%s", a);
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		if (port)
			snprintf(buf, len, "[%s]:%u", a,
			         ntohs(sin6->sin6_port));
		else
			snprintf(buf, len, "%s", a);
	} else {
		snprintf(buf, len, "?");
	}
}

/* One line per datagram: socket, source, length, then what was asked. */
static void print_dgram(const struct live *lv, const struct live_sock *ls,
                        const struct inp_rcvinfo *ri)
{
	char src[INET6_ADDRSTRLEN + 8], dst[INET6_ADDRSTRLEN + 8];

	live_format(&ri->src, true, src, sizeof(src));
	fprintf(lv->out, "recv sock=%s from=%s len=%zu", ls->name, src,
	        ri->len);
	if (ri->have & INP_RCV_DSTADDR) {
		live_format(&ri->dst, false, dst, sizeof(dst));
		fprintf(lv->out, " dst=%s", dst);
	}
	if (ri->have & INP_RCV_TOS)
		fprintf(lv->out, " tos=0x%02x", ri->tos);
	if (ri->have & INP_RCV_TTL)
		fprintf(lv->out, " ttl=%u", ri->ttl);
	if (ri->have & INP_RCV_IF)
		fprintf(lv->out, " ifindex=%u", ri->ifindex);
	fputc('\n', lv->out);
}

static void echo_back(struct live_sock *ls, const void *buf, size_t len,
                      const struct inp_rcvinfo *ri)
{
	socklen_t sl = ri->src.ss_family == AF_INET
	               ? sizeof(struct sockaddr_in)
	               : sizeof(struct sockaddr_in6);

	if (inp_sock_sendto(ls->so, buf, len, (const struct sockaddr *)&ri->src,
	                    sl) >= 0)
		ls->echoed++;
	else
		ls->echo_failed++;
}

unsigned long live_drain(struct live *lv)
{
	struct inp_rcvinfo ri;
	struct live_sock *ls;
	unsigned long n = 0;
	size_t i;
	long rc;

	for (i = 0; i < lv->nsocks; i++) {
		ls = &lv->socks[i];
		for (;;) {
			rc = inp_sock_recv(ls->so, &ri, lv->buf, DGRAM_MAX);
			if (rc == -ECONNREFUSED) {
				ls->errors++;
				if (lv->print)
					fprintf(lv->out, "error sock=%s "
					        "ECONNREFUSED\n", ls->name);
				continue;
			}
			if (rc < 0)
				break;
			ls->received++;
			n++;
			if (lv->print)
				print_dgram(lv, ls, &ri);
			if (ls->echo)
				echo_back(ls, lv->buf, (size_t)rc, &ri);
		}
	}
	return n;
}

void live_print_socks(const struct live *lv, FILE *f)
{
	const struct live_sock *ls;
	size_t i;

	for (i = 0; i < lv->nsocks; i++) {
		ls = &lv->socks[i];
		fprintf(f, "socket %s: %llu datagrams received", ls->name,
		        (unsigned long long)ls->received);
		if (ls->echo)
			fprintf(f, ", %llu echoed, %llu echoes refused",
			        (unsigned long long)ls->echoed,
			        (unsigned long long)ls->echo_failed);
		if (ls->errors)
			fprintf(f, ", %llu errors",
			        (unsigned long long)ls->errors);
		fputc('\n', f);
	}
}

int live_close(struct live *lv)
{
	size_t i;
	int rc;

	for (i = 0; i < lv->nsocks; i++)
		if (lv->socks[i].own)
			inp_sock_close(lv->socks[i].so);
	free(lv->socks);
	lv->socks = NULL;
	lv->nsocks = 0;
	rc = interp_session_close(lv->session);
	lv->session = NULL;
	free(lv->buf);
	lv->buf = NULL;
	return rc;
}
