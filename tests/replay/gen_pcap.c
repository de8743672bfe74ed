/*
 * gen_pcap.c - writes the captures the replay test feeds to `inpcb
 * replay`, byte by byte from the pcap file format (no libpcap: the test
 * then also checks that our reader accepts files libpcap did not write).
 *
 *   gen_pcap OUT.pcap raw|ether [REPEAT]
 *
 * The traffic (198.51.100.1 talking to the stack at 192.0.2.10 and
 * 2001:db8::10; see replay.pcbs for the sockets), repeated REPEAT times
 * (default 1), one packet per millisecond of capture time:
 *    3  UDP to 192.0.2.10:53                 -> socket dns
 *    1  UDP to 192.0.2.10:9999               -> nobody: ICMP unreachable
 *    1  UDP to 239.1.1.1:5353                -> socket mdns (joined)
 *    1  UDP to 192.0.2.255:67 (broadcast)    -> socket dhcp
 *    2  UDP to [2001:db8::10]:53             -> socket dns6
 *    1  UDP to 192.0.2.10:53, bad checksum   -> udps_badsum
 *    1  UDP to 192.0.2.10:7                  -> --echo 7 answers
 * "ether" wraps each in an Ethernet header (multicast and broadcast
 * frames get group destination addresses), tags the IPv6 ones with an
 * 802.1Q header, and adds one ARP frame per round, which the reader
 * must skip.  10 IP packets per round.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct writer {
	FILE *f;
	int ether;
	uint32_t usec;                /* capture clock */
};

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f); /* native order: the magic tells readers */
}

static void put16(FILE *f, uint16_t v)
{
	fwrite(&v, 2, 1, f);
}

static void file_header(struct writer *w)
{
	put32(w->f, 0xa1b2c3d4);      /* microsecond pcap */
	put16(w->f, 2);
	put16(w->f, 4);
	put32(w->f, 0);               /* thiszone */
	put32(w->f, 0);               /* sigfigs */
	put32(w->f, 65535);           /* snaplen */
	put32(w->f, w->ether ? 1 : 101); /* LINKTYPE_ETHERNET / _RAW */
}

/* A record; tick: the packet is one millisecond after the previous one
 * (ARP frames share the previous time, so both kinds time IP alike). */
static void record(struct writer *w, const unsigned char *frame, size_t len,
                   int tick)
{
	if (tick)
		w->usec += 1000;
	put32(w->f, 1700000000u + w->usec / 1000000);
	put32(w->f, w->usec % 1000000);
	put32(w->f, (uint32_t)len);
	put32(w->f, (uint32_t)len);
	fwrite(frame, 1, len, w->f);
}

static uint32_t sum16(uint32_t s, const unsigned char *p, size_t n)
{
	while (n > 1) {
		s += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		n -= 2;
	}
	if (n)
		s += (uint32_t)(p[0] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void set16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* An IPv4 or IPv6 UDP packet with a payload of plen bytes into pkt. */
static size_t udp_packet(unsigned char *pkt, const char *src, const char *dst,
                         uint16_t sport, uint16_t dport, size_t plen,
                         int bad_sum)
{
	int v6 = strchr(dst, ':') != NULL;
	size_t hl = v6 ? 40 : 20, ulen = 8 + plen, i;
	unsigned char *u = pkt + hl;
	uint32_t s;

	memset(pkt, 0, hl + ulen);
	if (v6) {
		pkt[0] = 0x60;
		set16(pkt + 4, (uint16_t)ulen);
		pkt[6] = 17;
		pkt[7] = 64;
		inet_pton(AF_INET6, src, pkt + 8);
		inet_pton(AF_INET6, dst, pkt + 24);
		s = sum16(0, pkt + 8, 32);
	} else {
		pkt[0] = 0x45;
		set16(pkt + 2, (uint16_t)(hl + ulen));
		pkt[8] = 64;
		pkt[9] = 17;
		inet_pton(AF_INET, src, pkt + 12);
		inet_pton(AF_INET, dst, pkt + 16);
		set16(pkt + 10, fold(sum16(0, pkt, 20)));
		s = sum16(0, pkt + 12, 8);
	}
	set16(u, sport);
	set16(u + 2, dport);
	set16(u + 4, (uint16_t)ulen);
	for (i = 0; i < plen; i++)
		u[8 + i] = (unsigned char)('a' + i % 26);
	s = sum16(s + 17 + (uint32_t)ulen, u, ulen);
	set16(u + 6, (uint16_t)(fold(s) ? fold(s) : 0xffff));
	if (bad_sum)
		u[7] ^= 0x5a;
	return hl + ulen;
}

static void emit(struct writer *w, const char *src, const char *dst,
                 uint16_t sport, uint16_t dport, int bad_sum)
{
	static const unsigned char bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff,
	                                        0xff };
	static const unsigned char mcast[6] = { 0x01, 0x00, 0x5e, 0x01, 0x01,
	                                        0x01 };
	static const unsigned char us[6] = { 0x02, 0, 0, 0, 0, 0x10 };
	static const unsigned char peer[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	unsigned char frame[2048];
	int v6 = strchr(dst, ':') != NULL;
	size_t off = 0, n;

	if (w->ether) {
		const unsigned char *to = us;

		if (strncmp(dst, "239.", 4) == 0)
			to = mcast;
		else if (strcmp(dst, "192.0.2.255") == 0)
			to = bcast;
		memcpy(frame, to, 6);
		memcpy(frame + 6, peer, 6);
		off = 12;
		if (v6) {
			set16(frame + off, 0x8100);  /* 802.1Q, VLAN 5 */
			set16(frame + off + 2, 5);
			off += 4;
		}
		set16(frame + off, v6 ? 0x86dd : 0x0800);
		off += 2;
	}
	n = udp_packet(frame + off, src, dst, sport, dport, 24, bad_sum);
	record(w, frame, off + n, 1);
}

static void arp(struct writer *w)
{
	unsigned char f[42];

	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	f[6] = 0x02;
	set16(f + 12, 0x0806);
	record(w, f, sizeof(f), 0);
}

int main(int argc, char **argv)
{
	struct writer w;
	long r, repeat = argc > 3 ? strtol(argv[3], NULL, 10) : 1;
	int i;

	if (argc < 3 || (strcmp(argv[2], "raw") && strcmp(argv[2], "ether")) ||
	    repeat < 1) {
		fputs("usage: gen_pcap OUT.pcap raw|ether [REPEAT]\n", stderr);
		return 2;
	}
	memset(&w, 0, sizeof(w));
	w.ether = strcmp(argv[2], "ether") == 0;
	w.f = fopen(argv[1], "wb");
	if (!w.f) {
		perror(argv[1]);
		return 1;
	}
	file_header(&w);
	for (r = 0; r < repeat; r++) {
		for (i = 0; i < 3; i++)
			emit(&w, "198.51.100.1", "192.0.2.10", 4000, 53, 0);
		emit(&w, "198.51.100.1", "192.0.2.10", 4001, 9999, 0);
		emit(&w, "198.51.100.1", "239.1.1.1", 5353, 5353, 0);
		emit(&w, "198.51.100.1", "192.0.2.255", 68, 67, 0);
		if (w.ether)
			arp(&w);
		for (i = 0; i < 2; i++)
			emit(&w, "2001:db8::100", "2001:db8::10", 4002, 53, 0);
		emit(&w, "198.51.100.1", "192.0.2.10", 4003, 53, 1);
		emit(&w, "198.51.100.1", "192.0.2.10", 4004, 7, 0);
	}
	return fclose(w.f) == 0 ? 0 : 1;
}
