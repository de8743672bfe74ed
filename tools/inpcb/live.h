/*
 * live.h - what the commands on a live host (serve, replay, stat) share:
 * a script run on the host's vnet "default", the set of sockets they
 * serve (the script's and their own echo sockets), and draining those
 * sockets' receive queues, printing, counting and echoing each datagram.
 *
 * Everything here runs on the command's one thread.
 */
#ifndef INPCB_TOOL_LIVE_H
#define INPCB_TOOL_LIVE_H

#include <inpcb/inpcb.h>

#include <stdio.h>

struct interp;

struct live_sock {
	char name[INP_LABEL_MAX];
	struct inp_sock *so;
	bool echo;              /* send every datagram back to its source */
	bool own;               /* opened here (echo): closed by live_close */
	uint64_t received;      /* datagrams taken from its receive queue */
	uint64_t echoed;        /* replies sent */
	uint64_t echo_failed;   /* replies the stack refused */
	uint64_t errors;        /* asynchronous errors (ECONNREFUSED) seen */
};

struct live {
	struct inp_host *host;
	struct inp_vnet *vnet;       /* "default" */
	struct interp *session;
	struct live_sock *socks;
	size_t nsocks;
	bool print;                  /* print every datagram drained */
	FILE *out;                   /* where statements and prints go */
	unsigned char *buf;          /* one datagram */
};

/*
 * Open a session on host: the caller's, destroyed by the caller after
 * live_close(), or NULL for the simulated host of `inpcb run`, destroyed
 * by live_close().  Script statements will be printed to out, only the
 * failing ones when quiet.  On failure prints why and returns the exit
 * status 2; 0 on success.
 */
int live_open(struct live *lv, struct inp_host *host, FILE *out,
              bool quiet);

/*
 * Run the script at path (NULL: nothing) on the session.  Returns 0, 1
 * when a statement failed, 2 when the file could not be read or parsed.
 */
int live_script(struct live *lv, const char *path);

/* Open UDP echo sockets on port for IPv4 and IPv6; 0 or -errno. */
int live_add_echo(struct live *lv, uint16_t port);

/* Add every open script socket to the served set (after live_script). */
int live_collect(struct live *lv);

/* Empty every served socket's queue; returns the datagrams taken. */
unsigned long live_drain(struct live *lv);

/* "socket NAME: N datagrams received ..." for every served socket. */
void live_print_socks(const struct live *lv, FILE *f);

/*
 * Close the echo sockets and the session (with the script's sockets).
 * Returns interp_session_close()'s result.
 */
int live_close(struct live *lv);

/* An address (and port when it has one) as text: 192.0.2.1:53, [::1]:53. */
void live_format(const struct sockaddr_storage *ss, bool port, char *buf,
                 size_t len);

#endif
