// Throughput scenarios 1-5 and 7 (see README "Performance"), samplepool and
// every peer side by side in one run.
// Peers that CMake did not find are 0 here (bench/CMakeLists.txt defines
// the found ones as 1), so that record_peers() can name them.
#ifndef SAMPLEPOOL_BENCH_HAVE_BOOST
#define SAMPLEPOOL_BENCH_HAVE_BOOST 0
#endif
#ifndef SAMPLEPOOL_BENCH_HAVE_TBB
#define SAMPLEPOOL_BENCH_HAVE_TBB 0
#endif
#ifndef SAMPLEPOOL_BENCH_HAVE_ATOMIC_QUEUE
#define SAMPLEPOOL_BENCH_HAVE_ATOMIC_QUEUE 0
#endif
#ifndef SAMPLEPOOL_BENCH_HAVE_GST
#define SAMPLEPOOL_BENCH_HAVE_GST 0
#endif
#ifndef SAMPLEPOOL_BENCH_HAVE_AVUTIL
#define SAMPLEPOOL_BENCH_HAVE_AVUTIL 0
#endif
#ifndef SAMPLEPOOL_BENCH_HAVE_JEMALLOC
#define SAMPLEPOOL_BENCH_HAVE_JEMALLOC 0
#endif
#ifndef SAMPLEPOOL_BENCH_HAVE_DPDK
#define SAMPLEPOOL_BENCH_HAVE_DPDK 0
#endif

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>

#include "peers/cbase_allocator.hpp"
#include "peers/dpdk_pool.hpp"
#include "peers/floor_pools.hpp"
#include "peers/media_pools.hpp"
#include "peers/queue_pools.hpp"
#include "peers/samplepool_pools.hpp"
#include "scenarios.hpp"

namespace samplepool::bench {
namespace {

constexpr std::int64_t kCount = 64;
constexpr std::int64_t kSize = 4096;

// --iterations=N (main below): every benchmark runs exactly N iterations
// (per thread), once per repetition, instead of as many as its time
// allows. For instruction counts (tools/bench_icount.py runs the program
// under callgrind twice, at N and 2N, and takes the difference), where a
// timed run would make the iteration count, and so the total, vary.
std::int64_t& run_iterations() {
  static std::int64_t n = 0;
  return n;
}
benchmark::internal::Benchmark* counted(benchmark::internal::Benchmark* b) {
  return run_iterations() > 0 ? b->Iterations(run_iterations()) : b;
}

// The round trip's largest thread count for P: the run's, unless the
// adapter caps it (kMaxThreads: a peer that cannot run more threads here).
template <class P>
int max_threads() {
  if constexpr (requires { P::kMaxThreads; }) return std::min(P::kMaxThreads, run_max_threads());
  return run_max_threads();
}

// The hand-off of P; the floors, which are no pool or hold a thread's
// magazine, register this alone (and magazine_floor_parts the round trip).
template <class P>
void register_handoff() {
  counted(benchmark::RegisterBenchmark(("handoff/" + std::string(P::kName)).c_str(), Handoff<P>))
      ->Args({kCount, kSize})
      ->UseRealTime();
}

// The round trip of P at 1, 2, 4, ... threads.
template <class P>
void register_roundtrip() {
  auto* rt = counted(benchmark::RegisterBenchmark(("roundtrip/" + std::string(P::kName)).c_str(), RoundTrip<P>))
                 ->Args({kCount, kSize})
                 ->Setup(Shared<P>::setup)
                 ->Teardown(Shared<P>::teardown)
                 ->UseRealTime();
  for (int t = 1; t <= max_threads<P>(); t *= 2) rt->Threads(t);
}

template <class P>
void register_pool() {
  const std::string name = P::kName;
  register_roundtrip<P>();
  register_handoff<P>();
  counted(benchmark::RegisterBenchmark(("bulk/" + name).c_str(), Bulk<P>))
      ->Args({kCount, kSize, 8})
      ->Args({kCount, kSize, 32});
  if constexpr (PollingPoolAdapter<P>) {
    counted(benchmark::RegisterBenchmark(("poll_empty/" + name).c_str(), PollEmpty<P>))->Args({kCount, kSize});
    counted(benchmark::RegisterBenchmark(("try_roundtrip/" + name).c_str(), TryRoundTrip<P>))->Args({kCount, kSize});
  }
}

template <class... P>
void register_pools() {
  (register_pool<P>(), ...);
}

// Which peers this program was built with, and which not (and why), for
// the JSON context ("peers", "peers_missing"): bench_report.py lists the
// missing ones as "not built here", so that a table without a peer says so.
// Each list is comma-separated; a missing peer reads "name (why)".
struct PeerList {
  std::string built, missing;
  void add(bool have, std::initializer_list<const char*> names, const char* why = "") {
    for (const char* name : names) {
      std::string& to = have ? built : missing;
      if (!to.empty()) to += ", ";
      to += have ? std::string(name) : std::string(name) + " (" + why + ")";
    }
  }
};

void record_peers(bool dpdk_started) {
  PeerList p;
  p.add(true, {"samplepool", "samplepool_fifo", "samplepool_growable", "samplepool_dshow", "samplepool_c",
               "samplepool_nocache", "samplepool_virtual", "samplepool_virtual_so", "magazine_floor",
               "magazine_floor_spares", "magazine_floor_parts"});
  p.add(true, {"cbase_allocator", "moodycamel_bcq", "glibc_malloc"});
  p.add(SAMPLEPOOL_BENCH_HAVE_BOOST != 0, {"boost_lockfree_stack"}, "libboost-dev not installed");
  p.add(SAMPLEPOOL_BENCH_HAVE_TBB != 0, {"tbb_bounded_queue"}, "libtbb-dev not installed");
  p.add(SAMPLEPOOL_BENCH_HAVE_ATOMIC_QUEUE != 0, {"atomic_queue"}, "libatomic-queue-dev not installed");
  p.add(SAMPLEPOOL_BENCH_HAVE_GST != 0, {"gst_buffer_pool"}, "libgstreamer1.0-dev not installed");
  p.add(SAMPLEPOOL_BENCH_HAVE_AVUTIL != 0, {"av_buffer_pool"}, "libavutil-dev not installed");
  p.add(SAMPLEPOOL_BENCH_HAVE_JEMALLOC != 0, {"jemalloc_mallocx"}, "libjemalloc-dev not installed");
  p.add(dpdk_started, {"rte_mempool_cache", "rte_mempool_nocache", "rte_mempool_refcounted"},
        SAMPLEPOOL_BENCH_HAVE_DPDK != 0 ? "DPDK's EAL did not start here" : "libdpdk-dev not installed");
  benchmark::AddCustomContext("peers", p.built);
  benchmark::AddCustomContext("peers_missing", p.missing.empty() ? "none" : p.missing);
}

void register_all() {
  (void)allowed_cpus();  // the process's CPUs, read before anything pins a thread
  register_pools<SamplepoolPool<FreeListPolicy::lifo>, SamplepoolPool<FreeListPolicy::fifo>,
                 SamplepoolPool<FreeListPolicy::lifo, Variant::growable>, DshowPool, CApiPool,
                 SamplepoolPool<FreeListPolicy::lifo, Variant::no_cache>,
                 SamplepoolVirtualPool<FaceHome::program>, SamplepoolVirtualPool<FaceHome::shared_library>,
                 CBaseStylePool, MoodycamelPool
#if SAMPLEPOOL_BENCH_HAVE_BOOST
                 , BoostStackPool
#endif
#if SAMPLEPOOL_BENCH_HAVE_TBB
                 , TbbPool
#endif
#if SAMPLEPOOL_BENCH_HAVE_ATOMIC_QUEUE
                 , AtomicQueuePool
#endif
#if SAMPLEPOOL_BENCH_HAVE_GST
                 , GstPool
#endif
#if SAMPLEPOOL_BENCH_HAVE_AVUTIL
                 , AvPool
#endif
                 , GlibcMalloc
#if SAMPLEPOOL_BENCH_HAVE_JEMALLOC
                 , JemallocMalloc
#endif
                 >();
  bool dpdk_started = false;
#if SAMPLEPOOL_BENCH_HAVE_DPDK
  dpdk_started = dpdk_start();
  if (dpdk_started) register_pools<DpdkPool<32>, DpdkPool<0>, DpdkRefcountedPool>();
#endif
  record_peers(dpdk_started);
  counted(benchmark::RegisterBenchmark("poll_empty/failed_pop", FailedPop<false>));
  counted(benchmark::RegisterBenchmark("poll_empty/counted_failed_pop", FailedPop<true>));
  register_handoff<NoPool>();
  register_handoff<MagazineFloorPool<Floor::exact>>();
  register_handoff<MagazineFloorPool<Floor::spares>>();
  register_handoff<MagazineFloorPool<Floor::parts>>();
  register_roundtrip<MagazineFloorPool<Floor::parts>>();
  auto* scaling = counted(benchmark::RegisterBenchmark("size_scaling/samplepool",
                                                       SizeScaling<SamplepoolPool<FreeListPolicy::lifo>>));
  for (std::int64_t n = 8; n <= 65536; n *= 8) scaling->Args({n, kSize});
  scaling->Args({65536, kSize});
  counted(benchmark::RegisterBenchmark("growth_step/samplepool", GrowthStep))
      ->Args({1, kSize})
      ->Args({16, kSize})
      ->Args({16, 1920 * 1080 * 2})
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace
}  // namespace samplepool::bench

namespace {
// A whole number from `least` to `most` for one of samplepool_bench's own
// flags, or false after a message.
bool whole_number(std::string_view flag, std::string_view value, std::int64_t least, std::int64_t most,
                  std::int64_t& out) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || end != value.data() + value.size() || n < least || n > most) {
    std::fprintf(stderr, "samplepool_bench: %.*s wants a whole number from %lld to %lld, not '%.*s'\n",
                 static_cast<int>(flag.size() - 1), flag.data(), static_cast<long long>(least),
                 static_cast<long long>(most), static_cast<int>(value.size()), value.data());
    return false;
  }
  out = n;
  return true;
}

// samplepool_bench's own flags, written with "=", taken out of argv before
// Google Benchmark sees them; false (after a message) when a value is bad:
//  --max_threads=N (1-1024): the round trips run at 1, 2, 4, ... (powers
//    of two) up to N threads (default 4);
//  --iterations=N (1-10^9): every benchmark runs exactly N iterations
//    (run_iterations above).
bool take_own_flags(int& argc, char** argv) {
  constexpr std::string_view kThreads = "--max_threads=";
  constexpr std::string_view kIterations = "--iterations=";
  constexpr std::int64_t kMostIterations = 1'000'000'000;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help") {  // Google Benchmark prints its own flags after this and exits
      std::printf("samplepool_bench's own flags:\n  --max_threads=<1-%d>  round trips at 1, 2, 4, ... threads up to "
                  "this (default 4)\n  --iterations=<1-%lld>  exactly this many iterations of every benchmark "
                  "(for instruction counts)\n\nGoogle Benchmark's:\n",
                  samplepool::bench::kMostRunThreads, static_cast<long long>(kMostIterations));
    }
    std::int64_t n = 0;
    if (arg.starts_with(kThreads)) {
      if (!whole_number(kThreads, arg.substr(kThreads.size()), 1, samplepool::bench::kMostRunThreads, n)) return false;
      samplepool::bench::run_max_threads() = static_cast<int>(n);
    } else if (arg.starts_with(kIterations)) {
      if (!whole_number(kIterations, arg.substr(kIterations.size()), 1, kMostIterations, n)) return false;
      samplepool::bench::run_iterations() = n;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  argv[argc] = nullptr;
  return true;
}
}  // namespace

int main(int argc, char** argv) {
  if (!take_own_flags(argc, argv)) return 2;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  samplepool::bench::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
