/*
 * test_pcbgroup.c - connection groups (spec section 4): the option's
 * rules (net.inet.pcbgroup.enable, net.inet.rss.bits, only while the
 * tables are empty), group choice by Toeplitz over the receive-direction
 * tuple (PG-5, PG-6, checked against the RSS-5 vectors of 5.5) and by
 * the packet's hash (PG-7), placement of connected and wild PCBs
 * (PG-9, PG-10, inv. 16/17), lookups through the group (PG-11, PG-12),
 * wildcard PCBs reachable from every group, moves by a packet hash
 * (PG-13, PG-14) and removal (PG-16).
 */

#include "pcb_fixture.h"

#include <inpcb/rss.h>
#include <inpcb/thread.h>

/*
 * 32 groups: the low five bits of the hash.  Not 128 (RSS-10's most):
 * a wildcard change holds every group lock, and ThreadSanitizer's
 * deadlock detector follows at most 64 locks held at once.
 */
#define BITS 5
#define MASK ((1u << BITS) - 1)

static void groups_on(struct fx *f, long bits)
{
	fx_sysctl_set_ok(f->vnet, "net.inet.rss.bits", bits);
	fx_sysctl_set_ok(f->vnet, "net.inet.pcbgroup.enable", 1);
}

static int groups_setup(void **state)
{
	(void)pcb_setup(state);
	groups_on(*state, BITS);
	return 0;
}

#define GROUP_TEST(fn) \
	cmocka_unit_test_setup_teardown(fn, groups_setup, fx_teardown)

/* Every group of both tables satisfies inv. 16/17. */
static void verify_all(struct fx *f)
{
	struct inp_explain why;
	int proto;
	unsigned g;

	for (proto = 0; proto < INP_NPROTO; proto++)
		for (g = 0; g < pcbgroup_count(fx_info(f, proto)); g++) {
			memset(&why, 0, sizeof(why));
			if (pcbgroup_verify(fx_info(f, proto), g, &why) != 0)
				fail_msg("group %u: %s: %s", g, why.rule,
				         why.reason);
		}
}

static void test_option_rules(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *p;

	/* Off by default; RSS-10's bits from the CPUs unless set. */
	assert_int_equal(fx_sysctl(f->vnet, "net.inet.pcbgroup.enable"), 0);
	assert_int_equal(fx_sysctl(f->vnet, "net.inet.rss.bits"), -1);
	assert_int_equal(pcbgroup_count(fx_info(f, INP_PROTO_TCP)), 0);
	assert_int_equal(inp_sysctl_set(f->vnet, "net.inet.rss.bits", 8),
	                 -EINVAL);
	assert_int_equal(inp_sysctl_set(f->vnet, "net.inet.pcbgroup.enable",
	                                2), -EINVAL);
	groups_on(f, 2);
	assert_int_equal(pcbgroup_count(fx_info(f, INP_PROTO_TCP)), 4);
	assert_int_equal(pcbgroup_count(fx_info(f, INP_PROTO_UDP)), 4);

	/* A PCB in any table: no change, of either knob. */
	p = fx_alloc(f, INP_PROTO_UDP, AF_INET, NULL, "a");
	assert_int_equal(inp_sysctl_set(f->vnet, "net.inet.pcbgroup.enable",
	                                0), -EBUSY);
	assert_int_equal(inp_sysctl_set(f->vnet, "net.inet.rss.bits", 3),
	                 -EBUSY);
	assert_int_equal(fx_sysctl(f->vnet, "net.inet.rss.bits"), 2);
	assert_int_equal(pcbgroup_count(fx_info(f, INP_PROTO_TCP)), 4);
	fx_free(p);

	/* PG-4: one bucket means no groups; off means off. */
	fx_sysctl_set_ok(f->vnet, "net.inet.rss.bits", 0);
	assert_int_equal(pcbgroup_count(fx_info(f, INP_PROTO_TCP)), 0);
	fx_sysctl_set_ok(f->vnet, "net.inet.rss.bits", 5);
	assert_int_equal(pcbgroup_count(fx_info(f, INP_PROTO_UDP)), 32);
	fx_sysctl_set_ok(f->vnet, "net.inet.pcbgroup.enable", 0);
	assert_int_equal(pcbgroup_count(fx_info(f, INP_PROTO_UDP)), 0);
	assert_int_equal(fx_sysctl(f->vnet, "net.inet.rss.bits"), 5);
}

/*
 * PG-6 with RSS: source = foreign, destination = local, so the 5.5
 * vectors apply as written: TCP hashes the 4-tuple, UDP the 2-tuple.
 */
static void test_choice_is_toeplitz(void **state)
{
	struct fx *f = *state;
	union inp_addr fa = fx_addr("66.9.149.187");
	union inp_addr la = fx_addr("161.142.100.80");
	uint16_t fport = htons(2794), lport = htons(1766);
	struct sockaddr_in s = fx_sin4("66.9.149.187", 2794);
	struct sockaddr_in d = fx_sin4("161.142.100.80", 1766);

	assert_int_equal(pcbgroup_for_tuple(fx_info(f, INP_PROTO_TCP),
	                                    AF_INET, &fa, fport, &la, lport),
	                 0x51ccc178 & MASK);
	assert_int_equal(pcbgroup_for_tuple(fx_info(f, INP_PROTO_UDP),
	                                    AF_INET, &fa, fport, &la, lport),
	                 0x323e8fc2 & MASK);
	/* The same as the public Toeplitz over the received packet. */
	assert_int_equal(pcbgroup_for_tuple(fx_info(f, INP_PROTO_TCP),
	                                    AF_INET, &fa, fport, &la, lport),
	                 inp_rss_hash(NULL, (struct sockaddr *)&s,
	                              (struct sockaddr *)&d, true) & MASK);
	fa = fx_addr("3ffe:2501:200:1fff::7");
	la = fx_addr("3ffe:2501:200:3::1");
	assert_int_equal(pcbgroup_for_tuple(fx_info(f, INP_PROTO_TCP),
	                                    AF_INET6, &fa, fport, &la, lport),
	                 0x40207d3d & MASK);
}

/* PG-7: only a hash of the protocol's type places; PG-5: low bits. */
static void test_choice_by_packet_hash(void **state)
{
	struct inp_pcbinfo *tcp = fx_info(*state, INP_PROTO_TCP);
	struct inp_pcbinfo *udp = fx_info(*state, INP_PROTO_UDP);

	assert_int_equal(pcbgroup_for_hash(tcp, AF_INET, INP_HASH_TCP_IPV4,
	                                   0x1234), 0x14);
	assert_int_equal(pcbgroup_for_hash(tcp, AF_INET, INP_HASH_UDP_IPV4,
	                                   0x85), 5);
	assert_int_equal(pcbgroup_for_hash(tcp, AF_INET, INP_HASH_IPV4, 1),
	                 -1);
	assert_int_equal(pcbgroup_for_hash(tcp, AF_INET, INP_HASH_TCP_IPV6, 1),
	                 -1);
	assert_int_equal(pcbgroup_for_hash(tcp, AF_INET, INP_HASH_OPAQUE, 1),
	                 -1);
	assert_int_equal(pcbgroup_for_hash(tcp, AF_INET6, INP_HASH_TCP_IPV6,
	                                   0xff), MASK);
	assert_int_equal(pcbgroup_for_hash(udp, AF_INET, INP_HASH_IPV4, 7), 7);
	assert_int_equal(pcbgroup_for_hash(udp, AF_INET, INP_HASH_UDP_IPV4, 7),
	                 -1);
	assert_int_equal(pcbgroup_for_hash(udp, AF_INET6, INP_HASH_IPV6, 9),
	                 9);
}

/* A connected TCP PCB 192.0.2.10:80 <- src:sport. */
static struct inp_pcb *conn(struct fx *f, const char *label, const char *src,
                            uint16_t sport)
{
	struct inp_pcb *p = fx_alloc(f, INP_PROTO_TCP, AF_INET, NULL, label);

	assert_int_equal(fx_insert(p, "192.0.2.10", 80, src, sport, 0), 0);
	return p;
}

static int soft_group_of(struct fx *f, const char *src, uint16_t sport)
{
	union inp_addr fa = fx_addr(src), la = fx_addr("192.0.2.10");

	return pcbgroup_for_tuple(fx_info(f, INP_PROTO_TCP), AF_INET, &fa,
	                          htons(sport), &la, htons(80));
}

/* PG-9, PG-10, PG-16 and inv. 16 */
static void test_placement(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *c1 = conn(f, "c1", "198.51.100.1", 40000);
	struct inp_pcb *c2 = conn(f, "c2", "198.51.100.2", 40001);
	struct inp_pcb *l = fx_bound(f, INP_PROTO_TCP, AF_INET, NULL, "l",
	                             "0.0.0.0", 80, 0);

	assert_int_equal(pcbgroup_of(c1), soft_group_of(f, "198.51.100.1",
	                                                40000));
	assert_int_equal(pcbgroup_of(c2), soft_group_of(f, "198.51.100.2",
	                                                40001));
	assert_int_equal(pcbgroup_of(l), -1);
	verify_all(f);
	pcb_wlock(c1);
	pcb_drop(c1);
	assert_int_equal(pcbgroup_of(c1), -1);
	pcb_unlock(c1);
	verify_all(f);
	fx_free_all(c1, c2, l);
	verify_all(f);
}

/* inp_pcb_lookup by a TCP/IPv4 packet from src:sport with hash. */
static struct inp_pcb *lookup(struct fx *f, const char *src, uint16_t sport,
                              uint16_t dport, enum inp_hashtype type,
                              uint32_t hash, bool wild)
{
	struct sockaddr_in s = fx_sin4(src, sport);
	struct sockaddr_in d = fx_sin4("192.0.2.10", dport);
	struct inp_pkt_ctx pkt = { .hashtype = type, .hash = hash };
	struct inp_pcb *p = NULL;
	unsigned flags = INP_LOOKUP_RLOCKPCB |
	                 (wild ? INP_LOOKUP_WILDCARD : 0);

	if (inp_pcb_lookup(f->vnet, INP_PROTO_TCP, (struct sockaddr *)&s,
	                   (struct sockaddr *)&d, flags, &pkt, &p, NULL) != 0)
		return NULL;
	inp_pcb_runlock(p);
	return p;
}

/* pcbgroup_lookup alone: the answer of one group, or NULL. */
static struct inp_pcb *group_only(struct fx *f, const char *src,
                                  uint16_t sport, enum inp_hashtype type,
                                  uint32_t hash)
{
	union inp_addr fa = fx_addr(src), la = fx_addr("192.0.2.10");
	struct inp_pkt_ctx pkt = { .hashtype = type, .hash = hash };
	struct inp_pcb *p = NULL;

	if (pcbgroup_lookup(fx_info(f, INP_PROTO_TCP), AF_INET, &fa,
	                    htons(sport), &la, htons(80), &pkt, false,
	                    &p) != 0)
		return NULL;
	pcb_unlock(p);
	return p;
}

/* PG-11, PG-12: the group's table answers; a wrong group still finds. */
static void test_lookup_through_group(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *c = conn(f, "c", "198.51.100.1", 40000);
	unsigned g = (unsigned)pcbgroup_of(c);

	assert_int_equal(inp_thread_register(), 0);
	assert_ptr_equal(group_only(f, "198.51.100.1", 40000,
	                            INP_HASH_TCP_IPV4, g), c);
	assert_ptr_equal(group_only(f, "198.51.100.1", 40000, INP_HASH_NONE,
	                            0), c);          /* hash computed */
	assert_null(group_only(f, "198.51.100.1", 40000, INP_HASH_TCP_IPV4,
	                       g + 1));
	assert_null(group_only(f, "198.51.100.1", 40001, INP_HASH_NONE, 0));
	/* The reservation table behind every group (PG-2). */
	assert_ptr_equal(lookup(f, "198.51.100.1", 40000, 80,
	                        INP_HASH_TCP_IPV4, g + 1, false), c);
	assert_ptr_equal(lookup(f, "198.51.100.1", 40000, 80, INP_HASH_NONE,
	                        0, false), c);
	assert_null(lookup(f, "198.51.100.1", 40001, 80, INP_HASH_NONE, 0,
	                   false));
	assert_int_equal(inp_thread_unregister(), 0);
	fx_free(c);
}

/* PG-9: a listener is found from every group; a connection wins. */
static void test_wild_from_every_group(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *l = fx_bound(f, INP_PROTO_TCP, AF_INET, NULL, "l",
	                             "0.0.0.0", 80, 0);
	struct inp_pcb *c = conn(f, "c", "198.51.100.1", 40000);
	unsigned g;

	assert_int_equal(inp_thread_register(), 0);
	for (g = 0; g < pcbgroup_count(fx_info(f, INP_PROTO_TCP)); g++) {
		assert_ptr_equal(lookup(f, "203.0.113.9", 1000 + g, 80,
		                        INP_HASH_TCP_IPV4, g, true), l);
		assert_null(lookup(f, "203.0.113.9", 1000 + g, 80,
		                   INP_HASH_TCP_IPV4, g, false));
	}
	assert_ptr_equal(lookup(f, "198.51.100.1", 40000, 80, INP_HASH_NONE,
	                        0, true), c);
	assert_int_equal(inp_thread_unregister(), 0);
	fx_free_all(c, l);
}

/* PG-13/PG-14: a packet hash moves a connection; a rehash undoes it. */
static void test_move_by_packet_hash(void **state)
{
	struct fx *f = *state;
	struct inp_pcb *c = conn(f, "c", "198.51.100.1", 40000);
	unsigned soft = (unsigned)pcbgroup_of(c), other = (soft + 1) & MASK;

	assert_int_equal(inp_thread_register(), 0);
	pcb_wlock(c);
	assert_int_equal(pcbgroup_rehash_pkt(c, INP_HASH_TCP_IPV4,
	                                     0xabcd00 | other), 0);
	pcb_unlock(c);
	assert_int_equal(pcbgroup_of(c), (int)other);
	verify_all(f);
	assert_ptr_equal(group_only(f, "198.51.100.1", 40000,
	                            INP_HASH_TCP_IPV4, other), c);
	assert_null(group_only(f, "198.51.100.1", 40000, INP_HASH_NONE, 0));
	assert_ptr_equal(lookup(f, "198.51.100.1", 40000, 80, INP_HASH_NONE,
	                        0, false), c);
	/* A hash of the wrong type: software placement (PG-7). */
	pcb_wlock(c);
	assert_int_equal(pcbgroup_rehash_pkt(c, INP_HASH_IPV4, other), 0);
	pcb_unlock(c);
	assert_int_equal(pcbgroup_of(c), (int)soft);
	verify_all(f);
	/* C11 disconnect: the tuple changes, the PCB turns wild (PG-14). */
	pcb_wlock(c);
	assert_int_equal(pcbgroup_rehash_pkt(c, INP_HASH_TCP_IPV4, other), 0);
	hash_wlock(c->info);
	memset(&c->faddr, 0, sizeof(c->faddr));
	c->fport = 0;
	pcb_rehash(c);
	hash_unlock(c->info);
	assert_int_equal(pcbgroup_of(c), -1);
	assert_int_equal(pcbgroup_rehash_pkt(c, INP_HASH_TCP_IPV4, 1),
	                 -ENOENT);
	pcb_unlock(c);
	verify_all(f);
	assert_int_equal(inp_thread_unregister(), 0);
	fx_free(c);
}

/* Through the socket API: connect and close keep the groups right. */
static void test_sockets_keep_groups(void **state)
{
	struct fx *f = *state;
	struct inp_sock *so;
	unsigned i;

	fx_preamble(f);
	for (i = 0; i < 16; i++) {
		so = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
		assert_int_equal(fx_connect(so, "198.51.100.7", 5000 + i), 0);
	}
	so = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	fx_bind_ok(so, "0.0.0.0", 53);
	verify_all(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCB_TEST(test_option_rules),
		GROUP_TEST(test_choice_is_toeplitz),
		GROUP_TEST(test_choice_by_packet_hash),
		GROUP_TEST(test_placement),
		GROUP_TEST(test_lookup_through_group),
		GROUP_TEST(test_wild_from_every_group),
		GROUP_TEST(test_move_by_packet_hash),
		GROUP_TEST(test_sockets_keep_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
