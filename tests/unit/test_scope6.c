/*
 * test_scope6.c - IPv6 zones inside PCB addresses: the embed / clear
 * helpers of src/base/base.h (in6_embed_zone, in6_zone, in6_clear_zone,
 * in6_is_scoped) and the PCB layer's entries built on them
 * (pcb_addr_from_sa, pcb_addr_rcvif_zone, the zone-aware view compare).
 * Rules: bind-connect-lookup.md 2.6 and 4.4 (zone embedding); the
 * scenario side is tests/scenarios/ipv6-zones.pcbs.
 */
#include "fixture.h"

#include "pcb/pcb_view.h"

/* Bytes 2-3 of an address: where the zone lives. */
static unsigned bytes23(const struct in6_addr *a)
{
	return ((unsigned)a->s6_addr[2] << 8) | a->s6_addr[3];
}

/* Which addresses live in a zone (RFC 4007 scopes 1 and 2, fe80::/10). */
static void scoped_classes(void **state)
{
	(void)state;
	struct in6_addr a;

	a = fx_in6("fe80::1");
	assert_true(in6_is_scoped(&a));
	a = fx_in6("febf::1");                     /* still fe80::/10 */
	assert_true(in6_is_scoped(&a));
	a = fx_in6("fec0::1");                     /* site-local: no zone here */
	assert_false(in6_is_scoped(&a));
	a = fx_in6("ff01::1");                     /* interface-local */
	assert_true(in6_is_scoped(&a));
	a = fx_in6("ff02::1:3");                   /* link-local */
	assert_true(in6_is_scoped(&a));
	a = fx_in6("ff12::1");                     /* transient, link scope */
	assert_true(in6_is_scoped(&a));
	a = fx_in6("ff00::1");                     /* reserved scope 0 */
	assert_false(in6_is_scoped(&a));
	a = fx_in6("ff05::1");
	assert_false(in6_is_scoped(&a));
	a = fx_in6("ff0e::1");
	assert_false(in6_is_scoped(&a));
	a = fx_in6("2001:db8::1");
	assert_false(in6_is_scoped(&a));
	a = fx_in6("::1");                         /* loopback has no zone id */
	assert_false(in6_is_scoped(&a));
	a = fx_in6("::ffff:192.0.2.1");
	assert_false(in6_is_scoped(&a));
	a = fx_in6("::");
	assert_false(in6_is_scoped(&a));
}

/* embed, read, clear: the round trip and the wire form. */
static void embed_and_clear(void **state)
{
	(void)state;
	struct in6_addr a = fx_in6("fe80::1"), b = fx_in6("fe80::1");

	in6_embed_zone(&a, 2);
	in6_embed_zone(&b, 3);
	assert_int_equal(bytes23(&a), 2);
	assert_int_equal(in6_zone(&a), 2);
	assert_int_equal(in6_zone(&b), 3);
	/* fe80::1%em0 and fe80::1%em1 are different 16-byte values. */
	assert_false(in6_equal(&a, &b));
	/* Everything else is untouched, the class too. */
	assert_true(in6_is_scoped(&a));
	assert_true(in6_is_linklocal(&a));
	assert_int_equal(a.s6_addr[15], 1);

	assert_int_equal(in6_clear_zone(&a), 2);
	assert_true(fx_in6_equal(&a, "fe80::1"));
	assert_int_equal(in6_clear_zone(&a), 0);   /* nothing left to clear */
	assert_int_equal(in6_clear_zone(&b), 3);
	assert_true(in6_equal(&a, &b));

	/* The largest zone, and both of its bytes. */
	a = fx_in6("ff02::1:3");
	in6_embed_zone(&a, IN6_ZONE_MAX);
	assert_int_equal(in6_zone(&a), 0xffff);
	assert_int_equal(in6_clear_zone(&a), 0xffff);
	assert_true(fx_in6_equal(&a, "ff02::1:3"));
	a = fx_in6("ff01::1");
	in6_embed_zone(&a, 0x1234);
	assert_int_equal(a.s6_addr[2], 0x12);
	assert_int_equal(a.s6_addr[3], 0x34);
	assert_int_equal(in6_clear_zone(&a), 0x1234);
}

/* Unscoped addresses and the IPv4 4in6 form pass unchanged. */
static void unscoped_pass_unchanged(void **state)
{
	(void)state;
	const char *plain[] = { "2001:db8:aa:bb::1", "ff05:12:34::1", "::1",
	                        "::", "::ffff:192.0.2.1", "fec0:5::1" };
	union inp_addr v4;
	unsigned i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		struct in6_addr a = fx_in6(plain[i]);

		in6_embed_zone(&a, 7);
		assert_true(fx_in6_equal(&a, plain[i]));
		assert_int_equal(in6_zone(&a), 0);
		assert_int_equal(in6_clear_zone(&a), 0);
		assert_true(fx_in6_equal(&a, plain[i]));
	}
	memset(&v4, 0, sizeof(v4));
	IA4(v4) = fx_in4("192.0.2.1");
	in6_embed_zone(&v4.a6, 7);
	assert_int_equal(IA4(v4).s_addr, fx_in4("192.0.2.1").s_addr);
	assert_int_equal(v4.s4.pad[0], 0);
	assert_int_equal(in6_clear_zone(&v4.a6), 0);
}

/* An application's bytes 2-3 never forge a zone: embedding overwrites. */
static void embed_overwrites(void **state)
{
	(void)state;
	struct in6_addr a = fx_in6("fe80:5::1");

	assert_int_equal(in6_zone(&a), 5);         /* read as a zone ... */
	in6_embed_zone(&a, 0);                     /* ... until the entry */
	assert_int_equal(in6_zone(&a), 0);
	assert_true(fx_in6_equal(&a, "fe80::1"));
	a = fx_in6("fe80:5::1");
	in6_embed_zone(&a, 2);
	assert_int_equal(in6_zone(&a), 2);
}

/* pcb_addr_from_sa: the entry of lookups and delivery. */
static void entry_from_sockaddr(void **state)
{
	(void)state;
	struct sockaddr_in6 s6 = fx_sin6_scope("fe80::1", 5000, 3);
	struct sockaddr_in s4 = fx_sin4("192.0.2.1", 53);
	union inp_addr a;
	uint16_t port;

	assert_int_equal(pcb_addr_from_sa((struct sockaddr *)&s6, &a, &port), 0);
	assert_int_equal(port, htons(5000));
	assert_int_equal(in6_zone(&a.a6), 3);
	/* An unscoped address keeps its scope id out of the address. */
	s6 = fx_sin6_scope("2001:db8::1", 1, 3);
	assert_int_equal(pcb_addr_from_sa((struct sockaddr *)&s6, &a, &port), 0);
	assert_true(fx_in6_equal(&a.a6, "2001:db8::1"));
	/* A scope id no interface index can have would alias a zone. */
	s6 = fx_sin6_scope("ff02::1", 1, IN6_ZONE_MAX + 1);
	assert_int_equal(pcb_addr_from_sa((struct sockaddr *)&s6, &a, &port),
	                 -EINVAL);
	assert_true(inp_addr_is_any(&a));
	s6 = fx_sin6_scope("2001:db8::1", 1, IN6_ZONE_MAX + 1);
	assert_int_equal(pcb_addr_from_sa((struct sockaddr *)&s6, &a, &port), 0);
	assert_int_equal(pcb_addr_from_sa((struct sockaddr *)&s4, &a, &port), 0);
	assert_int_equal(IA4(a).s_addr, s4.sin_addr.s_addr);
	assert_int_equal(port, htons(53));
}

/* A packet without zone ids is in its receiving interface's zone. */
static void rcvif_zone(void **state)
{
	struct fx *w = *state;
	struct sockaddr_in6 s6 = fx_sin6("fe80::1", 9);
	union inp_addr a, v4;
	uint16_t port;

	assert_int_equal(pcb_addr_from_sa((struct sockaddr *)&s6, &a, &port), 0);
	assert_int_equal(in6_zone(&a.a6), 0);
	pcb_addr_rcvif_zone(&a, NULL);
	assert_int_equal(in6_zone(&a.a6), 0);
	pcb_addr_rcvif_zone(&a, w->em1);
	assert_int_equal(in6_zone(&a.a6), inp_if_index(w->em1));
	pcb_addr_rcvif_zone(&a, w->em0);           /* a zone id is kept */
	assert_int_equal(in6_zone(&a.a6), inp_if_index(w->em1));
	memset(&v4, 0, sizeof(v4));
	IA4(v4) = fx_in4("192.0.2.1");
	pcb_addr_rcvif_zone(&v4, w->em0);
	assert_int_equal(v4.s4.pad[0], 0);
	assert_int_equal(IA4(v4).s_addr, fx_in4("192.0.2.1").s_addr);
}

/* The view compare of lookups and bind: zones count, IPv4 unaffected. */
static void view_compare_counts_zones(void **state)
{
	(void)state;
	union inp_addr a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.a6 = b.a6 = fx_in6("fe80::1");
	in6_embed_zone(&a.a6, 2);
	in6_embed_zone(&b.a6, 3);
	assert_false(view_addr_eq(&a, &b, AF_INET6));
	assert_false(view_addr_any(&a, AF_INET6));
	in6_embed_zone(&b.a6, 2);
	assert_true(view_addr_eq(&a, &b, AF_INET6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scoped_classes),
		cmocka_unit_test(embed_and_clear),
		cmocka_unit_test(unscoped_pass_unchanged),
		cmocka_unit_test(embed_overwrites),
		cmocka_unit_test(entry_from_sockaddr),
		cmocka_unit_test_setup_teardown(rcvif_zone, fx_setup_em0_em1,
		                                fx_teardown),
		cmocka_unit_test(view_compare_counts_zones),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
