/*
 * bsd_fcntl.c - fcntl and ioctl on descriptors: non-blocking mode
 * (O_NONBLOCK, FIONBIO) and FIONREAD on stack descriptors, the system
 * calls on kernel ones (socket.h).
 *
 * The variadic argument is read as a pointer whatever the command, as
 * the C library's own fcntl does, and passed on unchanged.
 */
#include "bsd_internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/ioctl.h>

static int fcntl_file(struct bsd_file *f, int cmd, void *arg)
{
	switch (cmd) {
	case F_GETFL:
		return O_RDWR | (atomic_load(&f->nonblock) ? O_NONBLOCK : 0);
	case F_SETFL:
		atomic_store(&f->nonblock,
		             ((intptr_t)arg & O_NONBLOCK) != 0);
		return 0;
	case F_GETFD:
	case F_SETFD:
		return 0;       /* no exec: FD_CLOEXEC means nothing here */
	default:
		return -EINVAL;
	}
}

int inp_fcntl(int fd, int cmd, ...)
{
	struct bsd_file *f;
	va_list ap;
	void *arg;
	int rc;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < INP_FD_BASE)
		return fcntl(fd, cmd, arg);
	if ((f = file_get(fd, &rc)) == NULL)
		return (int)bsd_result(rc);
	rc = fcntl_file(f, cmd, arg);
	file_rele(f);
	return (int)bsd_result(rc);
}

/*
 * FIONREAD as FreeBSD answers it (sbavail): the payload bytes of every
 * queued datagram, not only the next one as Linux does.
 */
static int queued_bytes(struct bsd_file *f)
{
	size_t n = 0;

	if (f->type != SOCK_DGRAM || inp_sock_rcv_queued(f->so, &n, NULL) < 0)
		return 0;
	return n > INT_MAX ? INT_MAX : (int)n;
}

static int ioctl_file(struct bsd_file *f, unsigned long req, void *arg)
{
	int *p = arg;

	if (req != FIONBIO && req != FIONREAD)
		return -ENOTTY;
	if (p == NULL)
		return -EFAULT;
	if (req == FIONBIO)
		atomic_store(&f->nonblock, *p != 0);
	else
		*p = queued_bytes(f);
	return 0;
}

int inp_ioctl(int fd, unsigned long request, ...)
{
	struct bsd_file *f;
	va_list ap;
	void *arg;
	int rc;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < INP_FD_BASE)
		return ioctl(fd, request, arg);
	if ((f = file_get(fd, &rc)) == NULL)
		return (int)bsd_result(rc);
	rc = ioctl_file(f, request, arg);
	file_rele(f);
	return (int)bsd_result(rc);
}
