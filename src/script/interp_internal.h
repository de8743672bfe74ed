/*
 * interp_internal.h - the interpreter's state and the helpers its
 * statement files (interp_world.c, interp_sock.c, interp_packet.c,
 * netstat.c) share with the run loop (interp.c).
 */
#ifndef INPCB_SCRIPT_INTERP_INTERNAL_H
#define INPCB_SCRIPT_INTERP_INTERNAL_H

#include "interp.h"
#include "simhost.h"
#include "strbuf.h"

/* A socket name of the script.  Records live until the end of the file:
 * they are the sockets' udata, which TIME_WAIT PCBs keep. */
struct sock_rec {
	char name[SCRIPT_SOCK_MAX];
	struct inp_sock *so;       /* NULL once closed or in TIME_WAIT */
};

struct cred_rec {
	char name[SCRIPT_NAME_MAX];
	struct inp_cred *cred;     /* own reference */
};

struct vnet_rec {
	char name[SCRIPT_NAME_MAX];
	long ifa_refs;             /* last inp_vnet_ifa_refs_outstanding() */
};

struct interp {
	const struct interp_opts *opts;
	struct interp_opts own_opts; /* a session's copy (opts points here) */
	bool live;                 /* a session: the host is the caller's */
	const struct script *script;
	struct simhost sim;
	struct inp_host *host;
	struct inp_vnet *vnet;     /* current; NULL after destroying it */
	struct inp_cred *root;

	struct sock_rec **socks;   /* in creation order */
	size_t nsocks, capsocks;
	struct cred_rec *creds;
	size_t ncreds, capcreds;
	struct vnet_rec *vnets;    /* every vnet name ever created */
	size_t nvnets, capvnets;
	long max_msl_ms;           /* largest net.inet.tcp.msl seen */

	/* per statement */
	struct inp_explain why;
	struct strbuf note;        /* interpreter messages ("no socket 'x'") */
	struct strbuf table;       /* netstat's table */
	const char **names;        /* result names of lookup and deliver */
	size_t capnames;
	char label[INP_LABEL_MAX]; /* lookup's result, copied before unlock */
};

/* Run one statement; fills *o (the outcome is zeroed by the caller). */
typedef void (*exec_fn)(struct interp *in, const struct stmt *st,
                        struct outcome *o);

/* Statement executors, one per statement kind. */
void x_vnet_create(struct interp *in, const struct stmt *st, struct outcome *o);
void x_vnet_use(struct interp *in, const struct stmt *st, struct outcome *o);
void x_vnet_destroy(struct interp *in, const struct stmt *st,
                    struct outcome *o);
void x_if_addr(struct interp *in, const struct stmt *st, struct outcome *o);
void x_if_delete(struct interp *in, const struct stmt *st, struct outcome *o);
void x_if_flags(struct interp *in, const struct stmt *st, struct outcome *o);
void x_route_add(struct interp *in, const struct stmt *st, struct outcome *o);
void x_route_delete(struct interp *in, const struct stmt *st,
                    struct outcome *o);
void x_sysctl_set(struct interp *in, const struct stmt *st, struct outcome *o);
void x_sysctl_get(struct interp *in, const struct stmt *st, struct outcome *o);
void x_advance(struct interp *in, const struct stmt *st, struct outcome *o);
void x_seed(struct interp *in, const struct stmt *st, struct outcome *o);
void x_jail_create(struct interp *in, const struct stmt *st, struct outcome *o);
void x_jail_remove(struct interp *in, const struct stmt *st, struct outcome *o);
void x_cred(struct interp *in, const struct stmt *st, struct outcome *o);

void x_socket(struct interp *in, const struct stmt *st, struct outcome *o);
void x_setsockopt(struct interp *in, const struct stmt *st, struct outcome *o);
void x_bind(struct interp *in, const struct stmt *st, struct outcome *o);
void x_connect(struct interp *in, const struct stmt *st, struct outcome *o);
void x_disconnect(struct interp *in, const struct stmt *st, struct outcome *o);
void x_listen(struct interp *in, const struct stmt *st, struct outcome *o);
void x_accept(struct interp *in, const struct stmt *st, struct outcome *o);
void x_timewait(struct interp *in, const struct stmt *st, struct outcome *o);
void x_close(struct interp *in, const struct stmt *st, struct outcome *o);
void x_getsockname(struct interp *in, const struct stmt *st, struct outcome *o);
void x_getpeername(struct interp *in, const struct stmt *st, struct outcome *o);
void x_recv(struct interp *in, const struct stmt *st, struct outcome *o);
void x_send(struct interp *in, const struct stmt *st, struct outcome *o);

void x_lookup(struct interp *in, const struct stmt *st, struct outcome *o);
void x_deliver(struct interp *in, const struct stmt *st, struct outcome *o);
void x_count(struct interp *in, const struct stmt *st, struct outcome *o);
void x_stat(struct interp *in, const struct stmt *st, struct outcome *o);
void x_netstat(struct interp *in, const struct stmt *st, struct outcome *o);

/* ---- helpers (interp.c) ------------------------------------------------- */

/* Record a library return code: 0 is ok, -E is the errno E. */
void set_rc(struct outcome *o, int rc);

/* Add an interpreter message to the statement's output. */
void add_note(struct interp *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Fail the statement with errno err and a note saying why. */
void fail_note(struct interp *in, struct outcome *o, int err,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The current vnet, or NULL after ENOENT ("no current vnet"). */
struct inp_vnet *cur_vnet(struct interp *in, struct outcome *o);

/* The live socket called name, or NULL after EBADF. */
struct sock_rec *find_sock(struct interp *in, const char *name,
                           struct outcome *o);
/* EEXIST when a live socket is called name. */
bool sock_name_free(struct interp *in, const char *name, struct outcome *o);
/* Record a new socket called name: label and udata set.  NULL: ENOMEM. */
struct sock_rec *add_sock(struct interp *in, const char *name,
                          struct inp_sock *so);

/* The credential called name ("" is root), or NULL after ENOENT. */
struct inp_cred *find_cred(struct interp *in, const char *name,
                           struct outcome *o);
/* Bind name to cred (own reference), replacing an earlier definition. */
int set_cred(struct interp *in, const char *name, struct inp_cred *cred);

/* Remember a vnet name (for teardown and the address-reference check). */
int add_vnet_name(struct interp *in, const char *name);

/* The interface called name in vnet, or NULL after ENXIO. */
struct inp_ifnet *find_if(struct interp *in, struct inp_vnet *vnet,
                          const char *name, struct outcome *o);

/*
 * A script address and port as a sockaddr.  An IPv6 zone is resolved in
 * vnet (may be NULL: then a zone name fails with ENOENT; ENXIO when there
 * is no such interface); a link-local address without zone
 * gets def_scope.  Returns the length, or 0 after failing o.
 */
socklen_t to_sockaddr(struct interp *in, struct inp_vnet *vnet,
                      const struct script_addr *a, uint16_t port,
                      uint32_t def_scope, struct sockaddr_storage *ss,
                      struct outcome *o);

/* Make room for n result names; false after ENOMEM. */
bool names_room(struct interp *in, size_t n, struct outcome *o);

#endif
