// samplepool_stress: runs the stress scenarios (or a soak) and exits non-zero
// on any violated invariant or leaked byte, printing the seed to replay it.
//
//   samplepool_stress                               every scenario, 2 s each
//   samplepool_stress --scenario storm --seconds 30 --threads 8 --seed 42
//   samplepool_stress --soak 600                    cycle all scenarios for 10 minutes
//   samplepool_stress --json                        machine-readable result on stdout
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "report_json.hpp"
#include "scenarios.hpp"

int main(int argc, char** argv) {
  namespace st = samplepool::scenarios;
  CLI::App app{"samplepool stress and soak: randomized multi-thread runs that check every invariant"};
  st::Options o;
  std::vector<std::string> scenarios;
  double soak = 0;
  bool json = false;
  app.add_option("--scenario", scenarios, "scenario(s) to run (default: all)")
      ->check(CLI::IsMember(st::scenario_names()));
  app.add_option("--seconds", o.seconds, "seconds per scenario")->check(CLI::PositiveNumber);
  app.add_option("--threads", o.threads, "worker threads")->check(CLI::Range(1u, 256u));
  app.add_option("--seed", o.seed, "random seed (every schedule derives from it)");
  app.add_option("--soak", soak, "cycle all scenarios for this many seconds, with progress")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--json", json, "print the result as JSON on stdout");
  CLI11_PARSE(app, argc, argv);

  st::Report total;
  total.scenario = soak > 0 ? "soak" : "stress";
  if (soak > 0) {
    double shown = -1;  // a line a second: live counts while a scenario runs
    total = st::run_soak(soak, o, [&](const st::SoakProgress& p) {
      if (p.elapsed_s - shown < 1.0) return false;
      shown = p.elapsed_s;
      std::fprintf(stderr, "%s\n", st::describe_progress(p, soak).c_str());
      return false;
    });
  } else {
    if (scenarios.empty()) scenarios = st::scenario_names();
    for (const auto& name : scenarios) {
      const st::Report r = st::run_scenario(name, o);
      if (!json) {
        std::printf("%-9s %s  ops %llu  acquires %llu  waits %llu  timeouts %llu  not_committed %llu  decommits %llu  pools %llu  max_out %llu  leaked %lld\n",
                    name.c_str(), r.ok() ? "ok  " : "FAIL", static_cast<unsigned long long>(r.operations),
                    static_cast<unsigned long long>(r.acquires), static_cast<unsigned long long>(r.waits),
                    static_cast<unsigned long long>(r.timeouts), static_cast<unsigned long long>(r.not_committed),
                    static_cast<unsigned long long>(r.decommit_cycles), static_cast<unsigned long long>(r.pools_destroyed),
                    static_cast<unsigned long long>(r.max_outstanding), static_cast<long long>(r.leaked_bytes));
      }
      total.merge(r);
    }
  }
  if (json) {
    std::cout << st::to_json(total, o).dump(2) << "\n";
  } else {
    if (soak > 0) {
      std::printf("%s", st::describe(total).c_str());
    } else {
      for (const auto& v : total.violations) std::printf("violation: %s\n", v.c_str());
    }
    std::printf("%s: %s (seed %llu, %u threads); leaked bytes %lld\n", total.scenario.c_str(),
                total.ok() ? "all invariants held" : "INVARIANTS VIOLATED", static_cast<unsigned long long>(o.seed),
                o.threads, static_cast<long long>(total.leaked_bytes));
  }
  return total.ok() ? 0 : 1;
}
