// samplepool/shm/detail/layout.hpp: what a shared pool's segment holds, and
// where.
//
// Purpose: one memfd segment holds everything processes share: an immutable
// header, the control words, one record per attached process, the samples'
// owner words and metadata, one ring per subscriber, and the payload. No
// pointer is stored in it, only counts, indices and values: every process
// computes the addresses itself from the header's geometry (compute()), and
// refuses a header whose geometry does not check out (validate()).
//
// Hostile memory: a peer can write anything anywhere in the segment. The
// geometry is read once, checked, and kept in the attaching process's own
// memory, so no later write can move an address this process computes. Every
// other value read from the segment (a ring index, a ring entry, a record's
// word) is checked where it is read (shared_pool.cpp, channel.cpp).
//
// Sections, each starting on a cache line, in this order:
//   Header    one line, written by the creator before the fd leaves it
//   Control   the state word, the wake channel, the channel's publisher
//   Record    [max_processes], a line each
//   Ring      [max_processes], the ring heads and tails (a subscriber is a
//             process: ring r belongs to record r)
//   free_hint [ceil(count / 64)] 64-bit words, a bit per sample
//   meta      [count] SampleMeta, a line each: the owner word and the
//             metadata (one line per sample: the sample in flight and the
//             next one claimed never share a line)
//   entries   [max_processes * ring_capacity] 64-bit Entry words
//             (channel_words.hpp)
//   payload   count * stride bytes, aligned to max(page, alignment)
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "samplepool/config.hpp"
#include "samplepool/detail/wake_channel.hpp"
#include "samplepool/errc.hpp"
#include "samplepool/properties.hpp"

namespace samplepool::shm::detail {

using samplepool::detail::SharedWakeChannel;

inline constexpr std::uint64_t kMagic = 0x31'4d'48'53'4c'50'4d'53;  // "SMPLSHM1", little-endian
inline constexpr std::uint32_t kLayoutVersion = 2;  // 2: one-word publisher slot, tagged entries
// A process is a bit in each owner word's half (owner_word.hpp).
inline constexpr std::uint32_t kMaxProcesses = 32;
inline constexpr std::uint32_t kMaxRingCapacity = 1u << 16;
inline constexpr std::uint32_t kMaxSharedCount = 1u << 20;

struct alignas(kCacheLine) Header {
  std::uint64_t magic;
  std::uint32_t version;
  std::uint32_t header_bytes;  // sizeof(Header): a different build's layout is refused
  std::uint64_t total_bytes;   // the segment's size as created
  std::uint32_t count;
  std::uint32_t max_processes;
  std::uint32_t ring_capacity;  // a power of two
  std::uint32_t reserved;
  std::uint64_t size;
  std::uint64_t alignment;
  std::uint64_t prefix;
  std::uint64_t checksum;  // over every field above (fnv1a): a torn or scribbled header
};

// The pool's state word: bit 0 committed, bit 1 broken (a process found the
// segment corrupted), bit 2 closed (the creator left or died: decommitted for
// good), bits 3.. the epoch, which every decommit increments. An acquire
// keeps the word it saw on entry and may hand out a sample only while it is
// unchanged (the epoch rule, as core/'s EpochState).
struct StateWord {
  static constexpr std::uint64_t kCommitted = 1, kBroken = 2, kClosed = 4, kEpochOne = 8;
  std::uint64_t raw;
  bool committed() const noexcept { return (raw & kCommitted) != 0; }
  bool broken() const noexcept { return (raw & kBroken) != 0; }
  bool closed() const noexcept { return (raw & kClosed) != 0; }
  // An acquire may proceed: committed, not broken, not closed.
  bool open() const noexcept { return (raw & (kCommitted | kBroken | kClosed)) == kCommitted; }
};

struct alignas(kCacheLine) Control {
  // StateWord. seq_cst everywhere: with the wake channel's sleeper count and
  // the owner words it forms the store-load pairs described in
  // shared_pool.cpp (decommit vs. a waiter; a claim vs. a decommit).
  alignas(kCacheLine) std::atomic<std::uint64_t> state;
  SharedWakeChannel wake;  // acquirers blocked on an empty pool sleep here
  // wait_all_free_until sleeps here, not on `wake`: a release wakes one
  // sleeper of `wake`, and that one must be an acquirer that can take the
  // sample (found by the spin model: a closer woken in an acquirer's stead
  // left the acquirer asleep beside a free sample). Every freeing notifies
  // all of these (nobody sleeps here on the hot path).
  SharedWakeChannel idle;
  struct alignas(kCacheLine) Channel {
    // A PublisherWord (channel_words.hpp): the publishing process's record
    // + 1, or 0 (one publisher at a time), and the generation every leaving
    // publisher (detach or death) moves: a blocked receive that sees it
    // move returns not_committed.
    std::atomic<std::uint64_t> publisher;
  } channel;
  // What processes that have gone did (their records' counters, folded in by
  // whoever freed the record), and what reaping did.
  struct alignas(kCacheLine) Retired {
    std::atomic<std::uint64_t> acquires, releases, waits, timeouts, not_committed;
    std::atomic<std::uint64_t> published, received;
    std::atomic<std::uint64_t> processes_reaped;   // processes found dead
    std::atomic<std::uint64_t> samples_reclaimed;  // holds and queued entries taken from them
    std::atomic<std::uint64_t> commits, decommits;
  } retired;
};

// One attached process. `life` is a LifeWord (record.hpp); the rest is
// written by the process itself (relaxed counters) and read by stats() and
// by whoever reaps it.
struct alignas(kCacheLine) Record {
  std::atomic<std::uint64_t> life;
  std::atomic<std::uint32_t> token;  // 1: the process holds its liveness token (shm/src/liveness.hpp)
  // This process's threads inside the pool's wake channel, counted after
  // they registered there and before they leave it: at most what it added to
  // the channel's sleeper count, so its reaper can take exactly that back.
  std::atomic<std::uint32_t> sleeping;
  // Its subscription count (channel_words.hpp): odd while publishes reach
  // this process's ring.
  std::atomic<std::uint32_t> subscribed;
  // The process's counters, on a line of their own: a publisher reads
  // `subscribed` on every publish and must not find that line dirtied by
  // every release.
  alignas(kCacheLine) std::atomic<std::uint64_t> acquires, releases, waits, timeouts, not_committed;
  std::atomic<std::uint64_t> published, received;
};

// Subscriber r's ring: entries[r * ring_capacity + (n % ring_capacity)] for
// n in [head, tail). The subscriber writes head, the publisher tail; each on
// its own line. tail - head > ring_capacity is corruption.
struct alignas(kCacheLine) Ring {
  alignas(kCacheLine) std::atomic<std::uint32_t> head;
  alignas(kCacheLine) std::atomic<std::uint32_t> tail;
  std::atomic<std::uint64_t> dropped;  // publishes this ring had no room for (publisher-written)
  SharedWakeChannel wake;              // the subscriber's threads sleep here
};

// A sample's owner word (owner_word.hpp) and metadata (IMediaSample's,
// written by whoever holds it), on one line: a claim, a hand-over and the
// metadata written with them move one line between processes.
struct alignas(kCacheLine) SampleMeta {
  std::atomic<std::uint64_t> owner;
  std::atomic<std::uint64_t> actual_length;
  std::atomic<std::int64_t> time_start, time_stop;
  std::atomic<std::int64_t> media_start, media_stop;
  std::atomic<std::uint32_t> flags;
};
inline constexpr std::uint32_t kTimeValid = 1, kStopValid = 2, kMediaTimeValid = 4, kSyncPoint = 8,
                               kPreroll = 16, kDiscontinuity = 32;

// Where everything is, from the header's fields alone.
struct Geometry {
  Layout layout;  // the sample geometry (properties.hpp), as the in-process pool's
  std::uint32_t count = 0;
  std::uint32_t max_processes = 0;
  std::uint32_t ring_capacity = 0;
  std::uint32_t hint_words = 0;
  std::size_t records = 0, rings = 0, free_hint = 0, meta = 0, entries = 0, payload = 0;
  std::size_t total_bytes = 0;
};

// Computes the geometry for `props` (compute_layout's rules, and count at
// most kMaxSharedCount, no growth), `max_processes` in [1, kMaxProcesses] and
// `ring_capacity` (0: the count; rounded up to a power of two, at most
// kMaxRingCapacity). invalid_argument, bad_alignment, too_large or
// size_not_set; *out untouched on error.
Errc compute(const Properties& props, std::uint32_t max_processes, std::uint32_t ring_capacity,
             Geometry* out) noexcept;

// Writes the header for `g` (the creator, before anyone attaches).
void write_header(const Geometry& g, Header* h) noexcept;

// Checks a header read from `segment_bytes` of mapped memory and computes its
// geometry: Errc::corrupted for a wrong magic, version, header size or
// checksum, a geometry compute() refuses or that differs from what the header
// says, or a segment smaller than the header claims.
Errc validate(const Header& h, std::size_t segment_bytes, Geometry* out) noexcept;

}  // namespace samplepool::shm::detail
