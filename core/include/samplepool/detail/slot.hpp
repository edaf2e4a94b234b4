// samplepool/detail/slot.hpp: the per-sample header.
//
// Purpose: everything the pool keeps about one sample, apart from its payload.
// Headers live in their own region (not in front of the payload), so that
// writing a frame never shares a cache line with another thread's refcount,
// and so the payload arena can come from any backend (huge pages, mlock).
//
// A header has two cache lines, split by who writes them:
//  - the fixed line (SampleSlot, the address a handle holds): where the
//    sample is and whose it is (index, payload, pool, caches) and the
//    extension area, written when the slot is built (the extension once
//    more, on its first use) and only read after that;
//  - the holder's line (HolderLine, held()): the count, the flags, the
//    holder stamp and the IMediaSample metadata, written by the acquirer and
//    the holders.
// The two lie in different pages (kHolderLineOffset, a page and a line), so
// that the fixed lines and the holders' lines fill pages of their own (the
// slot region, below). In a capture hand-off the consumer reads only fixed
// lines and the producer writes holders' lines; with both in one page the
// hardware prefetchers (which work within a page) pulled lines of the other
// kind into each core, and the producer's stamps took their lines back from
// the consumer's core. Measured on the Intel Cascade Lake VM
// (tools/ab_inproc.sh): takes that skipped the stamps (an unsafe
// experiment) ran the hand-off in 0.79x the time; these pages, 0.86x; a
// 256-byte header with its two lines in separate 128-byte pairs of one page,
// 0.99x. The cost: 256 bytes a header instead of 128, and a bulk of 32 took
// 1.11x the time (its instruction count unchanged).
// Each fixed line starts a prefetch pair (128 bytes, config.hpp), and each
// holder's line is the second half of a pair whose first half is unused:
// two threads working on neighbouring samples never share a line, nor the
// pair the spatial prefetcher moves together.
// A sole handle's release into its thread cache reads only the fixed line and
// writes nothing (see Ownership; a release through the count writes the
// count too, and in a pool that keeps holder ages no handle is sole).
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
//
// The slot region: blocks of two pages, kSlotsPerBlock samples each; the
// first page holds their fixed lines (128 bytes apart), the second their
// holders' lines, one line further in. Slot i is at block i / kSlotsPerBlock,
// position i % kSlotsPerBlock (slot_in); the region is page-aligned (the
// arena refuses memory aligned less than asked, arena.hpp), and a
// fixed line and its holder's line are kHolderLineOffset apart, a constant:
// held() folds into the addressing.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

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

// The holder's line: written by the acquirer and the holders (Ownership).
struct alignas(kCacheLine) HolderLine {
  std::atomic<std::uint32_t> refs{0};  // see Ownership above
  std::uint32_t flags = 0;             // SampleFlag bits; cleared by every acquire
  // Who acquired it and when (holder.hpp): written by the acquirer, on this
  // line it writes anyway; read racily by Pool::holders(). relaxed.
  std::atomic<std::uint32_t> holder{0};    // the acquiring thread's id
  std::atomic<std::uint32_t> since_ms{0};  // acquired at (coarse clock, ms, wraps)
  std::size_t actual = 0;                  // actual data length; survives recycling
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

// The holders' lines lie a page and a line after their fixed lines: in the
// next page, and in the other half of the prefetch pair, so that a fixed
// line and its holder's line fall into different sets of a cache indexed
// by the address bits below the page (as the L1 is) instead of all of them
// crowding half of its sets. (Measured: no different from a page alone; the
// bulk of 32's 1.11-1.14x is the same either way.)
inline constexpr std::size_t kPage = 4096;
inline constexpr std::size_t kHolderLineOffset = kPage + kCacheLine;

// The fixed line, and the address of the whole header.
struct alignas(kPrefetchPair) SampleSlot {
  std::uint32_t index = 0;                   // position in the pool's slot region
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

  // This header's holder's line (a slot is only ever built by build_slot).
  SAMPLEPOOL_HOT_INLINE HolderLine& held() const noexcept {
    auto* self = reinterpret_cast<std::byte*>(const_cast<SampleSlot*>(this));
    return *std::launder(reinterpret_cast<HolderLine*>(self + kHolderLineOffset));
  }
};

inline constexpr std::uint32_t kSlotsPerBlock = kPage / sizeof(SampleSlot);
inline constexpr std::size_t kSlotBlockBytes = 2 * kPage;
inline constexpr std::size_t kSlotRegionAlignment = kPage;

// Bytes of a region for `capacity` slots (whole blocks).
constexpr std::size_t slot_region_bytes(std::uint32_t capacity) noexcept {
  return (std::size_t{capacity} + kSlotsPerBlock - 1) / kSlotsPerBlock * kSlotBlockBytes;
}
// Slot i of a region (its first slot's address, kSlotRegionAlignment-aligned).
SAMPLEPOOL_HOT_INLINE SampleSlot* slot_in(SampleSlot* region, std::uint32_t i) noexcept {
  return reinterpret_cast<SampleSlot*>(reinterpret_cast<std::byte*>(region) +
                                       std::size_t{i / kSlotsPerBlock} * kSlotBlockBytes +
                                       std::size_t{i % kSlotsPerBlock} * sizeof(SampleSlot));
}
// The index of the slot at `address` in a region of `capacity` slots, or
// false when no slot of it starts there (found by the address alone, never
// read through it: Pool::free_slots_approx).
inline bool slot_index_at(const SampleSlot* region, std::uint32_t capacity, std::uintptr_t address,
                          std::uint32_t& index) noexcept {
  const std::uintptr_t offset = address - reinterpret_cast<std::uintptr_t>(region);  // wraps when below
  const std::uintptr_t block = offset / kSlotBlockBytes;
  const std::uintptr_t within = offset % kSlotBlockBytes;
  if (within >= kPage || within % sizeof(SampleSlot) != 0) return false;
  const std::uintptr_t i = block * kSlotsPerBlock + within / sizeof(SampleSlot);
  if (i >= capacity) return false;
  index = static_cast<std::uint32_t>(i);
  return true;
}
// Builds the header (both lines) of a slot of a region; destroy_slot ends it.
inline SampleSlot* build_slot(SampleSlot* at) noexcept {
  SampleSlot* s = new (at) SampleSlot;
  new (reinterpret_cast<std::byte*>(s) + kHolderLineOffset) HolderLine;
  return s;
}
inline void destroy_slot(SampleSlot* s) noexcept {
  s->held().~HolderLine();
  s->~SampleSlot();
}

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
  s.held().refs.store(1, std::memory_order_relaxed);
  s.held().flags = 0;
}
// A sample going back to the pool (a release, single or bulk): in debug
// builds every older handle is stale from here on. Nothing else: the next
// acquire clears what a recycled sample must not carry over (mark_acquired).
SAMPLEPOOL_HOT_INLINE void note_returned([[maybe_unused]] SampleSlot& s) noexcept {
#if SAMPLEPOOL_DEBUG_CHECKS
  s.held().generation.fetch_add(1, std::memory_order_relaxed);
#endif
}

inline bool has_flag(const SampleSlot& s, std::uint32_t bit) noexcept { return (s.held().flags & bit) != 0; }
inline void set_flags(SampleSlot& s, std::uint32_t on, std::uint32_t off) noexcept {
  HolderLine& h = s.held();
  h.flags = (h.flags & ~off) | on;
}
inline void set_flag(SampleSlot& s, std::uint32_t bit, bool on) noexcept {
  set_flags(s, on ? bit : 0, on ? 0 : bit);
}
inline void set_start_time(SampleSlot& s, std::int64_t start) noexcept {
  s.held().time_start = start;
  set_flags(s, kTimeValid, kStopValid);
}
inline void set_time(SampleSlot& s, std::int64_t start, std::int64_t stop) noexcept {
  s.held().time_start = start;
  s.held().time_end = stop;
  set_flags(s, kTimeValid | kStopValid, 0);
}
inline void clear_time(SampleSlot& s) noexcept { set_flags(s, 0, kTimeValid | kStopValid); }
inline void set_media_time(SampleSlot& s, std::int64_t start, std::int64_t stop) noexcept {
  s.held().media_start = start;
  s.held().media_end = stop;
  set_flags(s, kMediaTimeValid, 0);
}
inline void clear_media_time(SampleSlot& s) noexcept { set_flags(s, 0, kMediaTimeValid); }
// False (and no change) when n exceeds the sample's size.
inline bool set_actual_length(SampleSlot& s, std::size_t n) noexcept {
  if (n > s.size) return false;
  s.held().actual = n;
  return true;
}

static_assert(sizeof(SampleSlot) == kPrefetchPair && alignof(SampleSlot) == kPrefetchPair,
              "each fixed line starts a prefetch pair (config.hpp)");
static_assert(sizeof(HolderLine) == kCacheLine, "everything an acquirer or a holder writes is on one line");
static_assert(kHolderLineOffset % kPrefetchPair == kCacheLine && kPrefetchPair == 2 * kCacheLine,
              "each holder's line is the second half of a prefetch pair whose first half is unused");
static_assert(kSlotsPerBlock * sizeof(SampleSlot) == kPage, "a page of fixed lines, then a page of their holders' lines");
static_assert((kSlotsPerBlock - 1) * sizeof(SampleSlot) + kHolderLineOffset + sizeof(HolderLine) <= kSlotBlockBytes,
              "the block's last holder's line ends inside the block");
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

}  // namespace samplepool::detail
