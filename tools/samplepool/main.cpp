// samplepool: the command-line tool.
//
//   samplepool capture   simulate a low-latency capture pipeline
//   samplepool bench     compare with the peers
//   samplepool soak      run the stress scenarios for a long time
//   (samplepool shm-consumer, hidden: a consumer process of capture --consumer-processes)
//   samplepool decode    decode a file into pool samples (FFmpeg; when built with it)
//
// Every subcommand takes --help and --json. Exit status: 0 success; 1 the
// run failed (or its report could not be written); 2 bad usage; 130
// interrupted by SIGINT or SIGTERM (after the report so far).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "bench.hpp"
#include "capture.hpp"
#ifdef SAMPLEPOOL_TOOL_HAVE_FFMPEG
#include "decode.hpp"
#endif
#include "interrupt.hpp"
#include "output.hpp"
#include "shared_consumer.hpp"
#include "soak.hpp"

int main(int argc, char** argv) {
  namespace tool = samplepool::tool;
  tool::install_interrupt_handlers();
  CLI::App app{"samplepool: a lock-free sample (media buffer) pool with IMemAllocator semantics"};
  app.require_subcommand(1);
  int status = 0;
  tool::add_capture_command(app, &status);
  tool::add_bench_command(app, &status);
  tool::add_soak_command(app, &status);
  tool::add_shared_consumer_command(app, &status);
#ifdef SAMPLEPOOL_TOOL_HAVE_FFMPEG
  tool::add_decode_command(app, &status);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {  // also a backend the build lacks, options for another backend
    const int rc = app.exit(e);
    return tool::finish_output(rc == 0 ? 0 : 2);
  } catch (const std::exception& e) {  // threads or memory refused
    std::fprintf(stderr, "samplepool: %s\n", e.what());
    return tool::finish_output(1);
  }
  return tool::finish_output(status);
}
