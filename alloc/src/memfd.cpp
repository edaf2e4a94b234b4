#include "samplepool/alloc/memfd.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

namespace samplepool::alloc {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;  // the huge page size create() asks for
// MFD_HUGE_2MB (<linux/memfd.h>, whose MFD_* macros clash with glibc's): the
// page size's log2 in bits 26 and up.
constexpr unsigned kMfdHuge2Mb = 21u << 26;
constexpr std::size_t kMaxName = 249;  // memfd_create: 255 bytes less "memfd:"
constexpr int kSizeSeals = F_SEAL_SHRINK | F_SEAL_GROW;

std::size_t page_size() noexcept { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

Errc from_errno(int err) noexcept {
  if (err == ENOMEM || err == ENOSPC) return Errc::out_of_memory;
  return err == EFBIG ? Errc::too_large : Errc::not_supported;
}

// One attempt at a segment of exactly `len` bytes: a memfd made with
// `flags`, mode 0600, sized, sealed and mapped. On failure nothing is left.
Errc make_mapped(std::size_t len, const char* name, unsigned flags, int* fd_out, void** data_out) noexcept {
  const int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | flags);
  if (fd < 0) return from_errno(errno);
  // fchmod first: a memfd starts 0777, and the seals come last (F_SEAL_SEAL
  // ends all sealing; with the size sealed first ftruncate would fail).
  if (fchmod(fd, 0600) != 0 || ftruncate(fd, static_cast<off_t>(len)) != 0 ||
      fcntl(fd, F_ADD_SEALS, kSizeSeals | F_SEAL_SEAL) != 0) {
    const int err = errno;
    close(fd);
    return from_errno(err);
  }
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    const int err = errno;
    close(fd);
    return from_errno(err);
  }
  *fd_out = fd;
  *data_out = p;
  return Errc::ok;
}

}  // namespace

SharedSegment::SharedSegment(SharedSegment&& other) noexcept
    : fd_(other.fd_), data_(other.data_), size_(other.size_), hugetlb_(other.hugetlb_) {
  other.fd_ = -1;
  other.data_ = nullptr;
  other.size_ = 0;
  other.hugetlb_ = false;
}

SharedSegment& SharedSegment::operator=(SharedSegment&& other) noexcept {
  if (this != &other) {
    reset();
    std::swap(fd_, other.fd_);
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(hugetlb_, other.hugetlb_);
  }
  return *this;
}

SharedSegment::~SharedSegment() { reset(); }

void SharedSegment::reset() noexcept {
  if (data_ != nullptr) munmap(data_, size_);
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  data_ = nullptr;
  size_ = 0;
  hugetlb_ = false;
}

Errc SharedSegment::create(std::size_t bytes, const char* debug_name, HugePages huge_pages,
                           SharedSegment* out) noexcept {
  if (out == nullptr || bytes == 0) return Errc::invalid_argument;
  if (huge_pages != HugePages::none && huge_pages != HugePages::transparent && huge_pages != HugePages::explicit_) {
    return Errc::invalid_argument;  // a value cast from outside the enum
  }
  const char* name = debug_name != nullptr ? debug_name : "";
  if (strnlen(name, kMaxName + 1) > kMaxName) return Errc::invalid_argument;

  std::size_t granule = page_size();
  if (huge_pages != HugePages::none && granule < kHugePage) granule = kHugePage;
  if (bytes > std::numeric_limits<std::size_t>::max() - (granule - 1)) return Errc::too_large;
  const std::size_t len = (bytes + granule - 1) / granule * granule;
  if (len > static_cast<std::size_t>(std::numeric_limits<off_t>::max())) return Errc::too_large;

  int fd = -1;
  void* p = nullptr;
  // Whatever refuses hugetlbfs (no pages in the pool: mmap's reservation
  // fails; no 2 MiB size or no hugetlbfs sealing: memfd_create fails) falls
  // back to transparent huge pages.
  const bool hugetlb =
      huge_pages == HugePages::explicit_ && make_mapped(len, name, MFD_HUGETLB | kMfdHuge2Mb, &fd, &p) == Errc::ok;
  if (!hugetlb) {
    if (const Errc e = make_mapped(len, name, 0, &fd, &p); e != Errc::ok) return e;
    // Advice only: a kernel without THP refuses it, and the segment works.
    if (huge_pages != HugePages::none) (void)madvise(p, len, MADV_HUGEPAGE);
  }
  *out = SharedSegment(fd, static_cast<std::byte*>(p), len, hugetlb);
  return Errc::ok;
}

Errc SharedSegment::open(int fd, std::size_t min_bytes, SharedSegment* out) noexcept {
  if (out == nullptr || fd < 0) return Errc::invalid_argument;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return Errc::invalid_argument;
  const int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0 || (seals & kSizeSeals) != kSizeSeals) return Errc::not_supported;
  // Read the size again now that it is known to be frozen: a peer could have
  // changed it between the first fstat and sealing.
  if (fstat(fd, &st) != 0 || st.st_size <= 0) return Errc::invalid_argument;
  if (static_cast<std::uintmax_t>(st.st_size) > std::numeric_limits<std::size_t>::max()) return Errc::too_large;
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < min_bytes) return Errc::invalid_argument;
  struct statfs fs;
  const bool hugetlb = fstatfs(fd, &fs) == 0 && static_cast<std::uint32_t>(fs.f_type) == HUGETLBFS_MAGIC;

  const int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return Errc::not_supported;
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, own, 0);
  if (p == MAP_FAILED) {
    const int err = errno;
    close(own);
    if (err == EACCES) return Errc::invalid_argument;  // not open for reading and writing
    return err == ENOMEM ? Errc::out_of_memory : Errc::not_supported;
  }
  *out = SharedSegment(own, static_cast<std::byte*>(p), size, hugetlb);
  return Errc::ok;
}

}  // namespace samplepool::alloc
