/*
 * interp_packet.c - running the demultiplexing statements (lookup,
 * deliver) and the counters (count, stat udp COUNTER) against the
 * current vnet.
 *
 * Packets are seen from the network: SRC is the sender (the PCB's foreign
 * side), DST the receiver (the PCB's local side).
 */
#include "interp_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* SRC and DST of a lookup or deliver statement as sockaddrs. */
static bool pkt_addrs(struct interp *in, struct inp_vnet *vnet,
                      const struct stmt *st, struct sockaddr_storage *src,
                      struct sockaddr_storage *dst, struct outcome *o)
{
	return to_sockaddr(in, vnet, &st->u.pkt.src.addr, st->u.pkt.src.port,
	                   0, src, o) &&
	       to_sockaddr(in, vnet, &st->u.pkt.dst.addr, st->u.pkt.dst.port,
	                   0, dst, o);
}

/*
 * The RSS hash type of a packet: TCP hashes the 4-tuple, UDP the
 * addresses only (lifecycle spec section 5.3).
 */
static enum inp_hashtype hash_type(enum inp_proto proto, int family)
{
	if (proto == INP_PROTO_TCP)
		return family == AF_INET ? INP_HASH_TCP_IPV4
		                         : INP_HASH_TCP_IPV6;
	return family == AF_INET ? INP_HASH_IPV4 : INP_HASH_IPV6;
}

void x_lookup(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	struct sockaddr_storage src, dst;
	struct inp_pkt_ctx pkt;
	struct inp_pcb *pcb;
	const char *label;
	bool tcp = st->u.pkt.proto == INP_PROTO_TCP;
	int rc;

	memset(&pkt, 0, sizeof(pkt));
	if (!vnet || !pkt_addrs(in, vnet, st, &src, &dst, o))
		return;
	if (st->name2[0] && !(pkt.rcvif = find_if(in, vnet, st->name2, o)))
		return;
	pkt.hashtype = hash_type(st->u.pkt.proto, src.ss_family);
	pkt.hash = st->u.pkt.has_hash
	           ? st->u.pkt.hash
	           : inp_rss_hash(inp_rss_default_key, (struct sockaddr *)&src,
	                          (struct sockaddr *)&dst, tcp);
	rc = inp_pcb_lookup(vnet, st->u.pkt.proto, (struct sockaddr *)&src,
	                    (struct sockaddr *)&dst,
	                    INP_LOOKUP_WILDCARD | INP_LOOKUP_RLOCKPCB, &pkt,
	                    &pcb, &in->why);
	if (rc == -ENOENT) {
		o->kind = OC_NONE;
		return;
	}
	set_rc(o, rc);
	if (rc < 0 || !names_room(in, 1, o)) {
		if (rc == 0)
			inp_pcb_runlock(pcb);
		return;
	}
	/* the label must be copied while the PCB is still locked */
	label = inp_pcb_label(pcb);
	snprintf(in->label, sizeof(in->label), "%s",
	         label && label[0] ? label : "(unlabelled)");
	inp_pcb_runlock(pcb);
	in->names[0] = in->label;
	o->kind = OC_NAMES;
	o->names = in->names;
	o->n_names = 1;
}

/*
 * The receiving interface: if=, else NULL, which lets the library pick the
 * interface owning DST, else the one whose broadcast address DST is (a
 * subnet broadcast arrives on its subnet's interface), else lo0.
 */
static bool deliver_rcvif(struct interp *in, struct inp_vnet *vnet,
                          const struct stmt *st, struct inp_udp_meta *meta,
                          struct outcome *o)
{
	meta->rcvif = NULL;
	if (st->name2[0]) {
		meta->rcvif = find_if(in, vnet, st->name2, o);
		return meta->rcvif != NULL;
	}
	return true;
}

/* Recipients in delivery order, by the names of their records. */
static void deliver_names(struct interp *in, const struct inp_udp_result *res,
                          struct outcome *o)
{
	unsigned i, n = res->n < res->max ? res->n : res->max;

	for (i = 0; i < n; i++) {
		const struct sock_rec *r = res->rcpt[i];

		in->names[i] = r ? r->name : "(unlabelled)";
	}
	if (res->n > n)
		add_note(in, "%u more recipients not listed", res->n - n);
	o->kind = OC_NAMES;
	o->names = in->names;
	o->n_names = n;
}

void x_deliver(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	struct sockaddr_storage src, dst;
	struct inp_udp_meta meta;
	struct inp_udp_result res;
	int rc;

	memset(&meta, 0, sizeof(meta));
	memset(&res, 0, sizeof(res));
	if (!vnet || !pkt_addrs(in, vnet, st, &src, &dst, o) ||
	    !deliver_rcvif(in, vnet, st, &meta, o) ||
	    !names_room(in, in->nsocks + 1, o))
		return;
	meta.tos = st->u.pkt.tos;
	meta.ttl = st->u.pkt.ttl;
	meta.len = st->u.pkt.len;
	meta.link_bcast = st->u.pkt.link_bcast;
	/* every recipient is a socket of the script: nsocks bound the list */
	res.max = (unsigned)(in->nsocks + 1);
	res.rcpt = calloc(res.max, sizeof(*res.rcpt));
	if (!res.rcpt) {
		fail_note(in, o, ENOMEM, "out of memory");
		return;
	}
	rc = inp_udp_deliver(vnet, (struct sockaddr *)&src,
	                     (struct sockaddr *)&dst, &meta, &res, &in->why);
	set_rc(o, rc);
	if (rc == 0 && res.outcome == INP_UDP_DELIVERED && res.n > 0)
		deliver_names(in, &res, o);
	else if (rc == 0)
		o->kind = res.outcome == INP_UDP_UNREACH ? OC_UNREACH : OC_NONE;
	free(res.rcpt);
}

void x_count(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	int p = st->u.count_proto;

	if (!vnet)
		return;
	o->kind = OC_INT;
	o->ival = 0;
	if (p < 0 || p == INP_PROTO_UDP)
		o->ival += inp_pcb_count(vnet, INP_PROTO_UDP);
	if (p < 0 || p == INP_PROTO_TCP)
		o->ival += inp_pcb_count(vnet, INP_PROTO_TCP);
}

void x_stat(struct interp *in, const struct stmt *st, struct outcome *o)
{
	struct inp_vnet *vnet = cur_vnet(in, o);
	struct inp_udpstat us;
	uint64_t v;
	int rc;

	if (!vnet)
		return;
	rc = inp_udp_stats(vnet, &us);
	set_rc(o, rc);
	if (rc < 0)
		return;
	memcpy(&v, (const char *)&us + st->u.stat->offset, sizeof(v));
	o->kind = OC_INT;
	o->ival = (int64_t)v;
}
