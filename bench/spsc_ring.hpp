// A minimal bounded single-producer single-consumer ring, for the handoff
// scenario's pipe between the capture and the consumer thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <utility>

#include "samplepool/config.hpp"

namespace samplepool::bench {

// T in cache lines of its own: an object that one benchmark thread writes
// and another reads (or that sits beside one) must not share a line with
// anything else, or the scenario would time false sharing between its own
// objects, which the stack's and the heap's layout (ASLR included) decide.
// (It is not what makes the hand-off bimodal on the 2-vCPU VM: every pool's
// hand-off, and the ring alone, run about 1.7-4x faster at some moments than
// at others, in one process as across processes and with ASLR off; that
// goes with where the host runs the two vCPUs, see handoff/no_pool.)
template <class T>
struct alignas(kCacheLine) OwnLine {
  template <class... A>
  explicit OwnLine(A&&... a) : value(std::forward<A>(a)...) {}
  T value;
};

template <class T>
class SpscRing {
 public:
  explicit SpscRing(std::size_t capacity_pow2) : mask_(capacity_pow2 - 1), slots_(new Slots[lines(capacity_pow2)]) {}

  // Producer only. Moves from `v` on success.
  bool push(T& v) {
    const std::size_t t = tail_.load(std::memory_order_relaxed);
    if (t - head_.load(std::memory_order_acquire) > mask_) return false;  // full; pairs with pop's release
    slot(t & mask_) = std::move(v);
    tail_.store(t + 1, std::memory_order_release);  // publishes the slot to pop
    return true;
  }
  // Consumer only.
  bool pop(T& out) {
    const std::size_t h = head_.load(std::memory_order_relaxed);
    if (h == tail_.load(std::memory_order_acquire)) return false;  // empty; pairs with push's release
    out = std::move(slot(h & mask_));
    head_.store(h + 1, std::memory_order_release);  // frees the slot for push
    return true;
  }

 private:
  // The slots fill whole cache lines of their own (aligned, padded): the
  // heap puts nothing else beside them.
  static constexpr std::size_t kPerLine = sizeof(T) >= kCacheLine ? 1 : kCacheLine / sizeof(T);
  struct alignas(kCacheLine) Slots {
    T at[kPerLine]{};
  };
  static std::size_t lines(std::size_t n) { return (n + kPerLine - 1) / kPerLine; }
  T& slot(std::size_t i) { return slots_[i / kPerLine].at[i % kPerLine]; }

  const std::size_t mask_;
  std::unique_ptr<Slots[]> slots_;
  alignas(kCacheLine) std::atomic<std::size_t> head_{0};
  alignas(kCacheLine) std::atomic<std::size_t> tail_{0};
};

}  // namespace samplepool::bench
