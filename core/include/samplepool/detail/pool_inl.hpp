// samplepool/detail/pool_inl.hpp: Pool's hot paths, inline (included by
// pool.hpp only). The cold halves live in src/pool.cpp; the thread caches'
// in detail/cache_set.hpp and src/cache_set.cpp.
#pragma once


namespace samplepool {
namespace detail {

// Privileged access for the layers above the pool (Sample, the DirectShow
// and C APIs): adopting and detaching raw slot references, and orphaning.
struct PoolAccess {
  // A handle of a raw reference, without the sole mark (it releases through
  // the count).
  static Sample adopt(SampleSlot* s) noexcept { return Sample(s); }
  // Fills a handle the caller has just emptied with a sample it has just
  // acquired, the handle's the only reference: marked sole (sample.hpp)
  // unless `sole` is false, which a pool that keeps holder ages passes
  // (HolderStamp::sole()): its releases must zero the count. Without the
  // move assignment's release of an old value (which the compiler cannot
  // prove empty across the cache handshake's compiler barrier).
  static void fill(Sample& emptied, SampleSlot* s, bool sole) noexcept {
    fill_tagged(emptied, CacheSet::Taken::of(s, sole));
  }
  // The same, with the mark already in the address's low bit (CacheSet::Taken).
  static void fill_tagged(Sample& emptied, CacheSet::Taken t) noexcept {
    static_assert(Sample::kSole == CacheSet::kSoleTag, "a Taken is a handle's bits");
    emptied.bits_ = t.tagged;
#if SAMPLEPOOL_DEBUG_CHECKS
    emptied.generation_ = emptied.slot()->held().generation.load(std::memory_order_relaxed);
#endif
  }
  // Empties the handle and gives its reference to the caller, as a raw one.
  static SampleSlot* detach(Sample& s) noexcept {
    SampleSlot* p = s.slot();
    s.bits_ = 0;
    return p;
  }
  static SampleSlot* peek(const Sample& s) noexcept { return s.slot(); }
  // The pool's shared words, read-only (tests: where a count went).
  static const ControlBlock& control(const Pool& pool) noexcept { return pool.cb_; }
  static bool sole(const Sample& s) noexcept { return (s.bits_ & Sample::kSole) != 0; }
  // The owner gives the pool up without waiting for its samples (only for a
  // thread caught inside its cache, a few instructions): it is decommitted, and the
  // last release (or this call, if nothing is in use) runs finalizer(context),
  // which must destroy the pool. The owner must not touch the pool afterwards.
  static void orphan(Pool& pool, void (*finalizer)(void*), void* context) noexcept;
};

}  // namespace detail

// --- acquire ------------------------------------------------------------------

SAMPLEPOOL_HOT_INLINE Errc Pool::acquire_impl(Sample& out, detail::Deadline deadline, bool may_block) noexcept {
  out.reset();
  // A poll on an empty pool fails on loads alone: no lifetime reservation,
  // no sweep, no system call, and its count goes to a line of this thread's
  // own, its cache entry or, without caches, its slot's counts
  // (slot_counts.hpp), where it holds a slot (control_block.hpp,
  // poll_must_fail).
  // The caller's cache entry is found once, for the poll's test of its own
  // cache and its count (measured: the poll 0.89x the time, the C face's
  // 0.77x, 15 interleaved rounds), and for the take.
  const detail::CacheSet::Own own = detail::CacheSet::own(cb_);
  if (!may_block) {
    if (cb_.poll_must_fail(detail::CacheSet::nothing_cached_elsewhere(cb_, own))) {
      if (!detail::CacheSet::count_timeout(cb_, own)) [[unlikely]] caches_.count_timeout_without_slot();
      return Errc::timeout;
    }
  }
  if (const detail::CacheSet::Taken t = caches_.take_one(cb_, own); t.tagged != 0) [[likely]] {
    detail::PoolAccess::fill_tagged(out, t);
    return Errc::ok;
  }
  // The shared path hands back a slot, not the caller's handle: a handle
  // whose address reached an out-of-line call lives in memory for the whole
  // loop around it, and the round trip then stores and reloads it on its
  // critical chain (measured: 0.91x of the round trip's time without that,
  // 1 thread; 0.76x at 2 threads).
  detail::SampleSlot* s = nullptr;
  const Errc e = acquire_shared(s, deadline, may_block);  // out of line: pool.cpp
  // Stamped here, in the caller's module, not in the library's: there the
  // thread-id TLS read would be a __tls_get_addr call (the library uses the
  // dynamic TLS model so that it can be dlopen()ed), 2.5 ns a FIFO round trip.
  if (e == Errc::ok) {
    const detail::HolderStamp stamp(cb_.read_mostly.stamp_time, detail::holder_id());
    stamp.apply(*s);
    detail::PoolAccess::fill(out, s, stamp.sole());
  }
  return e;
}

// --- bulk ---------------------------------------------------------------------

SAMPLEPOOL_HOT_INLINE Errc Pool::try_acquire_bulk(std::span<Sample> out) noexcept {
  // Handles that still hold samples drop them first. A bulk caller usually
  // passes emptied ones (release_bulk empties them): one OR over the span
  // tells, without a branch per handle, and only then the per-handle pass.
  std::uintptr_t held = 0;
  for (const Sample& s : out) held |= reinterpret_cast<std::uintptr_t>(detail::PoolAccess::peek(s));
  if (held != 0) [[unlikely]] {
    for (Sample& s : out) s.reset();
  }
  // This thread's cache first, straight into the caller's span (k samples
  // there make k a valid size); the shared path checks sizes, looks in the
  // other caches and grows.
  const std::size_t k = out.size();
  if (k != 0 && k <= kThreadCacheSize &&
      caches_.take(cb_, static_cast<std::uint32_t>(k),
                   [out](std::uint32_t i, detail::SampleSlot* s, bool sole) { detail::PoolAccess::fill(out[i], s, sole); }))
      [[likely]] {
    return Errc::ok;
  }
  return acquire_bulk_shared(out);  // out of line: pool.cpp
}

SAMPLEPOOL_HOT_INLINE void Pool::release_bulk(std::span<Sample> samples) noexcept {
  // kMaxBulk samples a section at most: a closer that comes meanwhile skips
  // this owner's cache, which keeps filling (and flushing) until the section
  // ends, and settle() sleeps until it has.
  while (samples.size() > kMaxBulk) [[unlikely]] {
    release_some(samples.first(kMaxBulk));
    samples = samples.subspan(kMaxBulk);
  }
  if (!samples.empty()) release_some(samples);
}

SAMPLEPOOL_HOT_INLINE void Pool::release_some(std::span<Sample> samples) noexcept {
  // Sole-held samples of this pool go from the caller's span straight into
  // this thread's cache, in one section, with no staging copy. The rest
  // (other pools' samples, shared ones) stay in their handles and release
  // one by one once the section has ended. No release callback to look for:
  // an open cache means the pool has none, and it cannot get one while a
  // sample of it is held (set_release_callback needs an idle pool). Where
  // the section does not open (the cache is closed: a waiter, a decommit, a
  // callback, a failed heavy fence; or there is none: FIFO, a small pool, a
  // thread without a cache slot) the shared path takes them all.
  bool rest = false;
  const auto pick = [this, samples, &rest](std::size_t i, auto& keep) noexcept {
    if (detail::SampleSlot* slot = take_sole<false>(samples[i])) [[likely]] {
      keep(slot);
    } else if (detail::PoolAccess::peek(samples[i]) != nullptr) [[unlikely]] {
      rest = true;
    }
  };
  if (!caches_.put_picked(cb_, samples.size(), pick)) [[unlikely]] {
    release_bulk_shared(samples);  // out of line: pool.cpp
    return;
  }
  if (rest) [[unlikely]] {
    for (Sample& s : samples) s.reset();
  }
}

// A bulk release's one step per handle: when the handle is the sole holder
// of a sample of this pool, empties it and returns the sample, free and ready
// for the cache (kShared false) or the shared list (kShared true), which
// publish it as recycle() does; else null, the handle untouched (empty,
// another pool's sample, a shared one, or with kShared a pool with a release
// callback, whose call needs the shared path). A sole-marked handle needs no
// look at the count (sample.hpp); the shared path zeroes it itself. The
// callback is read only once a sample of this pool is in hand: it changes
// only while nothing is in use, and another pool's sample keeps nothing of
// this one in use.
template <bool kShared>
SAMPLEPOOL_HOT_INLINE detail::SampleSlot* Pool::take_sole(Sample& s) noexcept {
  detail::SampleSlot* slot = detail::PoolAccess::peek(s);
  const auto ours = [this](const detail::SampleSlot* p) {
    return p->pool == this && !(kShared && cb_.read_mostly.callback != nullptr);
  };
  // A sole-marked handle is never empty: the usual handle is tested for its
  // mark alone before the header's look.
  if (detail::PoolAccess::sole(s)) [[likely]] {
    assert(slot != nullptr);
    if (slot == nullptr) __builtin_unreachable();  // and the caller's test of the result folds away
    if (!ours(slot)) return nullptr;
  } else {
    if (slot == nullptr || !ours(slot)) return nullptr;
    // acquire: as in drop_ref, other holders' writes happen-before the recycle.
    if (slot->held().refs.load(std::memory_order_acquire) != 1) return nullptr;
    slot->held().refs.store(0, std::memory_order_relaxed);
  }
  detail::PoolAccess::detach(s);
  detail::note_returned(*slot);
  return slot;
}

// --- release ------------------------------------------------------------------

SAMPLEPOOL_HOT_INLINE void Pool::recycle(detail::SampleSlot* s) noexcept {
  detail::note_returned(*s);
  // The caches are closed while a waiter sleeps, while decommitted and in a
  // pool with a release callback (whose call needs the shared path's
  // lifetime reservation): then the shared path pushes and wakes.
  caches_.put(cb_, s, [this](detail::SampleSlot* r) noexcept { recycle_shared(r); });  // out of line: pool.cpp
}

namespace detail {

SAMPLEPOOL_HOT_INLINE std::uint32_t drop_ref(SampleSlot* s) noexcept {
  // Sole holder: nobody else can add a reference (that needs one), so skip
  // the read-modify-write. acquire pairs with other holders' release
  // decrements: their writes to the sample happen-before the recycle.
  const std::uint32_t refs = s->held().refs.load(std::memory_order_acquire);
  if (refs == 1) [[likely]] {
    s->held().refs.store(0, std::memory_order_relaxed);  // published by the recycle
    s->pool->recycle(s);
    return 0;
  }
  return drop_shared_ref(s, refs);  // out of line: pool.cpp
}

// No other reference exists (the handle's sole mark) and none can be made:
// no ordering to pair with, nothing to read, and the count left alone, so
// into this thread's cache without a write to the header (slot.hpp,
// Ownership); the shared path zeroes the count itself (recycle_shared).
// A pool that keeps holder ages marks no handle sole (PoolAccess::fill):
// its stats() (oldest_held_ms) reads the counts with neither a lock nor the
// walk of the caches and the free list that holders() makes.
SAMPLEPOOL_HOT_INLINE void drop_sole(SampleSlot* s) noexcept { s->pool->recycle(s); }

}  // namespace detail
}  // namespace samplepool
