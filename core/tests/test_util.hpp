// Helpers shared by the core tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>
#include <memory>
#include <ostream>
#include <string>
#include <thread>

#include "samplepool/alloc/registry.hpp"
#include "samplepool/samplepool.hpp"

namespace samplepool::test {

// Which arena backend and free list a parameterized test runs on.
struct Variant {
  FreeListPolicy policy;
  std::string backend;  // "heap", "jemalloc", "mmap", "memfd"
  bool thread_cache = true;
};

inline void PrintTo(const Variant& v, std::ostream* os) {
  *os << (v.policy == FreeListPolicy::lifo ? "lifo/" : "fifo/") << v.backend
      << (v.thread_cache ? "" : "/nocache");
}

inline std::string variant_name(const testing::TestParamInfo<Variant>& info) {
  return std::string(info.param.policy == FreeListPolicy::lifo ? "lifo_" : "fifo_") +
         info.param.backend + (info.param.thread_cache ? "" : "_nocache");
}

// The registry's backend of that name with default options; null when this
// build lacks it (jemalloc).
inline std::shared_ptr<alloc::Backend> make_backend(const std::string& name) {
  std::shared_ptr<alloc::Backend> b;
  (void)alloc::make_backend(name, {}, &b);
  return b;
}

inline std::vector<Variant> all_variants() {
  std::vector<Variant> v;
  for (auto p : {FreeListPolicy::lifo, FreeListPolicy::fifo}) {
    v.push_back({p, "heap"});
    v.push_back({p, "mmap"});
    if (alloc::jemalloc_available()) v.push_back({p, "jemalloc"});
  }
  v.push_back({FreeListPolicy::lifo, "heap", false});
  v.push_back({FreeListPolicy::lifo, "memfd"});  // regions in sealed memfds (alloc/memfd_backend.hpp)
  return v;
}

inline PoolOptions options_for(const Variant& v) {
  return PoolOptions{v.policy, make_backend(v.backend), v.thread_cache};
}

// Sets properties and commits; fails the test on error.
inline void configure(Pool& pool, std::uint32_t count, std::size_t size = 256,
                      std::size_t alignment = 16, std::size_t prefix = 0) {
  ASSERT_EQ(pool.set_properties({count, size, alignment, prefix}), Errc::ok);
  ASSERT_EQ(pool.commit(), Errc::ok);
}

// Polls `pred` until true or until `limit` passes (for waiting on another
// thread's observable progress in tests; never used to stand in for order).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

// A thread that takes n samples of `pool` (blocking), releases them (into
// its own thread cache, as far as the cache's bound allows) and then idles,
// alive and holding nothing, until finish() or destruction; then it exits.
class IdleCacher {
 public:
  IdleCacher(Pool& pool, std::uint32_t n) {
    thread_ = std::thread([this, &pool, n] {
      {
        std::vector<Sample> all(n);
        for (auto& s : all) ok_ &= pool.acquire(s) == Errc::ok;
      }  // all released into this thread's cache
      std::unique_lock lock(m_);
      ready_ = true;
      cv_.notify_all();
      cv_.wait(lock, [this] { return finish_; });
    });
    std::unique_lock lock(m_);
    cv_.wait(lock, [this] { return ready_; });
  }
  ~IdleCacher() { finish(); }
  IdleCacher(const IdleCacher&) = delete;
  IdleCacher& operator=(const IdleCacher&) = delete;

  // Lets the thread exit and joins it.
  void finish() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(m_);
      finish_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  bool ok() const { return ok_; }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool ready_ = false, finish_ = false, ok_ = true;
  std::thread thread_;
};

}  // namespace samplepool::test
