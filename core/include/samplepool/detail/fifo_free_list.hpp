// samplepool/detail/fifo_free_list.hpp: the FIFO free-list policy, over
// moodycamel::ConcurrentQueue.
//
// Purpose: rotate buffers evenly (each sample rests as long as possible
// between uses), as DMA engines and some capture drivers want. moodycamel's
// queue is FIFO per producing thread and close to FIFO across them.
//
// Allocation: reset() sizes the queue for every slot plus one block per
// producing thread, so steady state allocates nothing. A thread's first push
// creates its implicit producer (moodycamel allocates then); if that
// allocation ever fails, the index goes to an overflow Treiber stack rather
// than being lost, and try_pop drains the overflow when the queue is empty.
//
// Thread safety: push/try_pop from any thread; reset() as for LifoFreeList.
//
// Memory ordering: moodycamel's enqueue ends in a release store and its
// dequeue reads with acquire, which hands the sample's contents over. For the
// wake channel's store-load pair (wake_channel.hpp) a release store is not
// enough, so push() ends and try_pop() starts with a seq_cst fence: fence to
// fence, a waiter that registered before its re-pop and a releaser that
// pushed before its sleeper check cannot both miss each other.
#pragma once

#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "samplepool/detail/lifo_free_list.hpp"
#include "samplepool/detail/slot.hpp"

namespace samplepool::detail {

class FifoFreeList {
 public:
  // A full (store-load) barrier; see the header comment.
  void full_barrier() noexcept {
#if defined(__SANITIZE_THREAD__)
    barrier_word_.fetch_add(0, std::memory_order_seq_cst);
#else
    std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
  }

  // Small blocks: a pool of 64 samples should not reserve 32 x 64 slots.
  struct Traits : moodycamel::ConcurrentQueueDefaultTraits {
    static constexpr std::size_t BLOCK_SIZE = 32;
    static constexpr std::size_t IMPLICIT_INITIAL_INDEX_SIZE = 32;
  };
  using Queue = moodycamel::ConcurrentQueue<std::uint32_t, Traits>;

  void reset(std::uint32_t n) {
    overflow_.reset(n, false);
    // Every slot, plus a spare block for each of a few producing threads.
    queue_ = std::make_unique<Queue>(std::size_t{n} + 8 * Traits::BLOCK_SIZE);
    for (std::uint32_t i = 0; i < n; ++i) push(i);
  }

  bool try_pop(std::uint32_t& index) noexcept {
    full_barrier();  // pairs with push's barrier
    return queue_->try_dequeue(index) || overflow_.try_pop(index);
  }

  void push(std::uint32_t index) noexcept {
    if (!queue_->enqueue(index)) overflow_.push(index);  // allocation failed: keep the index
    full_barrier();  // pairs with try_pop's barrier
  }

  std::uint32_t pop_bulk(std::uint32_t* out, std::uint32_t max) noexcept {
    full_barrier();
    auto n = static_cast<std::uint32_t>(queue_->try_dequeue_bulk(out, max));
    while (n < max && overflow_.try_pop(out[n])) ++n;
    return n;
  }

  void push_bulk(const std::uint32_t* in, std::uint32_t n) noexcept {
    if (!queue_->enqueue_bulk(in, n)) overflow_.push_bulk(in, n);
    full_barrier();
  }

 private:
  std::unique_ptr<Queue> queue_;
  LifoFreeList overflow_;
#if defined(__SANITIZE_THREAD__)
  std::atomic<std::uint32_t> barrier_word_{0};
#endif
};

}  // namespace samplepool::detail
