#include "samplepool/detail/wake_channel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test_util.hpp"

namespace samplepool::detail {
namespace {

TEST(WakeChannel, NotifyWithoutSleepersMakesNoSyscall) {
  WakeChannel ch;
  const auto before = futex_syscalls();
  for (int i = 0; i < 1000; ++i) {
    ch.notify_one();
    ch.notify_all();
  }
  EXPECT_EQ(futex_syscalls(), before);
}

TEST(WakeChannel, CancelledWaiterIsNotCounted) {
  WakeChannel ch;
  (void)ch.prepare();
  EXPECT_EQ(ch.sleepers_approx(), 1u);
  ch.cancel();
  EXPECT_EQ(ch.sleepers_approx(), 0u);
}

TEST(WakeChannel, NotifyBetweenPrepareAndSleepIsNotLost) {
  WakeChannel ch;
  const auto t = ch.prepare();
  ch.notify_one();  // before the sleep: the ticket is stale now
  EXPECT_EQ(ch.sleep(t, kNoDeadline), -EAGAIN) << "returns at once instead of sleeping";
}

TEST(WakeChannel, SleepTimesOutAtTheDeadline) {
  WakeChannel ch;
  const auto t = ch.prepare();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
  EXPECT_EQ(ch.sleep(t, deadline), -ETIMEDOUT);
  EXPECT_GE(std::chrono::steady_clock::now(), deadline);
}

TEST(WakeChannel, NotifyAllWakesEverySleeper) {
  WakeChannel ch;
  std::atomic<bool> flag{false};
  std::atomic<int> woke{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (;;) {
        const auto t = ch.prepare();
        if (flag.load()) {
          ch.cancel();
          break;
        }
        ch.sleep(t, kNoDeadline);
        if (flag.load()) break;
      }
      woke.fetch_add(1);
    });
  }
  ASSERT_TRUE(samplepool::test::eventually([&] { return ch.sleepers_approx() == 8; }));
  flag.store(true);
  ch.notify_all();
  for (auto& t : threads) t.join();
  EXPECT_EQ(woke.load(), 8);
}

}  // namespace
}  // namespace samplepool::detail
