// samplepool/detail/free_list.hpp: one interface over the free-list policies.
//
// Both policies (lifo_free_list.hpp, fifo_free_list.hpp) provide
//   reset(slots, n)   fill with 0..n-1; only while nobody touches the list
//   try_pop(index&)   lock-free; false when empty
//   push(index)       lock-free; never fails, never drops an index
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
concept FreeListPolicyImpl = requires(L l, SampleSlot* s, std::uint32_t i) {
  l.reset(s, i);
  { l.try_pop(i) } noexcept -> std::same_as<bool>;
  { l.push(i) } noexcept;
};
static_assert(FreeListPolicyImpl<LifoFreeList>);
static_assert(FreeListPolicyImpl<FifoFreeList>);

class FreeList {
 public:
  explicit FreeList(FreeListPolicy policy) noexcept : policy_(policy) {}

  FreeListPolicy policy() const noexcept { return policy_; }

  void reset(SampleSlot* slots, std::uint32_t n) {
    if (policy_ == FreeListPolicy::lifo) {
      lifo_.reset(slots, n);
    } else {
      fifo_.reset(slots, n);
    }
  }
  bool try_pop(std::uint32_t& index) noexcept {
    return policy_ == FreeListPolicy::lifo ? lifo_.try_pop(index) : fifo_.try_pop(index);
  }
  void push(std::uint32_t index) noexcept {
    if (policy_ == FreeListPolicy::lifo) {
      lifo_.push(index);
    } else {
      fifo_.push(index);
    }
  }

 private:
  LifoFreeList lifo_;  // own cache line (head word)
  FifoFreeList fifo_;
  FreeListPolicy policy_;
};

}  // namespace samplepool::detail
