// samplepool/detail/thread_cache.hpp: one thread's cache of free samples in
// one pool, and the protocol that lets other threads reclaim it.
//
// Purpose: a round trip that stays in the caller's cache touches no shared
// cache line and makes no atomic read-modify-write: the shared free list is
// reached once per batch (Pool's cache_batch, at most kThreadCacheBatch).
// Unlike DPDK's caches these never hide a sample from a blocked acquirer,
// and never outlive a Decommit: a closer (a waiter about to sleep, a
// try_acquire about to fail, decommit, teardown) empties every cache,
// including an idle thread's, and keeps them closed while it waits, so that
// meanwhile every release goes through the shared list and wakes.
//
// Fields (one cache per thread index; the owner is the thread holding that
// index, thread_index.hpp):
//   busy      1 while the owner is inside enter()..leave()        owner writes
//   reclaim   1 while closed: a closer is active, the pool is
//             decommitted, or it has a release callback          closers write
//   count     items[0..count) are free samples                    whoever holds it
//   acquires  samples handed out from this cache (statistics)    owner writes
// Invariants: count <= kThreadCacheSize; an index is in at most one cache or
// on the shared list, never both; the owner touches count/items only
// between a successful enter() and leave(); a closer only while it holds
// the sweep mutex, has set reclaim and has seen busy == 0 after that.
//
// The handshake is an asymmetric Dekker pair (asymmetric_fence.hpp):
//   owner enter():  busy = 1; light fence; if reclaim: busy = 0, fail
//   closer:         reclaim = 1 (every cache); heavy fence; then per cache
//                   wait until busy == 0 (acquire) and drain it. The last
//                   closer to leave clears reclaim (release), unless the
//                   pool is decommitted or has a release callback.
// Either the owner sees reclaim and keeps out, or the closer sees busy and
// waits for the owner's leave(). The owner's critical section never blocks
// and never waits for another thread, so the closer's wait is bounded by
// the owner's scheduling alone; sweeps are slow paths (about to sleep, fail,
// decommit or tear down), never a release or a successful acquire.
//
// Memory ordering:
//  - leave() stores busy = 0 with release, pairing with the closer's
//    acquire load: the owner's cache writes (and the sample contents it
//    wrote before caching a sample) are visible to the closer that drains.
//  - the closer's clearing store of reclaim is a release, pairing with the
//    owner's acquire load in enter(): a later owner sees the drained count.
//  - count and items are relaxed atomics: ordering comes from the two pairs
//    above (and, for the owner, program order). They are atomics so that a
//    closer's and an owner's accesses are never a data race by the
//    language's rules, and ThreadSanitizer agrees.
//  - a waiter registers as a sleeper before it closes the caches, so a
//    release that finds its cache closed pushes to the shared list and its
//    wake cannot be lost (wake_channel.hpp); one that got in before the
//    close left its sample in the cache, which the closer drains.
#pragma once

#include <atomic>
#include <cstdint>

#include "samplepool/config.hpp"
#include "samplepool/detail/asymmetric_fence.hpp"

namespace samplepool::detail {

struct SampleSlot;

struct alignas(kCacheLine) ThreadCache {
  std::atomic<std::uint32_t> busy{0};
  std::atomic<std::uint32_t> reclaim{1};  // a new pool is not committed
  std::atomic<std::uint32_t> count{0};
  std::atomic<std::uint64_t> acquires{0};
  std::atomic<SampleSlot*> items[kThreadCacheSize];

  // Owner side -----------------------------------------------------------------
  bool enter() noexcept {
    busy.store(1, std::memory_order_relaxed);
    asymmetric_light_fence();
    if (reclaim.load(std::memory_order_acquire) != 0) [[unlikely]] {  // pairs with the closer's clear
      busy.store(0, std::memory_order_release);
      return false;
    }
    return true;
  }
  void leave() noexcept { busy.store(0, std::memory_order_release); }  // pairs with the closer's wait

  // Owner-only counter: a plain increment, atomic only for racy readers.
  void count_acquire() noexcept {
    acquires.store(acquires.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
};

static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<SampleSlot*>::is_always_lock_free);

// One array entry per cache slot (thread_index.hpp); entry 0 is closed.
inline constexpr std::uint32_t kCacheEntries = kMaxCacheThreads + 1;
static_assert(sizeof(ThreadCache) % kCacheLine == 0, "caches never share a line");

}  // namespace samplepool::detail
