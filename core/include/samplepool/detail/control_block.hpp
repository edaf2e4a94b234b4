// samplepool/detail/control_block.hpp: a pool's shared state, in one block.
//
// Purpose: everything acquirers, releasers and closers share (the lifetime
// word, the free list, the state word, the slot headers, the wake word and
// the statistics) sits in one object, laid out line by line for the hot
// path, and a sample is named by its index everywhere (free list, caches'
// refills and flushes, bulk staging). An index becomes a slot header in one
// place, slot_at(). So a pool that adds slots while committed (growth) and a
// block placed in shared memory (indices and offsets only) change this file
// and the code that builds it (Pool's allocate_memory_locked), not the
// protocols that use it.
//
// The control plane that decides what the block holds (properties, the
// arena, the mutexes) stays in Pool; the thread caches and their closing
// protocol live in CacheSet (cache_set.hpp), which works on this block.
//
// Invariants (Pool's, stated here because this is the data they are about):
//  - read_mostly.state committed => the free list and the slots of the
//    initial count and of every ready growth chunk are initialized, and
//    count (their number) > 0.
//  - every index of an existing slot is exactly once either on the free list,
//    in one thread cache or held (refs > 0; a free slot's refs is 0 or a
//    stale 1, slot.hpp); held
//    in the lifetime word counts the last two.
//  - slots, cache_limit, cache_batch and the growth geometry change only
//    while decommitted, with the lifetime counts at zero and the caches
//    closed; count also grows while committed, by a chunk's builder.
//
// Layout: each group below owns its cache lines (checked by the
// static_asserts at the end, with offsetof as rigtorp's queues check theirs):
// the line every acquire writes (lifetime, acquires, high water), the
// free-list head, the read-mostly line every acquire and release reads, the
// wake word sleepers write, and the slow-path counters.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "samplepool/config.hpp"
#include "samplepool/detail/epoch_state.hpp"
#include "samplepool/detail/free_list.hpp"
#include "samplepool/detail/lifetime.hpp"
#include "samplepool/detail/slot.hpp"
#include "samplepool/detail/wake_channel.hpp"

namespace samplepool::detail {

struct ThreadCache;
struct SlotCounts;

struct ControlBlock {
  explicit ControlBlock(FreeListPolicy policy) noexcept : free(policy) {}

  // Written by every acquire: the lifetime word and the statistics that ride
  // on the same (already exclusively owned) cache line.
  struct alignas(kCacheLine) Hot {
    Lifetime life;
    // statistics, relaxed: the shared path's acquires, where no thread
    // slot counts them (slot_counts.hpp), and bulk acquires
    std::atomic<std::uint64_t> acquires{0};
    std::atomic<std::uint64_t> high_water{0};  // statistics: relaxed
  } hot;

  FreeList free;

  // Read by every acquire and release, written rarely.
  struct alignas(kCacheLine) ReadMostly {
    EpochState state;
    void (*callback)(void*) = nullptr;   // Pool's ReleaseCallback; changed only while nothing is in use
    void* callback_context = nullptr;
    SampleSlot* slots = nullptr;         // the slot region (slot.hpp), capacity headers
    ThreadCache* caches = nullptr;       // kCacheEntries entries, or null: no caches
    // Without caches: each thread slot's failed polls and acquires (slot_counts.hpp), or null.
    SlotCounts* slot_counts = nullptr;
    // Per-pool cache bounds, set with the slots (thread_cache.hpp): a cache
    // holds a quarter of a small pool, all but kThreadCacheSpare of a larger
    // one, 32 at most (config.hpp); pools under 8 samples keep their caches
    // closed. Set with the slots, while decommitted; atomic (relaxed)
    // because an owner whose cache is empty reads cache_limit inside its
    // section without a lifetime use (take() and take_one()'s take_slow,
    // deciding whether to refill),
    // so a re-layout (release_memory(), then commit()) may rewrite it
    // meanwhile; the refill then reserves a use and checks the state before
    // it relies on anything of the arena, and reads the limit again.
    std::atomic<std::uint32_t> cache_limit{0};
    std::atomic<std::uint32_t> cache_batch{0};
    // Which caches may hold a sample: 0 none; a cache offset (thread_index.hpp)
    // when only that thread's may; kCachedByMany when several may. Set by an
    // owner whose cache goes from empty to not (refill, or a put into an
    // empty cache; note_cached), before the sample is in (a bulk put sets it
    // once a section, even one that then keeps nothing); cleared to 0 by a
    // sweep that emptied every cache. A failing try_acquire sweeps (a
    // membarrier) only when a cache other than its own may hold a sample, so
    // a thread that polls a pool it emptied itself, or hovers at empty
    // taking back what it gave, never sweeps. Written rarely: it stays set
    // while caches are in use.
    std::atomic<std::uint32_t> cached_hint{0};
    // Acquires stamp the time as well as the thread (holder_stamp.hpp).
    // Changed only while nothing is in use, as the callback.
    bool stamp_time = false;
    // The layout has growth headroom (max_count above the initial count;
    // growth.chunks != 0, copied here so that a failing poll stays on this
    // line): only then must the poll read the counts (poll_must_fail). Set
    // with the slots, while decommitted; atomic (relaxed) because a poll
    // reads it without a lifetime use, so it may race a re-layout (and then
    // fails on the state word anyway).
    std::atomic<bool> growable{false};
  } read_mostly;

  WakeChannel wake;

  // Growth (Properties::max_count): slots [base, capacity) come in chunks
  // of `step` (chunk k starts at base + k * step), each made by an acquirer
  // that found the pool empty. A chunk's state goes empty -> building (the
  // one CAS that picks its builder; losers try the next chunk, never wait)
  // -> ready (release: its headers and payload are built, then its indices
  // are pushed), or back to empty when its allocation failed. A loser that
  // skipped a building chunk marks it (kSkipped) before it may sleep; a
  // builder whose allocation fails wakes one sleeper if the mark is there,
  // so that a waiter never sleeps beside a chunk it could still build
  // (found by the spin model, GROW=2 scenario 5). The skipper's reads and
  // marks and the builder's exchange are seq_cst: with the wake channel's
  // sleeper count they form a store-load pair, also for a waiter that skips
  // a chunk someone else marked (pool_memory.cpp, claim_chunk). Only the
  // control plane (decommitted, nothing in use) takes a ready chunk back. A pool without headroom has chunks == 0.
  struct alignas(kCacheLine) Growth {
    enum : std::uint32_t { kEmpty = 0, kBuilding = 1, kReady = 2, kSkipped = 4 };
    std::atomic<std::uint32_t> state[kMaxGrowthSteps] = {};
    std::uint32_t base = 0;      // the initial count
    std::uint32_t step = 0;      // samples a chunk
    std::uint32_t capacity = 0;  // the maximum count
    std::uint32_t chunks = 0;    // ceil((capacity - base) / step)
    std::atomic<std::uint64_t> growths{0};    // chunks built (statistics)
    std::atomic<std::uint64_t> failures{0};   // allocations refused (statistics)
    // Each chunk's payload region, written by its builder before the ready
    // store (and read after an acquire load of ready, or under the control
    // mutex with nothing in use).
    std::byte* payload[kMaxGrowthSteps] = {};

    std::uint32_t first(std::uint32_t k) const noexcept { return base + k * step; }
    std::uint32_t size(std::uint32_t k) const noexcept {
      return capacity - first(k) < step ? capacity - first(k) : step;
    }
  } growth;

  // Slow-path and control-plane statistics, read by stats() without a lock
  // (relaxed: each is exact at some instant).
  struct alignas(kCacheLine) Counters {
    std::atomic<std::uint64_t> waits{0};
    std::atomic<std::uint64_t> timeouts{0};
    std::atomic<std::uint64_t> not_committed{0};
    std::atomic<std::uint64_t> misuse{0};
    std::atomic<std::uint64_t> commits{0};
    std::atomic<std::uint64_t> decommits{0};
    std::atomic<std::uint64_t> starvation_reports{0};
    std::atomic<std::uint32_t> count{0};      // samples that exist (initial + grown)
    std::atomic<std::uint32_t> max_count{0};  // the most there may be (the capacity)
    std::atomic<bool> memory{false};
  } counters;

  // The one place an index becomes a slot header. Valid for an index that
  // the free list, a cache or a holder named, while the slots exist (the
  // caller holds a lifetime use or the control mutex). The slot region
  // (slot.hpp) has room for the maximum count, so growth never moves a header.
  SampleSlot* slot_at(std::uint32_t index) const noexcept { return slot_in(read_mostly.slots, index); }

  // acquire: pairs with the clearing sweep's release (CacheSet::sweep_locked).
  SAMPLEPOOL_HOT_INLINE bool maybe_cached() const noexcept {
    return read_mostly.cached_hint.load(std::memory_order_acquire) != 0;
  }
  static constexpr std::uint32_t kCachedByMany = 0xffff'ffffu;
  // Set by the owner of the cache at `offset` when it goes from empty to
  // holding samples: its offset if no cache was named, kCachedByMany if
  // another was. The CAS decides between two owners naming themselves at
  // once; only kCachedByMany is stored over another name, and only a
  // sweep's clear goes back to 0, so a single name is never left standing
  // while another cache holds samples. relaxed: as before, the sweep's
  // fence orders it (cache_set.cpp, sweep_locked).
  // The hint already naming this cache comes first: a thread that cycles
  // one sample at a time comes here at every release.
  SAMPLEPOOL_HOT_INLINE void note_cached(std::uint32_t offset) noexcept {
    std::atomic<std::uint32_t>& hint = read_mostly.cached_hint;
    std::uint32_t h = hint.load(std::memory_order_relaxed);
    if (h == offset) [[likely]] return;
    if (h == kCachedByMany) return;
    if (h == 0 && hint.compare_exchange_strong(h, offset, std::memory_order_relaxed)) return;
    hint.store(kCachedByMany, std::memory_order_relaxed);
  }

  // A poll (try_acquire) that must fail, decided by loads alone: committed
  // (otherwise the shared path answers not_committed), no cache but the
  // caller's own, empty and open one may hold a sample, the shared list is empty, and
  // the pool cannot grow now. The hint is read first, with acquire, pairing
  // with the release store of the sweep that cleared it after pushing what it
  // found: a poll that sees the hint clear sees those pushes in its list load. The list's
  // emptiness test (seq_cst loads; FreeList::empty) is the failing poll's
  // linearization point, as a failed try_pop's would be. Growth still possible (count below the maximum, including a chunk
  // being built) sends the poll down the path that grows.
  // `nothing_cached` is CacheSet::nothing_cached_elsewhere(), evaluated
  // first: it is the hint's load.
  SAMPLEPOOL_HOT_INLINE bool poll_must_fail(bool nothing_cached) const noexcept {
    return nothing_cached && read_mostly.state.load().committed() && free.empty() &&
           (!read_mostly.growable.load(std::memory_order_relaxed) ||
            counters.count.load(std::memory_order_relaxed) >= counters.max_count.load(std::memory_order_relaxed));
  }

  void note_high_water(std::uint32_t held) noexcept {
    if (held > hot.high_water.load(std::memory_order_relaxed)) [[unlikely]] {
      std::uint64_t hw = hot.high_water.load(std::memory_order_relaxed);
      while (held > hw && !hot.high_water.compare_exchange_weak(hw, held, std::memory_order_relaxed)) {
      }
    }
  }
};

// The hot words' placement. ControlBlock is not standard-layout (the free
// list owns a unique_ptr), where offsetof is conditionally supported; GCC and
// clang support it and warn, hence the pragma.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
namespace control_block_layout {
constexpr std::size_t line(std::size_t offset) { return offset / kCacheLine; }
constexpr std::size_t last_line(std::size_t offset, std::size_t size) { return line(offset + size - 1); }
using CB = ControlBlock;
static_assert(offsetof(CB, hot) % kCacheLine == 0, "every acquire writes hot: a line of its own");
static_assert(last_line(offsetof(CB, hot), sizeof(CB::Hot)) < line(offsetof(CB, free)),
              "the free-list head does not share the lifetime word's line");
static_assert(last_line(offsetof(CB, free), sizeof(FreeList)) < line(offsetof(CB, read_mostly)),
              "the read-mostly line is not written by pushes and pops");
static_assert(last_line(offsetof(CB, read_mostly), sizeof(CB::ReadMostly)) < line(offsetof(CB, wake)),
              "sleepers' writes to the wake channel stay off the read-mostly line");
static_assert(last_line(offsetof(CB, wake), sizeof(WakeChannel)) < line(offsetof(CB, growth)),
              "growth stays off the wake channel's line");
static_assert(sizeof(CB::ReadMostly) == kCacheLine, "the read-mostly words fit one line");
}  // namespace control_block_layout
#pragma GCC diagnostic pop

}  // namespace samplepool::detail
