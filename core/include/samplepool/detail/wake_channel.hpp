// samplepool/detail/wake_channel.hpp: where blocked acquirers sleep.
//
// Purpose: a futex-backed eventcount. A waiter takes a ticket, registers as a
// sleeper, re-checks its condition, then sleeps on the ticket. A notifier
// publishes its change first, then calls notify_one()/notify_all().
//
// The notifying side is wait-free: one load when nobody sleeps (no syscall),
// otherwise one fetch_add and one FUTEX_WAKE. It never loops and never
// blocks. A release wakes one sleeper (no thundering herd); Decommit wakes all.
//
// Invariant: sleepers_ >= number of threads inside futex_wait on seq_, so a
// notifier that reads sleepers_ == 0 may skip the syscall.
//
// Memory ordering, and why no wake-up is lost:
//  - Waiter: t = seq_.load(acquire); sleepers_.fetch_add(seq_cst); re-check
//    condition with seq_cst loads; futex_wait(seq_, t).
//  - Notifier: publish the change with a seq_cst operation; then
//    sleepers_.load(seq_cst); if non-zero, seq_.fetch_add(release) and wake.
//  The sleeper increment and the notifier's publication are a store-load
//  pair in the seq_cst total order: either the waiter's re-check sees the
//  change, or the notifier sees the sleeper and bumps seq_, in which case the
//  futex_wait(t) returns at once (its value is no longer t) or the FUTEX_WAKE
//  finds the waiter asleep. The acquire on the ticket load pairs with the
//  release bump: a waiter whose ticket already includes a bump also sees the
//  change published before that bump.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>

#include "samplepool/config.hpp"
#include "samplepool/detail/futex.hpp"

namespace samplepool::detail {

// Scope: WakeChannel sleeps on a process-private futex; SharedWakeChannel,
// the same protocol, on a shared one, for a channel that lives in a segment
// several processes map (shm/). A shared channel's sleeper count can be left
// too high by a process killed between its increment and its decrement;
// forget_sleepers() lets the one that reaps it take its share back.
template <FutexScope kScope>
class alignas(kCacheLine) BasicWakeChannel {
 public:
  // Waiter side -------------------------------------------------------------
  using Ticket = std::uint32_t;

  // Registers the caller as a sleeper and returns its ticket. The caller must
  // re-check its condition after this and then call either cancel() or
  // sleep().
  Ticket prepare() noexcept {
    const Ticket t = seq_.load(std::memory_order_acquire);  // pairs with notify's bump
    sleepers_.fetch_add(1, std::memory_order_seq_cst);     // pairs with notify's load
    return t;
  }

  // Leaves without sleeping (the re-check succeeded).
  void cancel() noexcept {
    // relaxed: over-counting sleepers only costs a notifier a needless wake.
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
  }

  // Sleeps until notified, until `deadline`, or spuriously; then deregisters.
  // Returns futex_wait's result; callers re-check their condition either way.
  int sleep(Ticket t, Deadline deadline) noexcept {
    const int r = wait(t, deadline);
    cancel();
    return r;
  }
  // sleep() without the deregistration, for a caller that keeps its own
  // count of its sleepers and must drop that first (a shared channel's
  // process record): wait(), then cancel().
  int wait(Ticket t, Deadline deadline) noexcept { return futex_wait(&seq_, t, deadline, kScope); }

  // Notifier side (wait-free) -------------------------------------------------
  void notify_one() noexcept { notify(1); }
  void notify_all() noexcept { notify(INT_MAX); }
  void notify_n(std::uint32_t n) noexcept { notify(n > INT_MAX ? INT_MAX : static_cast<int>(n)); }


  // A dead process's sleepers (shared channels): relaxed, as cancel().
  void forget_sleepers(std::uint32_t n) noexcept { sleepers_.fetch_sub(n, std::memory_order_relaxed); }

  // Racy by nature: for stats only.
  std::uint32_t sleepers_approx() const noexcept {
    return sleepers_.load(std::memory_order_relaxed);
  }

 private:
  // The load inline (every shared-path release calls this), the wake not.
  SAMPLEPOOL_HOT_INLINE void notify(int count) noexcept {
    if (sleepers_.load(std::memory_order_seq_cst) == 0) return;  // the common case: no syscall
    wake(count);
  }
  [[gnu::noinline]] void wake(int count) noexcept {
    seq_.fetch_add(1, std::memory_order_release);  // pairs with prepare()'s acquire
    futex_wake(&seq_, count, kScope);
  }

  std::atomic<std::uint32_t> seq_{0};       // futex word; bumped by every notify that may wake
  std::atomic<std::uint32_t> sleepers_{0};  // threads between prepare() and cancel()/sleep() end
};

using WakeChannel = BasicWakeChannel<FutexScope::process_private>;
using SharedWakeChannel = BasicWakeChannel<FutexScope::shared>;
static_assert(sizeof(WakeChannel) == kCacheLine, "the wake channel owns one cache line");
static_assert(sizeof(SharedWakeChannel) == kCacheLine);

}  // namespace samplepool::detail
