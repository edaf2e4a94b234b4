// samplepool/detail/slot_counts.hpp: a pool's statistics counted per thread
// slot, for a pool without thread caches.
//
// Purpose: a failing try_acquire (Stats::timeouts) and an acquire served by
// the shared list (Stats::acquires) count themselves without a locked
// instruction. In a pool with caches they count in the caller's cache entry
// (ThreadCache::timeouts, ::acquires) or, for the rare shared-path acquire,
// in the pool. A pool without caches (the FIFO policy; caches switched off
// or unavailable) had only the pool's counters, whose relaxed fetch_add is a
// locked instruction: by itself it put a FIFO pool's failing poll at 3-4x a
// failed pop, and it was one of the FIFO round trip's seven locked
// instructions (measured: the round trip 0.905x the time without it,
// tools/ab_inproc.sh roundtrip --fifo). Here each thread slot
// (thread_index.hpp) has a line of its own, alone in its 128-byte prefetch
// pair as the thread caches are (two threads' slots are usually neighbours,
// and every FIFO acquire writes here), which only the slot's holder writes,
// with a plain load and store. Not async-signal-safe: a signal handler
// that acquires from such a pool while its thread was counting may lose
// one count (as the pops themselves are not: fifo_free_list.hpp).
//
// Index: the slot of the thread's byte offset in the cache arrays
// (cache_slot, thread_cache.hpp: an exact division, two instructions).
// Entry 0 is never written: offset 0 means no slot, and the caller counts
// in the pool.
//
// Slots: a thread that polls or acquires from such a pool without holding a
// slot counts in the pool and claims one (CacheSet::count_timeout_without_slot,
// count_acquire_without_slot) and keeps it until it exits, as a thread that
// uses a pool with caches does; the 64 slots are process-wide, so a process
// with more such threads than that leaves the rest to count in the pool (and
// later threads without a cache, in pools that have them: a process with
// many threads on FIFO pools leaves fewer caches to its LIFO pools).
//
// Thread safety: only the holder of the slot writes its counts
// (single_writer_add; two live threads never hold one; a slot passes from an
// exited thread to the next through the slot bitmap's release/acquire pair,
// which orders their counts). Readers (CacheSet::totals) are racy by nature
// and load relaxed.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>

#include "samplepool/config.hpp"
#include "samplepool/detail/thread_cache.hpp"

namespace samplepool::detail {

struct alignas(kPrefetchPair) SlotCounts {
  std::atomic<std::uint64_t> failed{0};    // failed polls
  std::atomic<std::uint64_t> acquires{0};  // samples handed out by the shared path
};

// The entry for a slot's byte offset (not 0) in an array of kCacheEntries.
SAMPLEPOOL_HOT_INLINE SlotCounts& slot_counts_at(SlotCounts* counts, std::uint32_t offset) noexcept {
  assert(offset % sizeof(ThreadCache) == 0);
  return counts[cache_slot(offset)];
}

// The entry for a slot's byte offset in counts, or null where there is none:
// no array (a set with caches) or offset 0 (the thread holds no slot).
SAMPLEPOOL_HOT_INLINE SlotCounts* slot_counts_of(SlotCounts* counts, std::uint32_t offset) noexcept {
  if (counts == nullptr || offset == 0) return nullptr;
  return &slot_counts_at(counts, offset);
}

static_assert(sizeof(SlotCounts) == kPrefetchPair, "each slot's counts alone in a prefetch pair (config.hpp)");

}  // namespace samplepool::detail
