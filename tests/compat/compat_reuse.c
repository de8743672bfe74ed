/*
 * compat_reuse.c - the bind reuse matrix through socket()/setsockopt()/
 * bind(): for every combination of SO_REUSEADDR, SO_REUSEPORT and
 * SO_REUSEPORT_LB on an existing socket and on a new one binding the same
 * address and port, the outcome FreeBSD gives (spec tables 1 and 2, as
 * tests/scenarios/reuse-table{1,2}-*-ipv4.pcbs state them): a unicast
 * address and a multicast group.
 */
#include <inpcb/compat.h>

#include "compat_test.h"

/* Option sets, in the order of the tables: 0 A P L AP AL PL APL. */
#define A 1
#define P 2
#define L 4
static const int sets[8] = { 0, A, P, L, A | P, A | L, P | L, A | P | L };

/* ok[new][existing], 1 when the new socket binds. */
static const char unicast[8][8] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0, 0, 0, 0 },
	{ 0, 0, 1, 0, 1, 0, 1, 1 }, { 0, 0, 0, 1, 0, 1, 1, 1 },
	{ 0, 0, 1, 0, 1, 0, 1, 1 }, { 0, 0, 0, 1, 0, 1, 1, 1 },
	{ 0, 0, 1, 1, 1, 1, 1, 1 }, { 0, 0, 1, 1, 1, 1, 1, 1 },
};
static const char multicast[8][8] = {
	{ 0, 0, 0, 0, 0, 0, 0, 0 }, { 0, 1, 1, 1, 1, 1, 1, 1 },
	{ 0, 1, 1, 0, 1, 1, 1, 1 }, { 0, 1, 0, 1, 1, 1, 1, 1 },
	{ 0, 1, 1, 1, 1, 1, 1, 1 }, { 0, 1, 1, 1, 1, 1, 1, 1 },
	{ 0, 1, 1, 1, 1, 1, 1, 1 }, { 0, 1, 1, 1, 1, 1, 1, 1 },
};

static int udp_with(int set)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0), one = 1;

	CHECK(s >= 0);
	if (set & A)
		CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one,
		                 sizeof(one)) == 0);
	if (set & P)
		CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one,
		                 sizeof(one)) == 0);
	if (set & L)
		CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEPORT_LB, &one,
		                 sizeof(one)) == 0);
	return s;
}

static int run_table(const char *addr, const char (*ok)[8], unsigned port)
{
	struct sockaddr_in sin;
	int n, e, s1, s2, rc, bad = 0;

	for (n = 0; n < 8; n++) {
		for (e = 0; e < 8; e++, port++) {
			sin = sin4(addr, port);
			s1 = udp_with(sets[e]);
			CHECK(bind(s1, SA(&sin), sizeof(sin)) == 0);
			s2 = udp_with(sets[n]);
			rc = bind(s2, SA(&sin), sizeof(sin));
			if ((rc == 0) != ok[n][e] ||
			    (rc < 0 && errno != EADDRINUSE)) {
				fprintf(stderr, "%s new %d existing %d: bind "
				        "%s\n", addr, n, e,
				        rc == 0 ? "ok" : strerror(errno));
				bad++;
			}
			CHECK(close(s2) == 0);
			CHECK(close(s1) == 0);
		}
	}
	return bad;
}

int main(void)
{
	int bad = run_table("192.0.2.10", unicast, 20000);

	bad += run_table("239.1.1.1", multicast, 21000);
	if (bad != 0) {
		fprintf(stderr, "%d outcome(s) differ from FreeBSD's\n", bad);
		return 1;
	}
	printf("PASS: bind reuse matrix, 128 pairs\n");
	return 0;
}
