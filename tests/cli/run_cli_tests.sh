#!/bin/sh
# run_cli_tests.sh - behaviour of `inpcb run`: exit statuses, the closing
# line, FAIL marks, parse errors, -q, directories, --explain, --seed, and
# the top-level usage.  POSIX sh.
#
# usage: run_cli_tests.sh PATH/TO/inpcb PATH/TO/tests/cli
set -u

INPCB=${1:?usage: run_cli_tests.sh INPCB CLI_DIR}
DIR=${2:?usage: run_cli_tests.sh INPCB CLI_DIR}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/inpcb-cli.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM
OUT=$TMP/out
ERR=$TMP/err
failures=0

fail() {
	echo "FAIL: $*"
	echo "--- stdout:"; cat "$OUT"
	echo "--- stderr:"; cat "$ERR"
	failures=$((failures + 1))
}

# run ARGS...: run inpcb, keep stdout/stderr, set $status.
run() {
	"$INPCB" "$@" >"$OUT" 2>"$ERR"
	status=$?
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "$2: exit status $status, expected $1"
}

# expect_out FILE TEXT WHAT: FILE contains the fixed string TEXT.
expect_in() {
	grep -F -q -- "$2" "$1" || fail "$3: no '$2'"
}

expect_not_in() {
	if grep -F -q -- "$2" "$1"; then fail "$3: unexpected '$2'"; fi
}

# ---- a passing file ------------------------------------------------------
run run "$DIR/pass.pcbs"
expect_status 0 "pass.pcbs"
expect_in "$OUT" "8 passed, 0 failed" "pass.pcbs"
[ "$(tail -n 1 "$OUT")" = "8 passed, 0 failed" ] ||
	fail "pass.pcbs: the closing line is not last"
expect_in "$OUT" "pass.pcbs:3:" "pass.pcbs: FILE:LINE prefix"
expect_in "$OUT" "-> 192.0.2.10:5000" "pass.pcbs: endpoint result"
expect_in "$OUT" "-> 198.51.100.1:9 len=0" "pass.pcbs: recv is printed"
expect_not_in "$OUT" "FAIL" "pass.pcbs"

# ---- a wrong expectation -------------------------------------------------
run run "$DIR/fail.pcbs"
expect_status 1 "fail.pcbs"
expect_in "$OUT" "fail.pcbs:5:" "fail.pcbs"
expect_in "$OUT" "-> EADDRINUSE  FAIL (expected ok)" "fail.pcbs"
expect_in "$OUT" "4 passed, 1 failed" "fail.pcbs: later statements run"

# ---- a parse error: exit 2, the file does not run, others do --------------
run run "$DIR/parse_error.pcbs"
expect_status 2 "parse_error.pcbs"
expect_in "$ERR" "parse_error.pcbs:3: error: unknown command 'bnd'" \
	"parse_error.pcbs"
expect_in "$OUT" "0 passed, 0 failed" "parse_error.pcbs: nothing ran"
run run "$DIR/parse_error.pcbs" "$DIR/pass.pcbs"
expect_status 2 "parse error with a good file"
expect_in "$OUT" "8 passed, 0 failed" "parse error: the good file still runs"
run run "$DIR/no-such-file.pcbs"
expect_status 2 "missing file"
expect_in "$ERR" "no-such-file.pcbs: error: cannot read" "missing file"

# ---- -q: only failures and the closing line -------------------------------
run run -q "$DIR/pass.pcbs"
expect_status 0 "-q pass.pcbs"
[ "$(cat "$OUT")" = "8 passed, 0 failed" ] ||
	fail "-q pass.pcbs: printed more than the closing line"
run run -q "$DIR/fail.pcbs"
expect_status 1 "-q fail.pcbs"
[ "$(wc -l <"$OUT")" -eq 2 ] || fail "-q fail.pcbs: expected 2 lines"
expect_in "$OUT" "fail.pcbs:5:" "-q fail.pcbs"
expect_not_in "$OUT" "fail.pcbs:3:" "-q fail.pcbs"

# ---- a directory: its *.pcbs files, in name order ------------------------
run run "$DIR/dir"
expect_status 0 "dir"
expect_in "$OUT" "3 passed, 0 failed" "dir"
expect_not_in "$OUT" "not-a-script" "dir"
first=$(grep -n 'a\.pcbs:' "$OUT" | head -n 1 | cut -d: -f1)
second=$(grep -n 'b\.pcbs:' "$OUT" | head -n 1 | cut -d: -f1)
[ -n "$first" ] && [ -n "$second" ] && [ "$first" -lt "$second" ] ||
	fail "dir: a.pcbs must run before b.pcbs"

# ---- --explain -----------------------------------------------------------
run run --explain "$DIR/pass.pcbs"
expect_status 0 "--explain"
expect_in "$OUT" "    why: " "--explain"
run run "$DIR/pass.pcbs"
expect_not_in "$OUT" "why:" "without --explain"

# ---- --comments: the script's comments are narrated ----------------------
run run --comments "$DIR/pass.pcbs"
expect_status 0 "--comments"
expect_in "$OUT" "# CLI fixture: every statement holds" "--comments (lead)"
expect_in "$OUT" "    # a query: printed, not counted" "--comments (trailing)"
run run "$DIR/pass.pcbs"
expect_not_in "$OUT" "# a query" "without --comments"

# ---- --seed: reproducible runs -------------------------------------------
run run --seed 7 "$DIR/seeded.pcbs"
expect_status 0 "--seed 7"
cp "$OUT" "$TMP/seed7"
run run --seed=7 "$DIR/seeded.pcbs"
cmp -s "$OUT" "$TMP/seed7" || fail "--seed 7: two runs differ"
run run --seed random "$DIR/seeded.pcbs"
expect_status 0 "--seed random"
expect_in "$ERR" "--seed" "--seed random names the seed it used"
run run --seed bogus "$DIR/seeded.pcbs"
expect_status 2 "--seed bogus"

# ---- usage ---------------------------------------------------------------
run --help
expect_status 0 "--help"
expect_in "$OUT" "usage: inpcb" "--help"
run --version
expect_status 0 "--version"
expect_in "$OUT" "inpcb " "--version"
run frobnicate
expect_status 2 "unknown subcommand"
expect_in "$ERR" "usage: inpcb" "unknown subcommand: usage on stderr"
run
expect_status 2 "no subcommand"
run run
expect_status 2 "run without scripts"
run run --frobnicate "$DIR/pass.pcbs"
expect_status 2 "run with an unknown option"

if [ "$failures" -ne 0 ]; then
	echo "$failures CLI check(s) failed"
	exit 1
fi
echo "all CLI checks passed"
exit 0
