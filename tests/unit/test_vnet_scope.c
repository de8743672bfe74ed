/*
 * test_vnet_scope.c - the library's answer to VN-7 ("current vnet"): there
 * is no per-thread current vnet; every call names its vnet or acts in the
 * vnet of the object it is given (a socket's, a PCB's pcbinfo->vnet, an
 * interface's), and an object of one vnet is refused by another's calls.
 * Two vnets with the same addresses and ports stay apart (VN-2).
 */
#include "pcb_fixture.h"

static struct inp_vnet *second_vnet(struct fx *f, struct inp_ifnet **em0)
{
	struct inp_vnet *v = NULL;

	assert_int_equal(inp_vnet_create(f->host, "b", &v), 0);
	assert_int_equal(inp_if_create(v, "em0", em0), 0);
	fx_if_add4_ok(*em0, "192.0.2.10", 24);
	return v;
}

static struct inp_sock *bound_in(struct inp_vnet *v, const char *label)
{
	struct inp_sock *so = NULL;

	assert_int_equal(inp_sock_open(v, AF_INET, INP_PROTO_UDP, NULL, &so), 0);
	assert_int_equal(inp_sock_set_label(so, label), 0);
	inp_sock_set_udata(so, (void *)label);
	fx_bind_ok(so, "192.0.2.10", 5000);
	return so;
}

static const char *deliver_in(struct inp_vnet *v, struct inp_ifnet *rcvif,
                              int *rc)
{
	struct sockaddr_in s = fx_sin4("198.51.100.1", 9);
	struct sockaddr_in d = fx_sin4("192.0.2.10", 5000);
	struct inp_udp_meta meta = { .rcvif = rcvif };
	void *who[2] = { NULL, NULL };
	struct inp_udp_result res = { .rcpt = who, .max = 2 };

	*rc = inp_udp_deliver(v, (struct sockaddr *)&s, (struct sockaddr *)&d,
	                      &meta, &res, NULL);
	return res.n == 1 ? who[0] : NULL;
}

static void test_objects_act_in_their_own_vnet(void **state)
{
	struct fx *f = *state;
	struct inp_ifnet *bem0 = NULL;
	struct inp_vnet *b;
	struct inp_sock *sa, *sb;
	struct inp_pcb *out;
	struct sockaddr_in s = fx_sin4("198.51.100.1", 9);
	struct sockaddr_in d = fx_sin4("192.0.2.10", 5000);
	struct sockaddr_in net = fx_sin4("100.64.0.0", 0);
	int rc;

	fx_preamble(f);
	b = second_vnet(f, &bem0);
	/* The same address and port in both: no conflict, one each. */
	sa = bound_in(f->vnet, "in-default");
	sb = bound_in(b, "in-b");
	assert_ptr_equal(inp_sock_pcb(sa)->info->vnet, f->vnet);
	assert_ptr_equal(inp_sock_pcb(sb)->info->vnet, b);
	assert_int_equal(inp_pcb_count(f->vnet, INP_PROTO_UDP), 1);
	assert_int_equal(inp_pcb_count(b, INP_PROTO_UDP), 1);

	assert_int_equal(inp_pcb_lookup(b, INP_PROTO_UDP, (struct sockaddr *)&s,
	                                (struct sockaddr *)&d,
	                                INP_LOOKUP_RLOCKPCB | INP_LOOKUP_WILDCARD,
	                                NULL, &out, NULL), 0);
	assert_string_equal(inp_pcb_label(out), "in-b");
	inp_pcb_runlock(out);
	assert_string_equal(deliver_in(f->vnet, f->em0, &rc), "in-default");
	assert_int_equal(rc, 0);
	assert_string_equal(deliver_in(b, bem0, &rc), "in-b");
	assert_int_equal(rc, 0);

	/* Another vnet's interface is refused, and nothing is counted. */
	assert_null(deliver_in(b, f->em0, &rc));
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(inp_route_add(b, (struct sockaddr *)&net, 10, NULL,
	                               f->em0), -EINVAL);
	assert_int_equal(inp_route_add(f->vnet, (struct sockaddr *)&net, 10,
	                               NULL, bem0), -EINVAL);

	/* Destroying one vnet leaves the other's sockets working. */
	assert_int_equal(inp_vnet_destroy(b), -EBUSY);
	assert_int_equal(inp_sock_close(sb), 0);
	assert_int_equal(inp_vnet_destroy(b), 0);
	assert_string_equal(deliver_in(f->vnet, f->em0, &rc), "in-default");
	assert_int_equal(inp_sock_close(sa), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_objects_act_in_their_own_vnet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
