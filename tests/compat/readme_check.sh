#!/bin/sh
# readme_check.sh README EXAMPLE - the README's BSD socket example (between
# <!-- compat-example:begin --> and <!-- compat-example:end -->) is
# exactly tests/compat/compat_example.c, which ctest builds and runs.
set -u
block=$(sed -n '/<!-- compat-example:begin -->/,/<!-- compat-example:end -->/p' "$1" |
	sed -n '/^```c$/,/^```$/p' | sed '1d;$d')
[ -n "$block" ] || { echo "FAIL: no compat-example block in $1"; exit 1; }
printf '%s\n' "$block" | diff -u "$2" - ||
	{ echo "FAIL: the README's example differs from $2"; exit 1; }
echo "PASS: the README quotes $2"
