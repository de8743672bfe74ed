#!/bin/sh
# broadcast.sh - a Linux client with SO_BROADCAST sends to 192.0.2.255,
# the broadcast address of tun0's subnet; our sockets on the port get it
# (broadcast.pcbs), and no ICMP error answers a broadcast.
. "$3/lib.sh"
setup_ns
start_serve --script "$E2E/broadcast.pcbs" --print

client 192.0.2.255 5001 send --broadcast | grep -q '^sent 1 failed 0' ||
	fail "the client could not send"
client 192.0.2.255 5002 send --broadcast | grep -q '^sent 1 failed 0' ||
	fail "the client could not send"
wait_log '^recv sock=wild .*dst=192\.0\.2\.255' || fail "nothing received"
stop_serve

for s in wild bcast; do
	[ "$(received $s)" = 1 ] || fail "socket $s: $(received $s) datagrams"
done
[ "$(counter udps_noportbcast)" -ge 1 ] ||
	fail "the broadcast to port 5002 was not counted in udps_noportbcast"
[ "$(counter icps_error)" = 0 ] || fail "an ICMP error answered a broadcast"
echo "PASS: broadcast to 192.0.2.255"
