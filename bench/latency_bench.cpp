// Latency scenarios 5 and 6 (see README "Performance"):
//  - wake latency: from a release to the blocked acquirer's return, beside a
//    raw futex ping-pong (the floor) and the CBaseAllocator-style pool;
//  - decommit latency: from Decommit to the return of the last of N blocked
//    acquirers (N = 1, 8, 64), samplepool beside the CBaseAllocator-style
//    pool's wake-all.
// Each iteration's latency is reported through manual time; p50 and p99 (in
// microseconds) are counters.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <thread>
#include <vector>

#include "peers/cbase_allocator.hpp"
#include "samplepool/detail/futex.hpp"
#include "samplepool/samplepool.hpp"

namespace samplepool::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

void report(benchmark::State& state, std::vector<double>& us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

// Waits until `asleep()` holds, then a little longer so the waiter is inside
// the kernel, not merely registered.
template <class F>
void until_asleep(F asleep) {
  while (!asleep()) std::this_thread::yield();
  std::this_thread::sleep_for(200us);
}

// One ping-pong harness for every wake mechanism: `block()` runs on the
// waiter thread and returns when woken; `asleep()` says it is registered;
// `wake()` wakes it; `rearm()` runs on this thread after each round.
template <class Block, class Asleep, class Wake, class Rearm>
void ping_pong(benchmark::State& state, Block block, Asleep asleep, Wake wake, Rearm rearm) {
  std::atomic<Clock::rep> t0{0};
  std::atomic<int> phase{0};  // 0: waiter may block; 1: woken, recorded; 2: stop
  std::vector<double> us;
  std::thread waiter([&] {
    for (;;) {
      while (phase.load() == 1) std::this_thread::yield();
      if (phase.load() == 2) return;
      if (!block()) return;
      if (phase.load() == 2) return;  // woken by the final wake(): not a sample
      const auto t1 = Clock::now().time_since_epoch().count();
      us.push_back(static_cast<double>(t1 - t0.load()) / 1000.0);
      int expected = 0;
      phase.compare_exchange_strong(expected, 1);  // never overwrites the stop
    }
  });
  for (auto _ : state) {
    until_asleep(asleep);
    t0.store(Clock::now().time_since_epoch().count());
    wake();
    while (phase.load() != 1) std::this_thread::yield();
    state.SetIterationTime(us.back() / 1e6);
    rearm();
    phase.store(0);
  }
  phase.store(2);
  wake();  // in case the waiter is blocked again
  waiter.join();
  report(state, us);
}

void WakeFutexFloor(benchmark::State& state) {
  std::atomic<std::uint32_t> word{0};
  std::atomic<int> sleeping{0};
  ping_pong(
      state,
      [&] {
        sleeping.store(1);
        while (word.load() == 0) detail::futex_wait(&word, 0, detail::kNoDeadline);
        sleeping.store(0);
        return true;
      },
      [&] { return sleeping.load() == 1; },
      [&] {
        word.store(1);
        detail::futex_wake(&word, 1);
      },
      [&] { word.store(0); });
}

// Setup and control calls that cannot fail in these scenarios.
void must(Errc e) {
  if (e != Errc::ok) {
    std::fprintf(stderr, "latency bench: %s\n", to_string(e));
    std::abort();
  }
}

void WakeSamplepool(benchmark::State& state) {
  Pool pool;
  must(pool.set_properties({1, 4096, 64, 0}));
  must(pool.commit());
  Sample held;
  must(pool.acquire(held));
  ping_pong(
      state,
      [&] {
        Sample s;
        return pool.acquire(s) == Errc::ok;  // released at once: the next round re-takes it
      },
      [&] { return pool.stats().waiters == 1; },
      [&] {
        if (held) {
          held.reset();
        } else {
          must(pool.decommit());  // stop: ends the waiter's last acquire
        }
      },
      [&] { must(pool.acquire(held)); });
}

void WakeCBase(benchmark::State& state) {
  CBaseStylePool pool(1, 4096);
  std::byte* held = pool.acquire();
  ping_pong(
      state,
      [&] {
        std::byte* b = pool.acquire();
        if (b != nullptr) pool.release(std::move(b));
        return b != nullptr;
      },
      [&] { return pool.waiting() == 1; },
      [&] {
        if (held != nullptr) {
          pool.release(std::move(held));
          held = nullptr;
        } else {
          pool.decommit();
        }
      },
      [&] { held = pool.acquire(); });
}

// Decommit with N blocked acquirers; the latency is the last one's return.
template <class Acquire, class Waiting, class Decommit, class Commit>
void decommit_rounds(benchmark::State& state, Acquire acquire, Waiting waiting, Decommit decommit,
                     Commit commit) {
  const int n = static_cast<int>(state.range(0));
  std::vector<double> us;
  for (auto _ : state) {
    std::vector<Clock::time_point> done(static_cast<std::size_t>(n));
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        acquire();
        done[static_cast<std::size_t>(i)] = Clock::now();
      });
    }
    until_asleep([&] { return waiting() == n; });
    const auto t0 = Clock::now();
    decommit();
    for (auto& t : threads) t.join();
    const auto last = *std::max_element(done.begin(), done.end());
    const double d = std::chrono::duration<double, std::micro>(last - t0).count();
    us.push_back(d);
    state.SetIterationTime(d / 1e6);
    commit();
  }
  report(state, us);
}

void DecommitSamplepool(benchmark::State& state) {
  Pool pool;
  must(pool.set_properties({1, 4096, 64, 0}));
  must(pool.commit());
  Sample held;
  must(pool.acquire(held));  // the pool is empty: every acquirer blocks
  decommit_rounds(
      state,
      [&] {
        Sample s;
        (void)pool.acquire(s);  // not_committed: that is the point
      },
      [&] { return static_cast<int>(pool.stats().waiters); },
      [&] { must(pool.decommit()); }, [&] { must(pool.commit()); });
}

void DecommitCBase(benchmark::State& state) {
  CBaseStylePool pool(1, 4096);
  std::byte* held = pool.acquire();
  decommit_rounds(
      state, [&] { pool.acquire(); }, [&] { return static_cast<int>(pool.waiting()); },
      [&] { pool.decommit(); }, [&] { pool.commit(); });
  pool.release(std::move(held));
}

BENCHMARK(WakeFutexFloor)->Name("wake/futex_pingpong")->UseManualTime()->Iterations(300);
BENCHMARK(WakeSamplepool)->Name("wake/samplepool")->UseManualTime()->Iterations(300);
BENCHMARK(WakeCBase)->Name("wake/cbase_allocator")->UseManualTime()->Iterations(300);
BENCHMARK(DecommitSamplepool)->Name("decommit/samplepool")->UseManualTime()->Iterations(30)
    ->Arg(1)->Arg(8)->Arg(64);
BENCHMARK(DecommitCBase)->Name("decommit/cbase_allocator")->UseManualTime()->Iterations(30)
    ->Arg(1)->Arg(8)->Arg(64);

}  // namespace
}  // namespace samplepool::bench

BENCHMARK_MAIN();
