/*
 * compat_test.h - what the BSD socket programs of tests/compat share: a
 * CHECK that prints the failing expression with errno and exits 1, and
 * address helpers.  Plain C and the system's socket API only: the
 * programs include <inpcb/compat.h> first, which is all that makes them
 * run on inpcb.
 */
#ifndef COMPAT_TEST_H
#define COMPAT_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: CHECK failed: %s (errno %d: " \
			        "%s)\n", __FILE__, __LINE__, #cond, errno,  \
			        strerror(errno));                           \
			exit(1);                                            \
		}                                                           \
	} while (0)

/* A call that must fail with errno e. */
#define CHECK_ERR(call, e) CHECK((call) == -1 && errno == (e))

static inline struct sockaddr_in sin4(const char *addr, unsigned port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		exit(2);
	return sin;
}

#define SA(p) ((struct sockaddr *)(p))

#endif
