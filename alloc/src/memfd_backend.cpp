#include "samplepool/alloc/memfd_backend.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <new>
#include <utility>

#include "samplepool/alloc/memfd.hpp"

namespace samplepool::alloc {

struct MemfdBackend::Region {
  SharedSegment segment;
  std::byte* p;  // what allocate() returned: inside segment, aligned
  Region* next;
};

namespace {

std::size_t page_size() noexcept { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

// Touches each page (MADV_POPULATE_WRITE needs 5.14+; this works everywhere).
void prefault(std::byte* p, std::size_t len) noexcept {
  auto* bytes_p = reinterpret_cast<volatile unsigned char*>(p);
  for (std::size_t off = 0; off < len; off += page_size()) bytes_p[off] = 0;
}

}  // namespace

MemfdBackend::~MemfdBackend() {
  while (regions_ != nullptr) delete std::exchange(regions_, regions_->next);
}

const char* MemfdBackend::describe() const noexcept {
  switch (options_.huge_pages) {
    case HugePages::transparent: return options_.lock ? "memfd thp locked" : "memfd thp";
    case HugePages::explicit_: return options_.lock ? "memfd hugetlb locked" : "memfd hugetlb";
    case HugePages::none: break;
  }
  return options_.lock ? "memfd 4k locked" : "memfd 4k";
}

Errc MemfdBackend::allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept {
  // A segment starts on a page: a larger alignment is found inside it.
  const std::size_t page = page_size();
  const std::size_t extra = alignment > page ? alignment - page : 0;
  if (bytes > SIZE_MAX - extra) return Errc::out_of_memory;  // Arena refuses it first
  SharedSegment seg;
  if (const Errc e = SharedSegment::create(bytes + extra, "samplepool-memfd", options_.huge_pages, &seg);
      e != Errc::ok) {
    return e == Errc::not_supported ? e : Errc::out_of_memory;
  }
  if (options_.huge_pages == HugePages::explicit_) {
    (seg.used_hugetlb() ? hugetlb_ : fallbacks_).fetch_add(1, std::memory_order_relaxed);
  }
  const auto base = reinterpret_cast<std::uintptr_t>(seg.data());
  auto* p = reinterpret_cast<std::byte*>((base + alignment - 1) / alignment * alignment);
  // p is on a page, and the segment holds [p, p + bytes) rounded up to a page.
  const std::size_t len = (bytes + page - 1) / page * page;
  if (options_.populate) prefault(p, len);
  if (options_.lock && mlock(p, len) != 0) return Errc::not_supported;  // ~SharedSegment unmaps
  auto* r = new (std::nothrow) Region{std::move(seg), p, nullptr};
  if (r == nullptr) return Errc::out_of_memory;
  {
    const std::lock_guard<std::mutex> hold(mutex_);
    r->next = regions_;
    regions_ = r;
  }
  *out = p;
  return Errc::ok;
}

void MemfdBackend::deallocate(void* p, std::size_t, std::size_t) noexcept {
  Region* found = nullptr;
  {
    const std::lock_guard<std::mutex> hold(mutex_);
    for (Region** link = &regions_; *link != nullptr; link = &(*link)->next) {
      if ((*link)->p == p) {
        found = *link;
        *link = found->next;
        break;
      }
    }
  }
  delete found;  // munmap (which drops any mlock) and close, outside the lock
}

Errc MemfdBackend::segment_of(const void* p, int* fd, std::size_t* offset) const noexcept {
  if (fd == nullptr || offset == nullptr) return Errc::invalid_argument;
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  const std::lock_guard<std::mutex> hold(mutex_);
  for (const Region* r = regions_; r != nullptr; r = r->next) {
    const auto base = reinterpret_cast<std::uintptr_t>(r->segment.data());
    if (at >= base && at - base < r->segment.size()) {
      *fd = r->segment.fd();
      *offset = at - base;
      return Errc::ok;
    }
  }
  return Errc::invalid_argument;
}

Errc make_memfd_backend(const BackendOptions& options, std::shared_ptr<Backend>* out) {
  if (out == nullptr) return Errc::invalid_argument;
  if (!is_known(options.huge_pages)) return Errc::invalid_argument;
  *out = std::make_shared<MemfdBackend>(options);
  return Errc::ok;
}

}  // namespace samplepool::alloc
