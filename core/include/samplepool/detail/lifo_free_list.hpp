// samplepool/detail/lifo_free_list.hpp: the default free list, a lock-free
// Treiber stack of slot indices with a tagged head.
//
// Purpose: LIFO reuse keeps the most recently released (cache-warm) sample
// on top. No allocation, no lock: push and pop are one CAS each when
// uncontended. The links live in a dense array of their own (4 bytes a
// sample), not in the sample headers: a thread cache's 16-sample refill
// walks a few cache lines instead of 16 headers last written on another core.
//
// Head word (64 bits), a value type whose transitions assert their inputs:
//   bits  0..31  index of the top slot, kNoSlot when empty
//   bits 32..63  tag, incremented by every successful push and pop
// Invariant: a slot index is on the list at most once; the tag makes a
// stale head fail its CAS. The tag is 32 bits wide (boost's freelist uses 16,
// a small ABA window under preemption): an ABA now needs a thread to sleep
// between its load and its CAS through exactly 2^32 operations.
//
// Thread safety: push/try_pop from any thread; reset() only while no thread
// can touch the list (the pool holds its control mutex and no acquire or
// held sample exists). reset() allocates the link array (cold path).
//
// Memory ordering:
//  - push(): the link store is relaxed; the CAS is release (seq_cst) and
//    publishes both the link and everything the releaser wrote to the sample.
//  - try_pop(): the head load and the successful CAS are acquire (seq_cst),
//    pairing with push's CAS: the popper sees the link and the sample's data.
//    Reading the link of a slot that another thread has just popped is fine:
//    the link is atomic, and the tag makes our CAS fail.
//  - Both are seq_cst so they take part in the wake channel's store-load
//    pair (wake_channel.hpp): a push is ordered before the releaser's
//    sleeper check, and a waiter's sleeper registration before its re-pop.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>
#include <memory>

#include "samplepool/config.hpp"
#include "samplepool/detail/slot.hpp"

namespace samplepool::detail {

class LifoFreeList {
 public:
  class Head {
   public:
    constexpr Head() noexcept = default;
    constexpr explicit Head(std::uint64_t raw) noexcept : raw_(raw) {}
    constexpr std::uint32_t top() const noexcept { return static_cast<std::uint32_t>(raw_); }
    constexpr std::uint32_t tag() const noexcept { return static_cast<std::uint32_t>(raw_ >> 32); }
    constexpr std::uint64_t raw() const noexcept { return raw_; }
    constexpr bool empty() const noexcept { return top() == kNoSlot; }
    constexpr Head with_push(std::uint32_t index) const noexcept {
      assert(index != kNoSlot && index != top());
      return make(index, tag() + 1);
    }
    constexpr Head with_pop(std::uint32_t next) const noexcept {
      assert(!empty() && next != top());
      return make(next, tag() + 1);
    }
    static constexpr Head make(std::uint32_t top, std::uint32_t tag) noexcept {
      return Head{(std::uint64_t{tag} << 32) | top};
    }

   private:
    std::uint64_t raw_ = std::uint64_t{kNoSlot};
  };

  // Makes room for indices 0..capacity-1 and pushes 0..filled-1 (0 on top);
  // the rest join later with push() (a pool's growth). Not thread-safe.
  void reset(std::uint32_t capacity, std::uint32_t filled) {
    links_ = std::make_unique<std::atomic<std::uint32_t>[]>(capacity);
    for (std::uint32_t i = 0; i < filled; ++i) {
      links_[i].store(i + 1 < filled ? i + 1 : kNoSlot, std::memory_order_relaxed);
    }
    const Head old{head_.load(std::memory_order_relaxed)};
    const std::uint32_t top = filled != 0 ? 0 : kNoSlot;
    head_.store(Head::make(top, old.tag() + 1).raw(), std::memory_order_release);
  }
  void reset(std::uint32_t n) { reset(n, n); }

  bool try_pop(std::uint32_t& index) noexcept {
    Head h{head_.load(std::memory_order_seq_cst)};
    for (;;) {
      if (h.empty()) return false;
      const std::uint32_t next = links_[h.top()].load(std::memory_order_relaxed);
      std::uint64_t expected = h.raw();
      if (head_.compare_exchange_weak(expected, h.with_pop(next).raw(),
                                      std::memory_order_seq_cst, std::memory_order_seq_cst)) {
        index = h.top();
        return true;
      }
      h = Head{expected};
    }
  }

  void push(std::uint32_t index) noexcept {
    Head h{head_.load(std::memory_order_relaxed)};
    for (;;) {
      links_[index].store(h.top(), std::memory_order_relaxed);
      std::uint64_t expected = h.raw();
      if (head_.compare_exchange_weak(expected, h.with_push(index).raw(),
                                      std::memory_order_seq_cst, std::memory_order_relaxed)) {
        return;
      }
      h = Head{expected};
    }
  }

  // Pops up to `max` indices with one CAS: walks `max` links from the top,
  // then swings the head past them. Links read during the walk may be stale
  // if another thread changes the list meanwhile; any such change bumps the
  // tag, so the CAS fails and the walk is redone. Returns how many it took.
  std::uint32_t pop_bulk(std::uint32_t* out, std::uint32_t max) noexcept {
    if (max == 0) return 0;
    Head h{head_.load(std::memory_order_seq_cst)};
    for (;;) {
      if (h.empty()) return 0;
      std::uint32_t n = 0;
      std::uint32_t at = h.top();
      while (n < max && at != kNoSlot) {
        out[n++] = at;
        at = links_[at].load(std::memory_order_relaxed);
      }
      std::uint64_t expected = h.raw();
      if (head_.compare_exchange_weak(expected, Head::make(at, h.tag() + 1).raw(),
                                      std::memory_order_seq_cst, std::memory_order_seq_cst)) {
        return n;
      }
      h = Head{expected};
    }
  }

  // Pushes n indices (in[0] ends on top) with one CAS: links them privately,
  // then swings the head to in[0].
  void push_bulk(const std::uint32_t* in, std::uint32_t n) noexcept {
    if (n == 0) return;
    for (std::uint32_t i = 0; i + 1 < n; ++i) {
      links_[in[i]].store(in[i + 1], std::memory_order_relaxed);
    }
    Head h{head_.load(std::memory_order_relaxed)};
    for (;;) {
      links_[in[n - 1]].store(h.top(), std::memory_order_relaxed);
      std::uint64_t expected = h.raw();
      if (head_.compare_exchange_weak(expected, h.with_push(in[0]).raw(),
                                      std::memory_order_seq_cst, std::memory_order_relaxed)) {
        return;
      }
      h = Head{expected};
    }
  }

  // True when the list is empty at this load: a seq_cst load, as
  // try_pop()'s, so a caller that decides "empty" here decides it at a point
  // in the same order as every push and pop (a failing poll's linearization
  // point, Pool::acquire_impl).
  SAMPLEPOOL_HOT_INLINE bool empty() const noexcept { return Head{head_.load(std::memory_order_seq_cst)}.empty(); }

  // Racy by nature: calls f(index) for the indices on the list, from the
  // top, at most `bound` of them (a walk that races pushes and pops may
  // follow a stale link: it may report an index twice or miss one, and
  // never runs past `bound`). Exact on a list no one is changing. For
  // Pool::holders(), which must tell free slots from held ones.
  template <class F>
  void visit_approx(F&& f, std::uint32_t bound) const noexcept {
    std::uint32_t at = Head{head_.load(std::memory_order_acquire)}.top();  // pairs with push's CAS: its link
    for (std::uint32_t n = 0; n < bound && at != kNoSlot; ++n) {
      f(at);
      at = links_[at].load(std::memory_order_relaxed);
    }
  }

  // Racy by nature: the top index, for tests and debugging.
  Head head_approx() const noexcept { return Head{head_.load(std::memory_order_relaxed)}; }

 private:
  alignas(kCacheLine) std::atomic<std::uint64_t> head_{Head{}.raw()};
  std::unique_ptr<std::atomic<std::uint32_t>[]> links_;  // read-only pointer between resets
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(sizeof(LifoFreeList) == kCacheLine);

}  // namespace samplepool::detail
