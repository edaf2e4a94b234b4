// DPDK's rte_mempool, with and without its per-lcore cache. Optional: built
// when libdpdk is found. The EAL is started once per process by
// dpdk_start() (without huge pages); threads that are not EAL lcores
// register themselves in thread_init() so that they get a cache.
#pragma once

#if SAMPLEPOOL_BENCH_HAVE_DPDK
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "adapter.hpp"

namespace samplepool::bench {

// Starts the EAL; false (and DPDK benchmarks skip) if it cannot start here.
bool dpdk_start();
bool dpdk_running();

template <unsigned CacheSize>
class DpdkPool {
 public:
  static constexpr const char* kName = CacheSize ? "rte_mempool_cache" : "rte_mempool_nocache";
  // Without its cache every get and put goes through the MP/MC ring, which
  // is not preemption-safe: with 4 threads on 2 cores a preempted producer
  // stalls the rest, and a run here made no progress for 9 minutes. So the
  // cacheless pool runs at most 2 threads. The cached one runs as many as the
  // run asks for, up to the lcores left for registered threads
  // (RTE_MAX_LCORE, less the EAL's two: `-l 0-1` in dpdk_start()); a thread
  // beyond them would run without a cache.
  static constexpr int kMaxThreads = CacheSize ? RTE_MAX_LCORE - 2 : 2;
  // Spares for every thread's cache. An lcore cache keeps up to 1.5 x its
  // size before it flushes back to the ring, and a thread that unregisters
  // leaves what its cache holds stranded there. With only `count` objects,
  // the caches of a 4-thread run can hold all of them and the other threads
  // starve and spin in acquire()'s yield loop, timing the scheduler rather
  // than the pool. So the pool gets `count + threads * 1.5 * cache_size`
  // objects, threads being the most any scenario runs it with: the round
  // trip's largest count and the hand-off's two (64 + 4 * 48 = 256 for the
  // scenarios' 64 and the default 4 threads; 64 + 16 * 48 = 832 at 16),
  // while the cache stays at 32 for the cached variant, the size DPDK
  // applications use. The scenarios still hold at most `count` at once;
  // poll_empty drains them all.
  static unsigned spares() {
    const int most = std::min(std::max(run_max_threads(), 2), kMaxThreads);
    return static_cast<unsigned>(most) * CacheSize * 3 / 2;
  }
  using Item = void*;
  DpdkPool(std::uint32_t count, std::size_t size) {
    static std::atomic<int> serial{0};
    char name[RTE_MEMPOOL_NAMESIZE];
    std::snprintf(name, sizeof name, "spb%d", serial.fetch_add(1));
    mp_ = rte_mempool_create(name, count + spares(), static_cast<unsigned>(size), CacheSize, 0, nullptr, nullptr,
                             nullptr, nullptr, SOCKET_ID_ANY, 0);
  }
  ~DpdkPool() {
    if (mp_) rte_mempool_free(mp_);
  }
  bool ok() const { return mp_ != nullptr; }
  void thread_init() {
    if (rte_lcore_id() == LCORE_ID_ANY) registered_ = rte_thread_register() == 0;
  }
  void thread_fini() {
    if (registered_) rte_thread_unregister();
    registered_ = false;
  }
  Item acquire() {
    void* obj;
    while (rte_mempool_get(mp_, &obj) != 0) std::this_thread::yield();
    return obj;
  }
  void release(Item&& obj) { rte_mempool_put(mp_, obj); }
  void acquire_bulk(std::vector<void*>& v) {
    while (rte_mempool_get_bulk(mp_, v.data(), static_cast<unsigned>(v.size())) != 0) std::this_thread::yield();
  }
  void release_bulk(std::vector<void*>& v) { rte_mempool_put_bulk(mp_, v.data(), static_cast<unsigned>(v.size())); }
  // poll_empty: rte_mempool_get on an empty pool (its cache and ring both
  // empty) fails at once with -ENOENT.
  bool try_acquire(Item& obj) { return rte_mempool_get(mp_, &obj) == 0; }
  std::byte* data(Item& obj) { return static_cast<std::byte*>(obj); }

 private:
  rte_mempool* mp_ = nullptr;
  static thread_local bool registered_;
};

template <unsigned C>
thread_local bool DpdkPool<C>::registered_ = false;

}  // namespace samplepool::bench
#endif
