#!/bin/sh
# man_check.sh MANDIR - every page in MANDIR formats without a warning.
#
# Runs `man --warnings -l` on each *.[1-9] page (80 columns, output
# discarded) and fails when any page produces a diagnostic or does not
# format.  Exit 77 (skip) when man(1) is not installed (scripts/deps
# installs man-db and groff-base).
set -u
dir=$1
command -v man >/dev/null 2>&1 || { echo "skip: man(1) is not installed"; exit 77; }
status=0
n=0
for page in "$dir"/*.[1-9]; do
	[ -e "$page" ] || continue
	n=$((n + 1))
	if ! out=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -l "$page" 2>&1 >/dev/null); then
		echo "FAIL: $page does not format"
		status=1
	fi
	if [ -n "$out" ]; then
		echo "FAIL: $page:"
		printf '%s\n' "$out"
		status=1
	fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no man pages in $dir"; exit 1; }
[ "$status" -eq 0 ] && echo "man_check: $n pages, no warnings"
exit "$status"
