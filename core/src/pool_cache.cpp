// Cold paths of the thread caches: refill, flush, hand-over to waiters and
// the sweep that reclaims every cache. See thread_cache.hpp.
#include "samplepool/detail/cpu_relax.hpp"
#include <sched.h>

#include "samplepool/pool.hpp"

namespace samplepool {

using detail::SampleSlot;
using detail::ThreadCache;

std::uint32_t Pool::refill(ThreadCache& c) noexcept {
  std::uint32_t got[kThreadCacheSize];
  const std::uint32_t n = free_.pop_bulk(got, rm_.cache_batch);
  if (n == 0) return 0;
  note_high_water(hot_.life.add_held(n));  // after the pop: held stays exact
  for (std::uint32_t i = 0; i < n; ++i) c.items[i].store(&rm_.slots[got[i]], std::memory_order_relaxed);
  c.count.store(n, std::memory_order_relaxed);
  return n;
}

std::uint32_t Pool::flush(ThreadCache& c, std::uint32_t n) noexcept {
  // The n oldest (coldest) go back; the warm ones stay.
  const std::uint32_t count = c.count.load(std::memory_order_relaxed);
  std::uint32_t out[kThreadCacheSize];
  for (std::uint32_t i = 0; i < n; ++i) out[i] = c.items[i].load(std::memory_order_relaxed)->index;
  for (std::uint32_t i = n; i < count; ++i) {
    c.items[i - n].store(c.items[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
  c.count.store(count - n, std::memory_order_relaxed);
  // We are inside the cache (busy), so no sweep, hence no teardown, can
  // complete meanwhile: the plain held decrement before the push is safe.
  hot_.life.sub_held(n);
  free_.push_bulk(out, n);
  wake_.notify_n(n);
  return count - n;
}

void Pool::close_caches() noexcept {
  if (caches_ == nullptr) return;
  std::lock_guard lock(sweep_);
  ++closers_;
  drain_caches_locked();
}

void Pool::release_caches() noexcept {
  if (caches_ == nullptr) return;
  std::lock_guard lock(sweep_);
  --closers_;
  reopen_caches_locked();
}

void Pool::drain_caches_locked() noexcept {
  ThreadCache* caches = caches_.get();
  for (std::uint32_t i = 1; i < detail::kCacheEntries; ++i) {
    caches[i].reclaim.store(1, std::memory_order_relaxed);  // ordered by the heavy fence
  }
  detail::asymmetric_heavy_fence();
  std::uint32_t total = 0;
  for (std::uint32_t i = 1; i < detail::kCacheEntries; ++i) {
    ThreadCache& c = caches[i];
    // The owner is inside for a few instructions (it never blocks there).
    for (int spins = 0; c.busy.load(std::memory_order_acquire) != 0; ++spins) {
      if (spins < 64) {
        detail::cpu_relax();
      } else {
        sched_yield();
      }
    }
    const std::uint32_t n = c.count.load(std::memory_order_relaxed);
    if (n == 0) continue;
    std::uint32_t out[kThreadCacheSize];
    for (std::uint32_t k = 0; k < n; ++k) out[k] = c.items[k].load(std::memory_order_relaxed)->index;
    c.count.store(0, std::memory_order_relaxed);
    hot_.life.sub_held(n);  // the caller holds a lifetime use (or is the pool's owner)
    free_.push_bulk(out, n);
    total += n;
  }
  if (total != 0) wake_.notify_n(total);
}

void Pool::reopen_caches_locked() noexcept {
  // Open only with no closer left, while committed, and without a release
  // callback. commit() and decommit() call this after changing the state,
  // under sweep_, so the last call decides.
  const bool open = closers_ == 0 && rm_.callback == nullptr && rm_.cache_limit != 0 &&
                    rm_.state.load().committed();
  for (std::uint32_t i = 1; i < detail::kCacheEntries; ++i) {  // entry 0 stays closed
    caches_[i].reclaim.store(open ? 0 : 1, std::memory_order_release);  // pairs with enter()'s acquire
  }
}

}  // namespace samplepool
