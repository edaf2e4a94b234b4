// The publish/subscribe channel (attachment.hpp, layout.hpp's Ring, and
// channel_words.hpp for the words named here).
//
// Protocol:
//  - Subscriber r owns ring r: it writes head, the publisher writes tail
//    and the entries. A publish to r: read r's subscription (skip r if it is
//    even: not subscribed), room (tail - head < capacity), then charge r: a
//    CAS adding queued_bit(r) to the owner word, only while r has no charge
//    of the sample (held or queued; else skip r: there is never a bit to
//    take back, bug B), then check r's subscription is the one read (else
//    undo the charge), then write the entry (the sample and that
//    subscription), then store tail, then wake r's sleepers. The charge
//    comes first so that a publisher killed after it leaves a charge its
//    reaper can see (clean_orphans_of).
//  - A receive moves the charge (CAS: queued_bit(me) -> held_bit(me)) before
//    it advances head. An entry of another subscription, or one whose
//    charge is gone (taken back by a reaper), is skipped.
//  - Subscribe/unsubscribe vs. a publish is a store-load pair: the
//    subscriber moves its subscription and then scans the owner words; the
//    publisher charges and then loads the subscription (all seq_cst).
//    Either the publisher sees the change and undoes its charge, or the scan
//    sees the charge and clears it; both may, and clearing twice is
//    harmless. An entry written after both is the old subscription's: every
//    reader ignores it.
//  - One receiving thread of a process at a time (receiving_, process-local,
//    as publishing_ is for publishing threads; subscribe and unsubscribe
//    take it too). With several, a thread that read the entry at head and
//    stalled while another took that entry could move the charge of a
//    later publish of the same sample, leaving that later entry without a
//    charge (found by review after the model's bug D; the model has one
//    receiving thread, which this makes exact). Hence: an entry of the
//    current subscription between head and tail names a sample queued to
//    the subscriber, or the one its receiving thread is taking.
//  - Orphans: a charge queued_bit(r) whose sample is in no entry of r's
//    current subscription between head and tail, left by a publisher killed
//    between its charge and its tail store (or before its undo). Because a
//    receive moves its charge before advancing head, an entry below head
//    never carries a charge; so the dead publisher's reaper, which runs
//    while the dead process still owns the publisher slot (no new entries
//    can appear), reads head, then the entries up to tail, then the owner
//    words, and clears each charge of r it did not find.
//
// Hostile memory: head, tail and every entry of the subscription are
// checked (tail - head at most the capacity, an entry below the count)
// before use.
#include <vector>

#include "attachment.hpp"
#include "samplepool/detail/test_hooks.hpp"
#include "samplepool/shm/detail/channel_words.hpp"
#include "samplepool/shm/detail/owner_word.hpp"

namespace samplepool::shm::detail {

using samplepool::detail::HookPoint;
using samplepool::detail::run_test_hook;

Errc Attachment::publish(std::uint32_t i, std::uint32_t* delivered) noexcept {
  if (delivered) *delivered = 0;
  if (broken()) return Errc::corrupted;
  if (!state().open()) return Errc::not_committed;
  std::atomic<std::uint64_t>& slot = ctl_->channel.publisher;
  for (PublisherWord w{slot.load(std::memory_order_seq_cst)}; !w.held_by(me_);) {
    if (w.holder() != 0) return Errc::busy;
    if (slot.compare_exchange_weak(w.raw, w.taken_by(me_).raw, std::memory_order_seq_cst)) break;
  }
  Record& rec = records_[me_];
  std::lock_guard lock(publishing_);
  std::uint32_t reached = 0;
  for (std::uint32_t r = 0; r < g_.max_processes; ++r) {
    if (r == me_) continue;
    const std::uint32_t subscription = records_[r].subscribed.load(std::memory_order_seq_cst);
    if (!subscribed(subscription)) continue;
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
    std::uint64_t w = owner(i).load(std::memory_order_seq_cst);
    bool charged = false;
    while (!charged && (w & charges_of(r)) == 0) {
      charged = owner(i).compare_exchange_weak(w, w | queued_bit(r), std::memory_order_seq_cst);
    }
    run_test_hook(HookPoint::shm_publish_charged);
    if (!charged) {  // r has it already
      drop();
      continue;
    }
    run_test_hook(HookPoint::shm_publish_midway);
    if (records_[r].subscribed.load(std::memory_order_seq_cst) != subscription) {
      // r left meanwhile: undo. We hold i, so this cannot free it.
      owner(i).fetch_and(~queued_bit(r), std::memory_order_seq_cst);
      continue;
    }
    run_test_hook(HookPoint::shm_publish_checked);
    entry(r, tail).store(Entry::make(i, subscription), std::memory_order_relaxed);
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

bool Attachment::leave_slot(std::uint32_t r) noexcept {
  std::atomic<std::uint64_t>& slot = ctl_->channel.publisher;
  for (PublisherWord w{slot.load(std::memory_order_seq_cst)}; w.held_by(r);) {
    if (slot.compare_exchange_weak(w.raw, w.freed().raw, std::memory_order_seq_cst)) return true;
  }
  return false;
}

Errc Attachment::subscribe() noexcept {
  if (broken()) return Errc::corrupted;
  std::lock_guard lock(receiving_);  // a receive sees one subscription throughout
  Record& rec = records_[me_];
  std::uint32_t subscription = rec.subscribed.load(std::memory_order_relaxed);
  if (subscribed(subscription)) return Errc::ok;
  Ring& ring = rings_[me_];
  // Start at the current tail: what a previous subscription left is not
  // ours (its charges went with its reaping or its unsubscribe).
  ring.head.store(ring.tail.load(std::memory_order_acquire), std::memory_order_seq_cst);
  // A CAS, not a store: a scribbling peer must not make us count backwards.
  rec.subscribed.compare_exchange_strong(subscription, subscription + 1, std::memory_order_seq_cst);
  return Errc::ok;
}

bool Attachment::end_subscription(std::uint32_t r) noexcept {
  std::atomic<std::uint32_t>& word = records_[r].subscribed;
  for (std::uint32_t s = word.load(std::memory_order_seq_cst); subscribed(s);) {
    if (word.compare_exchange_weak(s, s + 1, std::memory_order_seq_cst)) return true;
  }
  return false;
}

Errc Attachment::unsubscribe() noexcept {
  std::lock_guard lock(receiving_);
  if (!end_subscription(me_)) return Errc::ok;
  drop_charges(me_, queued_bit(me_));
  Ring& ring = rings_[me_];
  ring.head.store(ring.tail.load(std::memory_order_acquire), std::memory_order_release);
  return Errc::ok;
}

// One entry, if there is one: ok, timeout (none), or corrupted. One thread
// of the process at a time (receiving_): head is then ours alone to write,
// and the entry at head is the one whose charge we move.
Errc Attachment::take_entry(SharedSample& out) noexcept {
  std::lock_guard lock(receiving_);
  Ring& ring = rings_[me_];
  const std::uint32_t subscription = records_[me_].subscribed.load(std::memory_order_relaxed);  // ours
  for (;;) {
    const std::uint32_t head = ring.head.load(std::memory_order_relaxed);  // ours to write
    const std::uint32_t tail = ring.tail.load(std::memory_order_seq_cst);
    if (tail == head) return Errc::timeout;
    if (tail - head > g_.ring_capacity) return corrupted();
    const std::uint64_t e = entry(me_, head).load(std::memory_order_relaxed);
    const std::uint32_t i = Entry::index(e);
    const bool ours = Entry::subscription(e) == subscription;
    if (ours && i >= g_.count) return corrupted();
    run_test_hook(HookPoint::shm_receive_read);
    bool moved = false;
    if (ours) {
      std::uint64_t w = owner(i).load(std::memory_order_seq_cst);
      while (!moved && (w & queued_bit(me_)) != 0) {
        moved = owner(i).compare_exchange_weak(w, (w & ~queued_bit(me_)) | held_bit(me_),
                                               std::memory_order_seq_cst);
      }
    }
    run_test_hook(HookPoint::shm_receive_midway);
    // release: frees the slot for the publisher (its acquire load of head).
    ring.head.store(head + 1, std::memory_order_release);
    if (moved) {
      records_[me_].received.fetch_add(1, std::memory_order_relaxed);
      out = SharedSample(shared_from_this(), i);
      return Errc::ok;
    }
    // Another subscription's, or taken back (see the protocol).
  }
}

Errc Attachment::receive(SharedSample& out, Deadline deadline, bool may_block) noexcept {
  out.reset();
  if (broken()) return Errc::corrupted;
  if (!subscribed(records_[me_].subscribed.load(std::memory_order_relaxed))) return Errc::invalid_argument;
  Ring& ring = rings_[me_];
  auto generation = [this] {
    return PublisherWord{ctl_->channel.publisher.load(std::memory_order_seq_cst)}.generation();
  };
  const std::uint32_t publishers = generation();
  for (;;) {
    if (const Errc e = take_entry(out); e != Errc::timeout) return e;
    run_test_hook(HookPoint::shm_receive_empty);
    auto ended = [&] {
      const StateWord s = state();
      return !s.committed() || s.closed() || s.broken() || generation() != publishers;
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
  const std::uint32_t subscription = records_[r].subscribed.load(std::memory_order_seq_cst);
  const std::uint32_t head = ring.head.load(std::memory_order_seq_cst);
  const std::uint32_t tail = ring.tail.load(std::memory_order_seq_cst);
  if (tail - head > g_.ring_capacity) {
    (void)corrupted();
    return;
  }
  std::vector<bool> queued(g_.count, false);
  for (std::uint32_t n = head; n != tail; ++n) {
    const std::uint64_t e = entry(r, n).load(std::memory_order_relaxed);
    if (Entry::subscription(e) == subscription && Entry::index(e) < g_.count) queued[Entry::index(e)] = true;
  }
  for (std::uint32_t i = 0; i < g_.count; ++i) {
    if (queued[i] || (owner(i).load(std::memory_order_seq_cst) & queued_bit(r)) == 0) continue;
    const std::uint64_t old = owner(i).fetch_and(~queued_bit(r), std::memory_order_seq_cst);
    if ((old & queued_bit(r)) != 0) ctl_->retired.samples_reclaimed.fetch_add(1, std::memory_order_relaxed);
    if (freed_by(old, queued_bit(r))) mark_free(i);
  }
}

}  // namespace samplepool::shm::detail
