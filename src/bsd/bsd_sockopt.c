/*
 * bsd_sockopt.c - setsockopt/getsockopt with the host's (Linux) option
 * numbers, mapped onto sock.h's FreeBSD ones; FreeBSD options Linux lacks
 * keep FreeBSD's numbers (socket.h lists both).  Options of this layer:
 * SO_RCVTIMEO / SO_SNDTIMEO, the read-only SO_ERROR, SO_TYPE, SO_DOMAIN,
 * SO_PROTOCOL, SO_ACCEPTCONN, and the receive options, which are recorded
 * here (which control messages recvmsg gives) and turned into the core's
 * four receive flags (IPV6_RECVPKTINFO needs the destination and the
 * interface, IPV6_RECVHOPLIMIT the TTL, IPV6_RECVTCLASS the TOS).
 */
#include "bsd_internal.h"

#include <netinet/in.h>
#include <string.h>

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif

struct optmap {
	int level, name;            /* as the program says it */
	int ilevel, iname;          /* sock.h's */
	unsigned want;              /* WANT_*: a receive option */
};

static const struct optmap optmap[] = {
	{ SOL_SOCKET, SO_REUSEADDR, INP_SOL_SOCKET, INP_SO_REUSEADDR, 0 },
	{ SOL_SOCKET, SO_REUSEPORT, INP_SOL_SOCKET, INP_SO_REUSEPORT, 0 },
	{ SOL_SOCKET, INP_SO_REUSEPORT_LB, INP_SOL_SOCKET,
	  INP_SO_REUSEPORT_LB, 0 },
	{ SOL_SOCKET, SO_BROADCAST, INP_SOL_SOCKET, INP_SO_BROADCAST, 0 },
	{ SOL_SOCKET, SO_DONTROUTE, INP_SOL_SOCKET, INP_SO_DONTROUTE, 0 },
	{ SOL_SOCKET, SO_RCVBUF, INP_SOL_SOCKET, INP_SO_RCVBUF, 0 },
	{ SOL_SOCKET, SO_SNDBUF, INP_SOL_SOCKET, INP_SO_SNDBUF, 0 },
	{ IPPROTO_IP, IP_TOS, INP_IPPROTO_IP, INP_IP_TOS, 0 },
	{ IPPROTO_IP, IP_TTL, INP_IPPROTO_IP, INP_IP_TTL, 0 },
	{ IPPROTO_IP, IP_MINTTL, INP_IPPROTO_IP, INP_IP_MINTTL, 0 },
	{ IPPROTO_IP, IP_MULTICAST_IF, INP_IPPROTO_IP, INP_IP_MULTICAST_IF, 0 },
	{ IPPROTO_IP, IP_MULTICAST_TTL, INP_IPPROTO_IP,
	  INP_IP_MULTICAST_TTL, 0 },
	{ IPPROTO_IP, IP_MULTICAST_LOOP, INP_IPPROTO_IP,
	  INP_IP_MULTICAST_LOOP, 0 },
	{ IPPROTO_IP, IP_ADD_MEMBERSHIP, INP_IPPROTO_IP,
	  INP_IP_ADD_MEMBERSHIP, 0 },
	{ IPPROTO_IP, IP_DROP_MEMBERSHIP, INP_IPPROTO_IP,
	  INP_IP_DROP_MEMBERSHIP, 0 },
	{ IPPROTO_IP, INP_IP_PORTRANGE, INP_IPPROTO_IP, INP_IP_PORTRANGE, 0 },
	{ IPPROTO_IP, INP_IP_BINDANY, INP_IPPROTO_IP, INP_IP_BINDANY, 0 },
	{ IPPROTO_IP, INP_IP_RSSBUCKETID, INP_IPPROTO_IP,
	  INP_IP_RSSBUCKETID, 0 },
	{ IPPROTO_IP, INP_IP_RSS_CONNECT_BUCKET, INP_IPPROTO_IP,
	  INP_IP_RSS_CONNECT_BUCKET, 0 },
	{ IPPROTO_IP, INP_IP_RECVDSTADDR, 0, 0, WANT_DSTADDR },
	{ IPPROTO_IP, IP_RECVTTL, 0, 0, WANT_TTL },
	{ IPPROTO_IP, IP_RECVTOS, 0, 0, WANT_TOS },
	{ IPPROTO_IP, INP_IP_RECVIF, 0, 0, WANT_IF },
	{ IPPROTO_IPV6, IPV6_V6ONLY, INP_IPPROTO_IPV6, INP_IPV6_V6ONLY, 0 },
	{ IPPROTO_IPV6, IPV6_MULTICAST_IF, INP_IPPROTO_IPV6,
	  INP_IPV6_MULTICAST_IF, 0 },
	{ IPPROTO_IPV6, IPV6_JOIN_GROUP, INP_IPPROTO_IPV6,
	  INP_IPV6_JOIN_GROUP, 0 },
	{ IPPROTO_IPV6, IPV6_LEAVE_GROUP, INP_IPPROTO_IPV6,
	  INP_IPV6_LEAVE_GROUP, 0 },
	{ IPPROTO_IPV6, INP_IPV6_PORTRANGE, INP_IPPROTO_IPV6,
	  INP_IPV6_PORTRANGE, 0 },
	{ IPPROTO_IPV6, INP_IPV6_BINDANY, INP_IPPROTO_IPV6,
	  INP_IPV6_BINDANY, 0 },
	{ IPPROTO_IPV6, IPV6_RECVPKTINFO, 0, 0, WANT_PKTINFO6 },
	{ IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 0, 0, WANT_HOPLIMIT6 },
	{ IPPROTO_IPV6, IPV6_RECVTCLASS, 0, 0, WANT_TCLASS6 },
};

static const struct optmap *optmap_find(int level, int name)
{
	size_t i;

	for (i = 0; i < sizeof(optmap) / sizeof(optmap[0]); i++)
		if (optmap[i].level == level && optmap[i].name == name)
			return &optmap[i];
	return NULL;
}

/* The core's receive flag each WANT_* bit needs. */
static const struct {
	int iname;
	unsigned wants;
} recv_flags[] = {
	{ INP_IP_RECVDSTADDR, WANT_DSTADDR | WANT_PKTINFO6 },
	{ INP_IP_RECVIF, WANT_IF | WANT_PKTINFO6 },
	{ INP_IP_RECVTTL, WANT_TTL | WANT_HOPLIMIT6 },
	{ INP_IP_RECVTOS, WANT_TOS | WANT_TCLASS6 },
};

static int opt_int(const void *val, socklen_t len, int *v)
{
	if (val == NULL)
		return -EFAULT;
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(v, val, sizeof(int));
	return 0;
}

/* Record a receive option and set the core flags it changes (file lock). */
static int set_want(struct bsd_file *f, unsigned bit, const void *val,
                    socklen_t len)
{
	unsigned old, now;
	int v, rc, on;
	size_t i;

	if ((bit & (WANT_PKTINFO6 | WANT_HOPLIMIT6 | WANT_TCLASS6)) &&
	    f->family != AF_INET6)
		return -ENOPROTOOPT;
	if ((rc = opt_int(val, len, &v)) < 0)
		return rc;
	pthread_mutex_lock(&f->lock);
	old = f->want;
	now = v != 0 ? old | bit : old & ~bit;
	for (i = 0; i < sizeof(recv_flags) / sizeof(recv_flags[0]) && !rc;
	     i++) {
		on = (now & recv_flags[i].wants) != 0;
		if (on != ((old & recv_flags[i].wants) != 0))
			rc = inp_sock_setopt(f->so, INP_IPPROTO_IP,
			                     recv_flags[i].iname, &on,
			                     sizeof(on), NULL);
	}
	if (rc == 0)
		f->want = now;
	pthread_mutex_unlock(&f->lock);
	return rc;
}

/* SO_RCVTIMEO / SO_SNDTIMEO: FreeBSD's EDOM for a bad timeval. */
static int set_timeo(struct bsd_file *f, bool rcv, const void *val,
                     socklen_t len)
{
	struct timeval tv;

	if (val == NULL)
		return -EFAULT;
	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	pthread_mutex_lock(&f->lock);
	if (rcv)
		f->rcvtimeo = tv;
	else
		f->sndtimeo = tv;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static bool is_timeo(int level, int name, bool *rcv)
{
	*rcv = name == SO_RCVTIMEO || name == SO_RCVTIMEO_NEW;
	return level == SOL_SOCKET &&
	       (*rcv || name == SO_SNDTIMEO || name == SO_SNDTIMEO_NEW);
}

/* IP_MULTICAST_TTL / _LOOP: FreeBSD takes a u_char as well as an int. */
static int set_mapped(struct bsd_file *f, const struct optmap *m,
                      const void *val, socklen_t len)
{
	int v;

	if (val == NULL)
		return -EFAULT;
	if (len == 1 && m->ilevel == INP_IPPROTO_IP &&
	    (m->iname == INP_IP_MULTICAST_TTL ||
	     m->iname == INP_IP_MULTICAST_LOOP)) {
		v = *(const unsigned char *)val;
		return inp_sock_setopt(f->so, m->ilevel, m->iname, &v,
		                       sizeof(v), NULL);
	}
	return inp_sock_setopt(f->so, m->ilevel, m->iname, val, len, NULL);
}

int opt_set(struct bsd_file *f, int level, int name, const void *val,
            socklen_t len)
{
	const struct optmap *m;
	bool rcv;

	if (level == INP_SOL_SOCKET)      /* sock.h's numbers, unchanged */
		return val == NULL ? -EFAULT
		       : inp_sock_setopt(f->so, level, name, val, len, NULL);
	if (is_timeo(level, name, &rcv))
		return set_timeo(f, rcv, val, len);
	m = optmap_find(level, name);
	if (m == NULL)
		return -ENOPROTOOPT;
	if (m->want != 0)
		return set_want(f, m->want, val, len);
	return set_mapped(f, m, val, len);
}

/* ---- getsockopt --------------------------------------------------------- */

static int put_int(int v, void *val, socklen_t *len)
{
	if (*len < sizeof(int))
		return -EINVAL;
	memcpy(val, &v, sizeof(v));
	*len = sizeof(v);
	return 0;
}

/* The options this layer answers; -ENOPROTOOPT for the others. */
static int get_local(struct bsd_file *f, int level, int name, void *val,
                     socklen_t *len)
{
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	switch (name) {
	case SO_ERROR:
		return put_int(inp_sock_error(f->so), val, len);
	case SO_TYPE:
		return put_int(f->type, val, len);
	case SO_DOMAIN:
		return put_int(f->family, val, len);
	case SO_PROTOCOL:
		return put_int(f->type == SOCK_STREAM ? IPPROTO_TCP
		                                      : IPPROTO_UDP, val, len);
	case SO_ACCEPTCONN:
		return put_int(!!(file_tcp_state(f) & FILE_LISTENING), val,
		               len);
	default:
		return -ENOPROTOOPT;
	}
}

static int get_timeo(struct bsd_file *f, bool rcv, void *val, socklen_t *len)
{
	struct timeval tv;

	if (*len < sizeof(tv))
		return -EINVAL;
	pthread_mutex_lock(&f->lock);
	tv = rcv ? f->rcvtimeo : f->sndtimeo;
	pthread_mutex_unlock(&f->lock);
	memcpy(val, &tv, sizeof(tv));
	*len = sizeof(tv);
	return 0;
}

static int get_want(struct bsd_file *f, unsigned bit, void *val,
                    socklen_t *len)
{
	unsigned want;

	pthread_mutex_lock(&f->lock);
	want = f->want;
	pthread_mutex_unlock(&f->lock);
	return put_int((want & bit) != 0, val, len);
}

int opt_get(struct bsd_file *f, int level, int name, void *val,
            socklen_t *len)
{
	const struct optmap *m;
	bool rcv;
	int rc;

	if (val == NULL || len == NULL)
		return -EFAULT;
	if (level == INP_SOL_SOCKET)
		return inp_sock_getopt(f->so, level, name, val, len);
	if (is_timeo(level, name, &rcv))
		return get_timeo(f, rcv, val, len);
	rc = get_local(f, level, name, val, len);
	if (rc != -ENOPROTOOPT)
		return rc;
	m = optmap_find(level, name);
	if (m == NULL)
		return -ENOPROTOOPT;
	if (m->want != 0)
		return get_want(f, m->want, val, len);
	return inp_sock_getopt(f->so, m->ilevel, m->iname, val, len);
}

/* ---- the BSD calls ------------------------------------------------------ */

int inp_setsockopt(int s, int level, int optname, const void *optval,
                   socklen_t optlen)
{
	int rc;
	struct bsd_file *f = file_get(s, &rc);

	if (f == NULL)
		return (int)bsd_result(rc);
	rc = opt_set(f, level, optname, optval, optlen);
	file_rele(f);
	return (int)bsd_result(rc);
}

int inp_getsockopt(int s, int level, int optname, void *optval,
                   socklen_t *optlen)
{
	int rc;
	struct bsd_file *f = file_get(s, &rc);

	if (f == NULL)
		return (int)bsd_result(rc);
	rc = opt_get(f, level, optname, optval, optlen);
	file_rele(f);
	return (int)bsd_result(rc);
}
