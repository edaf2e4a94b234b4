// Cold paths of the thread caches: construction, refill, flush, the owner's
// own drain, the sweep that reclaims every cache, teardown and thread exit.
// See thread_cache.hpp for the protocol, cache_set.hpp for the interface.
#include "samplepool/detail/cache_set.hpp"

#include <time.h>

#include <algorithm>
#include <cassert>

#include "samplepool/detail/asymmetric_fence.hpp"
#include "samplepool/detail/test_hooks.hpp"

namespace samplepool::detail {

namespace {

// Moves every index out of c (its holder has exclusive access) into out.
std::uint32_t take_all(ThreadCache& c, std::uint32_t* out) noexcept {
  const std::uint32_t n = c.count.load(std::memory_order_relaxed);
  for (std::uint32_t k = 0; k < n; ++k) out[k] = c.items[k].load(std::memory_order_relaxed)->index;
  // release: an owner's acquire load of count that reads this 0 also reads
  // the closed flag set before it (ThreadCache::empty_and_open), in the
  // language's terms and not only through the heavy fence.
  c.count.store(0, std::memory_order_release);
  return n;
}

}  // namespace

CacheSet::CacheSet(ControlBlock& cb, bool wanted, Finalizer finalize, void* context) noexcept
    : cb_(cb), finalize_(finalize), finalize_context_(context) {
  if (wanted && asymmetric_fence_available()) caches_.reset(new (std::nothrow) ThreadCache[kCacheEntries]);
  if (caches_ == nullptr) {  // none wanted or possible: the shared path serves
    // Without memory for these either, failed polls count in the pool.
    slot_counts_.reset(new (std::nothrow) SlotCounts[kCacheEntries]);
    cb_.read_mostly.slot_counts = slot_counts_.get();
    return;
  }
  cb_.read_mostly.caches = caches_.get();
  user_.drain_exiting = &CacheSet::drain_exiting;
  user_.finalize = &CacheSet::finalize_user;
  user_.context = this;
  register_cache_user(&user_);
}

std::uint32_t CacheSet::refill(ThreadCache& c) noexcept {
  run_test_hook(HookPoint::cache_refill);
  // Nothing to take: skip the lifetime reservation's two read-modify-writes
  // on the pool's hottest line (a blocked acquirer's spin and a failing poll
  // come here with the list empty). A push racing this load is missed as a
  // failed pop would miss it.
  if (cb_.free.empty()) return 0;
  // A closer skips this owner (busy) without waiting, so a decommit, a
  // release_memory() and a re-layout can run meanwhile: reserve a lifetime
  // use before reading the arena (the store-load pair acquire_shared makes
  // with them) and refill only while committed.
  cb_.hot.life.enter();
  if (!cb_.read_mostly.state.load().committed()) {
    (void)cb_.hot.life.leave();  // not the last use: teardown waits for busy owners
    return 0;
  }
  // Up to the cache's limit, as DPDK fills its cache: a flush of a thread
  // that only releases pushes a whole cache (flush()), which one pop then
  // takes. (Hand-off, pool of 64, interleaved A/B with that flush: 33.0 ->
  // 28.7 ns a buffer; either change alone moved it 2-3%.)
  std::uint32_t got[kThreadCacheSize];
  const std::uint32_t n = cb_.free.pop_bulk(got, cb_.read_mostly.cache_limit.load(std::memory_order_relaxed));
  if (n == 0) {
    (void)cb_.hot.life.leave();
    return 0;
  }
  cb_.note_high_water(cb_.hot.life.held_from_in_flight(n));  // after the pop: held stays exact
  cb_.note_cached(cache_offset());  // the owner's
  for (std::uint32_t i = 0; i < n; ++i) c.items[i].store(cb_.slot_at(got[i]), std::memory_order_relaxed);
  c.count.store(n, std::memory_order_relaxed);
  return n;
}

std::uint32_t CacheSet::flush(ThreadCache& c, std::uint32_t n) noexcept {
  run_test_hook(HookPoint::cache_flush);
  // The n oldest (coldest) go back; the warm ones stay, unless the owner
  // took nothing from its cache since its last flush: a thread that only
  // releases (a capture pipeline's consumer) has no use for warm samples,
  // and those it parks are the ones an acquiring thread waits for. Then the
  // whole cache goes. (n, the batch, is the caller's argument: the bulk put
  // reads it once a section.)
  const std::uint32_t count = c.count.load(std::memory_order_relaxed);
  const std::uint64_t acquired = c.acquires.load(std::memory_order_relaxed);
  if (acquired == c.acquires_at_flush) n = count;
  c.acquires_at_flush = acquired;
  std::uint32_t out[kThreadCacheSize];
  for (std::uint32_t i = 0; i < n; ++i) out[i] = c.items[i].load(std::memory_order_relaxed)->index;
  for (std::uint32_t i = n; i < count; ++i) {
    c.items[i - n].store(c.items[i].load(std::memory_order_relaxed), std::memory_order_relaxed);
  }
  c.count.store(count - n, std::memory_order_relaxed);
  // We are inside the cache (busy), so teardown cannot finish meanwhile (it
  // sweeps until no owner is inside); and the held count stays above zero:
  // it counts what the cache keeps (count - n) and the sample being put
  // (flush()'s precondition), so no other wait on the count (release_memory,
  // an orphaned pool's last use) can end here. The plain held decrement
  // before the push is safe.
  assert(Lifetime::held(cb_.hot.life.load()) > n && "flush() runs with a sample in hand");
  cb_.hot.life.sub_held(n);
  // In ascending index order: the refill that takes the batch walks its
  // links from the top, one dependent load after another, through link
  // lines this core wrote last. Sorted, that walk and the hand-out after it
  // run through the links, the headers and the payloads in address order,
  // which the hardware prefetchers follow, instead of in the cache's order.
  std::sort(out, out + n);
  cb_.free.push_bulk(out, n);
  cb_.wake.notify_n(n);
  return count - n;
}

void CacheSet::count_timeout_without_slot() noexcept {
  cb_.counters.timeouts.fetch_add(1, std::memory_order_relaxed);
  if (exists() || slot_counts_ != nullptr) claim_cache_slot();
}

void CacheSet::count_acquire_without_slot() noexcept {
  cb_.hot.acquires.fetch_add(1, std::memory_order_relaxed);
  if (slot_counts_ != nullptr) claim_cache_slot();
}

CacheSet::Taken CacheSet::take_slow(ThreadCache& c, std::uint32_t n, std::uint32_t offset) noexcept {
  if (n == 0 && cb_.read_mostly.cache_limit.load(std::memory_order_relaxed) != 0) n = refill(c);
  Taken t;
  if (n != 0) {
    const auto sink = [&t](std::uint32_t, SampleSlot* s, bool sole) { t = Taken::of(s, sole); };
    take_cached(HolderStamp(cb_.read_mostly.stamp_time, kHolderFromCache | offset), c, n, 1, sink);
  }
  end_section(c);
  return t;
}

CacheSet::Taken CacheSet::drain_giving(ThreadCache& c, Taken t) noexcept {
  // A sample in t is the caller's, counted as held: then this is not the
  // pool's last use, and owner_drain() cannot finalize it. With none (the
  // section did not open) it may be, as for any owner's drain.
  owner_drain(c);
  return t;
}

void CacheSet::put_full(ThreadCache& c, SampleSlot* s, std::uint32_t offset) noexcept {
  const std::uint32_t n = flush(c, cb_.read_mostly.cache_batch.load(std::memory_order_relaxed));
  store_and_leave(cb_, c, s, n, offset);
}

void CacheSet::return_own() noexcept {
  ThreadCache* c = mine();
  if (c == nullptr || c->count.load(std::memory_order_relaxed) == 0) return;
  (void)c->enter();  // busy, open or not: the drain decides under `draining`
  owner_drain(*c);
}

void CacheSet::owner_drain(ThreadCache& c) noexcept {
  if (owner_drain_deferred(c) == Lifetime::LastUse::finalize) finalize_(finalize_context_);
}

Lifetime::LastUse CacheSet::owner_drain_deferred(ThreadCache& c) noexcept {
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
  cb_.hot.life.in_flight_from_held(n);
  c.leave();
  cb_.free.push_bulk(out, n);  // release: publishes the cache's samples
  cb_.wake.notify_n(n);
  return cb_.hot.life.leave();
}

std::uint32_t CacheSet::close() noexcept {
  std::lock_guard lock(sweep_);
  ++closers_;
  return sweep_locked();
}

std::uint32_t CacheSet::resweep() noexcept {
  std::lock_guard lock(sweep_);
  return sweep_locked();
}

void CacheSet::release() noexcept {
  std::lock_guard lock(sweep_);
  --closers_;
  reopen_locked();
}

std::uint32_t CacheSet::sweep_locked() noexcept {
  ThreadCache* caches = caches_.get();
  if (!closed_fenced_) {
    for (std::uint32_t i = 1; i < kCacheEntries; ++i) {
      caches[i].reclaim.store(1, std::memory_order_relaxed);  // ordered by the heavy fence
    }
    if (!asymmetric_heavy_fence()) {
      // No Dekker pair: an owner may be inside without our seeing it. Close
      // for good and never touch another thread's cache again; each owner
      // drains its own at its next enter or leave, or when it exits.
      fallback_.store(true, std::memory_order_relaxed);
    }
    closed_fenced_ = true;  // until reopened, reclaim stays set: no new fence needed
  }
  const bool fallback = fallback_.load(std::memory_order_relaxed);
  const ThreadCache* own = mine();  // the caller's own: never inside a section here
  std::uint32_t total = 0;
  std::uint32_t skipped = 0;
  for (std::uint32_t i = 1; i < kCacheEntries; ++i) {
    ThreadCache& c = caches[i];
    if (fallback && &c != own) {
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
    run_test_hook(HookPoint::sweep_drained);
    cb_.hot.life.sub_held(n);  // the caller holds a lifetime use (or is the pool's owner)
    cb_.free.push_bulk(out, n);
    total += n;
  }
  if (total != 0) cb_.wake.notify_n(total);
  // Every cache empty. release: pairs with a poll's acquire load, which then
  // also sees the samples this sweep pushed (it pops again on reading 0).
  if (skipped == 0) cb_.read_mostly.cached_hint.store(0, std::memory_order_release);
  return skipped;
}

void CacheSet::reopen_locked() noexcept {
  // Open only with no closer left, while committed, without a release
  // callback and while the heavy fence works. reopen() (commit) runs after
  // the state store, and decommit's sweep holds sweep_ until its store, so
  // the last state decides.
  const bool open = cb_.read_mostly.state.load().committed() && closers_ == 0 &&
                    cb_.read_mostly.callback == nullptr && cb_.read_mostly.cache_limit.load(std::memory_order_relaxed) != 0 &&
                    !fallback_.load(std::memory_order_relaxed);
  if (!open) return;  // closed caches stay closed (and fenced)
  for (std::uint32_t i = 1; i < kCacheEntries; ++i) {  // entry 0 stays closed
    caches_[i].reclaim.store(0, std::memory_order_release);  // pairs with enter()'s acquire
  }
  closed_fenced_ = false;
}

void CacheSet::reopen() noexcept {
  if (!exists()) return;
  std::lock_guard lock(sweep_);
  reopen_locked();
}

void CacheSet::settle() noexcept {
  if (!exists()) return;
  // Decommitted: the caches are closed for good. Sweep until no owner is
  // inside and every cache is empty; an owner caught inside drains itself
  // when it leaves. Sleep between sweeps, holding no lock: only teardown and
  // orphaning come here, and they wait for every use of the pool anyway.
  long delay_ns = 20'000;
  while (resweep() != 0) {
    const timespec pause{0, delay_ns};
    nanosleep(&pause, nullptr);
    delay_ns = std::min(delay_ns * 2, 5'000'000L);
  }
}

void CacheSet::teardown() noexcept {
  if (!exists()) return;
  settle();
  unregister_cache_user(&user_);
}

bool CacheSet::drain_exiting(CacheUser* self, std::uint32_t offset) noexcept {
  CacheSet& set = *static_cast<CacheSet*>(self->context);
  auto* base = reinterpret_cast<std::byte*>(set.caches_.get());
  ThreadCache& c = *reinterpret_cast<ThreadCache*>(base + offset);
  // The exiting owner, busy whether or not the cache is open (enter()'s
  // answer does not matter): it drains under `draining`, as a closed owner does.
  (void)c.enter();
  return set.owner_drain_deferred(c) == Lifetime::LastUse::finalize;
}

void CacheSet::finalize_user(CacheUser* self) noexcept {
  const CacheSet& set = *static_cast<CacheSet*>(self->context);
  set.finalize_(set.finalize_context_);
}

CacheSet::Totals CacheSet::totals() const noexcept {
  Totals t;
  if (const ThreadCache* caches = caches_.get()) {
    for (std::uint32_t i = 1; i < kCacheEntries; ++i) {
      t.cached += caches[i].count.load(std::memory_order_relaxed);
      t.acquires += caches[i].acquires.load(std::memory_order_relaxed);
      t.timeouts += caches[i].timeouts.load(std::memory_order_relaxed);
    }
  }
  if (const SlotCounts* counts = slot_counts_.get()) {
    for (std::uint32_t i = 1; i < kCacheEntries; ++i) {
      t.timeouts += counts[i].failed.load(std::memory_order_relaxed);
      t.acquires += counts[i].acquires.load(std::memory_order_relaxed);
    }
  }
  return t;
}

}  // namespace samplepool::detail
