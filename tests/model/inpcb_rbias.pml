/*
 * inpcb_rbias.pml - read-biased PCB locks (src/pcb/pcb_rbias.h) under a
 * TSO memory model, checked with Spin: a biased reader and a writer are
 * never inside the PCB at the same time.
 *
 * Memory model: x86-TSO.  Every reader's stores go through a FIFO store
 * buffer (the channel sb[r]) that a drainer process empties into memory
 * at any moment; loads read memory in program order.  The one reordering
 * TSO allows, a load passing an earlier store to another address, is the
 * one the read-bias fast path leaves unfenced.  Locked read-modify-writes
 * (the word's CAS) drain the buffer first and act on memory at once.
 * membarrier(2) with MEMBARRIER_CMD_PRIVATE_EXPEDITED makes every running
 * thread execute a full barrier: each reader's buffer is drained, as one
 * step per reader, wherever that reader is.
 *
 * Actors:
 *   reader (2)  the lookup's read lock: if the word shows bias, store the
 *       PCB into its slot, load the word, enter if it still shows bias
 *       and no writer, else clear the slot and take the word lock (which
 *       may earn the bias: the countdown is a nondeterministic choice);
 *       release by storing NULL into the slot, or by the word;
 *   writer      pcb_wlock: a biased word's bias is traded for the
 *       revocation mark in one step; then membarrier, wait until no slot
 *       names the PCB, clear the mark; the write lock is granted only on
 *       a word neither biased nor being revoked, with no holder left (the
 *       writer holds nothing while it waits for the readers);
 *   trywriter   pcb_trywlock inside a lookup: the same, but when a slot
 *       still names the PCB it gives up, clearing the mark and giving the
 *       bias back in one atomic step, and it does not wait for holders.
 *
 * Variants (run_spin.sh):
 *   (none)        the library: no error;
 *   -DNOMB        no membarrier: a reader whose slot store is still in
 *                 its buffer enters beside the writer (errors);
 *   -DNOREBIAS    the try-writer gives up without restoring the bias: the
 *                 next writer skips the search and meets the biased
 *                 reader still inside (errors).
 *
 * Property: mutual exclusion (assertions at every entry), no deadlock
 * (invalid end states), and the LTL formula `excl`.
 */

#define NR 2

bool bias = true;       /* LK_BIAS (the PCB starts biased) */
bool wheld = false;     /* LK_WRITER */
bool revoking = false;  /* LK_REVOKE: a writer waits for biased readers */
byte wreaders = 0;      /* readers holding the word */
bool slot[NR];          /* memory: reader r's row names the PCB */
chan sb[NR] = [2] of { bool };  /* reader r's store buffer (its slot) */

byte rin = 0;           /* readers inside the PCB */
bool win = false;       /* a writer inside the PCB */

ltl excl { [] !(win && rin > 0) }

/* TSO: reader r's buffered store of its slot reaches memory. */
proctype drainer(byte r)
{
	bool v;
end:	do
	:: atomic { sb[r]?v -> slot[r] = v }   /* one entry commits */
	od
}

/* A locked instruction of reader r: its buffer drains first. */
inline drain(r)
{
	do
	:: len(sb[r]) > 0 -> skip   /* the drainer runs */
	:: else -> break
	od
}

inline inside_read()
{
	rin++;
	assert(!win);
	rin--
}

proctype reader(byte r)
{
	byte n;
	bool w;
	for (n : 1 .. 2) {
		if
		:: bias ->
			sb[r]!true;             /* slot = p, a plain store */
			if                      /* load the word */
			:: atomic { bias && !wheld -> w = true }
			:: atomic { !(bias && !wheld) -> w = false }
			fi;
			if
			:: w ->
				printf("reader %d: biased hold\n", r);
				inside_read();
				sb[r]!false     /* release: slot = NULL */
			:: else ->
				sb[r]!false;    /* back off */
				goto word
			fi
		:: else ->
word:			drain(r);
			atomic { !wheld -> wreaders++ };
			printf("reader %d: word hold\n", r);
			if                      /* the countdown reached 0 */
			:: atomic { !revoking -> bias = true }
			:: skip
			fi;
			inside_read();
			wreaders--
		fi
	}
}

/* membarrier(PRIVATE_EXPEDITED): a full barrier on every reader. */
inline membarrier()
{
	for (j : 0 .. NR - 1) {
		atomic {
			do
			:: sb[j]?v -> slot[j] = v
			:: empty(sb[j]) -> break
			od
		}
	}
}

inline inside_write()
{
	win = true;
	assert(rin == 0);
	win = false
}

/*
 * A writer that finds the bias trades it for the revocation mark (one
 * atomic step); the write lock itself is granted only on a word that is
 * neither biased nor being revoked, and no holder is left.
 */
inline take_bias()
{
	atomic { bias && !revoking -> bias = false; revoking = true;
	         mine = true }
}

inline wlock_word()
{
	atomic { !wheld && wreaders == 0 && !bias && !revoking -> wheld = true }
}

proctype writer()
{
	bool mine = false, v;
	byte i, j;
	do
	:: take_bias();
		printf("writer: revokes\n");
#ifndef NOMB
		membarrier();
#endif
		for (i : 0 .. NR - 1) {
			!slot[i]
		}
		revoking = false
	:: wlock_word() -> break
	od;
	printf("writer: inside\n");
	inside_write();
	wheld = false
}

proctype trywriter()
{
	bool mine = false, v;
	byte i, j;
	if
	:: take_bias() ->
		membarrier();
		for (i : 0 .. NR - 1) {
			if
			:: !slot[i]
			:: slot[i] ->           /* bounded wait ran out */
				printf("trywriter: gives up\n");
#ifdef NOREBIAS
				revoking = false;
#else
				atomic { revoking = false; bias = true };
#endif
				goto done
			fi
		}
		revoking = false
	:: else
	fi;
	if
	:: wlock_word()
	:: else -> goto done        /* a try-lock: someone holds it */
	fi;
	inside_write();
	wheld = false;
done:	skip
}

init {
	atomic {
		run drainer(0); run drainer(1);
		run reader(0); run reader(1);
		run trywriter(); run writer()
	}
}
