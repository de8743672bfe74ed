/*
 * pcb_list.c - PCBs as listings and explanations see them: counts, the
 * snapshot walk of the global list that listings, TIME_WAIT expiry and
 * UDP fan-out share, the generation-checked listing of LC-25, snapshots
 * (LC-26) and the one-line description used in every explanation.
 */
#include "pcb/pcb_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define INP_F_PUBLIC (INP_F_ANONPORT | INP_F_BINDANY | INP_F_INHASHLIST | \
                      INP_F_V6ONLY | INP_F_TIMEWAIT | INP_F_DROPPED |     \
                      INP_F_FREED)

static struct inp_pcbinfo *vnet_info(struct inp_vnet *vnet,
                                     enum inp_proto proto)
{
	if (vnet == NULL || (proto != INP_PROTO_UDP && proto != INP_PROTO_TCP))
		return NULL;
	return vnet->pcbinfo[proto];
}

/* LC-24 */
unsigned inp_pcb_count(struct inp_vnet *vnet, enum inp_proto proto)
{
	return pcbinfo_count(vnet_info(vnet, proto));
}

struct inp_pcb **pcb_list_snapshot(struct inp_pcbinfo *info, pcb_keep_fn keep,
                                   void *arg, struct inp_pcb **buf,
                                   unsigned nbuf, unsigned *np,
                                   uint64_t *gen0)
{
	struct inp_pcb **arr = buf, *p;
	unsigned size, n = 0;

	pthread_mutex_lock(&info->list_lock);
	size = info->count != 0 ? info->count : 1;
	if (size > nbuf) {
		arr = malloc(size * sizeof(*arr));
		if (arr == NULL) {
			pthread_mutex_unlock(&info->list_lock);
			return NULL;
		}
	}
	if (gen0 != NULL)
		*gen0 = info->gencnt;
	for (p = info->list; p != NULL && n < info->count; p = p->list_next) {
		if (keep != NULL && !keep(p, arg))
			continue;
		pcb_ref(p);
		arr[n++] = p;
	}
	pthread_mutex_unlock(&info->list_lock);
	*np = n;
	return arr;
}

/* A jailed viewer sees its jail's PCBs and those of its descendants. */
static bool jail_sees(const struct inp_cred *viewer, const struct inp_pcb *p)
{
	const struct inp_jail *j;

	if (viewer->jail == NULL)
		return true;
	for (j = p->cred->jail; j != NULL; j = j->parent)
		if (j == viewer->jail)
			return true;
	return false;
}

/* LC-25 step 3 visibility; the list lock keeps the label alive. */
static bool pcb_visible(struct inp_pcb *p, void *viewer)
{
	if (viewer == NULL)
		return true;
	return jail_sees(viewer, p) &&
	       mac_pcb_check_visible(pcb_vnet(p)->host, viewer, p) == 0;
}

/*
 * LC-25.  Steps 1 and 3: gen0, and a reference on every visible PCB (all
 * of them existed at gen0: both are read under one list lock).  Steps 4
 * and 5: a PCB freed meanwhile (INP_FREED, a newer generation) is "gone"
 * at the release and skipped.  Step 6: the trailer.
 */
int inp_pcb_list(struct inp_vnet *vnet, enum inp_proto proto,
                 struct inp_cred *viewer,
                 inp_pcb_list_fn fn, void *arg, bool *changed)
{
	struct inp_pcbinfo *info = vnet_info(vnet, proto);
	struct inp_pcb_info snap;
	struct inp_pcb **arr;
	uint64_t gen0;
	unsigned n, i;
	int listed = 0, stop = 0;

	if (info == NULL || fn == NULL)
		return -EINVAL;
	arr = pcb_list_snapshot(info, pcb_visible, viewer, NULL, 0, &n, &gen0);
	if (arr == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		struct inp_pcb *p = arr[i];

		if (!pcb_lock_and_rele(p, false))
			continue;
		if (stop == 0) {
			inp_pcb_get_info(p, &snap);
			stop = fn(&snap, arg);
			if (stop == 0)
				listed++;
		}
		pcb_unlock(p);
	}
	free(arr);
	if (changed != NULL) {
		pthread_mutex_lock(&info->list_lock);
		*changed = info->gencnt != gen0;
		pthread_mutex_unlock(&info->list_lock);
	}
	return stop != 0 ? stop : listed;
}

/* An endpoint in the socket's family (v4-mapped for an AF_INET6 socket's
 * IPv4 PCB), as getsockname would show it: a scoped address leaves with
 * its zone in sin6_scope_id. */
static void pcb_endpoint(const struct inp_pcb *p, const union inp_addr *a,
                         uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (p->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_addr = IA4(*a);
		sin->sin_port = port;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		if (pcb_is_v4(p)) {
			in6_make_v4mapped(&sin6->sin6_addr, IA4(*a));
		} else {
			sin6->sin6_addr = a->a6;
			sin6->sin6_scope_id = in6_clear_zone(&sin6->sin6_addr);
		}
		sin6->sin6_port = port;
	}
}

static enum inp_pcb_state pcb_state(const struct inp_pcb *p)
{
	if (p->flags & INP_F_TIMEWAIT)
		return INP_ST_TIMEWAIT;
	if (p->flags & INP_F_DROPPED)
		return INP_ST_DROPPED;
	if (p->flags & INP_LISTEN)
		return INP_ST_LISTEN;
	if (pcb_has_faddr(p))
		return INP_ST_CONNECTED;
	if (p->lport != 0 || !inp_addr_is_any(&p->laddr))
		return INP_ST_BOUND;
	return INP_ST_UNBOUND;
}

void inp_pcb_get_info(const struct inp_pcb *pcb, struct inp_pcb_info *info)
{
	if (pcb == NULL || info == NULL)
		return;
	memset(info, 0, sizeof(*info));
	info->proto = pcb->proto;
	info->family = pcb->family;
	pcb_endpoint(pcb, &pcb->laddr, pcb->lport, &info->local);
	pcb_endpoint(pcb, &pcb->faddr, pcb->fport, &info->foreign);
	info->state = pcb_state(pcb);
	info->flags = pcb->flags & INP_F_PUBLIC;
	info->vflag = pcb->vflag;
	info->uid = pcb->cred->uid;
	if (pcb->cred->jail != NULL)
		snprintf(info->jail, sizeof(info->jail), "%s",
		         pcb->cred->jail->name);
	snprintf(info->label, sizeof(info->label), "%s",
	         pcb->label != NULL ? pcb->label : "");
	info->udata = pcb->udata;
	info->gencnt = pcb->gencnt;
}

const char *pcb_fmt_addr(struct inp_vnet *vnet, int af,
                         const union inp_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	struct in6_addr bare;
	struct inp_ifnet *ifp;
	unsigned zone;

	if (buf == NULL || len == 0)
		return "";
	if (af == AF_INET) {
		fmt_in4(IA4(*a), buf, len);
		return buf;
	}
	bare = a->a6;
	zone = in6_clear_zone(&bare);                       /* exit */
	fmt_in6(&bare, host, sizeof(host));
	ifp = zone != 0 ? inp_if_byindex(vnet, zone) : NULL;
	if (ifp != NULL)
		snprintf(buf, len, "%s%%%s", host, inp_if_name(ifp));
	else if (zone != 0)
		snprintf(buf, len, "%s%%%u", host, zone);
	else
		snprintf(buf, len, "%s", host);
	return buf;
}

/* "192.0.2.10:5000", "[::]:8400", "[::ffff:192.0.2.10]:8600",
 * "[fe80::1%em1]:5000". */
static void fmt_endpoint(const struct inp_pcb *p, const union inp_addr *a,
                         uint16_t port, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN + INP_NAME_MAX + 1];
	struct in6_addr mapped;

	if (p->family == AF_INET) {
		pcb_fmt_addr(pcb_vnet(p), AF_INET, a, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(port));
		return;
	}
	if (pcb_is_v4(p)) {
		in6_make_v4mapped(&mapped, IA4(*a));
		fmt_in6(&mapped, host, sizeof(host));
	} else {
		pcb_fmt_addr(pcb_vnet(p), AF_INET6, a, host, sizeof(host));
	}
	snprintf(buf, len, "[%s]:%u", host, ntohs(port));
}

const char *pcb_describe(const struct inp_pcb *p, char *buf, size_t len)
{
	/* "[" address "%" interface "]:" port, and " -> " before the peer */
	char local[INET6_ADDRSTRLEN + INP_NAME_MAX + 10];
	char foreign[sizeof(local) + 4] = "", label[INP_LABEL_MAX + 4] = "";
	char who[96] = "";
	size_t used;

	if (buf == NULL || len == 0)
		return "";
	if (p == NULL) {
		snprintf(buf, len, "(no PCB)");
		return buf;
	}
	fmt_endpoint(p, &p->laddr, p->lport, local, sizeof(local));
	if (pcb_has_faddr(p) || p->fport != 0) {
		memcpy(foreign, " -> ", 5);
		fmt_endpoint(p, &p->faddr, p->fport, foreign + 4,
		             sizeof(foreign) - 4);
	}
	if (p->label != NULL)
		snprintf(label, sizeof(label), " '%s'", p->label);
	if (p->cred->uid != 0)
		snprintf(who, sizeof(who), " uid %u", (unsigned)p->cred->uid);
	if (p->cred->jail != NULL) {
		used = strlen(who);
		snprintf(who + used, sizeof(who) - used, " jail %s",
		         p->cred->jail->name);
	}
	snprintf(buf, len, "%s%c%s %s%s%s",
	         p->proto == INP_PROTO_TCP ? "tcp" : "udp",
	         p->family == AF_INET ? '4' : '6', label, local, foreign, who);
	return buf;
}
