// "Who holds my buffers": holders() groups held samples by thread (grown
// ones too), note_holder() moves the attribution on a hand-off, stats carry
// the oldest age, and the starvation report fires from a waiter past its
// threshold with that snapshot.
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"

namespace samplepool {
namespace {

using namespace std::chrono_literals;

// A thread named `name` that takes n samples, signals, and holds them until
// told to let go.
class Hoarder {
 public:
  Hoarder(Pool& pool, const char* name, int n) {
    thread_ = std::thread([this, &pool, name, n] {
      pthread_setname_np(pthread_self(), name);
      std::vector<Sample> held(static_cast<std::size_t>(n));
      for (Sample& s : held) EXPECT_EQ(pool.try_acquire(s), Errc::ok);
      holding_ = true;
      while (!release_) std::this_thread::sleep_for(100us);
    });
    EXPECT_TRUE(test::eventually([&] { return holding_.load(); }));
  }
  ~Hoarder() {
    release_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> holding_{false};
  std::atomic<bool> release_{false};
  std::thread thread_;
};

PoolOptions with_ages() {
  PoolOptions o;
  o.holder_ages = true;
  return o;
}

TEST(Holders, ReportGroupsHeldSamplesByThreadWithNamesAndAges) {
  Pool pool(with_ages());
  ASSERT_EQ(pool.set_properties({8, 64, 16, 0}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  EXPECT_EQ(pool.holders().describe(), "no samples held");
  Sample mine;
  ASSERT_EQ(pool.try_acquire(mine), Errc::ok);
  Hoarder hoarder(pool, "consumer-1", 6);
  std::this_thread::sleep_for(30ms);
  const HolderReport r = pool.holders();
  ASSERT_EQ(r.holders.size(), 2u);
  EXPECT_EQ(r.held, 7u);
  EXPECT_EQ(r.count, 8u);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.holders[0].name, "consumer-1");  // most samples first
  EXPECT_EQ(r.holders[0].samples, 6u);
  EXPECT_GE(r.holders[0].oldest_age, 20ms);  // coarse clock: a few ms of resolution
  EXPECT_EQ(r.holders[1].samples, 1u);
  EXPECT_GE(r.oldest_age, 20ms);
  EXPECT_NE(r.describe().find("consumer-1 held 6 of 8 samples, oldest "), std::string::npos) << r.describe();
  EXPECT_GE(pool.stats().oldest_held_ms, 20u);
}

TEST(Holders, WithoutAgesThreadsAreStillReported) {
  Pool pool;  // holder_ages off: no clock read on the hot path
  ASSERT_EQ(pool.set_properties({8, 64, 16, 0}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  Hoarder hoarder(pool, "consumer-4", 3);
  std::this_thread::sleep_for(10ms);
  const HolderReport r = pool.holders();
  ASSERT_EQ(r.holders.size(), 1u);
  EXPECT_EQ(r.holders[0].name, "consumer-4");
  EXPECT_EQ(r.holders[0].samples, 3u);
  EXPECT_EQ(pool.stats().oldest_held_ms, 0u);
}

// A sole handle's release leaves the count at 1 (slot.hpp): holders() must
// still tell the samples in thread caches and on the list from held ones,
// whichever way they got there (a release, a flush, a thread's exit).
TEST(Holders, SamplesBackInCachesOrOnTheListAreNotReported) {
  Pool pool;
  ASSERT_EQ(pool.set_properties({64, 64, 16, 0}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  std::vector<Sample> all(64);
  for (Sample& s : all) ASSERT_EQ(pool.try_acquire(s), Errc::ok);
  for (std::size_t i = 3; i < all.size(); ++i) all[i].reset();  // the cache fills, then flushes
  HolderReport r = pool.holders();
  EXPECT_EQ(r.held, 3u) << r.describe();
  ASSERT_EQ(r.holders.size(), 1u);
  EXPECT_EQ(r.holders[0].samples, 3u);
  all.clear();
  std::thread([&pool] {  // takes and gives back, then exits: its cache drains to the list
    std::vector<Sample> some(20);
    for (Sample& s : some) ASSERT_EQ(pool.try_acquire(s), Errc::ok);
  }).join();
  r = pool.holders();
  EXPECT_EQ(r.held, 0u) << r.describe();
  EXPECT_EQ(r.describe(), "no samples held");
}

// Pools without caches (FIFO, caches off): every release takes the shared
// path, which zeroes the count itself, single or bulk (a FIFO list cannot be
// walked by holders()).
TEST(Holders, SamplesBackOnTheSharedPathAreNotReported) {
  for (const PoolOptions& o : {PoolOptions{FreeListPolicy::fifo, nullptr, true},
                               PoolOptions{FreeListPolicy::lifo, nullptr, false}}) {
    Pool pool(o);
    ASSERT_EQ(pool.set_properties({16, 64, 16, 0}), Errc::ok);
    ASSERT_EQ(pool.commit(), Errc::ok);
    {
      Sample one;
      ASSERT_EQ(pool.try_acquire(one), Errc::ok);
      std::vector<Sample> some(8);
      ASSERT_EQ(pool.try_acquire_bulk(some), Errc::ok);
      pool.release_bulk(some);
    }
    EXPECT_EQ(pool.holders().held, 0u) << pool.holders().describe();
  }
}

// A pool that keeps ages reads the counts alone for stats().oldest_held_ms:
// a sample given back must not look held, however it went back, and also
// when ages were switched on after samples went back without them.
TEST(Holders, OldestAgeCountsOnlyHeldSamples) {
  Pool pool(with_ages());
  ASSERT_EQ(pool.set_properties({16, 64, 16, 0}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  {
    Sample s;
    ASSERT_EQ(pool.try_acquire(s), Errc::ok);
    std::this_thread::sleep_for(30ms);
    EXPECT_GE(pool.stats().oldest_held_ms, 20u);
  }
  EXPECT_EQ(pool.stats().oldest_held_ms, 0u) << "the released sample still looks held";
  {
    std::vector<Sample> some(8);
    ASSERT_EQ(pool.try_acquire_bulk(some), Errc::ok);
    std::this_thread::sleep_for(30ms);
    EXPECT_GE(pool.stats().oldest_held_ms, 20u);
    pool.release_bulk(some);
  }
  EXPECT_EQ(pool.stats().oldest_held_ms, 0u) << "a sample released in bulk still looks held";

  Pool later;  // no ages at first: releases leave their counts alone
  ASSERT_EQ(later.set_properties({16, 64, 16, 0}), Errc::ok);
  ASSERT_EQ(later.commit(), Errc::ok);
  {
    std::vector<Sample> some(10);
    for (Sample& s : some) ASSERT_EQ(later.try_acquire(s), Errc::ok);
  }
  ASSERT_EQ(later.decommit(), Errc::ok);
  ASSERT_EQ(later.set_starvation_report(1s, [](void*, const HolderReport&, std::chrono::nanoseconds) {}, nullptr),
            Errc::ok);  // ages on from here
  ASSERT_EQ(later.commit(), Errc::ok);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(later.stats().oldest_held_ms, 0u) << "samples given back before ages were on look held";
  Sample s;
  ASSERT_EQ(later.try_acquire(s), Errc::ok);
  EXPECT_EQ(later.holders().held, 1u);
}

TEST(Holders, NoteHolderMovesASampleToTheReceivingThread) {
  Pool pool;
  ASSERT_EQ(pool.set_properties({4, 64, 16, 0}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  Sample handed;
  ASSERT_EQ(pool.try_acquire(handed), Errc::ok);
  std::atomic<bool> noted{false};
  std::atomic<bool> done{false};
  std::thread consumer([&] {
    pthread_setname_np(pthread_self(), "consumer-2");
    Sample s = std::move(handed);
    s.note_holder();
    noted = true;
    while (!done) std::this_thread::sleep_for(100us);
  });
  ASSERT_TRUE(test::eventually([&] { return noted.load(); }));
  const HolderReport r = pool.holders();
  ASSERT_EQ(r.holders.size(), 1u);
  EXPECT_EQ(r.holders[0].name, "consumer-2");
  done = true;
  consumer.join();
  EXPECT_EQ(pool.holders().held, 0u);
}

TEST(Holders, GrownSamplesAreReportedToo) {
  Pool pool;
  ASSERT_EQ(pool.set_properties({2, 64, 16, 0, 6}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  std::vector<Sample> held(5);
  for (Sample& s : held) ASSERT_EQ(pool.try_acquire(s), Errc::ok);
  const HolderReport r = pool.holders();
  EXPECT_EQ(r.held, 5u);
  EXPECT_EQ(r.count, 5u);
  // Still readable after a decommit (the memory is kept while samples are out).
  ASSERT_EQ(pool.decommit(), Errc::ok);
  EXPECT_EQ(pool.holders().held, 5u);
}

struct Starved {
  std::atomic<int> calls{0};
  std::string report;
  std::chrono::nanoseconds waited{0};
  std::thread::id on;
};

void on_starved(void* context, const HolderReport& report, std::chrono::nanoseconds waited) {
  auto* s = static_cast<Starved*>(context);
  s->report = report.describe();
  s->waited = waited;
  s->on = std::this_thread::get_id();
  s->calls.fetch_add(1);
}

TEST(Holders, StarvationReportFiresOnceFromTheWaiterPastItsThreshold) {
  Pool pool;
  Starved starved;
  ASSERT_EQ(pool.set_properties({4, 64, 16, 0}), Errc::ok);
  EXPECT_EQ(pool.set_starvation_report(-1ms, on_starved, &starved), Errc::invalid_argument);
  ASSERT_EQ(pool.set_starvation_report(20ms, on_starved, &starved), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  EXPECT_EQ(pool.set_starvation_report(20ms, nullptr, nullptr), Errc::already_committed);
  Hoarder hoarder(pool, "consumer-3", 4);
  Sample s;
  EXPECT_EQ(pool.acquire_for(s, 150ms), Errc::timeout);
  EXPECT_EQ(starved.calls.load(), 1);  // once per acquire, however long it waits
  EXPECT_EQ(starved.on, std::this_thread::get_id());
  EXPECT_GE(starved.waited, 20ms);
  EXPECT_LT(starved.waited, 150ms);
  EXPECT_NE(starved.report.find("consumer-3 held 4 of 4 samples"), std::string::npos) << starved.report;
  EXPECT_EQ(pool.stats().starvation_reports, 1u);
  // A wait shorter than the threshold reports nothing.
  EXPECT_EQ(pool.acquire_for(s, 5ms), Errc::timeout);
  EXPECT_EQ(starved.calls.load(), 1);
}

TEST(Holders, StarvationCallbackMayDecommitThePool) {
  Pool pool;
  ASSERT_EQ(pool.set_properties({1, 64, 16, 0}), Errc::ok);
  struct Ctx {
    Pool* pool;
  } ctx{&pool};
  ASSERT_EQ(pool.set_starvation_report(
                5ms, [](void* c, const HolderReport&, std::chrono::nanoseconds) {
                  EXPECT_EQ(static_cast<Ctx*>(c)->pool->decommit(), Errc::ok);
                },
                &ctx),
            Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
  Sample held, s;
  ASSERT_EQ(pool.try_acquire(held), Errc::ok);
  EXPECT_EQ(pool.acquire(s), Errc::not_committed);  // the report's decommit ends the wait
}

}  // namespace
}  // namespace samplepool
