// samplepool/stats.hpp: a pool's counters, as one snapshot.
//
// Every field is read without stopping the pool, so under concurrent use the
// fields are each exact at some instant but not at the same one (hence
// Pool::stats() is a racy read, named as such by its callers' contract). At
// quiescence every field is exact and free + outstanding == count.
#pragma once

#include <cstdint>

namespace samplepool {

struct Stats {
  std::uint32_t count = 0;        // samples that exist now (initial + grown)
  std::uint32_t max_count = 0;    // the most there may be (count when not growable)
  std::uint32_t free = 0;         // samples available to an acquire
  std::uint32_t outstanding = 0;  // samples held by callers
  std::uint32_t waiters = 0;      // threads blocked in an acquire
  std::uint64_t acquires = 0;     // samples handed out
  std::uint64_t waits = 0;        // acquires that found the pool empty and blocked
  std::uint64_t timeouts = 0;     // acquires that gave up: deadline passed, or try_* on empty
  std::uint64_t not_committed = 0;  // acquires refused or ended by Decommit
  std::uint64_t high_water = 0;   // most samples off the shared free list at once: held
                                  // by callers, or parked in thread caches (exact when
                                  // thread caches are off)
  std::uint64_t commits = 0;      // commit() calls that committed
  std::uint64_t decommits = 0;    // decommit() calls that decommitted
  std::uint64_t misuse = 0;       // releases of an already-free sample, ignored
  std::uint32_t cached = 0;       // of the free samples, those parked in thread caches
  std::uint64_t growths = 0;      // growth steps taken (chunks of samples added)
  std::uint64_t growth_failures = 0;  // growth steps refused by the backend (then it waited)
  std::uint64_t oldest_held_ms = 0;   // age of the oldest held sample (while committed;
                                      // coarse clock); Pool::holders() says who holds it
  std::uint64_t starvation_reports = 0;  // starvation callbacks made
  bool committed = false;
  bool memory_allocated = false;  // the arena is held (committed, or kept after decommit)
  bool thread_cache = false;      // per-thread caches are in use
  bool cache_fallback = false;    // a membarrier failed (e.g. a seccomp filter installed
                                  // after start-up): caches are closed for good and each
                                  // owner returns its own cached samples (docs/design.md)
};

}  // namespace samplepool
