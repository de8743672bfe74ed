/*
 * cmd_serve.c - `inpcb serve --tun NAME --addr ADDR/PLEN ...`: a live
 * stack on a Linux TUN device.
 *
 *   inpcb serve --tun NAME [--addr ADDR/PLEN ...] [--script FILE.pcbs]
 *               [--echo PORT ...] [--print] [-q]
 *
 * The stack is one vnet ("default") with lo0 and an interface called
 * NAME carrying the --addr addresses, whose driver is the TUN device NAME:
 * attached to when it exists (its owner configured the kernel side),
 * created and brought up when it does not.  The script then runs on the
 * stack (its sockets, options, memberships, sysctls; it may add
 * interfaces and addresses, and what it sends goes out on the device),
 * and the --echo ports get a UDP echo socket per family.
 *
 * The loop waits in ppoll(2) on the device for at most a second (timers
 * run at least that often), feeds what arrived to the stack, then drains
 * every socket: datagrams are counted per socket, printed with --print
 * ("recv sock=NAME from=SRC len=N dst=.. tos=.. ttl=.. ifindex=.."; the
 * ancillary fields appear when the socket asked for them) and echoed on
 * echo sockets.  SIGINT and SIGTERM are blocked except inside ppoll, so a
 * signal can never slip in between the flag test and the wait.
 *
 * On a signal: per-socket counts, the counters (as `inpcb stat`), every
 * socket closed, the device released, exit 0.  Exit 1 when the script
 * failed, the device could not be opened or failed while serving; 2 for
 * usage errors.
 */
#include "commands.h"
#include "counters.h"
#include "live.h"

#include <inpcb/driver.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ADDRS 16
#define MAX_ECHO 16
#define POLL_BATCH 256
#define FINAL_BATCHES 16

/* The only mutable global of the tool: set by the signal handler. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct serve_args {
	const char *tun;
	const char *script;
	struct sockaddr_storage addr[MAX_ADDRS];
	unsigned plen[MAX_ADDRS];
	const char *addr_text[MAX_ADDRS];
	unsigned naddr;
	uint16_t echo[MAX_ECHO];
	unsigned necho;
	bool print, quiet;
};

static void serve_usage(FILE *f)
{
	fprintf(f,
	        "usage: inpcb serve --tun NAME [--addr ADDR/PLEN ...] "
	        "[--script FILE.pcbs]\n"
	        "                   [--echo PORT ...] [--print] [-q]\n"
	        "  --tun NAME     the TUN device (attached if it exists, "
	        "else created)\n"
	        "  --addr A/PLEN  an IPv4 or IPv6 address of the stack on "
	        "NAME (repeatable)\n"
	        "  --script FILE  run FILE on the stack first (sockets, "
	        "options, groups)\n"
	        "  --echo PORT    answer UDP datagrams to PORT (repeatable)\n"
	        "  --print        print every datagram the sockets receive\n"
	        "  -q             print only failing script statements\n"
	        "SIGINT or SIGTERM stops it and prints the counters.\n");
}

/* ADDR/PLEN, IPv4 or IPv6. */
static int parse_prefix(const char *s, struct sockaddr_storage *ss,
                        unsigned *plen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	const char *slash = strchr(s, '/');
	char a[INET6_ADDRSTRLEN], *end;
	unsigned long p;

	if (!slash || (size_t)(slash - s) >= sizeof(a))
		return -1;
	memcpy(a, s, (size_t)(slash - s));
	a[slash - s] = '\0';
	errno = 0;
	p = strtoul(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, a, &sin->sin_addr) == 1 && p <= 32) {
		sin->sin_family = AF_INET;
	} else if (inet_pton(AF_INET6, a, &sin6->sin6_addr) == 1 && p <= 128) {
		sin6->sin6_family = AF_INET6;
	} else {
		return -1;
	}
	*plen = (unsigned)p;
	return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* 0, 1 for --help, -1 for a usage error (already reported). */
static int parse_args(int argc, char **argv, struct serve_args *a)
{
	const char *opt, *val;
	int i;

	for (i = 1; i < argc; i++) {
		opt = argv[i];
		if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0)
			return 1;
		if (strcmp(opt, "--print") == 0) {
			a->print = true;
			continue;
		}
		if (strcmp(opt, "-q") == 0) {
			a->quiet = true;
			continue;
		}
		if (i + 1 == argc) {
			fprintf(stderr, "inpcb serve: %s needs a value\n", opt);
			return -1;
		}
		val = argv[++i];
		if (strcmp(opt, "--tun") == 0) {
			a->tun = val;
		} else if (strcmp(opt, "--script") == 0) {
			a->script = val;
		} else if (strcmp(opt, "--addr") == 0) {
			if (a->naddr == MAX_ADDRS ||
			    parse_prefix(val, &a->addr[a->naddr],
			                 &a->plen[a->naddr]) < 0) {
				fprintf(stderr, "inpcb serve: bad --addr '%s' "
				        "(ADDR/PLEN, at most %d)\n", val,
				        MAX_ADDRS);
				return -1;
			}
			a->addr_text[a->naddr++] = val;
		} else if (strcmp(opt, "--echo") == 0) {
			if (a->necho == MAX_ECHO ||
			    parse_port(val, &a->echo[a->necho]) < 0) {
				fprintf(stderr, "inpcb serve: bad --echo "
				        "'%s'\n", val);
				return -1;
			}
			a->necho++;
		} else {
			fprintf(stderr, "inpcb serve: unknown option '%s'\n",
			        opt);
			return -1;
		}
	}
	if (!a->tun) {
		fprintf(stderr, "inpcb serve: --tun NAME is required\n");
		return -1;
	}
	return 0;
}

/* The interface NAME in the stack, with the --addr addresses. */
static int make_interface(struct live *lv, const struct serve_args *a,
                          struct inp_ifnet **ifp)
{
	unsigned i;
	int rc;

	rc = inp_if_create(lv->vnet, a->tun, ifp);
	if (rc < 0) {
		fprintf(stderr, "inpcb serve: interface %s: %s\n", a->tun,
		        strerror(-rc));
		return rc;
	}
	for (i = 0; i < a->naddr; i++) {
		rc = inp_if_addr_add(*ifp, (struct sockaddr *)&a->addr[i],
		                     a->plen[i], NULL);
		if (rc < 0) {
			fprintf(stderr, "inpcb serve: --addr %s: %s\n",
			        a->addr_text[i], strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* Script, echo sockets, the served set. 0 or an exit status. */
static int configure(struct live *lv, const struct serve_args *a)
{
	unsigned i;
	int rc = live_script(lv, a->script);

	if (rc != 0)
		return rc;
	if ((rc = live_collect(lv)) < 0) {
		fprintf(stderr, "inpcb serve: %s\n", strerror(-rc));
		return 1;
	}
	for (i = 0; i < a->necho; i++) {
		rc = live_add_echo(lv, a->echo[i]);
		if (rc < 0) {
			fprintf(stderr, "inpcb serve: --echo %u: %s\n",
			        a->echo[i], strerror(-rc));
			return 1;
		}
	}
	return 0;
}

static int attach_tun(struct inp_ifnet *ifp, const char *name, int *fd)
{
	const struct inp_driver_ops *ops;
	void *ctx;
	int rc = inp_tun_open(name, &ops, &ctx);

	if (rc < 0) {
		fprintf(stderr, "inpcb serve: TUN device %s: %s\n", name,
		        strerror(-rc));
		return rc;
	}
	*fd = ops->poll_fd(ctx);
	rc = inp_if_attach_driver(ifp, ops, ctx);
	if (rc < 0) {
		ops->close(ctx);
		fprintf(stderr, "inpcb serve: attach %s: %s\n", name,
		        strerror(-rc));
	}
	return rc;
}

static void print_ready(const struct serve_args *a,
                        const struct inp_ifnet *ifp)
{
	unsigned i;

	printf("serving %s (ifindex %u):", a->tun, inp_if_index(ifp));
	for (i = 0; i < a->naddr; i++)
		printf(" %s", a->addr_text[i]);
	if (a->necho) {
		printf("; echo");
		for (i = 0; i < a->necho; i++)
			printf(" %u", a->echo[i]);
	}
	printf("; SIGINT or SIGTERM stops\n");
}

/*
 * Packets the device already holds were sent to us before the signal:
 * take them too, so the counters printed at exit account for everything
 * the kernel handed over.  Bounded (a few times the device's queue), in
 * case the peer is still sending.
 */
static void final_drain(struct live *lv, struct inp_ifnet *ifp)
{
	unsigned batches = 0;

	while (batches++ < FINAL_BATCHES && inp_if_poll(ifp, POLL_BATCH) > 0)
		live_drain(lv);
	live_drain(lv);
}

/* Serve until a signal (0) or a failure of the device (1). */
static int serve_loop(struct live *lv, struct inp_ifnet *ifp, int fd,
                      const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec tick = { 1, 0 };
	long n;
	int rc;

	while (!stop_signal) {
		rc = ppoll(&pfd, 1, &tick, waitmask);
		if (rc < 0 && errno != EINTR) {
			perror("inpcb serve: ppoll");
			return 1;
		}
		if (rc > 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) {
			fprintf(stderr, "inpcb serve: the device failed\n");
			return 1;
		}
		do {
			n = rc > 0 ? inp_if_poll(ifp, POLL_BATCH) : 0;
			if (n < 0) {
				fprintf(stderr, "inpcb serve: reading the "
				        "device: %s\n", strerror((int)-n));
				return 1;
			}
			live_drain(lv);
		} while (n == POLL_BATCH && !stop_signal);
		inp_host_run_timers(lv->host);
	}
	final_drain(lv, ifp);
	return 0;
}

static int install_signals(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, waitmask) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0) {
		perror("inpcb serve: signals");
		return -1;
	}
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	return 0;
}

static int serve(const struct serve_args *a, struct inp_host *host)
{
	struct inp_ifnet *ifp = NULL;
	struct live lv;
	sigset_t waitmask;
	bool attached = false;
	int rc, fd = -1;

	if ((rc = live_open(&lv, host, stdout, a->quiet)) != 0)
		return rc;
	lv.print = a->print;
	rc = make_interface(&lv, a, &ifp) < 0 ? 1 : 0;
	/* the device first: what the script sends goes out through it */
	if (rc == 0) {
		attached = attach_tun(ifp, a->tun, &fd) == 0;
		rc = attached ? 0 : 1;
	}
	if (rc == 0)
		rc = configure(&lv, a);
	if (rc == 0)
		rc = install_signals(&waitmask) < 0 ? 1 : 0;
	if (rc == 0) {
		print_ready(a, ifp);
		rc = serve_loop(&lv, ifp, fd, &waitmask);
		if (stop_signal)
			printf("inpcb serve: stopped by %s\n",
			       stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
		live_print_socks(&lv, stdout);
		print_counters(stdout, lv.vnet);
	}
	if (attached)
		inp_if_detach_driver(ifp);
	live_close(&lv);
	return rc;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_args a;
	struct inp_host *host;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse_args(argc, argv, &a);
	if (rc != 0) {
		serve_usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	/* a test reads the output while we run: one line at a time */
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = inp_host_create(NULL, NULL, &host);
	if (rc < 0) {
		fprintf(stderr, "inpcb serve: %s\n", strerror(-rc));
		return 1;
	}
	rc = serve(&a, host);
	if (inp_host_destroy(host) < 0) {
		fprintf(stderr, "inpcb serve: the stack still holds PCBs\n");
		rc = rc ? rc : 1;
	}
	return rc;
}
