// bench/inproc/scenario.cpp: one build's side of tools/ab_inproc.sh.
//
// Compiled once per build under comparison, with the library's namespace
// renamed (-Dsamplepool=sp_<build>) and AB_BUILD naming the build, together
// with that build's own library sources: several builds of the engine then
// live in one program, and main.cpp runs them in interleaved rounds of a few
// milliseconds, so that the host's drift in time (which moves whole
// processes on a shared VM) hits every build alike. Each scenario reuses
// the build's pool, made by ab_prepare_<build>() (main.cpp varies which
// build's pool is made first: where a pool's memory lands moves it too).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <vector>

#include "pinning.hpp"
#include "samplepool/pool.hpp"
#include "spsc_ring.hpp"

#define AB_CAT2(a, b) a##b
#define AB_CAT(a, b) AB_CAT2(a, b)
#define AB_FN(name) AB_CAT(name, AB_CAT(_, AB_BUILD))

namespace {

using samplepool::Errc;
using samplepool::Pool;
using samplepool::Sample;
using samplepool::bench::allowed_cpus;
using samplepool::bench::cpu_for;
using samplepool::bench::PinnedTo;
using Clock = std::chrono::steady_clock;

Pool* pool = nullptr;

[[noreturn]] void fail() { std::abort(); }

double ns_per(Clock::time_point t0, long n) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / static_cast<double>(n);
}

// Acquire, write one byte, release: one thread.
double round_trip(long iters) {
  const PinnedTo pin(cpu_for(0));
  const auto t0 = Clock::now();
  for (long i = 0; i < iters; ++i) {
    Sample s;
    if (pool->acquire(s) != Errc::ok) fail();
    *static_cast<volatile std::byte*>(static_cast<void*>(s.data())) = std::byte{1};
  }
  return ns_per(t0, iters);
}

// Acquire k, release k.
double bulk(long iters, std::size_t k) {
  const PinnedTo pin(cpu_for(0));
  std::vector<Sample> v(k);
  const auto t0 = Clock::now();
  for (long i = 0; i < iters; ++i) {
    while (pool->try_acquire_bulk(v) != Errc::ok) {
    }
    pool->release_bulk(v);
  }
  return ns_per(t0, iters);
}

// What the ring carries: a Sample (released as a sole handle), or, with
// kCounted, the raw reference the C and DirectShow faces hold, released
// through the count as theirs is (detail::drop_ref).
template <bool kCounted>
struct Carried {
  Sample sample;
  void take(Sample& s) { sample = std::move(s); }
  void release() { sample.reset(); }
};
template <>
struct Carried<true> {
  samplepool::detail::SampleSlot* raw = nullptr;
  void take(Sample& s) { raw = samplepool::detail::PoolAccess::detach(s); }
  void release() { samplepool::detail::drop_ref(raw); }
};

// The capture hand-off: this thread acquires and passes each sample through
// an SPSC ring to a consumer, which releases it; on different CPUs where
// there are two, as samplepool_bench's Handoff.
template <bool kCounted>
double hand_off(long iters) {
  const bool two = allowed_cpus().size() >= 2;
  const PinnedTo producer_pin(two ? cpu_for(0) : -1);
  samplepool::bench::SpscRing<Carried<kCounted>> ring(64);
  std::atomic<bool> stop{false};
  std::thread consumer([&] {
    const PinnedTo consumer_pin(two ? cpu_for(1) : -1);
    Carried<kCounted> item;
    for (;;) {
      if (ring.pop(item)) {
        item.release();
      } else if (stop.load(std::memory_order_acquire)) {
        if (!ring.pop(item)) break;
        item.release();
      } else {
        std::this_thread::yield();
      }
    }
  });
  const auto t0 = Clock::now();
  for (long i = 0; i < iters; ++i) {
    Sample s;
    if (pool->acquire(s) != Errc::ok) fail();
    *static_cast<volatile std::byte*>(static_cast<void*>(s.data())) = std::byte{1};
    Carried<kCounted> item;
    item.take(s);
    while (!ring.push(item)) std::this_thread::yield();
  }
  const double t = ns_per(t0, iters);
  stop.store(true, std::memory_order_release);
  consumer.join();
  return t;
}

}  // namespace

// 64 samples of 4 KiB, as samplepool_bench's scenarios; the FIFO policy
// where the script was given --fifo (AB_FIFO=1).
void AB_FN(ab_prepare)() {
  (void)allowed_cpus();  // the process's CPUs, read before anything pins a thread
  samplepool::PoolOptions options;
  if (AB_FIFO) options.free_list = samplepool::FreeListPolicy::fifo;
  pool = new Pool(options);
  if (pool->free_list_policy() != options.free_list) fail();
  samplepool::Properties p;
  p.count = 64;
  p.size = 4096;
  p.alignment = 64;
  if (pool->set_properties(p) != Errc::ok || pool->commit() != Errc::ok) fail();
}

// Scenario: 0 round trip, 1 hand-off, 2 bulk of 8, 3 bulk of 32, 4 the
// hand-off released through the count (the faces'). Returns ns per
// iteration.
double AB_FN(ab_run)(int scenario, long iters) {
  switch (scenario) {
    case 0: return round_trip(iters);
    case 1: return hand_off<false>(iters);
    case 2: return bulk(iters, 8);
    case 3: return bulk(iters, 32);
    default: return hand_off<true>(iters);
  }
}
