// samplepool/alloc/mmap.hpp: a backend on anonymous private mappings.
//
// For capture applications that must not take a page fault once streaming:
// the mapping is pre-faulted (MAP_POPULATE), may use huge pages, and may be
// locked in RAM (mlock).
//
// Huge pages:
//  - none:        4 KiB pages.
//  - transparent: a normal mapping aligned to 2 MiB plus
//                 madvise(MADV_HUGEPAGE); the kernel backs it with huge pages
//                 when it can. Never fails for lack of huge pages.
//  - explicit_:   MAP_HUGETLB from the hugetlbfs pool; when the pool is empty
//                 or absent the backend falls back cleanly to `transparent`
//                 (describe() and used_hugetlb() say which one happened).
// Locking: with lock = true, allocate() fails with Errc::not_supported (and
// maps nothing) if mlock is refused (RLIMIT_MEMLOCK, or no CAP_IPC_LOCK).
//
// Growth (backend.hpp, reserve): a growing pool reserves its maximum as one
// PROT_NONE mapping (MADV_HUGEPAGE on it with transparent huge pages) and
// commits pages as it grows: mprotect, pre-fault and mlock as for allocate(),
// so a grown part is locked and pre-faulted like the rest. Explicit huge
// pages do not reserve (a hugetlbfs range committed later could fault for
// lack of pages): such a pool grows by allocate(), chunk by chunk.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "samplepool/alloc/backend.hpp"

namespace samplepool::alloc {

// populate: pre-fault (MAP_POPULATE); huge_pages as above; lock: mlock.
using MmapOptions = BackendOptions;

class MmapBackend final : public Backend {
 public:
  explicit MmapBackend(MmapOptions options) noexcept : options_(options) {}
  const char* name() const noexcept override { return "mmap"; }
  const char* describe() const noexcept override;
  Errc allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept override;
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept override;
  Errc reserve(std::size_t max_bytes, std::size_t alignment, void** out) noexcept override;
  Errc commit(void* p, std::size_t bytes) noexcept override;
  void decommit(void* p, std::size_t bytes) noexcept override;
  void release(void* p, std::size_t max_bytes, std::size_t alignment) noexcept override;

  const MmapOptions& options() const noexcept { return options_; }
  // Allocations served from hugetlbfs, and explicit_ requests that fell back.
  std::uint64_t hugetlb_allocations() const noexcept { return hugetlb_.load(std::memory_order_relaxed); }
  std::uint64_t hugetlb_fallbacks() const noexcept { return fallbacks_.load(std::memory_order_relaxed); }

 private:
  MmapOptions options_;
  std::atomic<std::uint64_t> hugetlb_{0};    // statistics only: relaxed
  std::atomic<std::uint64_t> fallbacks_{0};
};

// A BackendFactory: every option applies.
Errc make_mmap_backend(const BackendOptions& options, std::shared_ptr<Backend>* out);

}  // namespace samplepool::alloc
