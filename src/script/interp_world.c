/*
 * interp_world.c - running the statements that shape the world: vnets,
 * interfaces and addresses, routes, sysctls, the clock and the random
 * seed, jails and credentials.  All of them act on the current vnet.
 */
#include "interp_internal.h"

#include <errno.h>
#include <string.h>

/* ---- vnet --------------------------------------------------------------- */

void x_vnet_create(struct interp *in, const struct stmt *st,
                   struct outcome *o)
{
	struct inp_vnet *v;
	int rc = inp_vnet_create(in->host, st->name, &v);

	if (rc == 0)
		rc = add_vnet_name(in, st->name);
	set_rc(o, rc);
}

void x_vnet_use(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_vnet *v = inp_vnet_find(in->host, st->name);

	set_rc(o, 0);
	if (!v) {
		fail_note(in, o, ENOENT, "no vnet '%s'", st->name);
		return;
	}
	in->vnet = v;
}

void x_vnet_destroy(struct interp *in, const struct stmt *st,
                    struct outcome *o)
{
	struct inp_vnet *v = inp_vnet_find(in->host, st->name);
	int rc;

	set_rc(o, 0);
	if (!v) {
		fail_note(in, o, ENOENT, "no vnet '%s'", st->name);
		return;
	}
	rc = inp_vnet_destroy(v);
	set_rc(o, rc);
	if (rc == 0 && v == in->vnet) {
		in->vnet = inp_vnet_find(in->host, "default");
		add_note(in, in->vnet ? "the current vnet is 'default' again"
		                      : "no vnet is current any more");
	}
}

/* ---- interfaces --------------------------------------------------------- */

/* The interface called name, created on first use (new ones are up). */
static struct inp_ifnet *if_get(struct interp *in, struct inp_vnet *vnet,
                                const char *name, struct outcome *o)
{
	struct inp_ifnet *ifp = inp_if_find(vnet, name);
	int rc;

	if (ifp)
		return ifp;
	rc = inp_if_create(vnet, name, &ifp);
	if (rc < 0) {
		set_rc(o, rc);
		return NULL;
	}
	if (!ifp)
		ifp = inp_if_find(vnet, name);
	if (!ifp)
		fail_note(in, o, ENXIO, "interface '%s' vanished", name);
	return ifp;
}

void x_if_addr(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	struct sockaddr_storage addr, peer;
	struct inp_ifnet *ifp;
	int rc;

	if (!vnet || !(ifp = if_get(in, vnet, st->name, o)))
		return;
	/* like ifconfig(8), a link-local address belongs to its interface */
	if (!to_sockaddr(in, vnet, &st->u.ifaddr.addr, 0, inp_if_index(ifp),
	                 &addr, o))
		return;
	if (st->u.ifaddr.has_peer &&
	    !to_sockaddr(in, vnet, &st->u.ifaddr.peer, 0, 0, &peer, o))
		return;
	rc = inp_if_addr_add(ifp, (struct sockaddr *)&addr, st->u.ifaddr.plen,
	                     st->u.ifaddr.has_peer ? (struct sockaddr *)&peer
	                                           : NULL);
	set_rc(o, rc);
}

void x_if_delete(struct interp *in, const struct stmt *st,
                 struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	struct sockaddr_storage addr;
	struct inp_ifnet *ifp;

	if (!vnet || !(ifp = find_if(in, vnet, st->name, o)))
		return;
	if (!to_sockaddr(in, vnet, &st->u.ifaddr.addr, 0, inp_if_index(ifp),
	                 &addr, o))
		return;
	set_rc(o, inp_if_addr_delete(ifp, (struct sockaddr *)&addr));
}

void x_if_flags(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	struct inp_ifnet *ifp;

	if (!vnet || !(ifp = if_get(in, vnet, st->name, o)))
		return;
	if (st->kind == ST_IF_LOOPBACK)
		set_rc(o, inp_if_set_loopback(ifp));
	else
		set_rc(o, inp_if_set_up(ifp, st->kind == ST_IF_UP));
}

/* ---- routes ------------------------------------------------------------- */

void x_route_add(struct interp *in, const struct stmt *st,
                 struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	struct sockaddr_storage dst, gw;
	struct inp_ifnet *ifp = NULL;

	if (!vnet || !to_sockaddr(in, vnet, &st->u.route.dst, 0, 0, &dst, o))
		return;
	if (st->u.route.has_gw &&
	    !to_sockaddr(in, vnet, &st->u.route.gw, 0, 0, &gw, o))
		return;
	if (!st->u.route.has_gw && !(ifp = find_if(in, vnet, st->name2, o)))
		return;
	set_rc(o, inp_route_add(vnet, (struct sockaddr *)&dst,
	                        st->u.route.plen,
	                        st->u.route.has_gw ? (struct sockaddr *)&gw
	                                           : NULL, ifp));
}

void x_route_delete(struct interp *in, const struct stmt *st,
                    struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	struct sockaddr_storage dst;

	if (!vnet || !to_sockaddr(in, vnet, &st->u.route.dst, 0, 0, &dst, o))
		return;
	set_rc(o, inp_route_delete(vnet, (struct sockaddr *)&dst,
	                           st->u.route.plen));
}

/* ---- sysctl, clock, seed ------------------------------------------------ */

void x_sysctl_set(struct interp *in, const struct stmt *st,
                  struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	long v;
	int rc;

	if (!vnet)
		return;
	rc = inp_sysctl_set(vnet, st->u.sysctl.name, (long)st->u.sysctl.value);
	set_rc(o, rc);
	/* teardown waits out the longest TIME_WAIT any PCB may have got */
	if (rc == 0 && strcmp(st->u.sysctl.name, "net.inet.tcp.msl") == 0 &&
	    inp_sysctl_get(vnet, st->u.sysctl.name, &v) == 0 &&
	    v > in->max_msl_ms)
		in->max_msl_ms = v;
}

void x_sysctl_get(struct interp *in, const struct stmt *st,
                  struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	long v = 0;
	int rc;

	if (!vnet)
		return;
	rc = inp_sysctl_get(vnet, st->u.sysctl.name, &v);
	set_rc(o, rc);
	if (rc == 0) {
		o->kind = OC_INT;
		o->ival = v;
	}
}

/* A session's host runs on its owner's clock and random source. */
static bool sim_clock(struct interp *in, struct outcome *o)
{
	if (!in->live)
		return true;
	set_rc(o, 0);
	fail_note(in, o, ENOTSUP, "this host runs on real time and its own "
	          "random source; advance and seed need `inpcb run`");
	return false;
}

void x_advance(struct interp *in, const struct stmt *st, struct outcome *o)
{
	if (!sim_clock(in, o))
		return;
	simhost_advance(&in->sim, st->u.advance_ns);
	set_rc(o, inp_host_run_timers(in->host));
}

void x_seed(struct interp *in, const struct stmt *st, struct outcome *o)
{
	if (!sim_clock(in, o))
		return;
	simhost_seed(&in->sim, st->u.seed);
	set_rc(o, 0);
}

/* ---- jails and credentials ---------------------------------------------- */

void x_jail_create(struct interp *in, const struct stmt *st,
                   struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	struct inp_jail *jail;

	if (!vnet)
		return;
	set_rc(o, inp_jail_create(in->host, vnet, st->name, st->u.jail,
	                          &jail));
}

void x_jail_remove(struct interp *in, const struct stmt *st,
                   struct outcome *o)
{
	struct inp_jail *jail = inp_jail_find(in->host, st->name);

	set_rc(o, 0);
	if (!jail) {
		fail_note(in, o, ENOENT, "no jail '%s'", st->name);
		return;
	}
	set_rc(o, inp_jail_remove(jail));
}

void x_cred(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_jail *jail = NULL;
	struct inp_cred *cred;
	int rc;

	set_rc(o, 0);
	if (st->name2[0] && !(jail = inp_jail_find(in->host, st->name2))) {
		fail_note(in, o, ENOENT, "no jail '%s'", st->name2);
		return;
	}
	rc = inp_cred_create(in->host, st->u.cred.uid, jail, st->u.cred.privs,
	                     &cred);
	if (rc == 0) {
		rc = set_cred(in, st->name, cred);
		if (rc < 0)
			inp_cred_rele(cred);
	}
	set_rc(o, rc);
}
