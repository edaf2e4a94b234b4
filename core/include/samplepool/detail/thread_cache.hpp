// samplepool/detail/thread_cache.hpp: one thread's cache of free samples in
// one pool, and the protocol that lets other threads reclaim it without ever
// waiting for its owner.
//
// Purpose: a round trip that stays in the caller's cache touches no shared
// cache line and makes no atomic read-modify-write: the shared free list is
// reached once per batch (a refill up to Pool's cache_limit, a flush of its
// cache_batch, or of the whole cache for an owner that only releases).
// Unlike DPDK's caches these never hide a sample from a blocked acquirer for
// good and never outlive a Decommit: a closer (a waiter about to sleep, a
// try_acquire about to fail, decommit, teardown) closes every cache and
// empties the idle ones; an owner that was inside its cache when it closed
// empties its own cache when it leaves. Nobody ever waits for an owner's
// progress except teardown and orphaning (which wait for every use of the
// pool anyway), so an owner preempted by a SCHED_FIFO closer, stopped by a
// debugger or frozen in a fork()ed child stalls no Decommit, no acquire, no
// stats().
//
// Linearization: an acquire from a cache takes effect when its section
// opens (enter() saw the cache open, so the pool was committed then); a
// Decommit that comes while the owner is inside skips it, and the acquire
// may still return a sample (a refill checks the state, and takes nothing
// once decommitted).
//
// Not async-signal-safe: a Sample released from a signal handler that
// interrupted its thread inside a section would nest two sections on one
// cache.
//
// When the heavy fence fails (asymmetric_fence.hpp), no closer may drain
// another thread's cache again: each owner returns its own samples at its
// next call into the pool or when it exits. Until then a blocked acquire
// does not see them, and teardown or orphaning waits for them. An owner
// that read reclaim just as the failure happened is not seen by the sweep
// either; the window is a few instructions, but it is not closed by any
// fence. Failures of membarrier after start-up are rare (a seccomp filter
// installed later): the pool reports them in Stats::cache_fallback.
//
// Fields (one cache per thread slot, thread_index.hpp):
//   busy      1 while the owner is inside (enter()..leave(), or
//             emptying its own cache)                        owner writes
//   reclaim   1 while closed: a closer is active, the pool is
//             decommitted or has a release callback, or the
//             heavy fence failed (closed for good)           closers write
//   draining  1 while someone empties the cache outside an owner
//             section: a closer, or the owner itself          CAS-like exchange
//   count     items[0..count) are free samples
//   acquires  samples handed out from this cache (statistics) owner writes
//   acquires_at_flush  acquires at the owner's last flush: equal
//             now, the owner took nothing from its cache since
//             (it only releases), and a flush returns all    owner only
//   timeouts  this thread's polls that failed without touching
//             a shared line (statistics)                      owner writes
//
// Who may touch count/items:
//  - the owner, between an enter() that saw reclaim == 0 and its leave()
//    (outside a section it only reads its count: empty_and_open);
//  - whoever holds `draining`, and only if the owner is not in such a
//    section: a closer takes it after seeing busy == 0 behind its heavy
//    fence, the owner takes it while busy (its section failed to open, or it
//    found reclaim set when leaving).
// Invariants: count <= kThreadCacheSize; an index is in at most one cache or
// on the shared list, never both; while reclaim == 1 a cache only empties.
//
// The handshake is an asymmetric Dekker pair (asymmetric_fence.hpp):
//   owner enter():  busy = 1; light fence; load reclaim
//   closer:         reclaim = 1 (every cache); heavy fence; load busy
// Either the owner sees reclaim (and keeps out), or the closer sees busy (and
// leaves that cache to the owner). A closer that sees busy == 0 read it from
// the owner's last leave() (release/acquire) and any later enter() of the
// owner sees reclaim, so the cache is the closer's (with `draining`).
// A closer that sees busy == 1 skips the cache. The owner looks at reclaim
// once more before its busy = 0, so it drains what the closer skipped,
// unless that look came just before the closer's reclaim store: then the
// sample stays until the owner's next enter (which fails and drains) or the
// closer's next sweep. So a closer that skipped a cache reports it, and a
// waiter that skipped one sleeps with a short timeout and sweeps again
// (Pool::find_index); teardown sweeps until no cache is skipped.
//
// Memory ordering:
//  - leave() stores busy = 0 with release, pairing with the closer's
//    acquire load of busy: the owner's cache writes (and the sample contents
//    it wrote before caching a sample) are visible to the closer that drains.
//  - `draining` is taken with acquire and given back with release: the
//    previous drainer's count store is seen by the next.
//  - the closer's clearing store of reclaim is a release, pairing with the
//    owner's acquire load in enter(): a later owner sees the drained count.
//  - an owner outside a section may read its own count, then reclaim,
//    both with acquire (empty_and_open, a failing poll's check): the
//    drainer's release store of count 0 pairs with the first, the reopening
//    release store of reclaim with the second.
//  - count and items are otherwise relaxed atomics: ordering comes from the
//    pairs above (and, for the owner, program order). They are atomics so that a
//    closer's and an owner's accesses are never a data race by the
//    language's rules, and ThreadSanitizer agrees.
//  - a waiter registers as a sleeper before it closes the caches, so a
//    release that finds its cache closed pushes to the shared list and its
//    wake cannot be lost (wake_channel.hpp); one that got in before the
//    close left its sample in the cache, which a sweep or its owner drains,
//    and either one pushes and wakes.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "samplepool/config.hpp"
#include "samplepool/detail/asymmetric_fence.hpp"

namespace samplepool::detail {

struct SampleSlot;

// A counter with one writer (a cache's owner, a thread slot's holder): a
// plain increment, no read-modify-write; atomic only for racy readers.
SAMPLEPOOL_HOT_INLINE void single_writer_add(std::atomic<std::uint64_t>& counter, std::uint64_t k) noexcept {
  counter.store(counter.load(std::memory_order_relaxed) + k, std::memory_order_relaxed);
}

struct alignas(kPrefetchPair) ThreadCache {
  std::atomic<std::uint32_t> busy{0};
  std::atomic<std::uint32_t> reclaim{1};  // a new pool is not committed
  std::atomic<std::uint32_t> draining{0};
  std::atomic<std::uint32_t> count{0};
  std::atomic<std::uint64_t> acquires{0};
  std::atomic<std::uint64_t> timeouts{0};
  std::atomic<SampleSlot*> items[kThreadCacheSize];
  // After items: the handshake words' line stays as it was (bulk of 32 ran
  // 1.2x slower with this field before items, interleaved A/B).
  std::uint64_t acquires_at_flush = 0;

  // Owner side -----------------------------------------------------------------
  // True: the section is open. False: the cache is closed and the owner is
  // still busy; it must call CacheSet::owner_drain(), which ends the section.
  SAMPLEPOOL_HOT_INLINE bool enter() noexcept {
    busy.store(1, std::memory_order_relaxed);
    asymmetric_light_fence();
    return reclaim.load(std::memory_order_acquire) == 0;  // pairs with the closer's clear
  }
  // True when a closer asked for the cache while the owner was inside: the
  // owner must call CacheSet::owner_drain() instead of leave().
  SAMPLEPOOL_HOT_INLINE bool reclaimed() const noexcept { return reclaim.load(std::memory_order_relaxed) != 0; }
  // release: pairs with the closer's acquire load of busy.
  SAMPLEPOOL_HOT_INLINE void leave() noexcept { busy.store(0, std::memory_order_release); }

  // The owner, outside a section: its cache holds nothing and no closer has
  // it (so nothing of it is in transit to the shared list). Loads alone
  // tell, because a closer's reclaim = 1 happens-before its emptying of the
  // cache: in the sweep that closed the caches it precedes the heavy fence
  // and the emptying follows it; in a later sweep (closed and fenced
  // already) it reached this closer through the sweep mutex. The emptying
  // store of count is a release (take_all), so an owner whose acquire load
  // of count reads that 0 then reads reclaim == 1, or a later reopen's 0.
  // acquire on reclaim pairs with the reopening store's release: the pushes
  // of the closer that emptied the cache are then visible to the caller's
  // next look at the shared list.
  SAMPLEPOOL_HOT_INLINE bool empty_and_open() const noexcept {
    return count.load(std::memory_order_acquire) == 0 && reclaim.load(std::memory_order_acquire) == 0;
  }

  // Owner-only counters (inside a section or not: closers never write them).
  SAMPLEPOOL_HOT_INLINE void count_acquires(std::uint32_t k) noexcept { single_writer_add(acquires, k); }
  SAMPLEPOOL_HOT_INLINE void count_timeout() noexcept { single_writer_add(timeouts, 1); }

  // Either side, holding `draining`.
  bool try_lock_drain() noexcept { return draining.exchange(1, std::memory_order_acquire) == 0; }
  void unlock_drain() noexcept { draining.store(0, std::memory_order_release); }
};

static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<SampleSlot*>::is_always_lock_free);

// One array entry per cache slot (thread_index.hpp); entry 0 is closed.
inline constexpr std::uint32_t kCacheEntries = kMaxCacheThreads + 1;
static_assert(sizeof(ThreadCache) % kPrefetchPair == 0, "caches never share a line, nor a prefetch pair");
static_assert(offsetof(ThreadCache, items) < kCacheLine, "the handshake words share the first line");

// The slot a cache offset names (CacheTls::offset: slot * sizeof(ThreadCache),
// 0 for none). The offset is an exact multiple, so the division is a shift
// by the size's power of two and a multiply by the inverse of its odd part
// modulo 2^32 (exact division, two instructions): on a path GCC treats as
// cold it otherwise emitted a 64-bit div, 35 cycles and more (measured: a
// FIFO pool's failing poll, which counts in its slot, at 16 ns against 6.4).
// An offset that is not a multiple gives the slot below it where it is off
// by less than the size's power of two (the shift drops those bits), else
// a slot far out of range (2^32 / 3 and more for today's 384 bytes): never
// a neighbour's. Only thread_of_cache_offset sees such offsets (racy holder
// stamps), and it bounds the slot.
namespace cache_slot_detail {
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
}  // namespace cache_slot_detail

SAMPLEPOOL_HOT_INLINE constexpr std::uint32_t cache_slot(std::uint32_t offset) noexcept {
  return (offset >> cache_slot_detail::kShift) * cache_slot_detail::kInverse;
}
static_assert(cache_slot(0) == 0 && cache_slot(kMaxCacheThreads * cache_slot_detail::kStride) == kMaxCacheThreads);

}  // namespace samplepool::detail
