/*
 * pcb_fixture.h - a world for the PCB layer's unit tests: a host with an
 * injected clock and random source, one vnet, and helpers that allocate
 * PCBs and put them in the tables directly through the internal API, so
 * that the PCB layer is tested without the bind and connect rules.
 *
 * Include after <cmocka.h>.  Every helper leaves the PCB unlocked.
 */
#ifndef INPCB_TEST_PCB_FIXTURE_H
#define INPCB_TEST_PCB_FIXTURE_H

#include "pcb/pcb_internal.h"
#include "sock/sock_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	struct inp_host *host;
	struct inp_vnet *vnet;
	uint64_t now;           /* the injected clock, ns */
	uint32_t rnd;           /* xorshift state */
};

static inline uint64_t fx_now(void *ctx)
{
	return ((struct fx *)ctx)->now;
}

static inline uint32_t fx_random(void *ctx)
{
	struct fx *f = ctx;

	f->rnd ^= f->rnd << 13;
	f->rnd ^= f->rnd >> 17;
	f->rnd ^= f->rnd << 5;
	return f->rnd;
}

static inline int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct inp_host_ops ops = { fx_now, fx_random, NULL };

	if (f == NULL)
		return -1;
	f->rnd = 0x12345678u;
	f->now = 1000000000ull;
	ops.ctx = f;
	if (inp_host_create(&ops, NULL, &f->host) != 0 ||
	    inp_vnet_create(f->host, "t", &f->vnet) != 0)
		return -1;
	*state = f;
	return 0;
}

/* Fails the test if a PCB was leaked: the vnet refuses to go. */
static inline int fx_teardown(void **state)
{
	struct fx *f = *state;

	assert_int_equal(inp_vnet_destroy(f->vnet), 0);
	assert_int_equal(inp_host_destroy(f->host), 0);
	free(f);
	return 0;
}

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
		assert_int_equal(inet_pton(AF_INET6, s, &a.a6), 1);
	else
		assert_int_equal(inet_pton(AF_INET, s, &IA4(a)), 1);
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
	snprintf(p->label, sizeof(p->label), "%s", label);
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

static inline struct inp_pcb *fx_bound(struct fx *f, enum inp_proto proto,
                                       int family, struct inp_cred *cred,
                                       const char *label, const char *laddr,
                                       uint16_t lport, unsigned flags2)
{
	struct inp_pcb *p = fx_alloc(f, proto, family, cred, label);

	assert_int_equal(fx_insert(p, laddr, lport, NULL, 0, flags2), 0);
	return p;
}

/* Close: free a socketless PCB (LC-20). */
static inline void fx_free(struct inp_pcb *p)
{
	pcb_wlock(p);
	pcb_free(p);
}

/* pcb_lookup_hash under the hash read lock, with the rule that decided. */
static inline struct inp_pcb *fx_lookup(struct fx *f, enum inp_proto proto,
                                        const char *src, uint16_t sport,
                                        const char *dst, uint16_t dport,
                                        bool wildcard,
                                        struct inp_explain *why)
{
	struct inp_pcbinfo *info = fx_info(f, proto);
	union inp_addr fa = fx_addr(src), la = fx_addr(dst);
	int af = strchr(src, ':') != NULL ? AF_INET6 : AF_INET;
	struct inp_pcb *p;

	memset(why, 0, sizeof(*why));
	hash_rlock(info);
	p = pcb_lookup_hash(info, af, &fa, htons(sport), &la, htons(dport),
	                    wildcard, why);
	hash_unlock(info);
	return p;
}

/* A jail with one or two IPv4 addresses (NEW), or inheriting (a1 NULL). */
static inline struct inp_jail *fx_jail4(struct fx *f, const char *name,
                                        const char *a1, const char *a2)
{
	struct inp_jail_params jp;
	struct inp_jail *j = NULL;

	inp_jail_params_init(&jp);
	if (a1 != NULL) {
		jp.ip4_mode = INP_JAIL_NEW;
		assert_int_equal(inet_pton(AF_INET, a1, &jp.ip4[jp.n_ip4++]), 1);
		if (a2 != NULL)
			assert_int_equal(inet_pton(AF_INET, a2,
			                           &jp.ip4[jp.n_ip4++]), 1);
	} else {
		jp.ip4_mode = INP_JAIL_INHERIT;
	}
	jp.ip6_mode = INP_JAIL_INHERIT;
	assert_int_equal(inp_jail_create(f->host, f->vnet, name, &jp, &j), 0);
	return j;
}

static inline struct inp_cred *fx_cred(struct fx *f, uint32_t uid,
                                       struct inp_jail *jail)
{
	struct inp_cred *c = NULL;

	assert_int_equal(inp_cred_create(f->host, uid, jail, INP_PRIV_DEFAULT,
	                                 &c), 0);
	return c;
}

#endif
