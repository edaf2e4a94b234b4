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
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include "samplepool/alloc/arena.hpp"
#include "samplepool/config.hpp"
#include "samplepool/detail/epoch_state.hpp"
#include "samplepool/detail/free_list.hpp"
#include "samplepool/detail/lifetime.hpp"
#include "samplepool/detail/thread_cache.hpp"
#include "samplepool/detail/thread_index.hpp"
#include "samplepool/detail/wake_channel.hpp"
#include "samplepool/errc.hpp"
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
  // an acquire in progress), bad_alignment, too_large. `actual` (optional)
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
  bool committed() const noexcept { return read_mostly_.state.load().committed(); }

  // Acquire: each replaces `out` (dropping what it held) ----------------------
  // Blocks until a sample is free; not_committed if the pool is or becomes
  // decommitted.
  Errc acquire(Sample& out) noexcept { return acquire_impl(out, detail::kNoDeadline, true); }
  // Never blocks: timeout when no sample is free.
  Errc try_acquire(Sample& out) noexcept {
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
  Errc try_acquire_bulk(std::span<Sample> out) noexcept;
  // Drops each element's reference (like reset() on each); the samples that
  // come back go to the free list in one batch.
  void release_bulk(std::span<Sample> samples) noexcept;

  // Notification and statistics ------------------------------------------------
  // Sets (or clears, with nullptr) the release callback. Only while nothing is
  // in use: already_committed, buffers_outstanding otherwise.
  Errc set_release_callback(ReleaseCallback callback, void* context) noexcept;
  // Racy by nature: samples an acquire could take now (GetFreeCount).
  std::uint32_t free_count_approx() const noexcept;
  Stats stats() const noexcept;
  FreeListPolicy free_list_policy() const noexcept { return free_.policy(); }
  // Per-thread caches are in use: built at construction, and no heavy fence
  // has failed since (after one, the caches stay closed for good).
  bool thread_cache_enabled() const noexcept {
    return caches_ != nullptr && !cache_fallback_.load(std::memory_order_relaxed);
  }
  const alloc::Arena& arena() const noexcept { return arena_; }

 private:
  friend struct detail::PoolAccess;
  friend std::uint32_t detail::drop_ref(detail::SampleSlot*) noexcept;

  struct Memory {
    detail::SampleSlot* slots = nullptr;
    std::byte* payload = nullptr;
    Layout layout;
  };

  Errc acquire_impl(Sample& out, detail::Deadline deadline, bool may_block) noexcept;
  [[gnu::cold]] Errc acquire_shared(Sample& out, detail::Deadline deadline, bool may_block) noexcept;
  Errc acquire_slow(Sample& out, detail::EpochState::Word entry, detail::Deadline deadline,
                    bool may_block) noexcept;
  Errc find_index(detail::EpochState::Word entry, detail::Deadline deadline, bool may_block,
                  bool& closed, std::uint32_t& index) noexcept;
  Errc hand_out(std::uint32_t index, detail::EpochState::Word entry, Sample& out) noexcept;
  Errc give_back(std::uint32_t index) noexcept;
  Errc refuse(Errc why) noexcept;
  void recycle(detail::SampleSlot* slot) noexcept;
  [[gnu::cold]] void recycle_shared(detail::SampleSlot* slot) noexcept;

  // Thread caches (pool_cache.cpp for the cold parts; the protocol is in
  // thread_cache.hpp).
  detail::ThreadCache* my_cache() const noexcept;
  detail::SampleSlot* cache_take() noexcept;
  void take_cached(detail::ThreadCache& c, std::uint32_t n, std::uint32_t k,
                   detail::SampleSlot** out) noexcept;
  bool cache_put(detail::SampleSlot* s) noexcept;
  bool begin_section(detail::ThreadCache& c) noexcept;
  void end_section(detail::ThreadCache& c) noexcept;
  [[gnu::cold]] std::uint32_t refill(detail::ThreadCache& c) noexcept;
  [[gnu::cold]] std::uint32_t flush(detail::ThreadCache& c, std::uint32_t n) noexcept;
  // The owner, busy, empties its own cache and ends its section.
  [[gnu::cold]] void owner_drain(detail::ThreadCache& c) noexcept;
  detail::Lifetime::LastUse owner_drain_deferred(detail::ThreadCache& c) noexcept;
  // Closing: a closer closes every cache and empties the idle ones; they
  // stay closed until the last closer (a waiter, a failing try_*) leaves,
  // or, when decommitted, until commit(). Each returns how many caches it
  // had to skip (owner inside): their samples come back later.
  std::uint32_t close_caches() noexcept;    // a closer arrives
  std::uint32_t resweep_caches() noexcept;  // a closer looks again
  void release_caches() noexcept;           // a closer leaves
  std::uint32_t sweep_locked() noexcept;    // under sweep_
  void reopen_caches_locked() noexcept;     // under sweep_: opens if allowed
  // acquire: pairs with the clearing sweep's release (pool_cache.cpp).
  bool maybe_cached() const noexcept {
    return read_mostly_.cached_hint.load(std::memory_order_acquire) != 0;
  }
  void settle_caches() noexcept;    // decommitted: sweep until every cache is empty
  void teardown_caches() noexcept;  // settle, then leave the thread-exit registry
  static bool drain_exiting(detail::CacheUser* self, std::uint32_t offset) noexcept;
  static void finalize_user(detail::CacheUser* self) noexcept;
  // The one place an index becomes a slot header (growth and a shared
  // control block change only this). Valid while the arena exists.
  detail::SampleSlot* slot_at(std::uint32_t index) const noexcept {
    return &read_mostly_.slots[index];
  }
  void note_high_water(std::uint32_t held) noexcept;
  void note_misuse() noexcept { misuse_.fetch_add(1, std::memory_order_relaxed); }
  void finalize() noexcept { finalizer_(finalizer_context_); }

  bool idle_locked() noexcept;  // under control_, decommitted: nothing held, nothing inside
  Errc allocate_memory_locked(const Layout& layout) noexcept;
  void free_memory_locked() noexcept;

  // Invariants:
  //  - read_mostly_.state is committed => mem_ holds an arena whose free list and slots
  //    are initialized, and props_ count/size are non-zero.
  //  - every slot index is exactly once either on the free list (refs == 0)
  //    or held (refs > 0); held == lifetime's held count at quiescence.
  //  - mem_ changes only under control_, while decommitted and with the
  //    lifetime counts at zero.

  // Written by every acquire: the lifetime word and the statistics that ride
  // on the same (already exclusively owned) cache line.
  struct alignas(kCacheLine) Hot {
    detail::Lifetime life;
    std::atomic<std::uint64_t> acquires{0};    // statistics: relaxed
    std::atomic<std::uint64_t> high_water{0};  // statistics: relaxed
  } hot_;
  detail::FreeList free_;
  // Read by every acquire and release, written rarely.
  struct alignas(kCacheLine) ReadMostly {
    detail::EpochState state;
    ReleaseCallback callback = nullptr;  // changed only while nothing is in use
    void* callback_context = nullptr;
    detail::SampleSlot* slots = nullptr;      // mirrors mem_.slots for the hot path
    detail::ThreadCache* caches = nullptr;  // kCacheEntries entries, or null: no caches
    // Per-pool cache bounds, set with the arena (thread_cache.hpp): a cache
    // holds at most a quarter of the pool, so that two threads' caches can
    // never hoard it; pools under 8 samples keep their caches closed.
    std::uint32_t cache_limit = 0;
    std::uint32_t cache_batch = 0;
    // 1 when a cache may hold a sample: set by an owner whose cache goes
    // from empty to not (refill, or a put into an empty cache), cleared by a
    // sweep that emptied every cache. A failing try_acquire sweeps (a
    // membarrier) only when it is set. Written rarely: it stays set while
    // caches are in use.
    std::atomic<std::uint32_t> cached_hint{0};
  } read_mostly_;
  detail::WakeChannel wake_;
  // Slow-path statistics.
  alignas(kCacheLine) std::atomic<std::uint64_t> waits_{0};
  std::atomic<std::uint64_t> timeouts_{0};
  std::atomic<std::uint64_t> not_committed_{0};
  std::atomic<std::uint64_t> misuse_{0};
  // Control plane, guarded by control_ (and sweeps by sweep_, taken after it).
  // Neither is ever held while waiting for another thread.
  mutable std::mutex control_;
  std::mutex sweep_;
  std::uint32_t closers_ = 0;       // guarded by sweep_
  bool closed_fenced_ = false;      // guarded by sweep_: reclaim set and fenced since the last reopen
  std::unique_ptr<detail::ThreadCache[]> caches_;
  detail::CacheUser cache_user_;    // registered while caches_ exists
  Properties props_;
  Memory mem_;
  // Read by stats() without a lock (relaxed: each is exact at some instant).
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> decommits_{0};
  std::atomic<std::uint32_t> stat_count_{0};
  std::atomic<bool> stat_memory_{false};
  std::atomic<bool> cache_fallback_{false};  // a heavy fence failed: caches closed for good
  alloc::Arena arena_;
  void (*finalizer_)(void*) = nullptr;  // set once, by PoolAccess::orphan
  void* finalizer_context_ = nullptr;
};

}  // namespace samplepool

#include "samplepool/detail/pool_inl.hpp"
