// `samplepool soak`: the stress scenarios (stress/) in rotation for a given
// time, with progress, then the report; exit 1 on any violated invariant or
// leaked byte.
#include "soak.hpp"

#include <cstdio>
#include <iostream>

#include "options.hpp"
#include "report_json.hpp"
#include "stress.hpp"

namespace samplepool::tool {
namespace {

struct SoakOptions {
  std::string duration = "60s";
  double scenario_seconds = 5;
  unsigned threads = 6;
  std::uint64_t seed = 1;
  bool json = false;
  std::string progress = "auto";
};

// "90", "90s", "10m", "2h" -> seconds; negative on error.
double parse_duration(const std::string& s) {
  try {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    const std::string unit = s.substr(used);
    if (v < 0) return -1;
    if (unit.empty() || unit == "s") return v;
    if (unit == "m") return v * 60;
    if (unit == "h") return v * 3600;
  } catch (const std::exception&) {
  }
  return -1;
}

int run(const SoakOptions& o) {
  const double seconds = parse_duration(o.duration);
  stress::Options so;
  so.seconds = std::min(o.scenario_seconds, std::max(seconds / 5, 0.2));
  so.threads = o.threads;
  so.seed = o.seed;
  Progress progress(parse_mode(o.progress));
  const stress::Report r = stress::run_soak(seconds, so, [&](const stress::Report& t, double elapsed) {
    char line[200];
    std::snprintf(line, sizeof line,
                  "soak: %6.0f/%.0f s  ops %llu  acquires %llu  waits %llu  timeouts %llu  decommits %llu  violations %zu",
                  elapsed, seconds, static_cast<unsigned long long>(t.operations),
                  static_cast<unsigned long long>(t.acquires), static_cast<unsigned long long>(t.waits),
                  static_cast<unsigned long long>(t.timeouts), static_cast<unsigned long long>(t.decommit_cycles),
                  t.violations.size());
    progress.update(line);
  });
  if (o.json) {
    std::cout << stress::to_json(r, so).dump(2) << "\n";
  } else {
    std::printf("soak: %.0f s, %u threads, seed %llu\n%s", seconds, so.threads,
                static_cast<unsigned long long>(so.seed), stress::describe(r).c_str());
    std::printf("%s\n", r.ok() ? "ok: every invariant held, nothing leaked" : "FAILED");
  }
  return r.ok() ? 0 : 1;
}

}  // namespace

void add_soak_command(CLI::App& app, int* status) {
  auto o = std::make_shared<SoakOptions>();
  CLI::App* cmd = app.add_subcommand("soak", "Run the stress scenarios in rotation and check every invariant");
  cmd->add_option("--duration", o->duration, "how long: 90, 90s, 10m, 2h")
      ->check([](const std::string& s) { return parse_duration(s) > 0 ? std::string() : "not a duration: " + s; })
      ->capture_default_str();
  cmd->add_option("--scenario-seconds", o->scenario_seconds, "seconds per scenario run")
      ->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_option("--threads", o->threads, "worker threads")->check(CLI::Range(1u, 256u))->capture_default_str();
  cmd->add_option("--seed", o->seed, "random seed")->capture_default_str();
  add_output_options(*cmd, o->json, o->progress);
  cmd->callback([o, status] { *status = run(*o); });
}

}  // namespace samplepool::tool
