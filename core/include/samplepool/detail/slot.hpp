// samplepool/detail/slot.hpp: the per-sample header.
//
// Purpose: everything the pool keeps about one sample, apart from its payload.
// Headers live in their own array (not in front of the payload), so that
// writing a frame never shares a cache line with another thread's refcount,
// and so the payload arena can come from any backend (huge pages, mlock).
//
// Each header is aligned to a cache line: two threads working on neighbouring
// samples never share a line. The first line is hot (refcount, free-list
// link, pointers); the second is the IMediaSample metadata.
//
// Ownership: a slot with refs == 0 is free and belongs to the free list; a
// slot with refs > 0 belongs to its holders. Metadata (flags, times, actual
// length) is written only by holders; a sample shared between threads
// (refs > 1) needs the holders' own synchronization for its setters, as an
// IMediaSample does. The release that returns a slot publishes its metadata
// to the next acquirer through the free list (release push, acquire pop).
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

struct alignas(kCacheLine) SampleSlot {
  // --- hot line: touched by every acquire and release ------------------------
  std::atomic<std::uint32_t> refs{0};        // 0: free (on the free list)
  std::uint32_t index = 0;                   // position in the pool's slot array
  std::uint32_t flags = 0;                   // SampleFlag bits; cleared on recycle
  // Who acquired it and when (holder.hpp): written by the acquirer, on this
  // line it writes anyway; read racily by Pool::holders(). relaxed.
  std::atomic<std::uint32_t> holder{0};      // the acquiring thread's id
  std::byte* data = nullptr;                 // payload, after the prefix
  Pool* pool = nullptr;                      // owner; valid while any reference lives
  std::size_t actual = 0;                    // actual data length; survives recycling
  std::size_t size = 0;                      // granted size (fixed per arena)
  // The owner's thread caches (its CacheSet's array, or null), fixed for the
  // pool's life: the array a release of this sample goes into. The release
  // takes the thread's remembered array when it equals this one and only
  // compares the two (CacheSet::release_array), so that finding the cache
  // does not wait for this line (a miss between cores in a hand-off).
  ThreadCache* caches = nullptr;
  std::uint32_t prefix = 0;                  // prefix bytes before data (fixed per arena; kMaxPrefix)
  std::atomic<std::uint32_t> since_ms{0};    // acquired at (coarse clock, ms, wraps)
  // --- metadata line ----------------------------------------------------------
  alignas(kCacheLine) std::int64_t time_start = 0;
  std::int64_t time_end = 0;
  std::int64_t media_start = 0;
  std::int64_t media_end = 0;
  // Extension area for a layer above the pool (the DirectShow sample object
  // lives here): constructed by that layer on first use, trivially
  // destructible, discarded with the arena. ext_object is null until then.
  void* ext_object = nullptr;
  alignas(8) std::byte ext[16];
  // Debug checks (SAMPLEPOOL_DEBUG_CHECKS): bumped at every recycle, so a
  // handle that remembers an older value is stale. relaxed: a check against
  // a racing recycle may miss, never misfire on a live handle.
  std::atomic<std::uint32_t> generation{0};
};

#if SAMPLEPOOL_DEBUG_CHECKS
// Reports API misuse (a stale handle, a double release) on stderr, naming
// the sample and pool, and aborts.
[[noreturn]] void misuse(const char* what, const SampleSlot* slot) noexcept;
#endif

// Metadata transitions, shared by every API shape (Sample, IMediaSample, C).
// Holder-only: see "Ownership" above.
// A sample going back to the pool (a release, single or bulk): recycling
// clears flags and time validity, the actual length survives; in debug
// builds every older handle is stale from here on.
SAMPLEPOOL_HOT_INLINE void clear_for_reuse(SampleSlot& s) noexcept {
  s.flags = 0;
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

static_assert(sizeof(SampleSlot) == 2 * kCacheLine, "hot line + metadata line");
static_assert(offsetof(SampleSlot, since_ms) < kCacheLine, "the holder stamp rides on the hot line");
static_assert(alignof(SampleSlot) == kCacheLine);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

}  // namespace samplepool::detail
