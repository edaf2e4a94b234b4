// Both free-list policies, through one typed suite.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "samplepool/detail/free_list.hpp"

namespace samplepool::detail {
namespace {

template <class L>
class FreeListTest : public testing::Test {
 protected:
  void SetUp() override { list.reset(kN); }
  static constexpr std::uint32_t kN = 61;  // FIFO: a ring of 64 with room to spare
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
  constexpr std::uint32_t kRest = TestFixture::kN - 40;
  ASSERT_EQ(this->list.pop_bulk(a, 40), 40u);
  ASSERT_EQ(this->list.pop_bulk(b, 40), kRest) << "only what is there";
  std::uint32_t none;
  EXPECT_EQ(this->list.pop_bulk(&none, 1), 0u);
  EXPECT_EQ(this->list.pop_bulk(&none, 0), 0u);
  this->list.push_bulk(b, kRest);
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

TEST(FifoFreeList, MatchesAQueueThroughManyLapsOfTheRing) {
  // Capacity 5 gives a ring of 8: entries are reused at offsets that move
  // each lap. A deque is the reference for every order and count. The
  // tickets start below 2^32 and cross it, where the entries' 32 ticket bits
  // wrap.
  constexpr std::uint32_t kCap = 5;
  FifoFreeList list;
  list.reset(kCap, 3, (std::uint64_t{1} << 32) - 1000);
  std::deque<std::uint32_t> model{0, 1, 2};
  std::vector<std::uint32_t> out_of_list{3, 4};  // held: pushed later
  std::mt19937 rng(7);
  for (int step = 0; step < 20000; ++step) {
    const unsigned op = rng() % 4;
    if (op == 0 && !out_of_list.empty()) {
      list.push(out_of_list.back());
      model.push_back(out_of_list.back());
      out_of_list.pop_back();
    } else if (op == 1 && !out_of_list.empty()) {
      const auto n = static_cast<std::uint32_t>(1 + rng() % out_of_list.size());
      list.push_bulk(out_of_list.data() + out_of_list.size() - n, n);
      model.insert(model.end(), out_of_list.end() - n, out_of_list.end());
      out_of_list.resize(out_of_list.size() - n);
    } else if (op == 2) {
      std::uint32_t i = 0;
      ASSERT_EQ(list.try_pop(i), !model.empty());
      if (!model.empty()) {
        ASSERT_EQ(i, model.front()) << "step " << step;
        model.pop_front();
        out_of_list.push_back(i);
      }
    } else {
      std::uint32_t got[kCap];
      const auto max = static_cast<std::uint32_t>(1 + rng() % kCap);
      const std::uint32_t n = list.pop_bulk(got, max);
      ASSERT_EQ(n, std::min<std::size_t>(max, model.size()));
      for (std::uint32_t k = 0; k < n; ++k) {
        ASSERT_EQ(got[k], model.front()) << "step " << step;
        model.pop_front();
        out_of_list.push_back(got[k]);
      }
    }
    ASSERT_EQ(list.empty(), model.empty());
  }
}

// The ring shares no cache line, nor prefetch pair, with other heap data:
// it starts on a pair and fills whole pairs, also when it is smaller than
// one. (The entries past `size` are read to check they were allocated:
// the ASan build reports a short allocation.)
TEST(FifoFreeList, TheRingFillsWholePrefetchPairsOfItsOwn) {
  for (std::uint64_t size : {1u, 2u, 4u, 8u, 64u, 1024u}) {
    const FifoFreeList::Ring ring = FifoFreeList::make_ring(size);
    ASSERT_NE(ring, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(ring.get()) % kPrefetchPair, 0u) << "size " << size;
    const std::uint64_t whole = std::max<std::uint64_t>(size, kPrefetchPair / sizeof(FifoFreeList::Entry));
    for (std::uint64_t i = 0; i < whole; ++i) EXPECT_EQ(ring[i].load(), 0u) << "size " << size << ", entry " << i;
  }
}

TEST(FifoFreeList, AResetEmptiesARingItReuses) {
  FifoFreeList list;
  list.reset(4);
  std::uint32_t i = 99;
  ASSERT_TRUE(list.try_pop(i));
  ASSERT_TRUE(list.try_pop(i));
  list.reset(4, 0);  // same size: the ring is kept, its entries written again
  EXPECT_TRUE(list.empty());
  EXPECT_FALSE(list.try_pop(i)) << "an entry of the old fill survived the reset";
  list.push(3);
  ASSERT_TRUE(list.try_pop(i));
  EXPECT_EQ(i, 3u);
  EXPECT_FALSE(list.try_pop(i));
}

TEST(FifoFreeList, IsFirstInFirstOutAcrossThreads) {
  // moodycamel's queue, which this policy used before, kept order only per
  // producing thread. The ring keeps the order of the pushes.
  FifoFreeList list;
  list.reset(8, 0);
  for (std::uint32_t i = 0; i < 8; ++i) {
    std::thread([&list, i] { list.push(i); }).join();
  }
  for (std::uint32_t i = 0; i < 8; ++i) {
    std::uint32_t got = 99;
    ASSERT_TRUE(list.try_pop(got));
    EXPECT_EQ(got, i);
  }
}

TEST(FifoFreeList, APopWaitsForAClaimedPushInsteadOfReportingEmpty) {
  // A pusher stalled between its claim and its entry (preempted there). The
  // pops behind it must neither answer "empty" (a blocking acquirer would
  // sleep beside a free sample: the lost wake-up of issue 8 item 1) nor skip
  // ahead of it; they wait for its entry.
  FifoFreeList list;
  list.reset(4);
  std::uint32_t scratch[4];
  ASSERT_EQ(list.pop_bulk(scratch, 4), 4u);
  const std::uint64_t stalled = list.claim(1);  // will carry index 1
  list.push(2);                                 // a later push completes
  EXPECT_FALSE(list.empty()) << "a claimed push is not empty";

  // This thread pops; another writes the stalled entry later. A pop that
  // answered "empty" or took index 2 first fails below, however the two
  // threads are scheduled.
  std::atomic<bool> popping{false};
  std::thread pusher([&] {
    while (!popping.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    list.publish(stalled, 1);
  });
  std::uint32_t first = 99;
  popping.store(true);
  const bool got = list.try_pop(first);
  pusher.join();
  EXPECT_TRUE(got) << "the pop reported empty while a push was claimed";
  EXPECT_EQ(first, 1u) << "the claimed push comes first";
  std::uint32_t second = 99;
  ASSERT_TRUE(list.try_pop(second));
  EXPECT_EQ(second, 2u);
  EXPECT_TRUE(list.empty());
  EXPECT_FALSE(list.try_pop(second)) << "none free: empty is exact";
}

}  // namespace
}  // namespace samplepool::detail
