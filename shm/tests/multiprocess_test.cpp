// Shared pools across real processes: acquire and release, Decommit waking
// another process, and kill -9 of a process holding samples, blocked in an
// acquire, or stopped in the middle of a release, an acquire, a publish or a
// receive (a test hook stops it there): each with no sample lost or doubled.
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "peer_process.hpp"
#include "samplepool/alloc/fd_passing.hpp"
#include "samplepool/shm/shared_pool.hpp"

namespace samplepool::shm {
namespace {

using test::eventually;
using test::PeerProcess;
using namespace std::chrono_literals;

constexpr std::uint32_t kCount = 4;

// Every sample free and `reaps` reaps finished. The reaper frees the dead
// process's samples first and counts the reap (after the reclaimed samples)
// last (reaper.cpp): free samples alone can be seen while its counters
// still read the reap as under way.
bool reaped_all(SharedPool& pool, std::uint64_t reaps) {
  const SharedStats s = pool.stats();
  return s.free == kCount && s.processes_reaped == reaps;
}

std::unique_ptr<SharedPool> make_pool() {
  Properties p;
  p.count = kCount;
  p.size = 1024;
  p.alignment = 64;
  std::unique_ptr<SharedPool> pool;
  EXPECT_EQ(SharedPool::create(p, {}, &pool), Errc::ok);
  EXPECT_EQ(pool->commit(), Errc::ok);
  return pool;
}

// Every sample can be acquired, each once: none lost, none doubled.
void expect_all_acquirable(SharedPool& pool) {
  std::vector<SharedSample> all(kCount);
  std::vector<bool> seen(kCount, false);
  for (auto& s : all) {
    ASSERT_EQ(pool.try_acquire(s), Errc::ok);
    ASSERT_FALSE(seen[s.index()]) << "sample " << s.index() << " handed out twice";
    seen[s.index()] = true;
  }
  SharedSample extra;
  EXPECT_EQ(pool.try_acquire(extra), Errc::timeout);
}

TEST(SharedPoolProcesses, AcquireAndReleaseAcrossProcesses) {
  auto pool = make_pool();
  PeerProcess peer(pool->fd(), {"hold", "2"});
  ASSERT_TRUE(peer.started());
  ASSERT_EQ(peer.read_line(), "held");
  EXPECT_EQ(pool->stats().held, 2u);
  EXPECT_EQ(pool->stats().processes, 2u);
  SharedSample a, b, c;
  EXPECT_EQ(pool->try_acquire(a), Errc::ok);
  EXPECT_EQ(pool->try_acquire(b), Errc::ok);
  EXPECT_EQ(pool->try_acquire(c), Errc::timeout);
  EXPECT_EQ(peer.finish(), 0);  // a clean exit releases and detaches
  a.reset();
  b.reset();
  EXPECT_EQ(pool->stats().free, kCount);
  EXPECT_EQ(pool->stats().processes_reaped, 0u);
  expect_all_acquirable(*pool);
}

TEST(SharedPoolProcesses, DataWrittenByOneProcessIsReadByAnother) {
  auto pool = make_pool();
  PeerProcess peer(pool->fd(), {"hold-received", "1"});
  ASSERT_EQ(peer.read_line(), "subscribed");
  SharedSample s;
  ASSERT_EQ(pool->acquire(s), Errc::ok);
  std::memcpy(s.data(), "frame", 6);
  ASSERT_EQ(s.set_actual_length(6), Errc::ok);
  std::uint32_t delivered = 0;
  ASSERT_EQ(pool->publish(s, &delivered), Errc::ok);
  EXPECT_EQ(delivered, 1u);
  s.reset();
  ASSERT_EQ(peer.read_line(), "received");
  EXPECT_EQ(pool->stats().held, 1u);  // the peer's hold, not ours
  EXPECT_EQ(peer.finish(), 0);
  EXPECT_EQ(pool->stats().free, kCount);
}

TEST(SharedPoolProcesses, DecommitWakesAWaiterInAnotherProcess) {
  auto pool = make_pool();
  std::vector<SharedSample> all(kCount);
  for (auto& s : all) ASSERT_EQ(pool->acquire(s), Errc::ok);
  PeerProcess peer(pool->fd(), {"block"});
  ASSERT_TRUE(eventually([&] { return pool->stats().waiters == 1; }));
  ASSERT_EQ(pool->decommit(), Errc::ok);
  EXPECT_EQ(peer.read_line(), "result not_committed");
  EXPECT_EQ(peer.finish(), 0);
}

TEST(SharedPoolProcesses, AReleaseWakesAWaiterInAnotherProcess) {
  auto pool = make_pool();
  std::vector<SharedSample> all(kCount);
  for (auto& s : all) ASSERT_EQ(pool->acquire(s), Errc::ok);
  PeerProcess peer(pool->fd(), {"block"});
  ASSERT_TRUE(eventually([&] { return pool->stats().waiters == 1; }));
  all[0].reset();
  EXPECT_EQ(peer.read_line(), "result ok");
  EXPECT_EQ(peer.finish(), 0);
}

TEST(SharedPoolProcesses, KillingAProcessThatHoldsSamplesReturnsThem) {
  auto pool = make_pool();
  PeerProcess peer(pool->fd(), {"hold", "3"});
  ASSERT_EQ(peer.read_line(), "held");
  peer.kill9();
  ASSERT_TRUE(eventually([&] { return reaped_all(*pool, 1); }));
  const SharedStats st = pool->stats();
  EXPECT_EQ(st.processes_reaped, 1u);
  EXPECT_EQ(st.samples_reclaimed, 3u);
  EXPECT_EQ(st.processes, 1u);
  expect_all_acquirable(*pool);
}

TEST(SharedPoolProcesses, KillingAProcessBlockedInAcquireLeavesNoSleeperBehind) {
  auto pool = make_pool();
  std::vector<SharedSample> all(kCount);
  for (auto& s : all) ASSERT_EQ(pool->acquire(s), Errc::ok);
  PeerProcess peer(pool->fd(), {"block"});
  ASSERT_TRUE(eventually([&] { return pool->stats().waiters == 1; }));
  peer.kill9();
  ASSERT_TRUE(eventually([&] { return pool->stats().processes_reaped == 1; }));
  EXPECT_EQ(pool->stats().waiters, 0u);  // its share of the sleeper count went with it
  all.clear();
  expect_all_acquirable(*pool);
}

// kill -9 while stopped at `point`, then check nothing was lost or doubled.
void kill_while_stopped_at(const char* point) {
  auto pool = make_pool();
  PeerProcess peer(pool->fd(), {"stop-at", point});
  ASSERT_EQ(peer.read_line(), "stopped");
  peer.kill9();
  ASSERT_TRUE(eventually([&] { return pool->stats().processes_reaped == 1; }));
  EXPECT_EQ(pool->stats().free, kCount);
  expect_all_acquirable(*pool);
}

TEST(SharedPoolProcesses, KillInTheMiddleOfAReleaseLosesNothing) { kill_while_stopped_at("release_midway"); }

TEST(SharedPoolProcesses, KillInTheMiddleOfAnAcquireLosesNothing) { kill_while_stopped_at("acquire_claimed"); }

TEST(SharedPoolProcesses, KillInTheMiddleOfAPublishLeavesNoOrphanCharge) {
  auto pool = make_pool();
  ASSERT_EQ(pool->subscribe(), Errc::ok);
  PeerProcess peer(pool->fd(), {"stop-at", "publish_midway"});
  ASSERT_EQ(peer.read_line(), "stopped");
  EXPECT_EQ(pool->stats().queued, 1u);  // charged to us, never written to our ring
  peer.kill9();
  ASSERT_TRUE(eventually([&] { return pool->stats().processes_reaped == 1; }));
  EXPECT_EQ(pool->stats().free, kCount);
  SharedSample s;
  EXPECT_EQ(pool->try_receive(s), Errc::timeout);  // its orphaned charge is not an entry
  expect_all_acquirable(*pool);
}

// Found by the spin model (stress/model/shm.pml, scenario 2, two deaths): the
// publisher saw the subscriber subscribed, the subscriber died and was
// reaped, then the publisher charged it and died before its undo. Its reaper
// must clear that charge although the subscriber is no longer subscribed.
TEST(SharedPoolProcesses, APublishersChargeToASubscriberReapedMeanwhileIsCleared) {
  auto pool = make_pool();
  PeerProcess sub(pool->fd(), {"subscribe"});
  ASSERT_EQ(sub.read_line(), "subscribed");
  PeerProcess pub(pool->fd(), {"stop-at", "publish_charging"});
  ASSERT_EQ(pub.read_line(), "charging");
  sub.kill9();
  ASSERT_TRUE(eventually([&] { return pool->stats().processes_reaped == 1; }));
  ASSERT_TRUE(pub.send("g"));  // it charges the reaped subscriber, and stops
  ASSERT_EQ(pub.read_line(), "stopped");
  EXPECT_EQ(pool->stats().queued, 1u);
  pub.kill9();
  ASSERT_TRUE(eventually([&] { return pool->stats().processes_reaped == 2; }));
  EXPECT_EQ(pool->stats().queued, 0u);
  EXPECT_EQ(pool->stats().free, kCount);
  expect_all_acquirable(*pool);
}

TEST(SharedPoolProcesses, KillInTheMiddleOfAReceiveLosesNothing) {
  auto pool = make_pool();
  PeerProcess peer(pool->fd(), {"stop-at", "receive_midway"});
  ASSERT_EQ(peer.read_line(), "subscribed");
  SharedSample s;
  ASSERT_EQ(pool->acquire(s), Errc::ok);
  ASSERT_EQ(pool->publish(s), Errc::ok);
  s.reset();
  ASSERT_EQ(peer.read_line(), "stopped");
  peer.kill9();
  ASSERT_TRUE(eventually([&] { return pool->stats().free == kCount; }));
  expect_all_acquirable(*pool);
}

TEST(SharedPoolProcesses, KillingASubscriberReturnsWhatWasQueuedToIt) {
  auto pool = make_pool();
  PeerProcess peer(pool->fd(), {"subscribe"});
  ASSERT_EQ(peer.read_line(), "subscribed");
  for (int k = 0; k < 3; ++k) {
    SharedSample s;
    ASSERT_EQ(pool->acquire(s), Errc::ok);
    std::uint32_t delivered = 0;
    ASSERT_EQ(pool->publish(s, &delivered), Errc::ok);
    EXPECT_EQ(delivered, 1u);
  }
  EXPECT_EQ(pool->stats().queued, 3u);
  peer.kill9();
  ASSERT_TRUE(eventually([&] { return reaped_all(*pool, 1); }));
  EXPECT_EQ(pool->stats().samples_reclaimed, 3u);
  expect_all_acquirable(*pool);
}

TEST(SharedPoolProcesses, ThePublishersExitEndsABlockedReceive) {
  auto pool = make_pool();
  ASSERT_EQ(pool->subscribe(), Errc::ok);
  PeerProcess peer(pool->fd(), {"publish", "1"});
  ASSERT_EQ(peer.read_line(), "published");
  SharedSample got;
  ASSERT_EQ(pool->receive(got), Errc::ok);
  got.reset();
  std::thread killer([&] {
    std::this_thread::sleep_for(50ms);
    peer.kill9();
  });
  EXPECT_EQ(pool->receive(got), Errc::not_committed);
  killer.join();
}

TEST(SharedPoolProcesses, TheCreatorsDeathClosesThePoolForTheOthers) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  PeerProcess creator(sv[1], {"create"});
  close(sv[1]);
  int fd = -1;
  char tag = 0;
  std::size_t len = 0;
  ASSERT_EQ(alloc::receive_fd(sv[0], &fd, &tag, 1, &len), Errc::ok);
  close(sv[0]);
  ASSERT_EQ(creator.read_line(), "created");
  std::unique_ptr<SharedPool> pool;
  ASSERT_EQ(SharedPool::attach(fd, &pool), Errc::ok);
  close(fd);
  std::vector<SharedSample> all(kCount);
  for (auto& s : all) ASSERT_EQ(pool->acquire(s), Errc::ok);
  std::thread killer([&] {
    std::this_thread::sleep_for(50ms);
    creator.kill9();
  });
  SharedSample blocked;
  EXPECT_EQ(pool->acquire(blocked), Errc::not_committed);  // not a hang
  killer.join();
  EXPECT_TRUE(pool->stats().closed);
  EXPECT_EQ(pool->commit(), Errc::invalid_argument);  // not ours to reopen
}

}  // namespace
}  // namespace samplepool::shm
