# lib.sh - sourced by the end-to-end tests: a network namespace with a TUN
# device, `inpcb serve` on it, Linux clients, and the cleanup.
#
# Every test is called as   sh TEST.sh INPCB UDP_CLIENT E2E_DIR
# and uses only documentation addresses, inside a namespace it creates
# and deletes itself:
#   kernel side of tun0   192.0.2.1/24    2001:db8::1/64
#   our stack on tun0     192.0.2.2/24    2001:db8::2/64
# Exit status: 0 pass, 1 fail, 77 skip (not root, no ip(8), no
# /dev/net/tun, namespaces or TUN devices not allowed).

INPCB=$1
CLIENT=$2
E2E=$3
NS=inpcb-e2e-$$
TUN=tun0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/inpcb-e2e.XXXXXX") || exit 1
LOG=$WORK/serve.log
SERVE_PID=
NS_MADE=
trap cleanup EXIT
trap 'exit 1' INT TERM

skip() {
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	if [ -s "$LOG" ]; then
		echo "--- inpcb serve output:"
		sed 's/^/  /' "$LOG"
	fi
	exit 1
}

cleanup() {
	if [ -n "$SERVE_PID" ] && kill -0 "$SERVE_PID" 2>/dev/null; then
		kill -TERM "$SERVE_PID" 2>/dev/null
		sleep 1
		kill -KILL "$SERVE_PID" 2>/dev/null
	fi
	[ -z "$NS_MADE" ] || ip netns del "$NS"
	rm -rf "$WORK"
}

in_ns() {
	ip netns exec "$NS" "$@"
}

# The namespace, tun0 created and configured on the kernel side (as a
# user of `inpcb serve --tun` would), or a skip.  `setup_ns v4only`
# leaves IPv6 off on tun0, so the kernel sends nothing unasked into it.
setup_ns() {
	[ "$(id -u)" = 0 ] || skip "needs root for network namespaces and TUN"
	command -v ip >/dev/null 2>&1 || skip "no ip(8): install iproute2"
	[ -c /dev/net/tun ] || skip "no /dev/net/tun"
	ip netns add "$NS" 2>/dev/null ||
		skip "cannot create a network namespace"
	NS_MADE=1
	in_ns ip link set lo up
	in_ns ip tuntap add dev "$TUN" mode tun 2>/dev/null ||
		skip "cannot create a TUN device"
	in_ns ip addr add 192.0.2.1/24 brd + dev "$TUN" || fail "ip addr"
	if [ "${1:-}" = v4only ]; then
		# /proc/sys/net is the namespace's own (no procps needed)
		in_ns sh -c "echo 1 >/proc/sys/net/ipv6/conf/$TUN/disable_ipv6" ||
			fail "cannot disable IPv6 on $TUN"
	else
		in_ns ip -6 addr add 2001:db8::1/64 dev "$TUN" nodad ||
			fail "ip -6 addr"
	fi
	in_ns ip link set "$TUN" up || fail "ip link up"
}

# inpcb serve on tun0 in the namespace, in the background; waits until it
# says it is serving.  Arguments are added to serve's.
start_serve() {
	# not through in_ns: $! must be serve itself (ip netns exec execs it)
	ip netns exec "$NS" "$INPCB" serve --tun "$TUN" --addr 192.0.2.2/24 \
		--addr 2001:db8::2/64 "$@" >"$LOG" 2>&1 &
	SERVE_PID=$!
	i=0
	while ! grep -q '^serving ' "$LOG"; do
		kill -0 "$SERVE_PID" 2>/dev/null || {
			wait "$SERVE_PID"
			SERVE_PID=
			fail "inpcb serve exited before serving"
		}
		i=$((i + 1))
		[ $i -le 100 ] || fail "inpcb serve did not start in 10 s"
		sleep 0.1
	done
}

# SIGTERM, and a clean exit 0 with the counters printed.
stop_serve() {
	kill -TERM "$SERVE_PID" || fail "inpcb serve is gone"
	wait "$SERVE_PID"
	rc=$?
	SERVE_PID=
	[ $rc -eq 0 ] || fail "inpcb serve exited with $rc after SIGTERM"
	grep -q '^inpcb serve: stopped by SIGTERM' "$LOG" ||
		fail "inpcb serve did not report the signal"
	grep -q '(udps_ipackets)$' "$LOG" ||
		fail "inpcb serve printed no counters at exit"
}

# The value of a counter serve printed at exit: counter udps_noport
counter() {
	awk -v f="($1)" '$NF == f { print $1 }' "$LOG"
}

# Datagrams a served socket took: received SOCKNAME
received() {
	sed -n "s/^socket $1: \([0-9]*\) datagrams received.*/\1/p" "$LOG"
}

# Wait until serve has printed a line matching the regexp, up to 5 s.
wait_log() {
	i=0
	while ! grep -q "$1" "$LOG"; do
		i=$((i + 1))
		[ $i -le 50 ] || return 1
		sleep 0.1
	done
}

client() {
	in_ns "$CLIENT" "$@"
}
