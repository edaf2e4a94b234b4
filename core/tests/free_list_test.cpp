// Both free-list policies, through one typed suite.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "samplepool/detail/free_list.hpp"

namespace samplepool::detail {
namespace {

template <class L>
class FreeListTest : public testing::Test {
 protected:
  void SetUp() override { list.reset(kN); }
  static constexpr std::uint32_t kN = 64;
  L list;
};

using Policies = testing::Types<LifoFreeList, FifoFreeList>;
TYPED_TEST_SUITE(FreeListTest, Policies);

TYPED_TEST(FreeListTest, HoldsEveryIndexExactlyOnce) {
  std::vector<std::uint32_t> got;
  std::uint32_t i;
  while (this->list.try_pop(i)) got.push_back(i);
  ASSERT_EQ(got.size(), this->kN);
  std::sort(got.begin(), got.end());
  for (std::uint32_t k = 0; k < this->kN; ++k) EXPECT_EQ(got[k], k);
  EXPECT_FALSE(this->list.try_pop(i));
  this->list.push(7);
  ASSERT_TRUE(this->list.try_pop(i));
  EXPECT_EQ(i, 7u);
}

TYPED_TEST(FreeListTest, BulkOperationsMoveEveryIndexOnce) {
  std::uint32_t a[40], b[40];
  ASSERT_EQ(this->list.pop_bulk(a, 40), 40u);
  ASSERT_EQ(this->list.pop_bulk(b, 40), 24u) << "only what is there";
  std::uint32_t none;
  EXPECT_EQ(this->list.pop_bulk(&none, 1), 0u);
  EXPECT_EQ(this->list.pop_bulk(&none, 0), 0u);
  this->list.push_bulk(b, 24);
  this->list.push_bulk(a, 40);
  std::vector<std::uint32_t> got;
  std::uint32_t i;
  while (this->list.try_pop(i)) got.push_back(i);
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got.size(), this->kN);
  for (std::uint32_t k = 0; k < this->kN; ++k) EXPECT_EQ(got[k], k);
}

TYPED_TEST(FreeListTest, ConcurrentBulkAndSingleNeverDuplicateOrLose) {
  std::vector<std::atomic<int>> owner(this->kN);
  for (auto& o : owner) o = -1;
  std::atomic<int> violations{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::uint32_t mine[8];
      for (int round = 0; round < 5000; ++round) {
        const std::uint32_t want = static_cast<std::uint32_t>(1 + (round + t) % 8);
        const std::uint32_t n = this->list.pop_bulk(mine, want);
        for (std::uint32_t k = 0; k < n; ++k) {
          int expected = -1;
          if (!owner[mine[k]].compare_exchange_strong(expected, t)) violations.fetch_add(1);
        }
        for (std::uint32_t k = 0; k < n; ++k) owner[mine[k]].store(-1);
        if (n > 1) {
          this->list.push_bulk(mine, n);
        } else if (n == 1) {
          this->list.push(mine[0]);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(violations.load(), 0);
  std::vector<std::uint32_t> got;
  std::uint32_t i;
  while (this->list.try_pop(i)) got.push_back(i);
  EXPECT_EQ(got.size(), this->kN);
}

TYPED_TEST(FreeListTest, ConcurrentPopPushNeverDuplicatesOrLoses) {
  constexpr int kThreads = 4;
  std::vector<std::atomic<int>> owner(this->kN);
  for (auto& o : owner) o = -1;
  std::atomic<int> violations{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::uint32_t> mine;
      for (int round = 0; round < 20000; ++round) {
        std::uint32_t i;
        if (mine.size() < 4 && this->list.try_pop(i)) {
          int expected = -1;
          if (!owner[i].compare_exchange_strong(expected, t)) violations.fetch_add(1);
          mine.push_back(i);
        } else if (!mine.empty()) {
          const std::uint32_t back = mine.back();
          mine.pop_back();
          owner[back].store(-1);
          this->list.push(back);
        }
      }
      for (auto i : mine) {
        owner[i].store(-1);
        this->list.push(i);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(violations.load(), 0);
  std::vector<std::uint32_t> got;
  std::uint32_t i;
  while (this->list.try_pop(i)) got.push_back(i);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got.size(), this->kN);
  EXPECT_TRUE(std::adjacent_find(got.begin(), got.end()) == got.end());
}

TEST(LifoFreeList, IsLastInFirstOutAndTagsEveryChange) {
  LifoFreeList list;
  list.reset(4);
  std::uint32_t a, b;
  ASSERT_TRUE(list.try_pop(a));
  ASSERT_TRUE(list.try_pop(b));
  const auto tag = list.head_approx().tag();
  list.push(a);
  list.push(b);
  EXPECT_EQ(list.head_approx().tag(), tag + 2);
  std::uint32_t c;
  ASSERT_TRUE(list.try_pop(c));
  EXPECT_EQ(c, b) << "the most recently pushed comes out first";
}

TEST(LifoFreeList, HeadTransitions) {
  using H = LifoFreeList::Head;
  const H empty;
  EXPECT_TRUE(empty.empty());
  const H one = empty.with_push(5);
  EXPECT_EQ(one.top(), 5u);
  EXPECT_EQ(one.tag(), empty.tag() + 1);
  const H popped = one.with_pop(kNoSlot);
  EXPECT_TRUE(popped.empty());
  EXPECT_NE(popped.raw(), empty.raw()) << "same top, different tag: an ABA CAS fails";
  EXPECT_EQ(H::make(3, 0xffffffffu).with_push(4).tag(), 0u) << "the tag wraps, never the index";
}

TEST(FifoFreeList, RotatesEvenly) {
  FifoFreeList list;
  list.reset(8);
  std::uint32_t first;
  ASSERT_TRUE(list.try_pop(first));
  list.push(first);
  for (int k = 0; k < 7; ++k) {
    std::uint32_t i;
    ASSERT_TRUE(list.try_pop(i));
    EXPECT_NE(i, first) << "a released sample waits behind the others";
    list.push(i);
  }
  std::uint32_t i;
  ASSERT_TRUE(list.try_pop(i));
  EXPECT_EQ(i, first);
}

// moodycamel's queue, but try_dequeue reports "empty" while `flaky` is
// positive (decrementing it), as the real one does while another consumer
// sits between its optimistic-count and overcommit increments.
class FlakyQueue : public moodycamel::ConcurrentQueue<std::uint32_t, FifoQueueTraits> {
 public:
  using moodycamel::ConcurrentQueue<std::uint32_t, FifoQueueTraits>::ConcurrentQueue;
  static inline std::atomic<int> flaky{0};
  bool try_dequeue(std::uint32_t& out) {
    if (flaky.load() > 0 && flaky.fetch_sub(1) > 0) return false;
    return ConcurrentQueue::try_dequeue(out);
  }
  std::size_t try_dequeue_bulk(std::uint32_t* out, std::size_t max) {
    if (flaky.load() > 0 && flaky.fetch_sub(1) > 0) return 0;
    return ConcurrentQueue::try_dequeue_bulk(out, max);
  }
};

TEST(FifoFreeList, APopNeverReportsEmptyWhileAnIndexIsFree) {
  // The lost wake-up of issue 8 item 1: a waiter re-checks after registering,
  // the queue answers "empty" spuriously, the waiter sleeps beside a free
  // sample. The count makes "empty" exact: the pop retries instead.
  BasicFifoFreeList<FlakyQueue> list;
  list.reset(2);
  std::uint32_t a, b, c;
  ASSERT_TRUE(list.try_pop(a));
  FlakyQueue::flaky = 3;
  ASSERT_TRUE(list.try_pop(b)) << "one index was free: a spurious empty must not fail the pop";
  EXPECT_NE(a, b);
  EXPECT_FALSE(list.try_pop(c)) << "none free: empty is exact";
  list.push(a);
  FlakyQueue::flaky = 5;
  std::uint32_t bulk[2];
  EXPECT_EQ(list.pop_bulk(bulk, 2), 1u) << "bulk takes exactly what is free, despite spurious failures";
  EXPECT_EQ(bulk[0], a);
  FlakyQueue::flaky = 0;
}

}  // namespace
}  // namespace samplepool::detail
