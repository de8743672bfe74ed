/*
 * test_rss_sockopt.c - the per-socket RSS options (sock.h):
 * INP_IP_RSSBUCKETID (FreeBSD's IP_RSSBUCKETID, read only: the bucket
 * of the connection's replies, TCP 4-tuple / UDP 2-tuple as the groups
 * hash them, masked to net.inet.rss.bits; ENOTCONN unconnected) and
 * INP_IP_RSS_CONNECT_BUCKET (an inpcb extension, -1..127: this socket's
 * connect-style ports aim for that bucket, whatever
 * net.inet.ip.portrange.rss_bucket says).
 */
#include "fixture.h"

#define PEER "198.51.100.7"
#define PEER_PORT 53

static int setup(void **state)
{
	struct fx *f = fx_new(NULL);

	fx_preamble(f);
	fx_sequential_ports(f->vnet, 20000, 20999);
	fx_sysctl_set_ok(f->vnet, "net.inet.rss.bits", 3);
	*state = f;
	return 0;
}

/* The bucket of the reply to PEER:PEER_PORT at our port (RSS-6). */
static unsigned reply_bucket(unsigned lport, bool ports, unsigned bits)
{
	struct sockaddr_storage src = fx_sa(PEER, PEER_PORT),
	                        dst = fx_sa("192.0.2.10", lport);

	return inp_rss_hash(inp_rss_default_key, (struct sockaddr *)&src,
	                    (struct sockaddr *)&dst, ports) &
	       ((1u << bits) - 1);
}

static int bucket_id(struct inp_sock *so, int *v)
{
	socklen_t len = sizeof(*v);

	return inp_sock_getopt(so, INP_IPPROTO_IP, INP_IP_RSSBUCKETID, v,
	                       &len);
}

/* A TCP socket pinned to bucket (or -1), connected to the peer. */
static struct inp_sock *tcp_connected(struct fx *f, int bucket)
{
	struct inp_sock *so = fx_sock_kept(f, AF_INET, INP_PROTO_TCP, NULL);

	if (bucket != -1)
		fx_setopt_int_ok(so, INP_IPPROTO_IP,
		                 INP_IP_RSS_CONNECT_BUCKET, bucket);
	assert_int_equal(fx_connect(so, PEER, PEER_PORT), 0);
	return so;
}

static void test_values(void **state)
{
	struct fx *f = *state;
	struct inp_sock *so = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	struct inp_explain why;
	int v = 0;
	char c = 1;

	assert_int_equal(fx_getopt_int(so, INP_IPPROTO_IP,
	                               INP_IP_RSS_CONNECT_BUCKET), -1);
	fx_setopt_int_ok(so, INP_IPPROTO_IP, INP_IP_RSS_CONNECT_BUCKET, 127);
	assert_int_equal(fx_getopt_int(so, INP_IPPROTO_IP,
	                               INP_IP_RSS_CONNECT_BUCKET), 127);
	fx_setopt_int_ok(so, INP_IPPROTO_IP, INP_IP_RSS_CONNECT_BUCKET, 0);
	assert_int_equal(fx_getopt_int(so, INP_IPPROTO_IP,
	                               INP_IP_RSS_CONNECT_BUCKET), 0);
	assert_int_equal(inp_sock_setopt(so, INP_IPPROTO_IP,
	                                 INP_IP_RSS_CONNECT_BUCKET, &(int){ 128 },
	                                 sizeof(int), &why), -EINVAL);
	assert_string_equal(why.rule, "RSS-10");
	assert_int_equal(fx_setopt_int(so, INP_IPPROTO_IP,
	                               INP_IP_RSS_CONNECT_BUCKET, -2), -EINVAL);
	assert_int_equal(inp_sock_setopt(so, INP_IPPROTO_IP,
	                                 INP_IP_RSS_CONNECT_BUCKET, &c, 1,
	                                 NULL), -EINVAL);
	assert_int_equal(fx_getopt_int(so, INP_IPPROTO_IP,
	                               INP_IP_RSS_CONNECT_BUCKET), 0);
	fx_setopt_int_ok(so, INP_IPPROTO_IP, INP_IP_RSS_CONNECT_BUCKET, -1);
	assert_int_equal(fx_getopt_int(so, INP_IPPROTO_IP,
	                               INP_IP_RSS_CONNECT_BUCKET), -1);

	/* IP_RSSBUCKETID: read only, and only for a connection. */
	assert_int_equal(fx_setopt_int(so, INP_IPPROTO_IP, INP_IP_RSSBUCKETID,
	                               1), -ENOPROTOOPT);
	assert_int_equal(inp_sock_setopt(so, INP_IPPROTO_IP,
	                                 INP_IP_RSSBUCKETID, NULL, 0, NULL),
	                 -ENOPROTOOPT);
	assert_int_equal(bucket_id(so, &v), -ENOTCONN);
	fx_bind_ok(so, "192.0.2.10", 0);
	assert_int_equal(bucket_id(so, &v), -ENOTCONN);
}

/*
 * The socket's bucket wins over the sysctl's, and the connection's
 * IP_RSSBUCKETID is the bucket asked for (its low net.inet.rss.bits
 * bits); a socket without the option follows the sysctl.
 */
static void test_override(void **state)
{
	struct fx *f = *state;
	struct inp_sock *a, *b, *c;
	struct inp_portstat st;
	int v;

	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket", 2);
	a = tcp_connected(f, 6);
	b = tcp_connected(f, -1);
	c = tcp_connected(f, 13);                /* 13 & 7 */
	assert_int_equal(bucket_id(a, &v), 0);
	assert_int_equal(v, 6);
	assert_int_equal(reply_bucket(fx_local_port(a), true, 3), 6);
	assert_int_equal(bucket_id(b, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(bucket_id(c, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(fx_getopt_int(c, INP_IPPROTO_IP,
	                               INP_IP_RSS_CONNECT_BUCKET), 13);
	/* With the sysctl off, the option alone aligns. */
	fx_sysctl_set_ok(f->vnet, "net.inet.ip.portrange.rss_bucket", -1);
	a = tcp_connected(f, 4);
	assert_int_equal(bucket_id(a, &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(inp_port_stats(f->vnet, INP_PROTO_TCP, &st), 0);
	assert_int_equal(st.rss_aligned, 4);
	/* Without either, no alignment, but the bucket is still told. */
	b = tcp_connected(f, -1);
	assert_int_equal(bucket_id(b, &v), 0);
	assert_int_equal(v, (int)reply_bucket(fx_local_port(b), true, 3));
	assert_int_equal(inp_port_stats(f->vnet, INP_PROTO_TCP, &st), 0);
	assert_int_equal(st.rss_aligned, 4);
}

/* UDP's bucket is the 2-tuple's, as the UDP groups place it (RSS-8). */
static void test_udp_bucket(void **state)
{
	struct fx *f = *state;
	struct inp_sock *so = fx_sock_kept(f, AF_INET, INP_PROTO_UDP, NULL);
	int v;

	assert_int_equal(fx_connect(so, PEER, PEER_PORT), 0);
	assert_int_equal(bucket_id(so, &v), 0);
	assert_int_equal(v, (int)reply_bucket(0, false, 3));
	assert_int_equal(inp_sock_disconnect(so, NULL), 0);
	assert_int_equal(bucket_id(so, &v), -ENOTCONN);
}

#define RSS_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		RSS_TEST(test_values),
		RSS_TEST(test_override),
		RSS_TEST(test_udp_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
