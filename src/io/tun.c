/*
 * tun.c - the Linux TUN driver: raw IP packets through /dev/net/tun.
 *
 * The device runs in IFF_TUN | IFF_NO_PI mode, so every read(2) returns
 * exactly one IP packet and every write(2) sends one, with no link header
 * and no packet-information prefix: the format the driver vtable carries.
 *
 * TUNSETIFF both attaches to an existing device (created by the caller
 * with `ip tuntap add dev NAME mode tun`, persistent, configured on the
 * kernel side) and creates a missing one.  A device we created is
 * brought up, because nobody else will; one we attached to is left as its
 * owner configured it.  A created device is not persistent: it vanishes
 * when the descriptor is closed, which is the cleanup a crashed program
 * gets for free.
 *
 * Threading: read(2) and write(2) on one descriptor are atomic per packet
 * for a TUN device, so output may run on any number of threads without a
 * lock; input belongs to the thread that polls.
 */
#include <inpcb/driver.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct tun_ctx {
	int fd;
};

static int tun_output(void *ctx, const void *pkt, size_t len)
{
	struct tun_ctx *t = ctx;
	ssize_t n;

	do
		n = write(t->fd, pkt, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ENOBUFS : -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static long tun_input(void *ctx, void *buf, size_t cap)
{
	struct tun_ctx *t = ctx;
	ssize_t n;

	do
		n = read(t->fd, buf, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	/*
	 * A read of zero bytes on a TUN descriptor means the device went
	 * away (it was deleted under us); report it rather than "nothing
	 * waiting", or a poll loop would spin on a readable descriptor.
	 */
	return n > 0 ? (long)n : -ENXIO;
}

static int tun_poll_fd(void *ctx)
{
	return ((struct tun_ctx *)ctx)->fd;
}

static void tun_close(void *ctx)
{
	struct tun_ctx *t = ctx;

	close(t->fd);
	free(t);
}

static const struct inp_driver_ops tun_ops = {
	.name = "tun",
	.output = tun_output,
	.input = tun_input,
	.poll_fd = tun_poll_fd,
	.close = tun_close,
};

/* Set IFF_UP on the kernel side of a device we just created. */
static int tun_bring_up(const char *name)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		rc = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			rc = -errno;
	}
	close(s);
	return rc;
}

int inp_tun_open(const char *devname, const struct inp_driver_ops **ops,
                 void **ctx)
{
	struct tun_ctx *t;
	struct ifreq ifr;
	bool existed;
	int fd, rc;

	if (!devname || !ops || !ctx || devname[0] == '\0' ||
	    strlen(devname) >= IFNAMSIZ || strchr(devname, '/') ||
	    strchr(devname, '%'))
		return -EINVAL;
	existed = if_nametoindex(devname) != 0;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", devname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		/* EINVAL: NAME exists but is a TAP or multi-queue device */
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!existed && (rc = tun_bring_up(ifr.ifr_name)) < 0) {
		close(fd);
		return rc;
	}
	t = malloc(sizeof(*t));
	if (!t) {
		close(fd);
		return -ENOMEM;
	}
	t->fd = fd;
	*ops = &tun_ops;
	*ctx = t;
	return 0;
}
