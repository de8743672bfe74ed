/*
 * test_pcap_driver.c - the pcap driver through the public API: what it
 * writes reads back, the link types it strips (files written here byte by
 * byte, not by libpcap), the frames it skips, timestamps and link-layer
 * broadcast flags, and its errors; plus the TUN driver's argument checks
 * (opening a real device is the e2e tests' business).
 */
#include <inpcb/inpcb.h>
#include <inpcb/driver.h>
#include <inpcb/ip.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[64];

/* name in the test's directory; two may be used in one call */
static const char *path(const char *name)
{
	static char buf[2][128];
	static unsigned i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* ---- a capture file written by hand ------------------------------------- */

static FILE *pcap_create(const char *name, uint32_t linktype)
{
	uint32_t hdr[6] = { 0xa1b2c3d4, 2 | 4u << 16, 0, 0, 65535, linktype };
	FILE *f = fopen(path(name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(hdr, sizeof(hdr), 1, f), 1);
	return f;
}

static void pcap_record(FILE *f, uint32_t sec, uint32_t usec,
                        const void *frame, uint32_t caplen, uint32_t len)
{
	uint32_t h[4] = { sec, usec, caplen, len };

	assert_int_equal(fwrite(h, sizeof(h), 1, f), 1);
	assert_int_equal(fwrite(frame, 1, caplen, f), caplen);
}

/* A 28-byte IPv4/UDP-looking packet whose last byte is tag. */
static void ip4(unsigned char *p, unsigned char tag)
{
	memset(p, 0, 28);
	p[0] = 0x45;
	p[3] = 28;
	p[9] = 17;
	p[27] = tag;
}

static void ip6(unsigned char *p, unsigned char tag)
{
	memset(p, 0, 48);
	p[0] = 0x60;
	p[5] = 8;
	p[6] = 17;
	p[47] = tag;
}

/* ---- reading back what the driver wrote --------------------------------- */

static void test_roundtrip(void **state)
{
	const struct inp_driver_ops *ops;
	unsigned char a[28], b[48], buf[256];
	struct timespec ts = { 1700000000, 123456000 }, got;
	void *ctx;

	(void)state;
	ip4(a, 1);
	ip6(b, 2);
	assert_int_equal(inp_pcap_open(NULL, path("out.pcap"), &ops, &ctx), 0);
	assert_string_equal(ops->name, "pcap");
	assert_int_equal(inp_pcap_set_ts(ctx, &ts), 0);
	assert_int_equal(ops->output(ctx, a, sizeof(a)), 0);
	assert_int_equal(ops->output(ctx, b, sizeof(b)), 0);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), -ENODATA);
	ops->close(ctx);

	assert_int_equal(inp_pcap_open(path("out.pcap"), NULL, &ops, &ctx), 0);
	assert_int_equal(inp_pcap_last_ts(ctx, &got, NULL), -ENODATA);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), sizeof(a));
	assert_memory_equal(buf, a, sizeof(a));
	assert_int_equal(inp_pcap_last_ts(ctx, &got, NULL), 0);
	assert_int_equal(got.tv_sec, ts.tv_sec);
	assert_int_equal(got.tv_nsec, ts.tv_nsec);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), sizeof(b));
	assert_memory_equal(buf, b, sizeof(b));
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), -ENODATA);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), -ENODATA);
	/* an input-only driver cannot send */
	assert_int_equal(ops->output(ctx, a, sizeof(a)), -ENETDOWN);
	ops->close(ctx);
}

/* Output stamped with the input's last timestamp by default. */
static void test_output_follows_input(void **state)
{
	const struct inp_driver_ops *ops;
	unsigned char a[28], buf[64];
	struct timespec got;
	void *ctx;
	FILE *f;

	(void)state;
	ip4(a, 3);
	f = pcap_create("one.pcap", 101);
	pcap_record(f, 1600000000, 500000, a, sizeof(a), sizeof(a));
	fclose(f);
	assert_int_equal(inp_pcap_open(path("one.pcap"), path("echo.pcap"),
	                               &ops, &ctx), 0);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), sizeof(a));
	assert_int_equal(ops->output(ctx, buf, sizeof(a)), 0);
	ops->close(ctx);

	assert_int_equal(inp_pcap_open(path("echo.pcap"), NULL, &ops, &ctx),
	                 0);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), sizeof(a));
	assert_int_equal(inp_pcap_last_ts(ctx, &got, NULL), 0);
	assert_int_equal(got.tv_sec, 1600000000);
	assert_int_equal(got.tv_nsec, 500000000);
	ops->close(ctx);
}

/* ---- link types ---------------------------------------------------------- */

static void test_ethernet(void **state)
{
	const struct inp_driver_ops *ops;
	unsigned char fr[80], buf[128];
	struct timespec ts;
	unsigned flags;
	void *ctx;
	FILE *f = pcap_create("eth.pcap", 1);

	(void)state;
	/* unicast IPv4 */
	memset(fr, 0, sizeof(fr));
	fr[0] = 0x02;
	fr[12] = 0x08;
	ip4(fr + 14, 10);
	pcap_record(f, 1, 0, fr, 14 + 28, 14 + 28);
	/* ARP: skipped */
	memset(fr, 0xff, 6);
	fr[12] = 0x08;
	fr[13] = 0x06;
	pcap_record(f, 2, 0, fr, 42, 42);
	/* multicast IPv6 in an 802.1Q tag */
	memset(fr, 0, sizeof(fr));
	fr[0] = 0x33;
	fr[1] = 0x33;
	fr[12] = 0x81;
	fr[15] = 7;
	fr[16] = 0x86;
	fr[17] = 0xdd;
	ip6(fr + 18, 11);
	pcap_record(f, 3, 0, fr, 18 + 48, 18 + 48);
	/* a runt: skipped */
	pcap_record(f, 4, 0, fr, 10, 10);
	fclose(f);

	assert_int_equal(inp_pcap_open(path("eth.pcap"), NULL, &ops, &ctx), 0);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), 28);
	assert_int_equal(buf[0], 0x45);
	assert_int_equal(buf[27], 10);
	assert_int_equal(inp_pcap_last_ts(ctx, &ts, &flags), 0);
	assert_int_equal(flags, 0);
	assert_int_equal(ops->input_flags(ctx), 0);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), 48);
	assert_int_equal(buf[0], 0x60);
	assert_int_equal(buf[47], 11);
	assert_int_equal(inp_pcap_last_ts(ctx, &ts, &flags), 0);
	assert_int_equal(ts.tv_sec, 3);
	assert_int_equal(flags, INP_PKT_LINK_BCAST);
	assert_int_equal(ops->input_flags(ctx), INP_PKT_LINK_BCAST);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), -ENODATA);
	ops->close(ctx);
}

static void test_cooked_and_loopback(void **state)
{
	const struct inp_driver_ops *ops;
	unsigned char fr[80], buf[128];
	void *ctx;
	FILE *f;

	(void)state;
	f = pcap_create("sll.pcap", 113);
	memset(fr, 0, sizeof(fr));
	fr[14] = 0x08;
	ip4(fr + 16, 20);
	pcap_record(f, 1, 0, fr, 16 + 28, 16 + 28);
	fclose(f);
	assert_int_equal(inp_pcap_open(path("sll.pcap"), NULL, &ops, &ctx), 0);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), 28);
	assert_int_equal(buf[27], 20);
	ops->close(ctx);

	f = pcap_create("null.pcap", 0);
	memset(fr, 0, sizeof(fr));
	fr[0] = 2; /* AF_INET, little-endian host */
	ip4(fr + 4, 21);
	pcap_record(f, 1, 0, fr, 4 + 28, 4 + 28);
	fclose(f);
	assert_int_equal(inp_pcap_open(path("null.pcap"), NULL, &ops, &ctx),
	                 0);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), 28);
	assert_int_equal(buf[27], 21);
	ops->close(ctx);
}

/* Cut by the snap length or by the caller's buffer: passed on as cut. */
static void test_truncation(void **state)
{
	const struct inp_driver_ops *ops;
	unsigned char a[28], buf[64];
	void *ctx;
	FILE *f = pcap_create("cut.pcap", 101);

	(void)state;
	ip4(a, 30);
	pcap_record(f, 1, 0, a, 20, 28);
	pcap_record(f, 2, 0, a, 28, 28);
	/* not IP at all on a raw link: skipped */
	a[0] = 0x20;
	pcap_record(f, 3, 0, a, 28, 28);
	fclose(f);
	assert_int_equal(inp_pcap_open(path("cut.pcap"), NULL, &ops, &ctx), 0);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), 20);
	assert_int_equal(ops->input(ctx, buf, 10), 10);
	assert_int_equal(ops->input(ctx, buf, sizeof(buf)), -ENODATA);
	ops->close(ctx);
}

/* ---- errors -------------------------------------------------------------- */

static void test_errors(void **state)
{
	const struct inp_driver_ops *ops;
	struct timespec ts = { 0, 1000000000L };
	void *ctx;
	FILE *f;

	(void)state;
	assert_int_equal(inp_pcap_open(NULL, NULL, &ops, &ctx), -EINVAL);
	assert_int_equal(inp_pcap_open(path("none"), NULL, &ops, &ctx),
	                 -ENOENT);
	assert_int_equal(inp_pcap_open(NULL, path("no/such/dir"), &ops, &ctx),
	                 -ENOENT);
	f = fopen(path("text.pcap"), "w");
	assert_non_null(f);
	fputs("this is not a capture file, not at all\n", f);
	fclose(f);
	assert_int_equal(inp_pcap_open(path("text.pcap"), NULL, &ops, &ctx),
	                 -EINVAL);
	f = pcap_create("wifi.pcap", 105); /* IEEE 802.11 */
	fclose(f);
	assert_int_equal(inp_pcap_open(path("wifi.pcap"), NULL, &ops, &ctx),
	                 -EPROTONOSUPPORT);

	assert_int_equal(inp_pcap_open(NULL, path("o.pcap"), &ops, &ctx), 0);
	assert_int_equal(inp_pcap_set_ts(ctx, &ts), -EINVAL);
	assert_int_equal(inp_pcap_set_ts(ctx, NULL), 0);
	assert_int_equal(inp_pcap_last_ts(ctx, &ts, NULL), -ENODATA);
	ops->close(ctx);
}

static void test_tun_arguments(void **state)
{
	const struct inp_driver_ops *ops;
	void *ctx;

	(void)state;
	assert_int_equal(inp_tun_open("", &ops, &ctx), -EINVAL);
	assert_int_equal(inp_tun_open(NULL, &ops, &ctx), -EINVAL);
	assert_int_equal(inp_tun_open("a-name-longer-than-ifnamsiz", &ops,
	                              &ctx), -EINVAL);
	assert_int_equal(inp_tun_open("tun0", NULL, &ctx), -EINVAL);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/inpcb-pcap.XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const files[] = { "out.pcap", "one.pcap",
		"echo.pcap", "eth.pcap", "sll.pcap", "null.pcap", "cut.pcap",
		"text.pcap", "wifi.pcap", "o.pcap" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(path(files[i]));
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_output_follows_input),
		cmocka_unit_test(test_ethernet),
		cmocka_unit_test(test_cooked_and_loopback),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_tun_arguments),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
