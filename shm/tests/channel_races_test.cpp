// The channel's races that the spin model found (stress/model/README.md,
// "Bugs found": A to D), one found by reading the reaper (E) and one by
// review (receiving threads of one process at once), each made
// deterministic: a test hook stalls a thread of this process, or stops a
// peer process, at the racy point, and the peer is killed there where the
// race needs a death. Each test failed before its fix.
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "peer_process.hpp"
#include "samplepool/detail/test_hooks.hpp"
#include "samplepool/shm/detail/layout.hpp"
#include "samplepool/shm/detail/life_word.hpp"
#include "samplepool/shm/detail/owner_word.hpp"
#include "samplepool/shm/shared_pool.hpp"

namespace samplepool::shm {
namespace {

using samplepool::detail::HookPoint;
using test::eventually;
using test::PeerProcess;
using namespace std::chrono_literals;

std::unique_ptr<SharedPool> make_pool(std::uint32_t count) {
  Properties p;
  p.count = count;
  p.size = 256;
  p.alignment = 64;
  SharedOptions options;
  options.channel_capacity = 4;  // room for stale entries beside real ones
  std::unique_ptr<SharedPool> pool;
  EXPECT_EQ(SharedPool::create(p, options, &pool), Errc::ok);
  EXPECT_EQ(pool->commit(), Errc::ok);
  return pool;
}

// One step of a peer running "script" (peer.cpp): its answer.
std::string step(PeerProcess& peer, const std::string& line) {
  if (!peer.send(line + "\n")) return "(not sent)";
  return peer.read_line();
}

// Stalls one thread of this process (the one that called arm()) at one hook
// point, once, until go().
class Stall {
 public:
  explicit Stall(HookPoint point) {
    point_ = point;
    reached_ = false;
    go_ = false;
    samplepool::detail::set_test_hook(&Stall::hook);
  }
  ~Stall() {
    go();
    samplepool::detail::set_test_hook(nullptr);
  }
  Stall(const Stall&) = delete;
  Stall& operator=(const Stall&) = delete;

  static void arm() noexcept { mine_ = true; }
  bool reached() const noexcept { return reached_.load(); }
  void go() noexcept { go_ = true; }

 private:
  static void hook(HookPoint p) noexcept {
    if (p != point_.load() || !mine_) return;
    mine_ = false;
    reached_ = true;
    while (!go_.load()) std::this_thread::sleep_for(100us);
  }
  static inline std::atomic<HookPoint> point_{HookPoint::shm_receive_midway};
  static inline std::atomic<bool> reached_{false};
  static inline std::atomic<bool> go_{false};
  static inline thread_local bool mine_ = false;
};

// A. The publisher leaves (detach frees its slot) and is killed right after
// the CAS that freed it. A receive blocked since before must end: the slot's
// generation moved in that same CAS (it was a second word, bumped after, and
// the receive slept for good).
TEST(SharedChannelRaces, APublisherKilledRightAfterFreeingItsSlotEndsABlockedReceive) {
  auto pool = make_pool(2);
  ASSERT_EQ(pool->subscribe(), Errc::ok);
  PeerProcess pub(pool->fd(), {"script"});
  EXPECT_EQ(step(pub, "acquire"), "acquired 0");
  EXPECT_EQ(step(pub, "publish"), "published 1");  // takes the slot
  EXPECT_EQ(step(pub, "release"), "released");
  SharedSample got;
  ASSERT_EQ(pool->try_receive(got), Errc::ok);
  got.reset();

  Stall empty(HookPoint::shm_receive_empty);  // the receive has read the slot's state
  Errc result = Errc::ok;
  std::thread receiver([&] {
    Stall::arm();
    SharedSample s;
    result = pool->receive_for(s, 5s);
  });
  ASSERT_TRUE(eventually([&] { return empty.reached(); }));
  empty.go();
  EXPECT_EQ(step(pub, "stop-at publisher_left"), "armed");
  EXPECT_EQ(step(pub, "leave"), "stopped");
  pub.kill9();
  receiver.join();
  EXPECT_EQ(result, Errc::not_committed);
}

// B. The subscriber has moved its charge of X and not yet advanced its head;
// the publisher publishes X again and is killed at once. Its charge must not
// survive on top of the subscriber's hold (the fetch_or set it, the undo
// never came, and the reaper's clean-up kept it for the entry at head).
TEST(SharedChannelRaces, APublisherKilledRepublishingASampleBeingReceivedLeaksNothing) {
  auto pool = make_pool(1);
  ASSERT_EQ(pool->subscribe(), Errc::ok);
  PeerProcess pub(pool->fd(), {"script"});
  EXPECT_EQ(step(pub, "acquire"), "acquired 0");
  EXPECT_EQ(step(pub, "publish"), "published 1");

  Stall midway(HookPoint::shm_receive_midway);
  std::thread receiver([&] {
    Stall::arm();
    SharedSample s;
    EXPECT_EQ(pool->try_receive(s), Errc::ok);
  });
  ASSERT_TRUE(eventually([&] { return midway.reached(); }));
  EXPECT_EQ(step(pub, "stop-at publish_charged"), "armed");
  EXPECT_EQ(step(pub, "publish"), "stopped");
  pub.kill9();
  ASSERT_TRUE(eventually([&] { return pool->stats().processes_reaped == 1; }));
  midway.go();
  receiver.join();  // released what it received
  EXPECT_TRUE(eventually([&] { return pool->stats().free == 1; }, 2s)) << "queued " << pool->stats().queued;
  SharedSample none;
  EXPECT_EQ(pool->try_receive(none), Errc::timeout);
  EXPECT_EQ(pool->unsubscribe(), Errc::ok);  // a leaked charge must not hang the pool's destructor
}

// Leaves an entry in our ring that no charge backs, the way an unsubscribe
// and a subscribe during a publish do: the publisher has checked we are
// subscribed; we leave and come back; it writes its entry.
void make_stale_entry_by_resubscribing(SharedPool& pool, PeerProcess& pub) {
  EXPECT_EQ(step(pub, "acquire"), "acquired 0");
  EXPECT_EQ(step(pub, "pause-at publish_checked"), "armed");
  EXPECT_EQ(step(pub, "publish"), "paused");
  ASSERT_EQ(pool.unsubscribe(), Errc::ok);
  ASSERT_EQ(pool.subscribe(), Errc::ok);
  EXPECT_EQ(pub.send("go\n") ? pub.read_line() : "", "published 1");
  EXPECT_EQ(step(pub, "release"), "released");
}

// D. With such an entry at head, a receive reads it and finds no charge; the
// publisher publishes X again and is killed before its entry; the reaper's
// clean-up must not take the entry at head for the orphan's (then the
// receive moves head past it and X stays queued to us with no entry).
TEST(SharedChannelRaces, AnEntryLeftByAResubscriptionDoesNotHideAnOrphan) {
  auto pool = make_pool(1);
  ASSERT_EQ(pool->subscribe(), Errc::ok);
  PeerProcess pub(pool->fd(), {"script"});
  make_stale_entry_by_resubscribing(*pool, pub);
  if (::testing::Test::HasFatalFailure()) return;

  Stall midway(HookPoint::shm_receive_midway);
  std::thread receiver([&] {
    Stall::arm();
    SharedSample s;
    EXPECT_EQ(pool->try_receive(s), Errc::not_committed);  // nothing for us (the entry is stale), and the publisher died
  });
  ASSERT_TRUE(eventually([&] { return midway.reached(); }));
  EXPECT_EQ(step(pub, "stop-at publish_midway"), "armed");
  EXPECT_EQ(step(pub, "acquire"), "acquired 0");
  EXPECT_EQ(step(pub, "publish"), "stopped");  // charged us, no entry yet
  pub.kill9();
  ASSERT_TRUE(eventually([&] { return pool->stats().processes_reaped == 1; }));
  midway.go();
  receiver.join();
  EXPECT_TRUE(eventually([&] { return pool->stats().free == 1; }, 2s)) << "queued " << pool->stats().queued;
  EXPECT_EQ(pool->unsubscribe(), Errc::ok);  // a leaked charge must not hang the pool's destructor
}

// Receiving threads of one process take entries one at a time. With two at
// once, one that read the entry at head and stalled while the other took it
// could, once the sample came back and was published again, move that
// publish's charge and leave its entry without one: the stale entry of D
// without a resubscription (found in review; two ways round a voiding of
// such entries were found too, so the threads are serialized instead).
TEST(SharedChannelRaces, ReceivingThreadsOfOneProcessTakeEntriesOneAtATime) {
  auto pool = make_pool(2);
  std::unique_ptr<SharedPool> sub;
  ASSERT_EQ(SharedPool::attach(pool->fd(), &sub), Errc::ok);
  ASSERT_EQ(sub->subscribe(), Errc::ok);
  {
    SharedSample s;
    ASSERT_EQ(pool->acquire(s), Errc::ok);
    ASSERT_EQ(pool->publish(s), Errc::ok);
  }
  Stall read(HookPoint::shm_receive_read);
  std::thread first([&] {
    Stall::arm();
    SharedSample s;
    EXPECT_EQ(sub->try_receive(s), Errc::ok);
  });
  ASSERT_TRUE(eventually([&] { return read.reached(); }));
  std::atomic<bool> second_done{false};
  Errc second_result = Errc::ok;
  std::thread second([&] {
    SharedSample s;
    second_result = sub->try_receive(s);
    second_done = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(second_done.load()) << "a second receiving thread took an entry beside the stalled one";
  read.go();
  first.join();
  second.join();
  EXPECT_EQ(second_result, Errc::timeout);  // the one entry went to the first
  EXPECT_EQ(sub->check(), Errc::ok);
  EXPECT_EQ(pool->stats().free, 2u);
}

// C. An entry left by a resubscription must never give one sample twice: we
// hold X through a stale entry's charge, and the publisher publishes X
// again; the entry behind the stale one must not find a charge to take,
// not even for an instant (the fetch_or that the undo took back).
TEST(SharedChannelRaces, AnEntryLeftByAResubscriptionNeverHandsASampleTwice) {
  auto pool = make_pool(1);
  ASSERT_EQ(pool->subscribe(), Errc::ok);
  PeerProcess pub(pool->fd(), {"script"});
  make_stale_entry_by_resubscribing(*pool, pub);
  EXPECT_EQ(step(pub, "acquire"), "acquired 0");
  EXPECT_EQ(step(pub, "publish"), "published 1");  // a real entry behind the stale one
  SharedSample first;
  ASSERT_EQ(pool->try_receive(first), Errc::ok);
  EXPECT_EQ(step(pub, "pause-at publish_charged"), "armed");
  EXPECT_EQ(step(pub, "publish"), "paused");  // we have X: it must not charge us
  SharedSample second;
  EXPECT_EQ(pool->try_receive(second), Errc::timeout);
  EXPECT_EQ(pub.send("go\n") ? pub.read_line() : "", "published 0");
  second.reset();
  first.reset();
  EXPECT_EQ(pool->check(), Errc::ok);
  EXPECT_EQ(step(pub, "release"), "released");
  EXPECT_TRUE(eventually([&] { return pool->stats().free == 1; }, 2s));
  EXPECT_EQ(pool->unsubscribe(), Errc::ok);
}

// A view of the segment's records, as a peer that writes them has.
struct Records {
  explicit Records(const SharedPool& pool) {
    size = static_cast<std::size_t>(lseek(pool.fd(), 0, SEEK_END));
    base = static_cast<std::byte*>(mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, pool.fd(), 0));
    EXPECT_NE(base, MAP_FAILED);
    EXPECT_EQ(detail::validate(*reinterpret_cast<detail::Header*>(base), size, &g), Errc::ok);
  }
  ~Records() { munmap(base, size); }
  std::atomic<std::uint64_t>& life(std::uint32_t r) const {
    return (reinterpret_cast<detail::Record*>(base + g.records) + r)->life;
  }
  std::atomic<std::uint32_t>& token(std::uint32_t r) const {
    return (reinterpret_cast<detail::Record*>(base + g.records) + r)->token;
  }
  std::atomic<std::uint64_t>& owner(std::uint32_t i) const {
    return (reinterpret_cast<detail::SampleMeta*>(base + g.meta) + i)->owner;
  }
  std::byte* base = nullptr;
  std::size_t size = 0;
  detail::Geometry g;
};

// E. Process X died while reaping record R, X's own record was reaped and
// freed, and a new process took it before any monitor looked at R again:
// R says "reaping by X", and X is alive. R must still be reaped (its holds
// come back), not left to a reaper that is a different process. (Where
// liveness tokens work, X's new process used to take R over by accident: it
// found its own lock free; the test takes that away by clearing X's token
// flag, as a process without /proc has none.)
TEST(SharedChannelRaces, AReapingWhoseReapersRecordWasTakenAgainIsTakenOver) {
  auto pool = make_pool(2);
  const std::uint32_t x = 1, r = 2;  // records are taken lowest first
  PeerProcess first(pool->fd(), {"script"});
  EXPECT_EQ(step(first, "acquire"), "acquired 0");
  const int dead_pid = first.pid();
  first.kill9();  // reaped, and record x freed: its generation moves on
  ASSERT_TRUE(eventually([&] { return pool->stats().processes_reaped == 1 && pool->stats().free == 2; }));
  PeerProcess taker(pool->fd(), {"script"});
  EXPECT_EQ(step(taker, "subscribe"), "subscribed");
  Records seg(*pool);
  const detail::LifeWord now{seg.life(x).load()};
  ASSERT_EQ(now.state(), detail::LifeWord::kAlive);
  ASSERT_EQ(now.pid(), taker.pid());
  ASSERT_EQ(now.generation(), 1u);
  seg.token(x).store(0);  // judged by its pid alone
  // Record r: the dead process holding sample 1, its reaping begun by the
  // process that had record x at generation 0 (a reaping word made then).
  std::uint64_t free_word = 0;
  ASSERT_TRUE(seg.owner(1).compare_exchange_strong(free_word, detail::held_bit(r)));
  const auto reaping = detail::LifeWord::make(detail::LifeWord::kReaping, 0, dead_pid, x);
  seg.life(r).store(reaping.raw);
  EXPECT_TRUE(eventually([&] { return pool->stats().free == 2; }, 2s)) << "record " << r << " stranded";
  EXPECT_EQ(detail::LifeWord{seg.life(r).load()}.state(), detail::LifeWord::kFree);
}

// E's other half: a process with no record yet (an attach that found every
// record taken reaps the dead ones first) names itself by pid. While it
// lives its reaping is its own; once it has gone, anyone takes it over.
TEST(SharedChannelRaces, AReapingByAProcessWithoutARecordIsTakenOverOnlyOnceItHasGone) {
  auto pool = make_pool(2);
  const std::uint32_t r = 1;
  Records seg(*pool);
  std::uint64_t free_word = 0;
  ASSERT_TRUE(seg.owner(1).compare_exchange_strong(free_word, detail::held_bit(r)));
  const detail::LifeWord record{seg.life(r).load()};
  ASSERT_EQ(record.state(), detail::LifeWord::kFree);
  seg.life(r).store(record.reaped_by_process(static_cast<int>(getpid())).raw);  // a live reaper
  std::this_thread::sleep_for(300ms);  // three roster refreshes
  EXPECT_EQ(pool->stats().free, 1u) << "a live reaper's work was taken over";
  PeerProcess gone(pool->fd(), {"script"});
  const int dead_pid = gone.pid();
  EXPECT_EQ(step(gone, "leave"), "left");
  EXPECT_EQ(gone.finish(), 0);
  seg.life(r).store(record.reaped_by_process(dead_pid).raw);
  EXPECT_TRUE(eventually([&] { return pool->stats().free == 2; }, 2s)) << "record " << r << " stranded";
}

}  // namespace
}  // namespace samplepool::shm
