// Scenario "mixed": random acquire flavours, holds and hand-offs on one pool.
#include "harness.hpp"

namespace samplepool::scenarios::harness {

using namespace std::chrono_literals;

Report mixed(const Options& o) {
  std::mt19937_64 rng(o.seed);
  auto backend = std::make_shared<CountingBackend>();
  Report r;
  {
    Arena a(o, backend, rng() % 2 ? FreeListPolicy::lifo : FreeListPolicy::fifo);
    expect_ok(a.violations, "set_properties", a.pool.set_properties({static_cast<std::uint32_t>(4 + rng() % 12), 256, 64, 0}));
    expect_ok(a.violations, "commit", a.pool.commit());
    r = run_workers(a, o, "mixed", [&](Clock::time_point deadline, Report&) {
      while (running(o, deadline)) {
        sample_stats(a);
        std::this_thread::sleep_for(1ms);
      }
    });
    a.violations.drain_into(r);
  }
  check_backend(*backend, r);
  return r;
}

}  // namespace samplepool::scenarios::harness
