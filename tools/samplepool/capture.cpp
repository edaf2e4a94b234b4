// `samplepool capture`: the options, then the pipeline (capture_run.hpp) and
// its report (capture_report.hpp).
#include "capture.hpp"

#include <memory>

#include "capture_report.hpp"
#include "capture_run.hpp"
#include "interrupt.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "shared_capture.hpp"

namespace samplepool::tool {
namespace {

int run_capture(const CaptureOptions& o) {
  auto r = std::make_unique<CaptureResult>();  // three histograms: 90 KiB
  if (const std::string why = run_capture_pipeline(o, r.get()); !why.empty()) return fail("capture", why, o.json);
  const CaptureVerdict v = judge(o, *r);
  emit(o.json ? capture_json(o, *r, v).dump(2) + "\n" : capture_text(o, *r, v));
  if (r->interrupted) return kInterruptedStatus;
  return v.ok() ? 0 : 1;
}

}  // namespace

void add_capture_command(CLI::App& app, int* status) {
  auto o = std::make_shared<CaptureOptions>();
  auto so = std::make_shared<SharedCaptureOptions>();
  CLI::App* cmd = app.add_subcommand("capture", "Simulate a low-latency capture pipeline on a pool");
  add_real(*cmd, "--fps", o->fps, 1, 100000, "frame rate");
  add_integer<std::size_t>(*cmd, "--frame-bytes", o->frame_bytes, 1, std::size_t{1} << 32,
                           "bytes per frame (default: 1920x1080 YUY2)");
  add_integer<std::uint32_t>(*cmd, "--buffers", o->buffers, 1, 65536, "samples in the pool");
  add_integer<std::uint32_t>(*cmd, "--max-buffers", o->max_buffers, 0, 65536,
                             "let the pool grow to this many samples when it runs dry (0: fixed at --buffers)");
  add_integer<unsigned>(*cmd, "--consumers", o->consumers, 1, 256, "consumer threads");
  add_integer<unsigned>(*cmd, "--hoard", o->hoard, 0, 65536,
                        "frames consumer-1 keeps back, as a decoder keeps reference frames (0: none)");
  add_real(*cmd, "--process-us", o->process_us, 0, 1e9, "mean processing time per frame (us)");
  add_real(*cmd, "--jitter-us", o->jitter_us, 0, 1e9, "uniform distribution's half-width (us)");
  cmd->add_option("--distribution", o->distribution, "processing time: fixed, uniform or exponential")
      ->check(CLI::IsMember({"fixed", "uniform", "exponential"}))
      ->capture_default_str();
  add_duration(*cmd, "--duration", o->seconds, 0.01, 1e7, "how long to run: 90, 90s, 10m, 2h");
  add_checked<double>(
      *cmd, "--stop-every", o->stop_every_s,
      [](const std::string& s, double* out) {
        std::string e = check_duration(s, 0, 1e7, out);
        if (e.empty() && *out != 0 && *out < 0.01) e = "must be 0 (never) or at least 0.01 s: " + s;
        return e;
      },
      "time between Stop/Run (Decommit/Commit) cycles, 0: never")
      ->type_name("DURATION")
      ->default_str(readable(o->stop_every_s) + "s");
  add_real(*cmd, "--stop-ms", o->stop_ms, 0, 10000, "how long each Stop lasts (ms)");
  add_real(*cmd, "--fail-on-drop", o->fail_on_drop_percent, 0, 100,
           "exit 1 if more than this percent of the frames are lost (default: only warn above " + readable(kDropWarnPercent) + "%)")
      ->default_str("");
  add_integer<std::uint64_t>(*cmd, "--seed", o->seed, 0, UINT64_MAX, "seed of the processing times");
  add_pool_options(*cmd, o->pool);
  add_shared_capture_options(*cmd, *so);
  add_output_options(*cmd, o->json, o->progress);
  cmd->callback([o, so, status, cmd] {
    validate_shared_capture(*cmd, *so);
    if (so->consumer_processes != 0) {
      *status = run_shared_capture(*o, *so);
      return;
    }
    o->pool.validate();
    if (o->max_buffers != 0 && o->max_buffers < o->buffers) {
      throw CLI::ValidationError("--max-buffers", "must be 0 (no growth) or at least --buffers (" +
                                                      std::to_string(o->buffers) + "): " +
                                                      std::to_string(o->max_buffers));
    }
    *status = run_capture(*o);
  });
}

}  // namespace samplepool::tool
