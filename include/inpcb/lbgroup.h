/*
 * inpcb/lbgroup.h - choosing the member of an SO_REUSEPORT_LB group.
 *
 * Sockets bound to the same address and port with INP_SO_REUSEPORT_LB
 * form a load-balancing group (spec 5.3 G1-G5, lifecycle 6 LB-1..LB-9);
 * a packet that matches no connected socket goes to one member.  By
 * default the member is FreeBSD's: a keyed hash of the peer's address
 * xor (lport xor fport), modulo the number of selectable members (G4,
 * LB-6).  A group may instead carry a selector, a function of the
 * application's that picks the member, as Linux lets a BPF program
 * attached with SO_ATTACH_REUSEPORT_CBPF pick the socket of a reuseport
 * group.  The selector belongs to the group, not to the socket it was
 * set through: it stays while the group has members (growing and
 * shrinking carry it over) and goes with the group when the last member
 * leaves.
 */
#ifndef INPCB_LBGROUP_H
#define INPCB_LBGROUP_H

#include <inpcb/types.h>
#include <inpcb/pcb.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a selector sees of one selectable member. */
struct inp_lb_member {
	void *udata;        /* the socket's user pointer when it joined */
};

/*
 * One selection.  key is the packet as inp_pcb_lookup_burst() takes it:
 * the peer in saddr:sport, the local address in daddr:dport, ports in
 * network order, a scoped IPv6 address bare with its zone in key.zone.
 * hashtype/hash: the packet's RSS hash; INP_HASH_NONE at present, the
 * lookups do not pass inp_pkt_ctx on to the group phase yet.
 * members[0 .. nmembers) are the group's selectable members (TCP
 * sockets count from listen() on, G1) in the order the group keeps
 * them, which changes whenever one joins or leaves (G4: the last one
 * moves into the hole).  default_index is FreeBSD's choice, what an
 * answer out of range gets.
 */
struct inp_lb_pick {
	struct inp_pkt_key key;
	enum inp_hashtype hashtype;
	uint32_t hash;
	unsigned nmembers;                    /* at least 1 */
	unsigned default_index;               /* < nmembers */
	const struct inp_lb_member *members;
};

/* A selector's answer when it has no opinion: the default member. */
#define INP_LB_DEFAULT (-1)

/*
 * The selector: return an index below pick->nmembers, or anything else
 * (INP_LB_DEFAULT) for the default member, as Linux falls back to its
 * hash when the BPF program fails.
 *
 * It runs inside a lookup, on the looking-up thread, many at once: in an
 * RCU read-side section (lockless lookups) or under the table's mutex
 * (the serialised lookup, and explained ones).  So it must be quick,
 * must not block or sleep, and must not call any function of the library
 * (a lookup inside it can deadlock).  *pick and the members array are
 * valid during the call only; they are one consistent snapshot of the
 * group, the one the lookup takes its member from.  One packet may be
 * put to the selector more than once: the serialised lookup asks again
 * to confirm its answer once it holds the member's lock, and a lockless
 * lookup whose member left before it was locked starts over on the
 * serialised path.  So answer from the packet and the members (a hash,
 * not a counter): a selector whose answer varies makes the serialised
 * lookup search again, a few times, before it takes its last answer.
 */
typedef int (*inp_lb_select_fn)(const struct inp_lb_pick *pick, void *arg);

/*
 * Give the group that member belongs to the selector fn with arg (fn
 * NULL: back to the default), replacing any earlier one.  member is a
 * socket in a group: bound with INP_SO_REUSEPORT_LB and unconnected, a
 * TCP one listening or not; -ENOENT otherwise (never bound, connected,
 * the 257th of a full group, a dual-stack '::' socket: LB-4, LB-5),
 * -EINVAL when member is NULL, -ENOBUFS when memory is short.
 *
 * Locking and lifetime: serialised with members joining and leaving (the
 * table mutex); takes the socket's PCB lock, so the caller holds no lock
 * of the library and is not inside a selector.  Before it returns, every
 * lookup that could still call the old selector has finished (it waits
 * for an RCU grace period): arg of the old one may then be freed.  When
 * the group ends because its last member leaves, lookups may call its
 * selector until the next grace period: clear it first if arg must be
 * freed at once.  Members that join later are offered to it like the
 * others; a member's udata is taken when it joins (set it before bind).
 */
int inp_lbgroup_set_selector(struct inp_sock *member, inp_lb_select_fn fn,
                             void *arg);

#ifdef __cplusplus
}
#endif
#endif
