#!/bin/sh
# multicast.sh - a Linux client sends to 239.1.2.3:5000 through a
# multicast route via tun0; every one of our sockets bound with a
# combination of SO_REUSEADDR / SO_REUSEPORT and joined to the group
# receives it (multicast.pcbs), the member of another group does not.
. "$3/lib.sh"
setup_ns
in_ns ip route add 224.0.0.0/4 dev "$TUN" || fail "multicast route"
start_serve --script "$E2E/multicast.pcbs" --print

client 239.1.2.3 5000 send --count 3 --pace-us 1000 |
	grep -q '^sent 3 failed 0' || fail "the client could not send"
wait_log '^recv sock=port .*dst=239\.1\.2\.3' || fail "nothing received"
stop_serve

for s in both addr port; do
	[ "$(received $s)" = 3 ] ||
		fail "socket $s received $(received $s) of 3 datagrams"
	grep -q "^recv sock=$s from=192\.0\.2\.1:[0-9]* len=32 dst=239\.1\.2\.3" \
		"$LOG" || fail "no --print line for $s"
done
[ "$(received other)" = 0 ] || fail "socket other got a datagram"
echo "PASS: multicast to every reuse combination"
