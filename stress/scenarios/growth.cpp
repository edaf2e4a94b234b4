// Scenario "growth": a pool that starts small and grows under load, through
// Decommit/Commit cycles and trims.
#include "harness.hpp"

namespace samplepool::scenarios::harness {

using namespace std::chrono_literals;

// Workers (every acquire flavour, hand-offs) on a pool of 2 that may grow to
// 40; the controller decommits, sometimes trims the grown samples away while
// the workers are shut out, and commits again. The pool never exceeds its
// maximum, and every byte comes back.
Report growth(const Options& o) {
  std::mt19937_64 rng(o.seed ^ 0x960e);
  auto backend = std::make_shared<CountingBackend>();
  constexpr std::uint32_t kInitial = 2;
  constexpr std::uint32_t kMax = 40;  // within Ownership's 64 tags
  Report r;
  std::uint64_t growths = 0;
  {
    Arena a(o, backend, rng() % 2 ? FreeListPolicy::fifo : FreeListPolicy::lifo);
    expect_ok(a.violations, "set_properties", a.pool.set_properties({kInitial, 256, 16, 0, kMax}));
    expect_ok(a.violations, "commit", a.pool.commit());
    const auto check_bounds = [&] {
      const Stats st = a.pool.stats();
      if (st.count > kMax || st.count < kInitial || st.max_count != kMax) {
        a.violations.add("count " + std::to_string(st.count) + " outside [" + std::to_string(kInitial) + ", " +
                         std::to_string(kMax) + "], max " + std::to_string(st.max_count));
      }
      sample_stats(a);
    };
    r = run_workers(a, o, "growth", [&](Clock::time_point deadline, Report& rep) {
      while (running(o, deadline)) {
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 4000));
        check_bounds();
        a.last_decommit_ns = now_ns();
        expect_ok(a.violations, "decommit", a.pool.decommit());
        ++rep.decommit_cycles;
        if (rng() % 3 == 0) {
          // Workers drop what they hold on not_committed: trim once it is all back.
          for (int i = 0; i < 100; ++i) {
            const Errc e = a.pool.trim();
            if (e == Errc::ok) {
              if (a.pool.stats().count != kInitial) a.violations.add("trim left grown samples");
              break;
            }
            if (e != Errc::buffers_outstanding) {
              a.violations.add(std::string("trim: ") + to_string(e));
              break;
            }
            std::this_thread::sleep_for(100us);
          }
        }
        const Errc e = a.pool.commit();
        if (e != Errc::ok) a.violations.add(std::string("commit: ") + to_string(e));
      }
    });
    check_bounds();
    growths = a.pool.stats().growths;
    a.violations.drain_into(r);
  }
  if (o.threads > kInitial && r.acquires > 1000 && growths == 0) r.violations.push_back("the pool never grew");
  check_backend(*backend, r);
  return r;
}

}  // namespace samplepool::scenarios::harness
