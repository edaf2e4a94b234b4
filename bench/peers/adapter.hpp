// bench/peers/adapter.hpp: the one shape every pool under test implements.
//
//   struct SomePool {
//     static constexpr const char* kName = "...";
//     using Item = ...;                       // a movable handle to one buffer
//     SomePool(std::uint32_t count, std::size_t size);
//     Item acquire();                         // blocks (or yields) until a buffer is free
//     void release(Item&& item);              // gives it back
//     std::byte* data(Item& item);            // the buffer's bytes
//     bool try_acquire(Item& item);           // optional: one non-blocking acquire,
//                                             // false at once when none is free
//   };
//
// Adapters with try_acquire() take part in the poll_empty scenario (a
// failing poll on an empty pool) and try_roundtrip (a poll that succeeds,
// then a release); acquire_bulk()/release_bulk(), where a
// pool has a bulk API, in the bulk scenario.
//
// Every adapter gets the same capacity (count buffers of size bytes) and the
// same back-pressure: acquire() does not return until a buffer is free. Pools
// that cannot block (AVBufferPool, rte_mempool, boost and atomic_queue
// stacks) retry with std::this_thread::yield(), the fairest stand-in; pools
// that grow instead of blocking (AVBufferPool, malloc) never hit it in the
// scenarios, which hold at most one buffer per thread.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace samplepool::bench {

// The largest thread count of this run's round trips (1, 2, 4, ... up to
// it): samplepool_bench --max_threads=N, default 4. Set once in main()
// before any benchmark is registered, read-only afterwards. An adapter's
// kMaxThreads, where it has one, caps it further for that pool; pools with
// per-thread caches size their spares from it (dpdk_pool.hpp).
inline constexpr int kMostRunThreads = 1024;  // the largest --max_threads accepted
inline int& run_max_threads() {
  static int n = 4;
  return n;
}

template <class P>
concept PoolAdapter = requires(P p, typename P::Item item) {
  { P::kName } -> std::convertible_to<const char*>;
  { p.acquire() } -> std::same_as<typename P::Item>;
  p.release(static_cast<typename P::Item&&>(item));
  { p.data(item) } -> std::same_as<std::byte*>;
};

template <class P>
concept PollingPoolAdapter = PoolAdapter<P> && requires(P p, typename P::Item item) {
  { p.try_acquire(item) } -> std::same_as<bool>;
};

}  // namespace samplepool::bench
