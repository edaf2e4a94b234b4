// samplepool/detail/lifetime.hpp: who still uses a pool's memory, and who
// waits for that to stop.
//
// Purpose: teardown and re-layout must not free the arena while a sample is
// held, while an acquire is between its commit check and its hand-out, or
// while a release is between giving its sample back and leaving. One word
// counts all three; the operation that brings it to zero hands the pool over to
// whoever waits (the owner in ~Pool) or finalizes it (an orphaned pool, as
// the DirectShow compatibility layer leaves behind when its last reference
// goes while samples are out).
//
// Word layout (64 bits):
//   bits  0..31  held samples (<= kMaxSampleCount)
//   bits 32..55  calls in flight: acquires (reserved on entry, converted to a
//                held sample on success, dropped on failure) and releases
//                (a held sample converted to in-flight before it is pushed,
//                dropped when the release is done). Converting before the
//                push keeps the held count exact: it never exceeds the
//                sample count, even while one thread's release overlaps
//                another's acquire of the same sample.
//   bits 56..61  zero (guard against a carry out of the in-flight field)
//   bit  62      kDrainWaiter: the owner sleeps until the counts reach zero
//   bit  63      kOrphaned: no owner; the last use finalizes the pool
// Invariant: the counts never go below zero; once either flag is set the
// owner no longer creates uses (it has decommitted), so the counts only fall.
//
// The last use: the fetch_sub that makes both counts zero is unique. If a
// drain waiter is present, that thread stores 1 to drained_ and makes one
// FUTEX_WAKE; if orphaned, it is told to run the finalizer. Either way the
// store (or the finalizer) is the last thing it does to the pool's memory:
// the futex wake touches no user-space memory (see futex.hpp).
//
// Memory ordering:
//  - enter(): seq_cst, the store half of a store-load pair with the control
//    side's EpochState decommit (see epoch_state.hpp).
//  - drop(): acq_rel. Release: everything the dropping thread did to the
//    sample and the free list happens-before the drainer's or finalizer's
//    free. Acquire: the thread that runs the finalizer sees every earlier
//    dropper's work (the fetch_subs form one release sequence).
//  - drained_.store(release) pairs with wait_drained()'s acquire load.
#pragma once

#include <atomic>
#include <cstdint>

#include "samplepool/config.hpp"
#include "samplepool/detail/futex.hpp"

namespace samplepool::detail {

class Lifetime {
 public:
  static constexpr std::uint64_t kHeld = 1;
  static constexpr std::uint64_t kAcquirer = std::uint64_t{1} << 32;
  static constexpr std::uint64_t kHeldMask = 0xffff'ffffull;
  static constexpr std::uint64_t kAcquirerMask = 0x00ff'ffffull << 32;
  static constexpr std::uint64_t kCountMask = kHeldMask | kAcquirerMask;
  static constexpr std::uint64_t kDrainWaiter = std::uint64_t{1} << 62;
  static constexpr std::uint64_t kOrphaned = std::uint64_t{1} << 63;

  enum class LastUse { no, finalize };

  static constexpr std::uint32_t held(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>(w & kHeldMask);
  }
  static constexpr std::uint32_t in_flight(std::uint64_t w) noexcept {
    return static_cast<std::uint32_t>((w & kAcquirerMask) >> 32);
  }

  // An acquire starts: reserve before reading the epoch state.
  void enter() noexcept { word_.fetch_add(kAcquirer, std::memory_order_seq_cst); }

  // The caller's reservation becomes a held sample. Returns the held count
  // after. relaxed: the total does not fall, so no one is handed anything;
  // the count itself is exact because its increments and decrements for one
  // sample are ordered through the free list (a release converts before its
  // push, an acquire converts after its pop).
  // (n held samples for one bulk acquire's reservation.)
  std::uint32_t held_from_in_flight(std::uint32_t n = 1) noexcept {
    const std::uint64_t prev = word_.fetch_add(n * kHeld - kAcquirer, std::memory_order_relaxed);
    return held(prev) + n;
  }
  // A release starts: its n held samples become one in-flight call (see
  // above; relaxed for the same reason).
  void in_flight_from_held(std::uint32_t n = 1) noexcept {
    word_.fetch_add(kAcquirer - n * kHeld, std::memory_order_relaxed);
  }

  // Batches (thread-cache flushes and sweeps): samples rejoin the shared
  // free list in groups. Held counts samples off the shared list, whether
  // callers or thread caches hold them (a refill takes them through an
  // in-flight reservation, held_from_in_flight(n)). relaxed, for the reason
  // given at held_from_in_flight(); callers decrement before the push.
  void sub_held(std::uint32_t n) noexcept { word_.fetch_sub(n * kHeld, std::memory_order_relaxed); }

  // A call in flight ends (an acquire that failed, a release that is done).
  // The caller must not touch the pool after this unless it returns
  // LastUse::finalize, in which case it must run the finalizer (and then
  // touch nothing).
  [[nodiscard]] LastUse leave() noexcept { return drop(kAcquirer); }

  // Owner side ---------------------------------------------------------------
  std::uint64_t load() const noexcept { return word_.load(std::memory_order_seq_cst); }

  // Announces the owner waits for zero; returns true if it already is.
  bool begin_drain() noexcept {
    return (word_.fetch_or(kDrainWaiter, std::memory_order_acq_rel) & kCountMask) == 0;
  }
  // After begin_drain() returned false: sleeps until the last use hands over.
  void wait_drained() noexcept {
    while (drained_.load(std::memory_order_acquire) == 0) {  // pairs with drop()'s store
      futex_wait(&drained_, 0, kNoDeadline);
    }
  }

  // The owner goes away without waiting. Returns true if nothing is in use,
  // so the caller finalizes now; otherwise the last use will.
  bool orphan() noexcept {
    return (word_.fetch_or(kOrphaned, std::memory_order_acq_rel) & kCountMask) == 0;
  }

 private:
  // The fetch_sub inline (every shared-path acquire and release ends here),
  // the last use's hand-over not.
  SAMPLEPOOL_HOT_INLINE LastUse drop(std::uint64_t amount) noexcept {
    const std::uint64_t now = word_.fetch_sub(amount, std::memory_order_acq_rel) - amount;
    if ((now & kCountMask) != 0) [[likely]] return LastUse::no;
    return last_use(now);
  }
  [[gnu::noinline]] LastUse last_use(std::uint64_t now) noexcept {
    if ((now & kOrphaned) != 0) return LastUse::finalize;
    if ((now & kDrainWaiter) != 0) {
      drained_.store(1, std::memory_order_release);  // the last store to this pool
      futex_wake(&drained_, 1);
    }
    return LastUse::no;
  }

  std::atomic<std::uint64_t> word_{0};
  std::atomic<std::uint32_t> drained_{0};  // futex word: 1 once the drain completed
};

}  // namespace samplepool::detail
