/*
 * Stress scenario 3 (spec section 12): writer and reader releases mixed.
 * Scenario 2 with one reader releasing from a read lock and the other
 * from a write lock (both assignments, both orders): the INP_FREED check
 * must hold in both release variants (FreeBSD later added it to the
 * write-locked one for exactly this interleaving).  See refrace.h.
 */
#include "refrace.h"

int main(int argc, char **argv)
{
	return rr_run(argc, argv, "stress_03_mixed_release", true);
}
