// Scenario "teardown": pools destroyed while samples are still out.
#include "harness.hpp"

#include <algorithm>

namespace samplepool::scenarios::harness {

using namespace std::chrono_literals;

// Pools destroyed while other threads still hold samples and release late.
Report teardown(const Options& o) {
  std::mt19937_64 rng(o.seed ^ 0x7ea4);
  Report r;
  r.scenario = "teardown";
  Violations v;
  const auto deadline = deadline_after(o.seconds);
  while (running(o, deadline)) {
    auto backend = pick_backend(rng);
    {
      auto pool = std::make_unique<Pool>(PoolOptions{FreeListPolicy::lifo, backend});
      const Properties p = random_props(rng);
      expect_ok(v, "set_properties", pool->set_properties(p));
      if (pool->commit() != Errc::ok) {
        v.add("commit failed");
        continue;
      }
      std::vector<std::thread> late;
      const unsigned holders = std::min<unsigned>(o.threads, p.count);
      for (unsigned t = 0; t < holders; ++t) {
        Sample s;
        if (pool->try_acquire(s) != Errc::ok) {
          v.add("fresh pool had no sample");
          break;
        }
        count_live(o, ++r.acquires);
        const auto delay = std::chrono::microseconds(rng() % 3000);
        late.emplace_back([s = std::move(s), delay]() mutable {
          std::this_thread::sleep_for(delay);
          s.reset();  // may be the sample ~Pool is waiting for
        });
      }
      pool.reset();  // waits for every late release
      ++r.pools_destroyed;
      for (auto& t : late) t.join();
    }
    check_backend(*backend, r);
  }
  v.drain_into(r);
  return r;
}

}  // namespace samplepool::scenarios::harness
