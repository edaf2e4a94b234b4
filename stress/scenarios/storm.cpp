// Scenario "storm": Decommit/Commit storms under load.
#include "harness.hpp"

namespace samplepool::scenarios::harness {

using namespace std::chrono_literals;

// Decommit/Commit storms, with new properties between some cycles.
Report storm(const Options& o) {
  std::mt19937_64 rng(o.seed ^ 0x5eed);
  auto backend = std::make_shared<CountingBackend>();
  Report r;
  {
    Arena a(o, backend, FreeListPolicy::lifo);
    expect_ok(a.violations, "set_properties", a.pool.set_properties({8, 512, 16, 0}));
    expect_ok(a.violations, "commit", a.pool.commit());
    r = run_workers(a, o, "storm", [&](Clock::time_point deadline, Report& rep) {
      while (running(o, deadline)) {
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
        a.last_decommit_ns = now_ns();
        expect_ok(a.violations, "decommit", a.pool.decommit());
        ++rep.decommit_cycles;
        sample_stats(a);
        if (rng() % 3 == 0) {
          // New properties need every sample back: the workers drop theirs
          // on not_committed; retry briefly, then carry on if still busy.
          const Properties p = random_props(rng);
          for (int i = 0; i < 200; ++i) {
            const Errc e = a.pool.set_properties(p);
            if (e == Errc::ok) break;
            if (e != Errc::buffers_outstanding) {
              a.violations.add(std::string("set_properties: ") + to_string(e));
              break;
            }
            std::this_thread::sleep_for(100us);
          }
        }
        if (rng() % 2) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 500));
        const Errc e = a.pool.commit();
        if (e != Errc::ok) a.violations.add(std::string("commit: ") + to_string(e));
      }
    });
    a.violations.drain_into(r);
  }
  check_backend(*backend, r);
  return r;
}

}  // namespace samplepool::scenarios::harness
