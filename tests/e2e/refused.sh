#!/bin/sh
# refused.sh - a connected Linux UDP client sends to a port of our stack
# where nothing listens: our ICMP / ICMPv6 port unreachable makes its next
# receive fail with ECONNREFUSED.
. "$3/lib.sh"
setup_ns
start_serve

client 192.0.2.2 9 refused --timeout-ms 1000 ||
	fail "IPv4: no ECONNREFUSED at the client"
client 2001:db8::2 9 refused --timeout-ms 1000 ||
	fail "IPv6: no ECONNREFUSED at the client"
stop_serve

[ "$(counter udps_noport)" -ge 2 ] || fail "udps_noport < 2"
[ "$(counter icps_error)" -ge 2 ] || fail "icps_error < 2: no ICMP sent"
echo "PASS: ECONNREFUSED over IPv4 and IPv6"
