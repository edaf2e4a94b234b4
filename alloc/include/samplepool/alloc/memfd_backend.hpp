// samplepool/alloc/memfd_backend.hpp: a backend whose regions are memfds.
//
// Purpose: an arena whose every region is its own shared-memory segment
// (memfd.hpp), so that a region, or a sample inside it, can be handed to
// another process: segment_of() names the fd and offset to send
// (fd_passing.hpp) and SharedSegment::open() to map on the other side.
//
// Contract:
//  - each allocate() creates one sealed, mode-0600 SharedSegment, named
//    "samplepool-memfd" in /proc/PID/fd, and returns a pointer inside it
//    aligned as asked; an alignment above the page size over-allocates by
//    the alignment (untouched memfd pages take no memory; hugetlbfs
//    reserves them);
//  - deallocate() unmaps the region and closes its fd; a pointer it does not
//    know is ignored;
//  - options (BackendOptions), all honoured: populate pre-faults the
//    region's pages, huge_pages is SharedSegment's (explicit_ falls back to
//    transparent when the hugetlbfs pool is empty, counted below), and lock
//    mlocks the region (allocate() fails with Errc::not_supported, having
//    kept nothing, when mlock is refused);
//  - no reservations (backend.hpp): a growing pool allocates a region per
//    growth step;
//  - unlike the mmap backend's private mappings, a region stays shared with
//    a child after fork(): what either writes, the other sees.
//
// Thread safety: every member may be called concurrently. A mutex guards the
// list of regions only while a region is linked, unlinked or looked up,
// never across a system call.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "samplepool/alloc/backend.hpp"

namespace samplepool::alloc {

class MemfdBackend final : public Backend {
 public:
  explicit MemfdBackend(BackendOptions options) noexcept : options_(options) {}
  ~MemfdBackend() override;  // frees any region still allocated
  MemfdBackend(const MemfdBackend&) = delete;
  MemfdBackend& operator=(const MemfdBackend&) = delete;

  const char* name() const noexcept override { return "memfd"; }
  const char* describe() const noexcept override;
  // Errc::ok, or out_of_memory (no memory for the segment or its record),
  // or not_supported (no memfd in this kernel, an mlock refused).
  Errc allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept override;
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept override;

  // The segment that holds `p` (any address inside an allocated region): its
  // fd, which the backend owns and closes at deallocate (dup it to keep it),
  // and p's offset from the start of the segment. Errc::ok, or
  // invalid_argument (null outputs, or p in no region) with nothing written.
  Errc segment_of(const void* p, int* fd, std::size_t* offset) const noexcept;

  const BackendOptions& options() const noexcept { return options_; }
  // Regions served from hugetlbfs, and explicit_ requests that fell back.
  std::uint64_t hugetlb_allocations() const noexcept { return hugetlb_.load(std::memory_order_relaxed); }
  std::uint64_t hugetlb_fallbacks() const noexcept { return fallbacks_.load(std::memory_order_relaxed); }

 private:
  struct Region;  // one segment and the pointer handed out from it

  BackendOptions options_;
  mutable std::mutex mutex_;
  Region* regions_ = nullptr;                // a singly linked list, guarded by mutex_
  std::atomic<std::uint64_t> hugetlb_{0};    // statistics only: relaxed
  std::atomic<std::uint64_t> fallbacks_{0};
};

// A BackendFactory: every option applies. Errc::invalid_argument for a null
// `out` or a huge_pages value outside the enum.
Errc make_memfd_backend(const BackendOptions& options, std::shared_ptr<Backend>* out);

}  // namespace samplepool::alloc
