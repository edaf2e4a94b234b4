// samplepool/detail/free_list.hpp: one interface over the free-list policies.
//
// Both policies (lifo_free_list.hpp, fifo_free_list.hpp) provide
//   reset(cap, filled)     room for indices 0..cap-1, filled with 0..filled-1
//                          (a growing pool pushes the rest later); only
//                          while nobody touches the list. reset(n) = reset(n, n)
//   try_pop(index&)        lock-free (FIFO: but for a push preempted
//                          between its claim and its write, which the pop
//                          waits for; fifo_free_list.hpp); false when empty
//   push(index)            lock-free (FIFO: wait-free); never fails, never
//                          drops an index
//   pop_bulk(out, max)     up to max indices; returns how many
//   push_bulk(in, n)       all n; never fails
//   empty()                true when a try_pop now would fail (seq_cst
//                          loads, the last one deciding: one for LIFO, two
//                          for FIFO; no read-modify-write)
// and the same ordering promise: push is a release and a seq_cst point,
// try_pop an acquire and a seq_cst point (the wake channel's store-load pair
// depends on it). FreeList picks one at construction; the branch on the
// policy is perfectly predicted and costs nothing measurable.
#pragma once

#include <concepts>
#include <cstdint>

#include "samplepool/detail/fifo_free_list.hpp"
#include "samplepool/detail/lifo_free_list.hpp"
#include "samplepool/properties.hpp"

namespace samplepool::detail {

template <class L>
concept FreeListPolicyImpl = requires(L l, std::uint32_t i, std::uint32_t* p) {
  l.reset(i);
  l.reset(i, i);
  { l.try_pop(i) } noexcept -> std::same_as<bool>;
  { l.push(i) } noexcept;
  { l.pop_bulk(p, i) } noexcept -> std::same_as<std::uint32_t>;
  { l.push_bulk(p, i) } noexcept;
  { l.empty() } noexcept -> std::same_as<bool>;
};
static_assert(FreeListPolicyImpl<LifoFreeList>);
static_assert(FreeListPolicyImpl<FifoFreeList>);

class FreeList {
 public:
  explicit FreeList(FreeListPolicy policy) noexcept : policy_(policy) {}

  FreeListPolicy policy() const noexcept { return policy_; }

  void reset(std::uint32_t capacity, std::uint32_t filled) {
    if (policy_ == FreeListPolicy::lifo) {
      lifo_.reset(capacity, filled);
    } else {
      fifo_.reset(capacity, filled);
    }
  }
  // Forced inline, as is push: a FIFO pool's every acquire and release
  // (Pool::acquire_shared, recycle_shared). Called out of line, through the
  // library's PLT, each cost a frame of its own and kept acquire_shared's.
  SAMPLEPOOL_HOT_INLINE bool try_pop(std::uint32_t& index) noexcept {
    return policy_ == FreeListPolicy::lifo ? lifo_.try_pop(index) : fifo_.try_pop(index);
  }
  SAMPLEPOOL_HOT_INLINE void push(std::uint32_t index) noexcept {
    if (policy_ == FreeListPolicy::lifo) {
      lifo_.push(index);
    } else {
      fifo_.push(index);
    }
  }
  // Forced inline: a failing poll's list load (ControlBlock::poll_must_fail).
  SAMPLEPOOL_HOT_INLINE bool empty() const noexcept {
    return policy_ == FreeListPolicy::lifo ? lifo_.empty() : fifo_.empty();
  }
  std::uint32_t pop_bulk(std::uint32_t* out, std::uint32_t max) noexcept {
    return policy_ == FreeListPolicy::lifo ? lifo_.pop_bulk(out, max) : fifo_.pop_bulk(out, max);
  }
  // The LIFO list's indices, racy (LifoFreeList::visit_approx). A FIFO list
  // is not walked: only thread caches leave a free slot with a stale count
  // (slot.hpp), and a FIFO pool has none.
  template <class F>
  void visit_approx(F&& f, std::uint32_t bound) const noexcept {
    if (policy_ == FreeListPolicy::lifo) lifo_.visit_approx(f, bound);
  }
  void push_bulk(const std::uint32_t* in, std::uint32_t n) noexcept {
    if (policy_ == FreeListPolicy::lifo) {
      lifo_.push_bulk(in, n);
    } else {
      fifo_.push_bulk(in, n);
    }
  }

 private:
  LifoFreeList lifo_;  // own cache line (head word)
  FifoFreeList fifo_;
  FreeListPolicy policy_;
};

}  // namespace samplepool::detail
