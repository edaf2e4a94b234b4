// samplepool/alloc/memfd.hpp: a shared-memory segment backed by a memfd.
//
// Purpose: memory that several processes map at once (a shared pool, or a
// region handed to another process), named by a file descriptor that travels
// over an AF_UNIX socket (fd_passing.hpp) or across fork/exec.
//
// Contract:
//  - a segment is one memfd, mapped whole, MAP_SHARED, read/write;
//  - create() makes a zero-filled one, mode 0600, close-on-exec, and seals it
//    with F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL once sized: nobody (its
//    creator included) can truncate it under another process's mapping, which
//    would make that process's next access raise SIGBUS;
//  - open() maps an existing one only if it carries F_SEAL_SHRINK and
//    F_SEAL_GROW, for the same reason;
//  - the segment owns one fd (its own: open() dups the caller's) and one
//    mapping, and gives both back in its destructor or when assigned over.
//    Every error leaves *out untouched; success replaces *out (whatever it
//    held is unmapped and closed).
//
// Huge pages (create):
//  - none:        page-size pages; the size is rounded up to the page size.
//  - transparent: a normal memfd plus madvise(MADV_HUGEPAGE) on the mapping;
//                 the kernel backs it with huge pages where its shmem THP
//                 setting (/sys/kernel/mm/transparent_hugepage/shmem_enabled)
//                 allows. The size is rounded up to 2 MiB.
//  - explicit_:   MFD_HUGETLB (2 MiB pages from the hugetlbfs pool, reserved
//                 when mapped, so no later fault can fail for lack of them);
//                 when the pool is empty or absent (or hugetlbfs cannot be
//                 sealed), create() falls back to `transparent` and
//                 used_hugetlb() is false. The size is rounded up to 2 MiB.
//
// Thread safety: a SharedSegment is a value; distinct objects may be used
// concurrently, one object like any standard type (const members concurrently).
//
// Memory ordering: none is implied. The bytes are the same physical pages in
// every mapping (in every process), so what one thread or process writes is
// ordered for another only by atomics inside the segment (use lock-free,
// address-free ones: std::atomic of integers). The zero fill is visible to
// every mapping from the start.
#pragma once

#include <cstddef>

#include "samplepool/alloc/backend.hpp"
#include "samplepool/errc.hpp"

namespace samplepool::alloc {

class SharedSegment {
 public:
  SharedSegment() noexcept = default;  // empty: fd() == -1, data() == nullptr, size() == 0
  SharedSegment(SharedSegment&& other) noexcept;
  SharedSegment& operator=(SharedSegment&& other) noexcept;
  SharedSegment(const SharedSegment&) = delete;
  SharedSegment& operator=(const SharedSegment&) = delete;
  ~SharedSegment();  // munmap + close

  // Creates a zero-filled segment of at least `bytes` (rounded as above),
  // named `debug_name` (shown in /proc/PID/fd as "/memfd:NAME"; null or
  // empty gives an empty name). Errors:
  //  - invalid_argument: null `out`, `bytes` 0, a `huge_pages` value outside
  //    the enum, or a name longer than 249 bytes (memfd_create's limit);
  //  - too_large: `bytes` rounded up overflows, or exceeds a file's size limit
  //    (off_t, or ftruncate's EFBIG);
  //  - out_of_memory: memfd_create, ftruncate or mmap failed with ENOMEM or
  //    ENOSPC;
  //  - not_supported: any other failure (no memfd_create or no sealing in
  //    this kernel, the fd limit reached, a seccomp filter, ...).
  static Errc create(std::size_t bytes, const char* debug_name, HugePages huge_pages, SharedSegment* out) noexcept;

  // Maps the whole of an existing segment from `fd`, which the caller keeps
  // (the segment holds its own close-on-exec dup). The seals are checked
  // before the size is read (a sealed size cannot change after), and
  // everything before mapping. Errors:
  //  - invalid_argument: null `out`, a negative or closed `fd`, an fd that is
  //    not a regular file (a pipe, a socket), a file of size 0 or smaller than
  //    `min_bytes`, or one not open for reading and writing (mmap EACCES);
  //  - too_large: the file's size does not fit in size_t;
  //  - not_supported: the file is not sealed against shrinking and growing
  //    (F_SEAL_SHRINK and F_SEAL_GROW; a file that cannot be sealed at all,
  //    such as one on ext4, counts as unsealed), or dup/mmap failed otherwise
  //    (e.g. F_SEAL_WRITE forbids a writable mapping);
  //  - out_of_memory: mmap failed with ENOMEM.
  // used_hugetlb() is true when the file lives on hugetlbfs.
  static Errc open(int fd, std::size_t min_bytes, SharedSegment* out) noexcept;

  int fd() const noexcept { return fd_; }
  std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }  // mapped bytes: the whole file
  bool used_hugetlb() const noexcept { return hugetlb_; }
  explicit operator bool() const noexcept { return data() != nullptr; }

 private:
  SharedSegment(int fd, std::byte* data, std::size_t size, bool hugetlb) noexcept
      : fd_(fd), data_(data), size_(size), hugetlb_(hugetlb) {}
  void reset() noexcept;  // unmaps and closes; leaves the segment empty

  // Invariant: fd_ == -1 iff data_ == nullptr iff size_ == 0.
  int fd_ = -1;
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  bool hugetlb_ = false;
};

}  // namespace samplepool::alloc
