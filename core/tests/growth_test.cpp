// Growth: a pool with max_count above count adds samples when it runs dry,
// on every backend and free-list policy, and keeps every promise of a fixed
// pool (epoch rule, decommit, teardown returns every byte).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "test_util.hpp"

namespace samplepool {
namespace {

using test::Variant;

// A backend that refuses allocations once `budget` is spent (growth's
// out-of-memory) and counts the bytes it has out, over a real backend.
class BudgetBackend final : public alloc::Backend {
 public:
  BudgetBackend(std::shared_ptr<alloc::Backend> inner, int budget)
      : inner_(std::move(inner)), budget_(budget) {}
  const char* name() const noexcept override { return "budget"; }
  Errc allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept override {
    if (budget_.fetch_sub(1) <= 0) return Errc::out_of_memory;
    const Errc e = inner_->allocate(bytes, alignment, out);
    if (e == Errc::ok) in_use_ += bytes;
    return e;
  }
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept override {
    inner_->deallocate(p, bytes, alignment);
    in_use_ -= bytes;
  }
  void set_budget(int n) { budget_.store(n); }
  std::size_t in_use() const { return in_use_.load(); }

 private:
  std::shared_ptr<alloc::Backend> inner_;
  std::atomic<int> budget_;
  std::atomic<std::size_t> in_use_{0};
};

class Growth : public testing::TestWithParam<Variant> {};

TEST_P(Growth, GrowsWhenEmptyUpToTheMaximumThenTimesOut) {
  Pool pool(test::options_for(GetParam()));
  Properties actual;
  ASSERT_EQ(pool.set_properties({4, 128, 16, 0, 20}, &actual), Errc::ok);
  EXPECT_EQ(actual.max_count, 20u);
  ASSERT_EQ(pool.commit(), Errc::ok);
  EXPECT_EQ(pool.stats().count, 4u);
  EXPECT_EQ(pool.stats().max_count, 20u);
  std::vector<Sample> held(20);
  std::set<std::byte*> data;
  for (Sample& s : held) {
    ASSERT_EQ(pool.try_acquire(s), Errc::ok);
    // Every sample's payload is its own and writable, grown or not.
    std::memset(s.data(), 0x5a, s.size());
    EXPECT_TRUE(data.insert(s.data()).second);
  }
  Stats st = pool.stats();
  EXPECT_EQ(st.count, 20u);
  EXPECT_EQ(st.outstanding, 20u);
  EXPECT_EQ(st.growths, 16u);  // 16 steps of one sample: (20 - 4) / kMaxGrowthSteps rounds up to 1
  Sample more;
  EXPECT_EQ(pool.try_acquire(more), Errc::timeout);
  EXPECT_EQ(pool.acquire_for(more, std::chrono::milliseconds(1)), Errc::timeout);
  held.clear();
  st = pool.stats();
  EXPECT_EQ(st.free, 20u);
  EXPECT_EQ(st.outstanding, 0u);
}

TEST_P(Growth, AGrowthStepAddsAChunkAndTheRestServesLaterAcquires) {
  Pool pool(test::options_for(GetParam()));
  ASSERT_EQ(pool.set_properties({8, 64, 16, 0, 8 + 16 * 4}), Errc::ok);  // step 4
  ASSERT_EQ(pool.commit(), Errc::ok);
  std::vector<Sample> held(12);
  for (Sample& s : held) ASSERT_EQ(pool.try_acquire(s), Errc::ok);
  const Stats st = pool.stats();
  EXPECT_EQ(st.count, 12u);
  EXPECT_EQ(st.growths, 1u);
}

TEST_P(Growth, BlockingAcquireGrowsInsteadOfWaiting) {
  Pool pool(test::options_for(GetParam()));
  ASSERT_EQ(pool.set_properties({2, 64, 16, 0, 3}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  Sample a, b, c;
  ASSERT_EQ(pool.acquire(a), Errc::ok);
  ASSERT_EQ(pool.acquire(b), Errc::ok);
  ASSERT_EQ(pool.acquire(c), Errc::ok);  // would block for good in a fixed pool
  EXPECT_EQ(pool.stats().growths, 1u);
}

TEST_P(Growth, BulkGrowsToFillTheRequest) {
  Pool pool(test::options_for(GetParam()));
  ASSERT_EQ(pool.set_properties({4, 64, 16, 0, 36}), Errc::ok);  // step 2
  ASSERT_EQ(pool.commit(), Errc::ok);
  std::vector<Sample> out(9);
  ASSERT_EQ(pool.try_acquire_bulk(out), Errc::ok);
  const Stats st = pool.stats();
  EXPECT_EQ(st.count, 10u);  // 4 + 3 chunks of 2
  EXPECT_EQ(st.growths, 3u);
  std::vector<Sample> too_many(37);
  EXPECT_EQ(pool.try_acquire_bulk(too_many), Errc::invalid_argument);  // beyond the maximum
}

TEST_P(Growth, DecommitKeepsGrownSamplesAndTrimGivesThemBack) {
  Pool pool(test::options_for(GetParam()));
  ASSERT_EQ(pool.set_properties({4, 4096, 16, 0, 12}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  const auto bytes_at_commit = pool.arena().stats().bytes_in_use;
  {
    std::vector<Sample> held(12);
    for (Sample& s : held) ASSERT_EQ(pool.try_acquire(s), Errc::ok);
    EXPECT_EQ(pool.trim(), Errc::already_committed);
    ASSERT_EQ(pool.decommit(), Errc::ok);
    EXPECT_EQ(pool.trim(), Errc::buffers_outstanding);  // grown samples still held
    EXPECT_GT(pool.arena().stats().bytes_in_use, bytes_at_commit);
  }
  // Kept for the next commit: all 12 come back without growing again.
  ASSERT_EQ(pool.commit(), Errc::ok);
  {
    std::vector<Sample> held(12);
    for (Sample& s : held) ASSERT_EQ(pool.try_acquire(s), Errc::ok);
    EXPECT_EQ(pool.stats().growths, 8u);
  }
  ASSERT_EQ(pool.decommit(), Errc::ok);
  ASSERT_EQ(pool.trim(), Errc::ok);
  EXPECT_EQ(pool.arena().stats().bytes_in_use, bytes_at_commit);
  EXPECT_EQ(pool.stats().count, 4u);
  // The headroom stays: it grows again.
  ASSERT_EQ(pool.commit(), Errc::ok);
  std::vector<Sample> held(12);
  for (Sample& s : held) ASSERT_EQ(pool.try_acquire(s), Errc::ok);
  EXPECT_EQ(pool.stats().count, 12u);
}

TEST_P(Growth, EpochRuleHoldsForAGrownSample) {
  Pool pool(test::options_for(GetParam()));
  ASSERT_EQ(pool.set_properties({1, 64, 16, 0, 2}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  Sample a;
  ASSERT_EQ(pool.acquire(a), Errc::ok);
  std::atomic<bool> started{false};
  Errc result = Errc::ok;
  // The grown sample is taken; a third acquire blocks, and a Decommit ends it.
  Sample b;
  ASSERT_EQ(pool.acquire(b), Errc::ok);
  std::thread waiter([&] {
    Sample c;
    started = true;
    result = pool.acquire(c);
  });
  ASSERT_TRUE(test::eventually([&] { return started && pool.stats().waiters == 1; }));
  ASSERT_EQ(pool.decommit(), Errc::ok);
  waiter.join();
  EXPECT_EQ(result, Errc::not_committed);
}

TEST_P(Growth, TeardownWaitsForGrownSamplesAndReturnsEveryByte) {
  auto counting = std::make_shared<BudgetBackend>(test::make_backend(GetParam().backend), 1000);
  PoolOptions options = test::options_for(GetParam());
  options.backend = counting;
  std::thread late;
  {
    Pool pool(options);
    ASSERT_EQ(pool.set_properties({2, 256, 64, 32, 40}), Errc::ok);
    ASSERT_EQ(pool.commit(), Errc::ok);
    std::vector<Sample> held(40);
    for (Sample& s : held) {
      ASSERT_EQ(pool.try_acquire(s), Errc::ok);
      // (data - prefix) keeps the alignment, grown samples too.
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(s.data() - 32) % 64, 0u);
    }
    EXPECT_GT(counting->in_use(), 0u);
    held.erase(held.begin(), held.begin() + 30);  // the grown ones stay held past ~Pool's start
    late = std::thread([h = std::move(held)]() mutable {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      h.clear();
    });
  }  // ~Pool waits for the late releases
  late.join();
  EXPECT_EQ(counting->in_use(), 0u);
}

TEST_P(Growth, FailedGrowthIsCountedAndTheAcquireWaitsAsAFixedPoolWould) {
  // Headers and the initial payload only.
  auto budget = std::make_shared<BudgetBackend>(test::make_backend(GetParam().backend), 2);
  PoolOptions options = test::options_for(GetParam());
  options.backend = budget;
  Pool pool(options);
  ASSERT_EQ(pool.set_properties({2, 64, 16, 0, 4}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  Sample a, b, c;
  ASSERT_EQ(pool.try_acquire(a), Errc::ok);
  ASSERT_EQ(pool.try_acquire(b), Errc::ok);
  EXPECT_EQ(pool.try_acquire(c), Errc::timeout);
  EXPECT_EQ(pool.acquire_for(c, std::chrono::milliseconds(2)), Errc::timeout);
  Stats st = pool.stats();
  EXPECT_GE(st.growth_failures, 2u);  // the poll's, and the timed acquire's (once or more)
  EXPECT_EQ(st.growths, 0u);
  EXPECT_EQ(st.count, 2u);
  // Memory comes back: the next empty acquire grows.
  budget->set_budget(10);
  ASSERT_EQ(pool.try_acquire(c), Errc::ok);
  st = pool.stats();
  EXPECT_EQ(st.growths, 1u);
  EXPECT_EQ(st.count, 3u);
}

TEST_P(Growth, ConcurrentAcquirersNeverExceedTheMaximumOrShareASample) {
  Pool pool(test::options_for(GetParam()));
  ASSERT_EQ(pool.set_properties({4, 64, 16, 0, 64}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  constexpr int kThreads = 4;
  std::mutex m;
  std::set<const std::byte*> in_use;  // payloads held now, by any thread
  int overlaps = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<Sample> mine(12);
      for (int round = 0; round < 200; ++round) {
        for (Sample& s : mine) {
          if (pool.acquire(s) != Errc::ok) return;
          std::lock_guard lock(m);
          overlaps += in_use.insert(s.data()).second ? 0 : 1;
        }
        for (Sample& s : mine) {
          {
            std::lock_guard lock(m);
            in_use.erase(s.data());
          }
          s.reset();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const Stats st = pool.stats();
  EXPECT_EQ(overlaps, 0);
  EXPECT_LE(st.count, 64u);
  EXPECT_GE(st.count, 12u);
  EXPECT_EQ(st.outstanding, 0u);
  EXPECT_EQ(st.free, st.count);
}

INSTANTIATE_TEST_SUITE_P(All, Growth, testing::ValuesIn(test::all_variants()), test::variant_name);

// On the mmap backend a growing pool's payload is one reservation: grown
// samples sit where index x stride says, pre-faulted and (when asked and
// allowed) locked like the initial ones; trim gives their pages back.
// A backend whose next allocation, once armed, stops until released and
// then fails: the seam for a growth step that loses its allocation while
// another acquirer is asleep beside the chunk.
class GatedBackend final : public alloc::Backend {
 public:
  const char* name() const noexcept override { return "gated"; }
  Errc allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept override {
    if (armed_.exchange(false)) {
      entered_ = true;
      while (!released_) std::this_thread::sleep_for(std::chrono::microseconds(100));
      return Errc::out_of_memory;
    }
    return heap_->allocate(bytes, alignment, out);
  }
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept override {
    heap_->deallocate(p, bytes, alignment);
  }
  std::atomic<bool> armed_{false}, entered_{false}, released_{false};

 private:
  std::shared_ptr<alloc::Backend> heap_ = test::make_backend("heap");
};

// Found by the spin model (GROW=2, scenario 5): a waiter that skipped the
// last chunk because another acquirer was building it went to sleep; that
// builder's allocation failed and it left (a poll), and nobody woke the
// waiter to build the chunk itself: it slept until its deadline.
TEST(GrowthRace, AFailedBuildWakesTheWaiterThatSkippedItsChunk) {
  auto backend = std::make_shared<GatedBackend>();
  Pool pool(PoolOptions{FreeListPolicy::lifo, backend, false});
  ASSERT_EQ(pool.set_properties({1, 64, 16, 0, 2}), Errc::ok);  // one chunk of one
  ASSERT_EQ(pool.commit(), Errc::ok);
  Sample initial;
  ASSERT_EQ(pool.try_acquire(initial), Errc::ok);
  backend->armed_ = true;
  Errc poll = Errc::ok;
  std::thread builder([&] {
    Sample s;
    poll = pool.try_acquire(s);  // builds the chunk; its allocation stops, then fails
  });
  ASSERT_TRUE(test::eventually([&] { return backend->entered_.load(); }));
  Errc waited = Errc::ok;
  std::chrono::steady_clock::duration took{};
  std::thread waiter([&] {
    Sample s;
    const auto t0 = std::chrono::steady_clock::now();
    waited = pool.acquire_for(s, std::chrono::seconds(5));  // skips the chunk being built, sleeps
    took = std::chrono::steady_clock::now() - t0;
  });
  ASSERT_TRUE(test::eventually([&] { return pool.stats().waiters == 1; }));
  backend->released_ = true;  // the build fails; the waiter must try the chunk itself
  builder.join();
  waiter.join();
  EXPECT_EQ(poll, Errc::timeout);
  EXPECT_EQ(waited, Errc::ok);
  EXPECT_LT(took, std::chrono::seconds(2));
  EXPECT_EQ(pool.stats().growth_failures, 1u);
  EXPECT_EQ(pool.stats().growths, 1u);
}

TEST(GrowthMmap, GrowsInPlaceInsideOneReservation) {
  for (const bool lock : {false, true}) {
    std::shared_ptr<alloc::Backend> backend;
    ASSERT_EQ(alloc::make_backend("mmap", {true, alloc::HugePages::none, lock}, &backend), Errc::ok);
    Pool pool(PoolOptions{FreeListPolicy::lifo, backend});
    ASSERT_EQ(pool.set_properties({4, 5000, 64, 0, 40}), Errc::ok);
    if (const Errc e = pool.commit(); e != Errc::ok) {
      ASSERT_TRUE(lock && e == Errc::not_supported) << to_string(e);  // mlock refused here
      continue;
    }
    std::vector<Sample> held(40);
    for (Sample& s : held) ASSERT_EQ(pool.try_acquire(s), Errc::ok);
    const std::byte* base = held[0].data() - std::ptrdiff_t(held[0].index()) * 5056;  // stride: 5000 -> 5056
    for (Sample& s : held) {
      EXPECT_EQ(s.data(), base + std::ptrdiff_t(s.index()) * 5056) << s.index();
      std::memset(s.data(), 0x33, s.size());
    }
    EXPECT_EQ(pool.stats().count, 40u);
    held.clear();
    ASSERT_EQ(pool.decommit(), Errc::ok);
    const auto before = pool.arena().stats().bytes_in_use;
    ASSERT_EQ(pool.trim(), Errc::ok);
    EXPECT_LT(pool.arena().stats().bytes_in_use, before);
    ASSERT_EQ(pool.commit(), Errc::ok);
    held.resize(40);
    for (Sample& s : held) ASSERT_EQ(pool.try_acquire(s), Errc::ok);  // grows again, in place
    for (Sample& s : held) std::memset(s.data(), 0x44, s.size());
  }
}

TEST(GrowthProperties, MaxBelowCountIsRefusedAndLeavesThePoolAsItWas) {
  Pool pool;
  ASSERT_EQ(pool.set_properties({4, 64, 16, 0}), Errc::ok);
  EXPECT_EQ(pool.set_properties({8, 64, 16, 0, 7}), Errc::invalid_argument);
  EXPECT_EQ(pool.properties(), (Properties{4, 64, 16, 0}));
  EXPECT_EQ(pool.set_properties({8, 64, 16, 0, kMaxSampleCount + 1}), Errc::too_large);
  EXPECT_EQ(pool.set_properties({8, 64, 16, 0, 8}), Errc::ok);  // equal: a fixed pool
  ASSERT_EQ(pool.commit(), Errc::ok);
  std::vector<Sample> held(8);
  for (Sample& s : held) ASSERT_EQ(pool.try_acquire(s), Errc::ok);
  Sample more;
  EXPECT_EQ(pool.try_acquire(more), Errc::timeout);
  EXPECT_EQ(pool.stats().max_count, 8u);
}

TEST(GrowthProperties, MaxCountTimesStrideMustNotOverflow) {
  Layout l;
  EXPECT_EQ(compute_layout({1, std::size_t{1} << 40, 16, 0, 1u << 23}, &l), Errc::too_large);
  EXPECT_EQ(compute_layout({1, 64, 16, 0, 1u << 20}, &l), Errc::ok);
  EXPECT_EQ(l.capacity, 1u << 20);
  EXPECT_EQ(l.payload_bytes, 64u);  // only the initial count is made at commit
}

// A sample from a grown chunk is a sample like the first ones: its header
// names the pool's thread caches (slot.hpp), so its release goes into the
// releasing thread's cache, not to the shared list.
TEST(GrowthCaches, AGrownSampleComesBackThroughTheThreadCache) {
  Pool pool;
  ASSERT_EQ(pool.set_properties({16, 128, 16, 0, 64}, nullptr), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  ASSERT_TRUE(pool.thread_cache_enabled());
  std::vector<Sample> held(17);
  for (Sample& s : held) ASSERT_EQ(pool.try_acquire(s), Errc::ok);
  ASSERT_GE(held.back().index(), 16u) << "the 17th sample comes from a grown chunk";
  const std::uint32_t cached = pool.stats().cached;
  held.back().reset();
  EXPECT_EQ(pool.stats().cached, cached + 1);
  held.clear();
  EXPECT_EQ(pool.stats().outstanding, 0u);
}

}  // namespace
}  // namespace samplepool
