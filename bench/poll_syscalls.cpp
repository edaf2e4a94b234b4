// bench/poll_syscalls.cpp: the "no system call" half of issue 13's goal for
// a failing NOWAIT poll on an empty pool, which a timed benchmark cannot
// show. For each face (native LIFO and FIFO, C, DirectShow) it takes a
// pool's every buffer into this thread's hands, then polls between marker
// system calls (write(-1, "<MARK> <face>"), which fails with EBADF and does
// nothing else):
//   BEGIN   the first failing poll after the pool went empty
//   STEADY  kPolls more failing polls (bench/scenarios.hpp's PollEmpty)
//   REFILL  kRounds rounds of: give one buffer back, take it again (a
//           successful try_acquire), then a failing poll: the pattern of a
//           capture loop that polls a pool hovering at empty
//   END
// bench/poll_syscalls_test.py runs it under strace and counts the system
// calls between the markers. Exit 1 if a poll that had to fail succeeded,
// or a take-back that had to succeed failed.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "peers/samplepool_pools.hpp"

namespace samplepool::bench {
namespace {

constexpr int kPolls = 100000;
constexpr int kRounds = 1000;

void mark(const char* what, const char* face) {
  const std::string text = std::string(what) + " " + face;
  [[maybe_unused]] const ssize_t ignored = write(-1, text.data(), text.size());
}

template <class P>
bool polls_fail() {
  P pool(64, 4096);
  using Item = typename P::Item;
  std::vector<Item> held;
  for (int i = 0; i < 64; ++i) held.push_back(pool.acquire());
  int wrong = 0;
  // A poll that must fail; a success is counted and its buffer kept.
  auto poll = [&] {
    Item probe{};
    if (pool.try_acquire(probe)) {
      ++wrong;
      held.push_back(std::move(probe));
    }
  };
  mark("BEGIN", P::kName);
  poll();
  mark("STEADY", P::kName);
  for (int i = 0; i < kPolls; ++i) poll();
  mark("REFILL", P::kName);
  for (int i = 0; i < kRounds; ++i) {
    pool.release(std::move(held.back()));
    held.pop_back();
    Item back{};
    if (pool.try_acquire(back)) {
      held.push_back(std::move(back));
    } else {
      ++wrong;
    }
    poll();
  }
  mark("END", P::kName);
  for (Item& it : held) pool.release(std::move(it));
  if (wrong != 0) std::fprintf(stderr, "%s: %d polls went the wrong way\n", P::kName, wrong);
  return wrong == 0;
}

}  // namespace
}  // namespace samplepool::bench

int main() {
  using namespace samplepool;
  using namespace samplepool::bench;
  bool ok = polls_fail<SamplepoolPool<FreeListPolicy::lifo>>();
  ok = polls_fail<SamplepoolPool<FreeListPolicy::fifo>>() && ok;
  ok = polls_fail<CApiPool>() && ok;
  ok = polls_fail<DshowPool>() && ok;
  return ok ? 0 : 1;
}
