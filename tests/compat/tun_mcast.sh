#!/bin/sh
# tun_mcast.sh - compat_mcast (a plain BSD program on <inpcb/compat.h>)
# over a TUN device: INPCB_TUN=tun0 and INPCB_SCRIPT=tun.pcbs make its
# stack; a Linux client in the namespace sends three datagrams with TOS
# 0xb8 to 239.1.2.3:5000, and the program must read the TOS and the
# group through IP_RECVTOS / IP_RECVDSTADDR control messages.
#   sh tun_mcast.sh COMPAT_MCAST UDP_CLIENT E2E_DIR COMPAT_DIR
. "$3/lib.sh"
PROG=$1
DIR=$4
setup_ns v4only
in_ns ip route add 224.0.0.0/4 dev "$TUN" || fail "multicast route"
OUT=$WORK/prog.out
INPCB_TUN=$TUN INPCB_SCRIPT=$DIR/tun.pcbs \
	ip netns exec "$NS" "$PROG" 192.0.2.2 3 >"$OUT" 2>&1 &
PID=$!
i=0
until grep -q '^ready' "$OUT"; do
	kill -0 $PID 2>/dev/null || { cat "$OUT"; fail "compat_mcast exited"; }
	i=$((i + 1))
	[ $i -le 100 ] || fail "compat_mcast did not get ready in 10 s"
	sleep 0.1
done
sent=$(client 239.1.2.3 5000 send --count 3 --tos 0xb8 --pace-us 1000 2>&1)
echo "$sent" | grep -q '^sent 3 failed 0' ||
	fail "the client could not send: $sent"
wait $PID
rc=$?
cat "$OUT"
[ $rc -eq 0 ] || fail "compat_mcast exited with $rc"
grep -q '^PASS' "$OUT" || fail "compat_mcast did not pass"
echo "PASS: compat_mcast over TUN"
