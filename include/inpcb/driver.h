/*
 * inpcb/driver.h - packet I/O drivers: the small vtable between a vnet's
 * interface and whatever moves its packets (TUN, pcap files, an in-memory
 * loop, and user drivers such as DPDK or AF_XDP).
 *
 * A driver carries raw IP packets (no link-layer header): IPv4 or IPv6,
 * told apart by the version nibble.  The stack calls `output` for every
 * packet the interface sends; the application feeds received packets to
 * inp_ip_input() (see ip.h), typically from a loop around `poll_fd`.
 *
 * Threading: a driver's callbacks may be called from any thread that sends;
 * a driver that is not thread-safe must serialise itself.
 */
#ifndef INPCB_DRIVER_H
#define INPCB_DRIVER_H

#include <inpcb/types.h>
#include <time.h>   /* struct timespec (inp_pcap_last_ts) */

#ifdef __cplusplus
extern "C" {
#endif

struct inp_driver_ops {
	const char *name;                       /* "tun", "pcap", "loop" */
	/* Transmit one IP packet.  0 or a negative errno (counted, dropped). */
	int (*output)(void *ctx, const void *pkt, size_t len);
	/*
	 * Receive one packet into buf (non-blocking): its length, 0 when none
	 * is waiting, or a negative errno (-ENODATA at the end of a file).
	 * May be NULL for output-only drivers.
	 */
	long (*input)(void *ctx, void *buf, size_t cap);
	/* A pollable descriptor for input, or -1. May be NULL. */
	int (*poll_fd)(void *ctx);
	/* Release the driver's resources (called by inp_if_detach_driver). */
	void (*close)(void *ctx);
	/*
	 * INP_PKT_* flags (ip.h) of the packet `input` returned last, e.g.
	 * INP_PKT_LINK_BCAST for an Ethernet broadcast frame.  May be NULL
	 * (no flags).  inp_if_poll() passes them to inp_ip_input().
	 */
	unsigned (*input_flags)(void *ctx);
};

/*
 * Attach a driver to an interface: from now on packets the interface sends
 * go to ops->output(ctx, ...).  -EBUSY when one is attached already.
 * ops and ctx must live until inp_if_detach_driver() or vnet destruction,
 * which calls ops->close(ctx).
 */
int inp_if_attach_driver(struct inp_ifnet *ifp,
                         const struct inp_driver_ops *ops, void *ctx);
int inp_if_detach_driver(struct inp_ifnet *ifp);

/*
 * Read up to max_packets waiting packets from the interface's driver and
 * pass each to inp_ip_input() with rcvif = ifp.  Returns the number of
 * packets processed; when none was, the driver's negative errno (-ENODATA
 * at the end of a capture file), -ENXIO without a driver, -EOPNOTSUPP for
 * an output-only one.  The driver is not locked while the stack runs, so
 * a packet may produce output on any interface, this one included.
 */
long inp_if_poll(struct inp_ifnet *ifp, unsigned max_packets);

/* ---- the drivers shipped with the library ------------------------------ */

/*
 * Linux TUN (IFF_TUN | IFF_NO_PI): attach to the device `devname`, creating
 * it if it does not exist (needs CAP_NET_ADMIN).  *ops and *ctx are ready for
 * inp_if_attach_driver().
 */
int inp_tun_open(const char *devname, const struct inp_driver_ops **ops,
                 void **ctx);

/*
 * pcap files (libpcap, LINKTYPE_RAW or DLT_EN10MB input with the Ethernet
 * header stripped; LINKTYPE_RAW output).  in_path and out_path may each be
 * NULL.  Input timestamps are available with inp_pcap_last_ts().
 */
int inp_pcap_open(const char *in_path, const char *out_path,
                  const struct inp_driver_ops **ops, void **ctx);

/*
 * The capture timestamp of the packet the pcap driver's input returned
 * last, and in *pkt_flags (may be NULL) INP_PKT_LINK_BCAST (ip.h) when it
 * arrived in an Ethernet broadcast or multicast frame.  -ENODATA before
 * the first packet.  Call it from the thread that reads.
 */
int inp_pcap_last_ts(void *ctx, struct timespec *ts, unsigned *pkt_flags);

/*
 * Timestamps of output packets: by default the timestamp of the packet
 * input returned last (a reply "happens" when its cause was captured), or
 * the real time before the first.  inp_pcap_set_ts() stamps the packets
 * output from now on with *ts instead (a replay from memory sets the
 * timestamp of the packet it processes); NULL returns to the default.
 */
int inp_pcap_set_ts(void *ctx, const struct timespec *ts);

/*
 * In-memory loop for tests: packets output are queued (bounded, `depth`
 * packets, 1..65536) and returned by input in order; inp_loop_push()
 * injects a packet as if received.  Output and push fail with -ENOBUFS
 * when the queue is full, -EMSGSIZE beyond 65535 bytes.  Input copies at
 * most cap bytes of a longer packet (the rest is lost).  Thread-safe.
 */
int inp_loop_open(unsigned depth, const struct inp_driver_ops **ops,
                  void **ctx);
int inp_loop_push(void *ctx, const void *pkt, size_t len);

#ifdef __cplusplus
}
#endif
#endif
