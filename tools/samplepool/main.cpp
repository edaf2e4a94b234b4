// samplepool: the command-line tool.
//
//   samplepool capture   simulate a low-latency capture pipeline
//   samplepool bench     compare with the peers
//   samplepool soak      run the stress scenarios for a long time
//
// Every subcommand takes --help and --json, and exits non-zero on failure
// (1: the run failed; 2: bad usage).
#include <CLI/CLI.hpp>

#include "bench.hpp"
#include "capture.hpp"
#include "soak.hpp"

int main(int argc, char** argv) {
  CLI::App app{"samplepool: a lock-free sample (media buffer) pool with IMemAllocator semantics"};
  app.require_subcommand(1);
  int status = 0;
  samplepool::tool::add_capture_command(app, &status);
  samplepool::tool::add_bench_command(app, &status);
  samplepool::tool::add_soak_command(app, &status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {  // also a backend the build lacks
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return status;
}
