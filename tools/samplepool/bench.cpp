// `samplepool bench`: the peer comparison from bench/ in a quick form. Runs
// the samplepool_bench program (Google Benchmark, every peer built in), then
// bench_report.py for the table (Markdown), a JSON digest (--json) or a
// chart (--plot, gnuplot). Both run without a shell (process.hpp); the
// intermediate JSON lives in a private temporary directory that is removed
// whatever happens, an interrupt included.
//
// Usage errors (exit 2), found before anything runs: a --filter that is not
// a regular expression or matches no benchmark, a --plot path that is not a
// .png or .svg in a writable directory.
#include "bench.hpp"

#include <regex.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "interrupt.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "process.hpp"
#include "tool_paths.hpp"

namespace samplepool::tool {
namespace {

namespace fs = std::filesystem;

// The quick form covers every goal issue 13 sets, and only those: the round
// trip at 1 and 2 threads (more with --max-threads) and bulk 8 and 32 of
// samplepool's faces and policies, rte_mempool with its cache and
// moodycamel's queue; the hand-off of every peer built in (the goal is 2x
// each of them); the failing poll of an empty pool with its reference
// failed pop; the floor experiments (samplepool_virtual, samplepool_virtual_so,
// samplepool_nocache, rte_mempool_refcounted, counted_failed_pop, the
// hand-off's magazine_floor and magazine_floor_spares, and
// magazine_floor_parts in the hand-off and the round trip: the report's
// Floors table). The other peers' round trips, pool-size scaling and growth
// steps run with --full. --list prints what a run would make.
// Repetitions of every benchmark are interleaved at random (a neighbour's
// burst of load then hits every pool alike instead of the few that ran
// during it), and the report takes each figure's median with its min and
// max. 21 repetitions of 0.06 s (about 1.5-2 minutes on the 2-vCPU VM):
// more, shorter repetitions gave steadier medians than 9 or 15 longer ones
// for the same time; tools/bench_stability.sh checks that two consecutive
// runs agree within 10% on every goal ratio.
constexpr const char* kQuickFilter =
    "^((roundtrip|bulk)/(samplepool(_fifo|_growable|_dshow|_c|_virtual|_virtual_so|_nocache)?|rte_mempool_(cache|refcounted)|"
    "moodycamel_bcq|magazine_floor_parts)/"
    "(.*/threads:[0-9]+|.*/(8|32))$|handoff/|poll_empty/)";
// The round trips' thread counts are the program's (--max_threads: 1, 2, 4,
// ... up to it): the quick form runs 1 and 2, --full 1 to 4, unless
// --max-threads says otherwise (16 on a 16-core machine, say).
constexpr std::uint32_t kQuickMaxThreads = 2;
constexpr std::uint32_t kFullMaxThreads = 4;
constexpr std::uint32_t kMostThreads = 1024;  // samplepool_bench's own limit (kMostRunThreads)

struct BenchOptions {
  std::string filter = kQuickFilter;
  std::uint32_t repetitions = 21;
  double min_time = 0.06;
  bool full = false;
  std::uint32_t max_threads = kQuickMaxThreads;  // kFullMaxThreads with --full, unless given
  std::string plot;
  bool json = false;
  bool list = false;
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

// Google Benchmark's filter: a POSIX extended regex, "-" in front negates.
std::string check_filter(const std::string& f) {
  regex_t re;
  const int err = regcomp(&re, (f.rfind('-', 0) == 0 ? f.substr(1) : f).c_str(), REG_EXTENDED | REG_NOSUB);
  if (err == 0) {
    regfree(&re);
    return {};
  }
  char why[160];
  regerror(err, &re, why, sizeof why);
  return "not a valid regular expression (" + std::string(why) + "): " + f;
}

std::string check_plot(const std::string& path) {
  const fs::path p(path);
  if (p.extension() != ".png" && p.extension() != ".svg") return "the chart must be a .png or .svg file: " + path;
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "no such directory: " + dir.string();
  if (access(dir.c_str(), W_OK) != 0) return "cannot write into " + dir.string() + ": " + std::strerror(errno);
  return {};
}

// A private directory for the intermediate files, removed on every path out.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/samplepool-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool any_line(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) return true;
  }
  return false;
}

int interrupted_exit(const BenchOptions& o) {
  fail("bench", "interrupted; nothing to report", o.json);
  return kInterruptedStatus;
}

int run(const BenchOptions& o) {
  const std::string dir = self_dir();
  const std::string bench = first_existing({dir + "/samplepool_bench", dir + "/../libexec/samplepool/samplepool_bench",
                                            kInstalledBench, kBuildBench});
  const std::string report = first_existing({dir + "/../libexec/samplepool/bench_report.py", kInstalledReport, kSourceReport});
  if (bench.empty()) {
    return fail("bench",
                "samplepool_bench not found (tools/run.sh builds it; in a build tree: cmake --build BUILD_DIR "
                "--target samplepool_bench, with SAMPLEPOOL_BUILD_BENCHMARKS=ON)",
                o.json);
  }
  if (report.empty()) return fail("bench", "bench_report.py not found", o.json);
  const TempDir tmp;
  if (tmp.path().empty()) return fail("bench", std::string("cannot create a temporary directory: ") + std::strerror(errno), o.json);
  const std::string filter = "--benchmark_filter=" + (o.full ? std::string(".") : o.filter);
  const std::string threads = "--max_threads=" + std::to_string(o.max_threads);

  const std::string list = tmp.path() + "/list.txt";
  const ProcessResult listed = run_process({bench, "--benchmark_list_tests=true", threads, filter}, list);
  if (listed.interrupted) return interrupted_exit(o);
  if (!listed.ok()) return fail("bench", "cannot run " + bench, o.json);
  if (!any_line(list)) {
    std::fprintf(stderr, "samplepool bench: --filter matches no benchmark: %s (samplepool_bench --benchmark_list_tests lists them)\n",
                 o.filter.c_str());
    return 2;
  }
  if (o.list) {  // what this run would make, one benchmark a line, as samplepool_bench names them
    std::ifstream in(list);
    std::cout << in.rdbuf();
    return std::cout.good() ? 0 : 1;
  }

  const std::string out = tmp.path() + "/results.json";
  std::fprintf(stderr, "samplepool bench: running %s (this takes a minute or two)\n", bench.c_str());
  // Every repetition goes into the JSON (no --benchmark_report_aggregates_only):
  // the report shows each figure's min, median and max from them.
  const ProcessResult ran = run_process({bench, threads, filter, "--benchmark_min_time=" + std::to_string(o.min_time),
                                         "--benchmark_repetitions=" + std::to_string(o.repetitions),
                                         "--benchmark_enable_random_interleaving=true", "--benchmark_out_format=json",
                                         "--benchmark_out=" + out},
                                        "/dev/null");
  if (ran.interrupted) return interrupted_exit(o);
  if (!ran.ok()) return fail("bench", "the benchmark program failed (" + bench + ")", o.json);

  std::vector<std::string> render{"python3", report, out};
  if (o.json) render.insert(render.end(), {"--json", "-"});
  if (!o.plot.empty()) render.insert(render.end(), {"--chart", o.plot});
  std::fflush(stdout);  // the report writes to our stdout after what we wrote
  const ProcessResult rendered = run_process(render);
  if (rendered.interrupted) return interrupted_exit(o);
  if (!rendered.started) return fail("bench", "cannot run python3 for " + report, o.json);
  return rendered.exit_code == 0 ? 0 : rendered.exit_code == 2 ? 2 : 1;
}

}  // namespace

void add_bench_command(CLI::App& app, int* status) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Compare samplepool with its peers (quick form of bench/)");
  cmd->add_option("--filter", o->filter, "benchmarks to run (a POSIX extended regex)")
      ->check(CLI::Validator([](std::string& s) { return check_filter(s); }, "REGEX"))
      ->capture_default_str();
  add_integer<std::uint32_t>(*cmd, "--repetitions", o->repetitions, 1, 100,
                             "repetitions, interleaved (the table shows min / median / max)");
  add_real(*cmd, "--min-time", o->min_time, 0.001, 60, "seconds per benchmark run");
  cmd->add_flag("--full", o->full, "every scenario (4 threads, pool-size scaling, growth too; as tools/bench.sh)");
  CLI::Option* max_threads = add_integer<std::uint32_t>(*cmd, "--max-threads", o->max_threads, 1, kMostThreads,
                                                        "round trips at 1, 2, 4, ... (powers of two) up to this many threads "
                                                        "(--full: 4 unless given)");
  cmd->add_option("--plot", o->plot, "draw the round-trip, hand-off and bulk charts into this PNG or SVG file")
      ->check(CLI::Validator([](std::string& s) { return check_plot(s); }, "FILE"));
  cmd->add_flag("--json", o->json, "print a JSON digest instead of the table");
  cmd->add_flag("--list", o->list, "print the benchmarks this run would make, and run none");
  cmd->callback([o, status, max_threads] {
    if (o->full && max_threads->count() == 0) o->max_threads = kFullMaxThreads;
    *status = run(*o);
  });
}

}  // namespace samplepool::tool
