/*
 * Promela model of samplepool's decommit / wake / teardown protocol.
 * See stress/model/README.md for the step-by-step map from each labelled
 * step here to the code it stands for, what is checked, and how to run it.
 *
 * Spin interleaves statements under sequential consistency. The C++ code
 * gets the same orderings from seq_cst store-load pairs and, for the thread
 * caches, from membarrier (docs/design.md); the model checks the protocol's
 * logic on top of them: no lost wake-up, no double ownership, an acquire
 * that spans a Decommit never takes a sample, teardown waits for every use,
 * nothing touches the pool after it is freed, and no closer ever waits for
 * a cache owner that cannot run.
 *
 * Build-time switches (spin -D...):
 *   SCENARIO=1  release/wake: two waiters compete for one sample that a
 *               cache-owning thread releases (into its cache when open) and
 *               then goes idle; each waiter must get it in turn.
 *   SCENARIO=2  decommit: waiters block, the controller decommits and at
 *               once commits again, then the sample comes back; waiters from
 *               the old epoch must return NOT_COMMITTED.
 *   SCENARIO=3  teardown: the controller destroys the pool while a waiter
 *               is blocked and the cache owner still holds the sample.
 *   SCENARIO=4  a stalled owner: the cache owner may stop for good anywhere
 *               inside its cache (preempted by a SCHED_FIFO closer, stopped
 *               by a debugger); the controller decommits; every waiter and
 *               the controller must still finish.
 *   SCENARIO=5  growth: the owner holds the one initial sample, and each
 *               waiter what it got, until each waiter was served or had an
 *               allocation of its own refused, so they must get grown
 *               samples, with no release to wake them; the controller may
 *               decommit at any moment, then tries a trim (which gives the
 *               grown chunks back if the pool is idle by then) and commits
 *               again. Needs GROW. Strict: a waiter whose own allocation was
 *               refused may wait for a release (the holders then release),
 *               but no other waiter may sleep for good beside a chunk it
 *               could build or a free sample.
 *   SCENARIO=6  a builder that gives up: waiter 0 is a poll or a timed
 *               acquire (chosen at start) whose allocation may fail, and
 *               that returns "timeout" at once when it does; waiter 1 blocks
 *               and its allocations never fail; the owner holds the initial
 *               sample until both are done. Waiter 1 must be served by growth
 *               (GROW=1 is the deterministic test's one chunk of one), also
 *               when it skipped the chunk waiter 0 was building and went to
 *               sleep. Needs GROW.
 *   GROW=n      n grown slots (default 0: a fixed pool) that do not exist
 *               at start, in chunks of CHUNK (1 or 2; default 2, or 1 when
 *               GROW is 1). An acquirer that finds the pool empty after its
 *               sweep claims the next empty chunk (one CAS), then allocates:
 *               success keeps the chunk's first sample and pushes the rest
 *               with a wake; failure (out of memory: at any try, FAILS
 *               times a run) puts the chunk back, and the acquirer waits as
 *               in a fixed pool (in SCENARIO 5 the holders then release). A
 *               grower that finds a chunk being built marks it (skipped)
 *               before it may sleep; a failed builder that finds the mark
 *               wakes one sleeper.
 *   FAILS=n     refused allocations in a run (default 1).
 *   FIFO=1      the FIFO policy: no caches; a push claims its ticket
 *               (counts) before it writes its entry (FifoFreeList), and a
 *               pop that finds a ticket claimed and not yet written waits
 *               for the entry rather than report "empty": the count of
 *               claimed tickets is the truth for "empty".
 *   BROKEN=1    the releaser wakes before it publishes the sample (a
 *               deliberate bug the check must catch).
 *   BROKEN=2    a waiter does not re-check the free list after registering.
 *   BROKEN=3    a release ends its lifetime use before it pushes the sample
 *               (teardown can free the pool under it).
 *   BROKEN=4    hand-out skips the epoch re-check after the pop.
 *   BROKEN=5    a closer waits for the owner to leave its cache (the old
 *               protocol): a stalled owner stalls the closer.
 *   BROKEN=6    FIFO without the count: a pop believes "empty" while a
 *               sample is on the list (as a queue's spurious failure, such
 *               as moodycamel's try_dequeue beside another consumer's
 *               unfinished dequeue, would make it).
 *   BROKEN=7    a grower pushes the rest of its chunk without a wake
 *               (CHUNK=2).
 *   BROKEN=8    a builder whose allocation failed wakes nobody, mark or not
 *               (the engine before aa617bc): scenario 6, and scenario 5
 *               with CHUNK=2.
 *   BROKEN=9    a grower whose mark CAS fails takes the chunk as skipped
 *               without re-reading it (it may have gone back to empty, and
 *               its failed builder found no mark): scenario 6, and
 *               scenario 5 with CHUNK=2.
 */

#ifndef SCENARIO
#define SCENARIO 1
#endif
#ifndef BROKEN
#define BROKEN 0
#endif
#ifndef FIFO
#define FIFO 0
#endif
#ifndef GROW
#define GROW 0
#endif
#ifndef CHUNK
#if GROW == 1
#define CHUNK 1
#else
#define CHUNK 2
#endif
#endif
#if CHUNK < 1 || CHUNK > 2 || GROW % CHUNK != 0 || GROW > 4
#error "GROW must be a multiple of CHUNK (1 or 2), at most 4"
#endif
#if (SCENARIO == 5 || SCENARIO == 6) && GROW == 0
#error "SCENARIO 5 and 6 need GROW"
#endif

#define NW 2          /* waiters */
#define NONE 255
#define NS (1 + GROW)  /* samples: 0 the initial one, 1..GROW grown */
#define BIT(i) (1 << (i))

/* --- the pool's shared words ----------------------------------------- */
byte state = 1;       /* EpochState: odd = committed */
byte onlist = 0;      /* bit i: sample i is on the shared free list */
byte avail = 0;       /* FifoFreeList: tail_ - head_, claimed tickets not consumed */
byte owner[NS];       /* who holds sample i (NONE: free, cached or unbuilt) */
bool cached = 0;      /* sample 0 sits in the owner thread's cache */
bool busy = 0;        /* ThreadCache::busy */
bool reclaim = 0;     /* ThreadCache::reclaim (0: open) */
bool draining = 0;    /* ThreadCache::draining */
byte closers = 0;     /* Pool::closers_ (under the sweep mutex) */
bool sweep_lock = 0;  /* Pool::sweep_ */
byte seq = 0;         /* WakeChannel::seq_ (futex word) */
byte sleepers = 0;    /* WakeChannel::sleepers_ */
bool asleep[NW];      /* inside futex_wait */
byte held = 0;        /* Lifetime: held samples (off the shared list) */
byte inflight = 0;    /* Lifetime: calls in flight */
bool drain_flag = 0;  /* Lifetime::kDrainWaiter */
bool drained = 0;     /* Lifetime::drained_ */
bool freed = 0;       /* the pool's memory is gone */
byte got[NW];         /* per waiter: 1 ok, 2 not committed, 3 timeout */
bool entered[NW];     /* the waiter's call has begun (teardown may race it) */
byte push_state[NS];  /* ghost: the state word when sample i was last pushed */
#if GROW
#define NCHUNK (GROW / CHUNK)
#define EMPTY 0
#define BUILDING 1
#define READY 2
#define SKIPPED 4     /* with BUILDING: a grower skipped it and may sleep */
#define CLAIMED 8     /* BROKEN=9's local verdict: the CAS made it the builder */
byte gstate[NCHUNK];  /* Growth::state[k]: EMPTY, BUILDING, BUILDING|SKIPPED, READY */
byte refused[NW];     /* ghost: waiter i's allocations refused so far */
/* Any try may be refused, FAILS times in a run (default 1; FAILS=2 makes
   scenario 5 ten times larger). The waiters are alike, so the first refusal
   is waiter 0's (a run where waiter 1 is refused first is the mirror image
   of one here); later ones may be either's. In SCENARIO 6 only waiter 0's
   may fail. */
#ifndef FAILS
#define FAILS 1
#endif
#if SCENARIO == 6
#define MAY_FAIL (me == 0 && refused[0] < FAILS)
#else
#define MAY_FAIL (refused[0] + refused[1] < FAILS && (me == 0 || refused[0] != 0))
#endif
#define CHUNK_OF(i) (((i) - 1) / CHUNK)
#define FIRST(k) (1 + (k) * CHUNK)
#define EXISTS(i) ((i) == 0 || gstate[CHUNK_OF(i)] == READY)
#else
#define EXISTS(i) ((i) == 0)
#endif

#define TOUCH assert(!freed)
#define COMMITTED(s) ((s) % 2 == 1)

/* The unique last use hands over (Lifetime::drop). */
inline leave_use() {
  d_step {
    TOUCH;
    inflight--;
    if
    :: drain_flag && held == 0 && inflight == 0 -> drained = 1
    :: else -> skip
    fi
  }
}

inline notify(n) {  /* WakeChannel::notify: wait-free */
  TOUCH;
  if
  :: sleepers > 0 ->
     seq++;
     if
     :: n == 1 ->  /* FUTEX_WAKE 1: any one sleeper */
        if
        :: asleep[0] -> asleep[0] = 0
        :: asleep[1] -> asleep[1] = 0
        :: else -> skip
        fi
     :: else -> asleep[0] = 0; asleep[1] = 0
     fi
  :: else -> skip
  fi
}

/* Free list. LIFO: one CAS each way, exact. FIFO: push claims a ticket
   (the count), then writes its entry; pop reserves one claimed ticket, then
   waits until an entry is written. (FifoFreeList's pop reserves nothing: it
   waits at the head for that ticket's entry, or finds it taken and looks
   again; each of its traces is one of these. The ring's lapping rule and
   memory orders are outside the model.) Which entry it takes does not
   matter to the protocol, as below. */
inline push(i) {
#if FIFO && BROKEN != 6
  d_step { TOUCH; avail++ }
#endif
  d_step {
    TOUCH;
    assert(EXISTS(i) && (onlist & BIT(i)) == 0);   /* a built slot, pushed once */
    onlist = onlist | BIT(i); push_state[i] = state
  }
}

/* Which free sample a pop takes does not matter to the protocol (they are
   alike): the model takes the lowest index on the list. */
inline take_lowest(idx) {
  idx = 0;
  do
  :: (onlist & BIT(idx)) == 0 -> idx++
  :: else -> break
  od;
  onlist = onlist & ~BIT(idx)
}

inline pop(mine, idx, popped_state) {
#if FIFO && BROKEN == 6
  atomic {                         /* believes a spurious "empty" (atomic, not
                                      d_step: both choices are explored) */
    TOUCH;
    if
    :: onlist != 0 -> take_lowest(idx); mine = 1; popped_state = push_state[idx]
    :: onlist != 0 -> skip
    :: else -> skip
    fi
  }
#elif FIFO
  d_step { TOUCH; if :: avail > 0 -> avail--; mine = 1 :: else -> skip fi };
  if
  :: mine ->
     /* a claimed ticket: wait until its entry is written */
     d_step { onlist != 0 -> take_lowest(idx); popped_state = push_state[idx] }
  :: else -> skip
  fi
#else
  d_step { TOUCH; if :: onlist != 0 -> take_lowest(idx); mine = 1; popped_state = push_state[idx] :: else -> skip fi }
#endif
}

/* Emptying the cache under `draining` (take_all + push + notify). */
inline drain_cache() {
  if
  :: cached -> cached = 0; held--; push(0); notify(2)
  :: else -> skip
  fi
}

/* Pool::sweep_locked, holding sweep_lock: close, then take what is idle. */
inline sweep(skipped) {
  reclaim = 1;                      /* + heavy fence */
#if BROKEN == 5
  (busy == 0);                      /* the old protocol: wait for the owner */
#endif
  if
  :: busy -> skipped = 1            /* the owner drains it, or the next sweep */
  :: else ->
     if
     :: atomic { !draining -> draining = 1 };
        drain_cache(); skipped = 0; draining = 0
     :: else -> skipped = 1         /* someone else is draining it */
     fi
  fi
}

inline close_caches(skipped) {
  atomic { sweep_lock == 0 -> sweep_lock = 1 };
  TOUCH;
  closers++;
  sweep(skipped);
  sweep_lock = 0
}

inline resweep_caches(skipped) {
  atomic { sweep_lock == 0 -> sweep_lock = 1 };
  TOUCH;
  sweep(skipped);
  sweep_lock = 0
}

inline reopen_caches(dec) {          /* release_caches / reopen_caches_locked */
  atomic { sweep_lock == 0 -> sweep_lock = 1 };
  TOUCH;
  closers = closers - dec;
  if
  :: closers == 0 && COMMITTED(state) -> reclaim = 0
  :: else -> skip                    /* closed caches stay closed */
  fi;
  sweep_lock = 0
}

/* Shared-path release of sample i (Pool::recycle_shared). */
inline release_shared(i) {
#if BROKEN == 3
  d_step { TOUCH; held-- };
  d_step { TOUCH; owner[i] = NONE };
  push(i);
  notify(1);
#else
  d_step { TOUCH; held--; inflight++ };   /* in_flight_from_held */
#endif
#if BROKEN == 3
#elif BROKEN == 1
  notify(1);
  d_step { TOUCH; owner[i] = NONE };
  push(i);
#else
  d_step { TOUCH; owner[i] = NONE };
  push(i);                                 /* seq_cst */
  notify(1);
#endif
#if BROKEN != 3
  leave_use()
#endif
}

/* The owner, busy, empties its own cache (Pool::owner_drain). */
inline owner_drain() {
  if
  :: atomic { cached && !draining -> draining = 1 };
     d_step { TOUCH; cached = 0; held--; inflight++ };   /* in_flight_from_held */
     draining = 0;
     busy = 0;
     push(0); notify(2);
     leave_use()
  :: else -> busy = 0
  fi
}

#if GROW
/* Pool::grow, inside an acquire (the caller's lifetime use keeps the memory):
   claim the first empty chunk with one CAS (claim_chunk; a chunk built or
   being built is skipped, never waited for, and one being built is marked
   first), then allocate it. Success: the chunk is ready, the first sample is
   the caller's, the rest go to the list with a wake. Failure: the chunk goes
   back to empty (one exchange), a mark found there wakes one sleeper, and
   the caller waits. Called from a Waiter (`me`, `k`, `seen` are its own).

   claim_chunk is a relaxed load, then a CAS (empty -> building, or building
   -> building|skipped) that re-reads and decides again when it fails, until
   it wins or reads ready or marked. Under sequential consistency a failed
   CAS is only a read, invisible to everyone else, so the loop is one atomic
   step at its last access: the correct model claims or marks in one d_step.
   BROKEN=9 believes its failed mark CAS, so there the load and the CAS are
   steps of their own and the chunk may change between them. */
inline grow(mine, idx, popped_state) {
  k = 0;
  do
  :: k == NCHUNK -> break                          /* at the maximum, or all taken */
#if BROKEN == 9
  :: else ->
     seen = gstate[k];                             /* claim_chunk: the relaxed load */
     do
     :: seen == EMPTY ->                           /* CAS empty -> building */
        d_step {
          TOUCH;
          if
          :: gstate[k] == EMPTY -> gstate[k] = BUILDING; seen = CLAIMED
          :: else -> seen = gstate[k]              /* failed: decide again */
          fi
        }
     :: seen == BUILDING ->                        /* mark: CAS building -> building|skipped */
        d_step {
          TOUCH;
          if
          :: gstate[k] == BUILDING -> gstate[k] = BUILDING | SKIPPED
          :: else -> skip                          /* failed: skipped, not re-read */
          fi;
          seen = BUILDING | SKIPPED
        }
     :: else -> break                              /* claimed, ready, or marked */
     od;
     if
     :: seen == CLAIMED -> seen = 0; break
     :: else -> seen = 0; k++
     fi
#else
  :: d_step { k < NCHUNK && gstate[k] == EMPTY -> TOUCH; gstate[k] = BUILDING }; break  /* the CAS */
  :: d_step { k < NCHUNK && gstate[k] == BUILDING -> TOUCH; gstate[k] = BUILDING | SKIPPED }; k++  /* the mark */
  :: else -> k++                                   /* built, or marked by another */
#endif
  od;
  if
  :: k < NCHUNK ->
     if
     :: d_step {                                   /* allocated, slots built, ready */
          TOUCH; gstate[k] = READY;                /* (a mark goes with the store) */
          idx = FIRST(k); mine = 1; popped_state = state
        };
#if CHUNK == 2
        push(idx + 1);                             /* the rest: push_bulk ... */
#if BROKEN != 7
        notify(1)                                  /* ... then notify_n */
#else
        skip
#endif
#else
        skip
#endif
     :: MAY_FAIL ->                                /* refused: counted, back to empty */
        d_step { TOUCH; seen = gstate[k]; gstate[k] = EMPTY; refused[me]++ };  /* exchange */
#if BROKEN != 8
        if
        :: (seen & SKIPPED) != 0 -> notify(1)      /* a skipper may sleep: wake one */
        :: else -> skip
        fi;
#endif
        seen = 0
     fi
  :: else -> skip
  fi;
  k = 0                                            /* dead: fewer states */
}
#endif

/* A blocking acquire on the shared path (Pool::acquire_shared + find_index
   + hand_out), then, if it got the sample, its release. In SCENARIO 6
   waiter 0 is a poll or a timed acquire that gives up when its allocation
   is refused. */
proctype Waiter(byte me) {
  byte entry, ticket, popped_state, idx;
  bool closed = 0, mine = 0, skipped = 0;
#if GROW
  byte k, seen;
#endif
#if SCENARIO == 6
  bool poll = 0;
  if :: me == 0 -> poll = 1 :: true -> skip fi;   /* try_acquire, or acquire_for */
#endif
  d_step { TOUCH; inflight++; entered[me] = 1 };  /* enter() */
  entry = state;
  if
  :: !COMMITTED(entry) -> goto refuse
  :: else -> skip
  fi;
  pop(mine, idx, popped_state);                   /* fast pop */
  if :: mine -> goto validate :: else -> skip fi;
#if SCENARIO == 6
  if
  :: poll ->                       /* find_index, !may_block: grow, or timeout */
     grow(mine, idx, popped_state);
     if :: mine -> goto validate :: else -> goto gave_up fi
  :: else -> skip
  fi;
#endif
loop:
  skip;
  d_step { TOUCH; ticket = seq; sleepers++ };   /* prepare() */
  if
  :: state != entry -> sleepers--; goto refuse_closed
  :: else -> skip
  fi;
#if BROKEN != 2
  pop(mine, idx, popped_state);
  if :: mine -> sleepers--; goto validate_closed :: else -> skip fi;
#endif
#if !FIFO
  if                               /* sweep, then pop again (find_index) */
  :: !closed -> close_caches(skipped); closed = 1; pop(mine, idx, popped_state)
  :: closed && skipped -> resweep_caches(skipped); pop(mine, idx, popped_state)
  :: else -> skip
  fi;
  if :: mine -> sleepers--; goto validate_closed :: else -> skip fi;
#endif
#if GROW
  grow(mine, idx, popped_state);             /* empty after the sweep: grow */
  if :: mine -> sleepers--; goto validate_closed :: else -> skip fi;
#if SCENARIO == 6
  if                               /* the deadline passed: cancel(), timeout */
  :: refused[me] != 0 -> sleepers--; goto gave_up_closed
  :: else -> skip
  fi;
#endif
#endif
  atomic { TOUCH; if :: seq == ticket -> asleep[me] = 1 :: else -> skip fi };  /* futex_wait */
  if
  :: (asleep[me] == 0) -> skip
  :: skipped -> asleep[me] = 0       /* the short timeout after a skipped sweep */
  fi;
  sleepers--;
  if
  :: state != entry -> goto refuse_closed
  :: else -> skip
  fi;
  pop(mine, idx, popped_state);
  if :: mine -> goto validate_closed :: else -> goto loop fi;
validate_closed:
  if :: closed -> reopen_caches(1) :: else -> skip fi;
validate:                                  /* hand_out: re-check the epoch */
  if
#if BROKEN == 4
  :: false ->
#else
  :: state != entry ->
#endif
     push(idx);                            /* give_back */
     notify(1);
     goto refuse
  :: else -> skip
  fi;
  d_step {
    TOUCH;
    /* never two owners, never a slot that is not built */
    assert(EXISTS(idx) && owner[idx] == NONE && !(idx == 0 && cached) && (onlist & BIT(idx)) == 0);
    /* an acquire that spans a Decommit never takes a sample freed (or
       built) after it */
    assert(popped_state <= entry);
    owner[idx] = me; held++; inflight--
  };
  got[me] = 1;
#if SCENARIO == 5
  /* Hold it while the other waiter is still acquiring: both must be served
     without a release, unless the other's own allocation was refused (it
     may then wait for a release). */
  (got[1 - me] != 0 || refused[1 - me] != 0);
#endif
  release_shared(idx);
  goto done;
refuse_closed:
  if :: closed -> reopen_caches(1) :: else -> skip fi;
refuse:
  got[me] = 2;
  leave_use();
  goto done;
#if SCENARIO == 6
gave_up_closed:
  if :: closed -> reopen_caches(1) :: else -> skip fi;
gave_up:
  got[me] = 3;                     /* refuse(Errc::timeout) */
  leave_use();
#endif
done:
  skip
}

/* SCENARIO 4: the owner may stop for good at any point of its section. */
#if SCENARIO == 4
#define STALL(n) if :: true -> end_stall##n: false :: true -> skip fi
#else
#define STALL(n) skip
#endif

/* The thread that owns the cache: holds the sample, releases it (into its
   cache while open: Pool::cache_put), then idles. */
proctype CacheOwner() {
#if SCENARIO == 5
  /* holds sample 0 until each waiter was served or had its own allocation
     refused (it may then wait for a release), then releases it on the
     shared path: a waiter that sleeps for good beside a chunk it could
     build or a free sample, its own allocations never refused, is left
     asleep (an invalid end state) */
  ((got[0] != 0 || refused[0] != 0) && (got[1] != 0 || refused[1] != 0));
  release_shared(0)
#elif SCENARIO == 6
  (got[0] != 0 && got[1] != 0);            /* until both are done */
  release_shared(0)
#elif FIFO
  release_shared(0)                        /* the FIFO policy has no caches */
#else
  busy = 1;                                /* enter(): busy, then reclaim */
  STALL(1);
  if
  :: reclaim -> owner_drain(); release_shared(0)
  :: else ->
     STALL(2);
     d_step { TOUCH; assert(owner[0] == 5); owner[0] = NONE; cached = 1 };
     STALL(3);
     if                                    /* end_section: reclaim, then busy = 0 */
     :: reclaim -> owner_drain()
     :: else -> STALL(4); busy = 0
     fi
  fi
#endif
}

/* Every sample in exactly one place: built ones on the list, in the cache
   (sample 0) or with one owner, and `held` counting the owned and cached
   ones; unbuilt ones nowhere. (i and n: the caller's scratch bytes.) */
inline account(i, n) {
  i = 0; n = 0;
  do
  :: i == NS -> break
  :: else ->
     if
     :: EXISTS(i) ->
        assert(((onlist & BIT(i)) != 0 -> 1 : 0) + ((i == 0 && cached) -> 1 : 0)
               + (owner[i] != NONE -> 1 : 0) == 1)
     :: else -> assert((onlist & BIT(i)) == 0 && owner[i] == NONE)
     fi;
     n = n + (owner[i] != NONE -> 1 : 0);
     i++
  od;
  assert(held == n + (cached -> 1 : 0));
#if FIFO && BROKEN != 6
  i = 0; n = 0;
  do
  :: i == NS -> break
  :: else -> n = n + ((onlist & BIT(i)) != 0 -> 1 : 0); i++
  od;
  assert(avail == n)
#endif
}

/* Pool::decommit: close the caches first, then the state, then wake all. */
inline decommit(skipped) {
  atomic { sweep_lock == 0 -> sweep_lock = 1 };
#if !FIFO
  sweep(skipped);
#endif
  state++;                                 /* decommit: the epoch moves */
  notify(2);                               /* wake all */
  sweep_lock = 0
}

/* Pool::commit */
inline commit() {
  atomic { sweep_lock == 0 -> sweep_lock = 1 };
  state++;                                 /* commit */
  if :: closers == 0 -> reclaim = 0 :: else -> skip fi;
  sweep_lock = 0
}

proctype Controller() {
  bool skipped;
#if GROW
  byte i, n, k;
#endif
#if SCENARIO == 2 || SCENARIO == 4
  /* Decommit (Pool::decommit); then (scenario 2) Commit at once. */
  decommit(skipped);
#endif
#if SCENARIO == 2
  commit();
#endif
#if SCENARIO == 5
  /* Decommit at any moment, or never; trim (Pool::trim: decommitted, and
     nothing held or in flight, else buffers_outstanding); commit again. */
  if
  :: decommit(skipped);
     if
     :: d_step { held == 0 && inflight == 0 -> TOUCH };   /* idle_locked */
        d_step {                                          /* free_chunks_locked */
          TOUCH;
          account(i, n);            /* idle: every built sample on the list */
          k = 0;
          do
          :: k == NCHUNK -> break
          :: else ->
             assert((gstate[k] & BUILDING) == 0);         /* a builder holds a use */
             if
             :: gstate[k] == READY ->
                onlist = onlist & ~BIT(FIRST(k));
#if CHUNK == 2
                onlist = onlist & ~BIT(FIRST(k) + 1);
#endif
                gstate[k] = EMPTY
             :: else -> skip
             fi;
             k++
          od;
          assert(onlist == BIT(0));          /* free.reset: the initial sample */
          avail = (FIFO -> 1 : 0)
        }
     :: else -> skip                                      /* buffers_outstanding */
     fi;
     commit()
  :: skip
  fi;
#endif
#if SCENARIO == 3
  /* ~Pool: decommit, sweep until no owner is inside, wait for every use,
     free. Calls that begin after the destructor would be a use of a
     destroyed object, so the waiters are inside before it starts. */
  (entered[0] && entered[1]);
  atomic { sweep_lock == 0 -> sweep_lock = 1 };
#if !FIFO
  sweep(skipped);
#endif
  state++;
  notify(2);
  sweep_lock = 0;
#if !FIFO
  do                                       /* teardown_caches */
  :: atomic { sweep_lock == 0 -> sweep_lock = 1 };
     sweep(skipped);
     sweep_lock = 0;
     if :: !skipped -> break :: else -> skip fi
  od;
  skip;                                    /* a break may not land in a d_step */
#endif
  d_step {
    drain_flag = 1;
    if :: held == 0 && inflight == 0 -> drained = 1 :: else -> skip fi
  };
  (drained == 1);
  d_step {
    assert(held == 0 && inflight == 0 && !cached && !busy);
#if GROW
    account(i, n);
    k = 0;                                 /* free_chunks_locked */
    do
    :: k == NCHUNK -> break
    :: else -> assert((gstate[k] & BUILDING) == 0); k++   /* a builder holds a use */
    od;
#endif
    freed = 1
  };
#endif
  skip
}

init {
  byte i, n;
  d_step {
    i = 1;
    do :: i < NS -> owner[i] = NONE; i++ :: else -> break od;
    owner[0] = 5; held = 1                 /* the cache owner holds the sample */
  };
  atomic {
    run Waiter(0);
    run Waiter(1);
    run CacheOwner();
    run Controller()
  };
  /* When every process has finished (in scenario 4 the owner may never):
     every sample is accounted for. */
end_check:
  (_nr_pr == 1);
  d_step { if :: !freed -> account(i, n) :: else -> skip fi }
}

#if SCENARIO == 1
/* Both waiters eventually got the sample: checked at every valid end state
   by the monitor below (a waiter asleep for good is an invalid end state). */
ltl everyone_served { <> (got[0] == 1 && got[1] == 1) }
#endif
