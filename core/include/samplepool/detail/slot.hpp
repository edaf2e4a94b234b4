// samplepool/detail/slot.hpp: the per-sample header.
//
// Purpose: everything the pool keeps about one sample, apart from its payload.
// Headers live in their own array (not in front of the payload), so that
// writing a frame never shares a cache line with another thread's refcount,
// and so the payload arena can come from any backend (huge pages, mlock).
//
// Each header is aligned to a prefetch pair (128 bytes, config.hpp): two
// threads working on neighbouring samples never share a line, nor the pair
// the spatial prefetcher moves together (one header's holder's line and the
// next one's fixed line would otherwise be such a pair, about half the
// time, by where the array happened to start). It has two lines, split by
// who writes them:
//  - the fixed line: where the sample is and whose it is (index, payload,
//    pool, caches) and the extension area, written when the slot is built
//    (the extension once more, on its first use) and only read after that;
//  - the holder's line: the count, the flags, the holder stamp and the
//    IMediaSample metadata, written by the acquirer and the holders.
// A sole handle's release into its thread cache reads only the fixed line and
// writes nothing (see Ownership; a release through the count writes the
// count too, and in a pool that keeps holder ages no handle is sole): in a capture hand-off the
// consumer then finds everything it reads in a line no one writes, instead
// of pulling the line the producer's acquire has just written (measured:
// 0.80x of the hand-off's time, 10 interleaved rounds; releases that wrote
// nothing but still read the pool and cache pointers from the line the
// acquirer writes, in the old one-line layout: no change).
//
// Ownership: a slot with refs > 0 belongs to its holders; a free slot (on the
// free list or in a thread cache) belongs to the pool. refs is exact while
// the slot is held; a free slot's refs is 0, or still 1 where a sole
// handle's release put it into a thread cache without touching the header
// (Sample's sole mark): such a slot may then move on to the shared list
// with that stale 1, and Pool::holders() tells it from a held one by where
// it is. Every acquire stores refs = 1 and clears the flags (so a recycled
// sample's flags and time validity are cleared, as Windows does). Metadata
// (flags, times, actual length) is written only by holders; a sample shared
// between threads (refs > 1) needs the holders' own synchronization for its
// setters, as an IMediaSample does. The release that returns a slot
// publishes its metadata to the next acquirer through the free list
// (release push, acquire pop) or, within a thread, by program order.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "samplepool/config.hpp"

namespace samplepool {
class Pool;
}

namespace samplepool::detail {

struct ThreadCache;

inline constexpr std::uint32_t kNoSlot = 0xffff'ffffu;

// Sample flag bits (SampleSlot::flags).
enum SampleFlag : std::uint32_t {
  kSyncPoint = 1u << 0,
  kPreroll = 1u << 1,
  kDiscontinuity = 1u << 2,
  kTimeValid = 1u << 3,
  kStopValid = 1u << 4,
  kMediaTimeValid = 1u << 5,
};

struct alignas(kPrefetchPair) SampleSlot {
  // --- fixed line: built with the slot, then only read -------------------------
  std::uint32_t index = 0;                   // position in the pool's slot array
  std::uint32_t prefix = 0;                  // prefix bytes before data (fixed per arena; kMaxPrefix)
  std::byte* data = nullptr;                 // payload, after the prefix
  Pool* pool = nullptr;                      // owner; valid while any reference lives
  std::size_t size = 0;                      // granted size (fixed per arena)
  // The owner's thread caches (its CacheSet's array, or null), fixed for the
  // pool's life: the array a release of this sample goes into. The release
  // takes the thread's remembered array when it equals this one and only
  // compares the two (CacheSet::release_entry), so that finding the cache
  // does not wait for this line.
  ThreadCache* caches = nullptr;
  // Extension area for a layer above the pool (the DirectShow sample object
  // lives here): constructed by that layer on first use (a holder, once),
  // then only read; trivially destructible, discarded with the arena.
  // ext_object is null until then.
  void* ext_object = nullptr;
  alignas(8) std::byte ext[16];
  // --- holder's line: written by the acquirer and the holders ---------------------
  alignas(kCacheLine) std::atomic<std::uint32_t> refs{0};  // see Ownership above
  std::uint32_t flags = 0;                   // SampleFlag bits; cleared by every acquire
  // Who acquired it and when (holder.hpp): written by the acquirer, on this
  // line it writes anyway; read racily by Pool::holders(). relaxed.
  std::atomic<std::uint32_t> holder{0};      // the acquiring thread's id
  std::atomic<std::uint32_t> since_ms{0};    // acquired at (coarse clock, ms, wraps)
  std::size_t actual = 0;                    // actual data length; survives recycling
  std::int64_t time_start = 0;
  std::int64_t time_end = 0;
  std::int64_t media_start = 0;
  std::int64_t media_end = 0;
  // Debug checks (SAMPLEPOOL_DEBUG_CHECKS): bumped at every release that
  // returns the sample, so a handle that remembers an older value is stale.
  // relaxed: a check against a racing recycle may miss, never misfire on a
  // live handle.
  std::atomic<std::uint32_t> generation{0};
};

#if SAMPLEPOOL_DEBUG_CHECKS
// Reports API misuse (a stale handle, a double release) on stderr, naming
// the sample and pool, and aborts.
[[noreturn]] void misuse(const char* what, const SampleSlot* slot) noexcept;
#endif

// Metadata transitions, shared by every API shape (Sample, IMediaSample, C).
// Holder-only: see "Ownership" above.
// A sample handed out (every acquire path, from a cache or the shared list):
// held by one, its flags and time validity cleared; the actual length survives.
// relaxed: the slot is the acquirer's alone until it hands the Sample on.
SAMPLEPOOL_HOT_INLINE void mark_acquired(SampleSlot& s) noexcept {
  s.refs.store(1, std::memory_order_relaxed);
  s.flags = 0;
}
// A sample going back to the pool (a release, single or bulk): in debug
// builds every older handle is stale from here on. Nothing else: the next
// acquire clears what a recycled sample must not carry over (mark_acquired).
SAMPLEPOOL_HOT_INLINE void note_returned([[maybe_unused]] SampleSlot& s) noexcept {
#if SAMPLEPOOL_DEBUG_CHECKS
  s.generation.fetch_add(1, std::memory_order_relaxed);
#endif
}

inline bool has_flag(const SampleSlot& s, std::uint32_t bit) noexcept { return (s.flags & bit) != 0; }
inline void set_flags(SampleSlot& s, std::uint32_t on, std::uint32_t off) noexcept {
  s.flags = (s.flags & ~off) | on;
}
inline void set_flag(SampleSlot& s, std::uint32_t bit, bool on) noexcept {
  set_flags(s, on ? bit : 0, on ? 0 : bit);
}
inline void set_start_time(SampleSlot& s, std::int64_t start) noexcept {
  s.time_start = start;
  set_flags(s, kTimeValid, kStopValid);
}
inline void set_time(SampleSlot& s, std::int64_t start, std::int64_t stop) noexcept {
  s.time_start = start;
  s.time_end = stop;
  set_flags(s, kTimeValid | kStopValid, 0);
}
inline void clear_time(SampleSlot& s) noexcept { set_flags(s, 0, kTimeValid | kStopValid); }
inline void set_media_time(SampleSlot& s, std::int64_t start, std::int64_t stop) noexcept {
  s.media_start = start;
  s.media_end = stop;
  set_flags(s, kMediaTimeValid, 0);
}
inline void clear_media_time(SampleSlot& s) noexcept { set_flags(s, 0, kMediaTimeValid); }
// False (and no change) when n exceeds the sample's size.
inline bool set_actual_length(SampleSlot& s, std::size_t n) noexcept {
  if (n > s.size) return false;
  s.actual = n;
  return true;
}

static_assert(sizeof(SampleSlot) == 2 * kCacheLine, "fixed line + holder's line");
static_assert(offsetof(SampleSlot, refs) == kCacheLine && offsetof(SampleSlot, generation) < 2 * kCacheLine,
              "everything an acquirer or a holder writes is on the holder's line");
static_assert(alignof(SampleSlot) == kPrefetchPair, "a header's two lines are one prefetch pair (config.hpp)");
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

}  // namespace samplepool::detail
