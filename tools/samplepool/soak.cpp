// `samplepool soak`: the stress scenarios (stress/scenarios/) in rotation for a given
// time, with live progress, then the report; exit 1 on any violated
// invariant or leaked byte, 130 when interrupted (after the report so far).
#include "soak.hpp"

#include <cstdio>

#include "interrupt.hpp"
#include "numbers.hpp"
#include "options.hpp"
#include "output.hpp"
#include "report_json.hpp"
#include "scenarios.hpp"

namespace samplepool::tool {
namespace {

struct SoakOptions {
  double seconds = 60;
  double scenario_seconds = 5;
  unsigned threads = 6;
  std::uint64_t seed = 1;
  bool json = false;
  std::string progress = "auto";
};

int run(const SoakOptions& o) {
  scenarios::Options so;
  so.seconds = std::min(o.scenario_seconds, std::max(o.seconds / 5, 0.2));
  so.threads = o.threads;
  so.seed = o.seed;
  scenarios::Report r;
  {
    Progress progress(parse_mode(o.progress));
    r = scenarios::run_soak(o.seconds, so, [&](const scenarios::SoakProgress& p) {
      progress.update(scenarios::describe_progress(p, o.seconds));
      return interrupted();
    });
  }  // the live line ends before the report
  const bool stopped = interrupted();
  if (o.json) {
    nlohmann::json j = scenarios::to_json(r, so);
    j["command"] = "soak";
    j["interrupted"] = stopped;
    if (stopped) j["ok"] = false;
    emit(j.dump(2) + "\n");
  } else {
    char head[160];
    std::snprintf(head, sizeof head, "soak: %.0f s, %u threads, seed %llu%s\n", o.seconds, so.threads,
                  static_cast<unsigned long long>(so.seed), stopped ? " (interrupted)" : "");
    const char* verdict = !r.ok()   ? "FAILED"
                          : stopped ? "interrupted: every invariant held and nothing leaked in the part that ran"
                                    : "ok: every invariant held, nothing leaked";
    emit(head + scenarios::describe(r) + verdict + "\n");
  }
  if (stopped) return kInterruptedStatus;
  return r.ok() ? 0 : 1;
}

}  // namespace

void add_soak_command(CLI::App& app, int* status) {
  auto o = std::make_shared<SoakOptions>();
  CLI::App* cmd = app.add_subcommand("soak", "Run the stress scenarios in rotation and check every invariant");
  add_duration(*cmd, "--duration", o->seconds, 0.1, 1e7, "how long: 90, 90s, 10m, 2h");
  add_duration(*cmd, "--scenario-seconds", o->scenario_seconds, 0.05, 3600, "time per scenario run");
  add_integer<unsigned>(*cmd, "--threads", o->threads, 1, 256, "worker threads");
  add_integer<std::uint64_t>(*cmd, "--seed", o->seed, 0, UINT64_MAX, "random seed");
  add_output_options(*cmd, o->json, o->progress);
  cmd->callback([o, status] { *status = run(*o); });
}

}  // namespace samplepool::tool
