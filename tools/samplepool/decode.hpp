// tools/samplepool/decode.hpp: `samplepool decode`, FFmpeg decoding into
// pool samples (api/ffmpeg's get_buffer2 hook). Built when FFmpeg is.
#pragma once

#include <CLI/CLI.hpp>

namespace samplepool::tool {

// Adds the subcommand; its callback decodes and stores the exit status.
void add_decode_command(CLI::App& app, int* status);

}  // namespace samplepool::tool
