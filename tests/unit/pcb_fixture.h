/*
 * pcb_fixture.h - the PCB layer's unit-test world, built on fixture.h: the
 * same host and vnet (its clock starting at 1 s), and helpers that
 * allocate PCBs and put them in the tables directly through the internal
 * API, so that the PCB layer is tested without the bind and connect rules.
 *
 * Every helper leaves the PCB unlocked.
 */
#ifndef INPCB_TEST_PCB_FIXTURE_H
#define INPCB_TEST_PCB_FIXTURE_H

#include "fixture.h"

#include "pcb/pcb_internal.h"
#include "sock/sock_internal.h"

/* The default world with the clock at 1 s; teardown is fx_teardown. */
static inline int pcb_setup(void **state)
{
	static const struct fx_config cfg = { .start_ns = FX_SEC };

	*state = fx_new(&cfg);
	return 0;
}

#define PCB_TEST(fn) cmocka_unit_test_setup_teardown(fn, pcb_setup, fx_teardown)

static inline struct inp_pcbinfo *fx_info(struct fx *f,
                                          enum inp_proto proto)
{
	return f->vnet->pcbinfo[proto];
}

/* An address in the PCB's storage form ("192.0.2.1" or "2001:db8::1"). */
static inline union inp_addr fx_addr(const char *s)
{
	union inp_addr a;

	memset(&a, 0, sizeof(a));
	if (strchr(s, ':') != NULL)
		a.a6 = fx_in6(s);
	else
		IA4(a) = fx_in4(s);
	return a;
}

/* A socketless PCB (cred NULL: the host's root), unlocked. */
static inline struct inp_pcb *fx_alloc(struct fx *f, enum inp_proto proto,
                                       int family, struct inp_cred *cred,
                                       const char *label)
{
	struct inp_pcb *p = NULL;

	if (cred == NULL)
		cred = f->host->root_cred;
	assert_int_equal(pcb_alloc(fx_info(f, proto), family, cred, NULL, &p),
	                 0);
	assert_int_equal(pcb_set_label(p, label), 0);
	pcb_unlock(p);
	return p;
}

/* An AF_INET6 socket's PCB with vflag (| INP_V_IPV6PROTO), not inserted. */
static inline struct inp_pcb *fx_alloc6(struct fx *f, enum inp_proto proto,
                                        const char *label, unsigned vflag)
{
	struct inp_pcb *p = fx_alloc(f, proto, AF_INET6, NULL, label);

	pcb_wlock(p);
	p->vflag = vflag | INP_V_IPV6PROTO;
	pcb_unlock(p);
	return p;
}

/*
 * Give p a 4-tuple (faddr NULL: unconnected) and the cached options
 * flags2, then insert it (1.5).  Returns pcb_insert's result.
 */
static inline int fx_insert(struct inp_pcb *p, const char *laddr,
                            uint16_t lport, const char *faddr,
                            uint16_t fport, unsigned flags2)
{
	int rc;

	pcb_wlock(p);
	p->laddr = fx_addr(laddr);
	p->lport = htons(lport);
	if (faddr != NULL) {
		p->faddr = fx_addr(faddr);
		p->fport = htons(fport);
	}
	p->flags2 |= flags2;
	hash_wlock(p->info);
	rc = pcb_insert(p);
	hash_unlock(p->info);
	pcb_unlock(p);
	return rc;
}

/* An unconnected PCB bound to laddr:lport, inserted. */
static inline struct inp_pcb *fx_bound(struct fx *f, enum inp_proto proto,
                                       int family, struct inp_cred *cred,
                                       const char *label, const char *laddr,
                                       uint16_t lport, unsigned flags2)
{
	struct inp_pcb *p = fx_alloc(f, proto, family, cred, label);

	assert_int_equal(fx_insert(p, laddr, lport, NULL, 0, flags2), 0);
	return p;
}

/* fx_alloc6, inserted with the 4-tuple (faddr NULL: unconnected). */
static inline struct inp_pcb *fx_v6pcb(struct fx *f, enum inp_proto proto,
                                       const char *label, unsigned vflag,
                                       const char *laddr, uint16_t lport,
                                       const char *faddr, uint16_t fport)
{
	struct inp_pcb *p = fx_alloc6(f, proto, label, vflag);

	assert_int_equal(fx_insert(p, laddr, lport, faddr, fport, 0), 0);
	return p;
}

/* Close: free a socketless PCB (LC-20). */
static inline void fx_free(struct inp_pcb *p)
{
	pcb_wlock(p);
	pcb_free(p);
}

/* fx_free every PCB named, in order. */
#define fx_free_all(...) FX_EACH(fx_free, struct inp_pcb *, __VA_ARGS__)

/* fx_lookup_phase's mode for the load-balancing group phase alone. */
#define FX_LB_PHASE (-1)

/*
 * Look a packet from src:sport to dst:dport up under the hash read lock,
 * with the rule that decided: pcb_lookup_hash with mode as its wildcard
 * flag, or (mode FX_LB_PHASE) lbgroup_lookup alone.
 */
static inline struct inp_pcb *fx_lookup_phase(struct fx *f,
                                              enum inp_proto proto,
                                              const char *src,
                                              uint16_t sport,
                                              const char *dst,
                                              uint16_t dport, int mode,
                                              struct inp_explain *why)
{
	struct inp_pcbinfo *info = fx_info(f, proto);
	union inp_addr fa = fx_addr(src), la = fx_addr(dst);
	int af = strchr(src, ':') != NULL ? AF_INET6 : AF_INET;
	struct inp_pcb *p;

	memset(why, 0, sizeof(*why));
	hash_rlock(info);
	if (mode == FX_LB_PHASE)
		p = lbgroup_lookup(info, af, &fa, htons(sport), &la,
		                   htons(dport), why);
	else
		p = pcb_lookup_hash(info, af, &fa, htons(sport), &la,
		                    htons(dport), mode != 0, why);
	hash_unlock(info);
	return p;
}

/* The whole packet lookup (pcb_lookup_hash). */
static inline struct inp_pcb *fx_lookup(struct fx *f, enum inp_proto proto,
                                        const char *src, uint16_t sport,
                                        const char *dst, uint16_t dport,
                                        bool wildcard,
                                        struct inp_explain *why)
{
	return fx_lookup_phase(f, proto, src, sport, dst, dport, wildcard,
	                       why);
}

/* The load-balancing group phase alone (lbgroup_lookup). */
static inline struct inp_pcb *fx_lb_pick(struct fx *f, enum inp_proto proto,
                                         const char *src, uint16_t sport,
                                         const char *dst, uint16_t dport,
                                         struct inp_explain *why)
{
	return fx_lookup_phase(f, proto, src, sport, dst, dport, FX_LB_PHASE,
	                       why);
}

#endif
