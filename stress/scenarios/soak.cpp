// The scenario names, run_scenario and the soak driver (scenarios.hpp).
#include <condition_variable>
#include <mutex>
#include <thread>

#include "harness.hpp"

namespace samplepool::scenarios {

using namespace std::chrono_literals;
using harness::Clock;

namespace {

// Every scenario, once: its name and its entry point (harness.hpp).
struct Entry {
  const char* name;
  Report (*run)(const Options&);
};
constexpr Entry kScenarios[] = {
    {"mixed", harness::mixed},       {"storm", harness::storm},      {"teardown", harness::teardown},
    {"callback", harness::callback}, {"dshow", harness::dshow_api}, {"growth", harness::growth},
};

}  // namespace

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Entry& e : kScenarios) v.emplace_back(e.name);
    return v;
  }();
  return names;
}

Report run_scenario(const std::string& name, const Options& o) {
  Report r;
  const Entry* found = nullptr;
  for (const Entry& e : kScenarios) {
    if (name == e.name) found = &e;
  }
  if (found != nullptr) {
    r = found->run(o);
  } else {
    r.violations.push_back("unknown scenario '" + name + "'");
  }
  r.scenario = name;
  return r;
}

Report run_soak(double total_seconds, const Options& options,
                const std::function<bool(const SoakProgress&)>& progress) {
  Live live;
  Options o = options;
  o.live = &live;
  std::mutex m;  // guards total, current and done
  std::condition_variable changed;
  Report total;
  total.scenario = "soak";
  std::string current;
  bool done = false;
  const auto start = Clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  std::thread runner([&] {
    for (std::uint64_t round = 0; !live.stop.load(std::memory_order_relaxed); ++round) {
      for (const std::string& name : scenario_names()) {
        if (live.stop.load(std::memory_order_relaxed)) break;
        {
          std::lock_guard lock(m);
          current = name;
          live.operations.store(0, std::memory_order_relaxed);
        }
        o.seed = options.seed + round * 1000003u;
        Report r = run_scenario(name, o);
        std::lock_guard lock(m);
        total.merge(r);
        current.clear();
      }
      if (elapsed() >= total_seconds) break;
    }
    std::lock_guard lock(m);
    done = true;
    changed.notify_all();
  });
  for (bool last = false; !last;) {
    std::unique_lock lock(m);
    changed.wait_for(lock, 200ms, [&] { return done; });
    last = done;
    const SoakProgress p{total, current, live.operations.load(std::memory_order_relaxed), elapsed()};
    if (progress && progress(p)) live.stop.store(true, std::memory_order_relaxed);
  }
  runner.join();
  return total;
}

}  // namespace samplepool::scenarios
