/*
 * Promela model of the shared-memory pool's protocol (shm/): one pool, three
 * processes, any of which may die at any step, and the reaper that cleans up
 * after a dead one. stress/model/README.md ("The shared-memory pool") maps
 * each step here to the code, and says what is checked, within which bounds,
 * and what is not. The in-process model is pool.pml; this one shares nothing
 * with it. It follows shm/ as of the fixes of bugs A to E (README, "Bugs found").
 *
 * Processes: P0 is the creator (record 0), P1 and P2 attached (records 1, 2).
 * Each has an application thread (proctypes P0, P1, P2) and a monitor thread
 * (Monitor(p)) that reaps the records of dead processes (reaper.cpp).
 *
 * Form: every thread is a loop of d_steps, each guarded by the thread's
 * program counter `pc` and holding exactly one access to shared memory (a
 * load, a store, a CAS or fetch-op, a futex call) with the local work around
 * it. Spin interleaves whole d_steps under sequential consistency, so a
 * process may die, and others run, between any two shared accesses and
 * nowhere else: the interleavings of statement-per-access, at a fraction of
 * the states. A few steps read two words where the code reads them one after
 * the other; README ("Reductions") lists them and why each is sound.
 *
 * Death: a process dies at once, all its threads, wherever they are. It is
 * a step of its own application thread (any step: the thread's loop offers
 * it beside the next one), or of its monitor once the application thread
 * has finished (or, in scenario 2, while the monitor reaps). The step marks
 * it dead, takes it off the futex queues, ends its handles and registrations
 * (ghosts) and clears the thread's locals; every step of a dead process's
 * threads is disabled (`LIVE`).
 *
 * Shared words, as in the segment: owner[i] (bit r: held by r, bit 3 + r:
 * queued to r), hint (bit i), state (1 committed, 4 closed, 8.. the epoch),
 * the pool's wake channel (seq, sleepers, and the futex queue asleep[]), the
 * idle channel wait_all_free sleeps on (iseq, isleepers, iasleep[]), each
 * record's `sleeping`, `subscribed` and life word, the channel (publisher
 * and its generation: publisher_gone before fix 2), and the subscriber's
 * ring (head, tail, entries, its wake channel). There is one subscriber
 * ring: process SUB's.
 *
 * Build-time switches (spin -D...):
 *   SCENARIO=1  pool: P1 acquires two samples, then releases one, and the
 *               other only once P2's acquire has returned; P2 acquires one
 *               and releases it; P0 runs the creator's destructor (decommit,
 *               then wait_all_free) at any moment, or only once P1 and P2
 *               have finished (then no decommit rescues a waiter that missed
 *               a wake). KILL (a mask, default 7: anyone) may die, once.
 *   SCENARIO=2  reaper takeover: as 1, two deaths: P1 or P2 dies (KILL=6),
 *               then the other one dies while its monitor is reaping the
 *               first; P0's monitor takes both over.
 *   SCENARIO=3  channel: P1 acquires a sample, publishes it PUBS times
 *               (default 2) to the subscriber P2, releases it and leaves the
 *               channel (detach's publisher step); P2 receives until
 *               not_committed, keeping each sample until it has the next,
 *               then (once P1 has finished or been reaped) unsubscribes; P0
 *               decommits at any moment, or only as the stop once P1 has
 *               finished or been reaped and P2 is in no receive that a
 *               leaving publisher owes an end. With RESUB=1, P2 may once
 *               unsubscribe, and then subscribe again or not, between its
 *               receives. Anyone may die, once.
 *   SCENARIO=4  wait_all_free_until while committed: P0 waits for every
 *               sample to be free while P1 and P2 run as in 1; no deaths.
 *   KILL=mask   processes that may die; KILLS=n deaths (1; scenario 2: 2;
 *               scenario 4: 0).
 *   FIX=mask    the fixes of the protocol bugs this model found (README,
 *               "Bugs found"); default 14, all three: the code as it is
 *               now. A mask without a bit models the code before that fix:
 *                2  the publisher slot and publisher_gone are one word: the
 *                   CAS that frees the slot bumps the generation;
 *                4  publish charges a subscriber by CAS, only if it has no
 *                   charge of the sample (never a transient queued bit);
 *                8  `subscribed` is a generation (odd: subscribed), read
 *                   before the charge and compared at the re-check; ring
 *                   entries carry it, and a receive and the orphan cleanup
 *                   ignore entries of another generation.
 *   BROKEN=n    deliberate bugs the check must catch:
 *                1  a receive advances head before it moves its charge;
 *                2  the reaper does not rebuild the hint, and the acquire
 *                   does not scan the owner words;
 *                3  a waiter does not re-check (claim_any) after registering;
 *                4  a waiter counts itself in its record's `sleeping` before
 *                   it registers in the channel;
 *                5  hand-out skips the epoch re-check after the claim;
 *                6  the reaper does not wake everyone;
 *                7  publish checks `subscribed` before it charges, not after;
 *                8  wait_all_free sleeps on the acquirers' channel (the code
 *                   before 1f5ee78: found by this model);
 *                9  a dead publisher's reaper cleans the rings of subscribed
 *                   processes only (the code before 49b985f).
 */

#ifndef SCENARIO
#define SCENARIO 1
#endif
#ifndef BROKEN
#define BROKEN 0
#endif
#ifndef FIX
#define FIX 14
#endif
#ifndef KILL
#define KILL 7
#endif
#ifndef KILLS
#if SCENARIO == 2
#define KILLS 2
#elif SCENARIO == 4
#define KILLS 0
#else
#define KILLS 1
#endif
#endif
#ifndef PUBS
#define PUBS 2
#endif
#ifndef RESUB
#define RESUB 0
#endif
#define CHANNEL (SCENARIO == 3)

#define NP 3          /* processes (records) */
#define NS 2          /* samples */
#define CAP 2         /* ring capacity: the count, a power of two */
#define SUB 2         /* the subscriber: the one ring */
#define NONE 255

#define H(r) (1 << (r))          /* held_bit(r) */
#define Q(r) (1 << (3 + (r)))    /* queued_bit(r) */
#define CH(r) (H(r) | Q(r))      /* charges_of(r) */

#define COMMITTED 1
#define CLOSED 4
#define EPOCH 8
#define OPEN(s) (((s) & (COMMITTED | CLOSED)) == COMMITTED)
#define ENDED(s) (((s) & COMMITTED) == 0 || ((s) & CLOSED) != 0)

#define OK 1          /* results */
#define NOTC 2
#define INVAL 3

#define FREE 0        /* life words */
#define ALIVE 1
#define REAPING(x) (2 + (x))

/* --- the segment -------------------------------------------------------- */
byte owner[NS];               /* owner words */
byte hint = 3;                /* free_hint: every sample free at create */
byte state = COMMITTED;       /* committed before anyone attached */
byte seq = 0;                 /* Control::wake: seq_ (the futex word) */
byte sleepers = 0;            /*                sleepers_ */
bool asleep[NP];              /* in futex_wait on seq (one thread a process) */
byte sleeping[NP];            /* Record::sleeping */
#if BROKEN != 8
byte iseq = 0;                /* Control::idle: wait_all_free sleeps here */
byte isleepers = 0;
bool iasleep[NP];
#endif
byte life[NP] = ALIVE;        /* Record::life: FREE, ALIVE, REAPING(x) */
byte publisher = 0;           /* record + 1, or 0 (FIX 2: + 4 * generation) */
#if !(FIX & 2)
byte pub_gone = 0;            /* Channel::publisher_gone */
#endif
byte subw[NP];                /* Record::subscribed (FIX 8: the generation) */
byte head = 0;                /* ring SUB */
byte tail = 0;
byte ent[CAP];                /* entries (FIX 8: index + 2 * generation) */
byte rseq = 0;                /* ring SUB's wake channel */
byte rsleepers = 0;
bool rasleep = 0;

/* --- the world and the ghosts ------------------------------------------- */
bool dead[NP];                /* the process has died */
byte kills = 0;
byte hold[NP * NS];           /* ghost: SharedSample handles process p has on i */
bool inreg[NP];               /* ghost: p is registered in Control::wake */
byte reg = 0;                 /* ghost: live processes registered there */
bool in_acq[NP];              /* ghost: p's acquire has read its entry state, */
bool must_refuse[NP];         /*   and the state moved since */
bool appdone[NP];             /* p's application thread finished, or p died */
bool p2ret = 0;               /* P2's acquire has returned (scenarios 1, 2, 4) */
bool in_rcv = 0;              /* P2 is inside a receive (scenario 3), */
bool was_pub = 0;             /*   during which P1 held the publisher slot, */
bool owed = 0;                /*   and then the slot was freed: it must end */
#define SLOT_FREED owed = owed || (in_rcv && was_pub)

#define LIVE !dead[me]      /* every step of a thread: its process is alive */
#define NOHOLD(i) (hold[i] + hold[NS + (i)] + hold[2 * NS + (i)] == 0)
#define REFUSE_ALL must_refuse[0] = must_refuse[0] || in_acq[0]; \
                   must_refuse[1] = must_refuse[1] || in_acq[1]; \
                   must_refuse[2] = must_refuse[2] || in_acq[2]

#if FIX & 2
#define PSLOT (publisher & 3)
#define GONE (publisher >> 2)
#else
#define PSLOT publisher
#define GONE pub_gone
#endif
#define SUBSCRIBED(r) ((subw[r] & 1) != 0)
#if FIX & 8
#define SET_UNSUB(r) if :: SUBSCRIBED(r) -> subw[r]++ :: else -> skip fi
#define SET_SUB(r) subw[r]++
#else
#define SET_UNSUB(r) subw[r] = 0
#define SET_SUB(r) subw[r] = 1
#endif

/* --- program counters ---------------------------------------------------- */
#define P_DONE 0
#define P_FIN 1       /* the application thread's last step */
/* acquire (acquire.cpp: Attachment::acquire), returns to `aret` */
#define A_ENTRY 2
#define CA_TAKE 3     /* claim_any: take a hint bit (fetch_and) */
#define CA_CLAIM 4    /*            claim it */
#define CA_SCAN0 5    /*            scan: claim(0), claim(1) */
#define CA_SCAN1 6
#define A_PREP 7      /* wake.prepare() */
#define A_SLPINC 8    /* rec.sleeping++ */
#define A_MOVED 9     /* moved = state != entry */
#define A_WAIT 10     /* futex_wait(seq, ticket) */
#define A_WOKEN 11    /* back from it; rec.sleeping-- */
#define A_SLPDEC 12   /* rec.sleeping-- (did not sleep) */
#define A_CANCEL 13   /* wake.cancel() */
#define A_RECHECK 14  /* state().raw != entry.raw */
#define A_EPOCH 15    /* the epoch rule */
#define A_GIVEBACK 16 /* give_back */
#define REL 17        /* release(ri), returns to `rret` */
#define MF_HINT 18    /* mark_free(mfi): hint bit, notify_one; returns to `ret` */
#define MF_LOAD 19
#define MF_SEQ 20
#define MF_WAKE 21
#define MF_ILOAD 22   /* and notify_all on the idle channel */
#define MF_ISEQ 23
#define MF_IWAKE 24
#define WA_LOAD 25    /* wake_everyone: returns to `ret` */
#define WA_SEQ 26
#define WA_WAKE 27
#define WA_ILOAD 28
#define WA_ISEQ 29
#define WA_IWAKE 30
#define WA_RLOAD 31
#define WA_RSEQ 32
#define WA_RWAKE 33
#define NR_LOAD 34    /* the ring's notify_one (publish): returns to `ret` */
#define NR_SEQ 35
#define NR_WAKE 36
#define W_PREP 37     /* wait_all_free: returns to P_FIN */
#define W_CHK0 38
#define W_CHK1 39
#define W_CANCELX 40
#define W_SLPINC 41
#define W_WAIT 42
#define W_WOKEN 43
#define W_SLPDEC 44
#define W_CANCEL 45
#define DEC 46        /* decommit */
#define U_SUB 47      /* unsubscribe: returns to `uret` */
#define U_DROP0 48
#define U_DROP1 49
#define U_HEAD 50
/* role-specific: 60.. */

#if BROKEN != 8
#define MF_AFTER MF_ILOAD
#define WA_AFTER1 WA_ILOAD
#else
#define MF_AFTER ret
#define WA_AFTER1 WA_AFTER2
#endif
#if CHANNEL
#define WA_AFTER2 WA_RLOAD
#else
#define WA_AFTER2 ret
#endif

/* --- shared steps, as loop options --------------------------------------- */

/* claim(i): load == 0, then CAS 0 -> held_bit(me). A failed CAS is a read:
   one step. A word that is 0 has no live holder (never handed out twice). */
#define CLAIM(i) \
  if \
  :: owner[i] == 0 -> assert(NOHOLD(i)); owner[i] = H(me); got = 1; idx = i \
  :: else -> skip \
  fi

/* where claim_any returns: cont 0 the loop's first, cont 1 the re-check */
#if BROKEN == 4
#define A_REG_FIRST A_SLPINC
#define A_PREP_NEXT A_AFTER_REG
#define A_SLPINC_NEXT pc = A_PREP
#else
#define A_REG_FIRST A_PREP
#define A_PREP_NEXT pc = A_SLPINC
#define A_SLPINC_NEXT A_AFTER_REG
#endif
#if BROKEN == 3
#define A_AFTER_REG pc = A_MOVED
#else
#define A_AFTER_REG cont = 1; pc = CA_TAKE
#endif
#define CA_DONE \
  if \
  :: cont == 0 && got -> pc = A_EPOCH \
  :: cont == 0 && !got -> pc = A_REG_FIRST \
  :: cont == 1 -> pc = A_MOVED \
  fi
#if BROKEN == 2
#define CA_NOHINT CA_DONE
#else
#define CA_NOHINT pc = CA_SCAN0
#endif
#if BROKEN == 5
#define EPOCH_OK true
#else
#define EPOCH_OK (state == entry)
#endif

#define CANCEL_CTL \
  assert(sleepers >= reg); \
  sleepers--; inreg[me] = 0; reg--; \
  assert(sleepers >= reg)

#define ACQ_OPTIONS \
:: d_step { LIVE && pc == A_ENTRY -> \
     entry = state; in_acq[me] = 1; must_refuse[me] = 0; got = 0; \
     if \
     :: OPEN(entry) -> cont = 0; pc = CA_TAKE \
     :: else -> res = NOTC; in_acq[me] = 0; entry = 0; pc = aret \
     fi } \
:: d_step { LIVE && pc == CA_TAKE -> /* hint load + fetch_and(~bit) */ \
     if \
     :: hint != 0 -> b = ((hint & 1) -> 0 : 1); hint = hint & ~(1 << b); pc = CA_CLAIM \
     :: else -> CA_NOHINT \
     fi } \
:: d_step { LIVE && pc == CA_CLAIM -> \
     CLAIM(b); b = 0; \
     if :: got -> CA_DONE :: else -> pc = CA_TAKE fi } \
:: d_step { LIVE && pc == CA_SCAN0 -> \
     CLAIM(0); \
     if :: got -> CA_DONE :: else -> pc = CA_SCAN1 fi } \
:: d_step { LIVE && pc == CA_SCAN1 -> CLAIM(1); CA_DONE } \
:: d_step { LIVE && pc == A_PREP -> \
     ticket = seq; sleepers++; inreg[me] = 1; reg++; A_PREP_NEXT } \
:: d_step { LIVE && pc == A_SLPINC -> sleeping[me]++; A_SLPINC_NEXT } \
:: d_step { LIVE && pc == A_MOVED -> \
     moved = (state != entry); \
     pc = ((!got && !moved) -> A_WAIT : A_SLPDEC) } \
:: d_step { LIVE && pc == A_WAIT -> \
     if \
     :: seq == ticket -> asleep[me] = 1; pc = A_WOKEN \
     :: else -> pc = A_SLPDEC \
     fi } \
:: d_step { LIVE && pc == A_WOKEN && !asleep[me] -> sleeping[me]--; pc = A_CANCEL } \
:: d_step { LIVE && pc == A_SLPDEC -> sleeping[me]--; pc = A_CANCEL } \
:: d_step { LIVE && pc == A_CANCEL -> \
     CANCEL_CTL; ticket = 0; \
     if \
     :: got -> moved = 0; pc = A_EPOCH \
     :: !got && moved -> moved = 0; res = NOTC; in_acq[me] = 0; entry = 0; pc = aret \
     :: !got && !moved -> pc = A_RECHECK \
     fi } \
:: d_step { LIVE && pc == A_RECHECK -> \
     if \
     :: state != entry -> res = NOTC; in_acq[me] = 0; entry = 0; pc = aret \
     :: else -> cont = 0; pc = CA_TAKE \
     fi } \
:: d_step { LIVE && pc == A_EPOCH -> \
     in_acq[me] = 0; got = 0; \
     if \
     :: EPOCH_OK -> \
        assert(!must_refuse[me]); /* an acquire across a decommit or a close refuses */ \
        assert((owner[idx] & H(me)) != 0 && hold[me * NS + idx] == 0); \
        hold[me * NS + idx] = 1; res = OK; entry = 0; pc = aret \
     :: else -> entry = 0; pc = A_GIVEBACK \
     fi } \
:: d_step { LIVE && pc == A_GIVEBACK -> \
     assert((owner[idx] & H(me)) != 0); \
     old = owner[idx]; owner[idx] = old & ~H(me); res = NOTC; \
     if \
     :: old == H(me) -> assert(NOHOLD(idx)); mfi = idx; ret = aret; pc = MF_HINT \
     :: else -> pc = aret \
     fi; \
     old = 0; idx = 0 }

/* release(ri): fetch_and(~held_bit(me)); the last bit marks the sample free */
#define REL_OPTIONS \
:: d_step { LIVE && pc == REL -> \
     assert((owner[ri] & H(me)) != 0 && hold[me * NS + ri] == 1); \
     hold[me * NS + ri] = 0; /* the handle ends here */ \
     old = owner[ri]; owner[ri] = old & ~H(me); \
     if \
     :: old == H(me) -> assert(NOHOLD(ri)); mfi = ri; ret = rret; pc = MF_HINT \
     :: else -> pc = rret \
     fi; \
     old = 0; ri = 0 }

/* mark_free(mfi): hint fetch_or, then notify_one: load sleepers, bump seq,
   FUTEX_WAKE 1 (any one thread in futex_wait; dead ones are not) */
#define MF_OPTIONS \
:: d_step { LIVE && pc == MF_HINT -> hint = hint | (1 << mfi); mfi = 0; pc = MF_LOAD } \
:: d_step { LIVE && pc == MF_LOAD -> \
     if :: sleepers > 0 -> pc = MF_SEQ :: else -> pc = MF_AFTER fi } \
:: d_step { LIVE && pc == MF_SEQ -> seq++; pc = MF_WAKE } \
:: atomic { LIVE && pc == MF_WAKE -> \
     if \
     :: asleep[0] -> asleep[0] = 0 \
     :: asleep[1] -> asleep[1] = 0 \
     :: asleep[2] -> asleep[2] = 0 \
     :: else -> skip \
     fi; \
     pc = MF_AFTER } \
MF_IDLE_OPTIONS

#if BROKEN != 8
#define MF_IDLE_OPTIONS \
:: d_step { LIVE && pc == MF_ILOAD -> \
     if :: isleepers > 0 -> pc = MF_ISEQ :: else -> pc = ret fi } \
:: d_step { LIVE && pc == MF_ISEQ -> iseq++; pc = MF_IWAKE } \
:: d_step { LIVE && pc == MF_IWAKE -> iasleep[0] = 0; iasleep[1] = 0; iasleep[2] = 0; pc = ret }
#define WA_IDLE_OPTIONS \
:: d_step { LIVE && pc == WA_ILOAD -> \
     if :: isleepers > 0 -> pc = WA_ISEQ :: else -> pc = WA_AFTER2 fi } \
:: d_step { LIVE && pc == WA_ISEQ -> iseq++; pc = WA_IWAKE } \
:: d_step { LIVE && pc == WA_IWAKE -> iasleep[0] = 0; iasleep[1] = 0; iasleep[2] = 0; pc = WA_AFTER2 }
#else
#define MF_IDLE_OPTIONS
#define WA_IDLE_OPTIONS
#endif

/* wake_everyone: notify_all on the pool's channel, then every ring's */
#define WA_OPTIONS \
:: d_step { LIVE && pc == WA_LOAD -> \
     if :: sleepers > 0 -> pc = WA_SEQ :: else -> pc = WA_AFTER1 fi } \
:: d_step { LIVE && pc == WA_SEQ -> seq++; pc = WA_WAKE } \
:: d_step { LIVE && pc == WA_WAKE -> asleep[0] = 0; asleep[1] = 0; asleep[2] = 0; pc = WA_AFTER1 } \
WA_IDLE_OPTIONS \
WA_RING_OPTIONS

#if CHANNEL
#define WA_RING_OPTIONS \
:: d_step { LIVE && pc == WA_RLOAD -> \
     if :: rsleepers > 0 -> pc = WA_RSEQ :: else -> pc = ret fi } \
:: d_step { LIVE && pc == WA_RSEQ -> rseq++; pc = WA_RWAKE } \
:: d_step { LIVE && pc == WA_RWAKE -> rasleep = 0; pc = ret }
/* the ring's notify_one, after a publish's tail store (the model's
   subscriber has one receiving thread: waking one is waking all) */
#define NR_OPTIONS \
:: d_step { LIVE && pc == NR_LOAD -> \
     if :: rsleepers > 0 -> pc = NR_SEQ :: else -> pc = ret fi } \
:: d_step { LIVE && pc == NR_SEQ -> rseq++; pc = NR_WAKE } \
:: d_step { LIVE && pc == NR_WAKE -> rasleep = 0; pc = ret }
#else
#define WA_RING_OPTIONS
#define NR_OPTIONS
#endif

/* drop_charges, one sample: load, fetch_and(~ch); 0 left: mark it free */
#define DROP(i, ch, next) \
  if \
  :: (owner[i] & (ch)) != 0 -> \
     old = owner[i]; owner[i] = old & ~(ch); \
     if \
     :: (old & ~(ch)) == 0 -> assert(NOHOLD(i)); mfi = i; ret = next; pc = MF_HINT \
     :: else -> pc = next \
     fi; \
     old = 0 \
  :: else -> pc = next \
  fi

/* unsubscribe (the subscriber itself) */
#define U_OPTIONS \
:: d_step { LIVE && pc == U_DROP0 -> DROP(0, Q(me), U_DROP1) } \
:: d_step { LIVE && pc == U_DROP1 -> DROP(1, Q(me), U_HEAD) } \
:: d_step { LIVE && pc == U_HEAD -> head = tail; pc = uret; uret = 0 }
#define U_FIRST \
  if \
  :: SUBSCRIBED(me) -> SET_UNSUB(me); pc = U_DROP0 \
  :: else -> pc = uret; uret = 0 \
  fi

/* decommit: CAS the state (committed -> not, epoch + 1), wake everyone */
#define DEC_STEP(next) \
  if \
  :: (state & COMMITTED) != 0 -> \
     state = (state & ~COMMITTED) + EPOCH; REFUSE_ALL; ret = next; pc = WA_LOAD \
  :: else -> pc = next \
  fi

/* wait_all_free (no deadline), then P_FIN */
#if BROKEN != 8
#define W_OPTIONS \
:: d_step { LIVE && pc == W_PREP -> ticket = iseq; isleepers++; pc = W_CHK0 } \
:: d_step { LIVE && pc == W_CHK0 -> pc = (owner[0] == 0 -> W_CHK1 : W_WAIT) } \
:: d_step { LIVE && pc == W_CHK1 -> pc = (owner[1] == 0 -> W_CANCELX : W_WAIT) } \
:: d_step { LIVE && pc == W_CANCELX -> isleepers--; ticket = 0; pc = P_FIN } \
:: d_step { LIVE && pc == W_WAIT -> \
     if \
     :: iseq == ticket -> iasleep[me] = 1; pc = W_WOKEN \
     :: else -> pc = W_CANCEL \
     fi } \
:: d_step { LIVE && pc == W_WOKEN && !iasleep[me] -> isleepers--; ticket = 0; pc = W_PREP } \
:: d_step { LIVE && pc == W_CANCEL -> isleepers--; ticket = 0; pc = W_PREP }
#else
#define W_OPTIONS \
:: d_step { LIVE && pc == W_PREP -> ticket = seq; sleepers++; inreg[me] = 1; reg++; pc = W_CHK0 } \
:: d_step { LIVE && pc == W_CHK0 -> pc = (owner[0] == 0 -> W_CHK1 : W_SLPINC) } \
:: d_step { LIVE && pc == W_CHK1 -> pc = (owner[1] == 0 -> W_CANCELX : W_SLPINC) } \
:: d_step { LIVE && pc == W_CANCELX -> CANCEL_CTL; ticket = 0; pc = P_FIN } \
:: d_step { LIVE && pc == W_SLPINC -> sleeping[me]++; pc = W_WAIT } \
:: d_step { LIVE && pc == W_WAIT -> \
     if \
     :: seq == ticket -> asleep[me] = 1; pc = W_WOKEN \
     :: else -> pc = W_SLPDEC \
     fi } \
:: d_step { LIVE && pc == W_WOKEN && !asleep[me] -> sleeping[me]--; pc = W_CANCEL } \
:: d_step { LIVE && pc == W_SLPDEC -> sleeping[me]--; pc = W_CANCEL } \
:: d_step { LIVE && pc == W_CANCEL -> CANCEL_CTL; ticket = 0; pc = W_PREP }
#endif

#define APP_LOCALS \
  byte pc, ret, aret, rret, uret, mfi, entry, ticket, idx, b, res, old, ri; \
  bool got, moved, cont

#define APP_RESET \
  pc = 0; ret = 0; aret = 0; rret = 0; uret = 0; mfi = 0; entry = 0; ticket = 0; \
  idx = 0; b = 0; res = 0; old = 0; ri = 0; got = 0; moved = 0; cont = 0; ROLE_RESET

/* the thread's last step, or its process's death (its locals are lost) */
#define APP_END \
:: d_step { LIVE && pc == P_FIN -> appdone[me] = 1; APP_RESET }; break \
:: d_step { APP_MAY_DIE && MAY_KILL(me) -> KILL_STEPS(me); APP_RESET }; break \
APP_KILLED
#if SCENARIO == 2
/* killed by the monitor's step (a reaper dying while it reaps): gone */
#define APP_KILLED :: d_step { dead[me] -> APP_RESET }; break
#else
#define APP_KILLED
#endif

/* --- the reaper (reaper.cpp), run by a monitor --------------------------- */

#define M_IDLE 0
#define M_PUB 60      /* publisher == r + 1? */
#define M_SUBCHK 61   /* records_[SUB].subscribed */
#define M_DQ0 76      /* not subscribed: drop every queued charge of SUB */
#define M_DQ1 77
#define M_CO 62       /* clean_orphans_of(SUB): head, tail, entries */
#define M_CO0 63      /*   each sample's charge not among them: clear */
#define M_CO1 64
#define M_SLOT 65     /* CAS publisher r + 1 -> 0 */
#define M_GONE 66     /* publisher_gone++ */
#define M_UNSUB 67    /* subscribed = 0 */
#define M_DROP0 68    /* drop_charges(r, charges_of(r)) */
#define M_DROP1 69
#define M_XCHG 70     /* n = sleeping.exchange(0) */
#define M_FORGET 71   /* forget_sleepers(n) */
#define M_HINT0 72    /* rebuild_hint */
#define M_HINT1 73
#define M_CLOSE 74    /* the creator: state |= closed */
#define M_FREE 75     /* CAS life reaping(me) -> free */

#if CHANNEL
#define M_FIRST M_PUB
#else
#define M_FIRST M_DROP0   /* no publisher, nobody subscribed: steps 1, 2 are loads and no-ops */
#endif
#define M_CO_FIRST M_SUBCHK
#if BROKEN == 9
#define M_NOTSUB M_SLOT   /* the code before 49b985f: subscribers' orphans only */
#else
#define M_NOTSUB M_DQ0
#endif
#if BROKEN == 6
#define M_WAKE pc = M_FREE
#else
#define M_WAKE ret = M_FREE; pc = WA_LOAD
#endif
#define M_CLOSE_OR_WAKE if :: rr == 0 -> pc = M_CLOSE :: else -> M_WAKE fi
#if BROKEN == 2
#define M_AFTER_FORGET M_CLOSE_OR_WAKE
#else
#define M_AFTER_FORGET pc = M_HINT0
#endif
#if FIX & 8
#define ENT_IN_RING(n) ((ent[(n) % CAP] >> 1) == subw[SUB])
#define ENT_SAMPLE(n) (ent[(n) % CAP] & 1)
#else
#define ENT_IN_RING(n) true
#define ENT_SAMPLE(n) ent[(n) % CAP]
#endif
/* an orphan: a charge of SUB whose sample no entry in [head, tail) names */
#define ORPHAN(i, next) \
  if \
  :: (qs & (1 << (i))) == 0 && (owner[i] & Q(SUB)) != 0 -> \
     old = owner[i]; owner[i] = old & ~Q(SUB); \
     if \
     :: old == Q(SUB) -> assert(NOHOLD(i)); mfi = i; ret = next; pc = MF_HINT \
     :: else -> pc = next \
     fi; \
     old = 0 \
  :: else -> pc = next \
  fi

/* --- death --------------------------------------------------------------- */

/* A process dies at once, all its threads, wherever they are: the kernel
   takes them off every futex queue, and its handles and its registrations
   end with it. Death is a step of the dying process's own application
   thread (or, once that has finished, of its monitor), which also clears
   that thread's locals: a dead process's state is lost, and two deaths that
   leave the shared words alike are one state. KILLS deaths at most, of the
   processes in the KILL mask. */
#define MAY_KILL(v) (kills < KILLS && ((KILL) & (1 << (v))) != 0 && !dead[v])
#define KILL_STEPS(v) \
  dead[v] = 1; asleep[v] = 0; KILL_IDLE(v); \
  if :: v == SUB -> rasleep = 0 :: else -> skip fi; \
  reg = reg - inreg[v]; inreg[v] = 0; \
  hold[v * NS] = 0; hold[v * NS + 1] = 0; \
  in_acq[v] = 0; must_refuse[v] = 0; appdone[v] = 1; \
  if :: v == SUB -> in_rcv = 0; was_pub = 0; owed = 0 :: else -> skip fi; \
  kills++
#if BROKEN != 8
#define KILL_IDLE(v) iasleep[v] = 0
#else
#define KILL_IDLE(v) skip
#endif

#if SCENARIO == 2
/* the first death is any process's (KILL), the second a reaper's, while it
   reaps (its monitor's step); any monitor may reap any dead process, and
   take over a reaping whose reaper died */
#define APP_MAY_DIE (kills == 0)
#define MON_MAY_DIE (kills == 1 && pc != M_IDLE)
#define REAPS(m, r) ((m) != (r))
#else
/* one death: the creator's is reaped by P1's monitor, the others' by P0's
   (which one reaps does not matter to the protocol; the race for the record
   is the takeover scenario's) */
#define APP_MAY_DIE true
#define MON_MAY_DIE appdone[me]
#define REAPS(m, r) ((m) == ((r) == 0 -> 1 : 0))
#endif

/* orphaned(r): its process is dead, or it is being reaped by a dead one */
#define ORPH(r) ((life[r] == ALIVE && dead[r]) || (life[r] >= 2 && dead[life[r] - 2]))

/* A process's monitor thread: reaps what it finds dead (the pidfd, or the
   roster refresh), taking the record with a CAS; takes over a reaping whose
   reaper died. */
proctype Monitor(byte me) {
  byte pc, ret, rr, n, mfi, old, h, t, qs;
end_watch:
  do
  :: d_step { LIVE && pc == M_IDLE && REAPS(me, 0) && ORPH(0) -> life[0] = REAPING(me); rr = 0; pc = M_FIRST }
  :: d_step { LIVE && pc == M_IDLE && REAPS(me, 1) && ORPH(1) -> life[1] = REAPING(me); rr = 1; pc = M_FIRST }
  :: d_step { LIVE && pc == M_IDLE && REAPS(me, 2) && ORPH(2) -> life[2] = REAPING(me); rr = 2; pc = M_FIRST }
  :: d_step { MON_MAY_DIE && MAY_KILL(me) ->     /* the process dies; this thread is its monitor */
       KILL_STEPS(me); pc = 0; ret = 0; rr = 0; n = 0; mfi = 0; old = 0; h = 0; t = 0; qs = 0 }
#if CHANNEL
  :: d_step { LIVE && pc == M_PUB ->                                         /* 1. */
         if
         :: PSLOT == rr + 1 -> pc = (SUB != rr -> M_CO_FIRST : M_SLOT)
         :: else -> pc = M_UNSUB
         fi }
    :: d_step { LIVE && pc == M_SUBCHK -> pc = (SUBSCRIBED(SUB) -> M_CO : M_NOTSUB) }
    :: d_step { LIVE && pc == M_DQ0 -> DROP(0, Q(SUB), M_DQ1) }      /* drop_charges(s, queued_bit(s)) */
    :: d_step { LIVE && pc == M_DQ1 -> DROP(1, Q(SUB), M_SLOT) }
    :: d_step { LIVE && pc == M_CO ->
         h = head; t = tail;   /* the entries below tail do not change: the dead publisher owns the slot */
         qs = 0;
         do
         :: h == t -> break
         :: else -> if :: ENT_IN_RING(h) -> qs = qs | (1 << ENT_SAMPLE(h)) :: else -> skip fi; h++
         od;
         h = 0; t = 0; pc = M_CO0 }
    :: d_step { LIVE && pc == M_CO0 -> ORPHAN(0, M_CO1) }
    :: d_step { LIVE && pc == M_CO1 -> ORPHAN(1, M_SLOT); qs = 0 }
#if FIX & 2
    :: d_step { LIVE && pc == M_SLOT ->
         if :: PSLOT == rr + 1 -> publisher = (publisher & ~3) + 4; SLOT_FREED :: else -> skip fi;
         pc = M_UNSUB }
#else
    :: d_step { LIVE && pc == M_SLOT ->
         if :: publisher == rr + 1 -> publisher = 0; SLOT_FREED; pc = M_GONE :: else -> pc = M_UNSUB fi }
    :: d_step { LIVE && pc == M_GONE -> pub_gone++; pc = M_UNSUB }
#endif
    :: d_step { LIVE && pc == M_UNSUB -> SET_UNSUB(rr); pc = M_DROP0 }            /* 2. */
#endif
    :: d_step { LIVE && pc == M_DROP0 -> DROP(0, CH(rr), M_DROP1) }              /* 3. */
    :: d_step { LIVE && pc == M_DROP1 -> DROP(1, CH(rr), M_XCHG) }
    :: d_step { LIVE && pc == M_XCHG -> n = sleeping[rr]; sleeping[rr] = 0; pc = M_FORGET }  /* 4. */
    :: d_step { LIVE && pc == M_FORGET ->
         assert(sleepers >= n);           /* never below zero, */
         sleepers = sleepers - n; n = 0;
         assert(sleepers >= reg);         /* nor below the live sleepers */
         M_AFTER_FORGET }
    :: d_step { LIVE && pc == M_HINT0 ->                                         /* 5. */
         if :: owner[0] == 0 -> hint = hint | 1 :: else -> skip fi; pc = M_HINT1 }
    :: d_step { LIVE && pc == M_HINT1 ->
         if :: owner[1] == 0 -> hint = hint | 2 :: else -> skip fi; M_CLOSE_OR_WAKE }
    :: d_step { LIVE && pc == M_CLOSE -> state = state | CLOSED; REFUSE_ALL; M_WAKE }   /* 6. */
    WA_OPTIONS                                                          /* 7. */
    MF_OPTIONS
    :: d_step { LIVE && pc == M_FREE ->                                          /* 8. */
         if :: life[rr] == REAPING(me) -> life[rr] = FREE :: else -> skip fi;
         rr = 0; pc = M_IDLE }
  od
}

/* --- the application threads --------------------------------------------- */

/* P0, the creator. */
#define ROLE_RESET skip
proctype P0() {
  byte me = 0;
  APP_LOCALS;
#if SCENARIO == 1 || SCENARIO == 2
  pc = 60;                     /* ~SharedPool: decommit, wait until all free */
#elif SCENARIO == 3
  pc = 60;                     /* decommit, or not */
#else
  pc = W_PREP;                 /* wait_all_free_until while committed */
#endif
  do
    :: d_step { LIVE && pc == DEC -> DEC_STEP(W_PREP) }
#if SCENARIO == 1 || SCENARIO == 2
    /* at any moment, or once P1 and P2 have finished: then no wake-up
       can come from the decommit, and a waiter that missed one sleeps for
       good (an invalid end state) */
    :: d_step { LIVE && pc == 60 -> pc = DEC }
    :: d_step { LIVE && pc == 60 -> pc = 61 }
    :: d_step { LIVE && pc == 61 && appdone[1] && appdone[2] -> DEC_STEP(W_PREP) }
#endif
#if SCENARIO == 3
    /* at any moment, or (the stop) once P1 has finished and been reaped,
       unless P2 is in a receive during which the publisher held the slot
       and then left: that receive must end by itself (not_committed) */
    :: d_step { LIVE && pc == 60 -> DEC_STEP(P_FIN) }
    :: d_step { LIVE && pc == 60 -> pc = 61 }
    :: d_step { LIVE && pc == 61 && appdone[1] && (!dead[1] || life[1] == FREE) && !owed -> DEC_STEP(P_FIN) }
#endif
    W_OPTIONS
    WA_OPTIONS
    APP_END
  od
}

#define P1_2ND 60
#define P1_REL1 61
#define P1_HOLD 63
#define PB_START 60
#define PB_OPEN 61
#define PB_SLOT 62
#define PB_SUB1 63
#define PB_HEAD 64
#define PB_CHARGE 65
#define PB_SUB2 66
#define PB_UNDO 67
#define PB_TAIL 68
#define PB_REL 69
#define PB_LEAVE 70
#define PB_GONE 71
#define NEXT_PUB k++; tg = 0; pc = ((k == PUBS) -> PB_REL : PB_OPEN)

/* P1: acquires two samples, then releases both; in scenario 3 the
   publisher. */
#undef ROLE_RESET
#define ROLE_RESET a = 0; k = 0; t = 0; h = 0; tg = 0
proctype P1() {
  byte me = 1;
  APP_LOCALS;
  byte a, k, t, h, tg;
  pc = A_ENTRY;
#if SCENARIO == 3
  aret = PB_START;
#else
  aret = P1_2ND;
#endif
  do
    ACQ_OPTIONS
    REL_OPTIONS
    MF_OPTIONS
    WA_OPTIONS
    NR_OPTIONS
#if SCENARIO == 3
    :: d_step { LIVE && pc == PB_START -> k = 0; pc = (res == OK -> PB_OPEN : PB_LEAVE); res = 0 }
    :: d_step { LIVE && pc == PB_OPEN -> if :: OPEN(state) -> pc = PB_SLOT :: else -> NEXT_PUB fi }
    :: d_step { LIVE && pc == PB_SLOT ->                                  /* load, CAS 0 -> me + 1 */
         if
         :: PSLOT == me + 1 -> pc = PB_SUB1
         :: PSLOT == 0 -> publisher = publisher + me + 1; was_pub = was_pub || in_rcv; pc = PB_SUB1
         :: else -> NEXT_PUB                                      /* busy */
         fi }
    :: d_step { LIVE && pc == PB_SUB1 ->                                  /* the first `subscribed` load */
         tg = subw[SUB]; if :: (tg & 1) != 0 -> pc = PB_HEAD :: else -> NEXT_PUB fi }
#if BROKEN == 7
    :: d_step { LIVE && pc == PB_HEAD -> t = tail; h = head;
         if :: t - h == CAP -> t = 0; h = 0; NEXT_PUB :: else -> pc = PB_SUB2 fi }
    :: d_step { LIVE && pc == PB_SUB2 -> if :: SUBSCRIBED(SUB) -> pc = PB_CHARGE :: else -> NEXT_PUB fi }
    :: d_step { LIVE && pc == PB_CHARGE ->
         old = owner[idx]; owner[idx] = old | Q(SUB);
         if
         :: (old & CH(SUB)) != 0 && (old & Q(SUB)) == 0 -> pc = PB_UNDO
         :: (old & CH(SUB)) != 0 && (old & Q(SUB)) != 0 -> NEXT_PUB
         :: else -> pc = PB_TAIL
         fi;
         old = 0 }
#else
    :: d_step { LIVE && pc == PB_HEAD -> t = tail; h = head;              /* tail is ours */
         if :: t - h == CAP -> t = 0; h = 0; NEXT_PUB :: else -> pc = PB_CHARGE fi }
#if FIX & 4
    :: d_step { LIVE && pc == PB_CHARGE ->                /* CAS: charge only if SUB has none */
         if
         :: (owner[idx] & CH(SUB)) != 0 -> t = 0; h = 0; NEXT_PUB
         :: else -> owner[idx] = owner[idx] | Q(SUB); pc = PB_SUB2
         fi }
#else
    :: d_step { LIVE && pc == PB_CHARGE ->                                /* fetch_or(queued_bit(SUB)) */
         old = owner[idx]; owner[idx] = old | Q(SUB);
         if
         :: (old & CH(SUB)) != 0 && (old & Q(SUB)) == 0 -> pc = PB_UNDO   /* SUB has it: undo */
         :: (old & CH(SUB)) != 0 && (old & Q(SUB)) != 0 -> t = 0; h = 0; NEXT_PUB
         :: else -> pc = PB_SUB2
         fi;
         old = 0 }
#endif
    :: d_step { LIVE && pc == PB_SUB2 ->                                  /* still subscribed? */
#if FIX & 8
         if :: subw[SUB] != tg -> pc = PB_UNDO :: else -> pc = PB_TAIL fi }   /* the same subscription? */
#else
         if :: !SUBSCRIBED(SUB) -> pc = PB_UNDO :: else -> pc = PB_TAIL fi }
#endif
#endif
    :: d_step { LIVE && pc == PB_UNDO ->                                  /* we hold it: never frees it */
         owner[idx] = owner[idx] & ~Q(SUB); assert(owner[idx] != 0); t = 0; h = 0; NEXT_PUB }
    :: d_step { LIVE && pc == PB_TAIL ->            /* the entry (unseen until the tail store), tail */
#if FIX & 8
         ent[t % CAP] = idx + 2 * tg;
#else
         ent[t % CAP] = idx;
#endif
         tail = t + 1; t = 0; h = 0; tg = 0;
         k++; ret = ((k == PUBS) -> PB_REL : PB_OPEN); pc = NR_LOAD }
    :: d_step { LIVE && pc == PB_REL -> ri = idx; idx = 0; k = 0; rret = PB_LEAVE; pc = REL }
#if FIX & 2
    :: d_step { LIVE && pc == PB_LEAVE ->     /* detach: CAS publisher, bumping the generation */
         if
         :: PSLOT == me + 1 -> publisher = (publisher & ~3) + 4; SLOT_FREED; ret = P_FIN; pc = WA_LOAD
         :: else -> pc = P_FIN
         fi }
#else
    :: d_step { LIVE && pc == PB_LEAVE ->     /* detach: CAS publisher me + 1 -> 0 */
         if :: publisher == me + 1 -> publisher = 0; SLOT_FREED; pc = PB_GONE :: else -> pc = P_FIN fi }
    :: d_step { LIVE && pc == PB_GONE -> pub_gone++; ret = P_FIN; pc = WA_LOAD }
#endif
#else
    :: d_step { LIVE && pc == P1_2ND ->
         a = idx; k = res; idx = 0; res = 0;
         if :: k == OK -> aret = P1_REL1; pc = A_ENTRY :: else -> k = 0; pc = P_FIN fi }
    :: d_step { LIVE && pc == P1_REL1 ->
         ri = a; a = 0; rret = (res == OK -> P1_HOLD : P_FIN); pc = REL; k = 0;
         if :: res != OK -> res = 0 :: else -> skip fi }
    :: d_step { LIVE && pc == P1_HOLD && (p2ret || dead[2]) -> ri = idx; idx = 0; res = 0; rret = P_FIN; pc = REL }
#endif
    APP_END
  od
}

#define P2_REL 60
#define RCV 61        /* receive: subscribed?, gone = publisher_gone */
#define TE_READ 62    /* take_entry: tail (and the entry at head) */
#define TE_MOVE 63    /*   CAS queued(me) -> held(me) */
#define TE_HEAD 64    /*   head = head + 1 */
#define R_END1 65     /* ended(): state */
#define R_GONE1 66    /*          publisher_gone */
#define R_PREP 67     /* ring.wake.prepare() */
#define R_READY 68    /* tail != head */
#define R_END2 69
#define R_GONE2 70
#define R_WAIT 71
#define R_WOKEN 72
#define R_CANCEL 73
#define S_GOT 74
#define S_LOOP 75
#define S_RESUB 76
#define SB_SUB 77
#define S_END 78

#if BROKEN == 1
#define TE_FIRST TE_HEAD
#define TE_MOVE_NEXT TE_FINISH
#define TE_HEAD_NEXT pc = TE_MOVE
#else
#define TE_FIRST TE_MOVE
#define TE_MOVE_NEXT pc = TE_HEAD
#define TE_HEAD_NEXT TE_FINISH
#endif
#if RESUB
#define TE_SKIPPED skip
#else
#define TE_SKIPPED assert(0)   /* an entry below tail lost its charge */
#endif
#define TE_FINISH \
  if \
  :: moved -> \
     assert(hold[me * NS + i] == 0);   /* a process holds a sample once */ \
     hold[me * NS + i] = 1; idx = i; res = OK; pc = S_GOT \
  :: else -> TE_SKIPPED; pc = TE_READ \
  fi; \
  moved = 0; i = 0; h = 0; t = 0; e = 0
#if FIX & 8
#define TE_DECODE \
  if \
  :: (e >> 1) != subw[me] -> moved = 0 /* another subscription's: skipped */ \
  :: else -> i = e & 1; TE_CAS \
  fi
#else
#define TE_DECODE i = e; TE_CAS
#endif
#define TE_CAS \
  if \
  :: (owner[i] & Q(me)) != 0 -> owner[i] = (owner[i] & ~Q(me)) | H(me); moved = 1 \
  :: else -> moved = 0 \
  fi

/* P2: acquires one sample and releases it; in scenario 3 the subscriber,
   which keeps each sample until it has the next. */
#undef ROLE_RESET
#define ROLE_RESET cur = 0; h = 0; t = 0; e = 0; i = 0; gone = 0; prev = 0; resub = 0; last = 0
proctype P2() {
  byte me = 2;
  APP_LOCALS;
  byte cur = NONE, h, t, e, i, gone, prev;
  bool resub, last;
#if SCENARIO == 3
  pc = S_LOOP;
#else
  pc = A_ENTRY;
  aret = P2_REL;
#endif
  do
    ACQ_OPTIONS
    REL_OPTIONS
    MF_OPTIONS
    U_OPTIONS
#if SCENARIO == 3
    :: d_step { LIVE && (pc == RCV || pc == S_LOOP) ->
         if
         :: !SUBSCRIBED(me) -> res = INVAL; pc = S_END
         :: else -> gone = GONE; in_rcv = 1; was_pub = (PSLOT == 1 + 1); owed = 0; pc = TE_READ
         fi }
    :: d_step { LIVE && pc == TE_READ ->            /* tail; the entry at head is stable below tail */
         h = head; t = tail;
         if
         :: t == h && !last -> pc = R_END1
         :: t == h && last -> res = NOTC; pc = S_END         /* ended, and nothing came in */
         :: t != h -> e = ent[h % CAP]; pc = TE_FIRST
         fi }
    :: d_step { LIVE && pc == TE_MOVE -> TE_DECODE; TE_MOVE_NEXT }
    :: d_step { LIVE && pc == TE_HEAD -> head = h + 1; TE_HEAD_NEXT }
    :: d_step { LIVE && pc == R_END1 -> if :: ENDED(state) -> last = 1; pc = TE_READ :: else -> pc = R_GONE1 fi }
    :: d_step { LIVE && pc == R_GONE1 -> if :: GONE != gone -> last = 1; pc = TE_READ :: else -> pc = R_PREP fi }
    :: d_step { LIVE && pc == R_PREP -> ticket = rseq; rsleepers++; pc = R_READY }
    :: d_step { LIVE && pc == R_READY -> pc = (tail != head -> R_CANCEL : R_END2) }
    :: d_step { LIVE && pc == R_END2 -> pc = (ENDED(state) -> R_CANCEL : R_GONE2) }
    :: d_step { LIVE && pc == R_GONE2 -> pc = (GONE != gone -> R_CANCEL : R_WAIT) }
    :: d_step { LIVE && pc == R_WAIT ->
         if :: rseq == ticket -> rasleep = 1; pc = R_WOKEN :: else -> pc = R_CANCEL fi }
    :: d_step { LIVE && pc == R_WOKEN && !rasleep -> rsleepers--; ticket = 0; pc = TE_READ }
    :: d_step { LIVE && pc == R_CANCEL -> rsleepers--; ticket = 0; pc = TE_READ }
    :: d_step { LIVE && pc == S_GOT ->
         last = 0; in_rcv = 0; was_pub = 0; owed = 0;
         gone = 0; prev = cur; cur = idx; idx = 0; res = 0;
         if :: prev != NONE -> ri = prev; rret = S_LOOP; pc = REL :: else -> pc = S_LOOP fi;
         prev = 0 }
#if RESUB
    :: d_step { LIVE && pc == S_LOOP && !resub -> resub = 1; uret = S_RESUB; U_FIRST }
    :: d_step { LIVE && pc == S_RESUB -> head = tail; pc = SB_SUB }      /* subscribe */
    :: d_step { LIVE && pc == S_RESUB -> pc = S_LOOP }                   /* or not */
    :: d_step { LIVE && pc == SB_SUB -> SET_SUB(me); pc = S_LOOP }
#endif
    :: d_step { LIVE && pc == S_END ->
         last = 0; in_rcv = 0; was_pub = 0; owed = 0;
         gone = 0; res = 0; uret = P_FIN;
         if :: cur != NONE -> ri = cur; cur = NONE; rret = U_SUB; pc = REL :: else -> pc = U_SUB fi }
    /* the last unsubscribe, once the publisher has finished or been reaped:
       first, no charge of ours outlives it without an entry that names it
       (an orphan would stay charged to us while we stay subscribed) */
    :: d_step { LIVE && pc == U_SUB && appdone[1] && (!dead[1] || life[1] == FREE) ->
         h = head; t = tail; e = 0;
         do
         :: h == t -> break
         :: else -> if :: ENT_IN_RING(h) -> e = e | (1 << ENT_SAMPLE(h)) :: else -> skip fi; h++
         od;
         assert((owner[0] & Q(me)) == 0 || (e & 1) != 0);
         assert((owner[1] & Q(me)) == 0 || (e & 2) != 0);
         h = 0; t = 0; e = 0;
         U_FIRST }
#else
    :: d_step { LIVE && pc == P2_REL ->
         p2ret = 1;
         if :: res == OK -> ri = idx; rret = P_FIN; pc = REL :: else -> pc = P_FIN fi;
         idx = 0; res = 0 }
#endif
    APP_END
  od
}

init {
#if CHANNEL
  subw[SUB] = 1;                /* subscribed before anyone published */
#endif
  atomic {
    run P0(); run P1(); run P2();
    run Monitor(0); run Monitor(1); run Monitor(2)
  };
  /* At the end (every application thread finished or dead, every dead
     process reaped): nothing leaked, every owner word is 0. */
  (appdone[0] && appdone[1] && appdone[2]);
  ((!dead[0] || life[0] == FREE) && (!dead[1] || life[1] == FREE) && (!dead[2] || life[2] == FREE));
  assert(owner[0] == 0 && owner[1] == 0)
}
