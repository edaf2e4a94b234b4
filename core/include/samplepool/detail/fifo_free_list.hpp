// samplepool/detail/fifo_free_list.hpp: the FIFO free-list policy, over
// moodycamel::ConcurrentQueue, with an exact count of free indices.
//
// Purpose: rotate buffers evenly (each sample rests as long as possible
// between uses), as DMA engines and some capture drivers want. moodycamel's
// queue is FIFO per producing thread and close to FIFO across them.
//
// Why a count: moodycamel's try_dequeue may answer "empty" while an element
// is present (a consumer that lost the race for the last element and is
// preempted between its dequeueOptimisticCount and dequeueOvercommit
// increments makes every other consumer's try_dequeue fail). A blocking
// acquirer that trusted that answer slept beside a free sample: a lost
// wake-up. Here `available_` is the truth for "empty": a popper first
// reserves one unit of it (a CAS that never goes below zero), and only then
// dequeues, retrying until it gets the element its reservation guarantees
// (the same shape as moodycamel's own BlockingConcurrentQueue, whose
// semaphore counts elements and whose wait_dequeue retries try_dequeue).
// A failed reservation is exact: no index was free at that point of the
// seq_cst order.
//
// Invariant: available_ <= indices in queue_ + overflow_ (a push enqueues
// before it counts; a pop reserves before it dequeues), and every index
// counted is dequeued by exactly one reserving popper.
//
// The retry after a reservation waits for the preempted consumer above to
// finish its dequeue: a few pauses, then sched_yield, then short sleeps, so
// that a higher-priority popper never starves the thread it waits for.
//
// Allocation: reset() sizes the queue for every slot (up to the capacity a
// growing pool may reach) plus one block per
// producing thread, so steady state allocates nothing. A thread's first push
// creates its implicit producer (moodycamel allocates then); if that
// allocation ever fails, the index goes to an overflow Treiber stack rather
// than being lost.
//
// Thread safety: push/try_pop from any thread; reset() as for LifoFreeList.
//
// Memory ordering: moodycamel's enqueue ends in a release store and its
// dequeue reads with acquire, which hands the sample's contents over. The
// count's increment (push) and reservation (pop) are seq_cst read-modify-
// writes (a failed reservation a seq_cst load): they are the free list's
// seq_cst points for the wake channel's store-load pair (wake_channel.hpp),
// and the increment's release pairs with the reservation's acquire, so the
// reserving popper's dequeue finds the element enqueued before it.
#pragma once

#include <concurrentqueue/concurrentqueue.h>
#include <sched.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "samplepool/detail/cpu_relax.hpp"
#include "samplepool/detail/lifo_free_list.hpp"
#include "samplepool/detail/slot.hpp"

namespace samplepool::detail {

// Small blocks: a pool of 64 samples should not reserve 32 x 64 slots.
struct FifoQueueTraits : moodycamel::ConcurrentQueueDefaultTraits {
  static constexpr std::size_t BLOCK_SIZE = 32;
  static constexpr std::size_t IMPLICIT_INITIAL_INDEX_SIZE = 32;
};

// Queue: moodycamel::ConcurrentQueue's interface (constructor taking a
// capacity, enqueue, enqueue_bulk, try_dequeue, try_dequeue_bulk); tests
// substitute one whose try_dequeue fails spuriously on demand.
template <class Queue>
class BasicFifoFreeList {
 public:
  void reset(std::uint32_t capacity, std::uint32_t filled) {
    overflow_.reset(capacity, 0);
    // Every slot, plus a spare block for each of a few producing threads.
    queue_ = std::make_unique<Queue>(std::size_t{capacity} + 8 * FifoQueueTraits::BLOCK_SIZE);
    available_.store(0, std::memory_order_relaxed);
    for (std::uint32_t i = 0; i < filled; ++i) push(i);
  }
  void reset(std::uint32_t n) { reset(n, n); }

  bool try_pop(std::uint32_t& index) noexcept {
    if (reserve(1) == 0) return false;
    take(&index, 1);
    return true;
  }

  void push(std::uint32_t index) noexcept {
    if (!queue_->enqueue(index)) overflow_.push(index);  // allocation failed: keep the index
    available_.fetch_add(1, std::memory_order_seq_cst);   // pairs with reserve()
  }

  std::uint32_t pop_bulk(std::uint32_t* out, std::uint32_t max) noexcept {
    const std::uint32_t n = reserve(max);
    take(out, n);
    return n;
  }

  void push_bulk(const std::uint32_t* in, std::uint32_t n) noexcept {
    if (n == 0) return;
    if (!queue_->enqueue_bulk(in, n)) overflow_.push_bulk(in, n);
    available_.fetch_add(n, std::memory_order_seq_cst);  // pairs with reserve()
  }

  // True when no index is counted at this load (seq_cst, as reserve()'s).
  SAMPLEPOOL_HOT_INLINE bool empty() const noexcept { return available_.load(std::memory_order_seq_cst) == 0; }

  // Racy by nature: free indices not yet reserved.
  std::uint32_t available_approx() const noexcept {
    return available_.load(std::memory_order_relaxed);
  }

 private:
  // Reserves up to `max` of the counted indices; returns how many.
  std::uint32_t reserve(std::uint32_t max) noexcept {
    std::uint32_t have = available_.load(std::memory_order_seq_cst);
    for (;;) {
      if (have == 0 || max == 0) return 0;
      const std::uint32_t n = have < max ? have : max;
      if (available_.compare_exchange_weak(have, have - n, std::memory_order_seq_cst,
                                           std::memory_order_seq_cst)) {
        return n;
      }
    }
  }

  // Dequeues exactly n reserved indices (see the header comment).
  void take(std::uint32_t* out, std::uint32_t n) noexcept {
    if (n == 0) return;
    std::uint32_t got = 0;
    for (std::uint32_t attempt = 0; got < n; ++attempt) {
      if (n - got == 1) {
        got += queue_->try_dequeue(out[got]) ? 1 : 0;
      } else {
        got += static_cast<std::uint32_t>(queue_->try_dequeue_bulk(out + got, n - got));
      }
      while (got < n && overflow_.try_pop(out[got])) ++got;
      if (got < n) back_off(attempt);
    }
  }

  static void back_off(std::uint32_t attempt) noexcept {
    if (attempt < 64) {
      cpu_relax();
    } else if (attempt < 128) {
      sched_yield();
    } else {
      const timespec pause{0, 50'000};  // 50 us: lets any priority run
      nanosleep(&pause, nullptr);
    }
  }

  std::unique_ptr<Queue> queue_;
  LifoFreeList overflow_;
  alignas(kCacheLine) std::atomic<std::uint32_t> available_{0};
};

using FifoFreeList = BasicFifoFreeList<moodycamel::ConcurrentQueue<std::uint32_t, FifoQueueTraits>>;

}  // namespace samplepool::detail
