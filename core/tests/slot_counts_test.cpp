// Statistics in a pool without thread caches (slot_counts.hpp): a thread
// that holds a slot counts its failed polls and its acquires in that slot's
// own line, never in the pool's shared counters; one without a slot counts
// in the pool and claims a slot, so that its next count need not.
#include <gtest/gtest.h>

#include <bit>
#include <thread>
#include <vector>

#include "samplepool/detail/cache_set.hpp"
#include "test_util.hpp"

namespace samplepool {
namespace {

using detail::CacheSet;

// Each thread of a set without caches counts in its own slot's entry: the
// totals are exact, and the pool's counter (ControlBlock::counters, which
// the caller bumps when count_timeout answers false) is never needed.
TEST(SlotCounts, ASetWithoutCachesCountsEachThreadsFailuresInItsSlot) {
  detail::ControlBlock cb(FreeListPolicy::fifo);
  CacheSet set(cb, /*wanted=*/false, [](void*) noexcept {}, nullptr);
  ASSERT_FALSE(set.exists());
  ASSERT_NE(cb.read_mostly.slot_counts, nullptr);
  constexpr int kThreads = 3;
  constexpr int kPolls = 5;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      CacheSet::Own own = CacheSet::own(cb);
      ASSERT_EQ(own.offset, 0u) << "a new thread holds no slot";
      EXPECT_FALSE(CacheSet::count_timeout(cb, own)) << "no slot: the pool must count it";
      detail::claim_cache_slot();
      own = CacheSet::own(cb);
      ASSERT_NE(own.offset, 0u);
      EXPECT_EQ(own.cache, nullptr);
      // A slot given back keeps its count; the next holder adds to it.
      const auto& entry = detail::slot_counts_at(cb.read_mostly.slot_counts, own.offset);
      const std::uint64_t before = entry.failed.load();
      for (int i = 0; i < kPolls; ++i) EXPECT_TRUE(CacheSet::count_timeout(cb, own));
      EXPECT_EQ(entry.failed.load(), before + kPolls);
    });
    threads.back().join();  // one at a time: each may take the slot the last one gave back
  }
  EXPECT_EQ(set.totals().timeouts, std::uint64_t{kThreads} * kPolls);
  EXPECT_EQ(cb.counters.timeouts.load(), 0u);
}

// A slot's byte offset finds that slot's entry (the index divides by the
// cache entry's size through a multiplicative inverse); no array or no slot
// finds none.
TEST(SlotCounts, EachSlotsOffsetFindsItsOwnEntry) {
  std::vector<detail::SlotCounts> counts(detail::kCacheEntries);
  for (std::uint32_t slot = 1; slot < detail::kCacheEntries; ++slot) {
    const auto offset = slot * static_cast<std::uint32_t>(sizeof(detail::ThreadCache));
    EXPECT_EQ(detail::cache_slot(offset), slot);
    EXPECT_EQ(&detail::slot_counts_at(counts.data(), offset), &counts[slot]) << "slot " << slot;
    EXPECT_EQ(detail::slot_counts_of(counts.data(), offset), &counts[slot]) << "slot " << slot;
    EXPECT_EQ(detail::slot_counts_of(nullptr, offset), nullptr) << "no array, slot " << slot;
  }
  EXPECT_EQ(detail::slot_counts_of(counts.data(), 0), nullptr) << "offset 0: no slot";
  // Offsets that are not multiples (a racy holder stamp): the slot below,
  // or one far out of range, never a neighbour.
  constexpr auto kStride = static_cast<std::uint32_t>(sizeof(detail::ThreadCache));
  constexpr int kShift = std::countr_zero(kStride);
  EXPECT_EQ(detail::cache_slot(kStride + 5), 1u);
  for (std::uint32_t off = 1u << kShift; off < kStride * detail::kCacheEntries; off += 1u << kShift) {
    if (off % kStride == 0) continue;  // a real slot's offset, checked above
    EXPECT_GE(detail::cache_slot(off), detail::kCacheEntries) << "offset " << off << ", beside slot " << off / kStride;
  }
}

// Through a FIFO pool: a fresh thread's first failed poll counts in the
// pool and claims a slot; the rest count there. Stats sum both.
TEST(SlotCounts, AFifoPoolsFailedPollClaimsASlotForTheNext) {
  PoolOptions fifo;
  fifo.free_list = FreeListPolicy::fifo;
  Pool pool(fifo);
  test::configure(pool, 4);
  std::vector<Sample> held(4);
  for (auto& s : held) ASSERT_EQ(pool.acquire(s), Errc::ok);
  std::thread poller([&] {
    ASSERT_EQ(detail::cache_offset(), 0u);
    Sample none;
    EXPECT_EQ(pool.try_acquire(none), Errc::timeout);
    EXPECT_NE(detail::cache_offset(), 0u) << "the failed poll claimed no slot";
    for (int i = 0; i < 9; ++i) EXPECT_EQ(pool.try_acquire(none), Errc::timeout);
  });
  poller.join();
  EXPECT_EQ(pool.stats().timeouts, 10u);
}

// Acquires the shared path handed out, counted as the failed polls are: in
// the slot's line once the thread holds one, in the pool before.
TEST(SlotCounts, ASetWithoutCachesCountsEachThreadsAcquiresInItsSlot) {
  detail::ControlBlock cb(FreeListPolicy::fifo);
  CacheSet set(cb, /*wanted=*/false, [](void*) noexcept {}, nullptr);
  constexpr int kThreads = 3;
  constexpr int kAcquires = 6;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      ASSERT_EQ(detail::cache_offset(), 0u);
      ASSERT_FALSE(CacheSet::count_acquire(cb)) << "no slot: the pool must count it";
      set.count_acquire_without_slot();
      const std::uint32_t offset = detail::cache_offset();
      ASSERT_NE(offset, 0u) << "counting in the pool claimed no slot";
      const auto& entry = detail::slot_counts_at(cb.read_mostly.slot_counts, offset);
      const std::uint64_t before = entry.acquires.load();
      for (int i = 1; i < kAcquires; ++i) EXPECT_TRUE(CacheSet::count_acquire(cb));
      EXPECT_EQ(entry.acquires.load(), before + kAcquires - 1);
    });
    threads.back().join();  // one at a time, as above
  }
  EXPECT_EQ(cb.hot.acquires.load(), std::uint64_t{kThreads}) << "only each thread's first counts in the pool";
  EXPECT_EQ(set.totals().acquires, std::uint64_t{kThreads} * (kAcquires - 1));
}

// Through a FIFO pool, from several threads at once: each thread's first
// acquire counts in the pool and claims a slot, the rest count there, and
// Stats sums both exactly.
TEST(SlotCounts, AFifoPoolsAcquiresAreCountedExactly) {
  PoolOptions fifo;
  fifo.free_list = FreeListPolicy::fifo;
  Pool pool(fifo);
  test::configure(pool, 4);
  constexpr int kThreads = 4;
  constexpr int kRounds = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Sample s;
      for (int i = 0; i < kRounds; ++i) {
        ASSERT_EQ(pool.acquire(s), Errc::ok);
        if (i == 0) {
          EXPECT_NE(detail::cache_offset(), 0u) << "the first acquire claimed no slot";
        }
        s.reset();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(detail::PoolAccess::control(pool).hot.acquires.load(), std::uint64_t{kThreads})
      << "only each thread's first acquire counts in the pool";
  EXPECT_EQ(pool.stats().acquires, std::uint64_t{kThreads} * kRounds);
}

}  // namespace
}  // namespace samplepool
