/*
 * netstat.c - the `netstat` statement: the PCB table of the current vnet
 * in the manner of `netstat -an` and sockstat(1), TCP first, through the
 * listing API (inp_pcb_list, spec LC-25).  Columns: protocol (tcp4, tcp6,
 * tcp46 for a dual-stack socket, udp...), local and foreign endpoint as
 * the language writes them ("*:*" for an unbound or unconnected side),
 * state, owner uid, jail ("-" for the host) and label (the socket name).
 */
#include "interp_internal.h"

#include <string.h>

struct listing {
	struct interp *in;
	unsigned rows;
};

static const char *state_name(enum inp_pcb_state st)
{
	switch (st) {
	case INP_ST_UNBOUND:   return "UNBOUND";
	case INP_ST_BOUND:     return "BOUND";
	case INP_ST_LISTEN:    return "LISTEN";
	case INP_ST_CONNECTED: return "CONNECTED";
	case INP_ST_TIMEWAIT:  return "TIME_WAIT";
	case INP_ST_DROPPED:   return "DROPPED";
	}
	return "?";
}

/* tcp4, tcp6, or tcp46 for a dual-stack AF_INET6 PCB (like netstat). */
static void proto_name(const struct inp_pcb_info *i, char *buf, size_t len)
{
	const char *fam;

	if ((i->vflag & INP_V_IPV4) && (i->vflag & INP_V_IPV6))
		fam = "46";
	else if (i->vflag & INP_V_IPV4)
		fam = "4";
	else if (i->vflag & INP_V_IPV6)
		fam = "6";
	else
		fam = i->family == AF_INET ? "4" : "6";
	snprintf(buf, len, "%s%s", i->proto == INP_PROTO_TCP ? "tcp" : "udp",
	         fam);
}

/* Wildcard address and port zero: nothing there. */
static bool is_unset(const struct sockaddr_storage *ss)
{
	static const struct in6_addr any6;
	const struct sockaddr_in *sin = (const void *)ss;
	const struct sockaddr_in6 *sin6 = (const void *)ss;

	if (ss->ss_family == AF_INET)
		return sin->sin_addr.s_addr == 0 && sin->sin_port == 0;
	if (ss->ss_family == AF_INET6)
		return memcmp(&sin6->sin6_addr, &any6, sizeof(any6)) == 0 &&
		       sin6->sin6_port == 0;
	return true;
}

static void endpoint_col(const struct sockaddr_storage *ss,
                         struct inp_vnet *vnet, char *buf, size_t len)
{
	struct strbuf sb = STRBUF_INIT;

	if (is_unset(ss))
		sb_puts(&sb, "*:*");
	else
		format_endpoint((const struct sockaddr *)ss, vnet, &sb);
	snprintf(buf, len, "%s", sb_str(&sb));
	sb_free(&sb);
}

static int netstat_row(const struct inp_pcb_info *i, void *arg)
{
	struct listing *l = arg;
	char proto[8], local[64], foreign[64];

	proto_name(i, proto, sizeof(proto));
	endpoint_col(&i->local, l->in->vnet, local, sizeof(local));
	endpoint_col(&i->foreign, l->in->vnet, foreign, sizeof(foreign));
	sb_printf(&l->in->table, "%-6s %-28s %-28s %-10s %5u  %-10s %s\n",
	          proto, local, foreign, state_name(i->state), (unsigned)i->uid,
	          i->jail[0] ? i->jail : "-", i->label[0] ? i->label : "-");
	l->rows++;
	return 0;
}

void x_netstat(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	struct listing l = { in, 0 };
	int rc;

	(void)st;
	if (!vnet)
		return;
	sb_printf(&in->table, "%-6s %-28s %-28s %-10s %5s  %-10s %s\n",
	          "Proto", "Local Address", "Foreign Address", "State", "UID",
	          "Jail", "Label");
	rc = inp_pcb_list(vnet, INP_PROTO_TCP, NULL, netstat_row, &l, NULL);
	if (rc >= 0)
		rc = inp_pcb_list(vnet, INP_PROTO_UDP, NULL, netstat_row, &l,
		                  NULL);
	set_rc(o, rc < 0 ? rc : 0);
	if (rc >= 0) {
		o->kind = OC_TABLE;
		o->ival = l.rows;
	}
}
