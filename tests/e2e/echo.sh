#!/bin/sh
# echo.sh - unicast UDP echo over IPv4 and IPv6: a Linux client in the
# namespace sends to our stack's address on tun0, `inpcb serve --echo 7`
# answers from the same port, the client checks the bytes.
. "$3/lib.sh"
setup_ns
start_serve --echo 7

client 192.0.2.2 7 echo || fail "no IPv4 echo from 192.0.2.2:7"
client 2001:db8::2 7 echo --size 1200 ||
	fail "no IPv6 echo from [2001:db8::2]:7"
stop_serve

for s in echo4:7 echo6:7; do
	line=$(grep "^socket $s: " "$LOG") || fail "no count for $s"
	n=$(received "$s")
	[ "$n" -ge 1 ] || fail "$s received nothing: $line"
	echo "$line" | grep -q ", $n echoed, 0 echoes refused" ||
		fail "$s did not echo every datagram: $line"
done
[ "$(counter udps_delivered)" -ge 2 ] || fail "udps_delivered < 2"
echo "PASS: echo over IPv4 and IPv6"
