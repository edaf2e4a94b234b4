// bench/scenarios.hpp: each throughput scenario written once, for any
// PoolAdapter (peers/adapter.hpp).
#pragma once

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "peers/adapter.hpp"
#include "pinning.hpp"
#include "samplepool/detail/lifo_free_list.hpp"
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

// The pool shared by all threads of one multi-threaded run, in cache lines
// of its own (OwnLine, spsc_ring.hpp).
template <class P>
struct Shared {
  static inline std::unique_ptr<OwnLine<P>> pool;
  static void setup(const benchmark::State& s) {
    pool = std::make_unique<OwnLine<P>>(static_cast<std::uint32_t>(s.range(0)),
                                        static_cast<std::size_t>(s.range(1)));
  }
  static void teardown(const benchmark::State&) { pool.reset(); }
};

// 1, 2: acquire + release round trips; every thread on the same pool,
// thread i pinned to CPU i (modulo the CPUs there are).
template <PoolAdapter P>
void RoundTrip(benchmark::State& state) {
  const PinnedTo pin(cpu_for(static_cast<std::size_t>(state.thread_index())));
  P& pool = Shared<P>::pool->value;
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
// SPSC ring to a consumer thread, which releases it. With two CPUs or more
// the producer and the consumer are pinned to different ones (a real
// capture thread and its consumer run side by side); with one, neither is.
// Everything both threads touch (the pool adapter, the ring, the stop flag)
// and the producer's item sit in cache lines of their own.
template <PoolAdapter P>
void Handoff(benchmark::State& state) {
  const bool pin = allowed_cpus().size() >= 2;
  const PinnedTo producer_pin(pin ? cpu_for(0) : -1);
  OwnLine<P> pool_line(static_cast<std::uint32_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
  P& pool = pool_line.value;
  if (!usable(state, pool)) return;
  using Item = typename P::Item;
  SpscRing<Item> ring(64);
  OwnLine<std::atomic<bool>> stop_line(false);
  std::atomic<bool>& stop = stop_line.value;
  std::thread consumer([&] {
    const PinnedTo consumer_pin(pin ? cpu_for(1) : -1);
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
  OwnLine<Item> produced;
  for (auto _ : state) {
    Item& item = produced.value;
    item = pool.acquire();
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
  const PinnedTo pin(cpu_for(0));
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

// 5: a failing poll on an empty pool (a capture loop's "is a buffer free?"
// with DirectShow's AM_GBF_NOWAIT, or a try_acquire): a pool of range(0)
// buffers, every one of them acquired and held by this thread before the
// loop (and any spares the pool keeps beyond its count, which rte_mempool
// does for its caches), then one try_acquire per iteration, which must fail.
// The goal (issue 13): within 2x of FailedPop below, and no system call
// (bench/poll_syscalls.cpp proves that part under strace; a timed run
// cannot).
template <PollingPoolAdapter P>
void PollEmpty(benchmark::State& state) {
  const PinnedTo pin(cpu_for(0));
  const auto count = static_cast<std::uint32_t>(state.range(0));
  P pool(count, static_cast<std::size_t>(state.range(1)));
  if (!usable(state, pool)) return;
  using Item = typename P::Item;
  thread_init(pool);
  std::vector<Item> held;
  held.reserve(std::size_t{count} * 8);
  for (std::uint32_t i = 0; i < count; ++i) held.push_back(pool.acquire());
  constexpr std::size_t kMostSpares = std::size_t{1} << 16;
  for (Item extra{}; held.size() < kMostSpares && pool.try_acquire(extra);) held.push_back(std::move(extra));
  Item probe{};
  for (auto _ : state) {
    if (pool.try_acquire(probe)) [[unlikely]] {
      held.push_back(std::move(probe));
      state.SkipWithError("try_acquire succeeded on a pool whose every buffer is held");
      break;
    }
  }
  for (Item& it : held) pool.release(std::move(it));
  thread_fini(pool);
  state.SetItemsProcessed(state.iterations());
}

// The reference for PollEmpty (kCounted false): a failed pop on an empty
// free list, the engine's own LIFO list (a Treiber stack with a tagged head;
// its pop reads the head, sees no top and returns), nothing around it. The
// floor any failing poll pays.
// A floor for PollEmpty's goal (kCounted true): the same failed pop plus an
// exact count of the failures, kept in memory as a pool's statistics must be
// (a relaxed load and store of a counter only this thread writes, on a line
// of its own: how samplepool counts a failed poll in the caller's cache
// entry). Back-to-back polls chain each store to the next poll's load. What
// this costs over the plain pop, any poll that counts exactly pays, whatever
// else it reads.
template <bool kCounted>
void FailedPop(benchmark::State& state) {
  const PinnedTo pin(cpu_for(0));
  detail::LifoFreeList list;
  list.reset(64, 0);  // room for 64, none on the list
  OwnLine<std::atomic<std::uint64_t>> failures(0);
  std::atomic<std::uint64_t>& count = failures.value;
  std::uint32_t index = 0;
  for (auto _ : state) {
    const bool got = list.try_pop(index);
    benchmark::DoNotOptimize(got);
    if (got) [[unlikely]] {
      state.SkipWithError("pop succeeded on an empty list");
      break;
    }
    if constexpr (kCounted) count.store(count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  if (kCounted && count.load(std::memory_order_relaxed) != static_cast<std::uint64_t>(state.iterations())) {
    state.SkipWithError("the failure count is not exact");
  }
  state.SetItemsProcessed(state.iterations());
}

// 5, the other outcome: a poll that succeeds: try_acquire on a pool with every buffer free,
// write a byte, release; the round trip of a capture loop that polls
// (AM_GBF_NOWAIT, sp_pool_try_acquire) rather than blocks. A poll tests for
// an empty pool before it takes, so its path differs from acquire()'s.
template <PollingPoolAdapter P>
void TryRoundTrip(benchmark::State& state) {
  const PinnedTo pin(cpu_for(0));
  P pool(static_cast<std::uint32_t>(state.range(0)), static_cast<std::size_t>(state.range(1)));
  if (!usable(state, pool)) return;
  thread_init(pool);
  typename P::Item item{};
  for (auto _ : state) {
    if (!pool.try_acquire(item)) [[unlikely]] {
      state.SkipWithError("try_acquire failed on a pool whose every buffer is free");
      break;
    }
    *pool.data(item) = std::byte{1};
    pool.release(std::move(item));
  }
  thread_fini(pool);
  state.SetItemsProcessed(state.iterations());
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
