#!/bin/sh
# run_spin.sh - verify the Promela models of this directory exhaustively
# with Spin and check the outcomes we expect.
#
# The reference-count model (inpcb_refcount.pml):
#   -DFIXED             the library's protocol: 0 errors, both passes;
#   (no FIXED)          before the INP_FREED fix: errors (the 2.3 race);
#   -DFIXED -DDECFIRST  FreeBSD's fix order on malloc'd memory: errors
#                       (use after reclaim, RC-11/RC-12).
# The read-bias model (inpcb_rbias.pml, x86-TSO store buffers):
#   (none)              the library's protocol: 0 errors;
#   -DNOMB              no membarrier: a biased reader meets the writer;
#   -DNOREBIAS          a giving-up try-lock leaves the bias cleared: the
#                       next writer skips the search (errors).
#
# Each variant gets two pan runs: assertions and invalid end states
# (deadlocks) without the never claim, then the LTL property with
# acceptance-cycle search.  For a variant that fails, the shortest
# counterexample is replayed and its printf lines shown.
#
# Usage: run_spin.sh [work-directory]      (exit 77: spin not installed)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
work=${1:-${TMPDIR:-/tmp}/inpcb-model.$$}
cc=${CC:-cc}
depth=100000

if ! command -v spin >/dev/null 2>&1; then
	echo "SKIP: spin is not installed (scripts/deps installs it)"
	exit 77
fi
mkdir -p "$work"
status=0

# verify NAME MODEL EXPECT DEFINES...   EXPECT is "clean" or "errors"
verify() {
	name=$1 model=$2 expect=$3
	shift 3
	dir=$work/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$here/$model" "$dir/"
	(
		cd "$dir"
		spin "$@" -a $model >spin.out 2>&1 || { cat spin.out; exit 1; }
		# Tiny state spaces: compile time dominates, so no -O.
		# REACH: -i (shortest counterexample) needs it.
		$cc -O0 -w -DNOCLAIM -DREACH -o pan_safety pan.c
		$cc -O0 -w -o pan_ltl pan.c
		./pan_safety -m$depth >safety.out 2>&1 || true
		# the LTL run's trail goes to $model.ltl, not $model.trail
		./pan_ltl -a -m$depth -tltl >ltl.out 2>&1 || true
	) || { echo "$name: could not build the verifier"; status=1; return; }
	es=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/safety.out")
	el=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/ltl.out")
	ss=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' "$dir/safety.out")
	sl=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' "$dir/ltl.out")
	if [ -z "$es" ] || [ -z "$el" ]; then
		echo "$name: no verdict from pan"
		cat "$dir/safety.out" "$dir/ltl.out"
		status=1
		return
	fi
	echo "$name ($*): assertions+deadlocks: $es error(s), $ss states;" \
	     "LTL: $el error(s), $sl states"
	if grep -q "max search depth too small" "$dir/safety.out" \
	       "$dir/ltl.out"; then
		echo "$name: search truncated at depth $depth: not exhaustive"
		status=1
	fi
	case $expect in
	clean)
		if [ "$es" != 0 ] || [ "$el" != 0 ]; then
			echo "$name: FAIL: expected no errors"
			grep -E "violated|invalid end state" "$dir/safety.out" \
			     "$dir/ltl.out" || true
			status=1
		fi ;;
	errors)
		if [ "$es" = 0 ] || [ "$el" = 0 ]; then
			echo "$name: FAIL: expected the race to be found"
			status=1
			return
		fi
		# the shortest assertion counterexample, replayed
		(cd "$dir" && ./pan_safety -m$depth -i >shortest.out 2>&1) || true
		echo "$name: shortest counterexample (spin -t $* $model):"
		(cd "$dir" && spin "$@" -t -B $model 2>&1) |
			grep -v '^ltl ' | sed 's/^ */    /'
		;;
	esac
}

verify fixed inpcb_refcount.pml clean -DFIXED
verify unfixed inpcb_refcount.pml errors
verify fixed-decrement-first inpcb_refcount.pml errors -DFIXED -DDECFIRST
verify rbias inpcb_rbias.pml clean
verify rbias-no-membarrier inpcb_rbias.pml errors -DNOMB
verify rbias-no-rebias inpcb_rbias.pml errors -DNOREBIAS

if [ $status -eq 0 ]; then
	echo "model: ok (work files in $work)"
else
	echo "model: FAILED (work files in $work)"
fi
exit $status
