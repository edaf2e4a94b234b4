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
 *   FIFO=1      the FIFO policy: no caches, and a pop may report "empty"
 *               while the sample is on the list (moodycamel's try_dequeue
 *               beside another consumer's unfinished dequeue); an exact
 *               count reserved before the dequeue is the truth for "empty".
 *   BROKEN=1    the releaser wakes before it publishes the sample (a
 *               deliberate bug the check must catch).
 *   BROKEN=2    a waiter does not re-check the free list after registering.
 *   BROKEN=3    a release ends its lifetime use before it pushes the sample
 *               (teardown can free the pool under it).
 *   BROKEN=4    hand-out skips the epoch re-check after the pop.
 *   BROKEN=5    a closer waits for the owner to leave its cache (the old
 *               protocol): a stalled owner stalls the closer.
 *   BROKEN=6    FIFO without the count: a spurious "empty" is believed.
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

#define NW 2          /* waiters */
#define NONE 255

/* --- the pool's shared words ----------------------------------------- */
byte state = 1;       /* EpochState: odd = committed */
bool onlist = 0;      /* the single sample is on the shared free list */
bool avail = 0;       /* FifoFreeList::available_ (exact count, 0 or 1 here) */
byte owner = NONE;    /* who holds the sample (NONE: free or cached) */
bool cached = 0;      /* the sample sits in the owner thread's cache */
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
byte got[NW];         /* per waiter: 1 ok, 2 not committed */
bool entered[NW];     /* the waiter's call has begun (teardown may race it) */
byte push_state = 0;  /* ghost: the state word when the sample was last pushed */

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

/* Free list. LIFO: one CAS each way, exact. FIFO: push enqueues, then
   counts; pop reserves from the count, then dequeues, where the dequeue may
   fail spuriously and is retried (FifoFreeList::take). */
inline push() {
  d_step { TOUCH; onlist = 1; push_state = state };
#if FIFO
  d_step { TOUCH; avail = 1 }
#endif
}

inline pop(mine, popped_state) {
#if FIFO && BROKEN == 6
  atomic {                         /* believes a spurious "empty" (atomic, not
                                      d_step: both choices are explored) */
    TOUCH;
    if
    :: onlist -> onlist = 0; mine = 1; popped_state = push_state
    :: onlist -> skip
    :: else -> skip
    fi
  }
#elif FIFO
  d_step { TOUCH; if :: avail -> avail = 0; mine = 1 :: else -> skip fi };
  if
  :: mine ->
     do                            /* reserved: the sample is on the list */
     :: d_step { onlist -> onlist = 0; popped_state = push_state }; break
     :: onlist -> skip             /* spurious "empty": retry */
     od
  :: else -> skip
  fi
#else
  d_step { TOUCH; if :: onlist -> onlist = 0; mine = 1; popped_state = push_state :: else -> skip fi }
#endif
}

/* Emptying the cache under `draining` (take_all + push + notify). */
inline drain_cache() {
  if
  :: cached -> cached = 0; held--; push(); notify(2)
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

/* Shared-path release of the sample (Pool::recycle_shared). */
inline release_shared() {
#if BROKEN == 3
  d_step { TOUCH; held-- };
  d_step { TOUCH; owner = NONE };
  push();
  notify(1);
#else
  d_step { TOUCH; held--; inflight++ };   /* in_flight_from_held */
#endif
#if BROKEN == 3
#elif BROKEN == 1
  notify(1);
  d_step { TOUCH; owner = NONE };
  push();
#else
  d_step { TOUCH; owner = NONE };
  push();                                  /* seq_cst */
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
     push(); notify(2);
     leave_use()
  :: else -> busy = 0
  fi
}

/* A blocking acquire on the shared path (Pool::acquire_shared + find_index
   + hand_out), then, if it got the sample, its release. */
proctype Waiter(byte me) {
  byte entry, ticket, popped_state;
  bool closed = 0, mine = 0, skipped = 0;
  d_step { TOUCH; inflight++; entered[me] = 1 };  /* enter() */
  entry = state;
  if
  :: !COMMITTED(entry) -> goto refuse
  :: else -> skip
  fi;
  pop(mine, popped_state);                        /* fast pop */
  if :: mine -> goto validate :: else -> skip fi;
loop:
  skip;
  d_step { TOUCH; ticket = seq; sleepers++ };   /* prepare() */
  if
  :: state != entry -> sleepers--; goto refuse_closed
  :: else -> skip
  fi;
#if BROKEN != 2
  pop(mine, popped_state);
  if :: mine -> sleepers--; goto validate_closed :: else -> skip fi;
#endif
#if !FIFO
  if                               /* sweep, then pop again (find_index) */
  :: !closed -> close_caches(skipped); closed = 1; pop(mine, popped_state)
  :: closed && skipped -> resweep_caches(skipped); pop(mine, popped_state)
  :: else -> skip
  fi;
  if :: mine -> sleepers--; goto validate_closed :: else -> skip fi;
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
  pop(mine, popped_state);
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
     push();                               /* give_back */
     notify(1);
     goto refuse
  :: else -> skip
  fi;
  d_step {
    TOUCH;
    assert(owner == NONE && !cached);      /* never two owners */
    /* an acquire that spans a Decommit never takes a sample freed after it */
    assert(popped_state <= entry);
    owner = me; held++; inflight--
  };
  got[me] = 1;
  release_shared();
  goto done;
refuse_closed:
  if :: closed -> reopen_caches(1) :: else -> skip fi;
refuse:
  got[me] = 2;
  leave_use();
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
#if FIFO
  release_shared()                         /* the FIFO policy has no caches */
#else
  busy = 1;                                /* enter(): busy, then reclaim */
  STALL(1);
  if
  :: reclaim -> owner_drain(); release_shared()
  :: else ->
     STALL(2);
     d_step { TOUCH; assert(owner == 5); owner = NONE; cached = 1 };
     STALL(3);
     if                                    /* end_section: reclaim, then busy = 0 */
     :: reclaim -> owner_drain()
     :: else -> STALL(4); busy = 0
     fi
  fi
#endif
}

proctype Controller() {
  bool skipped;
#if SCENARIO == 2 || SCENARIO == 4
  /* Decommit (Pool::decommit): close the caches first, then the state;
     then (scenario 2) Commit at once. */
  atomic { sweep_lock == 0 -> sweep_lock = 1 };
#if !FIFO
  sweep(skipped);
#endif
  state++;                                 /* decommit: the epoch moves */
  notify(2);                               /* wake all */
  sweep_lock = 0;
#endif
#if SCENARIO == 2
  atomic { sweep_lock == 0 -> sweep_lock = 1 };
  state++;                                 /* commit */
  if :: closers == 0 -> reclaim = 0 :: else -> skip fi;
  sweep_lock = 0;
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
  assert(held == 0 && inflight == 0 && owner == NONE && !cached && !busy);
  freed = 1;
#endif
  skip
}

init {
  owner = 5; held = 1;                     /* the cache owner holds the sample */
  atomic {
    run Waiter(0);
    run Waiter(1);
    run CacheOwner();
    run Controller()
  }
}

#if SCENARIO == 1
/* Both waiters eventually got the sample: checked at every valid end state
   by the monitor below (a waiter asleep for good is an invalid end state). */
ltl everyone_served { <> (got[0] == 1 && got[1] == 1) }
#endif
