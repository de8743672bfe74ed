/*
 * pcb_connect.c - the PCB side of connect (spec 4.2, C5-C9; IPv6 4.4),
 * UDP disconnect (C11) and TCP listen with its implicit bind (2.7).
 *
 * connect decides everything first -- destination rewrite (C6), local
 * address (C7, S rules), local port (C8) -- and writes the PCB only in
 * the commit step C9, so a failure leaves the PCB exactly as it was.  The
 * port test and the commit share one hash write lock section, so two
 * racing connects cannot take the same 4-tuple (invariant 15).
 *
 * Callers hold the PCB write lock (the socket layer did C1-C4).
 */
#include "pcb/pcb_internal.h"
#include "sock/sock_internal.h"

/* What C6-C8 decided, written by C9. */
struct conn_plan {
	int af;
	union inp_addr laddr, faddr;
	uint16_t lport, fport;      /* network order */
	bool anon;                  /* the port came from section 3 */
};

static int conn_check_pcb(const struct inp_pcb *p, uint16_t fport,
                          struct inp_cred *cred, struct inp_explain *why)
{
	if (p == NULL || p->info == NULL || cred == NULL)
		return -EINVAL;
	if (fport == 0) {
		explain(why, "C5", "the destination port is 0");
		return -EADDRNOTAVAIL;
	}
	if (pcb_has_faddr(p)) {
		explain(why, "C3", "the PCB is already connected");
		return -EISCONN;
	}
	return 0;
}

/*
 * C6 (V10): 0.0.0.0 and 255.255.255.255 are destinations only with
 * net.inet.ip.connect_inaddr_wild; 0.0.0.0 then means the primary address
 * (a jailed caller's own primary, J7) and 255.255.255.255 the primary
 * interface's broadcast address when it has one.
 */
static int conn_special4(struct inp_pcb *p, struct in_addr *faddr,
                         struct inp_cred *cred, struct inp_explain *why)
{
	struct vnet_sysctls sc;
	struct in_addr prim, bcast;
	int rc;

	if (!in4_is_any(*faddr) && !in4_is_bcast_all(*faddr))
		return 0;
	pcb_sysctls(pcb_vnet(p), &sc);
	if (!sc.connect_inaddr_wild ||
	    !vnet_primary_bcast_in4(pcb_vnet(p), &prim, &bcast)) {
		explain(why, "C6", "%s is not a destination "
		        "(net.inet.ip.connect_inaddr_wild=%ld)",
		        in4_is_any(*faddr) ? "0.0.0.0" : "255.255.255.255",
		        sc.connect_inaddr_wild);
		return -ENETUNREACH;
	}
	if (in4_is_bcast_all(*faddr)) {
		*faddr = bcast;
		return 0;
	}
	*faddr = prim;
	rc = prison_get_ip4(cred, faddr);                  /* J7 */
	if (rc != 0)
		explain(why, "J7", "0.0.0.0: the jail has no IPv4 address");
	return rc;
}

/*
 * C8 for a PCB with a port: the exact 4-tuple must be free (no wildcard
 * matching, no jail filter, TIME_WAIT counts).  Without a port: P7.
 * Hash write lock held.
 */
static int conn_port(struct inp_pcb *p, struct conn_plan *c,
                     struct inp_cred *cred, struct inp_explain *why)
{
	struct inp_pcb *t;
	char desc[128];

	if (p->lport == 0) {
		c->anon = true;
		return pcb_lport(p, c->af, &c->laddr, &c->faddr, c->fport,
		                 &c->lport, cred, true, why);
	}
	c->lport = p->lport;
	t = pcb_lookup_hash(p->info, c->af, &c->faddr, c->fport, &c->laddr,
	                    c->lport, false, NULL);
	if (t == NULL)
		return 0;
	explain(why, "C8", "the 4-tuple is taken by %s",
	        pcb_describe(t, desc, sizeof(desc)));
	return -EADDRINUSE;
}

/*
 * C9: write the 4-tuple and move the PCB into the exact table (or insert
 * it); a connected PCB is never an LB group member (G1).  The group is
 * left before the tuple changes because the group is keyed by it.
 */
static int conn_commit(struct inp_pcb *p, const struct conn_plan *c)
{
	bool hashed = (p->flags & INP_F_INHASHLIST) != 0;
	int rc;

	static const union inp_addr any;

	if (hashed)
		pcb_move_begin(p->info);       /* lockless readers: a move */
	if (hashed && (p->flags2 & INP_INLBGROUP))
		lbgroup_leave(p);
	/* Lockless readers may be looking at p in its wild chain. */
	pcb_addr_store(&p->laddr, &c->laddr);
	pcb_addr_store(&p->faddr, &c->faddr);
	PCB_STORE(p->lport, c->lport);
	PCB_STORE(p->fport, c->fport);
	if (hashed) {
		pcb_rehash(p);
		pcb_move_end(p->info);
	} else {
		rc = pcb_insert(p);
		if (rc != 0) {
			pcb_addr_store(&p->laddr, &any);
			pcb_addr_store(&p->faddr, &any);
			PCB_STORE(p->lport, 0);
			PCB_STORE(p->fport, 0);
			return rc;
		}
		if (p->flags2 & INP_INLBGROUP)
			lbgroup_leave(p);
	}
	p->flags |= INP_CONNECTED;     /* INP_F_INHASHLIST: pcb_insert/rehash */
	if (c->anon)
		p->flags |= INP_F_ANONPORT;                  /* P11 */
	return 0;
}

/* C8 + C9 atomically under the hash write lock. */
static int conn_finish(struct inp_pcb *p, struct conn_plan *c,
                       struct inp_cred *cred, struct inp_explain *why)
{
	char desc[128];
	int rc;

	hash_wlock(p->info);
	rc = conn_port(p, c, cred, why);
	if (rc == 0) {
		rc = conn_commit(p, c);
		if (rc != 0)
			explain(why, "C9", "the tables refused the PCB (%d)",
			        rc);
	}
	hash_unlock(p->info);
	if (rc == 0)
		explain(why, "C9", "connected %s%s",
		        pcb_describe(p, desc, sizeof(desc)),
		        c->anon ? " (ephemeral port)" : "");
	return rc;
}

int pcb_connect4(struct inp_pcb *p, struct in_addr faddr, uint16_t fport,
                 struct inp_cred *cred, struct inp_explain *why)
{
	struct conn_plan c = { .af = AF_INET, .fport = fport };
	struct in_addr laddr;
	char ab[INET_ADDRSTRLEN];
	int rc;

	if (p == NULL || cred == NULL)
		return -EINVAL;
	/* C4/J5 is the protocol entry's; repeating it is harmless. */
	rc = prison_remote_ip4(cred, &faddr);
	if (rc != 0) {
		explain(why, "J5", "the jail has no IPv4 (destination %s)",
		        fmt_in4(faddr, ab, sizeof(ab)));
		return rc;
	}
	rc = conn_check_pcb(p, fport, cred, why);
	if (rc == 0)
		rc = conn_special4(p, &faddr, cred, why);
	if (rc != 0)
		return rc;
	laddr = IA4(p->laddr);
	if (in4_is_any(laddr)) {                            /* C7 */
		rc = pcb_srcsel4(p, faddr, cred, &laddr, why);
		if (rc != 0)
			return rc;
	}
	IA4(c.laddr) = laddr;
	IA4(c.faddr) = faddr;
	return conn_finish(p, &c, cred, why);
}

/*
 * 4.4: '::' means '::1' when net.inet6.ip6.connect_in6addr_wild is on,
 * else the destination is unreachable; the zone of a scoped destination
 * (zone embedding as in 2.6, pcb_dst_zone6); then J5.
 */
static int conn_dest6(struct inp_pcb *p, struct in6_addr *faddr,
                      unsigned scope_id, unsigned *zonep,
                      struct inp_cred *cred, struct inp_explain *why)
{
	static const struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT;
	struct vnet_sysctls sc;
	char ab[INET6_ADDRSTRLEN];
	int rc;

	if (in6_is_any(faddr)) {
		pcb_sysctls(pcb_vnet(p), &sc);
		if (!sc.connect_in6addr_wild) {
			explain(why, "4.4", ":: is not a destination "
			        "(net.inet6.ip6.connect_in6addr_wild=0)");
			return -ENETUNREACH;
		}
		*faddr = lo6;
	}
	rc = pcb_dst_zone6(p, faddr, scope_id, zonep, why);
	if (rc != 0)
		return rc;
	rc = prison_remote_ip6(cred, faddr);
	if (rc != 0)
		explain(why, "J5", "the jail has no IPv6 (destination %s)",
		        fmt_in6(faddr, ab, sizeof(ab)));
	return rc;
}

int pcb_connect6(struct inp_pcb *p, const struct in6_addr *faddr,
                 unsigned scope_id, uint16_t fport, struct inp_cred *cred,
                 struct inp_explain *why)
{
	struct conn_plan c = { .af = AF_INET6, .fport = fport };
	struct in6_addr dst;
	unsigned zone = 0;
	int rc;

	if (p == NULL || faddr == NULL || cred == NULL)
		return -EINVAL;
	dst = *faddr;
	rc = conn_check_pcb(p, fport, cred, why);
	if (rc == 0)
		rc = conn_dest6(p, &dst, scope_id, &zone, cred, why);
	if (rc != 0)
		return rc;
	c.laddr = p->laddr;                 /* C7: a bound address, zone and all */
	if (inp_addr_is_any(&c.laddr)) {
		/* A scoped source comes with the outgoing interface's zone. */
		rc = pcb_srcsel6_laddr(p, &dst, zone, cred, &c.laddr, why);
		if (rc != 0)
			return rc;
	}
	/* The zone goes in now: C8 and the tables compare 16 bytes. */
	c.faddr.a6 = dst;
	in6_embed_zone(&c.faddr.a6, zone);
	return conn_finish(p, &c, cred, why);
}

/*
 * C11 (V13, the 10-13 behaviour): forget the peer, reset the local
 * address to the wildcard even if it was bound explicitly, keep the port
 * reserved and go back to the wild table.  pcb_rehash() also puts a
 * PCB with SO_REUSEPORT_LB back into its group (G1, table 1.5).
 */
int pcb_disconnect(struct inp_pcb *p, struct inp_explain *why)
{
	static const union inp_addr any;
	char desc[128];

	if (p == NULL || p->info == NULL)
		return -EINVAL;
	if (!pcb_has_faddr(p)) {
		explain(why, "C11", "the socket is not connected");
		return -ENOTCONN;
	}
	hash_wlock(p->info);
	/* Lockless readers may be looking at p in its exact chain. */
	pcb_move_begin(p->info);
	pcb_addr_store(&p->faddr, &any);
	pcb_addr_store(&p->laddr, &any);
	PCB_STORE(p->fport, 0);
	p->flags &= ~INP_CONNECTED;
	if (p->flags & INP_F_INHASHLIST)
		pcb_rehash(p);
	pcb_move_end(p->info);
	hash_unlock(p->info);
	explain(why, "C11", "disconnected; %s keeps its port",
	        pcb_describe(p, desc, sizeof(desc)));
	return 0;
}

/*
 * 2.7: listen on an unbound TCP socket binds the wildcard (the jail may
 * narrow it, J4) with an ephemeral port chosen bind-style (P6).  An IPv6
 * socket without V6ONLY becomes dual-stack for this bind.  The PCB's own
 * credential is the caller's here (1.1: they are the same in the library).
 */
static int listen_bind(struct inp_pcb *p, struct inp_explain *why)
{
	static const struct in6_addr any6;
	struct in_addr any4 = { 0 };
	unsigned vflag = p->vflag;
	int rc;

	if (p->family == AF_INET)
		return pcb_bind4(p, any4, 0, p->cred, why);
	if (!(p->flags & INP_F_V6ONLY))
		p->vflag |= INP_V_IPV4;
	rc = pcb_bind6(p, &any6, 0, 0, p->cred, why);
	if (rc != 0)
		p->vflag = vflag;                             /* V15 */
	return rc;
}

int pcb_listen(struct inp_pcb *p, struct inp_explain *why)
{
	char desc[128];
	int rc;

	if (p == NULL || p->info == NULL || p->cred == NULL)
		return -EINVAL;
	if (p->proto != INP_PROTO_TCP) {
		explain(why, "2.7", "listen is for TCP sockets");
		return -EOPNOTSUPP;
	}
	if (pcb_has_faddr(p)) {
		explain(why, "2.7", "a connected socket cannot listen");
		return -EINVAL;
	}
	if (p->lport == 0) {
		rc = listen_bind(p, why);
		if (rc != 0)
			return rc;
	}
	hash_wlock(p->info);
	p->flags |= INP_LISTEN;
	if (p->flags2 & INP_INLBGROUP)
		lbgroup_activate(p);                          /* G1 */
	hash_unlock(p->info);
	explain(why, "2.7", "listening on %s",
	        pcb_describe(p, desc, sizeof(desc)));
	return 0;
}
