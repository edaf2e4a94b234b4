// samplepool/pool.hpp: the sample pool (IMemAllocator's native shape).
//
// Life cycle, as DirectShow's memory allocator:
//   set_properties(count, size, alignment, prefix)  -> granted properties
//   commit()    allocates the arena (or reuses the one kept from before) and
//               opens the pool; idempotent.
//   acquire*()  hands out samples; blocks, fails at once, or waits until a
//               deadline, as asked.
//   decommit()  closes the pool: every blocked acquire returns
//               Errc::not_committed at once, later ones fail until the next
//               commit(). Held samples stay valid and writable; they return
//               to the pool when released. Idempotent.
//   ~Pool()     decommits, waits until every sample is back and every
//               acquire has left, then frees everything.
//
// Growth (Properties::max_count > count): commit() makes `count` samples;
// an acquire that finds the pool empty (after reclaiming the thread
// caches) adds a chunk of samples, up to max_count, instead of waiting; a
// failed allocation is counted (Stats::growth_failures) and the acquire
// waits as in a fixed pool. Growth takes no lock: concurrent acquirers build
// different chunks, and none waits for another's. Grown samples are kept
// across decommit/commit; trim() gives their memory back.
//
// Memory after decommit: kept, so that a Stop/Run cycle re-commits without
// allocating (a commit while old samples are still out reuses the same
// memory). It is returned by release_memory(), by set_properties() with a
// different layout, and always by ~Pool.
//
// Errors: every call returns an Errc; no exceptions. A refused call leaves
// the pool as it was.
//
// Thread safety: every member may be called from any thread at any time,
// except that ~Pool must not race with calls on the same object (it may race
// with the release of samples, which it waits for). Control calls (set_*,
// commit, decommit, release_memory, stats) are serialized by a mutex and
// never run on the hot path; acquire and release take no lock. Not
// async-signal-safe: do not release or acquire from a signal handler.
//
// Hot path (acquire, release): no lock, no syscall unless a thread sleeps or
// must be woken, no allocation. With the LIFO free list each thread keeps a
// small cache of free samples (thread_cache.hpp), so a round trip makes no
// atomic read-modify-write at all; a blocked acquire, a failing try_acquire
// and decommit() reclaim every cache first, so a cached sample is never
// hidden from them for good (a sample whose owner is inside its cache at
// that moment comes back when the owner leaves). Nobody waits for a cache
// owner's progress: a closer takes what is idle and the owner drains the
// rest itself. A thread's cache is drained when the thread exits. A release
// wakes at most one sleeper; only decommit() wakes them all. See
// docs/design.md for the protocol.
//
// Memory ordering: everything a thread wrote to a sample before its last
// reference was dropped is visible to the thread that next acquires it (the
// free list's release push / acquire pop). Everything written before
// commit() returned is visible to any acquire that succeeds after it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "samplepool/alloc/arena.hpp"
#include "samplepool/config.hpp"
#include "samplepool/detail/cache_set.hpp"
#include "samplepool/detail/control_block.hpp"
#include "samplepool/errc.hpp"
#include "samplepool/holders.hpp"
#include "samplepool/properties.hpp"
#include "samplepool/sample.hpp"
#include "samplepool/stats.hpp"

namespace samplepool {

// Called after each sample returns to the pool (IMemAllocatorCallbackTemp's
// NotifyRelease), on the releasing thread, after any waiter was woken. It may
// call back into the pool (acquire, stats). It must not throw.
using ReleaseCallback = void (*)(void* context);

struct PoolOptions {
  FreeListPolicy free_list = FreeListPolicy::lifo;
  std::shared_ptr<alloc::Backend> backend;  // null: the heap backend
  // Per-thread caches (LIFO policy only: a FIFO pool keeps its global order).
  // Off where the kernel lacks expedited membarrier (and under valgrind).
  bool thread_cache = true;
  // Holder reports (holders.hpp) carry ages: each acquire also reads the
  // coarse clock (about as costly as an in-cache round trip, hence off by
  // default; a starvation report turns it on). Threads are always recorded.
  bool holder_ages = false;
};

class Pool {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Pool(PoolOptions options = {});
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Configuration --------------------------------------------------------------
  // Errors, in order: already_committed, buffers_outstanding (a sample held or
  // an acquire in progress), bad_alignment, too_large, invalid_argument
  // (max_count below count). `actual` (optional)
  // receives the granted properties on success.
  Errc set_properties(const Properties& request, Properties* actual = nullptr) noexcept;
  // The granted properties; all zero before the first set_properties().
  Properties properties() const noexcept;

  // Life cycle -----------------------------------------------------------------
  // size_not_set (count or size zero), out_of_memory / not_supported (backend).
  Errc commit() noexcept;
  Errc decommit() noexcept;
  // Frees a kept arena: already_committed, or buffers_outstanding.
  Errc release_memory() noexcept;
  // Gives back the memory of grown samples, keeping the initial count and
  // the headroom to grow again: already_committed, or buffers_outstanding.
  Errc trim() noexcept;
  bool committed() const noexcept { return cb_.read_mostly.state.load().committed(); }

  // Acquire: each replaces `out` (dropping what it held) ----------------------
  // Blocks until a sample is free; not_committed if the pool is or becomes
  // decommitted.
  SAMPLEPOOL_HOT_INLINE Errc acquire(Sample& out) noexcept { return acquire_impl(out, detail::kNoDeadline, true); }
  // Never blocks: timeout when no sample is free.
  SAMPLEPOOL_HOT_INLINE Errc try_acquire(Sample& out) noexcept {
    return acquire_impl(out, detail::kNoDeadline, false);
  }
  // Blocks until `deadline` at most: timeout past it.
  Errc acquire_until(Sample& out, Clock::time_point deadline) noexcept {
    return acquire_impl(out, deadline, true);
  }
  // Blocks for `timeout` at most; a timeout too long to represent as a
  // deadline means "no deadline", never an overflowed one.
  template <class Rep, class Period>
  Errc acquire_for(Sample& out, std::chrono::duration<Rep, Period> timeout) noexcept {
    const Clock::time_point now = Clock::now();
    using Wide = std::chrono::duration<long double, std::nano>;
    if (Wide(timeout) >= Wide(Clock::time_point::max() - now)) {
      return acquire_impl(out, detail::kNoDeadline, true);
    }
    return acquire_until(out, now + std::chrono::ceil<Clock::duration>(timeout));
  }

  // Bulk: all or nothing ---------------------------------------------------------
  // Fills every element of `out` (dropping what each held) or none: timeout
  // when fewer than out.size() samples are free now, invalid_argument when
  // out.size() exceeds kMaxBulk or the pool's count, not_committed. Never
  // blocks.
  SAMPLEPOOL_HOT_INLINE Errc try_acquire_bulk(std::span<Sample> out) noexcept;
  // Drops each element's reference (like reset() on each); the samples that
  // come back go into this thread's cache together (flushing batches to the
  // free list as it fills), or to the free list in one push where the cache
  // is closed.
  SAMPLEPOOL_HOT_INLINE void release_bulk(std::span<Sample> samples) noexcept;

  // Notification and statistics ------------------------------------------------
  // Sets (or clears, with nullptr) the release callback. Only while nothing is
  // in use: already_committed, buffers_outstanding otherwise.
  Errc set_release_callback(ReleaseCallback callback, void* context) noexcept;
  // Racy by nature: samples an acquire could take now (GetFreeCount).
  std::uint32_t free_count_approx() const noexcept;
  Stats stats() const noexcept;
  // Who holds the samples now (holders.hpp): per thread, how many and the
  // age of its oldest (0 unless PoolOptions::holder_ages or a starvation
  // report). Cold: scans every slot under the control mutex.
  HolderReport holders() const noexcept;
  // The starvation report: `callback` runs when an acquire has waited
  // longer than `threshold` (holders.hpp). nullptr clears it. Only while
  // nothing is in use, as set_release_callback; invalid_argument for a
  // negative threshold.
  Errc set_starvation_report(std::chrono::nanoseconds threshold, StarvationCallback callback,
                             void* context) noexcept;
  FreeListPolicy free_list_policy() const noexcept { return cb_.free.policy(); }
  // Per-thread caches are in use: built at construction, and no heavy fence
  // has failed since (after one, the caches stay closed for good).
  bool thread_cache_enabled() const noexcept { return caches_.enabled(); }
  const alloc::Arena& arena() const noexcept { return arena_; }

 private:
  friend struct detail::PoolAccess;
  friend std::uint32_t detail::drop_ref(detail::SampleSlot*) noexcept;
  friend void detail::drop_sole(detail::SampleSlot*) noexcept;
  friend std::uint32_t detail::drop_shared_ref(detail::SampleSlot*, std::uint32_t) noexcept;

  struct Memory {
    detail::SampleSlot* slots = nullptr;
    std::byte* payload = nullptr;
    Layout layout;
    bool reserved = false;  // payload is a reservation for the maximum (backend.hpp)
  };

  SAMPLEPOOL_HOT_INLINE Errc acquire_impl(Sample& out, detail::Deadline deadline, bool may_block) noexcept;
  [[gnu::cold]] Errc acquire_shared(detail::SampleSlot*& out, detail::Deadline deadline, bool may_block) noexcept;
  Errc acquire_slow(detail::SampleSlot*& out, detail::EpochState::Word entry, detail::Deadline deadline,
                    bool may_block) noexcept;
  Errc find_index(detail::EpochState::Word entry, detail::Deadline deadline, bool may_block,
                  bool& closed, std::uint32_t& index) noexcept;
  Errc hand_out(std::uint32_t index, detail::EpochState::Word entry, detail::SampleSlot*& out) noexcept;
  Errc give_back(std::uint32_t index) noexcept;
  [[gnu::cold]] Errc count_acquire_in_pool() noexcept;
  Errc refuse(Errc why) noexcept;
  SAMPLEPOOL_HOT_INLINE void recycle(detail::SampleSlot* slot) noexcept;
  [[gnu::cold]] void recycle_shared(detail::SampleSlot* slot) noexcept;
  [[gnu::cold]] Errc acquire_bulk_shared(std::span<Sample> out) noexcept;
  SAMPLEPOOL_HOT_INLINE void release_some(std::span<Sample> samples) noexcept;  // <= kMaxBulk
  [[gnu::cold]] void release_bulk_shared(std::span<Sample> samples) noexcept;    // <= kMaxBulk
  template <bool kShared>
  SAMPLEPOOL_HOT_INLINE detail::SampleSlot* take_sole(Sample& s) noexcept;
  [[gnu::cold]] void recycle_bulk_shared(detail::SampleSlot* const* slots, std::uint32_t n) noexcept;
  void note_misuse() noexcept { cb_.counters.misuse.fetch_add(1, std::memory_order_relaxed); }
  void finalize() noexcept { finalizer_(finalizer_context_); }
  static void finalize_cb(void* pool) noexcept { static_cast<Pool*>(pool)->finalize(); }

  bool idle_locked() noexcept;  // under control_, decommitted: nothing held, nothing inside
  // Holders and starvation (holders.cpp).
  // f(thread id, since ms) per held sample: a slot whose count is not 0,
  // unless `free` marks it (a free slot with a stale count, slot.hpp).
  // Not noexcept: holders()' f allocates, and holders() catches bad_alloc.
  template <class F>
  void for_each_held(F&& f, const std::vector<bool>* free) const;
  template <class F>
  void for_each_slot(F&& f) const;  // f(index) per built slot
  std::vector<bool> free_slots_approx() const;  // the caches' and the list's, by index
  void zero_free_counts_locked() noexcept;      // idle: every stale count to 0
  std::uint32_t oldest_held_ms() const noexcept;
  [[gnu::cold]] void report_starvation(std::chrono::nanoseconds waited) noexcept;

  // Memory (pool_memory.cpp).
  Errc allocate_memory_locked(const Layout& layout) noexcept;
  Errc allocate_payload_locked(const Layout& layout, void** out, bool* reserved) noexcept;
  void free_payload_locked() noexcept;  // the initial payload (and the reservation)
  void free_memory_locked() noexcept;
  void free_chunks_locked() noexcept;
  void init_slots(std::uint32_t first, std::uint32_t n, std::byte* payload) noexcept;
  // Inside an acquire (a lifetime use held): builds the next empty growth
  // chunk, keeps its first index and pushes the rest. False at the maximum,
  // or when the allocation failed.
  [[gnu::cold]] bool grow(std::uint32_t& index) noexcept;

  // Invariants (the shared state's are in control_block.hpp):
  //  - cb_.read_mostly.state is committed => mem_ holds the slots and payload
  //    of props_' layout, and props_ count/size are non-zero.
  //  - mem_ changes only under control_, while decommitted and with the
  //    lifetime counts at zero.

  detail::ControlBlock cb_;     // what the hot path shares, line by line
  detail::CacheSet caches_;     // per-thread caches over cb_
  // Control plane, guarded by control_ (closers also take the cache set's
  // sweep mutex, after control_ where both are held). Neither is ever held
  // while waiting for another thread.
  mutable std::mutex control_;
  Properties props_;
  Memory mem_;
  // Set only while nothing is in use (published by commit's state store),
  // read by waiters.
  struct Starvation {
    std::chrono::nanoseconds threshold{0};
    StarvationCallback callback = nullptr;
    void* context = nullptr;
  } starvation_;
  alloc::Arena arena_;
  const bool holder_ages_;  // PoolOptions::holder_ages
  void (*finalizer_)(void*) = nullptr;  // set once, by PoolAccess::orphan
  void* finalizer_context_ = nullptr;
};

}  // namespace samplepool

#include "samplepool/detail/pool_inl.hpp"
