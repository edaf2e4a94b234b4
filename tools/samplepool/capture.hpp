// tools/samplepool/capture.hpp: `samplepool capture`, a simulated
// low-latency capture pipeline.
#pragma once

#include <CLI/CLI.hpp>

namespace samplepool::tool {

// Adds the subcommand; its callback runs the pipeline and stores the exit
// status in *status.
void add_capture_command(CLI::App& app, int* status);

}  // namespace samplepool::tool
