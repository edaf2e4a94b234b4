// tools/samplepool/shared_consumer.hpp: a consumer process of `samplepool
// capture --consumer-processes` (the hidden subcommand `shm-consumer`), and
// the whole protocol between it and the producer, in one place:
//
//   start   the producer runs this program as consumer_args() says, with the
//           shared pool's fd as fd 3 and a pipe as stdout
//           (consumer_process.hpp);
//   ready   the consumer attaches, subscribes and writes the line "ready"
//           (kReadyLine): from then on every frame published reaches it;
//   work    it receives each frame, checks its content (shared_frame.hpp),
//           holds it for a processing time (workload.hpp) and releases it,
//           until receive() says not_committed: the producer decommitted
//           (or died). A hold in progress at the decommit is cut short, and
//           the entries still queued to it are received and released at once;
//   report  last, one JSON line (read by parse_consumer_report), then exit:
//           {"received": N, "content_errors": N} and status 0, or with
//           "error": "what failed" and status 1 (attach, subscribe or a
//           receive that failed otherwise than not_committed).
// A consumer killed anywhere in between says nothing: the shared pool takes
// its samples back (shm/shared_pool.hpp, crash safety).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace samplepool::tool {

inline constexpr const char* kReadyLine = "ready";

struct ConsumerArgs {
  double process_us = 0;  // the processing time, as capture's options
  double jitter_us = 0;
  std::string distribution = "fixed";
  std::uint64_t seed = 0;
};

// The arguments after the program's name that start a consumer with `a`
// (the pool on fd 3). Every value survives the round trip exactly.
std::vector<std::string> consumer_args(const ConsumerArgs& a);

struct ConsumerReport {
  std::uint64_t received = 0;
  std::uint64_t content_errors = 0;
  std::string error;  // empty: none
};

// The consumer's last line; false when `line` is not such a report.
bool parse_consumer_report(const std::string& line, ConsumerReport* out);

// Registers the hidden subcommand; its exit status goes to *status.
void add_shared_consumer_command(CLI::App& app, int* status);

}  // namespace samplepool::tool
