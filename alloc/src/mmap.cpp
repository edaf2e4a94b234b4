#include "samplepool/alloc/mmap.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace samplepool::alloc {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;  // x86-64 default hugetlb size

std::size_t round_up(std::size_t n, std::size_t to) noexcept { return (n + to - 1) / to * to; }

std::size_t page_size() noexcept { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

// The mapping granule for a region: huge pages need 2 MiB units, larger
// alignments need the whole alignment, or nothing finer than a page.
std::size_t granule(const MmapOptions& o, std::size_t alignment) noexcept {
  std::size_t g = page_size();
  if (o.huge_pages != HugePages::none && g < kHugePage) g = kHugePage;
  return alignment > g ? alignment : g;
}

// Maps `len` bytes aligned to `align` (a multiple of the page size) by
// over-mapping and trimming both ends.
void* map_aligned(std::size_t len, std::size_t align, int prot) noexcept {
  const std::size_t span = len + (align > page_size() ? align : 0);
  void* raw = mmap(nullptr, span, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto base = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t start = (base + align - 1) / align * align;
  if (start > base) munmap(raw, start - base);
  const std::uintptr_t end = start + len;
  if (base + span > end) munmap(reinterpret_cast<void*>(end), base + span - end);
  return reinterpret_cast<void*>(start);
}

// Touches each page (MADV_POPULATE_WRITE needs 5.14+; this works everywhere).
void prefault(void* p, std::size_t len) noexcept {
  auto* bytes_p = static_cast<volatile unsigned char*>(p);
  for (std::size_t off = 0; off < len; off += page_size()) bytes_p[off] = 0;
}

}  // namespace

const char* MmapBackend::describe() const noexcept {
  switch (options_.huge_pages) {
    case HugePages::transparent: return options_.lock ? "mmap thp locked" : "mmap thp";
    case HugePages::explicit_: return options_.lock ? "mmap hugetlb locked" : "mmap hugetlb";
    case HugePages::none: break;
  }
  return options_.lock ? "mmap 4k locked" : "mmap 4k";
}

Errc MmapBackend::allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept {
  const std::size_t g = granule(options_, alignment);
  const std::size_t len = round_up(bytes, g);
  void* p = nullptr;
  if (options_.huge_pages == HugePages::explicit_) {
    // MAP_HUGETLB mappings come 2 MiB aligned; populate them up front.
    p = mmap(nullptr, len, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (options_.populate ? MAP_POPULATE : 0), -1, 0);
    if (p == MAP_FAILED || reinterpret_cast<std::uintptr_t>(p) % alignment != 0) {
      if (p != MAP_FAILED) munmap(p, len);
      p = nullptr;
      fallbacks_.fetch_add(1, std::memory_order_relaxed);
    } else {
      hugetlb_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (p == nullptr) {
    p = map_aligned(len, g, PROT_READ | PROT_WRITE);
    if (p == nullptr) return Errc::out_of_memory;
    if (options_.huge_pages != HugePages::none) madvise(p, len, MADV_HUGEPAGE);
    // MAP_POPULATE on the over-sized mapping would fault pages we trim, so
    // pre-fault the kept range instead.
    if (options_.populate) prefault(p, len);
  }
  if (options_.lock && mlock(p, len) != 0) {
    munmap(p, len);
    return Errc::not_supported;
  }
  *out = p;
  return Errc::ok;
}

void MmapBackend::deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept {
  const std::size_t len = round_up(bytes, granule(options_, alignment));
  munmap(p, len);  // also drops any mlock
}

Errc MmapBackend::reserve(std::size_t max_bytes, std::size_t alignment, void** out) noexcept {
  // hugetlbfs pages cannot be committed one range at a time without risking
  // SIGBUS when the pool runs out: explicit huge pages grow by allocate().
  if (options_.huge_pages == HugePages::explicit_) return Errc::not_supported;
  const std::size_t g = granule(options_, alignment);
  void* p = map_aligned(round_up(max_bytes, g), g, PROT_NONE);
  if (p == nullptr) return Errc::out_of_memory;
  if (options_.huge_pages == HugePages::transparent) madvise(p, round_up(max_bytes, g), MADV_HUGEPAGE);
  *out = p;
  return Errc::ok;
}

Errc MmapBackend::commit(void* p, std::size_t bytes) noexcept {
  const std::size_t page = page_size();
  const auto first = reinterpret_cast<std::uintptr_t>(p) / page * page;
  const std::size_t len = round_up(reinterpret_cast<std::uintptr_t>(p) + bytes - first, page);
  void* start = reinterpret_cast<void*>(first);
  if (mprotect(start, len, PROT_READ | PROT_WRITE) != 0) return Errc::out_of_memory;
  // Pre-fault only the pages wholly inside [p, p + bytes): a page at either
  // end may hold a neighbour's live sample (or be committed by a concurrent
  // grower at the same moment), and prefault writes to it.
  const std::uintptr_t inner = round_up(reinterpret_cast<std::uintptr_t>(p), page);
  const std::uintptr_t inner_end = (reinterpret_cast<std::uintptr_t>(p) + bytes) / page * page;
  if (options_.populate && inner_end > inner) prefault(reinterpret_cast<void*>(inner), inner_end - inner);
  if (options_.lock && mlock(start, len) != 0) {
    // Only the pages wholly inside this range go back: a page at either end
    // may belong to a neighbour committed before.
    decommit(p, bytes);
    return Errc::not_supported;
  }
  return Errc::ok;
}

void MmapBackend::decommit(void* p, std::size_t bytes) noexcept {
  const std::size_t page = page_size();
  const std::uintptr_t first = round_up(reinterpret_cast<std::uintptr_t>(p), page);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(p) + bytes) / page * page;
  if (end <= first) return;
  void* start = reinterpret_cast<void*>(first);
  const std::size_t len = end - first;
  if (options_.lock) munlock(start, len);
  madvise(start, len, MADV_DONTNEED);  // the memory goes back now
  mprotect(start, len, PROT_NONE);     // and a stray access faults
}

void MmapBackend::release(void* p, std::size_t max_bytes, std::size_t alignment) noexcept {
  munmap(p, round_up(max_bytes, granule(options_, alignment)));  // also drops any mlock
}

Errc make_mmap_backend(const BackendOptions& options, std::shared_ptr<Backend>* out) {
  if (out == nullptr) return Errc::invalid_argument;
  if (!is_known(options.huge_pages)) return Errc::invalid_argument;
  *out = std::make_shared<MmapBackend>(options);
  return Errc::ok;
}

}  // namespace samplepool::alloc
