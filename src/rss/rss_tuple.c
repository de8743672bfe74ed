/*
 * rss_tuple.c - a connection's tuple as the NIC hashes its received
 * packets (RSS-6, 5.3), for the aligned ports (rss_ports.c) and the
 * socket's bucket (IP_RSSBUCKETID, sockopt.c), with the same hash-type
 * choice the connection groups make (PG-3, RSS-8).
 */
#include "rss/rss_internal.h"

/* An address on the wire: IPv4's four bytes, IPv6 without its zone. */
static void wire_addr(int af, const struct in6_addr *a, uint8_t *out)
{
	struct in6_addr tmp = *a;

	if (af == AF_INET) {
		memcpy(out, &tmp.s6_addr[12], 4);
		return;
	}
	(void)in6_clear_zone(&tmp);
	memcpy(out, &tmp, 16);
}

int rss_tuple_reply(struct rss_tuple *t, int af, enum inp_proto proto,
                    const struct in6_addr *faddr, uint16_t fport,
                    const struct in6_addr *laddr, uint16_t lport)
{
	if (t == NULL || faddr == NULL || laddr == NULL ||
	    (af != AF_INET && af != AF_INET6))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	t->af = af;
	wire_addr(af, faddr, t->src);
	wire_addr(af, laddr, t->dst);
	t->sport = fport;
	t->dport = lport;
	t->ports = proto == INP_PROTO_TCP;
	return 0;
}

uint32_t rss_tuple_hash(const uint8_t key[INP_RSS_KEYLEN],
                        const struct rss_tuple *t)
{
	uint8_t buf[36];
	size_t alen = t->af == AF_INET ? 4 : 16;

	memcpy(buf, t->src, alen);
	memcpy(buf + alen, t->dst, alen);
	memcpy(buf + 2 * alen, &t->sport, 2);
	memcpy(buf + 2 * alen + 2, &t->dport, 2);
	return inp_toeplitz(key, buf, rss_tuple_len(t));
}
