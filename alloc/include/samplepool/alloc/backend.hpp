// samplepool/alloc/backend.hpp: the arena backend interface.
//
// A backend hands out large, aligned, zero-or-more-times-reused regions: one
// for the sample headers and one for the payload of each committed layout.
// It is called only from a pool's control path (commit, release_memory,
// destruction), never per sample.
//
// Mandatory operations are pure virtual (a backend without them does not
// compile); optional ones have defaults here. Argument checks and the byte
// accounting every backend shares live in one place, Arena (arena.hpp), not
// in each backend.
//
// Thread safety: a backend may be shared by several pools (a shared_ptr), so
// allocate/deallocate must be safe to call concurrently.
#pragma once

#include <cstddef>

#include "samplepool/errc.hpp"

namespace samplepool::alloc {

class Backend {
 public:
  virtual ~Backend() = default;

  // Short stable name for logs and --json output ("heap", "jemalloc", "mmap").
  virtual const char* name() const noexcept = 0;

  // Allocates `bytes` (> 0, a multiple of nothing in particular) aligned to
  // `alignment` (a power of two). Returns Errc::ok and sets *out, or
  // Errc::out_of_memory / Errc::not_supported and leaves *out untouched.
  virtual Errc allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept = 0;

  // Returns a region from allocate() with the same bytes and alignment.
  virtual void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept = 0;

  // Optional: bytes the backend's own allocator still holds for this backend,
  // as it measures them (jemalloc's arena stats). -1 when it cannot tell.
  virtual long long resident_bytes() const noexcept { return -1; }

  // Optional: a one-line description of how the memory is provided
  // (page size, locking), for logs.
  virtual const char* describe() const noexcept { return name(); }
};

}  // namespace samplepool::alloc
