// The hand-off's floor experiments (floor_pools.hpp, MagazineFloorPool) must
// be pools, or their figures bound nothing: each holds exactly `count`
// buffers (magazine_floor, magazine_floor_parts) or `count` plus
// rte_mempool's spares (magazine_floor_spares), hands out each buffer to one
// holder at a time, and loses none in a two-thread hand-off; and
// magazine_floor_parts does samplepool's per-call work, or it bounds a
// different pool.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "floor_pools.hpp"

namespace samplepool::bench {
namespace {

constexpr std::uint32_t kCount = 64;
constexpr std::size_t kSize = 4096;

using Exact = MagazineFloorPool<Floor::exact>;
using Spares = MagazineFloorPool<Floor::spares>;
using Parts = MagazineFloorPool<Floor::parts>;

// n buffers, taken by one thread (in magazines of count / 4, or 32 with
// spares).
template <class P>
std::vector<typename P::Item> take_all(P& pool, std::size_t n) {
  std::vector<typename P::Item> got;
  for (std::size_t i = 0; i < n; ++i) got.push_back(pool.acquire());
  return got;
}

// Each item's buffer is its own: the buffers lie at least kSize apart.
template <class P>
void expect_distinct(P& pool, std::vector<typename P::Item> got) {
  std::vector<std::byte*> at;
  for (auto& it : got) at.push_back(pool.data(it));
  std::sort(at.begin(), at.end());
  for (std::size_t i = 1; i < at.size(); ++i) EXPECT_GE(at[i] - at[i - 1], static_cast<std::ptrdiff_t>(kSize));
}

template <class P>
void holds_exactly_the_count() {
  P pool(kCount, kSize);
  pool.thread_init();
  auto got = take_all(pool, kCount);
  expect_distinct(pool, got);
  for (auto& it : got) pool.data(it)[kSize - 1] = std::byte{1};  // every byte of each buffer is the pool's
  // None is left: another thread's acquire waits until they come back.
  std::atomic<bool> returned{false};
  std::thread late([&] {
    pool.thread_init();
    auto it = pool.acquire();
    returned = true;
    pool.release(std::move(it));
    pool.thread_fini();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(returned.load());
  auto kept = got;
  for (auto& it : got) pool.release(std::move(it));
  pool.thread_fini();  // the partial magazine goes to the loaded stack
  late.join();
  EXPECT_TRUE(returned.load());
  pool.thread_init();
  // Given back, the same buffers come out again.
  auto again = take_all(pool, kCount);
  std::sort(kept.begin(), kept.end());
  auto sorted = again;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(kept, sorted);
  for (auto& it : again) pool.release(std::move(it));
  pool.thread_fini();
}

TEST(MagazineFloor, HoldsExactlyTheCount) { holds_exactly_the_count<Exact>(); }
TEST(MagazineFloor, HoldsExactlyTheCountWithParts) { holds_exactly_the_count<Parts>(); }

TEST(MagazineFloor, SparesAreRteMempoolsSizing) {
  // count + a magazine of 32 for each of max(run_max_threads(), 2) threads.
  Spares pool(kCount, kSize);
  pool.thread_init();
  const std::size_t buffers = kCount + static_cast<std::size_t>(std::max(run_max_threads(), 2)) * 32;
  auto got = take_all(pool, buffers);
  expect_distinct(pool, got);
  for (auto& it : got) pool.release(std::move(it));
  pool.thread_fini();
}

// The hand-off as the scenario runs it, with a check on each buffer: no
// buffer is handed out while another holder has it, and all come back.
template <class P>
void handoff_keeps_every_buffer() {
  P pool(kCount, kSize);
  using Item = typename P::Item;
  constexpr int kItems = 200'000;
  std::mutex m;
  std::deque<Item> pipe;
  std::set<Item> held;  // under m
  std::atomic<bool> twice{false};
  std::thread consumer([&] {
    pool.thread_init();
    for (int done = 0; done < kItems;) {
      Item it{};
      {
        std::lock_guard lock(m);
        if (pipe.empty()) continue;
        it = pipe.front();
        pipe.pop_front();
        held.erase(it);
      }
      pool.release(std::move(it));
      ++done;
    }
    pool.thread_fini();
  });
  pool.thread_init();
  for (int i = 0; i < kItems; ++i) {
    Item it = pool.acquire();
    std::lock_guard lock(m);
    if (!held.insert(it).second) twice = true;
    pipe.push_back(it);
  }
  consumer.join();
  EXPECT_FALSE(twice.load());
  pool.thread_fini();
  // Every buffer is back: one thread takes them all again, distinct.
  pool.thread_init();
  expect_distinct(pool, take_all(pool, kCount));
  pool.thread_fini();
}

TEST(MagazineFloor, HandoffKeepsEveryBuffer) { handoff_keeps_every_buffer<Exact>(); }
TEST(MagazineFloor, HandoffKeepsEveryBufferWithSpares) { handoff_keeps_every_buffer<Spares>(); }
TEST(MagazineFloor, HandoffKeepsEveryBufferWithParts) { handoff_keeps_every_buffer<Parts>(); }

// magazine_floor_parts' acquire marks the header as samplepool's take from a
// cache does: one holder, the last holder's flags gone, the cache's stamp.
TEST(MagazineFloor, PartsMarkTheHeaderAsSamplepoolDoes) {
  Parts pool(kCount, kSize);
  pool.thread_init();
  auto got = take_all(pool, kCount);
  for (detail::SampleSlot* s : got) {
    EXPECT_EQ(s->held().refs.load(), 1u);
    EXPECT_EQ(s->held().flags, 0u);
    EXPECT_EQ(s->held().holder.load(), detail::kHolderFromCache);
    s->held().flags = detail::kSyncPoint | detail::kDiscontinuity;  // what a holder sets
    s->held().refs.store(7);
  }
  for (auto& s : got) pool.release(std::move(s));
  auto again = take_all(pool, kCount);
  for (detail::SampleSlot* s : again) {
    EXPECT_EQ(s->held().refs.load(), 1u);
    EXPECT_EQ(s->held().flags, 0u);
  }
  for (auto& s : again) pool.release(std::move(s));
  pool.thread_fini();
}

// ... and its release checks that the buffer is its own, as samplepool's
// release reads the header to find the pool's caches: a buffer of another
// pool is a bug it does not let pass.
TEST(MagazineFloorDeathTest, PartsRefuseAnotherPoolsBuffer) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Parts mine(kCount, kSize);
        Parts other(kCount, kSize);
        mine.thread_init();
        detail::SampleSlot* s = mine.acquire();
        mine.thread_fini();
        other.thread_init();
        other.release(std::move(s));
      },
      "");
}

}  // namespace
}  // namespace samplepool::bench
