// tools/samplepool/capture_run.hpp: the simulated capture pipeline behind
// `samplepool capture`, and what it measured.
//
// A capture thread acquires a frame buffer per frame period and hands it to
// consumer threads ("consumer-1" ..., named so that holder reports say who
// holds what), which "process" it for a random time and release it
// (consumer-1 keeps the last --hoard frames back, as a decoder keeps its
// reference frames); the pool may grow to --max-buffers;
// the stream is stopped and restarted (Decommit/Commit) on a schedule, as a
// graph's Stop/Run does.
//
// Every frame that arrives before the end has exactly one outcome:
//   captured  a buffer was acquired before the next frame arrived;
//   dropped   the pool had no free buffer until then (acquire timed out);
//   late      the capture thread reached the frame only after that deadline
//             (it fell behind: a fill or a wake-up took longer than a
//             period); such a frame is lost, never counted as captured;
//   stopped   the stream was stopped (not_committed);
//   errors    any other result (never expected).
//
// Wall time: the run ends at its duration (or at SIGINT/SIGTERM); then a
// consumer still processing cuts the work short (counted in cut_short) and
// the capture thread finishes at most the frame in hand, whose fill also
// stops at the deadline. Nothing waits longer than one acquire (a frame
// period at most) after the end.
//
// Latency, in three histograms of fixed size (histogram.hpp):
//   cold          acquire_until() of each captured frame, as the capture
//                 thread calls it after sleeping for a frame period: mostly
//                 the cost of running on a core whose caches and predictors
//                 went cold during the sleep, not the pool's own;
//   warm          the buffer given back and acquired again at once, on the
//                 same now-warm core: the pool's own cost on its fast path;
//   dropped_wait  how long each dropped frame waited before it timed out: a
//                 lower bound of its latency, kept apart from the others.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "arena_report.hpp"
#include "histogram.hpp"
#include "options.hpp"
#include "samplepool/samplepool.hpp"

namespace samplepool::tool {

struct CaptureOptions {
  PoolChoice pool;
  double fps = 240;
  std::size_t frame_bytes = 1920 * 1080 * 2;  // 1080p YUY2
  std::uint32_t buffers = 8;
  std::uint32_t max_buffers = 0;  // growth: 0 keeps the pool at `buffers`
  unsigned consumers = 1;
  unsigned hoard = 0;             // frames consumer-1 keeps back (a decoder's references)
  double process_us = 2000;   // mean processing time per frame
  double jitter_us = 1000;    // half-width (uniform) of the processing time
  std::string distribution = "uniform";
  double seconds = 5;
  double stop_every_s = 2;    // 0: never stop
  double stop_ms = 20;
  double fail_on_drop_percent = -1;  // < 0: drops only warn
  std::uint64_t seed = 1;
  std::string progress = "auto";
  bool json = false;
};

struct CaptureResult {
  Properties granted;
  ArenaReport arena;
  std::uint64_t captured = 0, dropped = 0, late = 0, stopped = 0, errors = 0;
  std::uint64_t consumed = 0, cut_short = 0;
  std::uint64_t overran = 0;  // captured frames whose fill ended after the next frame arrived
  std::uint64_t starvation_periods = 0, longest_starvation = 0;
  std::uint64_t stops = 0;
  Histogram cold, warm, dropped_wait;
  Stats pool;
  // Who held the buffers the first time the capture thread waited longer
  // than half a frame period (the pool's starvation report); valid when
  // pool.starvation_reports != 0.
  HolderReport starved;
  double elapsed_s = 0;
  bool interrupted = false;

  std::uint64_t expected() const { return captured + dropped + late + stopped + errors; }
  std::uint64_t lost() const { return dropped + late; }
};

// Runs the pipeline, showing progress on stderr (ended with a newline
// before it returns). Returns "" with *out filled, or why the pool could not
// be set up (set_properties or commit refused, mlock refused with the limit).
std::string run_capture_pipeline(const CaptureOptions& o, CaptureResult* out);

}  // namespace samplepool::tool
