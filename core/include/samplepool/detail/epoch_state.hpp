// samplepool/detail/epoch_state.hpp: the commit/decommit state word.
//
// Purpose: one 64-bit atomic holds both "is the pool committed" and the epoch
// (how many decommits have happened). An acquire remembers the word it saw on
// entry; it may hand out a sample only while the word is unchanged. So a
// GetBuffer that started before a Decommit fails with not_committed even if a
// Commit follows at once: the word has moved on, though it reads "committed"
// again. (The DirectShow base classes get this wrong: their waiters re-check
// only the committed flag.)
//
// Encoding: raw = 2 * epoch + committed.
//   bit 0      committed
//   bits 1..63 epoch; every Decommit increments it
// Every transition adds one, so the word never repeats (2^63 transitions at
// one a nanosecond is 292 years).
// Invariant: transitions alternate commit, decommit, commit, ...; each asserts
// the state it leaves.
//
// Thread safety: load() from any thread. Transitions are made only by the
// pool's control operations, which are serialized by the pool's control mutex.
//
// Memory ordering: commit_next()/decommit_next() store with seq_cst.
//  - The commit store releases the arena and free list built before it; an
//    acquirer's load (seq_cst, hence also acquire) that sees "committed"
//    sees them initialized.
//  - The decommit store forms a store-load pair with the acquirer's
//    registration: the acquirer increments the lifetime word (or the sleeper
//    count) and then loads this word; decommit stores this word and then
//    loads those counters. seq_cst on all four makes at least one side see
//    the other, so no acquirer slips past a Decommit unseen.
#pragma once

#include <atomic>
#include <cassert>
#include <cstdint>

#include "samplepool/config.hpp"

namespace samplepool::detail {

class EpochState {
 public:
  class Word {
   public:
    constexpr Word() noexcept = default;
    constexpr explicit Word(std::uint64_t raw) noexcept : raw_(raw) {}
    constexpr bool committed() const noexcept { return (raw_ & 1u) != 0; }
    constexpr std::uint64_t epoch() const noexcept { return raw_ >> 1; }
    constexpr std::uint64_t raw() const noexcept { return raw_; }
    constexpr Word with_commit() const noexcept {
      assert(!committed());
      return Word{raw_ + 1};
    }
    constexpr Word with_decommit() const noexcept {
      assert(committed());
      return Word{raw_ + 1};
    }
    friend constexpr bool operator==(Word, Word) noexcept = default;

   private:
    std::uint64_t raw_ = 0;
  };

  Word load() const noexcept { return Word{word_.load(std::memory_order_seq_cst)}; }

  // Control side only (under the pool's control mutex).
  void commit() noexcept { word_.store(load().with_commit().raw(), std::memory_order_seq_cst); }
  void decommit() noexcept {
    word_.store(load().with_decommit().raw(), std::memory_order_seq_cst);
  }

 private:
  std::atomic<std::uint64_t> word_{0};  // starts decommitted, epoch 0
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

}  // namespace samplepool::detail
