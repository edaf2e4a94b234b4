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

template <class F>
void Pool::for_each_held(F&& f) const noexcept {
  const auto visit = [&](std::uint32_t first, std::uint32_t n) {
    for (std::uint32_t i = first; i < first + n; ++i) {
      const detail::SampleSlot& s = *cb_.slot_at(i);
      if (s.refs.load(std::memory_order_relaxed) != 0) {
        f(detail::stamped_thread(s.holder.load(std::memory_order_relaxed)),
          s.since_ms.load(std::memory_order_relaxed));
      }
    }
  };
  visit(0, cb_.growth.base);
  for (std::uint32_t k = 0; k < cb_.growth.chunks; ++k) {
    // acquire: pairs with the builder's ready store (its headers are built).
    if (cb_.growth.state[k].load(std::memory_order_acquire) == detail::ControlBlock::Growth::kReady) {
      visit(cb_.growth.first(k), cb_.growth.size(k));
    }
  }
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
    });
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
    for_each_held([&](std::uint32_t, std::uint32_t since) { oldest = std::max(oldest, now - since); });
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
  cb_.read_mostly.stamp_time = holder_ages_ || callback != nullptr;  // a report wants ages
  return Errc::ok;
}

void Pool::report_starvation(std::chrono::nanoseconds waited) noexcept {
  const HolderReport report = holders();
  starvation_.callback(starvation_.context, report, waited);
}

}  // namespace samplepool
