// Shared pools within one process (two attachments are two records, as two
// processes would be): the API's promises, the channel, and hostile memory.
// The multi-process and crash tests are in multiprocess_test.cpp.
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <random>
#include <set>
#include <thread>

#include "samplepool/alloc/memfd.hpp"
#include "samplepool/detail/test_hooks.hpp"
#include "samplepool/shm/detail/channel_words.hpp"
#include "samplepool/shm/detail/layout.hpp"
#include "samplepool/shm/detail/life_word.hpp"
#include "samplepool/shm/detail/owner_word.hpp"
#include "samplepool/shm/shared_pool.hpp"

namespace samplepool::shm {
namespace {

using namespace std::chrono_literals;

Properties props(std::uint32_t count = 4) {
  Properties p;
  p.count = count;
  p.size = 1000;
  p.alignment = 64;
  p.prefix = 16;
  return p;
}

std::unique_ptr<SharedPool> make_pool(std::uint32_t count = 4, SharedOptions options = {}) {
  std::unique_ptr<SharedPool> pool;
  EXPECT_EQ(SharedPool::create(props(count), options, &pool), Errc::ok);
  EXPECT_EQ(pool->commit(), Errc::ok);
  return pool;
}

std::unique_ptr<SharedPool> attach(const SharedPool& to) {
  std::unique_ptr<SharedPool> pool;
  EXPECT_EQ(SharedPool::attach(to.fd(), &pool), Errc::ok);
  return pool;
}

// A writable view of the segment behind `pool`, as a hostile peer has.
struct Scribbler {
  explicit Scribbler(const SharedPool& pool) {
    size = static_cast<std::size_t>(lseek(pool.fd(), 0, SEEK_END));
    base = static_cast<std::byte*>(mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, pool.fd(), 0));
    EXPECT_NE(base, MAP_FAILED);
    EXPECT_EQ(detail::validate(*header(), size, &g), Errc::ok);
  }
  ~Scribbler() { munmap(base, size); }
  detail::Header* header() const { return reinterpret_cast<detail::Header*>(base); }
  detail::Control* control() const { return reinterpret_cast<detail::Control*>(base + sizeof(detail::Header)); }
  detail::Record* record(std::uint32_t r) const { return reinterpret_cast<detail::Record*>(base + g.records) + r; }
  detail::Ring* ring(std::uint32_t r) const { return reinterpret_cast<detail::Ring*>(base + g.rings) + r; }
  std::byte* base = nullptr;
  std::size_t size = 0;
  detail::Geometry g;
};

TEST(SharedPool, CreateRefusesWhatThePoolCannotBe) {
  std::unique_ptr<SharedPool> pool;
  Properties growing = props();
  growing.max_count = 8;
  EXPECT_EQ(SharedPool::create(growing, {}, &pool), Errc::invalid_argument);
  EXPECT_EQ(SharedPool::create(props(0), {}, &pool), Errc::size_not_set);
  Properties bad = props();
  bad.alignment = 3;
  EXPECT_EQ(SharedPool::create(bad, {}, &pool), Errc::bad_alignment);
  SharedOptions too_many;
  too_many.max_processes = 33;
  EXPECT_EQ(SharedPool::create(props(), too_many, &pool), Errc::invalid_argument);
  EXPECT_EQ(SharedPool::create(props(), {}, nullptr), Errc::invalid_argument);
  EXPECT_EQ(pool, nullptr);
}

TEST(SharedPool, GrantsPropertiesAsThePoolDoes) {
  auto pool = make_pool();
  Layout l;
  ASSERT_EQ(compute_layout(props(), &l), Errc::ok);
  EXPECT_EQ(pool->properties(), l.actual);
  auto other = attach(*pool);
  EXPECT_EQ(other->properties(), l.actual);
  EXPECT_FALSE(other->is_creator());
  EXPECT_NE(other->process_slot(), pool->process_slot());
}

TEST(SharedPool, AcquireHandsOutEverySampleOnceThenTimesOut) {
  auto pool = make_pool();
  std::vector<SharedSample> all(4);
  std::set<std::byte*> data;
  for (auto& s : all) {
    ASSERT_EQ(pool->try_acquire(s), Errc::ok);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(s.prefix()) % 64, 0u);
    EXPECT_EQ(s.data() - s.prefix(), 16);
    EXPECT_GE(s.size(), 1000u);
    data.insert(s.data());
  }
  EXPECT_EQ(data.size(), 4u);
  SharedSample more;
  EXPECT_EQ(pool->try_acquire(more), Errc::timeout);
  EXPECT_EQ(pool->acquire_for(more, 5ms), Errc::timeout);
  EXPECT_EQ(pool->stats().timeouts, 2u);
  all[2].reset();
  EXPECT_EQ(pool->try_acquire(more), Errc::ok);
  EXPECT_EQ(pool->stats().acquires, 5u);
}

TEST(SharedPool, AcquireBeforeCommitAndAfterDecommitFails) {
  std::unique_ptr<SharedPool> pool;
  ASSERT_EQ(SharedPool::create(props(), {}, &pool), Errc::ok);
  SharedSample s;
  EXPECT_EQ(pool->try_acquire(s), Errc::not_committed);
  ASSERT_EQ(pool->commit(), Errc::ok);
  ASSERT_EQ(pool->commit(), Errc::ok);  // idempotent
  ASSERT_EQ(pool->try_acquire(s), Errc::ok);
  ASSERT_EQ(pool->decommit(), Errc::ok);
  SharedSample t;
  EXPECT_EQ(pool->try_acquire(t), Errc::not_committed);
  s.data()[0] = std::byte{1};  // a held sample stays usable
  s.reset();
  auto other = attach(*pool);
  EXPECT_EQ(other->commit(), Errc::invalid_argument);  // only the creator
  EXPECT_EQ(other->decommit(), Errc::invalid_argument);
}

TEST(SharedPool, DecommitWakesEveryBlockedAcquire) {
  auto pool = make_pool(1);
  auto other = attach(*pool);
  SharedSample held;
  ASSERT_EQ(pool->acquire(held), Errc::ok);
  Errc a = Errc::ok, b = Errc::ok;
  std::thread t1([&] { SharedSample s; a = pool->acquire(s); });
  std::thread t2([&] { SharedSample s; b = other->acquire(s); });
  while (pool->stats().waiters < 2) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(pool->decommit(), Errc::ok);
  t1.join();
  t2.join();
  EXPECT_EQ(a, Errc::not_committed);
  EXPECT_EQ(b, Errc::not_committed);
}

// The epoch rule: an acquire that began before a Decommit fails even when a
// Commit follows before it finishes.
SharedPool* g_pool_for_hook = nullptr;
void decommit_and_commit(samplepool::detail::HookPoint p) noexcept {
  if (p != samplepool::detail::HookPoint::shm_acquire_claimed || g_pool_for_hook == nullptr) return;
  SharedPool* pool = g_pool_for_hook;
  g_pool_for_hook = nullptr;
  (void)pool->decommit();
  (void)pool->commit();
}

TEST(SharedPool, AnAcquireThatSpansADecommitFailsEvenIfRecommitted) {
  auto pool = make_pool();
  g_pool_for_hook = pool.get();
  samplepool::detail::set_test_hook(decommit_and_commit);
  SharedSample s;
  const Errc e = pool->acquire(s);
  samplepool::detail::set_test_hook(nullptr);
  EXPECT_EQ(e, Errc::not_committed);
  EXPECT_FALSE(s);
  EXPECT_EQ(pool->stats().free, 4u);  // what it claimed went back
  EXPECT_EQ(pool->try_acquire(s), Errc::ok);
}

TEST(SharedPool, MetadataIsSharedAndClampedToTheSample) {
  auto pool = make_pool();
  SharedSample s;
  ASSERT_EQ(pool->acquire(s), Errc::ok);
  EXPECT_EQ(s.actual_length(), s.size());  // a fresh sample's length is its size
  EXPECT_EQ(s.set_actual_length(s.size() + 1), Errc::buffer_overflow);
  ASSERT_EQ(s.set_actual_length(10), Errc::ok);
  s.set_time(100, 200);
  s.set_sync_point(true);
  EXPECT_EQ(s.time(), (TimeRange{100, 200}));
  EXPECT_TRUE(s.sync_point());
  EXPECT_FALSE(s.discontinuity());
  Scribbler peer(*pool);
  auto* meta = reinterpret_cast<detail::SampleMeta*>(peer.base + peer.g.meta) + s.index();
  meta->actual_length.store(~std::uint64_t{0});
  EXPECT_EQ(s.actual_length(), s.size());  // never more than the buffer
}

TEST(SharedPool, PublishReachesEverySubscriberAndTheSampleReturnsWhenAllRelease) {
  auto pool = make_pool();
  auto sub1 = attach(*pool);
  auto sub2 = attach(*pool);
  ASSERT_EQ(sub1->subscribe(), Errc::ok);
  ASSERT_EQ(sub2->subscribe(), Errc::ok);
  SharedSample s;
  ASSERT_EQ(pool->acquire(s), Errc::ok);
  s.data()[0] = std::byte{42};
  std::uint32_t delivered = 0;
  ASSERT_EQ(pool->publish(s, &delivered), Errc::ok);
  EXPECT_EQ(delivered, 2u);
  const std::uint32_t index = s.index();
  s.reset();
  SharedSample r1, r2;
  ASSERT_EQ(sub1->try_receive(r1), Errc::ok);
  ASSERT_EQ(sub2->receive_until(r2, SharedPool::Clock::now() + 1s), Errc::ok);
  EXPECT_EQ(r1.index(), index);
  EXPECT_EQ(r2.data()[0], std::byte{42});
  EXPECT_EQ(pool->stats().free, 3u);
  r1.reset();
  EXPECT_EQ(pool->stats().free, 3u);
  r2.reset();
  EXPECT_EQ(pool->stats().free, 4u);
  EXPECT_EQ(sub1->try_receive(r1), Errc::timeout);
}

TEST(SharedPool, OnePublisherAtATime) {
  auto pool = make_pool();
  auto other = attach(*pool);
  SharedSample a, b;
  ASSERT_EQ(pool->acquire(a), Errc::ok);
  ASSERT_EQ(other->acquire(b), Errc::ok);
  EXPECT_EQ(pool->publish(a), Errc::ok);
  EXPECT_EQ(other->publish(b), Errc::busy);
  EXPECT_EQ(other->publish(a), Errc::invalid_argument);  // not its sample
  EXPECT_EQ(pool->publish(SharedSample{}), Errc::invalid_argument);
}

TEST(SharedPool, ASubscriberThatHasTheSampleOrAFullRingIsSkippedAndCounted) {
  SharedOptions small;
  small.channel_capacity = 2;
  auto pool = make_pool(4, small);
  auto sub = attach(*pool);
  ASSERT_EQ(sub->subscribe(), Errc::ok);
  SharedSample s;
  ASSERT_EQ(pool->acquire(s), Errc::ok);
  std::uint32_t delivered = 9;
  ASSERT_EQ(pool->publish(s, &delivered), Errc::ok);
  EXPECT_EQ(delivered, 1u);
  ASSERT_EQ(pool->publish(s, &delivered), Errc::ok);  // queued already
  EXPECT_EQ(delivered, 0u);
  SharedSample t, u;
  ASSERT_EQ(pool->acquire(t), Errc::ok);
  ASSERT_EQ(pool->acquire(u), Errc::ok);
  ASSERT_EQ(pool->publish(t, &delivered), Errc::ok);
  EXPECT_EQ(delivered, 1u);
  ASSERT_EQ(pool->publish(u, &delivered), Errc::ok);  // the ring holds 2
  EXPECT_EQ(delivered, 0u);
  EXPECT_EQ(pool->stats().dropped, 2u);
}

TEST(SharedPool, UnsubscribeGivesBackWhatWasQueued) {
  auto pool = make_pool();
  auto sub = attach(*pool);
  ASSERT_EQ(sub->subscribe(), Errc::ok);
  for (int k = 0; k < 3; ++k) {
    SharedSample s;
    ASSERT_EQ(pool->acquire(s), Errc::ok);
    ASSERT_EQ(pool->publish(s), Errc::ok);
  }
  EXPECT_EQ(pool->stats().queued, 3u);
  ASSERT_EQ(sub->unsubscribe(), Errc::ok);
  EXPECT_EQ(pool->stats().free, 4u);
  SharedSample r;
  EXPECT_EQ(sub->try_receive(r), Errc::invalid_argument);
}

TEST(SharedPool, ReceiveDrainsAfterDecommitThenEnds) {
  auto pool = make_pool();
  auto sub = attach(*pool);
  ASSERT_EQ(sub->subscribe(), Errc::ok);
  SharedSample s;
  ASSERT_EQ(pool->acquire(s), Errc::ok);
  ASSERT_EQ(pool->publish(s), Errc::ok);
  s.reset();
  ASSERT_EQ(pool->decommit(), Errc::ok);
  SharedSample r;
  EXPECT_EQ(sub->receive(r), Errc::ok);  // queued before the decommit
  r.reset();
  EXPECT_EQ(sub->receive(r), Errc::not_committed);
}

TEST(SharedPool, ThreadsOfOneSubscriberReceiveEachSampleOnce) {
  SharedOptions ring8;
  ring8.channel_capacity = 8;
  auto pool = make_pool(8, ring8);
  auto sub = attach(*pool);
  ASSERT_EQ(sub->subscribe(), Errc::ok);
  constexpr int kFrames = 2000;
  std::vector<std::atomic<int>> seen(kFrames);
  std::vector<std::thread> receivers;
  for (int t = 0; t < 4; ++t) {
    receivers.emplace_back([&] {
      for (;;) {
        SharedSample r;
        if (sub->receive(r) != Errc::ok) return;
        int n;
        std::memcpy(&n, r.data(), sizeof n);
        seen[n].fetch_add(1);
      }
    });
  }
  for (int n = 0; n < kFrames; ++n) {
    SharedSample s;
    ASSERT_EQ(pool->acquire(s), Errc::ok);  // at most 8 out: the ring never overflows
    std::memcpy(s.data(), &n, sizeof n);
    ASSERT_EQ(pool->publish(s), Errc::ok);
  }
  ASSERT_EQ(pool->wait_all_free_until(SharedPool::Clock::now() + 10s), Errc::ok);
  ASSERT_EQ(pool->decommit(), Errc::ok);
  for (auto& t : receivers) t.join();
  for (int n = 0; n < kFrames; ++n) ASSERT_EQ(seen[n].load(), 1) << "frame " << n;
  EXPECT_EQ(pool->stats().dropped, 0u);
  EXPECT_EQ(pool->stats().received, static_cast<std::uint64_t>(kFrames));
}

// The publisher is the rings' one writer: threads of its process that
// publish at once must not write one slot twice (an entry lost, its charge
// left behind: a sample that never comes back).
TEST(SharedPool, ThreadsOfThePublishingProcessPublishTogether) {
  SharedOptions ring16;
  ring16.channel_capacity = 16;
  auto pool = make_pool(16, ring16);
  auto sub = attach(*pool);
  ASSERT_EQ(sub->subscribe(), Errc::ok);
  constexpr int kPerThread = 1000;
  std::atomic<int> got{0};
  std::thread receiver([&] {
    for (SharedSample r; sub->receive(r) == Errc::ok; r.reset()) got.fetch_add(1);
  });
  std::vector<std::thread> publishers;
  for (int t = 0; t < 3; ++t) {
    publishers.emplace_back([&] {
      for (int n = 0; n < kPerThread; ++n) {
        SharedSample s;
        ASSERT_EQ(pool->acquire(s), Errc::ok);
        ASSERT_EQ(pool->publish(s), Errc::ok);
      }
    });
  }
  for (auto& t : publishers) t.join();
  ASSERT_EQ(pool->wait_all_free_until(SharedPool::Clock::now() + 10s), Errc::ok);
  ASSERT_EQ(pool->decommit(), Errc::ok);
  receiver.join();
  EXPECT_EQ(got.load(), 3 * kPerThread);
  EXPECT_EQ(pool->stats().dropped, 0u);
}

// Found by the spin model (stress/model/shm.pml, scenario 2): a receive
// that found its ring empty, then saw the decommit, returned not_committed
// although an entry had come in between; the frame stayed queued.
SharedPool* g_publish_and_stop = nullptr;
void publish_then_decommit(samplepool::detail::HookPoint p) noexcept {
  if (p != samplepool::detail::HookPoint::shm_receive_empty || g_publish_and_stop == nullptr) return;
  SharedPool* pool = g_publish_and_stop;
  g_publish_and_stop = nullptr;
  SharedSample s;
  if (pool->acquire(s) == Errc::ok) (void)pool->publish(s);
  (void)pool->decommit();
}

TEST(SharedPool, AnEntryQueuedBeforeTheDecommitIsReceivedAfterIt) {
  auto pool = make_pool();
  auto sub = attach(*pool);
  ASSERT_EQ(sub->subscribe(), Errc::ok);
  g_publish_and_stop = pool.get();
  samplepool::detail::set_test_hook(publish_then_decommit);
  SharedSample r;
  const Errc e = sub->try_receive(r);
  samplepool::detail::set_test_hook(nullptr);
  EXPECT_EQ(e, Errc::ok);
  EXPECT_EQ(pool->stats().queued, 0u);
  r.reset();
  EXPECT_EQ(sub->try_receive(r), Errc::not_committed);
}

TEST(SharedPool, DecommitEndsABlockedReceive) {
  auto pool = make_pool();
  auto sub = attach(*pool);
  ASSERT_EQ(sub->subscribe(), Errc::ok);
  Errc got = Errc::ok;
  std::thread t([&] { SharedSample r; got = sub->receive(r); });
  std::this_thread::sleep_for(20ms);
  ASSERT_EQ(pool->decommit(), Errc::ok);
  t.join();
  EXPECT_EQ(got, Errc::not_committed);
}

TEST(SharedPool, AttachByName) {
  SharedOptions named;
  named.name = "test." + std::to_string(getpid());
  auto pool = make_pool(4, named);
  std::unique_ptr<SharedPool> other;
  ASSERT_EQ(SharedPool::attach_named(named.name, &other), Errc::ok);
  SharedSample s;
  EXPECT_EQ(other->acquire(s), Errc::ok);
  std::unique_ptr<SharedPool> none;
  EXPECT_EQ(SharedPool::attach_named(named.name + ".absent", &none), Errc::not_committed);
  std::unique_ptr<SharedPool> twin;
  EXPECT_EQ(SharedPool::create(props(), named, &twin), Errc::busy);  // the name is taken
}

TEST(SharedPool, HugePagesAreUsedOrFallenBackFrom) {
  for (auto huge : {alloc::HugePages::transparent, alloc::HugePages::explicit_}) {
    SharedOptions o;
    o.huge_pages = huge;
    auto pool = make_pool(4, o);
    auto other = attach(*pool);
    SharedSample s;
    ASSERT_EQ(other->acquire(s), Errc::ok);
    std::memset(s.data(), 1, s.size());
    EXPECT_EQ(lseek(pool->fd(), 0, SEEK_END) % (2 << 20), 0) << "a huge page multiple";
  }
}

TEST(SharedPool, EveryProcessRecordTakenIsBusy) {
  SharedOptions two;
  two.max_processes = 2;
  auto pool = make_pool(4, two);
  auto one = attach(*pool);
  std::unique_ptr<SharedPool> extra;
  EXPECT_EQ(SharedPool::attach(pool->fd(), &extra), Errc::busy);
  one.reset();  // detaching frees its record
  EXPECT_EQ(SharedPool::attach(pool->fd(), &extra), Errc::ok);
}

// Found by helper-11's spin model: wait_all_free_until slept on the
// acquirers' channel, so a release's one wake could go to it rather than
// to a blocked acquirer, which then slept on beside a free sample.
TEST(SharedPool, AWaitForAllFreeDoesNotTakeAnAcquirersWake) {
  auto pool = make_pool(1);
  SharedSample held;
  ASSERT_EQ(pool->acquire(held), Errc::ok);
  Errc drained = Errc::ok;
  std::thread closer([&] { drained = pool->wait_all_free_until(SharedPool::Clock::now() + 10s); });
  std::this_thread::sleep_for(50ms);  // the closer sleeps first: a FIFO wake would pick it
  Errc got = Errc::timeout;
  auto waited = 0ms;
  std::thread acquirer([&] {
    const auto t0 = std::chrono::steady_clock::now();
    SharedSample s;
    got = pool->acquire_for(s, 3s);
    waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  });
  while (pool->stats().waiters == 0) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);
  held.reset();
  acquirer.join();
  closer.join();
  EXPECT_EQ(got, Errc::ok);
  EXPECT_LT(waited, 2s);
  EXPECT_EQ(drained, Errc::ok);
}

TEST(SharedPool, TheCreatorsCloseWaitsForOutstandingSamplesAndClosesThePool) {
  auto pool = make_pool();
  auto other = attach(*pool);
  SharedSample held;
  ASSERT_EQ(other->acquire(held), Errc::ok);
  std::thread later([&] {
    std::this_thread::sleep_for(30ms);
    held.reset();
  });
  pool.reset();  // returns only once `held` came back
  later.join();
  EXPECT_TRUE(other->stats().closed);
  SharedSample s;
  EXPECT_EQ(other->try_acquire(s), Errc::not_committed);
}

// A record naming a living pid whose liveness token nobody holds is a dead
// process whose pid was reused: it is reaped (its charges come back). The
// pid alone would have kept it forever.
TEST(SharedPool, AReusedPidDoesNotKeepADeadProcessAlive) {
  auto pool = make_pool();
  Scribbler peer(*pool);
  detail::Record* rec = peer.record(3);
  rec->token.store(1);
  rec->life.store(detail::LifeWord::make(detail::LifeWord::kAlive, 0, static_cast<int>(getppid())).raw);
  auto* meta = reinterpret_cast<detail::SampleMeta*>(peer.base + peer.g.meta);
  meta[2].owner.store(detail::held_bit(3));  // it "held" sample 2
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (pool->stats().processes_reaped == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(pool->stats().processes_reaped, 1u);
  EXPECT_EQ(pool->stats().free, 4u);
}

// Hostile memory ------------------------------------------------------------

TEST(SharedPoolHostile, AttachRefusesAWrongMagicVersionOrChecksum) {
  auto pool = make_pool();
  Scribbler peer(*pool);
  std::unique_ptr<SharedPool> other;
  const detail::Header good = *peer.header();
  peer.header()->magic ^= 1;
  EXPECT_EQ(SharedPool::attach(pool->fd(), &other), Errc::corrupted);
  *peer.header() = good;
  peer.header()->version = 99;
  EXPECT_EQ(SharedPool::attach(pool->fd(), &other), Errc::corrupted);
  *peer.header() = good;
  peer.header()->count = 1u << 30;  // sizes that no longer add up (and a stale checksum)
  EXPECT_EQ(SharedPool::attach(pool->fd(), &other), Errc::corrupted);
  *peer.header() = good;
  EXPECT_EQ(SharedPool::attach(pool->fd(), &other), Errc::ok);
}

TEST(SharedPoolHostile, AttachRefusesATruncatedSegment) {
  auto pool = make_pool();
  Scribbler peer(*pool);
  // A sealed segment as a peer could make it: this pool's header, half the size.
  alloc::SharedSegment half;
  ASSERT_EQ(alloc::SharedSegment::create(peer.size / 2, "truncated", alloc::HugePages::none, &half), Errc::ok);
  std::memcpy(half.data(), peer.base, sizeof(detail::Header));
  std::unique_ptr<SharedPool> other;
  EXPECT_EQ(SharedPool::attach(half.fd(), &other), Errc::corrupted);
  // And a file too short to hold even the header.
  alloc::SharedSegment tiny;
  ASSERT_EQ(alloc::SharedSegment::create(16, "tiny", alloc::HugePages::none, &tiny), Errc::ok);
  EXPECT_NE(SharedPool::attach(tiny.fd(), &other), Errc::ok);
}

TEST(SharedPoolHostile, AScribbledRingIsReportedAndMarksThePoolBroken) {
  auto pool = make_pool();
  auto sub = attach(*pool);
  ASSERT_EQ(sub->subscribe(), Errc::ok);
  Scribbler peer(*pool);
  peer.ring(sub->process_slot())->tail.store(12345);  // far beyond the capacity
  SharedSample r;
  EXPECT_EQ(sub->try_receive(r), Errc::corrupted);
  EXPECT_EQ(pool->check(), Errc::corrupted);  // every process sees it
  EXPECT_TRUE(pool->stats().broken);
  SharedSample s;
  EXPECT_EQ(pool->try_acquire(s), Errc::corrupted);
}

TEST(SharedPoolHostile, AnEntryNamingNoSampleIsReported) {
  auto pool = make_pool();
  auto sub = attach(*pool);
  ASSERT_EQ(sub->subscribe(), Errc::ok);
  Scribbler peer(*pool);
  const std::uint32_t me = sub->process_slot();
  auto* entries = reinterpret_cast<std::atomic<std::uint64_t>*>(peer.base + peer.g.entries);
  const std::uint32_t tail = peer.ring(me)->tail.load();
  const std::uint32_t subscription = peer.record(me)->subscribed.load();  // an entry of another is skipped
  entries[me * peer.g.ring_capacity + (tail & (peer.g.ring_capacity - 1))].store(
      detail::Entry::make(1u << 31, subscription));
  peer.ring(me)->tail.store(tail + 1);
  SharedSample r;
  EXPECT_EQ(sub->try_receive(r), Errc::corrupted);
}

TEST(SharedPoolHostile, AScribbledRecordIsReported) {
  auto pool = make_pool();
  auto other = attach(*pool);
  Scribbler peer(*pool);
  peer.record(other->process_slot())->life.store(0xffff'ffff'ffff'fff7ull);  // state 7: no such state
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (pool->check() == Errc::ok && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);  // the monitor looks every kRosterRefresh
  }
  EXPECT_EQ(pool->check(), Errc::corrupted);
}

// Random scribbles over every shared section but the payload, then every
// non-blocking call from two attachments: each must answer with an error
// code (or succeed), never crash, hang or touch memory it must not (run
// under ASan/UBSan in CI). The segment is restored before the pools go, so
// that the creator's close does not wait on a scribbled hold.
TEST(SharedPoolHostile, RandomScribblesNeverCrashAReader) {
  std::mt19937_64 rng(20261127);
  for (int round = 0; round < 200; ++round) {
    auto pool = make_pool(8);
    auto sub = attach(*pool);
    ASSERT_EQ(sub->subscribe(), Errc::ok);
    Scribbler peer(*pool);
    const std::size_t shared_end = peer.g.payload;  // header .. entries
    std::vector<std::byte> saved(peer.base, peer.base + shared_end);
    for (int k = 0; k < 1 + round % 8; ++k) {
      const std::size_t at = (sizeof(detail::Header) + rng() % (shared_end - sizeof(detail::Header))) & ~std::size_t{7};
      const std::uint64_t v = rng() % 4 == 0 ? ~std::uint64_t{0} : rng() >> (rng() % 64);
      std::memcpy(peer.base + at, &v, sizeof v);
    }
    for (int op = 0; op < 40; ++op) {
      SharedPool& who = op % 2 == 0 ? *pool : *sub;
      SharedSample s, r;
      (void)who.try_acquire(s);
      if (s) (void)who.publish(s);
      (void)sub->try_receive(r);
      (void)who.stats();
      (void)who.check();
    }
    std::memcpy(peer.base, saved.data(), saved.size());  // held handles are gone by now
  }
}

}  // namespace
}  // namespace samplepool::shm
