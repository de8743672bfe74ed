/*
 * test_script_session.c - scripts on a caller's host (interp.h
 * sessions), as inpcb serve and replay use them: the script configures
 * the caller's vnet, its sockets stay open and findable by name, the
 * host's clock is not the script's, closing the session closes the
 * sockets and leaves the host alone; and the session with its own
 * simulated host (inpcb stat).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inpcb/inpcb.h>

#include "interp.h"
#include "parser.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static struct script *parse(const char *text)
{
	struct parse_diags d;
	struct script *s = NULL;

	if (script_parse("t.pcbs", text, strlen(text), &s, &d) != 0) {
		parse_diags_print(stderr, &d);
		fail_msg("did not parse");
	}
	return s;
}

/* Run text in the session; returns the totals. */
static struct run_totals run(struct interp *in, const char *text)
{
	struct run_totals tot = { 0, 0 };
	struct script *s = parse(text);

	interp_session_run(in, s, &tot);
	script_free(s);
	return tot;
}

static struct interp_opts quiet_opts(void)
{
	struct interp_opts o;

	memset(&o, 0, sizeof(o));
	o.seed = INTERP_DEFAULT_SEED;
	o.quiet = true;
	return o;
}

static void test_live_host(void **state)
{
	struct interp_opts opts = quiet_opts();
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct inp_host *host;
	struct inp_vnet *vnet;
	struct inp_ifnet *ifp;
	struct inp_sock *so;
	struct interp *in;
	struct run_totals tot;
	const char *name;

	(void)state;
	assert_int_equal(inp_host_create(NULL, NULL, &host), 0);
	assert_int_equal(inp_vnet_create(host, "default", &vnet), 0);
	assert_int_equal(inp_if_create(vnet, "tun0", &ifp), 0);
	inet_pton(AF_INET, "192.0.2.2", &sin.sin_addr);
	assert_int_equal(inp_if_addr_add(ifp, (struct sockaddr *)&sin, 24,
	                                 NULL), 0);

	assert_int_equal(interp_session_open(host, &opts, &in), 0);
	assert_ptr_equal(interp_session_vnet(in), vnet);
	assert_ptr_equal(interp_session_host(in), host);
	/* the script sees the caller's interface and address */
	tot = run(in, "socket a udp4\n"
	              "bind a 192.0.2.2:53 => ok\n"
	              "socket b udp6\n"
	              "close b\n"
	              "socket c udp4\n");
	assert_int_equal(tot.failed, 0);
	assert_int_equal(tot.passed, 5);
	/* a second script continues the first one's world */
	tot = run(in, "bind c 192.0.2.2:53 => EADDRINUSE\n"
	              "advance 1\n"
	              "seed 7\n");
	assert_int_equal(tot.passed, 1);
	assert_int_equal(tot.failed, 2); /* the clock is the host's */

	so = interp_session_find(in, "a");
	assert_non_null(so);
	assert_int_equal(inp_sock_name(so, &ss, &sl), 0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 53);
	assert_null(interp_session_find(in, "b"));   /* closed */
	assert_null(interp_session_find(in, "zz"));
	assert_ptr_equal(interp_session_sock(in, 0, &name), so);
	assert_string_equal(name, "a");
	assert_non_null(interp_session_sock(in, 1, &name));
	assert_string_equal(name, "c");
	assert_null(interp_session_sock(in, 2, NULL));
	assert_int_equal(inp_pcb_count(vnet, INP_PROTO_UDP), 2);

	assert_int_equal(interp_session_close(in), 0);
	assert_int_equal(inp_pcb_count(vnet, INP_PROTO_UDP), 0);
	/* the host and its configuration are still the caller's */
	assert_ptr_equal(inp_if_find(vnet, "tun0"), ifp);
	assert_int_equal(inp_host_destroy(host), 0);
}

static void test_vnet_made_when_missing(void **state)
{
	struct interp_opts opts = quiet_opts();
	struct inp_host *host;
	struct interp *in;

	(void)state;
	assert_int_equal(inp_host_create(NULL, NULL, &host), 0);
	assert_int_equal(interp_session_open(host, &opts, &in), 0);
	assert_ptr_equal(interp_session_vnet(in),
	                 inp_vnet_find(host, "default"));
	assert_int_equal(interp_session_close(in), 0);
	assert_int_equal(inp_host_destroy(host), 0);
}

static void test_own_simulated_host(void **state)
{
	struct interp_opts opts = quiet_opts();
	struct inp_udpstat st;
	struct run_totals tot;
	struct interp *in;

	(void)state;
	assert_int_equal(interp_session_open(NULL, &opts, &in), 0);
	assert_non_null(interp_session_host(in));
	tot = run(in, "ifconfig em0 inet 192.0.2.10/24\n"
	              "socket a udp4\n"
	              "bind a 0.0.0.0:53\n"
	              "advance 1\n"
	              "deliver udp 198.51.100.1:9 192.0.2.10:53 => a\n"
	              "deliver udp 198.51.100.1:9 192.0.2.10:54 => unreach\n");
	assert_int_equal(tot.failed, 0);
	assert_int_equal(inp_udp_stats(interp_session_vnet(in), &st), 0);
	assert_int_equal(st.udps_delivered, 1);
	assert_int_equal(st.udps_noport, 1);
	assert_non_null(interp_session_find(in, "a"));
	/* closes the sockets and destroys its own host */
	assert_int_equal(interp_session_close(in), 0);
}

static void test_bad_arguments(void **state)
{
	struct interp_opts opts = quiet_opts();
	struct interp *in;

	(void)state;
	assert_int_equal(interp_session_open(NULL, NULL, &in), -EINVAL);
	assert_int_equal(interp_session_open(NULL, &opts, NULL), -EINVAL);
	assert_int_equal(interp_session_close(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_host),
		cmocka_unit_test(test_vnet_made_when_missing),
		cmocka_unit_test(test_own_simulated_host),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
