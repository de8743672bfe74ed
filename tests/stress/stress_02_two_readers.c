/*
 * Stress scenario 2 (spec section 12): two readers releasing the last
 * references.  A and B hold lookup references on a PCB, C frees it, then
 * A and B release from read locks held at the same time, in both orders
 * (the race of section 2.3 that INP_FREED fixed); plus releases before
 * the free, a free waiting for a reader's lock, and unforced rounds.
 * Exactly one release reclaims, the other answers "gone", nobody touches
 * reclaimed memory.  The machinery is in refrace.h.
 */
#include "refrace.h"

int main(int argc, char **argv)
{
	return rr_run(argc, argv, "stress_02_two_readers", false);
}
