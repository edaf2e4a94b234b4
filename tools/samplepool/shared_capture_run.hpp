// tools/samplepool/shared_capture_run.hpp: the capture pipeline across
// processes behind `samplepool capture --consumer-processes N`, and what it
// counted.
//
// This process (the producer) creates a shared pool (shm/shared_pool.hpp) of
// --buffers x --frame-bytes, commits it and starts N consumer processes
// (shared_consumer.hpp), waiting for each to subscribe. Then, one frame per
// period (--fps) until --duration ends or SIGINT/SIGTERM, it acquires a
// sample until the next frame is due, writes the frame (shared_frame.hpp)
// and publishes it to every consumer without a copy, and drops its own hold.
// A frame for which no sample came free in time is counted (no_buffer); a
// producer that fell more than a period behind (descheduled, or starting a
// consumer) skips the frames it missed rather than publishing them in a
// burst, and counts them (skipped).
//
// With kill_every_s > 0 (a soak), after exponential intervals of that mean
// (seeded from --seed) a consumer chosen at random among those that have
// subscribed is killed with SIGKILL, wherever it is (holding frames, inside
// a receive), and a new process takes its place; the producer goes on
// publishing while the new one subscribes (each must within kConsumerStart).
//
// The end: the producer waits until every consumer has subscribed, then
// decommits; each consumer cuts its hold short, drains what was queued to
// it, reports its counts and exits (each waited for at most kConsumerExit,
// then killed and counted as failed). The producer then waits, at most
// kReturnTimeout, for the pool's monitor to reap every killed consumer and
// for every sample to come back, and reads the pool's stats.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "arena_report.hpp"
#include "capture_run.hpp"
#include "samplepool/shm/shared_pool.hpp"

namespace samplepool::tool {

// How long a consumer may take to subscribe, and to report and exit after
// the decommit; how long the killed ones' samples may take to come back.
// Generous: each takes milliseconds, unless something is broken.
inline constexpr std::chrono::seconds kConsumerStart{10};
inline constexpr std::chrono::seconds kConsumerExit{5};
inline constexpr std::chrono::seconds kReturnTimeout{5};

struct SharedCaptureOptions {
  unsigned consumer_processes = 0;  // 0: the in-process capture (capture_run.hpp)
  double kill_every_s = 0;          // mean time between kills; 0: no kills
};

struct SharedCaptureResult {
  Properties granted;
  ArenaReport arena;
  std::uint64_t published = 0;  // frames published
  std::uint64_t delivered = 0;  // entries queued to subscribers, summed over the frames
  std::uint64_t no_buffer = 0;  // frames with no free sample before the next was due
  std::uint64_t skipped = 0;    // frames the producer was too late for
  std::uint64_t kills = 0;
  // Per consumer slot, from the process there at the end (the last
  // replacement): frames received, and frames whose content was wrong.
  std::vector<std::uint64_t> received;
  std::uint64_t content_errors = 0;
  // "consumer 2: receive: corrupted", "consumer 1 was killed by signal 11 (Segmentation fault)", ...
  std::vector<std::string> consumer_errors;
  shm::SharedStats end;   // after the consumers are gone and the samples came back (or the wait ended)
  bool all_back = false;  // wait_all_free_until succeeded
  double elapsed_s = 0;
  bool interrupted = false;

  std::uint64_t received_total() const;
  std::uint32_t lost() const { return end.count - end.free; }
};

// Runs it, showing progress on stderr (ended with a newline before it
// returns). Returns "" with *out filled, or why the run could not be done
// (the pool refused, a consumer could not start or subscribe); the consumers
// started so far are killed then.
std::string run_shared_pipeline(const CaptureOptions& o, const SharedCaptureOptions& so, SharedCaptureResult* out);

}  // namespace samplepool::tool
