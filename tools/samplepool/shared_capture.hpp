// tools/samplepool/shared_capture.hpp: `samplepool capture
// --consumer-processes N`, the capture pipeline across processes.
//
// This process creates a shared pool (shm/shared_pool.hpp), starts N
// consumer processes (this program again, as the hidden subcommand
// `shm-consumer`, with the pool's fd as its fd 3), and for the run's
// duration acquires a frame at --fps, writes it (shared_frame.hpp) and
// publishes it to every consumer without a copy. Each consumer checks what
// it receives, holds it for the processing time and releases it.
//
// With --kill-consumers MEAN (a soak), a consumer chosen at random is killed
// with SIGKILL every MEAN on average (exponential intervals from --seed) and
// replaced by a new one; its samples must come back by themselves.
//
// At the end the producer decommits (each consumer drains its queue and
// exits), waits for the consumers and for the survivors' monitors to reap
// every killed one, and proves that every sample came back: free == count,
// nothing held, nothing queued. The report says so ("lost: 0"), or names
// what was lost and fails the run.
#pragma once

#include <CLI/CLI.hpp>

#include "capture_run.hpp"

namespace samplepool::tool {

struct SharedCaptureOptions {
  unsigned consumer_processes = 0;  // 0: the in-process capture
  double kill_every_s = 0;          // mean time between kills; 0: none
};

// Adds --consumer-processes and --kill-consumers to `capture`.
void add_shared_capture_options(CLI::App& capture, SharedCaptureOptions& o);
// Refuses the capture options that have no meaning across processes (a
// CLI::ValidationError naming the option).
void validate_shared_capture(const CLI::App& capture, const CaptureOptions& o, const SharedCaptureOptions& so);
// Runs it; returns the exit status (0, 1 failed, 130 interrupted).
int run_shared_capture(const CaptureOptions& o, const SharedCaptureOptions& so);

// The hidden subcommand the consumer processes run.
void add_shared_consumer_command(CLI::App& app, int* status);

}  // namespace samplepool::tool
