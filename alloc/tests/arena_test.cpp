// Arena argument checks and accounting, and each backend's promises.
#include "samplepool/alloc/arena.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "samplepool/alloc/heap.hpp"
#include "samplepool/alloc/jemalloc.hpp"
#include "samplepool/alloc/mmap.hpp"

namespace samplepool::alloc {
namespace {

void round_trip(Arena& arena, std::size_t bytes, std::size_t align) {
  void* p = nullptr;
  ASSERT_EQ(arena.allocate(bytes, align, &p), Errc::ok);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % align, 0u);
  std::memset(p, 0x5a, bytes);
  EXPECT_EQ(arena.stats().bytes_in_use, bytes);
  arena.deallocate(p, bytes, align);
  EXPECT_EQ(arena.stats().bytes_in_use, 0u);
}

TEST(Arena, RefusesBadArgumentsWithoutCallingTheBackend) {
  Arena arena;
  void* p = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(arena.allocate(0, 64, &p), Errc::invalid_argument);
  EXPECT_EQ(arena.allocate(64, 64, nullptr), Errc::invalid_argument);
  EXPECT_EQ(arena.allocate(64, 48, &p), Errc::bad_alignment);
  EXPECT_EQ(arena.allocate(64, 0, &p), Errc::bad_alignment);
  EXPECT_EQ(arena.allocate(SIZE_MAX - 10, 64, &p), Errc::too_large);
  EXPECT_EQ(p, reinterpret_cast<void*>(0x1)) << "output untouched";
  EXPECT_EQ(arena.stats().allocations, 0u);
  EXPECT_STREQ(arena.backend().name(), "heap");
}

TEST(Arena, CountsBytesAndPeak) {
  Arena arena;
  void *a, *b;
  ASSERT_EQ(arena.allocate(1000, 64, &a), Errc::ok);
  ASSERT_EQ(arena.allocate(3000, 64, &b), Errc::ok);
  arena.deallocate(a, 1000, 64);
  const ArenaStats s = arena.stats();
  EXPECT_EQ(s.bytes_in_use, 3000u);
  EXPECT_EQ(s.peak_bytes, 4000u);
  EXPECT_EQ(s.allocations, 2u);
  arena.deallocate(b, 3000, 64);
}

TEST(Arena, HeapBackendAligns) {
  std::shared_ptr<Backend> heap;
  ASSERT_EQ(make_heap_backend({}, &heap), Errc::ok);
  Arena arena(heap);
  round_trip(arena, 12345, 64);
  round_trip(arena, 100, 4096);
}

// A backend that hands out memory aligned less than asked (a third-party
// backend written for smaller alignments): each region is 64 bytes past an
// 8 KiB boundary.
class MisaligningBackend final : public Backend {
 public:
  const char* name() const noexcept override { return "misaligning"; }
  Errc allocate(std::size_t bytes, std::size_t, void** out) noexcept override {
    auto* p = static_cast<std::byte*>(::operator new(bytes + 64, std::align_val_t{8192}, std::nothrow));
    if (p == nullptr) return Errc::out_of_memory;
    *out = p + 64;
    ++live;
    return Errc::ok;
  }
  void deallocate(void* p, std::size_t, std::size_t) noexcept override {
    ::operator delete(static_cast<std::byte*>(p) - 64, std::align_val_t{8192});
    --live;
  }
  int live = 0;
};

TEST(Arena, MemoryAlignedLessThanAskedIsGivenBackAndRefused) {
  auto backend = std::make_shared<MisaligningBackend>();
  Arena arena(backend);
  void* p = reinterpret_cast<void*>(0x1);
  EXPECT_EQ(arena.allocate(4096, 4096, &p), Errc::not_supported);
  EXPECT_EQ(p, reinterpret_cast<void*>(0x1)) << "output untouched";
  EXPECT_EQ(backend->live, 0) << "the misaligned region went back";
  EXPECT_EQ(arena.stats().failures, 1u);
  EXPECT_EQ(arena.stats().bytes_in_use, 0u);
  // What it does align (64) passes.
  ASSERT_EQ(arena.allocate(4096, 64, &p), Errc::ok);
  arena.deallocate(p, 4096, 64);
  EXPECT_EQ(backend->live, 0);
}

TEST(Arena, OutOfMemoryIsReportedNotFatal) {
  Arena arena(std::make_shared<MmapBackend>(MmapOptions{false, HugePages::none, false}));
  void* p = nullptr;
  // 2^46 bytes is more address space than a mapping may take here.
  EXPECT_EQ(arena.allocate(std::size_t{1} << 62, 64, &p), Errc::out_of_memory);
  EXPECT_EQ(arena.stats().failures, 1u);
  EXPECT_EQ(arena.stats().bytes_in_use, 0u);
}

TEST(Jemalloc, DedicatedArenaStatsReturnToZero) {
  std::shared_ptr<Backend> b;
  if (!jemalloc_available()) {
    EXPECT_EQ(make_jemalloc_backend({}, &b), Errc::not_supported);
    GTEST_SKIP() << "built without jemalloc";
  }
  ASSERT_EQ(make_jemalloc_backend({}, &b), Errc::ok);
  EXPECT_STREQ(b->name(), "jemalloc");
  EXPECT_EQ(b->resident_bytes(), 0);
  Arena arena(b);
  void *small, *large;
  ASSERT_EQ(arena.allocate(4096, 64, &small), Errc::ok);
  ASSERT_EQ(arena.allocate(8 << 20, 4096, &large), Errc::ok);
  EXPECT_GE(b->resident_bytes(), (8 << 20) + 4096);
  arena.deallocate(small, 4096, 64);
  arena.deallocate(large, 8 << 20, 4096);
  EXPECT_EQ(b->resident_bytes(), 0);
  EXPECT_EQ(make_jemalloc_backend({}, nullptr), Errc::invalid_argument);
}

TEST(Mmap, PopulatedAndAligned) {
  auto b = std::make_shared<MmapBackend>(MmapOptions{});
  Arena arena(b);
  round_trip(arena, 1 << 20, 64);
  round_trip(arena, 100, 1 << 16);
  EXPECT_STREQ(b->describe(), "mmap 4k");
}

TEST(Mmap, TransparentHugePagesAreAlignedTo2MiB) {
  auto b = std::make_shared<MmapBackend>(MmapOptions{true, HugePages::transparent, false});
  Arena arena(b);
  void* p;
  ASSERT_EQ(arena.allocate(3 << 20, 64, &p), Errc::ok);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % (2 << 20), 0u);
  arena.deallocate(p, 3 << 20, 64);
}

TEST(Mmap, ExplicitHugePagesFallBackCleanly) {
  auto b = std::make_shared<MmapBackend>(MmapOptions{true, HugePages::explicit_, false});
  Arena arena(b);
  round_trip(arena, 1 << 20, 64);
  // Either hugetlbfs served it or we fell back; never both, never neither.
  EXPECT_EQ(b->hugetlb_allocations() + b->hugetlb_fallbacks(), 1u);
}

TEST(Mmap, LockedWhenAllowed) {
  auto b = std::make_shared<MmapBackend>(MmapOptions{true, HugePages::none, true});
  EXPECT_STREQ(b->describe(), "mmap 4k locked");
  Arena arena(b);
  void* p = nullptr;
  const Errc e = arena.allocate(1 << 16, 64, &p);
  ASSERT_TRUE(e == Errc::ok || e == Errc::not_supported) << to_string(e);
  if (e == Errc::ok) arena.deallocate(p, 1 << 16, 64);
  EXPECT_EQ(arena.stats().bytes_in_use, 0u);
}

// With RLIMIT_MEMLOCK at zero and no CAP_IPC_LOCK (a child that drops root
// if it has it), a locked allocation is refused with not_supported and maps
// nothing.
TEST(Mmap, LockRefusedCleanlyWithoutPermission) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizer runtimes turn mlock into a no-op that succeeds";
#endif
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const rlimit zero{0, 0};
    if (setrlimit(RLIMIT_MEMLOCK, &zero) != 0) _exit(10);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(11);
    Arena arena(std::make_shared<MmapBackend>(MmapOptions{true, HugePages::none, true}));
    void* p = nullptr;
    const Errc e = arena.allocate(1 << 16, 64, &p);
    if (p != nullptr || arena.stats().bytes_in_use != 0) _exit(12);
    _exit(e == Errc::not_supported ? 0 : 20 + static_cast<int>(e));
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// Reserve, commit in pieces, decommit, release: committed bytes count, the
// reservation does not; decommitted pages fault again; a backend without
// reservations says not_supported.
TEST(Mmap, ReservationCommitsAndGivesBackPagesInPlace) {
  for (const auto huge : {HugePages::none, HugePages::transparent}) {
    Arena arena(std::make_shared<MmapBackend>(MmapOptions{true, huge, false}));
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    void* raw = nullptr;
    ASSERT_EQ(arena.reserve(64 * page, 64, &raw), Errc::ok);
    auto* base = static_cast<unsigned char*>(raw);
    EXPECT_EQ(arena.stats().bytes_in_use, 0u);
    ASSERT_EQ(arena.commit(base, 8 * page), Errc::ok);
    ASSERT_EQ(arena.commit(base + 8 * page + 100, 8 * page), Errc::ok);  // not page-aligned: rounded out
    std::memset(base, 0x5a, 16 * page + 100);
    EXPECT_EQ(arena.stats().bytes_in_use, 16 * page);
    arena.decommit(base + 8 * page + 100, 8 * page);  // rounded in: the first page stays
    EXPECT_EQ(base[8 * page + 50], 0x5a);             // a neighbour's page is untouched
    EXPECT_EQ(arena.stats().bytes_in_use, 8 * page);
    // Decommitted: PROT_NONE again, so a write faults (SIGSEGV; under ASan
    // its handler reports it and aborts).
    EXPECT_DEATH(base[12 * page] = 1, "");
    ASSERT_EQ(arena.commit(base + 8 * page + 100, 8 * page), Errc::ok);  // and committed again
    base[12 * page] = 1;
    arena.decommit(base + 8 * page + 100, 8 * page);
    arena.decommit(base, 8 * page);
    arena.release(raw, 64 * page, 64);
    EXPECT_EQ(arena.stats().bytes_in_use, 0u);
  }
  Arena heap;
  void* p = nullptr;
  EXPECT_EQ(heap.reserve(1 << 20, 64, &p), Errc::not_supported);
  EXPECT_EQ(heap.reserve(0, 64, &p), Errc::invalid_argument);
  EXPECT_EQ(Arena(std::make_shared<MmapBackend>(MmapOptions{true, HugePages::explicit_, false}))
                .reserve(1 << 20, 64, &p),
            Errc::not_supported);  // hugetlbfs grows chunk by chunk
}

TEST(Mmap, ReservationCommitLockedWhenAllowed) {
  Arena arena(std::make_shared<MmapBackend>(MmapOptions{true, HugePages::none, true}));
  void* raw = nullptr;
  ASSERT_EQ(arena.reserve(1 << 20, 64, &raw), Errc::ok);
  const Errc e = arena.commit(raw, 1 << 16);
  ASSERT_TRUE(e == Errc::ok || e == Errc::not_supported) << to_string(e);
  if (e == Errc::ok) arena.decommit(raw, 1 << 16);
  arena.release(raw, 1 << 20, 64);
  EXPECT_EQ(arena.stats().bytes_in_use, 0u);
}

}  // namespace
}  // namespace samplepool::alloc
