// samplepool/detail/poll_counts.hpp: failed polls counted per thread slot,
// for a pool without thread caches.
//
// Purpose: a failing try_acquire counts itself (Stats::timeouts) without
// touching a line another thread writes. In a pool with caches it counts in
// the caller's cache entry (ThreadCache::timeouts). A pool without caches
// (the FIFO policy; caches switched off or unavailable) had only the pool's
// counter, whose relaxed fetch_add is a locked instruction on a shared
// line: by itself it put a FIFO pool's failing poll at 3-4x a failed pop.
// Here each thread slot (thread_index.hpp) has a line of its own, which
// only the slot's holder writes, with a plain load and store.
//
// Index: a slot's byte offset in the cache arrays (CacheTls::offset)
// divided by sizeof(ThreadCache). The offset is an exact multiple, so the
// division is a shift by the size's power of two and a multiply by the
// inverse of its odd part modulo 2^32 (exact division, two instructions):
// on a path GCC treats as cold it otherwise emitted a 64-bit div, 35 cycles
// and more (measured: the FIFO poll at 16 ns against 6.4). Entry 0 is never
// written: offset 0 means no slot, and the caller counts in the pool.
//
// Slots: a thread that fails a poll of such a pool without holding a slot
// claims one (CacheSet::count_timeout_without_slot) and keeps it until it
// exits, as a thread that uses a pool with caches does; the 64 slots are
// process-wide, so a process with more polling threads than that leaves the
// rest to count in the pool (and later threads without a cache).
//
// Thread safety: bump() only by the holder of the slot (two live threads
// never hold one; a slot passes from an exited thread to the next through
// the slot bitmap's release/acquire pair, which orders their counts).
// Readers (CacheSet::totals) are racy by nature and load relaxed.
#pragma once

#include <atomic>
#include <bit>
#include <cassert>
#include <cstdint>

#include "samplepool/config.hpp"
#include "samplepool/detail/thread_cache.hpp"

namespace samplepool::detail {

struct alignas(kCacheLine) PollCount {
  std::atomic<std::uint64_t> failed{0};  // the slot's holder writes (single_writer_add)
};

namespace poll_index {
inline constexpr std::uint32_t kStride = sizeof(ThreadCache);
inline constexpr int kShift = std::countr_zero(kStride);
inline constexpr std::uint32_t kOdd = kStride >> kShift;
// The inverse of kOdd modulo 2^32, by Newton's iteration (each step doubles
// the correct low bits; an odd number is its own inverse modulo 8).
inline constexpr std::uint32_t kInverse = [] {
  std::uint32_t x = kOdd;
  for (int i = 0; i < 5; ++i) x *= 2u - kOdd * x;
  return x;
}();
static_assert(kOdd * kInverse == 1u);
}  // namespace poll_index

// The entry for a slot's byte offset (not 0) in an array of kCacheEntries.
SAMPLEPOOL_HOT_INLINE PollCount& poll_count_at(PollCount* counts, std::uint32_t offset) noexcept {
  assert(offset % poll_index::kStride == 0);
  return counts[(offset >> poll_index::kShift) * poll_index::kInverse];
}

static_assert(sizeof(PollCount) == kCacheLine, "each slot's count on a line of its own");

}  // namespace samplepool::detail
