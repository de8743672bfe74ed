#!/bin/sh
# flood.sh - 100,000 datagrams from a Linux client at full speed, every
# one accounted for.  Each datagram the client's send(2) accepted either
# was dropped by the kernel at tun0 (its tx_dropped counter: the device
# queue was full because we read slower than the client sent), or reached
# our stack and is in udps_ipackets; there, each was delivered to the
# socket "sink" (and counted by serve when it took it) or counted in one
# of the named UDP drop counters.  IPv6 is off on tun0 so that the kernel
# sends nothing else into the device (no router solicitations, no MLD)
# and the equations are exact.
. "$3/lib.sh"
N=100000
setup_ns v4only
start_serve --script "$E2E/flood.pcbs" -q

devstat() {
	in_ns cat "/sys/class/net/$TUN/statistics/$1"
}
drop0=$(devstat tx_dropped)
t0=$(date +%s)
out=$(client 192.0.2.2 7000 send --count $N --size 64) ||
	fail "the client failed: $out"
t1=$(date +%s)
sent=$(echo "$out" | sed -n 's/^sent \([0-9]*\) failed \([0-9]*\)$/\1/p')
failed=$(echo "$out" | sed -n 's/^sent \([0-9]*\) failed \([0-9]*\)$/\2/p')
[ -n "$sent" ] || fail "the client said: $out"
# let serve empty the device queue; it also drains it after the signal
sleep 1
kdrop=$(($(devstat tx_dropped) - drop0))
stop_serve

ipk=$(counter udps_ipackets)
dlv=$(counter udps_delivered)
sink=$(received sink)
drops=0
for c in udps_hdrops udps_badlen udps_badsum udps_dport0 udps_noport \
	udps_filtermcast udps_minttl udps_macdrop udps_fullsock; do
	v=$(counter $c)
	[ "$v" -eq 0 ] || echo "  $c = $v"
	drops=$((drops + v))
done
echo "client: $sent sent, $failed refused by the local stack ($((t1 - t0)) s)"
echo "kernel: $kdrop dropped at $TUN (tx_dropped)"
echo "inpcb:  $ipk received, $dlv delivered, $drops dropped by UDP, sink took $sink"

[ $((sent + failed)) -eq $N ] || fail "the client did not try $N datagrams"
[ "$sent" -eq $((ipk + kdrop)) ] ||
	fail "unaccounted: sent $sent != received $ipk + kernel drops $kdrop"
[ "$ipk" -eq $((dlv + drops)) ] ||
	fail "unaccounted in the stack: $ipk != delivered $dlv + drops $drops"
[ "$dlv" -eq "$sink" ] ||
	fail "delivered $dlv but the sink socket took $sink"
[ "$ipk" -gt 0 ] || fail "nothing reached the stack"
echo "PASS: $N datagrams, every one accounted for"
