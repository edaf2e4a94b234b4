// tools/samplepool/soak.hpp: `samplepool soak`.
#pragma once

#include <CLI/CLI.hpp>

namespace samplepool::tool {

void add_soak_command(CLI::App& app, int* status);

}  // namespace samplepool::tool
