// Cold paths of the thread caches: refill, flush, the owner's own drain,
// the sweep that reclaims every cache, teardown and thread exit. See
// thread_cache.hpp for the protocol.
#include <time.h>

#include <algorithm>

#include "samplepool/detail/test_hooks.hpp"
#include "samplepool/pool.hpp"

namespace samplepool {

using detail::Lifetime;
using detail::SampleSlot;
using detail::ThreadCache;

namespace {

// Moves every index out of c (its holder has exclusive access) into out.
std::uint32_t take_all(ThreadCache& c, std::uint32_t* out) noexcept {
  const std::uint32_t n = c.count.load(std::memory_order_relaxed);
  for (std::uint32_t k = 0; k < n; ++k) out[k] = c.items[k].load(std::memory_order_relaxed)->index;
  c.count.store(0, std::memory_order_relaxed);
  return n;
}

}  // namespace

std::uint32_t Pool::refill(ThreadCache& c) noexcept {
  detail::run_test_hook(detail::HookPoint::cache_refill);
  // A closer skips this owner (busy) without waiting, so a decommit, a
  // release_memory() and a re-layout can run meanwhile: reserve a lifetime
  // use before reading the arena (the store-load pair acquire_shared makes
  // with them) and refill only while committed.
  hot_.life.enter();
  if (!read_mostly_.state.load().committed()) {
    (void)hot_.life.leave();  // not the last use: teardown waits for busy owners
    return 0;
  }
  std::uint32_t got[kThreadCacheSize];
  const std::uint32_t n = free_.pop_bulk(got, read_mostly_.cache_batch);
  if (n == 0) {
    (void)hot_.life.leave();
    return 0;
  }
  note_high_water(hot_.life.held_from_in_flight(n));  // after the pop: held stays exact
  if (!maybe_cached()) read_mostly_.cached_hint.store(1, std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < n; ++i) c.items[i].store(slot_at(got[i]), std::memory_order_relaxed);
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
  // We are inside the cache (busy) and it keeps samples (count - n > 0, or
  // the one being put): teardown cannot finish meanwhile (it sweeps until
  // no owner is inside), so the plain held decrement before the push is safe.
  hot_.life.sub_held(n);
  free_.push_bulk(out, n);
  wake_.notify_n(n);
  return count - n;
}

void Pool::owner_drain(ThreadCache& c) noexcept {
  if (owner_drain_deferred(c) == Lifetime::LastUse::finalize) finalize();
}

Lifetime::LastUse Pool::owner_drain_deferred(ThreadCache& c) noexcept {
  // Busy: no closer starts draining this cache now (it sees busy), but one
  // that saw us idle just before may be draining it: `draining` decides.
  std::uint32_t out[kThreadCacheSize];
  std::uint32_t n = 0;
  if (c.count.load(std::memory_order_relaxed) != 0 && c.try_lock_drain()) {
    n = take_all(c, out);
    c.unlock_drain();
  }
  if (n == 0) {
    c.leave();
    return Lifetime::LastUse::no;
  }
  // One in-flight use keeps the pool alive from here to the wake, and its
  // end is what tells a waiting teardown (or finalizes an orphan).
  hot_.life.in_flight_from_held(n);
  c.leave();
  free_.push_bulk(out, n);  // release: publishes the cache's samples
  wake_.notify_n(n);
  return hot_.life.leave();
}

std::uint32_t Pool::close_caches() noexcept {
  std::lock_guard lock(sweep_);
  ++closers_;
  return sweep_locked();
}

std::uint32_t Pool::resweep_caches() noexcept {
  std::lock_guard lock(sweep_);
  return sweep_locked();
}

void Pool::release_caches() noexcept {
  std::lock_guard lock(sweep_);
  --closers_;
  reopen_caches_locked();
}

std::uint32_t Pool::sweep_locked() noexcept {
  ThreadCache* caches = caches_.get();
  if (!closed_fenced_) {
    for (std::uint32_t i = 1; i < detail::kCacheEntries; ++i) {
      caches[i].reclaim.store(1, std::memory_order_relaxed);  // ordered by the heavy fence
    }
    if (!detail::asymmetric_heavy_fence()) {
      // No Dekker pair: an owner may be inside without our seeing it. Close
      // for good and never touch another thread's cache again; each owner
      // drains its own at its next enter or leave, or when it exits.
      cache_fallback_.store(true, std::memory_order_relaxed);
    }
    closed_fenced_ = true;  // until reopened, reclaim stays set: no new fence needed
  }
  const bool fallback = cache_fallback_.load(std::memory_order_relaxed);
  const ThreadCache* mine = my_cache();  // the caller's own: never inside a section here
  std::uint32_t total = 0;
  std::uint32_t skipped = 0;
  for (std::uint32_t i = 1; i < detail::kCacheEntries; ++i) {
    ThreadCache& c = caches[i];
    if (fallback && &c != mine) {
      skipped += c.busy.load(std::memory_order_acquire) != 0 ||
                 c.count.load(std::memory_order_relaxed) != 0;
      continue;
    }
    // acquire pairs with the owner's leave(): its writes to the cache are
    // ours to read. An owner inside (busy) drains what it holds itself.
    if (c.busy.load(std::memory_order_acquire) != 0 || !c.try_lock_drain()) {
      ++skipped;
      continue;
    }
    std::uint32_t out[kThreadCacheSize];
    const std::uint32_t n = take_all(c, out);
    c.unlock_drain();
    if (n == 0) continue;
    hot_.life.sub_held(n);  // the caller holds a lifetime use (or is the pool's owner)
    free_.push_bulk(out, n);
    total += n;
  }
  if (total != 0) wake_.notify_n(total);
  // Every cache empty. release: pairs with a poll's acquire load, which then
  // also sees the samples this sweep pushed (it pops again on reading 0).
  if (skipped == 0) read_mostly_.cached_hint.store(0, std::memory_order_release);
  return skipped;
}

void Pool::reopen_caches_locked() noexcept {
  // Open only with no closer left, while committed, without a release
  // callback and while the heavy fence works. commit() and decommit() call
  // this after changing the state, under sweep_, so the last call decides.
  const bool open = read_mostly_.state.load().committed() && closers_ == 0 &&
                    read_mostly_.callback == nullptr && read_mostly_.cache_limit != 0 &&
                    !cache_fallback_.load(std::memory_order_relaxed);
  if (!open) return;  // closed caches stay closed (and fenced)
  for (std::uint32_t i = 1; i < detail::kCacheEntries; ++i) {  // entry 0 stays closed
    caches_[i].reclaim.store(0, std::memory_order_release);  // pairs with enter()'s acquire
  }
  closed_fenced_ = false;
}

void Pool::settle_caches() noexcept {
  // Decommitted: the caches are closed for good. Sweep until no owner is
  // inside and every cache is empty; an owner caught inside drains itself
  // when it leaves. Sleep between sweeps, holding no lock: only teardown and
  // orphaning come here, and they wait for every use of the pool anyway.
  long delay_ns = 20'000;
  while (resweep_caches() != 0) {
    const timespec pause{0, delay_ns};
    nanosleep(&pause, nullptr);
    delay_ns = std::min(delay_ns * 2, 5'000'000L);
  }
}

void Pool::teardown_caches() noexcept {
  settle_caches();
  detail::unregister_cache_user(&cache_user_);
}

bool Pool::drain_exiting(detail::CacheUser* self, std::uint32_t offset) noexcept {
  Pool& pool = *static_cast<Pool*>(self->context);
  auto* base = reinterpret_cast<std::byte*>(pool.caches_.get());
  ThreadCache& c = *reinterpret_cast<ThreadCache*>(base + offset);
  // The exiting owner, busy whether or not the cache is open (enter()'s
  // answer does not matter): it drains under `draining`, as a closed owner does.
  (void)c.enter();
  return pool.owner_drain_deferred(c) == Lifetime::LastUse::finalize;
}

void Pool::finalize_user(detail::CacheUser* self) noexcept {
  static_cast<Pool*>(self->context)->finalize();
}

}  // namespace samplepool
