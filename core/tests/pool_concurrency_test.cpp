// The concurrency promises: decommit releases every waiter at once, releases
// wake waiters with no lost wake-up, no sample has two owners, the epoch
// defeats a quick Decommit+Commit, and teardown waits for late samples.
// Short and deterministic in outcome; the long randomized runs live in
// stress/.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "samplepool/detail/asymmetric_fence.hpp"
#include "samplepool/detail/futex.hpp"
#include "test_util.hpp"

namespace samplepool {
namespace {

using namespace std::chrono_literals;
using test::configure;
using test::eventually;

class PoolConcurrency : public testing::TestWithParam<test::Variant> {
 protected:
  PoolOptions options() const { return test::options_for(GetParam()); }
};

// N threads block in acquire on an empty pool; decommit must return every
// one of them with not_committed, promptly.
TEST_P(PoolConcurrency, DecommitReleasesEveryBlockedAcquire) {
  for (int waiters : {1, 8, 32}) {
    Pool pool(options());
    configure(pool, 1);
    Sample held;
    ASSERT_EQ(pool.acquire(held), Errc::ok);
    std::atomic<int> not_committed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < waiters; ++i) {
      threads.emplace_back([&] {
        Sample s;
        if (pool.acquire(s) == Errc::not_committed) not_committed.fetch_add(1);
      });
    }
    ASSERT_TRUE(eventually([&] { return pool.stats().waiters == static_cast<std::uint32_t>(waiters); }));
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(pool.decommit(), Errc::ok);
    for (auto& t : threads) t.join();
    const auto elapsed = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(not_committed.load(), waiters);
    EXPECT_LT(elapsed, 5s) << "waiters must not wait for a sample or a timeout";
    EXPECT_EQ(pool.stats().waiters, 0u);
  }
}

// A waiter that entered before a Decommit must fail even when Commit follows
// at once (the DirectShow base classes keep such a waiter waiting).
TEST_P(PoolConcurrency, QuickDecommitCommitStillFailsOldWaiters) {
  Pool pool(options());
  configure(pool, 1);
  Sample held;
  ASSERT_EQ(pool.acquire(held), Errc::ok);
  std::vector<std::thread> threads;
  std::atomic<int> not_committed{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      Sample s;
      const Errc e = pool.acquire(s);
      if (e == Errc::not_committed) not_committed.fetch_add(1);
      else ADD_FAILURE() << to_string(e);
    });
  }
  ASSERT_TRUE(eventually([&] { return pool.stats().waiters == 4; }));
  ASSERT_EQ(pool.decommit(), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  held.reset();  // a sample is free now: an old waiter must still not take it
  for (auto& t : threads) t.join();
  EXPECT_EQ(not_committed.load(), 4);
  Sample s;
  EXPECT_EQ(pool.try_acquire(s), Errc::ok) << "new acquires in the new epoch work";
}

TEST_P(PoolConcurrency, ReleaseWakesABlockedAcquire) {
  Pool pool(options());
  configure(pool, 1);
  Sample held;
  ASSERT_EQ(pool.acquire(held), Errc::ok);
  std::byte* data = held.data();
  Errc result = Errc::not_supported;
  std::byte* got = nullptr;
  std::thread waiter([&] {
    Sample s;
    result = pool.acquire(s);
    if (s) got = s.data();
  });
  ASSERT_TRUE(eventually([&] { return pool.stats().waiters == 1; }));
  held.reset();
  waiter.join();
  EXPECT_EQ(result, Errc::ok);
  EXPECT_EQ(got, data);
  EXPECT_EQ(pool.stats().waits, 1u);
}

TEST_P(PoolConcurrency, TimedAcquireTimesOutThenSucceedsWhenReleased) {
  Pool pool(options());
  configure(pool, 1);
  Sample held;
  ASSERT_EQ(pool.acquire(held), Errc::ok);
  Sample s;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(pool.acquire_for(s, 20ms), Errc::timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 20ms);
  EXPECT_EQ(pool.acquire_until(s, std::chrono::steady_clock::now() - 1s), Errc::timeout)
      << "a past deadline fails without sleeping";
  std::thread releaser([&] {
    std::this_thread::sleep_for(5ms);
    held.reset();
  });
  EXPECT_EQ(pool.acquire_for(s, 10s), Errc::ok);
  releaser.join();
}

// A release wakes one waiter, not all of them: with four blocked, each
// release completes exactly one acquire and the rest stay asleep.
TEST_P(PoolConcurrency, EachReleaseCompletesExactlyOneWaiter) {
  Pool pool(options());
  configure(pool, 2);
  Sample a, b;
  ASSERT_EQ(pool.acquire(a), Errc::ok);
  ASSERT_EQ(pool.acquire(b), Errc::ok);
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      Sample s;
      const Errc e = pool.acquire(s);
      done.fetch_add(1);
      // Hold the sample until the pool is decommitted, so it does not feed
      // another waiter; not_committed ends the blocked ones.
      if (e == Errc::ok) {
        while (pool.committed()) std::this_thread::sleep_for(1ms);
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return pool.stats().waiters == 4; }));
  a.reset();
  ASSERT_TRUE(eventually([&] { return done.load() == 1; }));
  ASSERT_TRUE(eventually([&] { return pool.stats().waiters == 3; }));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(done.load(), 1) << "one release, one hand-out";
  b.reset();
  ASSERT_TRUE(eventually([&] { return done.load() == 2; }));
  ASSERT_TRUE(eventually([&] { return pool.stats().waiters == 2; }));
  ASSERT_EQ(pool.decommit(), Errc::ok);
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), 4);
  EXPECT_EQ(pool.stats().acquires, 4u);
  EXPECT_EQ(pool.stats().not_committed, 2u);
}

TEST_P(PoolConcurrency, HugeTimeoutsMeanNoDeadline) {
  Pool pool(options());
  configure(pool, 1);
  Sample held;
  ASSERT_EQ(pool.acquire(held), Errc::ok);
  std::thread releaser([&] {
    std::this_thread::sleep_for(5ms);
    held.reset();
  });
  Sample s;
  EXPECT_EQ(pool.acquire_for(s, std::chrono::hours::max()), Errc::ok);
  releaser.join();
  s.reset();
  EXPECT_EQ(pool.acquire_for(s, std::chrono::nanoseconds::min()), Errc::ok) << "a free sample is taken at once";
  EXPECT_EQ(pool.acquire_for(held, std::chrono::nanoseconds::min()), Errc::timeout);
}

// Many threads hammer a small pool with every acquire flavour; each sample
// carries an owner tag that must be free when acquired. Blocking acquirers
// must never be stranded: the run ends on its own, which proves no lost
// wake-up (a lost one would hang the join; ctest's timeout would fail it).
TEST_P(PoolConcurrency, NoDoubleOwnershipAndNoLostWakeup) {
  constexpr int kThreads = 6;
  constexpr int kIters = 4000;
  Pool pool(options());
  configure(pool, 3, 64);
  std::atomic<int> violations{0};
  std::vector<std::atomic<int>> owner(3);
  for (auto& o : owner) o = -1;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < kIters; ++i) {
        Sample s;
        Errc e;
        switch (rng() % 3) {
          case 0: e = pool.acquire(s); break;
          case 1: e = pool.try_acquire(s); break;
          default: e = pool.acquire_for(s, 1ms); break;
        }
        if (e != Errc::ok) {
          if (e != Errc::timeout) violations.fetch_add(1);
          continue;
        }
        int expected = -1;
        if (!owner[s.index()].compare_exchange_strong(expected, t)) violations.fetch_add(1);
        std::memset(s.data(), t, s.size());
        if (rng() % 8 == 0) std::this_thread::yield();
        if (static_cast<int>(s.data()[s.size() - 1]) != t) violations.fetch_add(1);
        owner[s.index()].store(-1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(violations.load(), 0);
  const Stats st = pool.stats();
  EXPECT_EQ(st.outstanding, 0u);
  EXPECT_EQ(st.free, 3u);
  EXPECT_EQ(st.waiters, 0u);
  EXPECT_LE(st.high_water, 3u);
}

// Copies of one sample released concurrently from many threads: it must come
// back exactly once.
TEST_P(PoolConcurrency, RefcountRaceReturnsTheSampleExactlyOnce) {
  Pool pool(options());
  configure(pool, 2);
  std::atomic<int> callbacks{0};
  ASSERT_EQ(pool.decommit(), Errc::ok);
  ASSERT_EQ(pool.set_release_callback(
                [](void* c) { static_cast<std::atomic<int>*>(c)->fetch_add(1); }, &callbacks),
            Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  for (int round = 0; round < 200; ++round) {
    Sample s;
    ASSERT_EQ(pool.acquire(s), Errc::ok);
    std::vector<Sample> copies(4, s);
    s.reset();
    std::barrier go(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        go.arrive_and_wait();
        copies[static_cast<std::size_t>(t)].reset();
      });
    }
    for (auto& t : threads) t.join();
    ASSERT_EQ(callbacks.load(), round + 1);
    ASSERT_EQ(pool.stats().free, 2u);
  }
  EXPECT_EQ(pool.stats().misuse, 0u);
}

// Commit/decommit storms while acquirers block and release.
TEST_P(PoolConcurrency, CommitDecommitStormWithWaiters) {
  Pool pool(options());
  configure(pool, 2);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&] {
      while (!stop.load()) {
        Sample s;
        const Errc e = pool.acquire(s);
        if (e != Errc::ok && e != Errc::not_committed) bad.fetch_add(1);
        if (s) std::this_thread::yield();
      }
    });
  }
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(pool.decommit(), Errc::ok);
    ASSERT_EQ(pool.commit(), Errc::ok);
  }
  stop = true;
  ASSERT_EQ(pool.decommit(), Errc::ok);
  for (auto& t : workers) t.join();
  EXPECT_EQ(bad.load(), 0);
  const Stats st = pool.stats();
  EXPECT_EQ(st.outstanding, 0u);
  EXPECT_EQ(st.waiters, 0u);
  EXPECT_EQ(pool.release_memory(), Errc::ok);
}

// ~Pool must wait for a sample that another thread releases later, and for
// acquirers woken by its own decommit.
TEST_P(PoolConcurrency, DestructorWaitsForLateRelease) {
  auto pool = std::make_unique<Pool>(options());
  configure(*pool, 2);
  Sample late;
  ASSERT_EQ(pool->acquire(late), Errc::ok);
  Sample other;
  ASSERT_EQ(pool->acquire(other), Errc::ok);
  std::atomic<bool> released{false};
  Errc waiter_result = Errc::ok;
  std::thread waiter([&] {
    Sample s;
    waiter_result = pool->acquire(s);
  });
  ASSERT_TRUE(eventually([&] { return pool->stats().waiters == 1; }));
  other.reset();  // the waiter takes it...
  std::thread releaser([&, s = std::move(late)]() mutable {
    std::this_thread::sleep_for(30ms);
    released = true;
    s.reset();
  });
  waiter.join();
  EXPECT_EQ(waiter_result, Errc::ok);  // ...and drops it at once
  pool.reset();  // blocks until `late` comes back
  EXPECT_TRUE(released.load());
  releaser.join();
}

// A release on the shared path converts its held sample to a call in
// flight before its push, and ends that call last, after the wake and the
// release callback (lifetime.hpp). Stalled in its callback, with another
// acquire served meanwhile, it keeps ~Pool waiting, and the statistics stay
// exact: the callback sees its sample free, the pool one sample held and a
// high-water mark of one. (Dropping the held count after the push instead,
// one read-modify-write fewer, would count the release's sample as held
// through the callback: free 1 there, then 2 held and a mark of 2 here.)
TEST_P(PoolConcurrency, ReleaseStalledInItsCallbackKeepsThePoolAndExactStats) {
  struct Gate {
    Pool* pool = nullptr;
    std::mutex m;
    std::condition_variable cv;
    int calls = 0;
    std::uint32_t free_seen = 0;
    bool entered = false;
    bool open = false;
  } gate;
  auto pool = std::make_unique<Pool>(options());
  gate.pool = pool.get();
  ASSERT_EQ(pool->set_properties({2, 256, 16, 0}), Errc::ok);
  ASSERT_EQ(pool->set_release_callback(
                [](void* c) {
                  Gate& g = *static_cast<Gate*>(c);
                  std::unique_lock lock(g.m);
                  if (g.calls++ != 0) return;  // only the first release stalls
                  g.free_seen = g.pool->stats().free;
                  g.entered = true;
                  g.cv.notify_all();
                  g.cv.wait(lock, [&g] { return g.open; });
                },
                &gate),
            Errc::ok);
  ASSERT_EQ(pool->commit(), Errc::ok);
  Sample held;
  ASSERT_EQ(pool->acquire(held), Errc::ok);
  std::thread releaser([s = std::move(held)]() mutable { s.reset(); });
  {
    std::unique_lock lock(gate.m);
    gate.cv.wait(lock, [&gate] { return gate.entered; });
  }
  EXPECT_EQ(gate.free_seen, 2u);
  Sample again;
  EXPECT_EQ(pool->try_acquire(again), Errc::ok);
  const Stats st = pool->stats();
  EXPECT_EQ(st.outstanding, 1u);
  EXPECT_EQ(st.free, 1u);
  EXPECT_EQ(st.high_water, 1u);
  again.reset();
  std::atomic<bool> destroyed{false};
  std::thread destroyer([&] {
    pool.reset();
    destroyed = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(destroyed.load()) << "~Pool returned while a release was still inside";
  {
    std::lock_guard lock(gate.m);
    gate.open = true;
  }
  gate.cv.notify_all();
  releaser.join();
  destroyer.join();
  EXPECT_TRUE(destroyed.load());
}

// The uncontended paths make no system call at all.
TEST_P(PoolConcurrency, UncontendedPathsMakeNoSyscall) {
  Pool pool(options());
  configure(pool, 4);
  Sample warm;
  ASSERT_EQ(pool.acquire(warm), Errc::ok);  // first use may create per-thread queue state
  warm.reset();
  const auto futexes = detail::futex_syscalls();
  const auto membarriers = detail::asymmetric_heavy_fences();
  for (int i = 0; i < 1000; ++i) {
    Sample a, b;
    ASSERT_EQ(pool.acquire(a), Errc::ok);
    ASSERT_EQ(pool.try_acquire(b), Errc::ok);
  }
  EXPECT_EQ(detail::futex_syscalls(), futexes);
  EXPECT_EQ(detail::asymmetric_heavy_fences(), membarriers);
}

INSTANTIATE_TEST_SUITE_P(All, PoolConcurrency, testing::ValuesIn(test::all_variants()),
                         test::variant_name);

}  // namespace
}  // namespace samplepool
