// bench/pinning.hpp: benchmark threads pinned one per CPU, the same for
// every pool (bench/scenarios.hpp, and bench/inproc/ for tools/ab_inproc.sh).
#pragma once

#include <sched.h>

#include <cstddef>
#include <vector>

namespace samplepool::bench {

// CPU pinning, the same for every pool: the scheduler moving a benchmark
// thread between CPUs (or stacking two on one while the other idles) is the
// largest run-to-run swing on a small machine, and it hits whichever pool
// happens to run then. The CPUs are those this process may run on, read once
// at start-up (register_all() calls this before any benchmark pins a
// thread, and before DPDK's EAL pins and unpins the main thread).
inline const std::vector<int>& allowed_cpus() {
  static const std::vector<int> cpus = [] {
    std::vector<int> v;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
      for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (CPU_ISSET(c, &set)) v.push_back(c);
      }
    }
    return v;
  }();
  return cpus;
}
// The CPU for benchmark thread i: i modulo the CPUs there are; -1 (no
// pinning) when the affinity could not be read.
inline int cpu_for(std::size_t i) {
  const auto& cpus = allowed_cpus();
  return cpus.empty() ? -1 : cpus[i % cpus.size()];
}
// Pins the calling thread to one CPU for its lifetime, then gives it back
// the affinity it had (a benchmark's main thread goes on to run the next
// benchmark, and the threads it starts inherit its mask). cpu < 0: no-op.
class PinnedTo {
 public:
  explicit PinnedTo(int cpu) {
    if (cpu < 0 || sched_getaffinity(0, sizeof saved_, &saved_) != 0) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pinned_ = sched_setaffinity(0, sizeof one, &one) == 0;
  }
  ~PinnedTo() {
    if (pinned_) sched_setaffinity(0, sizeof saved_, &saved_);
  }
  PinnedTo(const PinnedTo&) = delete;
  PinnedTo& operator=(const PinnedTo&) = delete;

 private:
  cpu_set_t saved_{};
  bool pinned_ = false;
};

}  // namespace samplepool::bench
