/*
 * interp_sock.c - running the socket statements: socket, setsockopt,
 * bind, connect, disconnect, listen, accept, timewait, close,
 * getsockname, getpeername, recv and send.
 */
#include "interp_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The socket of a statement, or NULL when it names no live socket. */
static struct inp_sock *stmt_sock(struct interp *in, const struct stmt *st,
                                  struct outcome *o)
{
	struct sock_rec *r = find_sock(in, st->name, o);

	return r ? r->so : NULL;
}

void x_socket(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	struct inp_cred *cred;
	struct inp_sock *so;
	int rc;

	if (!vnet || !sock_name_free(in, st->name, o) ||
	    !(cred = find_cred(in, st->name2, o)))
		return;
	rc = inp_sock_open(vnet, st->u.socket.family, st->u.socket.proto,
	                   cred, &so);
	set_rc(o, rc);
	if (rc == 0 && !add_sock(in, st->name, so)) {
		inp_sock_close(so);
		fail_note(in, o, ENOMEM, "out of memory");
	}
}

/* ---- setsockopt --------------------------------------------------------- */

/* The interface index of an option value: a name (name2) or a number. */
static bool opt_ifindex(struct interp *in, const struct stmt *st,
                        struct outcome *o, unsigned *idx)
{
	struct inp_ifnet *ifp;

	if (!st->name2[0]) {
		*idx = (unsigned)st->u.sockopt.ival;
		return true;
	}
	if (!cur_vnet(in, o) || !(ifp = find_if(in, in->vnet, st->name2, o)))
		return false;
	*idx = inp_if_index(ifp);
	return true;
}

void x_setsockopt(struct interp *in, const struct stmt *st,
                  struct outcome *o)
{
	const struct sockopt_desc *d = st->u.sockopt.opt;
	struct inp_sock *so = stmt_sock(in, st, o);
	union {
		int i;
		unsigned u;
		struct in_addr a4;
		struct ip_mreq m4;
		struct ipv6_mreq m6;
	} v;
	socklen_t len;

	if (!so)
		return;
	memset(&v, 0, sizeof(v));
	switch (d->kind) {
	case OV_INT:
	case OV_PORTRANGE:
		v.i = (int)st->u.sockopt.ival;
		len = sizeof(v.i);
		break;
	case OV_ADDR4:
		v.a4 = st->u.sockopt.a1.v4;
		len = sizeof(v.a4);
		break;
	case OV_MREQ4:
		v.m4.imr_multiaddr = st->u.sockopt.a1.v4;
		if (st->u.sockopt.has_a2)
			v.m4.imr_interface = st->u.sockopt.a2.v4;
		len = sizeof(v.m4);
		break;
	case OV_MREQ6:
		v.m6.ipv6mr_multiaddr = st->u.sockopt.a1.v6;
		if (!opt_ifindex(in, st, o, &v.m6.ipv6mr_interface))
			return;
		len = sizeof(v.m6);
		break;
	default: /* OV_IFINDEX */
		if (!opt_ifindex(in, st, o, &v.u))
			return;
		len = sizeof(v.u);
		break;
	}
	set_rc(o, inp_sock_setopt(so, d->level, d->optname, &v, len,
	                          &in->why));
}

/* ---- bind, connect, disconnect, listen ---------------------------------- */

void x_bind(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_sock *so = stmt_sock(in, st, o);
	struct sockaddr_storage ss;
	socklen_t len;

	if (!so ||
	    !(len = to_sockaddr(in, in->vnet, &st->u.ep.addr, st->u.ep.port, 0,
	                        &ss, o)))
		return;
	set_rc(o, inp_sock_bind(so, (struct sockaddr *)&ss, len, &in->why));
}

void x_connect(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_sock *so = stmt_sock(in, st, o);
	struct sockaddr_storage ss;
	socklen_t len;

	if (!so ||
	    !(len = to_sockaddr(in, in->vnet, &st->u.ep.addr, st->u.ep.port, 0,
	                        &ss, o)))
		return;
	set_rc(o, inp_sock_connect(so, (struct sockaddr *)&ss, len,
	                           &in->why));
}

void x_disconnect(struct interp *in, const struct stmt *st,
                  struct outcome *o)
{
	struct inp_sock *so = stmt_sock(in, st, o);

	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	if (!so)
		return;
	if (inp_sock_proto(so) == INP_PROTO_TCP) {
		/* connect(AF_UNSPEC) as FreeBSD answers it: EISCONN,
		 * EOPNOTSUPP (listening) or EAFNOSUPPORT; C12 */
		set_rc(o, inp_sock_connect(so, &unspec, sizeof(unspec),
		                           &in->why));
		return;
	}
	/* success also matches EAFNOSUPPORT (C11; interp.c) */
	o->disconnect = true;
	set_rc(o, inp_sock_disconnect(so, &in->why));
}

void x_listen(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_sock *so = stmt_sock(in, st, o);

	if (so)
		set_rc(o, inp_sock_listen(so, st->u.backlog, &in->why));
}

/* ---- accept, timewait, close -------------------------------------------- */

void x_accept(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_sock *l = stmt_sock(in, st, o), *so;
	struct sockaddr_storage from, to;
	int rc;

	if (!l || !sock_name_free(in, st->name2, o))
		return;
	if (!to_sockaddr(in, in->vnet, &st->u.accept.from.addr,
	                 st->u.accept.from.port, 0, &from, o))
		return;
	if (st->u.accept.has_to &&
	    !to_sockaddr(in, in->vnet, &st->u.accept.to.addr,
	                 st->u.accept.to.port, 0, &to, o))
		return;
	rc = inp_sock_accept(l, (struct sockaddr *)&from,
	                     st->u.accept.has_to ? (struct sockaddr *)&to
	                                         : NULL, &so, &in->why);
	set_rc(o, rc);
	if (rc == 0 && !add_sock(in, st->name2, so)) {
		inp_sock_close(so);
		fail_note(in, o, ENOMEM, "out of memory");
	}
}

void x_timewait(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct sock_rec *r = find_sock(in, st->name, o);
	int rc;

	if (!r)
		return;
	rc = inp_sock_timewait(r->so);
	set_rc(o, rc);
	if (rc == 0)
		r->so = NULL; /* the socket is gone, its PCB keeps r as udata */
}

void x_close(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct sock_rec *r = find_sock(in, st->name, o);
	int rc;

	if (!r)
		return;
	rc = inp_sock_close(r->so);
	set_rc(o, rc);
	if (rc == 0)
		r->so = NULL;
}

/* ---- names and receiving ------------------------------------------------ */

static void sock_addr(struct interp *in, const struct stmt *st,
                      struct outcome *o, bool peer)
{
	struct inp_sock *so = stmt_sock(in, st, o);
	socklen_t len = sizeof(o->ep);
	int rc;

	if (!so)
		return;
	rc = peer ? inp_sock_peer(so, &o->ep, &len)
	          : inp_sock_name(so, &o->ep, &len);
	set_rc(o, rc);
	if (rc == 0)
		o->kind = OC_ENDPOINT;
}

void x_getsockname(struct interp *in, const struct stmt *st,
                   struct outcome *o)
{
	sock_addr(in, st, o, false);
}

void x_getpeername(struct interp *in, const struct stmt *st,
                   struct outcome *o)
{
	sock_addr(in, st, o, true);
}

void x_recv(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_sock *so = stmt_sock(in, st, o);
	long rc;

	if (!so)
		return;
	rc = inp_sock_recv(so, &o->rcv, NULL, 0);
	set_rc(o, rc < 0 ? (int)rc : 0);
	if (rc >= 0)
		o->kind = OC_RECV;
}

/* send: len zero bytes through the datapath (inp_sock_sendto). */
void x_send(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_sock *so = stmt_sock(in, st, o);
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char *buf;
	long rc;

	if (!so)
		return;
	if (st->u.send.has_dst &&
	    !(len = to_sockaddr(in, in->vnet, &st->u.send.dst.addr,
	                        st->u.send.dst.port, 0, &ss, o)))
		return;
	buf = calloc(1, (size_t)st->u.send.len + 1);
	if (!buf) {
		fail_note(in, o, ENOMEM, "out of memory");
		return;
	}
	rc = inp_sock_sendto(so, buf, st->u.send.len,
	                     st->u.send.has_dst ? (struct sockaddr *)&ss : NULL,
	                     len);
	free(buf);
	set_rc(o, rc < 0 ? (int)rc : 0);
}
