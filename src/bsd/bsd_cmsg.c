/*
 * bsd_cmsg.c - the control messages of recvmsg, with FreeBSD's types and
 * payloads (socket.h): a message is given when its option was on when
 * the datagram was queued (the core records the field, spec UD-11) and
 * the program still asks for it.
 */
#include "bsd_internal.h"

#include <netinet/in.h>
#include <string.h>

struct cmsg_out {
	struct msghdr *msg;
	size_t used;
	int *flags;
};

/* Append one message; MSG_CTRUNC when it does not fit. */
static void cmsg_add(struct cmsg_out *o, int level, int type,
                     const void *data, size_t len)
{
	struct cmsghdr c;
	char *p;

	if (o->used + CMSG_SPACE(len) > o->msg->msg_controllen) {
		*o->flags |= MSG_CTRUNC;
		return;
	}
	p = (char *)o->msg->msg_control + o->used;
	memset(p, 0, CMSG_SPACE(len));
	memset(&c, 0, sizeof(c));
	c.cmsg_len = CMSG_LEN(len);
	c.cmsg_level = level;
	c.cmsg_type = type;
	memcpy(p, &c, sizeof(c));
	memcpy(CMSG_DATA((struct cmsghdr *)(void *)p), data, len);
	o->used += CMSG_SPACE(len);
}

/* The IPv4 address of a destination (v4-mapped for AF_INET6 sockets). */
static bool dst_in4(const struct sockaddr_storage *ss, struct in_addr *a)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET) {
		*a = ((const struct sockaddr_in *)ss)->sin_addr;
		return true;
	}
	if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		memcpy(a, &sin6->sin6_addr.s6_addr[12], sizeof(*a));
		return true;
	}
	return false;
}

/* FreeBSD's IP_RECVIF payload: the interface's index and name. */
static void add_recvif(struct cmsg_out *o, struct bsd_file *f, unsigned idx)
{
	struct inp_ifnet *ifp = inp_if_byindex(f->st->vnet, idx);
	const char *name = ifp != NULL ? inp_if_name(ifp) : "";
	struct inp_sockaddr_dl sdl;
	size_t n = strlen(name);

	memset(&sdl, 0, sizeof(sdl));
	sdl.sdl_len = sizeof(sdl);
	sdl.sdl_family = INP_AF_LINK;
	sdl.sdl_index = (unsigned short)idx;
	sdl.sdl_nlen = (unsigned char)(n < sizeof(sdl.sdl_data)
	                               ? n : sizeof(sdl.sdl_data));
	memcpy(sdl.sdl_data, name, sdl.sdl_nlen);
	cmsg_add(o, IPPROTO_IP, INP_IP_RECVIF, &sdl, sizeof(sdl));
}

static void add_ip(struct cmsg_out *o, struct bsd_file *f, unsigned want,
                   const struct inp_rcvinfo *ri)
{
	struct in_addr a;

	if ((want & WANT_DSTADDR) && (ri->have & INP_RCV_DSTADDR) &&
	    dst_in4(&ri->dst, &a))
		cmsg_add(o, IPPROTO_IP, INP_IP_RECVDSTADDR, &a, sizeof(a));
	if ((want & WANT_TTL) && (ri->have & INP_RCV_TTL))
		cmsg_add(o, IPPROTO_IP, IP_RECVTTL, &ri->ttl, 1);
	if ((want & WANT_TOS) && (ri->have & INP_RCV_TOS))
		cmsg_add(o, IPPROTO_IP, IP_RECVTOS, &ri->tos, 1);
	if ((want & WANT_IF) && (ri->have & INP_RCV_IF))
		add_recvif(o, f, ri->ifindex);
}

static void add_ip6(struct cmsg_out *o, unsigned want,
                    const struct inp_rcvinfo *ri)
{
	const struct sockaddr_in6 *dst = (const struct sockaddr_in6 *)&ri->dst;
	struct in6_pktinfo pi;
	int v;

	if ((want & WANT_PKTINFO6) && (ri->have & INP_RCV_DSTADDR) &&
	    ri->dst.ss_family == AF_INET6) {
		memset(&pi, 0, sizeof(pi));
		pi.ipi6_addr = dst->sin6_addr;
		pi.ipi6_ifindex = ri->have & INP_RCV_IF ? ri->ifindex : 0;
		cmsg_add(o, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	}
	if ((want & WANT_HOPLIMIT6) && (ri->have & INP_RCV_TTL)) {
		v = ri->ttl;
		cmsg_add(o, IPPROTO_IPV6, IPV6_HOPLIMIT, &v, sizeof(v));
	}
	if ((want & WANT_TCLASS6) && (ri->have & INP_RCV_TOS)) {
		v = ri->tos;
		cmsg_add(o, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v));
	}
}

void cmsg_fill(struct bsd_file *f, const struct inp_rcvinfo *info,
               struct msghdr *msg, int *flags)
{
	struct cmsg_out o = { msg, 0, flags };
	unsigned want;

	pthread_mutex_lock(&f->lock);
	want = f->want;
	pthread_mutex_unlock(&f->lock);
	if (msg->msg_control == NULL)
		msg->msg_controllen = 0;
	add_ip(&o, f, want, info);
	add_ip6(&o, want, info);
	msg->msg_controllen = o.used;
}
