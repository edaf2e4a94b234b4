// Throughput scenarios 1-4 and 7 (see README "Performance"), samplepool and
// every peer side by side in one run.
#include "peers/cbase_allocator.hpp"
#include "peers/dpdk_pool.hpp"
#include "peers/media_pools.hpp"
#include "peers/queue_pools.hpp"
#include "peers/samplepool_pools.hpp"
#include "scenarios.hpp"

namespace samplepool::bench {
namespace {

constexpr std::int64_t kCount = 64;
constexpr std::int64_t kSize = 4096;

template <class P>
constexpr int max_threads() {
  if constexpr (requires { P::kMaxThreads; }) return P::kMaxThreads;
  return 4;
}

template <class P>
void register_pool() {
  const std::string name = P::kName;
  auto* rt = benchmark::RegisterBenchmark(("roundtrip/" + name).c_str(), RoundTrip<P>)
                 ->Args({kCount, kSize})
                 ->Setup(Shared<P>::setup)
                 ->Teardown(Shared<P>::teardown)
                 ->UseRealTime();
  for (int t = 1; t <= max_threads<P>(); t *= 2) rt->Threads(t);
  benchmark::RegisterBenchmark(("handoff/" + name).c_str(), Handoff<P>)
      ->Args({kCount, kSize})
      ->UseRealTime();
  benchmark::RegisterBenchmark(("bulk/" + name).c_str(), Bulk<P>)
      ->Args({kCount, kSize, 8})
      ->Args({kCount, kSize, 32});
}

template <class... P>
void register_pools() {
  (register_pool<P>(), ...);
}

void register_all() {
  register_pools<SamplepoolPool<FreeListPolicy::lifo>, SamplepoolPool<FreeListPolicy::fifo>,
                 SamplepoolPool<FreeListPolicy::lifo, true>, DshowPool,
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
#if SAMPLEPOOL_BENCH_HAVE_DPDK
  if (dpdk_start()) register_pools<DpdkPool<32>, DpdkPool<0>>();
#endif
  auto* scaling = benchmark::RegisterBenchmark("size_scaling/samplepool",
                                               SizeScaling<SamplepoolPool<FreeListPolicy::lifo>>);
  for (std::int64_t n = 8; n <= 65536; n *= 8) scaling->Args({n, kSize});
  scaling->Args({65536, kSize});
  benchmark::RegisterBenchmark("growth_step/samplepool", GrowthStep)
      ->Args({1, kSize})
      ->Args({16, kSize})
      ->Args({16, 1920 * 1080 * 2})
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace
}  // namespace samplepool::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  samplepool::bench::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
