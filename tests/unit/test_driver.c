/*
 * test_driver.c - the driver link (src/io/driver.c) and the loop driver
 * (src/io/loop.c): attach and detach (EBUSY, ENXIO, close called once),
 * polling (counts, limits, the driver's errors, flags passed on to IP
 * input), the loop driver's FIFO order, depth, sizes and truncation, and
 * vnet destruction closing the drivers still attached.
 */
#include "ip_fixture.h"

static uint8_t P[PB_MAX];

/* ---- a scripted driver ------------------------------------------------- */

struct fake {
	unsigned closed, outputs;
	long next;                  /* what input returns when no packet */
	unsigned flags;             /* input_flags */
	size_t len;                 /* a packet waiting (0: none) */
	uint8_t pkt[256];
};

static int fake_output(void *ctx, const void *pkt, size_t len)
{
	struct fake *f = ctx;

	(void)pkt;
	(void)len;
	f->outputs++;
	return -ENOBUFS;
}

static long fake_input(void *ctx, void *buf, size_t cap)
{
	struct fake *f = ctx;
	size_t n = f->len;

	if (n == 0)
		return f->next;
	assert_true(cap >= n);
	memcpy(buf, f->pkt, n);
	f->len = 0;
	return (long)n;
}

static unsigned fake_flags(void *ctx)
{
	return ((struct fake *)ctx)->flags;
}

static void fake_close(void *ctx)
{
	((struct fake *)ctx)->closed++;
}

static const struct inp_driver_ops fake_ops = {
	.name = "fake", .output = fake_output, .input = fake_input,
	.close = fake_close, .input_flags = fake_flags,
};

static const struct inp_driver_ops output_only = {
	.name = "sink", .output = fake_output, .close = fake_close,
};

/* ---- tests ------------------------------------------------------------- */

static void attach_detach(void **state)
{
	struct fake f = { 0 };
	struct inp_ifnet *em2 = fx_if(W, "em2");

	(void)state;
	assert_int_equal(inp_if_attach_driver(W->em0, &fake_ops, &f), -EBUSY);
	assert_int_equal(inp_if_attach_driver(NULL, &fake_ops, &f), -EINVAL);
	assert_int_equal(inp_if_detach_driver(em2), -ENXIO);
	assert_int_equal(inp_if_poll(em2, 1), -ENXIO);
	assert_int_equal(inp_if_attach_driver(em2, &fake_ops, &f), 0);
	assert_int_equal(inp_if_detach_driver(em2), 0);
	assert_int_equal(f.closed, 1);
	assert_int_equal(inp_if_detach_driver(em2), -ENXIO);
	assert_int_equal(f.closed, 1);
	assert_int_equal(inp_if_attach_driver(em2, &output_only, &f), 0);
	assert_int_equal(inp_if_poll(em2, 1), -EOPNOTSUPP);
	assert_int_equal(inp_if_detach_driver(em2), 0);
	assert_int_equal(f.closed, 2);
}

static void poll_passes_errors_and_flags(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, "0.0.0.0", 5000);
	static struct fake f;       /* outlives the test: closed by teardown */
	struct inp_ifnet *em2 = fx_if(W, "em2");
	struct inp_udpstat u;

	(void)state;
	f = (struct fake){ .next = -ENODATA, .flags = INP_PKT_LINK_BCAST };
	fx_if_add4_ok(em2, "10.0.0.1", 24);
	assert_int_equal(inp_if_attach_driver(em2, &fake_ops, &f), 0);
	assert_int_equal(inp_if_poll(em2, 4), -ENODATA);
	/* A datagram for a closed port, "in a broadcast frame": no ICMP. */
	f.len = pb_udp4(f.pkt, "10.0.0.2", 1, "10.0.0.1", 9, NULL, 0);
	assert_int_equal(inp_if_poll(em2, 4), 1);   /* then ENODATA: 1 */
	u = ipw_udp();
	assert_int_equal(u.udps_noportbcast, 1);
	assert_int_equal(f.outputs, 0);
	/* The same without the flag: answered, and the driver refuses. */
	f.flags = 0;
	f.len = pb_udp4(f.pkt, "10.0.0.2", 1, "10.0.0.1", 9, NULL, 0);
	f.next = 0;
	assert_int_equal(inp_if_poll(em2, 4), 1);
	assert_int_equal(f.outputs, 1);
	assert_int_equal(ipw_ip().ips_odropped, 1);
	/* Zero packets polled: 0 (nothing waiting) is not an error. */
	assert_int_equal(inp_if_poll(em2, 4), 0);
	f.len = pb_udp4(f.pkt, "10.0.0.2", 1, "10.0.0.1", 5000, NULL, 0);
	assert_int_equal(inp_if_poll(em2, 0), 0);   /* max 0: none read */
	assert_int_equal(inp_if_poll(em2, 1), 1);
	assert_int_equal(ipw_recv(a, NULL, NULL, 0), 0);
	/* Left attached: vnet destruction closes it (teardown). */
}

static void loop_fifo_depth_sizes(void **state)
{
	const struct inp_driver_ops *ops;
	void *ctx;
	uint8_t buf[8];
	unsigned i;

	(void)state;
	assert_int_equal(inp_loop_open(0, &ops, &ctx), -EINVAL);
	assert_int_equal(inp_loop_open(65537, &ops, &ctx), -EINVAL);
	assert_int_equal(inp_loop_open(3, NULL, &ctx), -EINVAL);
	assert_int_equal(inp_loop_open(3, &ops, &ctx), 0);
	assert_string_equal(ops->name, "loop");
	assert_int_equal(ops->poll_fd(ctx), -1);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(inp_loop_push(ctx, &i, 1), 0);
	assert_int_equal(inp_loop_push(ctx, &i, 1), -ENOBUFS);
	assert_int_equal(ops->output(ctx, &i, 1), -ENOBUFS);
	for (i = 0; i < 3; i++) {
		assert_int_equal(ops->input(ctx, buf, sizeof(buf)), 1);
		assert_int_equal(buf[0], (uint8_t)i);     /* little-endian i */
	}
	assert_int_equal(inp_loop_push(ctx, P, 65536), -EMSGSIZE);
	assert_int_equal(inp_loop_push(NULL, P, 1), -EINVAL);
	memcpy(P, "0123456789", 10);
	assert_int_equal(ops->output(ctx, P, 10), 0);
	assert_int_equal(ops->input(ctx, buf, 4), 4);  /* truncated */
	assert_memory_equal(buf, "0123", 4);
	assert_int_equal(ops->output(ctx, P, 10), 0);  /* closed with it */
	ops->close(ctx);
}

/* Everything sent on em0 comes back on em0 when polled: not ours. */
static void loop_wire(void **state)
{
	struct inp_sock *a = ipw_sock(AF_INET, NULL, 0);
	unsigned i;

	(void)state;
	for (i = 0; i < 5; i++)
		assert_int_equal(ipw_sendto(a, "x", 1, "198.51.100.1", 53), 1);
	assert_int_equal(inp_if_poll(W->em0, 3), 3);
	assert_int_equal(inp_if_poll(W->em0, 3), 2);
	assert_int_equal(ipw_ip().ips_cantforward, 5);
	/* A full queue: the driver's ENOBUFS reaches the sender. */
	for (i = 0; i < 64; i++)
		assert_int_equal(ipw_sendto(a, "x", 1, "198.51.100.1", 53), 1);
	assert_int_equal(ipw_sendto(a, "x", 1, "198.51.100.1", 53), -ENOBUFS);
	assert_int_equal(ipw_ip().ips_odropped, 1);
}

static void bad_arguments(void **state)
{
	struct inp_vnet *other;

	(void)state;
	assert_int_equal(inp_ip_input(NULL, NULL, P, 1, 0), -EINVAL);
	assert_int_equal(inp_ip_input(W->vnet, NULL, NULL, 1, 0), -EINVAL);
	assert_int_equal(inp_ip_input(W->vnet, NULL, P, 1, 0x80), -EINVAL);
	assert_int_equal(inp_vnet_create(W->host, "other", &other), 0);
	assert_int_equal(inp_ip_input(other, W->em0, P, 1, 0), -EINVAL);
	assert_int_equal(inp_vnet_destroy(other), 0);
	assert_int_equal(inp_ip_stats(NULL, NULL), -EINVAL);
	assert_int_equal(inp_if_poll(NULL, 1), -EINVAL);
	assert_int_equal(inp_sock_error(NULL), -EINVAL);
	assert_int_equal(inp_sock_sendto(NULL, P, 1, NULL, 0), -EINVAL);
	/* None of them counted a packet. */
	assert_int_equal(ipw_ip().ips_total, 0);
	assert_int_equal(inp_ip_input(W->vnet, NULL, NULL, 0, 0), 0);
	assert_int_equal(ipw_ip().ips_toosmall, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		IPW_TEST(attach_detach),
		IPW_TEST(poll_passes_errors_and_flags),
		IPW_TEST(loop_fifo_depth_sizes),
		IPW_TEST(loop_wire),
		IPW_TEST(bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
