// shm/src/attachment.hpp: one process's view of a shared pool.
//
// Purpose: the mapping, the geometry checked at attach (kept here, in this
// process's memory, so that no peer's write can move an address computed
// from it), the addresses of each section, this process's record, and the
// monitor thread. SharedPool and SharedSample hold it by shared_ptr: the
// mapping and the record stay until the pool handle and the last sample
// are gone.
//
// Files: attach.cpp (create, attach, detach), acquire.cpp (acquire, release,
// commit), channel.cpp (publish, receive), reaper.cpp (a dead process's
// clean-up), monitor.cpp (liveness, the name service), stats.cpp.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "samplepool/alloc/memfd.hpp"
#include "samplepool/detail/futex.hpp"
#include "samplepool/shm/detail/layout.hpp"
#include "samplepool/shm/detail/life_word.hpp"
#include "samplepool/shm/shared_pool.hpp"
#include "liveness.hpp"

namespace samplepool::shm::detail {

using samplepool::detail::Deadline;

class Attachment : public std::enable_shared_from_this<Attachment> {
 public:
  // attach.cpp
  static Errc create(const Properties& request, const SharedOptions& options,
                     std::shared_ptr<Attachment>* out) noexcept;
  static Errc attach(int fd, std::shared_ptr<Attachment>* out) noexcept;
  ~Attachment();
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;

  // acquire.cpp
  Errc acquire(SharedSample& out, Deadline deadline, bool may_block) noexcept;
  void release(std::uint32_t index) noexcept;
  Errc commit() noexcept;
  Errc decommit() noexcept;
  // Waits until every owner word is 0: ok or timeout.
  Errc wait_all_free(Deadline deadline) noexcept;

  // channel.cpp
  // One thread of the publishing process at a time (publishing_): the
  // publisher is the rings' only writer of tail and entries. One receiving
  // thread at a time (receiving_): the subscriber is its ring's only writer
  // of head.
  Errc publish(std::uint32_t index, std::uint32_t* delivered) noexcept;
  Errc subscribe() noexcept;
  Errc unsubscribe() noexcept;
  Errc receive(SharedSample& out, Deadline deadline, bool may_block) noexcept;

  // reaper.cpp: reaps record r, seen as `seen` (occupied by a dead process,
  // or being reaped by a dead reaper). False when another process got there
  // first (the CAS on its life word failed).
  bool reap(std::uint32_t r, LifeWord seen) noexcept;
  // Reaps every record whose process is dead now (attach's last resort
  // before busy). Returns how many it reaped.
  std::uint32_t reap_dead_now() noexcept;
  // Record r, seen as `l`, needs a reaper: its process is dead, or it is
  // being reaped by a process that is.
  bool orphaned(std::uint32_t r, LifeWord l) const noexcept;
  // The process record r names (as `life`) has gone: no such pid, or (where
  // it took one) its liveness token is free.
  bool gone(std::uint32_t r, LifeWord life) const noexcept;
  // No process has `pid` (or it is no pid: a scribble). The pid alone: a
  // reused pid reads as alive.
  static bool pid_gone(int pid) noexcept;

  // stats.cpp
  SharedStats stats() const noexcept;

  // Marks the pool broken (here and in the segment) and returns corrupted.
  Errc corrupted() noexcept;
  bool broken() const noexcept;

  // Section access. Indices are checked by the caller against geometry().
  const Geometry& geometry() const noexcept { return g_; }
  Control& control() const noexcept { return *ctl_; }
  Record& record(std::uint32_t r) const noexcept { return records_[r]; }
  Ring& ring(std::uint32_t r) const noexcept { return rings_[r]; }
  std::atomic<std::uint64_t>& owner(std::uint32_t i) const noexcept { return meta_[i].owner; }
  SampleMeta& meta(std::uint32_t i) const noexcept { return meta_[i]; }
  std::byte* data(std::uint32_t i) const noexcept {
    return payload_ + std::size_t{i} * g_.layout.stride + g_.layout.actual.prefix;
  }
  std::atomic<std::uint64_t>& entry(std::uint32_t r, std::uint32_t n) const noexcept {
    return entries_[std::size_t{r} * g_.ring_capacity + (n & (g_.ring_capacity - 1))];
  }
  std::uint32_t me() const noexcept { return me_; }
  bool creator() const noexcept { return creator_; }
  int fd() const noexcept { return seg_.fd(); }
  StateWord state() const noexcept { return StateWord{ctl_->state.load(std::memory_order_seq_cst)}; }

  // Marks sample i free: sets its hint bit and wakes one waiter. Called by
  // whoever cleared its owner word's last bit.
  void mark_free(std::uint32_t i) noexcept;
  // Sets the hint bit of every sample whose owner word is 0 (after a reap:
  // a process may have died between clearing a word and marking it).
  void rebuild_hint() noexcept;
  // Every process's blocked calls re-check: the pool's waiters and every
  // subscriber's.
  void wake_everyone() noexcept;

 private:
  Attachment() = default;
  Errc map(alloc::SharedSegment segment) noexcept;
  Errc take_record(bool as_creator) noexcept;
  Errc start_monitor(int listen_fd) noexcept;  // takes listen_fd
  void detach() noexcept;
  bool claim(std::uint32_t i) noexcept;
  // Clears this process's hold of i, freeing it if that was the last charge.
  // False (and the pool marked broken) when i was not held by us.
  bool give_back(std::uint32_t i) noexcept;
  bool claim_any(std::uint32_t* index) noexcept;
  Errc take_entry(SharedSample& out) noexcept;
  // Frees the publisher slot if record r holds it (one CAS, which moves its
  // generation): true if this call freed it.
  bool leave_slot(std::uint32_t r) noexcept;
  // Ends record r's subscription if it has one: true if this call ended it.
  bool end_subscription(std::uint32_t r) noexcept;
  void clean_orphans_of(std::uint32_t subscriber) noexcept;
  void drop_charges(std::uint32_t r, std::uint64_t charges) noexcept;
  void fold_counters(Record& rec) noexcept;

  alloc::SharedSegment seg_;
  Geometry g_;
  Control* ctl_ = nullptr;
  Record* records_ = nullptr;
  Ring* rings_ = nullptr;
  std::atomic<std::uint64_t>* hint_ = nullptr;
  SampleMeta* meta_ = nullptr;
  std::atomic<std::uint64_t>* entries_ = nullptr;
  std::byte* payload_ = nullptr;

  std::uint32_t me_ = 0;
  LifeWord life_;  // my record's word while attached
  bool creator_ = false;
  std::atomic<bool> broken_{false};
  // The publisher's own: serializes this process's publishes, and guards
  // what it last read of each ring's head (it reloads a head only when the
  // ring looks full, so that a publish does not pull the line the receiver
  // writes on every receive).
  std::mutex publishing_;
  std::uint32_t known_head_[kMaxProcesses] = {};
  // The subscriber's own: one receiving thread at a time takes an entry
  // (channel.cpp); subscribe and unsubscribe wait for it.
  std::mutex receiving_;
  Liveness liveness_;

  class Monitor;
  std::unique_ptr<Monitor> monitor_;
  friend class Monitor;
};

}  // namespace samplepool::shm::detail
