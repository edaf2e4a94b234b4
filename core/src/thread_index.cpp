#include "samplepool/detail/thread_index.hpp"

#include "samplepool/detail/thread_cache.hpp"

#include <atomic>
#include <bit>

namespace samplepool::detail {

static_assert(kMaxCacheThreads <= 64, "the slot bitmap is one 64-bit word");

constinit thread_local std::uint32_t tls_cache_slot = 0;

namespace {

std::atomic<std::uint64_t> g_used{0};  // bit i: slot i + 1 is held by a live thread

// Gives the slot back when the thread exits. Constructed on the thread's
// first claim, so only threads that use a pool pay for the TLS destructor.
struct Releaser {
  bool tried = false;
  std::uint32_t slot = 0;
  ~Releaser() {
    tls_cache_slot = 0;  // a pool used from a later TLS destructor goes uncached
    if (slot != 0) {
      // release: this thread's last use of its caches happens-before the
      // next owner's claim (acquire in claim_cache_slot).
      g_used.fetch_and(~(std::uint64_t{1} << (slot - 1)), std::memory_order_release);
    }
  }
};

}  // namespace

void claim_cache_slot() noexcept {
  thread_local Releaser releaser;
  if (releaser.tried) return;
  releaser.tried = true;
  const std::uint64_t all = kMaxCacheThreads == 64 ? ~std::uint64_t{0}
                                                   : (std::uint64_t{1} << kMaxCacheThreads) - 1;
  std::uint64_t used = g_used.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint64_t free = ~used & all;
    if (free == 0) return;  // all taken: this thread stays on the shared path
    const auto bit = static_cast<std::uint32_t>(std::countr_zero(free));
    if (g_used.compare_exchange_weak(used, used | (std::uint64_t{1} << bit),
                                     std::memory_order_acquire, std::memory_order_relaxed)) {
      releaser.slot = bit + 1;
      tls_cache_slot = (bit + 1) * static_cast<std::uint32_t>(sizeof(ThreadCache));
      return;
    }
  }
}

}  // namespace samplepool::detail
