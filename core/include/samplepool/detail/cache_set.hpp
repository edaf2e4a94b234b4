// samplepool/detail/cache_set.hpp: a pool's per-thread caches, and the
// whole protocol around them in one home.
//
// Purpose: the owner's side (take, put: inline below, the hot path; refill,
// flush and the owner's own drain: cache_set.cpp) and the closers' side
// (close, resweep, release, reopen, settle: cache_set.cpp) of the protocol
// that thread_cache.hpp states for one cache. Everything here works on the
// pool's ControlBlock (control_block.hpp): samples move between a cache and
// the shared free list by index, and the lifetime word counts them as held
// while they sit in a cache.
//
// A set without caches (the FIFO policy, caches switched off, no expedited
// membarrier) answers every owner call with "use the shared path" and every
// closer call with "nothing skipped"; it keeps each thread slot's failed
// polls and shared-path acquires instead (slot_counts.hpp).
//
// Thread safety: take/take_one/put/put_picked/refill/flush/owner_drain (and
// the cold exits of take_one and put) run on the owning thread only. Closers serialize on sweep_ (a
// mutex never held while waiting for another thread, and taken after the
// pool's control mutex where both are held). settle() and teardown() only
// for a decommitted pool.
//
// Lifetime: owner_drain() may be a pool's last use (an orphaned pool); it
// then runs the finalizer given at construction and touches nothing after.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "samplepool/config.hpp"
#include "samplepool/detail/control_block.hpp"
#include "samplepool/detail/holder_stamp.hpp"
#include "samplepool/detail/slot_counts.hpp"
#include "samplepool/detail/thread_cache.hpp"
#include "samplepool/detail/thread_index.hpp"

namespace samplepool::detail {

class CacheSet {
 public:
  using Finalizer = void (*)(void* context) noexcept;

  // Builds caches when `wanted` and the heavy fence works; registers for the
  // thread-exit drain. `finalize(context)` ends an orphaned pool.
  CacheSet(ControlBlock& cb, bool wanted, Finalizer finalize, void* context) noexcept;
  CacheSet(const CacheSet&) = delete;
  CacheSet& operator=(const CacheSet&) = delete;

  bool exists() const noexcept { return caches_ != nullptr; }
  // In use: built, and no heavy fence has failed (after one, closed for good).
  bool enabled() const noexcept { return exists() && !fallback(); }
  bool fallback() const noexcept { return fallback_.load(std::memory_order_relaxed); }

  // The shared paths call this: a thread that has no cache slot yet claims
  // one (thread_index.hpp), so its next call finds its cache. (Without
  // caches a thread claims one when it first counts in the pool, a failed
  // poll or an acquire, for its counts (slot_counts.hpp): the shared paths
  // of a FIFO pool would pay this call on every acquire and release.)
  void claim_for_next_time() const noexcept {
    if (exists()) claim_cache_slot();
  }

  // This thread's entry and its offset, found once per acquire: for a poll
  // that tests its own cache and counts its failure there, and for the take
  // (a second lookup would reload the array and the TLS word after the
  // hint's acquire; in the shared library, the C and DirectShow faces', it
  // was a second TLS descriptor call on every try_acquire).
  struct Own {
    ThreadCache* cache;  // null: no caches, or no slot
    std::uint32_t offset;
  };
  static Own own(const ControlBlock& cb) noexcept;

  // Owner side, hot ------------------------------------------------------------
  // `cb` is the block given at construction, passed again by the pool (its
  // own member, addressed from `this`): reading it through the reference the
  // set keeps would add a dependent load to every round trip (measured:
  // 0.88x of the round trip).
  // Hands k samples from this thread's cache to sink(i, slot, sole), i in [0, k)
  // (refilling an empty cache from the shared list when k fits the cache), and
  // returns true; false, handing out nothing, when the shared path must
  // serve the call. The sink stores each slot where the caller wants it (a
  // Sample of the caller's span), so no staging copy sits in between.
  template <class Sink>
  bool take(ControlBlock& cb, std::uint32_t k, Sink&& sink) noexcept;
  // take() for a single acquire: the sample, and whether its handle may be
  // marked sole (HolderStamp::sole); a null slot when the shared path must
  // serve the call. As in put(), every unusual event (closed, empty, a pool
  // that stamps ages, reclaimed while inside) leaves through one
  // out-of-line call in tail position, so that only the caller's own values
  // live across a call. `own` is own(cb), which the caller has read.
  // The mark rides in the slot address's low bit, where Sample keeps it too
  // (PoolAccess::fill_tagged): the usual take's constant mark is one OR, and
  // the join with the cold exits' results is one register (as a separate
  // bool it took three instructions to form into the handle).
  static constexpr std::uintptr_t kSoleTag = 1;
  static_assert(alignof(SampleSlot) > kSoleTag);
  struct Taken {
    std::uintptr_t tagged = 0;  // the slot's address | kSoleTag if sole; 0 for none
    static Taken of(SampleSlot* s, bool sole) noexcept {
      return {reinterpret_cast<std::uintptr_t>(s) | (sole ? kSoleTag : 0)};
    }
  };
  Taken take_one(ControlBlock& cb, Own own) noexcept;
  // Puts a released sample into this thread's cache, or calls shared(s)
  // when the shared path must take it (no cache or slot, the cache closed).
  // The array is the sample's (s->caches, the same as cb's), taken from the
  // thread's remembered array when the two are equal: the header is only
  // compared (release_entry). Every unusual event (closed, full, reclaimed
  // while inside) leaves through one out-of-line call in tail position that
  // finishes the put, so no value of the usual put lives across a call: a
  // face's release function saves no registers (before: four pushed and
  // popped, 10 instructions a release).
  template <class Shared>
  void put(ControlBlock& cb, SampleSlot* s, Shared shared) noexcept;
  // put() for many in one section (Pool::release_bulk): pick(i, keep), i in
  // [0, k), calls keep(slot) with the released slot to cache
  // (Pool::take_sole), or returns without a call to skip that i; every kept
  // slot goes into this thread's cache, flushing batches as it fills. pick
  // runs inside the section, so it must not call into the pool. False,
  // having called pick for none, when the shared path must take them all.
  template <class Pick>
  bool put_picked(ControlBlock& cb, std::size_t k, Pick&& pick) noexcept;
  // True when no cache but this thread's own may hold a sample and its own
  // is empty and open (the hint, control_block.hpp): a failing poll need not
  // sweep. acquire on the hint: pairs with the clearing sweep's release. A
  // closed own cache may be in a closer's hands (emptied, its samples not
  // yet pushed): then the poll must take the shared path, which serializes
  // with that closer, or it could fail beside samples in transit
  // (ThreadCache::empty_and_open says why loads alone tell).
  bool nothing_cached_elsewhere(const ControlBlock& cb) const noexcept {
    return nothing_cached_elsewhere(cb, own(cb));
  }
  static bool nothing_cached_elsewhere(const ControlBlock& cb, Own own) noexcept;
  // The owner, outside a section, gives what its own cache holds back to
  // the shared list (no fence: the owner drains under `draining`, as a
  // closed owner does). A bulk acquire that came up short calls it before
  // it decides whether other caches must be swept: a refill for that very
  // call may have left its samples here. The caller holds a lifetime use,
  // so this is never the pool's last.
  void return_own() noexcept;
  // Counts a failed poll in this thread's cache entry, or without caches in
  // its slot's counts (no shared write); false when the thread has no
  // slot (or the pool neither), and the caller counts it in the pool.
  static bool count_timeout(const ControlBlock& cb, Own own) noexcept;
  // ... and where it answered false: counts the failure in the pool, and
  // claims a slot so that the next one need not. Rare, yet not
  // [[gnu::cold]]: GCC let the attribute's "never executed" spread to the
  // whole failing poll around the call, which in the shared library (the C
  // and DirectShow faces) it moved into the .text.unlikely part, a jump away
  // on every failing poll.
  void count_timeout_without_slot() noexcept;
  // Counts a sample the shared path handed out, in a set without caches in
  // this thread's slot's counts; false when the thread has no slot, or the
  // set has caches (a shared-path acquire is then the exception: caches
  // closed, or no slot), and the caller calls count_acquire_without_slot.
  // Called by Pool::hand_out, in the library, where reading the slot's TLS
  // word is a TLS descriptor call. (Inline in the caller's acquire_impl it
  // read one load, but kept two more registers live across the shared
  // path's call in every acquire, the C face's cached one included: 132 to
  // 140 instructions a round trip, tools/bench_icount.py.)
  static bool count_acquire(const ControlBlock& cb) noexcept;
  // ... and where it answered false: counts it in the pool, and claims a
  // slot for a set without caches so that the next one need not. Cold,
  // unlike count_timeout_without_slot: Pool::hand_out reaches it through an
  // out-of-line call in tail position (count_acquire_in_pool), so no hot
  // block lies around it for the attribute to spread into.
  [[gnu::cold]] void count_acquire_without_slot() noexcept;

  // Closers --------------------------------------------------------------------
  // A closer closes every cache and empties the idle ones; they stay closed
  // until the last closer (a waiter, a failing try_*) leaves, or, when
  // decommitted, until reopen(). Each returns how many caches it had to
  // skip (owner inside): their samples come back later.
  std::uint32_t close() noexcept;    // a closer arrives
  std::uint32_t resweep() noexcept;  // a closer looks again
  void release() noexcept;           // a closer leaves
  // commit(): opens the caches if allowed (no closer, no callback, ...).
  void reopen() noexcept;
  // decommit(): closes and sweeps, runs change() (the state store) before
  // any closer can reopen, then lets go.
  template <class F>
  void close_around(F&& change) noexcept {
    std::unique_lock lock(sweep_, std::defer_lock);
    if (exists()) {
      lock.lock();
      (void)sweep_locked();
    }
    change();
  }
  // Decommitted: sweeps until every cache is empty and no owner is inside,
  // sleeping between sweeps (only teardown and orphaning come here).
  void settle() noexcept;
  // settle(), then leaves the thread-exit registry.
  void teardown() noexcept;

  // Statistics: samples sitting in caches, samples handed out from them,
  // and failed polls counted in them.
  struct Totals {
    std::uint64_t cached = 0;
    std::uint64_t acquires = 0;
    std::uint64_t timeouts = 0;
  };
  Totals totals() const noexcept;
  // Racy by nature: calls f(address) with the address of each sample the
  // caches hold, as an integer (a count and its items read relaxed, outside
  // the owner's section: an item may be stale, even from an older layout).
  // For Pool::holders(), which only compares the addresses.
  template <class F>
  void visit_cached(F&& f) const noexcept {
    const ThreadCache* caches = caches_.get();
    if (caches == nullptr) return;
    for (std::uint32_t i = 1; i < kCacheEntries; ++i) {
      const std::uint32_t n = caches[i].count.load(std::memory_order_relaxed);
      for (std::uint32_t j = 0; j < n && j < kThreadCacheSize; ++j) {
        f(reinterpret_cast<std::uintptr_t>(caches[i].items[j].load(std::memory_order_relaxed)));
      }
    }
  }

 private:
  ThreadCache* mine() const noexcept;
  // The entry at a cache offset in cb's array (or in `caches`, the same
  // array reached another way), or null.
  static ThreadCache* at(const ControlBlock& cb, std::uint32_t offset) noexcept;
  static ThreadCache* at(ThreadCache* caches, std::uint32_t offset) noexcept;
  static ThreadCache* release_entry(CacheTls& tls, std::uint32_t offset, const SampleSlot* s) noexcept;
  // put()'s cold exits: its cache was closed (drains it, then shared(s)),
  // or full (flushes a batch, then puts s and ends the section).
  template <class Shared>
  [[gnu::cold, gnu::noinline]] void put_closed(ThreadCache& c, SampleSlot* s, Shared shared) noexcept;
  [[gnu::cold]] void put_full(ThreadCache& c, SampleSlot* s, std::uint32_t offset) noexcept;
  // Inside the section of c, n == count < the limit: s goes to items[n]
  // (the hint noted first when n is 0), and the section ends.
  void store_and_leave(ControlBlock& cb, ThreadCache& c, SampleSlot* s, std::size_t n,
                       std::uint32_t offset) noexcept;
  bool begin_section(ThreadCache& c) noexcept;
  void end_section(ThreadCache& c) noexcept;
  template <class Sink>
  static void take_cached(const HolderStamp& stamp, ThreadCache& c, std::uint32_t n, std::uint32_t k,
                          Sink& sink) noexcept;
  // take_one()'s cold exits: the cache empty, or the pool stamps ages
  // (refills when empty, takes one, ends the section); or the section closed
  // or reclaimed (drains the cache, ends the section, returns t).
  [[gnu::cold]] Taken take_slow(ThreadCache& c, std::uint32_t n, std::uint32_t offset) noexcept;
  [[gnu::cold]] Taken drain_giving(ThreadCache& c, Taken t) noexcept;
  [[gnu::cold]] std::uint32_t refill(ThreadCache& c) noexcept;
  // Only from a put, inside the owner's section, with the sample being put
  // in the caller's hand and still counted as held: the held count stays
  // above zero while a whole cache goes back (release_memory() and
  // orphan() rely on the count, not on busy).
  [[gnu::cold]] std::uint32_t flush(ThreadCache& c, std::uint32_t n) noexcept;
  // The owner, busy, empties its own cache and ends its section.
  [[gnu::cold]] void owner_drain(ThreadCache& c) noexcept;
  Lifetime::LastUse owner_drain_deferred(ThreadCache& c) noexcept;
  std::uint32_t sweep_locked() noexcept;  // under sweep_
  void reopen_locked() noexcept;          // under sweep_
  static bool drain_exiting(CacheUser* self, std::uint32_t offset) noexcept;
  static void finalize_user(CacheUser* self) noexcept;

  ControlBlock& cb_;
  std::unique_ptr<ThreadCache[]> caches_;  // kCacheEntries, or null; cb_.read_mostly.caches mirrors it
  std::unique_ptr<SlotCounts[]> slot_counts_;  // kCacheEntries when caches_ is null; cb_.read_mostly.slot_counts mirrors it
  Finalizer finalize_;
  void* finalize_context_;
  CacheUser user_;                   // registered while caches_ exists
  std::mutex sweep_;
  std::uint32_t closers_ = 0;        // guarded by sweep_
  bool closed_fenced_ = false;       // guarded by sweep_: reclaim set and fenced since the last reopen
  std::atomic<bool> fallback_{false};  // a heavy fence failed: caches closed for good
};

// --- owner side, inline (see thread_cache.hpp for the protocol) -----------------

SAMPLEPOOL_HOT_INLINE ThreadCache* CacheSet::at(const ControlBlock& cb, std::uint32_t offset) noexcept {
  return at(cb.read_mostly.caches, offset);
}

SAMPLEPOOL_HOT_INLINE ThreadCache* CacheSet::at(ThreadCache* caches, std::uint32_t offset) noexcept {
  auto* base = reinterpret_cast<std::byte*>(caches);
  if (base == nullptr || offset == 0) return nullptr;
  return reinterpret_cast<ThreadCache*>(base + offset);
}

SAMPLEPOOL_HOT_INLINE CacheSet::Own CacheSet::own(const ControlBlock& cb) noexcept {
  const std::uint32_t offset = cache_offset();
  return {at(cb, offset), offset};
}

// This thread's cache, or null when the pool has none or the thread holds
// no cache slot (then it takes the shared path without touching entry 0,
// which the threads without a slot would otherwise all write).
SAMPLEPOOL_HOT_INLINE ThreadCache* CacheSet::mine() const noexcept { return own(cb_).cache; }

// Opens this thread's section of cache c; when c is closed, drains what a
// closer could not take (owner_drain) and reports false.
SAMPLEPOOL_HOT_INLINE bool CacheSet::begin_section(ThreadCache& c) noexcept {
  if (c.enter()) [[likely]] return true;
  owner_drain(c);
  return false;
}

// Ends a section begun by begin_section(): a closer that came meanwhile may
// have skipped this cache, so the owner drains it itself.
SAMPLEPOOL_HOT_INLINE void CacheSet::end_section(ThreadCache& c) noexcept {
  if (c.reclaimed()) [[unlikely]] {
    owner_drain(c);
    return;
  }
  c.leave();
}

// Inside this thread's section of c, with n == count >= k: hands out the k
// most recently cached samples (stamped with the stamp's holder, and its
// time where the pool keeps ages) and stores the new count. relaxed refs:
// the slots are ours, only we can see them.
template <class Sink>
SAMPLEPOOL_HOT_INLINE void CacheSet::take_cached(const HolderStamp& stamp, ThreadCache& c, std::uint32_t n,
                                                 std::uint32_t k, Sink& sink) noexcept {
  // Down from the top through a pointer: an index n - 1 - i in 32 bits cost
  // three instructions a sample to form (it may wrap, so GCC keeps it).
  const std::atomic<SampleSlot*>* top = c.items + n;
  for (std::uint32_t i = 0; i < k; ++i) {
    SampleSlot* s = (--top)->load(std::memory_order_relaxed);
    mark_acquired(*s);
    stamp.apply(*s);
    sink(i, s, stamp.sole());
  }
  c.count_acquires(k);
  c.count.store(n - k, std::memory_order_relaxed);
}

template <class Sink>
SAMPLEPOOL_HOT_INLINE bool CacheSet::take(ControlBlock& cb, std::uint32_t k, Sink&& sink) noexcept {
  const Own own = CacheSet::own(cb);
  // Open: the pool was committed when the section began. A decommit meanwhile
  // skips this busy owner; refill() checks the state itself.
  if (own.cache == nullptr || !begin_section(*own.cache)) return false;
  ThreadCache& c = *own.cache;
  std::uint32_t n = c.count.load(std::memory_order_relaxed);
  if (n == 0 && k <= cb.read_mostly.cache_limit.load(std::memory_order_relaxed)) [[unlikely]] n = refill(c);
  const bool got = n >= k;
  if (got) [[likely]] {
    take_cached(HolderStamp(cb.read_mostly.stamp_time, kHolderFromCache | own.offset), c, n, k, sink);
  }
  end_section(c);
  return got;
}

SAMPLEPOOL_HOT_INLINE CacheSet::Taken CacheSet::take_one(ControlBlock& cb, Own own) noexcept {
  if (own.cache == nullptr) return {};
  ThreadCache& c = *own.cache;
  if (!c.enter()) [[unlikely]] return drain_giving(c, {});
  const std::uint32_t n = c.count.load(std::memory_order_relaxed);
  if (n == 0 || cb.read_mostly.stamp_time) [[unlikely]] return take_slow(c, n, own.offset);
  Taken t;
  const auto sink = [&t](std::uint32_t, SampleSlot* s, bool sole) { t = Taken::of(s, sole); };
  take_cached(HolderStamp(false, kHolderFromCache | own.offset), c, n, 1, sink);
  if (c.reclaimed()) [[unlikely]] return drain_giving(c, t);
  c.leave();
  return t;
}

SAMPLEPOOL_HOT_INLINE bool CacheSet::count_timeout(const ControlBlock& cb, Own own) noexcept {
  if (own.cache != nullptr) [[likely]] {
    own.cache->count_timeout();
    return true;
  }
  SlotCounts* mine = slot_counts_of(cb.read_mostly.slot_counts, own.offset);
  if (mine == nullptr) [[unlikely]] return false;
  single_writer_add(mine->failed, 1);
  return true;
}

SAMPLEPOOL_HOT_INLINE bool CacheSet::count_acquire(const ControlBlock& cb) noexcept {
  SlotCounts* counts = cb.read_mostly.slot_counts;
  if (counts == nullptr) return false;  // before the TLS read: a set with caches needs none
  SlotCounts* mine = slot_counts_of(counts, cache_offset());
  if (mine == nullptr) return false;
  single_writer_add(mine->acquires, 1);
  return true;
}

SAMPLEPOOL_HOT_INLINE bool CacheSet::nothing_cached_elsewhere(const ControlBlock& cb, Own own) noexcept {
  const std::uint32_t hint = cb.read_mostly.cached_hint.load(std::memory_order_acquire);
  if (hint == 0) return true;
  if (hint != own.offset) return false;  // another thread's cache, or several
  return own.cache != nullptr && own.cache->empty_and_open();
}

template <class Pick>
SAMPLEPOOL_HOT_INLINE bool CacheSet::put_picked(ControlBlock& cb, std::size_t k, Pick&& pick) noexcept {
  const Own own = CacheSet::own(cb);
  if (own.cache == nullptr || !begin_section(*own.cache)) return false;
  ThreadCache& c = *own.cache;
  // n and the limit in 64 bits: a 32-bit n cost a zero-extension a sample
  // where it indexed the cache and met the limit.
  std::size_t n = c.count.load(std::memory_order_relaxed);
  // The hint, once a section, before a sample is in an empty cache: inside
  // an open section no sweep clears it (it would have to see this cache
  // idle), so a flush that empties the cache midway leaves it standing. (A
  // bulk put that keeps nothing leaves a hint for an empty cache: another
  // thread's failing poll sweeps once, as after a drained cache.)
  if (n == 0) cb.note_cached(own.offset);
  // Read once a section: the limit changes only with the layout, while
  // nothing is in use, and the caller holds what it puts.
  const std::size_t limit = cb.read_mostly.cache_limit.load(std::memory_order_relaxed);
  // A call, not a returned slot that may be null: the usual pick, a sole
  // handle of this pool, then needs no null test of its result.
  const auto keep = [this, &c, &n, limit, &cb](SampleSlot* s) noexcept {
    if (n >= limit) [[unlikely]] {
      c.count.store(static_cast<std::uint32_t>(n), std::memory_order_relaxed);  // flush() reads it
      n = flush(c, cb.read_mostly.cache_batch.load(std::memory_order_relaxed));
    }
    c.items[n++].store(s, std::memory_order_relaxed);
  };
  for (std::size_t i = 0; i < k; ++i) pick(i, keep);
  c.count.store(static_cast<std::uint32_t>(n), std::memory_order_relaxed);
  end_section(c);
  return true;
}

// The entry a release of s goes into, in s->caches, but with the array
// taken from the thread's release hint when the two are equal, so that
// finding the cache does not wait for the sample's header. In a capture
// hand-off that header line was last written by the acquiring core: its
// load is a miss between cores, and before this every later access of the
// release (the cache's count, the slot it fills) waited for it. Now only the
// test waits, and it feeds a predicted branch. A thread that releases into
// another pool than last time takes the sample's array and remembers it;
// a pool without caches (a null array) is never remembered, so the hint is
// never null (thread_index.hpp) and an equal one needs no null test.
// The test goes through an empty asm (a value barrier): a compiler that
// knew the two pointers equal would use either, and GCC picks the header's.
// Null when the shared path must take the sample: no caches, or no slot.
SAMPLEPOOL_HOT_INLINE ThreadCache* CacheSet::release_entry(CacheTls& tls, std::uint32_t offset,
                                                          const SampleSlot* s) noexcept {
  ThreadCache* caches = tls.release_caches;
  std::uintptr_t differ = reinterpret_cast<std::uintptr_t>(s->caches) ^ reinterpret_cast<std::uintptr_t>(caches);
  asm("" : "+r"(differ));
  if (differ != 0) [[unlikely]] {
    caches = s->caches;
    if (caches == nullptr) return nullptr;
    tls.release_caches = caches;
  }
  assert(caches != nullptr);
  if (caches == nullptr) __builtin_unreachable();  // the hint's invariant: at() then tests the offset alone
  return at(caches, offset);
}

SAMPLEPOOL_HOT_INLINE void CacheSet::store_and_leave(ControlBlock& cb, ThreadCache& c, SampleSlot* s, std::size_t n,
                                                     std::uint32_t offset) noexcept {
  // The hint, before a sample is in an empty cache. Not marked unlikely: a
  // thread that cycles one sample at a time finds its cache empty at every
  // release, and then only compares the hint with its own offset.
  if (n == 0) cb.note_cached(offset);
  c.items[n].store(s, std::memory_order_relaxed);
  c.count.store(static_cast<std::uint32_t>(n + 1), std::memory_order_relaxed);
  end_section(c);
}

template <class Shared>
SAMPLEPOOL_HOT_INLINE void CacheSet::put(ControlBlock& cb, SampleSlot* s, Shared shared) noexcept {
  assert(s->caches == cb.read_mostly.caches && "slots are built by Pool::init_slots only");
  // One TLS address for both words, and the offset read at once: in the
  // shared library (the faces) each separate access would be a TLS
  // descriptor call, and GCC made one again for a later read of the offset.
  CacheTls& tls = tls_cache;
  const std::uint32_t offset = tls.offset;
  ThreadCache* cp = release_entry(tls, offset, s);
  if (cp == nullptr) return shared(s);
  ThreadCache& c = *cp;
  if (!c.enter()) [[unlikely]] return put_closed(c, s, shared);
  const std::size_t n = c.count.load(std::memory_order_relaxed);
  if (n >= cb.read_mostly.cache_limit.load(std::memory_order_relaxed)) [[unlikely]] return put_full(c, s, offset);
  store_and_leave(cb, c, s, n, offset);
}

template <class Shared>
void CacheSet::put_closed(ThreadCache& c, SampleSlot* s, Shared shared) noexcept {
  owner_drain(c);
  shared(s);
}

}  // namespace samplepool::detail
