#!/bin/sh
# embedding_check.sh GUIDE.md EXAMPLE.c - the guide quotes the example
# exactly.
#
# Every ```c block of GUIDE.md preceded by the line
# "<!-- from udp_echo.c -->" must appear in EXAMPLE.c as consecutive
# lines, character for character, so that the guide cannot drift from
# the program CI builds and runs.  Fails when a block is not found or
# when the guide quotes nothing.
set -u
guide=$1
example=$2
awk -v ex="$example" '
	BEGIN {
		while ((getline line < ex) > 0)
			src[++nsrc] = line
		if (nsrc == 0) { print "FAIL: cannot read " ex; exit 2 }
	}
	# Is blk[1..nblk] a run of consecutive lines of the example?
	function found(   i, j) {
		for (i = 1; i + nblk - 1 <= nsrc; i++) {
			for (j = 1; j <= nblk && src[i + j - 1] == blk[j]; j++)
				;
			if (j > nblk)
				return 1
		}
		return 0
	}
	/^<!-- from udp_echo\.c -->$/ { marked = NR + 1; next }
	marked == NR && /^```c$/ { inblk = 1; nblk = 0; start = NR; next }
	inblk && /^```$/ {
		inblk = 0; nquoted++
		if (!found()) {
			printf "FAIL: %s:%d: the block is not in %s\n", FILENAME, start, ex
			bad++
		}
		next
	}
	inblk { blk[++nblk] = $0 }
	END {
		if (nsrc == 0) exit 2
		if (nquoted == 0) { print "FAIL: no quoted block in " FILENAME; exit 1 }
		if (bad) exit 1
		printf "embedding_check: %d blocks match %s\n", nquoted, ex
	}
' "$guide"
