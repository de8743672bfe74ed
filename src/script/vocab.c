/*
 * vocab.c - tables of the socket options and UDP counters a script may
 * name.  The option set is the one of scenario-language.md plus the other
 * options of inpcb/sock.h; values follow the option's shape (vocab.h).
 */
#include "vocab.h"

#include <string.h>
#include <strings.h>

/* name, level and option number come from the INP_ constants */
#define OPT(level, name, kind) { #name, INP_##level, INP_##name, kind }
static const struct sockopt_desc sockopts[] = {
	OPT(SOL_SOCKET, SO_REUSEADDR, OV_INT),
	OPT(SOL_SOCKET, SO_REUSEPORT, OV_INT),
	OPT(SOL_SOCKET, SO_REUSEPORT_LB, OV_INT),
	OPT(SOL_SOCKET, SO_DONTROUTE, OV_INT),
	OPT(SOL_SOCKET, SO_BROADCAST, OV_INT),
	OPT(SOL_SOCKET, SO_RCVBUF, OV_INT),
	OPT(SOL_SOCKET, SO_SNDBUF, OV_INT),
	OPT(IPPROTO_IP, IP_TOS, OV_INT),
	OPT(IPPROTO_IP, IP_TTL, OV_INT),
	OPT(IPPROTO_IP, IP_RECVDSTADDR, OV_INT),
	OPT(IPPROTO_IP, IP_MULTICAST_IF, OV_ADDR4),
	OPT(IPPROTO_IP, IP_MULTICAST_TTL, OV_INT),
	OPT(IPPROTO_IP, IP_MULTICAST_LOOP, OV_INT),
	OPT(IPPROTO_IP, IP_ADD_MEMBERSHIP, OV_MREQ4),
	OPT(IPPROTO_IP, IP_DROP_MEMBERSHIP, OV_MREQ4),
	OPT(IPPROTO_IP, IP_PORTRANGE, OV_PORTRANGE),
	OPT(IPPROTO_IP, IP_RECVIF, OV_INT),
	OPT(IPPROTO_IP, IP_BINDANY, OV_INT),
	OPT(IPPROTO_IP, IP_RECVTTL, OV_INT),
	OPT(IPPROTO_IP, IP_MINTTL, OV_INT),
	OPT(IPPROTO_IP, IP_RECVTOS, OV_INT),
	OPT(IPPROTO_IPV6, IPV6_MULTICAST_IF, OV_IFINDEX),
	OPT(IPPROTO_IPV6, IPV6_JOIN_GROUP, OV_MREQ6),
	OPT(IPPROTO_IPV6, IPV6_LEAVE_GROUP, OV_MREQ6),
	OPT(IPPROTO_IPV6, IPV6_PORTRANGE, OV_PORTRANGE),
	OPT(IPPROTO_IPV6, IPV6_V6ONLY, OV_INT),
	OPT(IPPROTO_IPV6, IPV6_BINDANY, OV_INT),
};
#undef OPT

const struct sockopt_desc *vocab_sockopt(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(sockopts) / sizeof(sockopts[0]); i++)
		if (strcasecmp(sockopts[i].name, name) == 0)
			return &sockopts[i];
	return NULL;
}

#define UDPSTAT(f) { #f, offsetof(struct inp_udpstat, f) }
static const struct udpstat_desc udpstats[] = {
	UDPSTAT(udps_ipackets),    UDPSTAT(udps_hdrops),
	UDPSTAT(udps_badsum),      UDPSTAT(udps_nosum),
	UDPSTAT(udps_badlen),      UDPSTAT(udps_noport),
	UDPSTAT(udps_noportbcast), UDPSTAT(udps_noportmcast),
	UDPSTAT(udps_filtermcast), UDPSTAT(udps_fullsock),
	UDPSTAT(udps_delivered),   UDPSTAT(udps_minttl),
	UDPSTAT(udps_macdrop),     UDPSTAT(udps_dport0),
	UDPSTAT(ips_notmember),    UDPSTAT(udps_opackets),
};

const struct udpstat_desc *vocab_udpstat(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(udpstats) / sizeof(udpstats[0]); i++)
		if (strcmp(udpstats[i].name, name) == 0)
			return &udpstats[i];
	return NULL;
}
