// Pools built from general-purpose concurrent containers used as free lists:
// moodycamel's BlockingConcurrentQueue, boost::lockfree::stack, TBB's
// concurrent_bounded_queue and atomic_queue. Each holds pointers into one
// preallocated block, like a pool would.
#pragma once

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>

#include "adapter.hpp"
#include "block.hpp"

#if SAMPLEPOOL_BENCH_HAVE_BOOST
#include <boost/lockfree/stack.hpp>
#endif
#if SAMPLEPOOL_BENCH_HAVE_TBB
#include <tbb/concurrent_queue.h>
#endif
#if SAMPLEPOOL_BENCH_HAVE_ATOMIC_QUEUE
#include <atomic_queue/atomic_queue.h>
#endif

namespace samplepool::bench {

// No pool at all: the floor of the hand-off scenario. acquire() hands out
// the block's buffers in turn without tracking them and release() does
// nothing, so "handoff/no_pool" times only the SPSC ring and the two threads
// (each buffer's pointer and one byte crossing between the CPUs). On a VM
// that figure moves with where the host places the vCPUs, and every pool's
// hand-off moves with it: the report prints it beside them. Single producer
// only (the hand-off's), so it takes part in no other scenario.
class NoPool {
 public:
  static constexpr const char* kName = "no_pool";
  using Item = std::byte*;
  NoPool(std::uint32_t count, std::size_t size) : block_(count, size), count_(count) {}
  Item acquire() {
    const std::uint32_t i = next_;
    next_ = i + 1 == count_ ? 0 : i + 1;
    return block_.at(i);
  }
  void release(Item&&) {}
  std::byte* data(Item& b) { return b; }

 private:
  Block block_;
  std::uint32_t count_;
  std::uint32_t next_ = 0;
};

class MoodycamelPool {
 public:
  static constexpr const char* kName = "moodycamel_bcq";
  using Item = std::byte*;
  MoodycamelPool(std::uint32_t count, std::size_t size) : block_(count, size), q_(count) {
    for (std::uint32_t i = 0; i < count; ++i) q_.enqueue(block_.at(i));
  }
  Item acquire() {
    Item b = nullptr;
    q_.wait_dequeue(b);
    return b;
  }
  void release(Item&& b) { q_.enqueue(b); }
  // poll_empty: try_dequeue fails on the semaphore's count, no wait.
  bool try_acquire(Item& b) { return q_.try_dequeue(b); }
  std::byte* data(Item& b) { return b; }

 private:
  Block block_;
  moodycamel::BlockingConcurrentQueue<std::byte*> q_;
};

#if SAMPLEPOOL_BENCH_HAVE_BOOST
class BoostStackPool {
 public:
  static constexpr const char* kName = "boost_lockfree_stack";
  using Item = std::byte*;
  BoostStackPool(std::uint32_t count, std::size_t size) : block_(count, size), s_(count) {
    for (std::uint32_t i = 0; i < count; ++i) s_.bounded_push(block_.at(i));
  }
  Item acquire() {
    Item b = nullptr;
    while (!s_.pop(b)) std::this_thread::yield();
    return b;
  }
  void release(Item&& b) { s_.bounded_push(b); }
  std::byte* data(Item& b) { return b; }

 private:
  Block block_;
  boost::lockfree::stack<std::byte*, boost::lockfree::fixed_sized<true>> s_;
};
#endif

#if SAMPLEPOOL_BENCH_HAVE_TBB
class TbbPool {
 public:
  static constexpr const char* kName = "tbb_bounded_queue";
  using Item = std::byte*;
  TbbPool(std::uint32_t count, std::size_t size) : block_(count, size) {
    q_.set_capacity(count);
    for (std::uint32_t i = 0; i < count; ++i) q_.push(block_.at(i));
  }
  Item acquire() {
    Item b = nullptr;
    q_.pop(b);  // blocks
    return b;
  }
  void release(Item&& b) { q_.push(b); }
  std::byte* data(Item& b) { return b; }

 private:
  Block block_;
  tbb::concurrent_bounded_queue<std::byte*> q_;
};
#endif

#if SAMPLEPOOL_BENCH_HAVE_ATOMIC_QUEUE
class AtomicQueuePool {
 public:
  static constexpr const char* kName = "atomic_queue";
  using Item = std::byte*;
  AtomicQueuePool(std::uint32_t count, std::size_t size) : block_(count, size), q_(count) {
    for (std::uint32_t i = 0; i < count; ++i) q_.push(block_.at(i));
  }
  Item acquire() {
    Item b = nullptr;
    while (!q_.try_pop(b)) std::this_thread::yield();
    return b;
  }
  void release(Item&& b) { q_.push(b); }
  std::byte* data(Item& b) { return b; }

 private:
  Block block_;
  atomic_queue::AtomicQueueB<std::byte*> q_;
};
#endif

}  // namespace samplepool::bench
