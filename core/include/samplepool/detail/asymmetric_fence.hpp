// samplepool/detail/asymmetric_fence.hpp: a fence split into a free half and
// an expensive half.
//
// Purpose: the thread caches' owners run the hot path and must not pay for a
// store-load fence; the rare sweeper that reclaims their caches pays for
// both. light() is a compiler barrier only; heavy() is
// membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which makes every running
// thread of the process execute a full memory barrier before it returns.
//
// The guarantee (the classic Dekker pair made asymmetric): if thread A does
//   store X; light(); load Y
// and thread B does
//   store Y; heavy(); load X
// and heavy() returned true, then A's load sees B's store or B's load sees
// A's store (or both).
//
// Failure: membarrier can start failing after it worked (a seccomp filter
// installed once the process runs, ENOMEM). heavy() then returns false, and
// from then on available() is false for the whole process: the caller must
// not rely on the pair for that call (thread_cache.hpp says what the pools
// do instead), and no new pool turns its caches on.
//
// available() registers the process for expedited membarrier once; it is
// false where the kernel (or valgrind) lacks it, and the pools then run
// without thread caches.
#pragma once

#include <atomic>
#include <cstdint>

#include "samplepool/config.hpp"

namespace samplepool::detail {

SAMPLEPOOL_HOT_INLINE void asymmetric_light_fence() noexcept {
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

// Registers on first call; thread-safe. False for good once a heavy fence
// has failed.
bool asymmetric_fence_available() noexcept;

// Precondition: asymmetric_fence_available() returned true once. Returns
// false if the system call failed: no guarantee for this call.
[[nodiscard]] bool asymmetric_heavy_fence() noexcept;

// Process-wide number of heavy fences (system calls) so far, for tests.
std::uint64_t asymmetric_heavy_fences() noexcept;

}  // namespace samplepool::detail
