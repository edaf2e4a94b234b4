// samplepool/config.hpp: every tuning knob and hard limit, in one place.
//
// Each constant states the constraint it must keep and what chose its value.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

// Debug checks (stale handles, double releases: abort with a report). The
// build sets it for its own targets (CMake option SAMPLEPOOL_DEBUG_CHECKS,
// PUBLIC, since it changes Sample's layout); a consumer compiling with a
// plain -I gets the release layout, and -Wundef stays quiet.
#ifndef SAMPLEPOOL_DEBUG_CHECKS
#define SAMPLEPOOL_DEBUG_CHECKS 0
#endif

// The round trip's inline functions (Pool::acquire_impl, the cache's take
// and put, drop_ref's sole-holder path) are forced inline: GCC 12 otherwise
// keeps acquire_impl and drop_ref out of line in the caller, and the two calls
// with their callee-saved registers cost as much as the cache work itself.
#if defined(__GNUC__)
#define SAMPLEPOOL_HOT_INLINE [[gnu::always_inline]] inline
#else
#define SAMPLEPOOL_HOT_INLINE inline
#endif

namespace samplepool {

// Destructive-interference size used to keep hot atomics apart. 64 bytes on
// every x86-64 and most AArch64 parts; static_asserts in the headers check
// that the shared words sit on lines of their own.
inline constexpr std::size_t kCacheLine = 64;

// What one thread writes on every operation is also kept out of the
// 128-byte block of another thread's hot line: the L2's spatial prefetcher
// (Intel's, and AMD Zen's adjacent-line prefetch) fetches lines in aligned
// pairs, so two threads writing the two halves of one pair contend almost
// as if they shared a line (folly's hardware_destructive_interference_size
// is 128 for this). Thread cache entries and sample headers are aligned to
// it. Measured: the two-thread round trip took 0.86x the time (12
// interleaved rounds; each alignment alone gave part of it), where a
// 64-byte-aligned cache array could place one thread's handshake line beside
// the other's last item line, and one thread's sample header beside
// another's. The pairing is the likely cause; the VM has no performance
// counters to show it.
inline constexpr std::size_t kPrefetchPair = 128;

// Largest sample count one pool accepts. Sample indices are 32-bit with
// 0xffffffff reserved as "none", and the held-sample field of the lifetime
// word (see lifetime.hpp) is 32 bits wide; 2^24 keeps the header region
// (256 bytes a sample, slot.hpp) at 4 GiB at most.
inline constexpr std::uint32_t kMaxSampleCount = 1u << 24;

// Largest prefix (bytes reserved in front of each sample's data) a pool
// accepts: the sample header keeps it in 32 bits, so that the fixed line has
// room for the release's direct pointer to the thread caches and the
// extension area (slot.hpp).
// DirectShow's cbPrefix is a 32-bit LONG; larger requests give
// Errc::too_large.
inline constexpr std::size_t kMaxPrefix = 0xffff'ffffu;

// Largest alignment a pool accepts: one 1 GiB huge page. Larger requests are
// almost certainly a unit mix-up and are refused with Errc::bad_alignment.
inline constexpr std::size_t kMaxAlignment = std::size_t{1} << 30;

// Spins (each one CPU pause, ~25 ns on the 2-vCPU EPYC this was tuned on) a
// blocking acquire makes after finding the pool empty and before it sleeps.
// A futex sleep + wake round trip costs 12-17 us there (bench/latency_bench.cpp's
// wake round trip), so
// ~3 us of spinning catches a release already in flight (in the capture
// handoff bench a consumer returns a batch every few hundred ns) without
// burning a time slice the releasing thread may need on 2 cores.
inline constexpr int kAcquireSpins = 128;

// How long a blocked acquire sleeps before it sweeps the thread caches
// again, when its last sweep found a cache's owner inside (that owner
// normally drains and wakes it on leaving; this bounds the rare case where it
// looked just before the sweep). Cheap: the caches are already closed, so a
// re-sweep makes no system call.
inline constexpr std::chrono::microseconds kResweepInterval{1000};

// Per-thread sample caches (thread_cache.hpp). Capacity per thread and pool,
// and the batch a full cache returns to the shared free list (all of it
// when its owner only releases; an empty cache refills up to its capacity,
// as DPDK fills its cache, so two threads' refills can empty a pool of 64
// for a moment, and a waiter then sweeps). 32/16 follows DPDK's default
// cache (a round trip stays in the cache; the shared list sees one CAS per
// 16 samples at most); must satisfy
// 0 < kThreadCacheBatch <= kThreadCacheSize. A small pool lowers the
// capacity to a quarter of its count (the batch to half the capacity), so
// that in a capture handoff the consumer's cache cannot hoard the buffers the
// producer waits for (the samplepool capture default, 8 buffers, otherwise
// waited in 88 of 716 frames); a larger one allows all but
// kThreadCacheSpare samples in one cache, up to the full 32: from 64 samples
// on, the whole DPDK-sized cache. Pool of 64, same binary, 3 alternating
// runs: hand-off +14% (22-27 -> 27-32 M/s), bulk of 32 2x (it fits the
// cache), round trips at 1, 2 and 4 threads unchanged. Pools under 8
// samples run without caches.
inline constexpr std::uint32_t kThreadCacheSize = 32;
inline constexpr std::uint32_t kThreadCacheBatch = 16;
inline constexpr std::uint32_t kThreadCacheSpare = 32;
static_assert(kThreadCacheBatch > 0 && kThreadCacheBatch <= kThreadCacheSize);

// Growth (Properties::max_count): a growing pool adds samples in at most
// this many steps between its initial and its maximum count, each a chunk
// of ceil((max - initial) / kMaxGrowthSteps) samples (the last may be
// smaller) with a payload region of its own. 16 keeps the chunk directory
// one cache line of states and bounds the allocations a pool can make; a
// pool growing from 4 to 8 adds one sample a step, as GStreamer's does.
inline constexpr std::uint32_t kMaxGrowthSteps = 16;

// Most samples one try_acquire_bulk() call takes (it stages indices on the
// stack); larger requests are refused with Errc::invalid_argument.
inline constexpr std::uint32_t kMaxBulk = 256;

// Threads that get a cache (per pool). Further threads use the shared free
// list directly, which is correct, only slower. 64 fits the thread-index
// bitmap in one atomic word.
inline constexpr std::uint32_t kMaxCacheThreads = 64;

}  // namespace samplepool
