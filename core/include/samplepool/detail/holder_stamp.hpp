// samplepool/detail/holder_stamp.hpp: each held sample records which thread
// acquired it and when, for Pool::holders() and the starvation report.
//
// Cost: the acquirer already owns the sample's hot header line (it writes
// refs), so the thread stamp is one relaxed store there. A take from a
// thread cache stores the cache slot's byte offset (already in a register)
// with kHolderFromCache set, resolved to a thread id only by a report
// (thread_of_cache_offset); the shared path stores the kernel thread id
// (one TLS load; fetched from the kernel once per thread).
// The time stamp reads the coarse monotonic clock (the vDSO, no system call,
// a few ms of resolution, which is what an age report needs), but that read
// costs about as much as a whole in-cache round trip (4.7 ns against 4.9 ns
// on the 2-vCPU EPYC VM), so it is taken only in pools that ask for ages
// (PoolOptions::holder_ages, or a starvation report set): elsewhere since_ms
// stays 0 and reports carry no ages.
//
// The thread id is the kernel's (gettid), so a report can name the thread
// from /proc while it lives; a thread that exited may have its id reused.
//
// Thread safety: stamp() only by the sample's sole holder (at acquire);
// readers are racy by nature and read relaxed atomics.
#pragma once

#include <time.h>

#include <atomic>
#include <cstdint>

#include "samplepool/config.hpp"
#include "samplepool/detail/slot.hpp"

namespace samplepool::detail {

extern constinit thread_local std::uint32_t tls_holder_id;  // 0 until first use
std::uint32_t holder_id_slow() noexcept;                     // gettid, then cached

SAMPLEPOOL_HOT_INLINE std::uint32_t holder_id() noexcept {
  const std::uint32_t id = tls_holder_id;
  return id != 0 ? id : holder_id_slow();
}

// Milliseconds on the coarse monotonic clock, modulo 2^32 (49 days): ages
// are differences, correct across the wrap.
inline std::uint32_t coarse_now_ms() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(ts.tv_sec) * 1000u +
                                    static_cast<std::uint64_t>(ts.tv_nsec) / 1'000'000u);
}

// Marks a stamp that holds a cache slot's byte offset, not a thread id
// (kernel thread ids stay below 2^22).
inline constexpr std::uint32_t kHolderFromCache = 1u << 31;

struct HolderStamp {
  SAMPLEPOOL_HOT_INLINE HolderStamp(bool timed, std::uint32_t holder) noexcept
      : id(holder), with_time(timed), now_ms(timed ? coarse_now_ms() : 0) {}

  std::uint32_t id;
  bool with_time;
  std::uint32_t now_ms;

  // Whether the acquirer's handle may be marked sole (PoolAccess::fill): not
  // in a pool that keeps ages, where every release must zero the count.
  SAMPLEPOOL_HOT_INLINE bool sole() const noexcept { return !with_time; }
  SAMPLEPOOL_HOT_INLINE void apply(SampleSlot& s) const noexcept {
    HolderLine& h = s.held();
    h.holder.store(id, std::memory_order_relaxed);
    if (with_time) h.since_ms.store(now_ms, std::memory_order_relaxed);
  }
};

// The thread a stamp names (0 when unknown).
std::uint32_t stamped_thread(std::uint32_t holder) noexcept;

}  // namespace samplepool::detail
