// samplepool/detail/pool_inl.hpp: Pool's hot paths, inline (included by
// pool.hpp only). The cold halves live in src/pool.cpp and src/pool_cache.cpp.
#pragma once


namespace samplepool {
namespace detail {

// Privileged access for the layers above the pool (Sample, the DirectShow
// and C APIs): adopting and detaching raw slot references, and orphaning.
struct PoolAccess {
  static Sample adopt(SampleSlot* s) noexcept { return Sample(s); }
  static SampleSlot* detach(Sample& s) noexcept {
    SampleSlot* p = s.slot_;
    s.slot_ = nullptr;
    return p;
  }
  static SampleSlot* peek(const Sample& s) noexcept { return s.slot_; }
  // The owner gives the pool up without waiting for its samples (only for a
  // thread caught inside its cache, a few instructions): it is decommitted, and the
  // last release (or this call, if nothing is in use) runs finalizer(context),
  // which must destroy the pool. The owner must not touch the pool afterwards.
  static void orphan(Pool& pool, void (*finalizer)(void*), void* context) noexcept;
};

}  // namespace detail

// --- acquire ------------------------------------------------------------------

inline Errc Pool::acquire_impl(Sample& out, detail::Deadline deadline, bool may_block) noexcept {
  out.reset();
  if (detail::SampleSlot* s = cache_take()) [[likely]] {
    out = detail::PoolAccess::adopt(s);
    return Errc::ok;
  }
  return acquire_shared(out, deadline, may_block);  // out of line: pool.cpp
}

inline void Pool::note_high_water(std::uint32_t held) noexcept {
  if (held > hot_.high_water.load(std::memory_order_relaxed)) [[unlikely]] {
    std::uint64_t hw = hot_.high_water.load(std::memory_order_relaxed);
    while (held > hw &&
           !hot_.high_water.compare_exchange_weak(hw, held, std::memory_order_relaxed)) {
    }
  }
}

// --- thread caches (see thread_cache.hpp for the protocol) ----------------------

// This thread's cache, or null when the pool has none or the thread holds
// no cache slot (then it takes the shared path without touching entry 0,
// which the threads without a slot would otherwise all write).
inline detail::ThreadCache* Pool::my_cache() const noexcept {
  auto* base = reinterpret_cast<std::byte*>(read_mostly_.caches);
  const std::uint32_t offset = detail::cache_offset();
  if (base == nullptr || offset == 0) return nullptr;
  return reinterpret_cast<detail::ThreadCache*>(base + offset);
}

// Opens this thread's section of cache c; when c is closed, drains what a
// closer could not take (owner_drain) and reports false.
inline bool Pool::begin_section(detail::ThreadCache& c) noexcept {
  if (c.enter()) [[likely]] return true;
  owner_drain(c);
  return false;
}

// Ends a section begun by begin_section(): a closer that came meanwhile may
// have skipped this cache, so the owner drains it itself.
inline void Pool::end_section(detail::ThreadCache& c) noexcept {
  if (c.reclaimed()) [[unlikely]] {
    owner_drain(c);
    return;
  }
  c.leave();
}

// Inside this thread's section of c, with n == count >= k: hands out the k
// most recently cached samples and stores the new count. relaxed refs: the
// slots are ours, only we can see them.
inline void Pool::take_cached(detail::ThreadCache& c, std::uint32_t n, std::uint32_t k,
                              detail::SampleSlot** out) noexcept {
  for (std::uint32_t i = 0; i < k; ++i) {
    detail::SampleSlot* s = c.items[n - 1 - i].load(std::memory_order_relaxed);
    s->refs.store(1, std::memory_order_relaxed);
    c.count_acquire();
    out[i] = s;
  }
  c.count.store(n - k, std::memory_order_relaxed);
}

// A sample from this thread's cache, or null (no cache, the cache is closed
// or the pool is decommitted, or the shared list is empty too).
inline detail::SampleSlot* Pool::cache_take() noexcept {
  detail::ThreadCache* cp = my_cache();
  // Open: the pool was committed when the section began. A decommit meanwhile
  // skips this busy owner; refill() checks the state itself.
  if (cp == nullptr || !begin_section(*cp)) return nullptr;
  detail::ThreadCache& c = *cp;
  std::uint32_t n = c.count.load(std::memory_order_relaxed);
  if (n == 0) [[unlikely]] n = refill(c);
  detail::SampleSlot* s = nullptr;
  if (n != 0) [[likely]] take_cached(c, n, 1, &s);
  end_section(c);
  return s;
}

// Puts a released sample into this thread's cache; false when the shared
// path must take it instead.
inline bool Pool::cache_put(detail::SampleSlot* s) noexcept {
  detail::ThreadCache* cp = my_cache();
  if (cp == nullptr || !begin_section(*cp)) return false;
  detail::ThreadCache& c = *cp;
  std::uint32_t n = c.count.load(std::memory_order_relaxed);
  if (n >= read_mostly_.cache_limit) [[unlikely]] n = flush(c, read_mostly_.cache_batch);
  if (n == 0 && !maybe_cached()) [[unlikely]] {
    read_mostly_.cached_hint.store(1, std::memory_order_relaxed);  // before the sample is in
  }
  c.items[n].store(s, std::memory_order_relaxed);
  c.count.store(n + 1, std::memory_order_relaxed);
  end_section(c);
  return true;
}

// --- release ------------------------------------------------------------------

inline void Pool::recycle(detail::SampleSlot* s) noexcept {
  s->flags = 0;  // recycling clears flags and time validity; actual length survives
#if SAMPLEPOOL_DEBUG_CHECKS
  s->generation.fetch_add(1, std::memory_order_relaxed);  // every older handle is stale now
#endif
  // The caches are closed while a waiter sleeps, while decommitted and in a
  // pool with a release callback (whose call needs the shared path's
  // lifetime reservation): then the shared path pushes and wakes.
  if (cache_put(s)) [[likely]] return;
  recycle_shared(s);  // out of line: pool.cpp
}

namespace detail {

inline std::uint32_t drop_ref(SampleSlot* s) noexcept {
  // Sole holder: nobody else can add a reference (that needs one), so skip
  // the read-modify-write. acquire pairs with other holders' release
  // decrements: their writes to the sample happen-before the recycle.
  std::uint32_t refs = s->refs.load(std::memory_order_acquire);
  if (refs == 1) {
    s->refs.store(0, std::memory_order_relaxed);  // published by the recycle
    s->pool->recycle(s);
    return 0;
  }
  if (refs == 0) [[unlikely]] {  // released twice: report, never recycle twice
#if SAMPLEPOOL_DEBUG_CHECKS
    misuse("a sample was released twice", s);
#endif
    s->pool->note_misuse();
    return 0;
  }
  refs = s->refs.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (refs == 0) s->pool->recycle(s);
  return refs;
}

}  // namespace detail
}  // namespace samplepool
