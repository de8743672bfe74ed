/*
 * compat_mcast.c - multicast receive with IP_RECVTOS and IP_RECVDSTADDR,
 * read through recvmsg() control messages as on FreeBSD: IP_RECVTOS a
 * u_char, IP_RECVDSTADDR a struct in_addr.
 *
 *   compat_mcast [IFADDR [COUNT]]
 *
 * Joins 239.1.2.3 on the interface with address IFADDR (default
 * 127.0.0.1) and binds port 5000.  Without COUNT the program sends three
 * datagrams itself (IP_TOS 0xb8, IP_MULTICAST_IF IFADDR, looped back);
 * with COUNT it waits up to 5 s each for COUNT datagrams from outside
 * (over TUN, the e2e client sends them with TOS 0xb8).
 */
#include <inpcb/compat.h>

#include "compat_test.h"

#define GROUP "239.1.2.3"
#define PORT 5000
#define TOS 0xb8

static int receiver(const char *ifaddr)
{
	struct sockaddr_in any = sin4("0.0.0.0", PORT);
	struct ip_mreq mreq;
	struct timeval tv = { 5, 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0), one = 1;

	CHECK(s >= 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == 0);
	CHECK(bind(s, SA(&any), sizeof(any)) == 0);
	mreq.imr_multiaddr = sin4(GROUP, 0).sin_addr;
	mreq.imr_interface = sin4(ifaddr, 0).sin_addr;
	CHECK(setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
	                 sizeof(mreq)) == 0);
	CHECK(setsockopt(s, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)) == 0);
	CHECK(setsockopt(s, IPPROTO_IP, IP_RECVDSTADDR, &one,
	                 sizeof(one)) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
	return s;
}

static void send_three(const char *ifaddr)
{
	struct sockaddr_in to = sin4(GROUP, PORT);
	struct in_addr ifa = sin4(ifaddr, 0).sin_addr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), tos = TOS, i;

	CHECK(s >= 0);
	CHECK(setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, &ifa,
	                 sizeof(ifa)) == 0);
	CHECK(setsockopt(s, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) == 0);
	for (i = 0; i < 3; i++)
		CHECK(sendto(s, "hello", 5, 0, SA(&to), sizeof(to)) == 5);
	close(s);
}

/* One datagram: its control messages must carry the TOS and the group. */
static void receive_one(int s)
{
	union {
		struct cmsghdr align;
		char buf[256];
	} ctl;
	struct sockaddr_in from;
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *c;
	struct in_addr dst;
	char data[64];
	int seen = 0;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = data;
	iov.iov_len = sizeof(data);
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	CHECK(recvmsg(s, &msg, 0) > 0);
	CHECK((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0);
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		CHECK(c->cmsg_level == IPPROTO_IP);
		if (c->cmsg_type == IP_RECVTOS) {
			CHECK(c->cmsg_len == CMSG_LEN(1));
			CHECK(*CMSG_DATA(c) == TOS);
			seen |= 1;
		} else if (c->cmsg_type == IP_RECVDSTADDR) {
			CHECK(c->cmsg_len == CMSG_LEN(sizeof(dst)));
			memcpy(&dst, CMSG_DATA(c), sizeof(dst));
			CHECK(dst.s_addr == sin4(GROUP, 0).sin_addr.s_addr);
			seen |= 2;
		}
	}
	CHECK(seen == 3);
}

int main(int argc, char **argv)
{
	const char *ifaddr = argc > 1 ? argv[1] : "127.0.0.1";
	int n = argc > 2 ? atoi(argv[2]) : 3, s = receiver(ifaddr), i;

	if (argc <= 2)
		send_three(ifaddr);
	else
		printf("ready\n");
	fflush(stdout);
	for (i = 0; i < n; i++)
		receive_one(s);
	close(s);
	printf("PASS: %d multicast datagrams with IP_RECVTOS and "
	       "IP_RECVDSTADDR\n", n);
	return 0;
}
