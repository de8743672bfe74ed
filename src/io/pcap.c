/*
 * pcap.c - the pcap file driver: read IP packets from a capture file and
 * write the packets an interface sends to another, through libpcap.
 *
 * Input accepts the link types a capture of IP traffic usually has and
 * reduces each frame to the bare IP packet the driver vtable carries:
 *   LINKTYPE_RAW (DLT_RAW), LINKTYPE_IPV4, LINKTYPE_IPV6  as they are;
 *   LINKTYPE_ETHERNET   the 14-byte header stripped (and 802.1Q tags);
 *   LINKTYPE_LINUX_SLL  ("tcpdump -i any") the 16-byte header stripped;
 *   LINKTYPE_NULL/LOOP  (BSD loopback) the 4-byte family word stripped.
 * An Ethernet frame sent to a group address (broadcast or multicast)
 * gives its packet INP_PKT_LINK_BCAST (input_flags), so IP input never
 * answers it with an ICMP error (spec UD-9).
 * Frames that carry something other than IPv4 or IPv6 (ARP, LLDP, ...)
 * are skipped: they are not packets for this stack, and counting them as
 * bad IP would misreport the capture.  A frame whose captured part was cut
 * by the snap length is passed on as captured; IP input counts it as too
 * short, which is what it is.
 *
 * Output is always LINKTYPE_RAW, so a reader needs no knowledge of a link
 * layer the stack does not have.  Each output packet carries the
 * timestamp of the last packet read, or the one inp_pcap_set_ts() gave
 * (replies then line up with their causes in a capture viewer and a
 * replay is reproducible byte for byte), or else the real time.
 *
 * Threading: input and inp_pcap_last_ts() belong to one reading thread;
 * output may come from any sending thread and is serialised by a mutex,
 * since a pcap_dumper_t is not thread-safe.
 */
#include <inpcb/driver.h>
#include <inpcb/ip.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Link types by their LINKTYPE_ numbers (what the file header says). */
#define LT_NULL      0
#define LT_ETHERNET  1
#define LT_RAW       101
#define LT_LOOP      108
#define LT_LINUX_SLL 113
#define LT_IPV4      228
#define LT_IPV6      229

#define ETHERTYPE_IP4  0x0800
#define ETHERTYPE_IP6  0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

#define SNAPLEN_OUT 65535

struct pcap_ctx {
	pcap_t *in;
	int linktype;               /* LINKTYPE_ of the input */
	bool have_last;
	struct timespec last_ts;    /* of the packet input returned last */
	unsigned last_flags;
	bool have_out_ts;
	struct timespec out_ts;     /* inp_pcap_set_ts() */

	pthread_mutex_t out_lock;   /* serialises out, dumper, the ts read */
	pcap_t *out;                /* a "dead" handle describing the file */
	pcap_dumper_t *dumper;
};

/* ---- input -------------------------------------------------------------- */

static bool known_linktype(int lt)
{
	switch (lt) {
	case LT_NULL: case LT_ETHERNET: case LT_RAW: case LT_LOOP:
	case LT_LINUX_SLL: case LT_IPV4: case LT_IPV6:
		return true;
	}
	return false;
}

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool is_ip_version(const unsigned char *p, size_t len)
{
	return len > 0 && ((p[0] >> 4) == 4 || (p[0] >> 4) == 6);
}

/*
 * Where the IP packet starts in a frame of the input's link type, or -1
 * when the frame carries no IP.  *flags gets INP_PKT_LINK_BCAST for an
 * Ethernet broadcast or multicast destination (the group bit).
 */
static long ip_offset(int lt, const unsigned char *f, size_t len,
                      unsigned *flags)
{
	size_t off;
	uint16_t type;

	*flags = 0;
	switch (lt) {
	case LT_RAW: case LT_IPV4: case LT_IPV6:
		return is_ip_version(f, len) ? 0 : -1;
	case LT_NULL: case LT_LOOP:
		/* the family word is in host or network order: look at IP */
		return len > 4 && is_ip_version(f + 4, len - 4) ? 4 : -1;
	case LT_LINUX_SLL:
		if (len < 16)
			return -1;
		type = be16(f + 14);
		off = 16;
		break;
	case LT_ETHERNET:
		if (len < 14)
			return -1;
		if (f[0] & 1)
			*flags = INP_PKT_LINK_BCAST;
		type = be16(f + 12);
		off = 14;
		while ((type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) &&
		       len >= off + 4) {
			type = be16(f + off + 2);
			off += 4;
		}
		break;
	default:
		return -1;
	}
	if (type != ETHERTYPE_IP4 && type != ETHERTYPE_IP6)
		return -1;
	return (long)off;
}

static long pcap_input(void *ctx, void *buf, size_t cap)
{
	struct pcap_ctx *p = ctx;
	struct pcap_pkthdr *h;
	const unsigned char *f;
	unsigned flags;
	long off;
	size_t n;
	int rc;

	if (!p->in)
		return -ENODATA;
	for (;;) {
		rc = pcap_next_ex(p->in, &h, &f);
		if (rc == PCAP_ERROR_BREAK)
			return -ENODATA;
		if (rc != 1)
			return -EIO;
		off = ip_offset(p->linktype, f, h->caplen, &flags);
		if (off >= 0)
			break;
	}
	n = h->caplen - (size_t)off;
	if (n > cap)
		n = cap; /* IP input will see the packet as truncated */
	memcpy(buf, f + off, n);
	/* opened with nanosecond precision: tv_usec holds nanoseconds */
	pthread_mutex_lock(&p->out_lock);
	p->last_ts.tv_sec = h->ts.tv_sec;
	p->last_ts.tv_nsec = h->ts.tv_usec;
	p->last_flags = flags;
	p->have_last = true;
	pthread_mutex_unlock(&p->out_lock);
	/* a zero-length IP packet would read as "nothing waiting" */
	return n ? (long)n : -EIO;
}

/* INP_PKT_LINK_BCAST for a packet that came in a group-addressed frame. */
static unsigned pcap_input_flags(void *ctx)
{
	struct pcap_ctx *p = ctx;
	unsigned flags;

	pthread_mutex_lock(&p->out_lock);
	flags = p->have_last ? p->last_flags : 0;
	pthread_mutex_unlock(&p->out_lock);
	return flags;
}

/* ---- output ------------------------------------------------------------- */

static int pcap_output(void *ctx, const void *pkt, size_t len)
{
	struct pcap_ctx *p = ctx;
	struct pcap_pkthdr h;
	struct timeval now;

	if (!p->dumper)
		return -ENETDOWN; /* an input-only driver cannot send */
	if (len > SNAPLEN_OUT)
		return -EMSGSIZE;
	memset(&h, 0, sizeof(h));
	h.caplen = h.len = (bpf_u_int32)len;
	pthread_mutex_lock(&p->out_lock);
	if (p->have_out_ts || p->have_last) {
		const struct timespec *ts = p->have_out_ts ? &p->out_ts
		                                           : &p->last_ts;

		h.ts.tv_sec = ts->tv_sec;
		h.ts.tv_usec = ts->tv_nsec / 1000;
	} else {
		gettimeofday(&now, NULL);
		h.ts = now;
	}
	pcap_dump((unsigned char *)p->dumper, &h, pkt);
	pthread_mutex_unlock(&p->out_lock);
	return 0;
}

/* ---- life cycle --------------------------------------------------------- */

static void pcap_close_ctx(void *ctx)
{
	struct pcap_ctx *p = ctx;

	if (p->dumper) {
		pcap_dump_flush(p->dumper);
		pcap_dump_close(p->dumper);
	}
	if (p->out)
		pcap_close(p->out);
	if (p->in)
		pcap_close(p->in);
	pthread_mutex_destroy(&p->out_lock);
	free(p);
}

static const struct inp_driver_ops pcap_ops = {
	.name = "pcap",
	.output = pcap_output,
	.input = pcap_input,
	.poll_fd = NULL, /* a file is always readable: nothing to poll */
	.close = pcap_close_ctx,
	.input_flags = pcap_input_flags,
};

/* libpcap reports failures as text only; map the usual causes. */
static int open_errno(int saved_errno)
{
	if (saved_errno == ENOENT || saved_errno == EACCES ||
	    saved_errno == EISDIR || saved_errno == EROFS ||
	    saved_errno == ENOSPC)
		return -saved_errno;
	return -EINVAL; /* not a capture file, or an unreadable header */
}

static int open_input(struct pcap_ctx *p, const char *path)
{
	char err[PCAP_ERRBUF_SIZE];

	errno = 0;
	p->in = pcap_open_offline_with_tstamp_precision(
	        path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (!p->in)
		return open_errno(errno);
	/*
	 * libpcap maps the file's LINKTYPE_ to its DLT_ values, which match
	 * except LINKTYPE_RAW (101), reported as DLT_RAW (12, or 14 on some
	 * systems), and LINKTYPE_LOOP, DLT_LOOP (108 here, 12 on OpenBSD).
	 */
	p->linktype = pcap_datalink(p->in);
	if (p->linktype == DLT_RAW)
		p->linktype = LT_RAW;
	else if (p->linktype == DLT_LOOP)
		p->linktype = LT_LOOP;
	return known_linktype(p->linktype) ? 0 : -EPROTONOSUPPORT;
}

static int open_output(struct pcap_ctx *p, const char *path)
{
	errno = 0;
	p->out = pcap_open_dead(DLT_RAW, SNAPLEN_OUT);
	if (!p->out)
		return -ENOMEM;
	p->dumper = pcap_dump_open(p->out, path);
	return p->dumper ? 0 : open_errno(errno);
}

int inp_pcap_open(const char *in_path, const char *out_path,
                  const struct inp_driver_ops **ops, void **ctx)
{
	struct pcap_ctx *p;
	int rc = 0;

	if (!ops || !ctx || (!in_path && !out_path))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->out_lock, NULL);
	if (in_path)
		rc = open_input(p, in_path);
	if (rc == 0 && out_path)
		rc = open_output(p, out_path);
	if (rc < 0) {
		pcap_close_ctx(p);
		return rc;
	}
	*ops = &pcap_ops;
	*ctx = p;
	return 0;
}

int inp_pcap_last_ts(void *ctx, struct timespec *ts, unsigned *pkt_flags)
{
	struct pcap_ctx *p = ctx;
	int rc = -ENODATA;

	if (!p || !ts)
		return -EINVAL;
	pthread_mutex_lock(&p->out_lock);
	if (p->have_last) {
		*ts = p->last_ts;
		if (pkt_flags)
			*pkt_flags = p->last_flags;
		rc = 0;
	}
	pthread_mutex_unlock(&p->out_lock);
	return rc;
}

int inp_pcap_set_ts(void *ctx, const struct timespec *ts)
{
	struct pcap_ctx *p = ctx;

	if (!p || (ts && (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000L)))
		return -EINVAL;
	pthread_mutex_lock(&p->out_lock);
	p->have_out_ts = ts != NULL;
	if (ts)
		p->out_ts = *ts;
	pthread_mutex_unlock(&p->out_lock);
	return 0;
}
