/*
 * inpcb_refcount.pml - the reference count and free protocol of one PCB
 * (spec section 2.3, RC-1..RC-12, LK-9), as src/pcb/pcb_alloc.c and
 * src/pcb/pcb_lookup.c implement it, checked with Spin.
 *
 * Actors:
 *   reader (NREADERS of them)  the 2011 lookup of LK-9: hash read lock,
 *       find the PCB, take a reference, drop the hash lock, lock the PCB
 *       (read or write, chosen nondeterministically: scenarios 2 and 3),
 *       release the reference; on "valid" use the PCB, then unlock; on
 *       "gone" never touch it again;
 *   closer  inp_sock_close(): write-lock the PCB, in_pcbfree (set
 *       INP_FREED, unhash under the hash write lock), release the
 *       attachment reference with the write-locked release.
 *
 * Variants (see tests/model/README.md):
 *   -DFIXED             the library: a release that finds INP_FREED
 *                       answers "gone", and unlocks *before* it
 *                       decrements (pcb_alloc.c, "Memory reclamation");
 *   (no FIXED)          before the INP_FREED fix: "gone" only for the
 *                       last reference (decrement, then unlock + free);
 *   -DFIXED -DDECFIRST  FreeBSD's 2013 fix as written: decrement, then
 *                       check INP_FREED -- safe in the kernel only
 *                       because PCB memory is type-stable (RC-12).
 *
 * Properties:
 *   - no thread touches PCB memory after it was reclaimed (TOUCH, and the
 *     LTL formula `safe`), lock and unlock included: the library frees
 *     with free(), not into a type-stable zone;
 *   - no thread goes on with a freed PCB believing it valid (the assertion
 *     at "use", and `safe`);
 *   - the count never goes below zero, the memory is reclaimed exactly
 *     once, and every run ends with it reclaimed and every lock free
 *     (final assertion in init; Spin's invalid-end-state check finds
 *     deadlocks).
 */

#ifndef NREADERS
#define NREADERS 3
#endif

/* The PCB. */
byte refcount = 1;      /* the attachment reference (LC-3 step 5) */
bool freed = false;     /* INP_FREED (a ghost flag in the unfixed model) */
bool reclaimed = false; /* memory returned to the allocator */
byte rlocks = 0;        /* PCB rwlock: readers holding it */
bool wlocked = false;   /* PCB rwlock: writer holding it */
bool inhash = true;     /* on the lookup table */

/* The table's hash lock (rwlock). */
byte hrlocks = 0;
bool hwlocked = false;

/* Observers. */
byte inuse = 0;         /* threads using the PCB after a "valid" answer */
byte reclaims = 0;

/* Any access to the PCB's memory: it must not have been reclaimed. */
#define TOUCH assert(!reclaimed)

inline pcb_rlock() {
	atomic { !wlocked -> TOUCH; rlocks++ }
}

inline pcb_wlock() {
	atomic { (!wlocked && rlocks == 0) -> TOUCH; wlocked = true }
}

inline pcb_unlock(w) {
	atomic {
		TOUCH;
		if
		:: w -> wlocked = false
		:: else -> rlocks--
		fi
	}
}

inline hash_rlock() {
	atomic { !hwlocked -> hrlocks++ }
}

inline hash_wlock() {
	atomic { (!hwlocked && hrlocks == 0) -> hwlocked = true }
}

inline reclaim() {
	atomic { TOUCH; reclaimed = true; reclaims++ }
}

/* fetch_sub: old = refcount--, atomically. */
inline decrement() {
	atomic { TOUCH; assert(refcount > 0); old = refcount; refcount-- }
}

/*
 * in_pcbrele_rlocked / _wlocked; the caller holds the lock in mode w.
 * Sets gone: true = "gone" (unlocked by the callee, do not touch),
 * false = "valid" (still locked, alive).
 */
#ifdef FIXED
#ifndef DECFIRST
/* src/pcb/pcb_alloc.c pcb_rele(): flag first, unlock, then decrement. */
inline release(w) {
	if
	:: atomic { freed -> TOUCH } ->
		/* INP_FREED only changes under the write lock: stable here */
		pcb_unlock(w);
		decrement();
		if
		:: old == 1 -> reclaim()   /* we held no lock, nobody can */
		:: else -> skip
		fi;
		gone = true
	:: atomic { !freed -> TOUCH } ->
		/* the attachment reference is still held: never the last */
		atomic { TOUCH; assert(refcount > 1); old = refcount; refcount-- };
		gone = false
	fi
}
#else
/* FreeBSD r250300: decrement, then look at INP_FREED. */
inline release(w) {
	decrement();
	if
	:: old == 1 ->
		pcb_unlock(w);
		reclaim();
		gone = true
	:: else ->
		if
		:: atomic { freed -> TOUCH } -> pcb_unlock(w); gone = true
		:: atomic { !freed -> TOUCH } -> gone = false
		fi
	fi
}
#endif
#else
/* Before the INP_FREED fix: "gone" only for the last reference. */
inline release(w) {
	decrement();
	if
	:: old == 1 ->
		pcb_unlock(w);
		reclaim();
		gone = true
	:: else -> gone = false
	fi
}
#endif

proctype reader(byte id)
{
	bool w, gone;
	byte old;

	/* LK-9: search under the hash read lock, reference, unlock. */
	hash_rlock();
	if
	:: inhash ->
		atomic { TOUCH; refcount++ };   /* RC-1: the table lock pins it */
		printf("reader %d: found the PCB, ref -> %d\n", id, refcount);
		hrlocks--
	:: else ->
		printf("reader %d: not in the table\n", id);
		hrlocks--;
		goto done
	fi;
	/* lock in the requested mode (scenario 2: read, 3: mixed) */
	if
	:: w = false; pcb_rlock();
		printf("reader %d: read-locked the PCB\n", id)
	:: w = true; pcb_wlock();
		printf("reader %d: write-locked the PCB\n", id)
	fi;
	release(w);
	if
	:: gone ->
		printf("reader %d: release says gone (refcount was %d)\n",
		       id, old)
	:: else ->
		printf("reader %d: release says valid (refcount was %d)\n",
		       id, old);
		atomic { TOUCH; assert(!freed); inuse++ };
		atomic { TOUCH; inuse-- };
		pcb_unlock(w)
	fi;
done:
	skip
}

proctype closer()
{
	bool gone;
	byte old;

	pcb_wlock();
	/* in_pcbfree (LC-21): INP_FREED, then off the tables */
	atomic { TOUCH; freed = true };
	printf("closer: INP_FREED set\n");
	hash_wlock();
	inhash = false;
	hwlocked = false;
	printf("closer: unhashed, releases the attachment reference\n");
	release(true);
	if
	:: gone ->
		printf("closer: release says gone (refcount was %d)\n", old)
	:: else ->
		printf("closer: release says valid (refcount was %d)\n", old);
		pcb_unlock(true)          /* unfixed: not the last */
	fi
}

init
{
	byte i;

	atomic {
		run closer();
		for (i : 1 .. NREADERS) {
			run reader(i)
		}
	}
	/* everyone finished */
	_nr_pr == 1;
	assert(reclaimed && reclaims == 1 && refcount == 0);
	assert(rlocks == 0 && !wlocked && hrlocks == 0 && !hwlocked)
}

/* Nobody uses the PCB as valid once it is freed or reclaimed. */
ltl safe { [] (inuse == 0 || (!freed && !reclaimed)) }
