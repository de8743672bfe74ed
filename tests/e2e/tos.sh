#!/bin/sh
# tos.sh - a Linux client sets IP_TOS 0xb9 (DSCP EF with ECT(1): the
# whole byte, ECN bits included) and TTL 17; our socket with IP_RECVTOS,
# IP_RECVTTL, IP_RECVDSTADDR and IP_RECVIF (tos.pcbs) reports them, and
# serve --print shows them.
. "$3/lib.sh"
setup_ns
start_serve --script "$E2E/tos.pcbs" --print

client 192.0.2.2 6000 send --tos 0xb9 --ttl 17 | grep -q '^sent 1 failed 0' ||
	fail "the client could not send"
wait_log '^recv sock=t ' || fail "socket t received nothing"
stop_serve

line=$(grep '^recv sock=t ' "$LOG")
echo "$line"
for want in 'from=192\.0\.2\.1:' ' len=32' ' dst=192\.0\.2\.2' ' tos=0xb9' \
	' ttl=17' ' ifindex=2'; do
	echo "$line" | grep -q "$want" || fail "expected '$want' in: $line"
done
echo "PASS: IP_RECVTOS reports the client's TOS byte"
