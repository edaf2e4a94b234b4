#include "samplepool/detail/asymmetric_fence.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace samplepool::detail {
namespace {

std::atomic<std::uint64_t> g_heavy{0};  // statistics only: relaxed
// Set once a heavy fence failed; never cleared. relaxed: each pool acts on
// the failure of its own call (the return value), this only keeps new pools
// from turning caches on.
std::atomic<bool> g_failed{false};

long membarrier(int cmd) noexcept { return syscall(SYS_membarrier, cmd, 0, 0); }

bool register_once() noexcept {
  const long supported = membarrier(MEMBARRIER_CMD_QUERY);
  if (supported < 0 || (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
  return membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

}  // namespace

bool asymmetric_fence_available() noexcept {
  static const bool registered = register_once();  // thread-safe static init
  return registered && !g_failed.load(std::memory_order_relaxed);
}

bool asymmetric_heavy_fence() noexcept {
  g_heavy.fetch_add(1, std::memory_order_relaxed);
  if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return true;
  g_failed.store(true, std::memory_order_relaxed);
  return false;
}

std::uint64_t asymmetric_heavy_fences() noexcept { return g_heavy.load(std::memory_order_relaxed); }

}  // namespace samplepool::detail
