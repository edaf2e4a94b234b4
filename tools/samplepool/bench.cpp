// `samplepool bench`: the peer comparison from bench/ in a quick form. Runs
// the samplepool_bench program (Google Benchmark, every peer built in), then
// bench_report.py for the table (Markdown), a JSON digest (--json) or a
// chart (--plot, gnuplot).
#include "bench.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tool_paths.hpp"

namespace samplepool::tool {
namespace {

namespace fs = std::filesystem;

struct BenchOptions {
  std::string filter = "^(roundtrip|handoff)/";
  int repetitions = 3;
  double min_time = 0.05;
  bool full = false;
  std::string plot;
  bool json = false;
};

std::string self_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

// The first existing path among the candidates, or "".
std::string first_existing(const std::vector<std::string>& candidates) {
  for (const auto& c : candidates) {
    std::error_code ec;
    if (!c.empty() && fs::exists(c, ec)) return c;
  }
  return {};
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

int run(const BenchOptions& o) {
  const std::string dir = self_dir();
  const std::string bench = first_existing({dir + "/samplepool_bench", dir + "/../libexec/samplepool/samplepool_bench",
                                            kInstalledBench, kBuildBench});
  const std::string report = first_existing({dir + "/../libexec/samplepool/bench_report.py", kInstalledReport, kSourceReport});
  if (bench.empty()) {
    std::fprintf(stderr, "samplepool bench: samplepool_bench not found (build with SAMPLEPOOL_BUILD_BENCHMARKS=ON)\n");
    return 1;
  }
  if (report.empty()) {
    std::fprintf(stderr, "samplepool bench: bench_report.py not found\n");
    return 1;
  }
  char tmpl[] = "/tmp/samplepool-bench-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) {
    std::perror("samplepool bench: mkstemp");
    return 1;
  }
  close(fd);
  const std::string out = tmpl;
  const std::string filter = o.full ? std::string(".") : o.filter;
  const std::string run_bench = quote(bench) + " --benchmark_filter=" + quote(filter) +
                                " --benchmark_min_time=" + std::to_string(o.min_time) +
                                " --benchmark_repetitions=" + std::to_string(o.full ? 5 : o.repetitions) +
                                " --benchmark_report_aggregates_only=true --benchmark_out_format=json --benchmark_out=" +
                                quote(out) + " >/dev/null";
  std::fprintf(stderr, "samplepool bench: running %s (this takes a minute or two)\n", bench.c_str());
  if (std::system(run_bench.c_str()) != 0) {
    std::fprintf(stderr, "samplepool bench: the benchmark run failed\n");
    std::remove(out.c_str());
    return 1;
  }
  std::string run_report = "python3 " + quote(report) + " " + quote(out);
  if (o.json) run_report += " --json -";
  if (!o.plot.empty()) run_report += " --chart " + quote(o.plot);
  const int rc = std::system(run_report.c_str());
  std::remove(out.c_str());
  return rc == 0 ? 0 : 1;
}

}  // namespace

void add_bench_command(CLI::App& app, int* status) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Compare samplepool with its peers (quick form of bench/)");
  cmd->add_option("--filter", o->filter, "benchmarks to run (regex)")->capture_default_str();
  cmd->add_option("--repetitions", o->repetitions, "repetitions (the table shows medians)")
      ->check(CLI::Range(1, 100))->capture_default_str();
  cmd->add_option("--min-time", o->min_time, "seconds per benchmark run")->check(CLI::PositiveNumber)->capture_default_str();
  cmd->add_flag("--full", o->full, "every scenario, 5 repetitions (as tools/bench.sh)");
  cmd->add_option("--plot", o->plot, "draw the round-trip chart into this PNG or SVG file");
  cmd->add_flag("--json", o->json, "print a JSON digest instead of the table");
  cmd->callback([o, status] { *status = run(*o); });
}

}  // namespace samplepool::tool
