/*
 * errno_names.c - errno values by FreeBSD name and back, for messages,
 * explanations and the scenario language ("=> EADDRINUSE").
 *
 * The values are the host C library's (the library returns the platform's
 * errno numbers); the names are FreeBSD's.  Where two names share a value
 * on this platform (Linux: ENOTSUP == EOPNOTSUPP, EWOULDBLOCK == EAGAIN)
 * the FreeBSD spelling listed first is the one inp_errno_name() returns;
 * inp_errno_value() understands both.
 */
#include "base/base.h"
#include <strings.h>

struct errno_name {
	int value;
	const char *name;
};

#define E(x) { x, #x }
static const struct errno_name errno_table[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(ENOEXEC), E(EBADF), E(ECHILD), E(EDEADLK), E(ENOMEM), E(EACCES),
	E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV), E(ENOTDIR),
	E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(ETXTBSY),
	E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE),
	E(EDOM), E(ERANGE), E(EAGAIN), E(EINPROGRESS), E(EALREADY),
	E(ENOTSOCK), E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE),
	E(ENOPROTOOPT), E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT),
	/* FreeBSD's name first: on Linux ENOTSUP has the same value. */
	E(EOPNOTSUPP), E(ENOTSUP),
	E(EPFNOSUPPORT), E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL),
	E(ENETDOWN), E(ENETUNREACH), E(ENETRESET), E(ECONNABORTED),
	E(ECONNRESET), E(ENOBUFS), E(EISCONN), E(ENOTCONN), E(ESHUTDOWN),
	E(ETOOMANYREFS), E(ETIMEDOUT), E(ECONNREFUSED), E(ELOOP),
	E(ENAMETOOLONG), E(EHOSTDOWN), E(EHOSTUNREACH), E(ENOTEMPTY),
	E(EUSERS), E(EDQUOT), E(ESTALE), E(EREMOTE), E(ENOLCK), E(ENOSYS),
	E(EIDRM), E(ENOMSG), E(EOVERFLOW), E(ECANCELED), E(EILSEQ),
	E(EBADMSG), E(EMULTIHOP), E(ENOLINK), E(EPROTO), E(ENOTRECOVERABLE),
	E(EOWNERDEAD), E(EWOULDBLOCK),
};
#undef E

#define N_ERRNO (sizeof(errno_table) / sizeof(errno_table[0]))

/* Accepts err and -err: callers often hold a library return value. */
const char *inp_errno_name(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	if (err == 0)
		return NULL;
	for (i = 0; i < N_ERRNO; i++)
		if (errno_table[i].value == err)
			return errno_table[i].name;
	return NULL;
}

int inp_errno_value(const char *name)
{
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; i < N_ERRNO; i++)
		if (strcasecmp(errno_table[i].name, name) == 0)
			return errno_table[i].value;
	return 0;
}
