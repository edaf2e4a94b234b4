// Acquire, release, commit and decommit across processes (attachment.hpp).
//
// Protocol (docs/shm.md has the proofs' shape; stress/model/shm.pml checks it):
//  - A sample is free iff its owner word is 0. An acquire claims one with a
//    CAS 0 -> held_bit(me): one atomic step takes it and charges it to this
//    process, so a process killed anywhere in an acquire either holds it
//    (its reaper clears the bit) or does not.
//  - free_hint (a bit per sample) says where free samples probably are: an
//    acquire takes a bit (fetch_and) and tries that sample's CAS; a stale
//    bit costs a failed CAS. When the hint has nothing, the acquire scans
//    the owner words themselves, so a sample freed by a process that died
//    before setting its hint bit is never lost, only slower to find.
//  - Release: fetch_and clears this process's bit; whoever clears the last
//    bit sets the hint bit and wakes one sleeper.
//  - Epoch rule: an acquire keeps the state word it saw first and checks it
//    again after its claim; if it moved (a decommit, a close, a break) the
//    sample goes back and the acquire fails with not_committed.
//
// Memory ordering: the claim CAS, the release fetch_and and the state word
// are seq_cst. Release -> acquire of a sample's data: the release's fetch_and
// (release) is read by the claim's CAS (acquire), directly or through the
// owner word's release sequence. No lost wake-up: a waiter registers in the
// wake channel (seq_cst), then re-reads the owner words and the state
// (seq_cst); a releaser clears its bit (seq_cst), then reads the sleeper
// count (seq_cst, in notify); a decommit stores the state, then notifies all.
// Either the waiter's re-read sees the free sample (or the state), or the
// notifier sees the sleeper and wakes it (wake_channel.hpp).
#include <bit>

#include "attachment.hpp"
#include "samplepool/detail/test_hooks.hpp"
#include "samplepool/shm/detail/owner_word.hpp"

namespace samplepool::shm::detail {

using samplepool::detail::HookPoint;
using samplepool::detail::run_test_hook;

bool Attachment::claim(std::uint32_t i) noexcept {
  std::uint64_t expected = 0;
  return owner(i).load(std::memory_order_seq_cst) == 0 &&
         owner(i).compare_exchange_strong(expected, held_bit(me_), std::memory_order_seq_cst);
}

bool Attachment::claim_any(std::uint32_t* index) noexcept {
  for (std::uint32_t w = 0; w < g_.hint_words; ++w) {
    std::uint64_t bits = hint_[w].load(std::memory_order_relaxed);
    while (bits != 0) {
      const std::uint32_t b = static_cast<std::uint32_t>(std::countr_zero(bits));
      const std::uint64_t bit = std::uint64_t{1} << b;
      // relaxed: the hint orders nothing; the claim CAS does.
      const std::uint64_t old = hint_[w].fetch_and(~bit, std::memory_order_relaxed);
      bits = old & ~bit;
      const std::uint32_t i = w * 64 + b;
      if ((old & bit) != 0 && i < g_.count && claim(i)) {
        *index = i;
        return true;
      }
    }
  }
  // The hint has nothing: the words themselves decide (see above).
  for (std::uint32_t i = 0; i < g_.count; ++i) {
    if (claim(i)) {
      *index = i;
      return true;
    }
  }
  return false;
}

void Attachment::mark_free(std::uint32_t i) noexcept {
  hint_[i / 64].fetch_or(std::uint64_t{1} << (i % 64), std::memory_order_relaxed);
  ctl_->wake.notify_one();
  ctl_->idle.notify_all();  // one load when nobody waits for the pool to drain
}

void Attachment::rebuild_hint() noexcept {
  for (std::uint32_t i = 0; i < g_.count; ++i) {
    if (owner(i).load(std::memory_order_relaxed) == 0) {
      hint_[i / 64].fetch_or(std::uint64_t{1} << (i % 64), std::memory_order_relaxed);
    }
  }
}

void Attachment::release(std::uint32_t i) noexcept {
  if (give_back(i)) records_[me_].releases.fetch_add(1, std::memory_order_relaxed);
}

bool Attachment::give_back(std::uint32_t i) noexcept {
  const std::uint64_t old = owner(i).fetch_and(~held_bit(me_), std::memory_order_seq_cst);
  if ((old & held_bit(me_)) == 0) {
    // Not ours: a peer cleared it (a scribble, or a reaper that thought us
    // dead). Nothing to give back.
    (void)corrupted();
    return false;
  }
  if (freed_by(old, held_bit(me_))) {
    run_test_hook(HookPoint::shm_release_midway);
    mark_free(i);
  }
  return true;
}

Errc Attachment::acquire(SharedSample& out, Deadline deadline, bool may_block) noexcept {
  out.reset();
  Record& rec = records_[me_];
  const StateWord entry = state();
  if (broken_.load(std::memory_order_relaxed) || entry.broken()) return Errc::corrupted;
  auto refuse = [&rec](Errc why) {
    (why == Errc::timeout ? rec.timeouts : rec.not_committed).fetch_add(1, std::memory_order_relaxed);
    return why;
  };
  if (!entry.open()) return refuse(Errc::not_committed);

  std::uint32_t index = 0;
  bool counted_wait = false;
  for (;;) {
    if (claim_any(&index)) break;
    if (!may_block) return refuse(Errc::timeout);
    if (!counted_wait) {
      rec.waits.fetch_add(1, std::memory_order_relaxed);
      counted_wait = true;
    }
    auto& wake = ctl_->wake;
    const auto ticket = wake.prepare();
    rec.sleeping.fetch_add(1, std::memory_order_relaxed);  // after prepare: never above our share
    bool found = claim_any(&index);
    const bool moved = state().raw != entry.raw;
    int r = 0;
    if (!found && !moved) r = wake.wait(ticket, deadline);
    rec.sleeping.fetch_sub(1, std::memory_order_relaxed);  // before cancel, as above
    wake.cancel();
    if (found) break;
    // entry was checked not broken above: only the state now can say so.
    if (moved || state().raw != entry.raw) return refuse(state().broken() ? Errc::corrupted : Errc::not_committed);
    if (r == -ETIMEDOUT) {
      if (claim_any(&index)) break;
      return refuse(Errc::timeout);
    }
  }
  run_test_hook(HookPoint::shm_acquire_claimed);
  if (state().raw != entry.raw) {  // the epoch rule
    (void)give_back(index);  // not a hand-out: not counted as a release
    return refuse(state().broken() ? Errc::corrupted : Errc::not_committed);
  }
  SampleMeta& m = meta_[index];
  m.flags.store(0, std::memory_order_relaxed);  // as Windows recycles: flags and times cleared
  rec.acquires.fetch_add(1, std::memory_order_relaxed);
  out = SharedSample(shared_from_this(), index);
  return Errc::ok;
}

Errc Attachment::commit() noexcept {
  if (!creator_) return Errc::invalid_argument;
  std::uint64_t raw = ctl_->state.load(std::memory_order_seq_cst);
  for (;;) {
    const StateWord s{raw};
    if (s.broken()) return Errc::corrupted;
    if (s.closed()) return Errc::not_committed;
    if (s.committed()) return Errc::ok;
    if (ctl_->state.compare_exchange_weak(raw, raw | StateWord::kCommitted, std::memory_order_seq_cst)) break;
  }
  ctl_->retired.commits.fetch_add(1, std::memory_order_relaxed);
  return Errc::ok;
}

Errc Attachment::decommit() noexcept {
  if (!creator_) return Errc::invalid_argument;
  std::uint64_t raw = ctl_->state.load(std::memory_order_seq_cst);
  for (;;) {
    if (!StateWord{raw}.committed()) return Errc::ok;
    const std::uint64_t next = (raw & ~StateWord::kCommitted) + StateWord::kEpochOne;
    if (ctl_->state.compare_exchange_weak(raw, next, std::memory_order_seq_cst)) break;
  }
  ctl_->retired.decommits.fetch_add(1, std::memory_order_relaxed);
  wake_everyone();  // every blocked acquire and receive, in every process, at once
  return Errc::ok;
}

Errc Attachment::wait_all_free(Deadline deadline) noexcept {
  auto& idle = ctl_->idle;
  for (;;) {
    const auto ticket = idle.prepare();
    bool all = true;
    for (std::uint32_t i = 0; i < g_.count && all; ++i) all = owner(i).load(std::memory_order_seq_cst) == 0;
    if (all) {
      idle.cancel();
      return Errc::ok;
    }
    if (idle.sleep(ticket, deadline) == -ETIMEDOUT) return Errc::timeout;
  }
}

}  // namespace samplepool::shm::detail
