/*
 * counters.c - the counters of a vnet as `netstat -s` prints them: a
 * section per protocol, one line per counter, "N description (field)".
 *
 * Every counter is printed, zero or not: a test that compares totals
 * needs the zeros, and a reader sees at once which drop reasons exist.
 * The order follows the life of a packet (received, dropped for each
 * reason, delivered), so the drops of a section add up between its first
 * and its last line.
 */
#include "counters.h"

#include <inpcb/ip.h>

#include <stddef.h>

struct counter {
	const char *field;
	const char *what;
	size_t offset;
};

#define UDP(f, w) { #f, w, offsetof(struct inp_udpstat, f) }
static const struct counter udp_counters[] = {
	UDP(udps_ipackets, "datagrams received"),
	UDP(udps_hdrops, "with incomplete header"),
	UDP(udps_badlen, "with bad data length field"),
	UDP(udps_badsum, "with bad checksum"),
	UDP(udps_nosum, "with no checksum"),
	UDP(udps_dport0, "with destination port zero"),
	UDP(udps_noport, "dropped due to no socket"),
	UDP(udps_noportbcast, "broadcast datagrams undelivered"),
	UDP(udps_noportmcast, "multicast datagrams undelivered"),
	UDP(udps_filtermcast, "times multicast source filter matched"),
	UDP(udps_minttl, "dropped below the minimum TTL"),
	UDP(udps_macdrop, "refused by a MAC policy"),
	UDP(udps_fullsock, "dropped due to full socket buffers"),
	UDP(udps_delivered, "delivered"),
	UDP(ips_notmember, "multicast datagrams for groups not joined"),
};

#define IP(f, w) { #f, w, offsetof(struct inp_ipstat, f) }
static const struct counter ip_counters[] = {
	IP(ips_total, "total packets received"),
	IP(ips_badsum, "bad header checksums"),
	IP(ips_toosmall, "with size smaller than minimum"),
	IP(ips_tooshort, "with data size < data length"),
	IP(ips_badhlen, "with header length < data size"),
	IP(ips_badlen, "with data length < header length"),
	IP(ips_badvers, "with incorrect version number"),
	IP(ip6s_badoptions, "with a bad extension header chain"),
	IP(ip6s_toomanyhdr, "with too many extension headers"),
	IP(ips_fragments, "fragments received"),
	IP(ips_fragdropped, "fragments dropped (dup or out of space)"),
	IP(ips_fragtimeout, "fragments dropped after timeout"),
	IP(ips_reassembled, "packets reassembled ok"),
	IP(ips_noproto, "packets for unknown/unsupported protocol"),
	IP(ips_cantforward, "packets not forwardable"),
	IP(ips_delivered, "packets for this host"),
	IP(ips_localout, "packets sent from this host"),
	IP(ips_noroute, "output packets discarded due to no route"),
	IP(ips_odropped, "output packets dropped due to no bufs, etc."),
};

static const struct counter icmp_counters[] = {
	IP(icps_error, "calls to icmp_error"),
	IP(icps_ratelimited, "errors not generated due to rate limit"),
	IP(icps_inhist_unreach, "destination unreachable received"),
	IP(icps_badcode, "messages with bad code fields"),
	IP(icps_checksum, "bad checksums"),
};

#define PORT(f, w) { #f, w, offsetof(struct inp_portstat, f) }
static const struct counter port_counters[] = {
	PORT(allocs, "ephemeral port allocations"),
	PORT(failures, "failed: every port of the range in use"),
	PORT(tested, "candidate ports given the conflict test"),
	PORT(skipped, "candidate ports skipped as known in use"),
	PORT(rss_aligned, "ports in the chosen RSS bucket"),
	PORT(rss_fallback, "RSS bucket full: any port taken"),
};

#define LOCK(f, w) { #f, w, offsetof(struct inp_pcblockstat, f) }
static const struct counter lock_counters[] = {
	LOCK(bias_reads, "locked reads to earn read bias (0: off)"),
	LOCK(reader_rows, "threads with a read-bias row"),
	LOCK(revocations, "read biases revoked by a writer"),
};

static void section(FILE *f, const char *name, const void *st,
                    const struct counter *c, size_t n)
{
	unsigned long long v;
	size_t i;

	fprintf(f, "%s:\n", name);
	for (i = 0; i < n; i++) {
		v = *(const uint64_t *)((const char *)st + c[i].offset);
		fprintf(f, "\t%llu %s (%s)\n", v, c[i].what, c[i].field);
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int print_counters(FILE *f, struct inp_vnet *vnet)
{
	struct inp_pcblockstat ul, tl;
	struct inp_portstat ups, tps;
	struct inp_udpstat us;
	struct inp_ipstat is;
	int rc;

	if ((rc = inp_udp_stats(vnet, &us)) < 0 ||
	    (rc = inp_ip_stats(vnet, &is)) < 0 ||
	    (rc = inp_port_stats(vnet, INP_PROTO_UDP, &ups)) < 0 ||
	    (rc = inp_port_stats(vnet, INP_PROTO_TCP, &tps)) < 0 ||
	    (rc = inp_pcb_lock_stats(vnet, INP_PROTO_UDP, &ul)) < 0 ||
	    (rc = inp_pcb_lock_stats(vnet, INP_PROTO_TCP, &tl)) < 0)
		return rc;
	section(f, "udp", &us, udp_counters, N(udp_counters));
	section(f, "ip", &is, ip_counters, N(ip_counters));
	section(f, "icmp", &is, icmp_counters, N(icmp_counters));
	section(f, "udp ports", &ups, port_counters, N(port_counters));
	section(f, "tcp ports", &tps, port_counters, N(port_counters));
	section(f, "udp pcb locks", &ul, lock_counters, N(lock_counters));
	section(f, "tcp pcb locks", &tl, lock_counters, N(lock_counters));
	return 0;
}
