// Cleaning up after a dead process (attachment.hpp).
//
// Whoever first sees a process dead (its monitor's pidfd, or an attach that
// found no free record) takes its record with a CAS (occupied -> reaping by
// me) and then, in this order:
//  1. if it was the publisher: clears its orphaned charges (those no ring
//     entry of its subscription names, channel.cpp; and every charge to a
//     process that is not subscribed any more), then frees the publisher
//     slot, which moves its generation and so ends blocked receives;
//  2. ends its subscription (a publisher that charged it after this CAS
//     undoes its charge, or the next step clears it: channel.cpp's pair);
//  3. clears its bits from every owner word; a word that becomes 0 is a
//     sample back in the pool;
//  4. takes its sleepers out of the wake channel's count;
//  5. rebuilds the free hint (it may have died between clearing a word and
//     setting the hint) and wakes every waiter;
//  6. if it was the creator, closes the pool;
//  7. folds its counters into the retired totals and frees the record.
// Every step is idempotent, so a reaper that dies midway is replaced (its
// own record is reaped, and a monitor that finds a record "reaping" by a
// dead process takes it over with a CAS) and the newcomer starts again. The
// reaping word names the reaper's record and that record's generation, so a
// reaper whose record was freed and taken by a new process before anyone
// looked is still seen gone (orphaned(); found reading this file: "bug E").
#include <unistd.h>

#include <bit>

#include "attachment.hpp"
#include "samplepool/shm/detail/channel_words.hpp"
#include "samplepool/shm/detail/owner_word.hpp"

namespace samplepool::shm::detail {

void Attachment::drop_charges(std::uint32_t r, std::uint64_t charges) noexcept {
  std::uint64_t dropped = 0;
  for (std::uint32_t i = 0; i < g_.count; ++i) {
    if ((owner(i).load(std::memory_order_seq_cst) & charges) == 0) continue;
    const std::uint64_t old = owner(i).fetch_and(~charges, std::memory_order_seq_cst);
    dropped += static_cast<std::uint64_t>(std::popcount(old & charges));
    if (freed_by(old, charges)) mark_free(i);
  }
  if (r != me_ || life_.state() != LifeWord::kAlive) {
    ctl_->retired.samples_reclaimed.fetch_add(dropped, std::memory_order_relaxed);
  }
}

bool Attachment::reap(std::uint32_t r, LifeWord seen) noexcept {
  Record& rec = records_[r];
  // Without a record of our own (attach's last resort), our pid says who
  // reaps; with one, our record and its generation.
  const LifeWord mine = life_.state() == LifeWord::kAlive ? seen.reaped_by(me_, life_)
                                                          : seen.reaped_by_process(static_cast<int>(getpid()));
  if (!rec.life.compare_exchange_strong(seen.raw, mine.raw, std::memory_order_acq_rel)) return false;

  Control& c = *ctl_;
  if (PublisherWord{c.channel.publisher.load(std::memory_order_seq_cst)}.held_by(r)) {
    // Its charges without an entry: in a subscriber's ring, those no entry
    // names; to a process no longer subscribed (it left, or was reaped,
    // after the charge and before the dead publisher's undo), every one.
    // No other publisher can charge anyone until the slot is freed below.
    for (std::uint32_t s = 0; s < g_.max_processes; ++s) {
      if (s == r) continue;
      if (subscribed(records_[s].subscribed.load(std::memory_order_seq_cst))) {
        clean_orphans_of(s);
      } else {
        drop_charges(s, queued_bit(s));
      }
    }
    (void)leave_slot(r);  // its generation moves: blocked receives end
  }
  (void)end_subscription(r);
  drop_charges(r, charges_of(r));
  c.wake.forget_sleepers(rec.sleeping.exchange(0, std::memory_order_relaxed));
  rebuild_hint();
  if (r == 0) c.state.fetch_or(StateWord::kClosed, std::memory_order_seq_cst);
  wake_everyone();
  fold_counters(rec);
  c.retired.processes_reaped.fetch_add(1, std::memory_order_relaxed);
  // release: the next owner of the record sees it clean. A CAS: a reaper
  // we were wrongly thought dead by may have taken over; one frees it.
  std::uint64_t expected = mine.raw;
  rec.life.compare_exchange_strong(expected, mine.freed().raw, std::memory_order_release);
  return true;
}

bool Attachment::orphaned(std::uint32_t r, LifeWord l) const noexcept {
  if (l.occupied()) return gone(r, l);
  if (l.state() != LifeWord::kReaping) return false;
  if (l.reaper_has_no_record()) return pid_gone(l.pid());
  const std::uint32_t x = l.reaper();
  if (x >= g_.max_processes) return true;  // a scribble: nobody is reaping it
  const LifeWord by{records_[x].life.load(std::memory_order_acquire)};
  // Record x freed, or freed and taken again since the reaping began: its
  // reaper has gone (the record's generation moved).
  if (!l.reaper_is(by)) return true;
  if (x == me_ && life_.state() == LifeWord::kAlive) return false;  // ours, under way on another thread
  return gone(x, by);
}

std::uint32_t Attachment::reap_dead_now() noexcept {
  std::uint32_t reaped = 0;
  for (std::uint32_t r = 0; r < g_.max_processes; ++r) {
    if (r == me_ && life_.state() == LifeWord::kAlive) continue;
    const LifeWord l{records_[r].life.load(std::memory_order_acquire)};
    if (orphaned(r, l) && reap(r, l)) ++reaped;
  }
  return reaped;
}

}  // namespace samplepool::shm::detail
