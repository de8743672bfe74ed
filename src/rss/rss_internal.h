/*
 * rss_internal.h - RSS helpers for the rest of the library: how many
 * buckets a vnet has (rss_bits.c), a connection's reply tuple and its
 * bucket (rss_tuple.c), and the local ports whose reply tuple lands in a
 * chosen bucket (rss_ports.c).
 */
#ifndef INPCB_RSS_INTERNAL_H
#define INPCB_RSS_INTERNAL_H

#include "base/base.h"

#define RSS_MAX_BITS 7          /* RSS-10: at most 128 buckets */
#define RSS_MAX_CPUS 64         /* RSS-10: CPUs counted by RSS */

/*
 * net.inet.rss.bits as used: 0..RSS_MAX_BITS as given, -1 (or anything
 * out of range) RSS-10's default for the online CPUs, fls(ncpus - 1) + 1,
 * 0 for one CPU.  Asks the system, so sysctl.c resolves it once per
 * setting (vnet_sysctls.rss_bits_used) for the groups and the ports.
 */
unsigned rss_bits_resolve(long bits);

/* RSS-11: the low `bits` bits of a hash. */
static inline unsigned rss_bucket_of(uint32_t hash, unsigned bits)
{
	return hash & ((1u << bits) - 1);
}

/*
 * A connection's tuple as its received packets carry it (RSS-6: source =
 * the peer, destination = us), laid out as 5.3 says.  ports: the 4-tuple
 * is hashed, else the 2-tuple; by RSS-8's defaults (PG-3) TCP hashes the
 * 4-tuple and UDP the 2-tuple, as the connection groups do.
 */
struct rss_tuple {
	int af;                         /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];       /* 4 or 16 bytes, no zone */
	uint16_t sport, dport;          /* network order */
	bool ports;
};

/*
 * Fill t for a PCB's addresses in their stored form (the a6 member of
 * union inp_addr: IPv4 in the last four bytes, IPv6 with its zone
 * embedded, which a NIC never sees) and ports in network order.
 * -EINVAL on bad arguments.
 */
int rss_tuple_reply(struct rss_tuple *t, int af, enum inp_proto proto,
                    const struct in6_addr *faddr, uint16_t fport,
                    const struct in6_addr *laddr, uint16_t lport);

/* Bytes the hash reads: the 2-tuple, then the ports if t->ports. */
static inline size_t rss_tuple_len(const struct rss_tuple *t)
{
	return (t->af == AF_INET ? 8 : 32) + (t->ports ? 4 : 0);
}

/* The Toeplitz hash of t under key (RSS-3, RSS-4). */
uint32_t rss_tuple_hash(const uint8_t key[INP_RSS_KEYLEN],
                        const struct rss_tuple *t);

/*
 * The ports x with bucket(toeplitz(t with dport = x)) == b, as the
 * reduced row echelon form of the m linear equations over the 16 port
 * bits (m = bits): row r fixes port bit pivot[r] from the free bits
 * above it.  none: no port at all lands in the bucket.  A 2-tuple hash
 * does not read the port: every port or none is a solution.
 */
struct rss_portsol {
	uint16_t row[RSS_MAX_BITS];     /* free bits of row r */
	uint8_t rhs[RSS_MAX_BITS];
	int8_t row_of[16];              /* port bit -> its row, or -1 */
	bool none;
};

/*
 * Solve for reply tuple t (t->dport ignored) under key, for bucket
 * `bucket` of 2^bits (bits 1..RSS_MAX_BITS, bucket < 2^bits).
 * -EINVAL on bad arguments.
 */
int rss_port_solve(const uint8_t key[INP_RSS_KEYLEN],
                   const struct rss_tuple *t, unsigned bits,
                   unsigned bucket, struct rss_portsol *s);

/* The smallest solution in [from, to], or -1. */
long rss_port_next(const struct rss_portsol *s, unsigned from, unsigned to);

/* Is every port a solution (a 2-tuple hash in the bucket)? */
bool rss_port_all(const struct rss_portsol *s);

#endif
