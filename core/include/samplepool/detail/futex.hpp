// samplepool/detail/futex.hpp: the two futex calls the wake protocol needs.
//
// Contract: thin wrappers over syscall(SYS_futex) on a 32-bit atomic,
// process-private (the default: the kernel keys it by address alone, the
// cheaper hash) or shared (keyed by the backing page, so that processes that
// map one shared segment at different addresses meet on it: shm/). They return 0 or -errno and never retry; callers own the loop and
// re-read their state word after every return (the word is the truth, not
// the wake). glibc 2.36 has no futex wrapper, hence the raw syscall.
//
// futex_wake() may be called on a word whose owner is being destroyed: the
// kernel only hashes the address and never dereferences it in user space, so
// a late wake at worst wakes nobody (or, spuriously, whoever reuses the
// address, and every futex user re-checks). The wake and teardown protocols
// rely on this; they never *load or store* a pool's memory after the store
// that lets its owner free it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace samplepool::detail {

static_assert(sizeof(std::atomic<std::uint32_t>) == 4, "futex words are 32-bit");
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

enum class FutexScope : unsigned char { process_private, shared };

// Absolute deadline on the steady clock (CLOCK_MONOTONIC on Linux).
using Deadline = std::chrono::steady_clock::time_point;
// Not `inline`: a weak (inline) variable in position-independent code is
// one another module's definition may replace, so GCC read this one through
// the GOT at every acquire of the C and DirectShow faces instead of using
// its value; a constant of each translation unit is folded.
constexpr Deadline kNoDeadline = Deadline::max();

// Sleeps while *word == expected, until woken or until `deadline` passes.
// Returns 0 (woken, or spurious), -EAGAIN (the word had changed), -ETIMEDOUT
// or -EINTR.
int futex_wait(const std::atomic<std::uint32_t>* word, std::uint32_t expected,
               Deadline deadline, FutexScope scope = FutexScope::process_private) noexcept;

// Wakes up to `count` sleepers on `word`; returns how many woke or -errno.
int futex_wake(const std::atomic<std::uint32_t>* word, int count,
               FutexScope scope = FutexScope::process_private) noexcept;

// Process-wide number of futex system calls made so far, wait and wake. Tests
// use it to prove the uncontended paths make none.
std::uint64_t futex_syscalls() noexcept;

}  // namespace samplepool::detail
