// A minimal bounded single-producer single-consumer ring, for the handoff
// scenario's pipe between the capture and the consumer thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <utility>

#include "samplepool/config.hpp"

namespace samplepool::bench {

template <class T>
class SpscRing {
 public:
  explicit SpscRing(std::size_t capacity_pow2) : mask_(capacity_pow2 - 1), slots_(new T[capacity_pow2]) {}

  // Producer only. Moves from `v` on success.
  bool push(T& v) {
    const std::size_t t = tail_.load(std::memory_order_relaxed);
    if (t - head_.load(std::memory_order_acquire) > mask_) return false;  // full; pairs with pop's release
    slots_[t & mask_] = std::move(v);
    tail_.store(t + 1, std::memory_order_release);  // publishes the slot to pop
    return true;
  }
  // Consumer only.
  bool pop(T& out) {
    const std::size_t h = head_.load(std::memory_order_relaxed);
    if (h == tail_.load(std::memory_order_acquire)) return false;  // empty; pairs with push's release
    out = std::move(slots_[h & mask_]);
    head_.store(h + 1, std::memory_order_release);  // frees the slot for push
    return true;
  }

 private:
  const std::size_t mask_;
  std::unique_ptr<T[]> slots_;
  alignas(kCacheLine) std::atomic<std::size_t> head_{0};
  alignas(kCacheLine) std::atomic<std::size_t> tail_{0};
};

}  // namespace samplepool::bench
