// Who holds a pool's samples: the per-thread id behind the hot path's stamp,
// the scan that groups held samples by thread, and the report's wording.
#include "samplepool/holders.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <new>

#include "samplepool/detail/holder_stamp.hpp"
#include "samplepool/detail/thread_index.hpp"
#include "samplepool/pool.hpp"

namespace samplepool {

namespace detail {

constinit thread_local std::uint32_t tls_holder_id = 0;

std::uint32_t holder_id_slow() noexcept {
  tls_holder_id = static_cast<std::uint32_t>(syscall(SYS_gettid));  // once per thread
  return tls_holder_id;
}

std::uint32_t stamped_thread(std::uint32_t holder) noexcept {
  return (holder & kHolderFromCache) != 0 ? thread_of_cache_offset(holder & ~kHolderFromCache) : holder;
}

}  // namespace detail

namespace {

// The thread's name while it lives (/proc/self/task/TID/comm), else empty.
std::string thread_name(std::uint32_t tid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%u/comm", tid);
  std::string name;
  if (FILE* f = std::fopen(path, "re")) {
    char buf[64] = {};
    if (std::fgets(buf, sizeof buf, f) != nullptr) name = buf;
    std::fclose(f);
  }
  while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
  return name;
}

}  // namespace

std::string HolderReport::describe() const {
  if (holders.empty()) return "no samples held";
  std::string out;
  for (const Holder& h : holders) {
    if (!out.empty()) out += "; ";
    out += h.name.empty() ? "thread " + std::to_string(h.thread_id) : h.name;
    out += " held " + std::to_string(h.samples) + " of " + std::to_string(count) +
           " samples, oldest " + std::to_string(h.oldest_age.count()) + " ms";
  }
  return out;
}

// f(index) for every slot that is built: the initial ones and those of
// ready growth chunks.
template <class F>
void Pool::for_each_slot(F&& f) const {
  for (std::uint32_t i = 0; i < cb_.growth.base; ++i) f(i);
  for (std::uint32_t k = 0; k < cb_.growth.chunks; ++k) {
    // acquire: pairs with the builder's ready store (its headers are built).
    if (cb_.growth.state[k].load(std::memory_order_acquire) == detail::ControlBlock::Growth::kReady) {
      for (std::uint32_t i = cb_.growth.first(k); i < cb_.growth.first(k) + cb_.growth.size(k); ++i) f(i);
    }
  }
}

template <class F>
void Pool::for_each_held(F&& f, const std::vector<bool>* free) const {
  for_each_slot([&](std::uint32_t i) {
    const detail::SampleSlot& s = *cb_.slot_at(i);
    if (s.held().refs.load(std::memory_order_relaxed) != 0 && (free == nullptr || !(*free)[i])) {
      f(detail::stamped_thread(s.held().holder.load(std::memory_order_relaxed)), s.held().since_ms.load(std::memory_order_relaxed));
    }
  });
}

// A sole handle's release leaves its slot's count at 1 (slot.hpp): such a
// slot is free when it sits in a thread cache or, moved on by a flush or a
// sweep, on the (LIFO) list. Racy, as the whole report: a sample moving
// between the walks may be missed, or counted as held.
std::vector<bool> Pool::free_slots_approx() const {
  const std::uint32_t capacity = cb_.growth.capacity;
  std::vector<bool> free(capacity);
  const detail::SampleSlot* slots = cb_.read_mostly.slots;
  caches_.visit_cached([&](std::uintptr_t s) {
    // By address, never through the slot: a stale item may name another
    // layout's memory. A slot of this region only.
    if (std::uint32_t i = 0; detail::slot_index_at(slots, capacity, s, i)) free[i] = true;
  });
  cb_.free.visit_approx([&](std::uint32_t i) { if (i < capacity) free[i] = true; }, capacity);
  return free;
}

// While nothing is in use (the control mutex held, idle): every free slot's
// count to 0, so that reads of the counts alone are exact again (a pool
// starting to keep holder ages: oldest_held_ms()).
void Pool::zero_free_counts_locked() noexcept {
  if (mem_.slots == nullptr) return;
  for_each_slot([this](std::uint32_t i) { cb_.slot_at(i)->held().refs.store(0, std::memory_order_relaxed); });
}

HolderReport Pool::holders() const noexcept {
  HolderReport r;
  // The control mutex keeps the slots from being freed under the scan (it is
  // never held while waiting for another thread).
  std::lock_guard lock(control_);
  if (mem_.slots == nullptr) return r;
  const bool ages = cb_.read_mostly.stamp_time;  // stable under control_
  const std::uint32_t now = detail::coarse_now_ms();
  try {
    const std::vector<bool> free = free_slots_approx();
    for_each_held([&](std::uint32_t tid, std::uint32_t since) {
      // Modulo 2^32: right across the wrap.
      const std::chrono::milliseconds age{ages ? now - since : 0};
      auto it = std::find_if(r.holders.begin(), r.holders.end(),
                             [&](const Holder& h) { return h.thread_id == tid; });
      if (it == r.holders.end()) it = r.holders.insert(r.holders.end(), Holder{tid, {}, 0, age});
      ++it->samples;
      it->oldest_age = std::max(it->oldest_age, age);
      ++r.held;
      r.oldest_age = std::max(r.oldest_age, age);
    }, &free);
    std::sort(r.holders.begin(), r.holders.end(), [](const Holder& a, const Holder& b) {
      return a.samples != b.samples ? a.samples > b.samples : a.oldest_age > b.oldest_age;
    });
    for (Holder& h : r.holders) h.name = thread_name(h.thread_id);
  } catch (const std::bad_alloc&) {
    r.complete = false;
  }
  r.count = cb_.counters.count.load(std::memory_order_relaxed);
  return r;
}

std::uint32_t Pool::oldest_held_ms() const noexcept {
  // No lock (stats() takes none): a lifetime use keeps the slots alive, but
  // only while committed (a decommitted pool's memory may go at any moment
  // the counts read zero); acquire_shared's store-load pair with decommit.
  detail::Lifetime& life = const_cast<detail::Lifetime&>(cb_.hot.life);
  life.enter();
  std::uint32_t oldest = 0;
  if (cb_.read_mostly.state.load().committed() && cb_.read_mostly.stamp_time) {
    const std::uint32_t now = detail::coarse_now_ms();
    // No walk of the free slots: a pool that keeps ages marks no handle
    // sole (PoolAccess::fill), so every release zeroes the count, and the
    // counts alone are exact.
    for_each_held([&](std::uint32_t, std::uint32_t since) { oldest = std::max(oldest, now - since); }, nullptr);
  }
  // Not the last use: the owner (our caller) neither orphaned nor tears down.
  (void)life.leave();
  return oldest;
}

Errc Pool::set_starvation_report(std::chrono::nanoseconds threshold, StarvationCallback callback,
                                 void* context) noexcept {
  std::lock_guard lock(control_);
  if (cb_.read_mostly.state.load().committed()) return Errc::already_committed;
  if (!idle_locked()) return Errc::buffers_outstanding;
  if (callback != nullptr && threshold.count() < 0) return Errc::invalid_argument;
  // Plain stores: no acquire can run until a later commit() publishes them.
  starvation_ = Starvation{callback != nullptr ? threshold : std::chrono::nanoseconds{0}, callback,
                           callback != nullptr ? context : nullptr};
  const bool was = cb_.read_mostly.stamp_time;
  cb_.read_mostly.stamp_time = holder_ages_ || callback != nullptr;  // a report wants ages
  if (cb_.read_mostly.stamp_time && !was) zero_free_counts_locked();  // idle: all free
  return Errc::ok;
}

void Pool::report_starvation(std::chrono::nanoseconds waited) noexcept {
  const HolderReport report = holders();
  starvation_.callback(starvation_.context, report, waited);
}

}  // namespace samplepool
