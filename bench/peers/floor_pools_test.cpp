// The hand-off's floor experiment (floor_pools.hpp, MagazineFloorPool) must
// be a pool, or its figures bound nothing: it holds exactly `count` buffers
// (magazine_floor) or `count` plus rte_mempool's spares
// (magazine_floor_spares), hands out each buffer to one holder at a time,
// and loses none in a two-thread hand-off.
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

// n buffers, taken by one thread (in magazines of count / 4, or 32 with
// spares).
template <class P>
std::vector<std::byte*> take_all(P& pool, std::size_t n) {
  std::vector<std::byte*> got;
  for (std::size_t i = 0; i < n; ++i) got.push_back(pool.acquire());
  return got;
}

void expect_distinct(std::vector<std::byte*> got) {
  std::sort(got.begin(), got.end());
  for (std::size_t i = 1; i < got.size(); ++i) EXPECT_GE(got[i] - got[i - 1], static_cast<std::ptrdiff_t>(kSize));
}

TEST(MagazineFloor, HoldsExactlyTheCount) {
  MagazineFloorPool<false> pool(kCount, kSize);
  pool.thread_init();
  std::vector<std::byte*> got = take_all(pool, kCount);
  expect_distinct(got);
  for (std::byte* p : got) p[kSize - 1] = std::byte{1};  // every byte of each buffer is the pool's
  // None is left: another thread's acquire waits until they come back.
  std::atomic<bool> returned{false};
  std::thread late([&] {
    pool.thread_init();
    std::byte* p = pool.acquire();
    returned = true;
    pool.release(std::move(p));
    pool.thread_fini();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(returned.load());
  for (std::byte* p : got) pool.release(std::move(p));
  pool.thread_fini();  // the partial magazine goes to the loaded stack
  late.join();
  EXPECT_TRUE(returned.load());
  pool.thread_init();
  // Given back, the same buffers come out again.
  std::vector<std::byte*> again = take_all(pool, kCount);
  std::sort(got.begin(), got.end());
  std::sort(again.begin(), again.end());
  EXPECT_EQ(got, again);
  for (std::byte* p : again) pool.release(std::move(p));
  pool.thread_fini();
}

TEST(MagazineFloor, SparesAreRteMempoolsSizing) {
  // count + a magazine of 32 for each of max(run_max_threads(), 2) threads.
  MagazineFloorPool<true> pool(kCount, kSize);
  pool.thread_init();
  const std::size_t buffers = kCount + static_cast<std::size_t>(std::max(run_max_threads(), 2)) * 32;
  std::vector<std::byte*> got = take_all(pool, buffers);
  expect_distinct(got);
  for (std::byte* p : got) pool.release(std::move(p));
  pool.thread_fini();
}

// The hand-off as the scenario runs it, with a check on each buffer: no
// buffer is handed out while another holder has it, and all come back.
template <class P>
void handoff_keeps_every_buffer() {
  P pool(kCount, kSize);
  constexpr int kItems = 200'000;
  std::mutex m;
  std::deque<std::byte*> pipe;
  std::set<std::byte*> held;  // under m
  std::atomic<bool> twice{false};
  std::thread consumer([&] {
    pool.thread_init();
    for (int done = 0; done < kItems;) {
      std::byte* p = nullptr;
      {
        std::lock_guard lock(m);
        if (pipe.empty()) continue;
        p = pipe.front();
        pipe.pop_front();
        held.erase(p);
      }
      pool.release(std::move(p));
      ++done;
    }
    pool.thread_fini();
  });
  pool.thread_init();
  for (int i = 0; i < kItems; ++i) {
    std::byte* p = pool.acquire();
    std::lock_guard lock(m);
    if (!held.insert(p).second) twice = true;
    pipe.push_back(p);
  }
  consumer.join();
  EXPECT_FALSE(twice.load());
  pool.thread_fini();
  // Every buffer is back: one thread takes them all again, distinct.
  pool.thread_init();
  expect_distinct(take_all(pool, kCount));
  pool.thread_fini();
}

TEST(MagazineFloor, HandoffKeepsEveryBuffer) { handoff_keeps_every_buffer<MagazineFloorPool<false>>(); }
TEST(MagazineFloor, HandoffKeepsEveryBufferWithSpares) { handoff_keeps_every_buffer<MagazineFloorPool<true>>(); }

}  // namespace
}  // namespace samplepool::bench
