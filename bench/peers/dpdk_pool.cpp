#include "dpdk_pool.hpp"

#if SAMPLEPOOL_BENCH_HAVE_DPDK
#include <sched.h>

#include <cstdlib>
#include <vector>

namespace samplepool::bench {
namespace {
bool g_running = false;
}

bool dpdk_start() {
  if (g_running) return true;
  // No huge pages here; DPDK 22.11 refuses --in-memory with --no-huge.
  std::vector<const char*> args = {"samplepool_bench", "--no-huge", "--no-shconf", "--no-pci", "-l", "0-1",
                                   "-m", "128", "--log-level=3"};
  // rte_mempool's ring driver is a plugin that the EAL loads from DPDK's
  // driver directory. A bundle run on a machine without DPDK installed
  // (tools/bench_bundle.sh) names its own copy's directory here instead.
  if (const char* drivers = std::getenv("SAMPLEPOOL_BENCH_DPDK_DRIVERS"); drivers && *drivers) {
    args.insert(args.end(), {"-d", drivers});
  }
  const int argc = static_cast<int>(args.size());
  args.push_back(nullptr);
  // rte_eal_init pins the calling thread to lcore 0, and every thread it
  // creates later would inherit that: the handoff scenario's two threads
  // would then share one core. Give the main thread its mask back.
  cpu_set_t mask;
  const bool saved = sched_getaffinity(0, sizeof mask, &mask) == 0;
  g_running = rte_eal_init(argc, const_cast<char**>(args.data())) >= 0;
  if (saved) sched_setaffinity(0, sizeof mask, &mask);
  return g_running;
}

bool dpdk_running() { return g_running; }

}  // namespace samplepool::bench
#endif
