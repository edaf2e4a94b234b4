// Per-thread caches: a cached sample is never hidden from a blocked or
// failing acquire, never outlives a Decommit, and never leaks at teardown.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "test_util.hpp"

namespace samplepool {
namespace {

using namespace std::chrono_literals;
using test::configure;
using test::eventually;
using test::IdleCacher;

class ThreadCacheTest : public testing::Test {
 protected:
  void SetUp() override {
    if (!pool.thread_cache_enabled()) GTEST_SKIP() << "no expedited membarrier here: caches off";
  }
  Pool pool;
};

TEST_F(ThreadCacheTest, BlockingAcquireGetsSamplesFromAnIdleThreadsCache) {
  configure(pool, 8);
  IdleCacher idle(pool, 8);
  ASSERT_TRUE(idle.ok());
  EXPECT_EQ(pool.stats().free, 8u) << "cached samples count as free";
  std::vector<Sample> mine(8);
  for (auto& s : mine) ASSERT_EQ(pool.acquire_for(s, 5s), Errc::ok);
}

TEST_F(ThreadCacheTest, TryAcquireAndBulkLookInOtherCachesBeforeFailing) {
  configure(pool, 8);
  IdleCacher idle(pool, 8);
  Sample one;
  EXPECT_EQ(pool.try_acquire(one), Errc::ok);
  one.reset();  // back into *this* thread's cache
  std::vector<Sample> all(8);
  EXPECT_EQ(pool.try_acquire_bulk(all), Errc::ok);
  Sample none;
  EXPECT_EQ(pool.try_acquire(none), Errc::timeout);
}

TEST_F(ThreadCacheTest, DecommitEmptiesEveryCache) {
  configure(pool, 8);
  {
    IdleCacher idle(pool, 8);
    ASSERT_EQ(pool.decommit(), Errc::ok);
    EXPECT_EQ(pool.release_memory(), Errc::ok) << "nothing may stay cached after a decommit";
  }
  ASSERT_EQ(pool.commit(), Errc::ok);
  std::vector<Sample> all(8);
  for (auto& s : all) ASSERT_EQ(pool.try_acquire(s), Errc::ok);
}

TEST_F(ThreadCacheTest, ReleasesAfterDecommitBypassTheCache) {
  configure(pool, 4);
  Sample s;
  ASSERT_EQ(pool.acquire(s), Errc::ok);
  ASSERT_EQ(pool.decommit(), Errc::ok);
  s.reset();  // must go to the shared list: the pool is decommitted
  EXPECT_EQ(pool.release_memory(), Errc::ok);
}

TEST_F(ThreadCacheTest, RefillAndFlushKeepCountsExact) {
  configure(pool, 100);
  for (int round = 0; round < 5; ++round) {
    std::vector<Sample> many(100);  // more than a cache: refills
    for (auto& s : many) ASSERT_EQ(pool.acquire(s), Errc::ok);
    EXPECT_EQ(pool.stats().outstanding, 100u);
    Sample extra;
    EXPECT_EQ(pool.try_acquire(extra), Errc::timeout);
  }  // released: the cache flushes in batches
  const Stats st = pool.stats();
  EXPECT_EQ(st.outstanding, 0u);
  EXPECT_EQ(st.free, 100u);
  EXPECT_EQ(st.acquires, 500u);
}

// The three tests below run their steps on new threads: a thread's first call
// into a pool takes the shared path and claims its cache slot (thread_index.hpp),
// so a new thread's cache starts the same way every time.

// A refill fills the cache up to its limit (32 in a pool of 64), as DPDK
// fills its cache, not just a flush's batch (16).
TEST_F(ThreadCacheTest, ARefillFillsTheCacheToItsLimit) {
  configure(pool, 64);
  std::uint32_t cached = 0;
  std::thread([&] {
    Sample a, b;
    ASSERT_EQ(pool.acquire(a), Errc::ok);  // the shared path: claims the cache slot
    a.reset();                             // into the cache
    ASSERT_EQ(pool.acquire(a), Errc::ok);  // out of it: empty
    ASSERT_EQ(pool.acquire(b), Errc::ok);  // a refill, one handed out
    cached = pool.stats().cached;
  }).join();
  EXPECT_EQ(cached, 31u) << "a refill of 32 (the limit), not 16 (the batch)";
}

// A bulk acquire that fits the cache (20 of 32, more than a flush's batch of
// 16) refills an empty cache and is served from it, not from the shared path.
TEST_F(ThreadCacheTest, ABulkAcquireThatFitsTheCacheRefillsIt) {
  configure(pool, 64);
  std::uint32_t cached = 0;
  std::thread([&] {
    Sample a;
    ASSERT_EQ(pool.acquire(a), Errc::ok);  // the shared path: claims the cache slot
    a.reset();                             // into the cache
    ASSERT_EQ(pool.acquire(a), Errc::ok);  // out of it: empty
    std::vector<Sample> twenty(20);
    ASSERT_EQ(pool.try_acquire_bulk(twenty), Errc::ok);
    cached = pool.stats().cached;
  }).join();
  EXPECT_EQ(cached, 12u) << "a refill of 32, 20 handed out";
}

// A full cache returns a batch (16 of 32) and keeps the warm rest while its
// owner also acquires from it; once the owner has only released since its
// last flush (a capture pipeline's consumer), a full cache returns all it
// holds: parked there, those samples would only keep an acquiring thread
// waiting. (Before, every flush kept 16.)
TEST_F(ThreadCacheTest, AFullCacheReturnsEverythingWhenItsOwnerOnlyReleases) {
  configure(pool, 64);
  std::vector<Sample> produced(48);
  std::thread([&] {
    for (auto& s : produced) ASSERT_EQ(pool.acquire(s), Errc::ok);
  }).join();  // its exit drained its cache
  ASSERT_EQ(pool.stats().cached, 0u);
  // The consumer reads the stats before it exits (its exit drains its cache).
  std::vector<std::uint32_t> cached;
  std::thread([&] {
    Sample own;
    ASSERT_EQ(pool.acquire(own), Errc::ok);  // the shared path: claims the cache slot
    own.reset();                             // into the cache
    ASSERT_EQ(pool.acquire(own), Errc::ok);  // one acquire from the cache
    own.reset();
    cached.push_back(pool.stats().cached);
    std::size_t next = 0;
    const auto release = [&](std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) produced[next++].reset();
      cached.push_back(pool.stats().cached);
    };
    release(31);  // full
    release(1);   // a flush: the owner acquired since its last one, so 16 stay
    release(15);  // full again
    release(1);   // a flush: only releases since the last one, so none stay
  }).join();
  EXPECT_EQ(cached, (std::vector<std::uint32_t>{1, 32, 17, 32, 1}));
  const Stats st = pool.stats();
  EXPECT_EQ(st.cached, 0u) << "the consumer's exit drained its cache";
  EXPECT_EQ(st.free, 64u);
  EXPECT_EQ(st.outstanding, 0u);
}

// A flushed batch goes back in ascending index order, whatever order its
// samples were released in: the refill that takes it walks the links, the
// headers and the payloads in address order (CacheSet::flush). Here a
// consumer releases 32 samples in a scrambled order, its 33rd release
// flushes all 32 (it only released), and its next refill takes that batch
// from the top of the list: a cache hands out its newest first, so the
// batch comes out in descending index order.
TEST_F(ThreadCacheTest, AFlushedBatchGoesBackInIndexOrder) {
  configure(pool, 64);
  std::vector<Sample> produced(64);
  for (auto& s : produced) ASSERT_EQ(pool.acquire(s), Errc::ok);
  std::sort(produced.begin(), produced.end(), [](const Sample& a, const Sample& b) { return a.index() < b.index(); });
  // Evens descending, then odds ascending: monotonic in neither direction.
  std::vector<std::size_t> order;
  for (std::size_t i = 32; i >= 2; i -= 2) order.push_back(i);
  for (std::size_t i = 1; i < 33; i += 2) order.push_back(i);
  ASSERT_EQ(order.size(), 32u);
  std::vector<std::uint32_t> batch, out;
  for (std::size_t i : order) batch.push_back(produced[i].index());
  const std::uint32_t last = produced[33].index();
  std::thread([&] {
    produced[0].reset();  // the shared path: claims the cache slot
    for (std::size_t i : order) produced[i].reset();  // the cache fills to its limit (32)
    ASSERT_EQ(pool.stats().cached, 32u);
    produced[33].reset();  // full: a flush of all 32, then this one is cached
    ASSERT_EQ(pool.stats().cached, 1u);
    Sample s;
    ASSERT_EQ(pool.acquire(s), Errc::ok);  // the 33rd, from the cache
    EXPECT_EQ(s.index(), last);
    std::vector<Sample> refilled(32);
    for (auto& r : refilled) {  // the first refills the empty cache: the batch
      ASSERT_EQ(pool.acquire(r), Errc::ok);
      out.push_back(r.index());
    }
  }).join();
  std::vector<std::uint32_t> descending = batch;
  std::sort(descending.rbegin(), descending.rend());
  EXPECT_EQ(out, descending) << "the batch comes back in index order, not in its release order";
}

// A release finds its cache array through the thread's release hint, which
// names the pool it released into last (CacheSet::release_entry). A thread
// that releases into two pools in turn changes the hint every time; each
// sample must still land in its own pool's cache. (A hint trusted without
// its test would put B's samples into A's cache, and A would hand them out.)
TEST_F(ThreadCacheTest, ReleasesIntoTwoPoolsInTurnEachReachTheirOwnCache) {
  configure(pool, 16);
  Pool other;
  configure(other, 16);
  std::vector<Pool*> owners;
  std::uint32_t cached_here = 0, cached_there = 0;
  std::thread([&] {
    Sample a, b;
    ASSERT_EQ(pool.acquire(a), Errc::ok);  // the shared path: claims the cache slot
    for (int round = 0; round < 4; ++round) {
      ASSERT_EQ(other.acquire(b), Errc::ok);
      a.reset();  // into this pool's cache; the hint named the other pool (or none)
      b.reset();  // into the other pool's cache; the hint named this pool
      ASSERT_EQ(pool.acquire(a), Errc::ok);
    }
    a.reset();
    cached_here = pool.stats().cached;
    cached_there = other.stats().cached;
    std::vector<Sample> all(16);
    for (auto& s : all) {
      ASSERT_EQ(pool.try_acquire(s), Errc::ok);
      owners.push_back(s.pool());
    }
    Sample none;
    EXPECT_EQ(pool.try_acquire(none), Errc::timeout);
  }).join();
  EXPECT_GE(cached_here, 1u) << "the last release went into this pool's cache";
  EXPECT_GE(cached_there, 1u) << "the other pool's releases went into its own cache";
  EXPECT_EQ(owners, std::vector<Pool*>(16, &pool)) << "every sample this pool hands out is its own";
  EXPECT_EQ(pool.stats().free, 16u);
  EXPECT_EQ(other.stats().free, 16u);
  EXPECT_EQ(other.stats().outstanding, 0u);
}

// The release hint is never null (thread_index.hpp): a thread's first hint
// is `no_release_caches`, which no sample's array equals, and a release into a pool
// without caches (a null array) takes the shared path without making the
// hint null, which the next release into a pool with caches would otherwise
// trust (CacheSet::release_entry tests only equality).
TEST_F(ThreadCacheTest, ReleasesIntoAPoolWithoutCachesTakeTheSharedPathAndLeaveTheHint) {
  configure(pool, 16);
  Pool plain(PoolOptions{FreeListPolicy::lifo, nullptr, false});
  configure(plain, 4);
  std::uint64_t cached_here = 0, cached_plain = 0;
  std::thread([&] {
    Sample p, a;
    ASSERT_EQ(plain.acquire(p), Errc::ok);
    p.reset();  // this thread's first release: the hint is its first value, the sample goes to the shared list
    ASSERT_EQ(pool.acquire(a), Errc::ok);  // the shared path: claims the cache slot
    a.reset();                             // into this pool's cache: the hint names its array
    for (int round = 0; round < 4; ++round) {
      for (int twice = 0; twice < 2; ++twice) {  // the second finds the hint as the first left it
        ASSERT_EQ(plain.acquire(p), Errc::ok);
        p.reset();  // no array: the shared list, the hint unchanged
      }
      ASSERT_EQ(pool.acquire(a), Errc::ok);
      a.reset();  // the hint still names this pool's array
    }
    cached_here = pool.stats().cached;
    cached_plain = plain.stats().cached;
  }).join();
  EXPECT_GE(cached_here, 1u) << "the releases into the pool with caches went into its cache";
  EXPECT_EQ(cached_plain, 0u);
  EXPECT_EQ(plain.stats().free, 4u);
  EXPECT_EQ(pool.stats().free, 16u);
}

// A handle an acquire filled releases without looking at the count (its
// sole mark, sample.hpp); a copy must take that mark from both, or the
// original's release would cache a sample the copy still holds.
TEST_F(ThreadCacheTest, ACopyTakesTheSoleMarkFromItsSource) {
  configure(pool, 16);
  Sample original;
  ASSERT_EQ(pool.try_acquire(original), Errc::ok);
  const Sample& source = original;  // a copy from a const handle too
  Sample copy(source);
  const std::uint32_t index = copy.index();
  original.reset();
  EXPECT_EQ(copy.use_count_approx(), 1u);
  std::vector<Sample> rest(15);
  for (Sample& s : rest) {
    ASSERT_EQ(pool.try_acquire(s), Errc::ok);
    EXPECT_NE(s.index(), index) << "handed out while a copy holds it";
  }
  Sample none;
  EXPECT_EQ(pool.try_acquire(none), Errc::timeout);
  Sample assigned;
  assigned = copy;  // copy assignment: two references, neither sole
  copy.reset();
  EXPECT_EQ(pool.try_acquire(none), Errc::timeout) << "the assigned handle still holds it";
  assigned.reset();
  ASSERT_EQ(pool.try_acquire(none), Errc::ok);
  EXPECT_EQ(none.index(), index);
}

// A sole release into the cache leaves the header alone: the next acquire
// clears what a recycled sample must not carry (flags, time validity).
TEST_F(ThreadCacheTest, ASampleBackFromTheCacheHasItsFlagsCleared) {
  configure(pool, 16, 100, 1, 0);
  Sample s;
  ASSERT_EQ(pool.try_acquire(s), Errc::ok);
  const std::uint32_t index = s.index();
  ASSERT_EQ(s.set_actual_length(42), Errc::ok);
  s.set_time(1, 2);
  s.set_media_time(3, 4);
  s.set_sync_point(true);
  s.set_preroll(true);
  s.set_discontinuity(true);
  s.reset();
  ASSERT_EQ(pool.try_acquire(s), Errc::ok);
  ASSERT_EQ(s.index(), index) << "LIFO cache: the same sample";
  EXPECT_FALSE(s.time());
  EXPECT_FALSE(s.media_time());
  EXPECT_FALSE(s.sync_point() || s.preroll() || s.discontinuity());
  EXPECT_EQ(s.actual_length(), 42u) << "the actual length survives";
  EXPECT_EQ(s.use_count_approx(), 1u);
}

TEST(ThreadCacheTeardown, NothingLeaksWithSamplesCachedByALiveThread) {
  if (!alloc::jemalloc_available()) GTEST_SKIP() << "built without jemalloc";
  std::shared_ptr<alloc::Backend> backend;
  ASSERT_EQ(alloc::make_jemalloc_backend({}, &backend), Errc::ok);
  {
    auto pool = std::make_unique<Pool>(PoolOptions{FreeListPolicy::lifo, backend});
    configure(*pool, 16, 4096);
    IdleCacher idle(*pool, 16);
    pool.reset();  // the idle thread still has its cache index
  }
  EXPECT_EQ(backend->resident_bytes(), 0);
}

TEST(ThreadCacheThreads, ExitedThreadsCachesAndMoreThreadsThanCaches) {
  Pool pool;
  configure(pool, 16);
  for (int i = 0; i < 3; ++i) {
    std::thread([&] {
      std::vector<Sample> all(16);
      for (auto& s : all) EXPECT_EQ(pool.acquire(s), Errc::ok);
    }).join();  // exits with everything in its cache
  }
  std::vector<Sample> all(16);
  for (auto& s : all) ASSERT_EQ(pool.acquire_for(s, 5s), Errc::ok);
  all.clear();
  // More live threads than caches: the rest take the shared path.
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < kMaxCacheThreads + 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        Sample s;
        if (pool.acquire_for(s, 10s) != Errc::ok) errors.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  const Stats st = pool.stats();
  EXPECT_EQ(st.outstanding, 0u);
  EXPECT_EQ(st.acquires, 16u * 4 + (kMaxCacheThreads + 8) * 200u);
}

TEST(PoolBulk, AllOrNothing) {
  for (bool cache : {true, false}) {
    Pool pool(PoolOptions{FreeListPolicy::lifo, nullptr, cache});
    std::vector<Sample> big(9);
    EXPECT_EQ(pool.try_acquire_bulk(big), Errc::not_committed);
    configure(pool, 8);
    EXPECT_EQ(pool.try_acquire_bulk(big), Errc::invalid_argument) << "more than the pool holds";
    std::vector<Sample> eight(8);
    Sample one;
    ASSERT_EQ(pool.acquire(one), Errc::ok);
    EXPECT_EQ(pool.try_acquire_bulk(eight), Errc::timeout) << "seven free: not enough now";
    EXPECT_EQ(pool.stats().free, 7u) << "a failed bulk takes nothing";
    one.reset();
    ASSERT_EQ(pool.try_acquire_bulk(eight), Errc::ok);
    std::set<std::uint32_t> idx;
    for (auto& s : eight) idx.insert(s.index());
    EXPECT_EQ(idx.size(), 8u);
    EXPECT_EQ(pool.stats().outstanding, 8u);
    pool.release_bulk(eight);
    for (auto& s : eight) EXPECT_FALSE(s);
    EXPECT_EQ(pool.stats().free, 8u);
    std::vector<Sample> huge(kMaxBulk + 1);
    EXPECT_EQ(pool.try_acquire_bulk(huge), Errc::invalid_argument);
    EXPECT_EQ(pool.try_acquire_bulk({}), Errc::ok);
  }
}

// release_bulk puts sole-held samples into the releasing thread's cache in
// one section, flushing batches to the shared list as the cache fills: every
// sample comes back once, the cache never holds more than its limit, and
// another thread gets the flushed ones.
TEST(PoolBulk, ReleaseBulkFillsTheCacheAndFlushesTheRest) {
  Pool pool;
  configure(pool, 64);
  ASSERT_TRUE(pool.thread_cache_enabled());
  std::vector<Sample> all(40);  // more than the cache's 32: release_bulk must flush
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(pool.try_acquire_bulk(all), Errc::ok);
    std::set<std::uint32_t> idx;
    for (auto& s : all) idx.insert(s.index());
    EXPECT_EQ(idx.size(), 40u);
    pool.release_bulk(all);
    for (auto& s : all) EXPECT_FALSE(s);
    const Stats st = pool.stats();
    EXPECT_EQ(st.outstanding, 0u);
    EXPECT_EQ(st.free, 64u);
    EXPECT_LE(st.cached, 32u) << "a cache holds all but 32 of a pool of 64 at most";
  }
  std::vector<Sample> elsewhere(48);  // more than the shared list alone holds
  std::thread other([&] { EXPECT_EQ(pool.try_acquire_bulk(elsewhere), Errc::ok); });
  other.join();
  std::set<std::uint32_t> idx;
  for (auto& s : elsewhere) idx.insert(s.index());
  EXPECT_EQ(idx.size(), 48u);
  pool.release_bulk(elsewhere);
  EXPECT_EQ(pool.stats().free, 64u);
}

// A thread that only ever moves samples in bulk gets a cache too: the
// bulk calls' shared paths claim the thread's cache slot as the single ones'
// do, so from the second round on its samples stay in its cache.
TEST(PoolBulk, ABulkOnlyThreadGetsACache) {
  Pool pool;
  configure(pool, 64);
  ASSERT_TRUE(pool.thread_cache_enabled());
  std::thread fresh([&] {  // a new thread: no cache slot claimed yet
    std::vector<Sample> eight(8);
    for (int round = 0; round < 4; ++round) {
      ASSERT_EQ(pool.try_acquire_bulk(eight), Errc::ok);
      pool.release_bulk(eight);
    }
    EXPECT_EQ(pool.stats().cached, 8u) << "the last release_bulk went to the shared list, not a cache";
  });
  fresh.join();
  EXPECT_EQ(pool.stats().free, 64u);
}

// release_bulk of a span that holds none of this pool's samples keeps
// nothing of it in use, so it must not read what only an idle pool's owner
// may change (the release callback; it may open and close the caller's own
// cache section of this pool, which no owner change touches):
// ThreadSanitizer checks, while the other pool's samples all come back.
TEST(PoolBulk, ReleaseBulkOfAnotherPoolsSamplesReadsNothingOfThisPool) {
  Pool a, b;
  configure(b, 8);
  std::atomic<bool> stop{false};
  std::thread releaser([&] {
    std::vector<Sample> v(2);
    while (!stop.load(std::memory_order_relaxed)) {
      for (auto& s : v) ASSERT_EQ(b.acquire(s), Errc::ok);
      a.release_bulk(v);  // b's samples, through a
    }
  });
  const auto callback = [](void*) noexcept {};
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(a.set_release_callback((i & 1) != 0 ? +callback : nullptr, nullptr), Errc::ok);
  }
  stop = true;
  releaser.join();
  EXPECT_EQ(b.stats().outstanding, 0u);
}

TEST(PoolBulk, ReleaseBulkHandlesSharedAndForeignSamples) {
  Pool a(PoolOptions{FreeListPolicy::lifo, nullptr, false}), b;
  configure(a, 4);
  configure(b, 4);
  std::vector<Sample> mix(4);
  ASSERT_EQ(a.acquire(mix[0]), Errc::ok);
  ASSERT_EQ(a.acquire(mix[1]), Errc::ok);
  Sample keep = mix[1];  // shared: its release only drops a reference
  ASSERT_EQ(b.acquire(mix[2]), Errc::ok);  // another pool's
  a.release_bulk(mix);
  EXPECT_EQ(a.stats().outstanding, 1u);
  EXPECT_EQ(b.stats().outstanding, 0u);
  keep.reset();
  EXPECT_EQ(a.stats().outstanding, 0u);
}

// The same mix with the releasing thread's cache open: the sole-held
// samples go into the cache inside one section, the rest (a sample shared
// with a handle outside the span, one held twice within the span, another
// pool's) release after it, and every handle ends up empty.
TEST(PoolBulk, ReleaseBulkIntoAnOpenCacheLeavesTheRestToTheirOwnRelease) {
  Pool a, b;
  configure(a, 64);
  configure(b, 64);
  ASSERT_TRUE(a.thread_cache_enabled());
  std::vector<Sample> mix(8);
  ASSERT_EQ(a.acquire(mix[0]), Errc::ok);
  ASSERT_EQ(b.acquire(mix[1]), Errc::ok);  // another pool's, before this pool's sole ones
  ASSERT_EQ(a.acquire(mix[2]), Errc::ok);
  Sample keep = mix[2];                    // shared with a handle outside the span
  ASSERT_EQ(a.acquire(mix[4]), Errc::ok);  // mix[3] stays empty
  mix[5] = mix[4];                         // held twice within the span
  ASSERT_EQ(a.acquire(mix[6]), Errc::ok);
  ASSERT_EQ(a.acquire(mix[7]), Errc::ok);
  const std::uint32_t cached_before = a.stats().cached;
  a.release_bulk(mix);
  for (auto& s : mix) EXPECT_FALSE(s);
  EXPECT_EQ(b.stats().outstanding, 0u);
  Stats st = a.stats();
  EXPECT_EQ(st.outstanding, 1u) << "only the sample kept outside the span";
  EXPECT_EQ(st.cached, cached_before + 4) << "three sole-held samples and the one held twice";
  ASSERT_TRUE(keep);
  keep.reset();
  st = a.stats();
  EXPECT_EQ(st.outstanding, 0u);
  EXPECT_EQ(st.free, 64u);
}

// try_acquire_bulk drops what the handles still hold before it fills them:
// this pool's samples (sole or shared), another pool's, and empty handles.
TEST(PoolBulk, ABulkAcquireIntoHeldHandlesReleasesThemFirst) {
  Pool a, b;
  configure(a, 64);
  configure(b, 64);
  std::vector<Sample> v(8);
  ASSERT_EQ(a.try_acquire_bulk(v), Errc::ok);
  Sample keep = v[3];                     // shared with a handle outside the span
  ASSERT_EQ(b.acquire(v[5]), Errc::ok);   // replaces (releases) a's sample there
  v[6].reset();                           // an empty handle
  ASSERT_EQ(a.try_acquire_bulk(v), Errc::ok);
  for (auto& s : v) EXPECT_TRUE(s);
  EXPECT_EQ(b.stats().outstanding, 0u);
  EXPECT_EQ(a.stats().outstanding, 9u) << "eight in the span, one kept outside";
  std::set<std::uint32_t> idx;
  for (auto& s : v) idx.insert(s.index());
  EXPECT_EQ(idx.size(), 8u);
  a.release_bulk(v);
  keep.reset();
  EXPECT_EQ(a.stats().outstanding, 0u);
  EXPECT_EQ(a.stats().free, 64u);
}

// A span longer than the cache and than kMaxBulk, with shared and foreign
// samples among this pool's: the cache flushes batches while it fills, one
// section takes at most kMaxBulk, the rest release one by one, and every
// sample comes back once.
TEST(PoolBulk, ALongMixedReleaseFlushesAndReleasesTheRest) {
  Pool a, b;
  configure(a, 2 * kMaxBulk);
  configure(b, 8);
  ASSERT_TRUE(a.thread_cache_enabled());
  std::vector<Sample> v(kMaxBulk + 100);
  std::vector<Sample> kept;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i % 50 == 7) {
      ASSERT_EQ(b.acquire(v[i]), Errc::ok);
      continue;
    }
    ASSERT_EQ(a.acquire(v[i]), Errc::ok);
    if (i % 50 == 13) kept.push_back(v[i]);
  }
  const Stats before = a.stats();
  a.release_bulk(v);
  for (auto& s : v) EXPECT_FALSE(s);
  EXPECT_EQ(b.stats().outstanding, 0u);
  const Stats after = a.stats();
  EXPECT_EQ(after.outstanding, kept.size());
  EXPECT_EQ(after.free, before.free + (before.outstanding - kept.size()));
  EXPECT_LE(after.cached, 32u) << "a cache never holds more than its limit";
  kept.clear();
  EXPECT_EQ(a.stats().outstanding, 0u);
  EXPECT_EQ(a.stats().free, 2 * kMaxBulk);
}

}  // namespace
}  // namespace samplepool
