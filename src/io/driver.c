/*
 * driver.c - the link between an interface and its packet driver
 * (driver.h): attaching and detaching, polling the driver's input into
 * IP input, and handing IP output to the driver.
 *
 * Each interface has a read-write lock for its driver: every call into
 * the driver (output, input, input_flags) holds it for reading, attach
 * and detach hold it for writing, so a driver is never closed while one
 * of its calls runs.  Closing happens after the lock is released (close
 * may block, on a file or a thread).  The lock is not held while IP input
 * runs: a received packet may cause output on any interface, this one
 * included.
 */
#include "ip/ip_internal.h"

#include <stdlib.h>

/* Large enough for any IP packet (IPv6 jumbograms are not supported). */
#define POLL_BUF IP_MAXPACKET

int inp_if_attach_driver(struct inp_ifnet *ifp,
                         const struct inp_driver_ops *ops, void *ctx)
{
	int rc = 0;

	if (ifp == NULL || ops == NULL || ops->output == NULL)
		return -EINVAL;
	pthread_rwlock_wrlock(&ifp->drv_lock);
	if (ifp->drv_ops != NULL) {
		rc = -EBUSY;
	} else {
		ifp->drv_ops = ops;
		ifp->drv_ctx = ctx;
	}
	pthread_rwlock_unlock(&ifp->drv_lock);
	return rc;
}

/* Take the driver off ifp; true (and its ops and ctx) if it had one. */
static bool driver_take(struct inp_ifnet *ifp,
                        const struct inp_driver_ops **ops, void **ctx)
{
	pthread_rwlock_wrlock(&ifp->drv_lock);
	*ops = ifp->drv_ops;
	*ctx = ifp->drv_ctx;
	ifp->drv_ops = NULL;
	ifp->drv_ctx = NULL;
	pthread_rwlock_unlock(&ifp->drv_lock);
	return *ops != NULL;
}

int inp_if_detach_driver(struct inp_ifnet *ifp)
{
	const struct inp_driver_ops *ops;
	void *ctx;

	if (ifp == NULL)
		return -EINVAL;
	if (!driver_take(ifp, &ops, &ctx))
		return -ENXIO;
	if (ops->close != NULL)
		ops->close(ctx);
	return 0;
}

void if_driver_close(struct inp_ifnet *ifp)
{
	(void)inp_if_detach_driver(ifp);
}

int if_driver_output(struct inp_ifnet *ifp, const void *pkt, size_t len)
{
	int rc = -ENETDOWN;

	if (!(ip_if_flags(ifp) & INP_IFF_UP))
		return -ENETDOWN;
	pthread_rwlock_rdlock(&ifp->drv_lock);
	if (ifp->drv_ops != NULL)
		rc = ifp->drv_ops->output(ifp->drv_ctx, pkt, len);
	pthread_rwlock_unlock(&ifp->drv_lock);
	return rc > 0 ? 0 : rc;
}

/*
 * One packet from the driver into buf: its length (0: none waiting) or
 * a negative errno; *flags gets the driver's INP_PKT_* for it.
 */
static long driver_read(struct inp_ifnet *ifp, uint8_t *buf, unsigned *flags)
{
	const struct inp_driver_ops *ops;
	long n;

	*flags = 0;
	pthread_rwlock_rdlock(&ifp->drv_lock);
	ops = ifp->drv_ops;
	if (ops == NULL)
		n = -ENXIO;
	else if (ops->input == NULL)
		n = -EOPNOTSUPP;
	else
		n = ops->input(ifp->drv_ctx, buf, POLL_BUF);
	if (n > 0 && ops->input_flags != NULL)
		*flags = ops->input_flags(ifp->drv_ctx) &
		         (INP_PKT_LINK_BCAST | INP_PKT_CSUM_OK);
	pthread_rwlock_unlock(&ifp->drv_lock);
	return n > POLL_BUF ? POLL_BUF : n;
}

long inp_if_poll(struct inp_ifnet *ifp, unsigned max_packets)
{
	unsigned flags;
	uint8_t *buf;
	long n = 0, done = 0;

	if (ifp == NULL)
		return -EINVAL;
	buf = malloc(POLL_BUF);
	if (buf == NULL)
		return -ENOMEM;
	while ((unsigned long)done < max_packets) {
		n = driver_read(ifp, buf, &flags);
		if (n <= 0)
			break;
		(void)inp_ip_input(ifp->vnet, ifp, buf, (size_t)n, flags);
		done++;
	}
	free(buf);
	return done > 0 || n >= 0 ? done : n;
}
