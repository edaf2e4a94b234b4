// tools/samplepool/bench.hpp: `samplepool bench`.
#pragma once

#include <CLI/CLI.hpp>

namespace samplepool::tool {

void add_bench_command(CLI::App& app, int* status);

}  // namespace samplepool::tool
