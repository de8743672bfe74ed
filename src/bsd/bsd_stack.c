/*
 * bsd_stack.c - the stack object (stack.h): a vnet (an own host's or the
 * caller's), the world a script sets up on it, an optional TUN device
 * polled by the I/O thread, and the descriptor table.
 */
#include "bsd_internal.h"

#include "interp.h"
#include "parser.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* The own host's clock: monotonic, plus the skew destroy adds (stack.h). */
static uint64_t stack_now_ns(void *ctx)
{
	struct inp_stack *st = ctx;

	return wait_now_ns() + atomic_load(&st->clock_skew_ns);
}

static int make_own_host(struct inp_stack *st)
{
	struct inp_host_ops ops = { stack_now_ns, NULL, st };
	int rc = inp_host_create(&ops, NULL, &st->host);

	if (rc < 0)
		return rc;
	st->own_host = true;
	rc = inp_vnet_create(st->host, "default", &st->vnet);
	if (rc < 0) {
		inp_host_destroy(st->host);
		st->host = NULL;
	}
	return rc;
}

/* Run the script on the vnet "default"; failures are printed on stderr. */
static int run_script(struct inp_stack *st, const char *path)
{
	struct interp_opts opts = { INTERP_DEFAULT_SEED, true, false, false,
	                            stderr };
	struct run_totals tot = { 0, 0 };
	struct parse_diags diags;
	struct script *s;
	int rc;

	rc = script_load(path, &s, &diags);
	if (rc < 0) {
		if (rc != -ENOMEM)
			parse_diags_print(stderr, &diags);
		return rc == -ENOMEM ? rc : -ENOENT;
	}
	rc = interp_session_open(st->host, &opts, &st->session);
	if (rc == 0) {
		interp_session_run(st->session, s, &tot);
		if (tot.failed != 0 || interp_session_vnet(st->session) == NULL)
			rc = -EINVAL;
		else
			st->vnet = interp_session_vnet(st->session);
	}
	script_free(s);
	if (rc == -EINVAL)
		fprintf(stderr, "%s: %lu statement(s) failed\n", path,
		        tot.failed);
	return rc;
}

/* The TUN device on the vnet's interface of the same name. */
static int attach_tun(struct inp_stack *st, const char *name)
{
	const struct inp_driver_ops *ops;
	struct inp_ifnet *ifp = inp_if_find(st->vnet, name);
	void *ctx;
	int rc = 0;

	if (ifp == NULL)
		rc = inp_if_create(st->vnet, name, &ifp);
	if (rc == 0)
		rc = inp_tun_open(name, &ops, &ctx);
	if (rc < 0)
		return rc;
	rc = inp_if_attach_driver(ifp, ops, ctx);
	if (rc < 0) {
		ops->close(ctx);
		return rc;
	}
	st->ifp = ifp;
	st->dev_fd = ops->poll_fd != NULL ? ops->poll_fd(ctx) : -1;
	return 0;
}

/* Every descriptor closed; their sockets go once no call uses them. */
static void close_all(struct inp_stack *st)
{
	struct bsd_file *f;

	while ((f = fdt_remove_any(&st->fdt)) != NULL) {
		atomic_store(&f->closed, true);
		file_rele(f);
	}
}

/* Own host: move its clock past 2*MSL so TIME_WAIT PCBs expire. */
static void expire_timewait(struct inp_stack *st)
{
	const uint64_t day_ns = 86400ull * 1000000000u;

	atomic_fetch_add(&st->clock_skew_ns, day_ns);
	inp_host_run_timers(st->host);
}

/*
 * Everything but forgetting the default: inp_stack_create() fails through
 * here while bsd_current() may hold the default's lock.
 */
static int stack_teardown(struct inp_stack *st)
{
	int rc = 0;

	close_all(st);
	io_stop(st);
	if (st->ifp != NULL)
		inp_if_detach_driver(st->ifp);
	if (st->session != NULL)
		interp_session_close(st->session);
	if (st->own_host && st->host != NULL) {
		expire_timewait(st);
		rc = inp_host_destroy(st->host);
	}
	wait_fini(st);
	fdt_fini(&st->fdt);
	pthread_mutex_destroy(&st->listen_lock);
	free(st);
	return rc;
}

static int stack_setup(struct inp_stack *st, const struct inp_stack_config *c)
{
	int rc;

	if (c->vnet != NULL) {
		st->vnet = c->vnet;
		st->host = inp_vnet_host(c->vnet);
		/* scripts run in the host's vnet "default" (interp.h) */
		if (c->script != NULL &&
		    inp_vnet_find(st->host, "default") != c->vnet)
			return -EINVAL;
	} else if ((rc = make_own_host(st)) < 0) {
		return rc;
	}
	if (c->script != NULL && (rc = run_script(st, c->script)) < 0)
		return rc;
	if (c->tun != NULL && (rc = attach_tun(st, c->tun)) < 0)
		return rc;
	/* timers need a thread of ours only when the host or device is */
	if (st->own_host || st->ifp != NULL)
		return io_start(st);
	return 0;
}

int inp_stack_create(const struct inp_stack_config *cfg,
                     struct inp_stack **out)
{
	static const struct inp_stack_config none;
	struct inp_stack *st;
	int rc;

	if (out == NULL)
		return -EINVAL;
	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return -ENOMEM;
	st->dev_fd = -1;
	st->stop_fd = -1;
	atomic_init(&st->clock_skew_ns, 0);
	if (pthread_mutex_init(&st->listen_lock, NULL) != 0) {
		free(st);
		return -ENOMEM;
	}
	rc = fdt_init(&st->fdt, INP_FD_MAX);
	if (rc == 0 && (rc = wait_init(st)) < 0)
		fdt_fini(&st->fdt);
	if (rc < 0) {
		pthread_mutex_destroy(&st->listen_lock);
		free(st);
		return rc;
	}
	rc = stack_setup(st, cfg != NULL ? cfg : &none);
	if (rc < 0) {
		stack_teardown(st);
		return rc;
	}
	*out = st;
	return 0;
}

int inp_stack_from_env(struct inp_stack **out)
{
	struct inp_stack_config c = { NULL, NULL, NULL };

	c.script = getenv("INPCB_SCRIPT");
	c.tun = getenv("INPCB_TUN");
	if (c.script != NULL && *c.script == '\0')
		c.script = NULL;
	if (c.tun != NULL && *c.tun == '\0')
		c.tun = NULL;
	return inp_stack_create(&c, out);
}

int inp_stack_destroy(struct inp_stack *st)
{
	if (st == NULL)
		return -EINVAL;
	bsd_default_forget(st);
	return stack_teardown(st);
}

struct inp_vnet *inp_stack_vnet(struct inp_stack *st)
{
	return st != NULL ? st->vnet : NULL;
}

struct inp_host *inp_stack_host(struct inp_stack *st)
{
	return st != NULL ? st->host : NULL;
}
