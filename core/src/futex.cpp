#include "samplepool/detail/futex.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

namespace samplepool::detail {
namespace {

// Counted only where a syscall is made: never on a fast path.
std::atomic<std::uint64_t> g_syscalls{0};

std::uint32_t* address(const std::atomic<std::uint32_t>* word) noexcept {
  // The kernel reads the 32-bit value behind the atomic; std::atomic<uint32_t>
  // has the size and representation of uint32_t (asserted in the header).
  return const_cast<std::uint32_t*>(reinterpret_cast<const std::uint32_t*>(word));
}

long call(std::uint32_t* uaddr, int op, std::uint32_t val, const timespec* ts,
          std::uint32_t val3) noexcept {
  g_syscalls.fetch_add(1, std::memory_order_relaxed);  // a statistic; orders nothing
  long r = syscall(SYS_futex, uaddr, op, val, ts, nullptr, val3);
  return r < 0 ? -errno : r;
}

int with_scope(int op, FutexScope scope) noexcept {
  return scope == FutexScope::process_private ? op | FUTEX_PRIVATE_FLAG : op;
}

}  // namespace

int futex_wait(const std::atomic<std::uint32_t>* word, std::uint32_t expected,
               Deadline deadline, FutexScope scope) noexcept {
  if (deadline == kNoDeadline) {
    return static_cast<int>(
        call(address(word), with_scope(FUTEX_WAIT, scope), expected, nullptr, 0));
  }
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time, which is what
  // steady_clock reads on Linux: no relative-time drift across retries.
  const auto since_epoch = deadline.time_since_epoch();
  if (since_epoch.count() < 0) return -ETIMEDOUT;
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto nsec = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs);
  const timespec ts{static_cast<time_t>(secs.count()), static_cast<long>(nsec.count())};
  return static_cast<int>(call(address(word), with_scope(FUTEX_WAIT_BITSET, scope),
                               expected, &ts, FUTEX_BITSET_MATCH_ANY));
}

int futex_wake(const std::atomic<std::uint32_t>* word, int count, FutexScope scope) noexcept {
  return static_cast<int>(call(address(word), with_scope(FUTEX_WAKE, scope),
                               static_cast<std::uint32_t>(count), nullptr, 0));
}

std::uint64_t futex_syscalls() noexcept {
  return g_syscalls.load(std::memory_order_relaxed);
}

}  // namespace samplepool::detail
