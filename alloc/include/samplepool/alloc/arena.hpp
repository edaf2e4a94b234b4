// samplepool/alloc/arena.hpp: the wrapper every pool allocates through.
//
// Arena owns what all backends share: argument checks (zero bytes, bad
// alignment, sizes that would overflow once rounded: Errc::too_large, never
// wrapped), a check of what a backend returns (memory not aligned as asked
// is given back and refused: Errc::not_supported, counted as a failure) and
// the byte accounting that lets tests prove teardown returns everything.
// Backends stay small (backend.hpp).
//
// Thread safety: all members may be called concurrently; the counters are
// atomics read racily by stats().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "samplepool/alloc/backend.hpp"

namespace samplepool::alloc {

struct ArenaStats {
  std::uint64_t bytes_in_use = 0;   // allocated and not yet returned
  std::uint64_t peak_bytes = 0;     // most bytes in use at once
  std::uint64_t allocations = 0;    // successful allocate() calls
  std::uint64_t failures = 0;       // refused allocate() calls
};

class Arena {
 public:
  // A null backend means the default heap backend.
  explicit Arena(std::shared_ptr<Backend> backend = nullptr);

  Errc allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept;
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept;

  // Reservations (backend.hpp): committed bytes count as in use, reserved
  // address space does not. reserve() checks its arguments as allocate().
  Errc reserve(std::size_t max_bytes, std::size_t alignment, void** out) noexcept;
  Errc commit(void* p, std::size_t bytes) noexcept;
  void decommit(void* p, std::size_t bytes) noexcept;
  void release(void* p, std::size_t max_bytes, std::size_t alignment) noexcept;

  ArenaStats stats() const noexcept;
  Backend& backend() const noexcept { return *backend_; }

 private:
  void count_in(std::size_t bytes) noexcept;  // in use and peak

  std::shared_ptr<Backend> backend_;
  std::atomic<std::uint64_t> in_use_{0};
  std::atomic<std::uint64_t> peak_{0};
  std::atomic<std::uint64_t> allocations_{0};
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace samplepool::alloc
