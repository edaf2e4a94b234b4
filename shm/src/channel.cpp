// The publish/subscribe channel (attachment.hpp, layout.hpp's Ring).
//
// Protocol:
//  - Subscriber r owns ring r: it writes head, the publisher writes tail
//    and the entries. A publish to r: room (tail - head < capacity), then
//    charge r (fetch_or queued_bit(r) on the owner word; skip r if it has
//    the sample already, held or queued), then check r is still subscribed
//    (else undo the charge), then write the entry, then store tail, then
//    wake r's sleepers. The charge comes first so that a publisher killed
//    after it leaves a charge its reaper can see (clean_orphans_of).
//  - A receive moves the charge (CAS: queued_bit(me) -> held_bit(me)) before
//    it advances head. An entry whose charge is gone (taken by another
//    thread of the subscriber, or taken back by a reaper or by unsubscribe)
//    is skipped.
//  - Subscribe/unsubscribe vs. a publish is a store-load pair: the
//    subscriber stores `subscribed` and then scans the owner words; the
//    publisher charges and then loads `subscribed` (all seq_cst). Either the
//    publisher sees the change and undoes its charge, or the scan sees the
//    charge and clears it; both may, and clearing twice is harmless.
//  - Orphans: a charge queued_bit(r) whose sample is in no entry of r's ring
//    between head and tail, left by a publisher killed between its charge
//    and its tail store (or before its undo). Because a receive moves its
//    charge before advancing head, an entry below head never carries a
//    charge; so the dead publisher's reaper, which runs while the dead
//    process still owns the publisher slot (no new entries can appear),
//    reads head, then the entries up to tail, then the owner words, and
//    clears each charge of r it did not find.
//
// Hostile memory: head, tail and every entry are checked (tail - head at
// most the capacity, an entry below the count) before use.
#include <vector>

#include "attachment.hpp"
#include "samplepool/detail/test_hooks.hpp"
#include "samplepool/shm/detail/owner_word.hpp"

namespace samplepool::shm::detail {

using samplepool::detail::HookPoint;
using samplepool::detail::run_test_hook;

Errc Attachment::publish(std::uint32_t i, std::uint32_t* delivered) noexcept {
  if (delivered) *delivered = 0;
  if (broken()) return Errc::corrupted;
  if (!state().open()) return Errc::not_committed;
  Control::Channel& ch = ctl_->channel;
  std::uint32_t current = ch.publisher.load(std::memory_order_seq_cst);
  if (current != me_ + 1) {
    std::uint32_t none = 0;
    if (current != 0 || !ch.publisher.compare_exchange_strong(none, me_ + 1, std::memory_order_seq_cst)) {
      return Errc::busy;
    }
  }
  Record& rec = records_[me_];
  std::lock_guard lock(publishing_);
  std::uint32_t reached = 0;
  for (std::uint32_t r = 0; r < g_.max_processes; ++r) {
    if (r == me_ || records_[r].subscribed.load(std::memory_order_seq_cst) == 0) continue;
    Ring& ring = rings_[r];
    const std::uint32_t tail = ring.tail.load(std::memory_order_relaxed);  // ours to write
    // head only grows: a stale copy can only make the ring look fuller.
    std::uint32_t& head = known_head_[r];
    if (tail - head >= g_.ring_capacity) head = ring.head.load(std::memory_order_acquire);
    if (tail - head > g_.ring_capacity) return corrupted();
    auto drop = [&ring] { ring.dropped.fetch_add(1, std::memory_order_relaxed); };
    if (tail - head == g_.ring_capacity) {
      drop();
      continue;
    }
    run_test_hook(HookPoint::shm_publish_charging);
    const std::uint64_t old = owner(i).fetch_or(queued_bit(r), std::memory_order_seq_cst);
    if ((old & charges_of(r)) != 0) {  // r has it already
      if ((old & queued_bit(r)) == 0) owner(i).fetch_and(~queued_bit(r), std::memory_order_seq_cst);
      drop();
      continue;
    }
    run_test_hook(HookPoint::shm_publish_midway);
    if (records_[r].subscribed.load(std::memory_order_seq_cst) == 0) {
      // r left meanwhile: undo. We hold i, so this cannot free it.
      owner(i).fetch_and(~queued_bit(r), std::memory_order_seq_cst);
      continue;
    }
    entry(r, tail).store(i, std::memory_order_relaxed);
    // release (seq_cst): the entry and the sample's data and metadata reach
    // the receiver that reads this tail.
    ring.tail.store(tail + 1, std::memory_order_seq_cst);
    ring.wake.notify_one();
    ++reached;
  }
  rec.published.fetch_add(1, std::memory_order_relaxed);
  if (delivered) *delivered = reached;
  return Errc::ok;
}

Errc Attachment::subscribe() noexcept {
  if (broken()) return Errc::corrupted;
  Record& rec = records_[me_];
  if (rec.subscribed.load(std::memory_order_relaxed) != 0) return Errc::ok;
  Ring& ring = rings_[me_];
  // Start at the current tail: what a previous owner of this record left is
  // not ours (its charges went with its reaping or its unsubscribe).
  ring.head.store(ring.tail.load(std::memory_order_acquire), std::memory_order_seq_cst);
  rec.subscribed.store(1, std::memory_order_seq_cst);
  return Errc::ok;
}

Errc Attachment::unsubscribe() noexcept {
  Record& rec = records_[me_];
  if (rec.subscribed.load(std::memory_order_relaxed) == 0) return Errc::ok;
  rec.subscribed.store(0, std::memory_order_seq_cst);
  drop_charges(me_, queued_bit(me_));
  Ring& ring = rings_[me_];
  ring.head.store(ring.tail.load(std::memory_order_acquire), std::memory_order_release);
  return Errc::ok;
}

// One entry, if there is one: ok, timeout (none), or corrupted. Threads of
// one subscriber may take entries at once: each moves the charge of the
// entry at head (a CAS on the owner word) and then helps head past it (a CAS
// on head); the one whose charge CAS won has the sample. A thread with a
// stale head may take a charge whose entry is further on; that entry is then
// skipped: the charges are the truth, the entries only say where to look.
Errc Attachment::take_entry(SharedSample& out) noexcept {
  Ring& ring = rings_[me_];
  for (;;) {
    std::uint32_t head = ring.head.load(std::memory_order_acquire);
    const std::uint32_t tail = ring.tail.load(std::memory_order_seq_cst);
    if (tail == head) return Errc::timeout;
    if (tail - head > g_.ring_capacity) return corrupted();
    const std::uint32_t i = entry(me_, head).load(std::memory_order_relaxed);
    if (i >= g_.count) return corrupted();
    std::uint64_t w = owner(i).load(std::memory_order_seq_cst);
    bool moved = false;
    while ((w & queued_bit(me_)) != 0) {
      const std::uint64_t next = (w & ~queued_bit(me_)) | held_bit(me_);
      if (owner(i).compare_exchange_weak(w, next, std::memory_order_seq_cst)) {
        moved = true;
        break;
      }
    }
    run_test_hook(HookPoint::shm_receive_midway);
    // release: frees the slot for the publisher (its acquire load of head).
    ring.head.compare_exchange_strong(head, head + 1, std::memory_order_release, std::memory_order_relaxed);
    if (moved) {
      records_[me_].received.fetch_add(1, std::memory_order_relaxed);
      out = SharedSample(shared_from_this(), i);
      return Errc::ok;
    }
    // Taken by another of our threads, or taken back (see the protocol).
  }
}

Errc Attachment::receive(SharedSample& out, Deadline deadline, bool may_block) noexcept {
  out.reset();
  if (broken()) return Errc::corrupted;
  if (records_[me_].subscribed.load(std::memory_order_relaxed) == 0) return Errc::invalid_argument;
  Ring& ring = rings_[me_];
  const std::uint32_t gone = ctl_->channel.publisher_gone.load(std::memory_order_seq_cst);
  for (;;) {
    if (const Errc e = take_entry(out); e != Errc::timeout) return e;
    run_test_hook(HookPoint::shm_receive_empty);
    auto ended = [&] {
      const StateWord s = state();
      return !s.committed() || s.closed() || s.broken() ||
             ctl_->channel.publisher_gone.load(std::memory_order_seq_cst) != gone;
    };
    if (ended()) {
      // What was queued before the end is still delivered: a second look
      // after seeing the end (which every entry published before it precedes).
      if (const Errc e = take_entry(out); e != Errc::timeout) return e;
      return broken() ? Errc::corrupted : Errc::not_committed;
    }
    if (!may_block) return Errc::timeout;
    const auto ticket = ring.wake.prepare();
    const bool ready = ring.tail.load(std::memory_order_seq_cst) != ring.head.load(std::memory_order_relaxed);
    const int r = ready || ended() ? 0 : ring.wake.wait(ticket, deadline);
    ring.wake.cancel();
    if (r == -ETIMEDOUT) {
      const Errc e = take_entry(out);
      return e == Errc::ok || e == Errc::corrupted ? e : Errc::timeout;
    }
  }
}

void Attachment::clean_orphans_of(std::uint32_t r) noexcept {
  Ring& ring = rings_[r];
  const std::uint32_t head = ring.head.load(std::memory_order_seq_cst);
  const std::uint32_t tail = ring.tail.load(std::memory_order_seq_cst);
  if (tail - head > g_.ring_capacity) {
    (void)corrupted();
    return;
  }
  std::vector<bool> queued(g_.count, false);
  for (std::uint32_t n = head; n != tail; ++n) {
    const std::uint32_t i = entry(r, n).load(std::memory_order_relaxed);
    if (i < g_.count) queued[i] = true;
  }
  for (std::uint32_t i = 0; i < g_.count; ++i) {
    if (queued[i] || (owner(i).load(std::memory_order_seq_cst) & queued_bit(r)) == 0) continue;
    const std::uint64_t old = owner(i).fetch_and(~queued_bit(r), std::memory_order_seq_cst);
    if ((old & queued_bit(r)) != 0) ctl_->retired.samples_reclaimed.fetch_add(1, std::memory_order_relaxed);
    if (freed_by(old, queued_bit(r))) mark_free(i);
  }
}

}  // namespace samplepool::shm::detail
