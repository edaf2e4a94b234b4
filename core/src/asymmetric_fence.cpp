#include "samplepool/detail/asymmetric_fence.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace samplepool::detail {
namespace {

std::atomic<std::uint64_t> g_heavy{0};  // statistics only: relaxed

long membarrier(int cmd) noexcept { return syscall(SYS_membarrier, cmd, 0, 0); }

bool register_once() noexcept {
  const long supported = membarrier(MEMBARRIER_CMD_QUERY);
  if (supported < 0 || (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
  return membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

}  // namespace

bool asymmetric_fence_available() noexcept {
  static const bool available = register_once();  // thread-safe static init
  return available;
}

void asymmetric_heavy_fence() noexcept {
  // membarrier(2): PRIVATE_EXPEDITED cannot fail once the process is
  // registered, which available() ensured.
  g_heavy.fetch_add(1, std::memory_order_relaxed);
  membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

std::uint64_t asymmetric_heavy_fences() noexcept { return g_heavy.load(std::memory_order_relaxed); }

}  // namespace samplepool::detail
