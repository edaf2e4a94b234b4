#include "dpdk_pool.hpp"

#if SAMPLEPOOL_BENCH_HAVE_DPDK
#include <sched.h>

namespace samplepool::bench {
namespace {
bool g_running = false;
}

bool dpdk_start() {
  if (g_running) return true;
  // No huge pages here; DPDK 22.11 refuses --in-memory with --no-huge.
  const char* args[] = {"samplepool_bench", "--no-huge", "--no-shconf", "--no-pci", "-l", "0-1",
                        "-m", "128", "--log-level=3", nullptr};
  int argc = 9;
  // rte_eal_init pins the calling thread to lcore 0, and every thread it
  // creates later would inherit that: the handoff scenario's two threads
  // would then share one core. Give the main thread its mask back.
  cpu_set_t mask;
  const bool saved = sched_getaffinity(0, sizeof mask, &mask) == 0;
  g_running = rte_eal_init(argc, const_cast<char**>(args)) >= 0;
  if (saved) sched_setaffinity(0, sizeof mask, &mask);
  return g_running;
}

bool dpdk_running() { return g_running; }

}  // namespace samplepool::bench
#endif
