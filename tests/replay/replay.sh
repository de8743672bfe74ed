#!/bin/sh
# replay.sh - `inpcb replay` on generated captures (gen_pcap.c) against
# replay.pcbs: per-socket counts, counters, the responses written with
# --out (LINKTYPE_RAW, readable by replay itself), reproducible output,
# raw IP and Ethernet (VLAN, ARP skipped) inputs, and errors.
#
#   sh replay.sh INPCB GEN_PCAP DIR
INPCB=$1
GEN=$2
DIR=$3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/inpcb-replay.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

fail() {
	echo "FAIL: $*"
	[ -s "$WORK/out.txt" ] && sed 's/^/  /' "$WORK/out.txt"
	exit 1
}

# value FIELD: a counter of the last run
value() {
	awk -v f="($1)" '$NF == f { print $1 }' "$WORK/out.txt"
}

# socket NAME N: the socket took N datagrams in the last run
socket_took() {
	grep -q "^socket $1: $2 datagrams received" "$WORK/out.txt" ||
		fail "socket $1 did not take $2 datagrams"
}

replay() {
	"$INPCB" replay "$@" >"$WORK/out.txt" 2>&1
}

for kind in raw ether; do
	"$GEN" "$WORK/$kind.pcap" $kind 10 || fail "gen_pcap $kind"
	replay "$WORK/$kind.pcap" --script "$DIR/replay.pcbs" -q --echo 7 \
		--out "$WORK/resp-$kind.pcap" || fail "$kind: replay failed"
	grep -q '^replay: 100 packets, .* packets/s' "$WORK/out.txt" ||
		fail "$kind: not 100 packets, or no rate"
	socket_took dns 30
	socket_took dns6 20
	socket_took mdns 10
	socket_took dhcp 10
	socket_took echo4:7 10
	[ "$(value ips_total)" = 100 ] || fail "$kind: ips_total"
	[ "$(value udps_ipackets)" = 100 ] || fail "$kind: udps_ipackets"
	[ "$(value udps_badsum)" = 10 ] || fail "$kind: udps_badsum"
	[ "$(value udps_noport)" = 10 ] || fail "$kind: udps_noport"
	[ "$(value udps_delivered)" = 80 ] || fail "$kind: udps_delivered"
	# 10 echo replies and 10 port unreachables (the capture's pace, one
	# packet per ms, stays under the ICMP rate limit)
	grep -q '^replay: 20 packets sent by the stack, written to' \
		"$WORK/out.txt" || fail "$kind: not 20 responses"
done

# the link layer made no difference, and the same input gives the
# same responses, byte for byte
cmp -s "$WORK/resp-raw.pcap" "$WORK/resp-ether.pcap" ||
	fail "raw and Ethernet captures gave different responses"
replay "$WORK/raw.pcap" --script "$DIR/replay.pcbs" -q --echo 7 \
	--out "$WORK/again.pcap" || fail "second replay failed"
cmp -s "$WORK/resp-raw.pcap" "$WORK/again.pcap" || fail "not reproducible"

# the responses file is LINKTYPE_RAW (101) and replays at the sender's
# end: 10 echo replies for its socket, 10 port unreachables received,
# and no ICMP error about an ICMP error
lt=$(od -An -tu4 -j20 -N4 "$WORK/resp-raw.pcap" | tr -d ' ')
[ "$lt" = 101 ] || fail "responses file has link type $lt, not 101"
cat >"$WORK/peer.pcbs" <<'PCBS'
ifconfig em0 inet 198.51.100.1/24
socket client udp4
bind client 0.0.0.0:4004
PCBS
replay "$WORK/resp-raw.pcap" --script "$WORK/peer.pcbs" -q ||
	fail "cannot replay the responses"
grep -q '^replay: 20 packets' "$WORK/out.txt" || fail "responses: not 20"
socket_took client 10
[ "$(value icps_inhist_unreach)" = 10 ] || fail "responses: not 10 ICMP"
[ "$(value icps_error)" = 0 ] || fail "an ICMP error answered an error"

# without a script: em0 appears, and only multicast is for us
replay "$WORK/raw.pcap" || fail "replay without a script failed"
grep -q 'packets arrive on em0' "$WORK/out.txt" ||
	fail "no interface message without a script"
[ "$(value ips_cantforward)" = 90 ] || fail "not 90 ips_cantforward"
[ "$(value udps_noportmcast)" = 10 ] || fail "not 10 udps_noportmcast"

# errors: a missing file, a file that is not a capture, bad options
replay "$WORK/missing.pcap" && fail "a missing capture was accepted"
grep -q 'No such file' "$WORK/out.txt" || fail "no ENOENT message"
replay "$DIR/replay.pcbs" && fail "a script was taken for a capture"
grep -q 'not a capture file' "$WORK/out.txt" || fail "no format message"
"$INPCB" replay >/dev/null 2>&1
[ $? -eq 2 ] || fail "no capture argument: exit status not 2"
"$INPCB" replay "$WORK/raw.pcap" --echo 0 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--echo 0: exit status not 2"

# inpcb stat: the counters after a script's deliver statements
cat >"$WORK/s.pcbs" <<'PCBS'
ifconfig em0 inet 192.0.2.10/24
socket a udp4
bind a 0.0.0.0:53
deliver udp 198.51.100.1:9 192.0.2.10:53 => a
deliver udp 198.51.100.1:9 192.0.2.10:54 => unreach
PCBS
"$INPCB" stat --script "$WORK/s.pcbs" >"$WORK/out.txt" 2>&1 ||
	fail "inpcb stat failed"
[ "$(value udps_delivered)" = 1 ] || fail "stat: udps_delivered"
[ "$(value udps_noport)" = 1 ] || fail "stat: udps_noport"
echo "PASS: replay, responses, reproducibility, errors, stat"
