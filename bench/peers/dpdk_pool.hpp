// DPDK's rte_mempool, with and without its per-lcore cache. Optional: built
// when libdpdk is found. The EAL is started once per process by
// dpdk_start() (without huge pages); threads that are not EAL lcores
// register themselves in thread_init() so that they get a cache.
#pragma once

#if SAMPLEPOOL_BENCH_HAVE_DPDK
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

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
  // stalls the rest, and a run here made no progress for 9 minutes.
  static constexpr int kMaxThreads = CacheSize ? 4 : 2;
  using Item = void*;
  DpdkPool(std::uint32_t count, std::size_t size) {
    static std::atomic<int> serial{0};
    char name[RTE_MEMPOOL_NAMESIZE];
    std::snprintf(name, sizeof name, "spb%d", serial.fetch_add(1));
    // The cache may hold at most count / 1.5 objects.
    const unsigned cache = CacheSize && CacheSize * 3 / 2 <= count ? CacheSize : (CacheSize ? count * 2 / 3 : 0);
    mp_ = rte_mempool_create(name, count, static_cast<unsigned>(size), cache, 0, nullptr, nullptr, nullptr,
                             nullptr, SOCKET_ID_ANY, 0);
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
  std::byte* data(Item& obj) { return static_cast<std::byte*>(obj); }

 private:
  rte_mempool* mp_ = nullptr;
  static thread_local bool registered_;
};

template <unsigned C>
thread_local bool DpdkPool<C>::registered_ = false;

}  // namespace samplepool::bench
#endif
