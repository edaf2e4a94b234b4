#include "dpdk_pool.hpp"

#if SAMPLEPOOL_BENCH_HAVE_DPDK
#include <sched.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace samplepool::bench {
namespace {
bool g_running = false;

// rte_mempool's ring driver is a plugin that the EAL loads from DPDK's
// driver directory. A bundle (tools/bench_bundle.sh), made for a machine
// without DPDK, carries its own copy in lib/dpdk, beside the bundled
// dynamic loader that starts the program ("lib/ld-linux-x86-64.so.2
// --library-path lib ./bench"), which is then /proc/self/exe. "" when the
// program runs otherwise. (The EAL copies the path; the caller's string
// need only outlive rte_eal_init.)
std::string bundled_drivers() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const std::filesystem::path dir = exe.parent_path() / "dpdk";
  return std::filesystem::is_regular_file(dir / "librte_mempool_ring.so", ec) ? dir.string() : std::string();
}
}  // namespace

bool dpdk_start() {
  if (g_running) return true;
  // No huge pages here; DPDK 22.11 refuses --in-memory with --no-huge.
  std::vector<const char*> args = {"samplepool_bench", "--no-huge", "--no-shconf", "--no-pci", "-l", "0-1",
                                   "-m", "128", "--log-level=3"};
  const std::string drivers = bundled_drivers();
  if (!drivers.empty()) args.insert(args.end(), {"-d", drivers.c_str()});
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
