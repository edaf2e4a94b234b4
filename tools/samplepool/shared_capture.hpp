// tools/samplepool/shared_capture.hpp: `samplepool capture
// --consumer-processes N [--kill-consumers MEAN]`, the capture across
// processes (shared_capture_run.hpp) and the soak that kills its consumers:
// the options, what they refuse, and the run with its report
// (shared_capture_report.hpp).
#pragma once

#include <CLI/CLI.hpp>

#include "shared_capture_run.hpp"

namespace samplepool::tool {

// Adds --consumer-processes and --kill-consumers to `capture`.
void add_shared_capture_options(CLI::App& capture, SharedCaptureOptions& o);

// Refuses --kill-consumers without --consumer-processes, and with it the
// capture options that have no meaning across processes (growth, consumer
// threads, hoarding, Stop/Run, the in-process pool's choices): a
// CLI::ValidationError naming the option.
void validate_shared_capture(const CLI::App& capture, const SharedCaptureOptions& o);

// Runs it and prints the report; returns the exit status (0, 1 failed,
// 130 interrupted).
int run_shared_capture(const CaptureOptions& o, const SharedCaptureOptions& so);

}  // namespace samplepool::tool
