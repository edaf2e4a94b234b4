// bench/scenarios.hpp: each throughput scenario written once, for any
// PoolAdapter (peers/adapter.hpp).
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "peers/adapter.hpp"
#include "samplepool/samplepool.hpp"
#include "spsc_ring.hpp"

namespace samplepool::bench {

// Optional per-thread hooks (rte_mempool registers non-EAL threads).
template <class P>
void thread_init(P& p) {
  if constexpr (requires { p.thread_init(); }) p.thread_init();
}
template <class P>
void thread_fini(P& p) {
  if constexpr (requires { p.thread_fini(); }) p.thread_fini();
}
// False (and the run is marked skipped) when the peer could not start here.
template <class P>
bool usable(benchmark::State& state, P& p) {
  if constexpr (requires { p.ok(); }) {
    if (!p.ok()) {
      state.SkipWithError("pool unavailable");
      return false;
    }
  }
  return true;
}

// The pool shared by all threads of one multi-threaded run.
template <class P>
struct Shared {
  static inline std::unique_ptr<P> pool;
  static void setup(const benchmark::State& s) {
    pool = std::make_unique<P>(static_cast<std::uint32_t>(s.range(0)),
                               static_cast<std::size_t>(s.range(1)));
  }
  static void teardown(const benchmark::State&) { pool.reset(); }
};

// 1, 2: acquire + release round trips; every thread on the same pool.
template <PoolAdapter P>
void RoundTrip(benchmark::State& state) {
  P& pool = *Shared<P>::pool;
  if (!usable(state, pool)) return;
  thread_init(pool);
  for (auto _ : state) {
    auto item = pool.acquire();
    *pool.data(item) = std::byte{1};
    pool.release(std::move(item));
  }
  thread_fini(pool);
  state.SetItemsProcessed(state.iterations());
}

// 3: capture handoff: this thread acquires and passes each buffer through an
// SPSC ring to a consumer thread, which releases it.
template <PoolAdapter P>
void Handoff(benchmark::State& state) {
  P pool(static_cast<std::uint32_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
  if (!usable(state, pool)) return;
  using Item = typename P::Item;
  SpscRing<Item> ring(64);
  std::atomic<bool> stop{false};
  std::thread consumer([&] {
    thread_init(pool);
    Item item{};
    for (;;) {
      if (ring.pop(item)) {
        pool.release(std::move(item));
      } else if (stop.load(std::memory_order_acquire)) {
        if (!ring.pop(item)) break;
        pool.release(std::move(item));
      } else {
        std::this_thread::yield();
      }
    }
    thread_fini(pool);
  });
  thread_init(pool);
  for (auto _ : state) {
    Item item = pool.acquire();
    *pool.data(item) = std::byte{1};
    while (!ring.push(item)) std::this_thread::yield();
  }
  stop.store(true, std::memory_order_release);
  consumer.join();
  thread_fini(pool);
  state.SetItemsProcessed(state.iterations());
}

// 4: bulk: acquire k, then release k (k = range(2)). Adapters with a bulk
// API use it; the others loop.
template <PoolAdapter P>
void Bulk(benchmark::State& state) {
  P pool(static_cast<std::uint32_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
  if (!usable(state, pool)) return;
  const auto k = static_cast<std::size_t>(state.range(2));
  std::vector<typename P::Item> items(k);
  thread_init(pool);
  for (auto _ : state) {
    if constexpr (requires { pool.acquire_bulk(items); }) {
      pool.acquire_bulk(items);
      pool.release_bulk(items);
    } else {
      for (auto& it : items) it = pool.acquire();
      for (auto& it : items) pool.release(std::move(it));
    }
  }
  thread_fini(pool);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(k));
}

// 7: pool-size scaling: cycle through 64 buffers of pools from 8 to 65,536
// (acquire min(64, count), release them): the cost per buffer must not grow
// with the pool.
template <PoolAdapter P>
void SizeScaling(benchmark::State& state) {
  P pool(static_cast<std::uint32_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
  const std::size_t k = state.range(0) < 64 ? static_cast<std::size_t>(state.range(0)) : 64;
  std::vector<typename P::Item> items(k);
  for (auto _ : state) {
    for (auto& it : items) it = pool.acquire();
    for (auto& it : items) pool.release(std::move(it));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(k));
}

// The cost of one growth step: a pool of 16 with every sample held, then the
// acquire that finds it empty and builds a chunk of range(0) samples of
// range(1) bytes (allocating the payload from the heap backend). Only that
// acquire is timed.
inline void GrowthStep(benchmark::State& state) {
  const auto step = static_cast<std::uint32_t>(state.range(0));
  const auto size = static_cast<std::size_t>(state.range(1));
  for (auto _ : state) {
    state.PauseTiming();
    {
      Pool pool;
      if (pool.set_properties({16, size, 64, 0, 16 + kMaxGrowthSteps * step}) != Errc::ok ||
          pool.commit() != Errc::ok) {
        state.SkipWithError("set_properties/commit");
        break;
      }
      std::vector<Sample> held(16);
      for (Sample& s : held) (void)pool.try_acquire(s);
      Sample grown;
      state.ResumeTiming();
      const Errc e = pool.try_acquire(grown);
      state.PauseTiming();
      if (e != Errc::ok) {
        state.SkipWithError("the acquire did not grow the pool");
        break;
      }
    }
    state.ResumeTiming();
  }
}

}  // namespace samplepool::bench
