/*
 * inpcb/pcb.h - the PCB layer: lookups, references, locks and listings.
 *
 * Lookup contract (spec LK-7, RC-14): flags contain exactly one of
 * INP_LOOKUP_RLOCKPCB and INP_LOOKUP_WLOCKPCB, optionally
 * INP_LOOKUP_WILDCARD, nothing else (-EINVAL otherwise, nothing changed).
 * A successful lookup returns the PCB locked in the requested mode, alive
 * (INP_FREED and INP_DROPPED clear); the caller unlocks it with
 * inp_pcb_runlock() / inp_pcb_wunlock() and must not use it afterwards
 * unless it took a reference first.
 *
 * References (spec RC-1..RC-12): inp_pcb_ref() needs the PCB locked.
 * inp_pcb_rele_rlocked() / inp_pcb_rele_wlocked() drop a reference from a
 * PCB locked in that mode and return true ("gone") when the PCB is no
 * longer valid -- the last reference went, or the PCB was freed meanwhile
 * (INP_FREED).  On "gone" the PCB has been unlocked by the callee; on false
 * it is still locked and valid.  Memory is reclaimed only after every
 * concurrent reader has finished with it.
 */
#ifndef INPCB_PCB_H
#define INPCB_PCB_H

#include <inpcb/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Lookup flags (FreeBSD INPLOOKUP_*). */
#define INP_LOOKUP_WILDCARD 0x1
#define INP_LOOKUP_RLOCKPCB 0x2
#define INP_LOOKUP_WLOCKPCB 0x4

/* Packet context a lookup may use; all fields optional (zero). */
enum inp_hashtype {
	INP_HASH_NONE = 0,
	INP_HASH_IPV4,
	INP_HASH_TCP_IPV4,
	INP_HASH_UDP_IPV4,
	INP_HASH_IPV6,
	INP_HASH_TCP_IPV6,
	INP_HASH_UDP_IPV6,
	INP_HASH_OPAQUE,
};
struct inp_pkt_ctx {
	struct inp_ifnet *rcvif;    /* receiving interface */
	enum inp_hashtype hashtype; /* type of hash, INP_HASH_NONE: absent */
	uint32_t hash;              /* the packet's RSS hash */
};

/*
 * Find the PCB an incoming packet from src to dst belongs to (spec 5.1):
 * exact 4-tuple, then SO_REUSEPORT_LB groups, then the ranked wildcard
 * match.  src and dst have the same family.  pkt may be NULL.
 * Returns 0 and a locked *out, -ENOENT when no PCB matches, -EINVAL,
 * -EAFNOSUPPORT.  Takes no lock on entry; see the contract above.
 */
int inp_pcb_lookup(struct inp_vnet *vnet, enum inp_proto proto,
                   const struct sockaddr *src, const struct sockaddr *dst,
                   unsigned flags, const struct inp_pkt_ctx *pkt,
                   struct inp_pcb **out, struct inp_explain *why);

void inp_pcb_rlock(struct inp_pcb *pcb);
void inp_pcb_wlock(struct inp_pcb *pcb);
void inp_pcb_runlock(struct inp_pcb *pcb);
void inp_pcb_wunlock(struct inp_pcb *pcb);

/* Reference counting; see the contract above. */
void inp_pcb_ref(struct inp_pcb *pcb);
bool inp_pcb_rele_rlocked(struct inp_pcb *pcb);
bool inp_pcb_rele_wlocked(struct inp_pcb *pcb);

/* PCB flags visible through the API (FreeBSD names). */
#define INP_F_ANONPORT    0x00000040
#define INP_F_BINDANY     0x00001000
#define INP_F_INHASHLIST  0x00002000
#define INP_F_V6ONLY      0x00008000
#define INP_F_TIMEWAIT    0x01000000
#define INP_F_DROPPED     0x04000000
#define INP_F_FREED       0x80000000
/* vflag */
#define INP_V_IPV4        0x1
#define INP_V_IPV6        0x2
#define INP_V_IPV6PROTO   0x4

enum inp_pcb_state {
	INP_ST_UNBOUND = 0,
	INP_ST_BOUND,
	INP_ST_LISTEN,
	INP_ST_CONNECTED,
	INP_ST_TIMEWAIT,
	INP_ST_DROPPED,
};

/* A snapshot of a PCB, as listings and explanations see it. */
struct inp_pcb_info {
	enum inp_proto proto;
	int family;                    /* of the socket: AF_INET or AF_INET6 */
	struct sockaddr_storage local; /* as getsockname would report it */
	struct sockaddr_storage foreign;
	enum inp_pcb_state state;
	unsigned flags;                /* INP_F_* */
	unsigned vflag;                /* INP_V_* */
	uint32_t uid;
	char jail[64];                 /* "" for the host */
	char label[INP_LABEL_MAX];
	void *udata;
	uint64_t gencnt;
};

/* Snapshot a PCB locked by the caller (either mode). */
void inp_pcb_get_info(const struct inp_pcb *pcb, struct inp_pcb_info *info);

/* The user pointer and label of the PCB's socket, kept after TIME_WAIT. */
void *inp_pcb_udata(const struct inp_pcb *pcb);
const char *inp_pcb_label(const struct inp_pcb *pcb);

/* The PCB's socket, NULL once detached (TIME_WAIT). Needs the PCB lock. */
struct inp_sock *inp_pcb_sock(const struct inp_pcb *pcb);

/* Number of PCBs allocated and not yet freed (spec LC-24). */
unsigned inp_pcb_count(struct inp_vnet *vnet, enum inp_proto proto);

/*
 * List every PCB of a protocol with the generation protocol of spec LC-25:
 * fn is called once per PCB that existed when the listing started, is
 * still alive and is visible to viewer (NULL: sees everything; a jailed
 * credential sees its jail's PCBs; MAC check_visible applies).  The PCB is
 * read-locked during the call.  Returns the number of
 * PCBs listed, or fn's non-zero return value (negative) to stop early.
 * *changed (may be NULL) is set when the table changed during the walk.
 */
typedef int (*inp_pcb_list_fn)(const struct inp_pcb_info *info, void *arg);
int inp_pcb_list(struct inp_vnet *vnet, enum inp_proto proto,
                 struct inp_cred *viewer,
                 inp_pcb_list_fn fn, void *arg, bool *changed);

#ifdef __cplusplus
}
#endif
#endif
