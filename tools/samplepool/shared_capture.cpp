// `samplepool capture --consumer-processes N`: see shared_capture.hpp.
#include "shared_capture.hpp"

#include "interrupt.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "shared_capture_report.hpp"

namespace samplepool::tool {

void add_shared_capture_options(CLI::App& capture, SharedCaptureOptions& o) {
  // 30: a shared pool serves at most 32 processes; the producer and a killed
  // consumer not reaped yet take two.
  add_integer<unsigned>(capture, "--consumer-processes", o.consumer_processes, 0, 30,
                        "consumers in processes of their own, over a shared pool (0: consumer threads, --consumers)");
  add_checked<double>(
      capture, "--kill-consumers", o.kill_every_s,
      [](const std::string& s, double* out) { return check_duration(s, 0.001, 1e7, out); },
      "with --consumer-processes, a soak: kill a random consumer (SIGKILL) every DURATION on average and replace it; "
      "the report proves every sample came back")
      ->type_name("DURATION");
}

void validate_shared_capture(const CLI::App& capture, const SharedCaptureOptions& o) {
  if (o.consumer_processes == 0) {
    if (capture.count("--kill-consumers") != 0) {
      throw CLI::ValidationError("--kill-consumers", "needs --consumer-processes");
    }
    return;
  }
  for (const char* name : {"--max-buffers", "--consumers", "--hoard", "--stop-every", "--stop-ms", "--fail-on-drop",
                           "--backend", "--lock", "--fifo", "--no-cache"}) {
    if (capture.count(name) != 0) {
      throw CLI::ValidationError(name, "has no meaning with --consumer-processes (a shared pool in a memfd, fixed "
                                       "size, consumers in processes)");
    }
  }
}

int run_shared_capture(const CaptureOptions& o, const SharedCaptureOptions& so) {
  SharedCaptureResult r;
  if (const std::string why = run_shared_pipeline(o, so, &r); !why.empty()) return fail("capture", why, o.json);
  const std::vector<std::string> problems = judge_shared(r);
  emit(o.json ? shared_capture_json(o, so, r, problems).dump(2) + "\n" : shared_capture_text(o, so, r, problems));
  if (!problems.empty()) return 1;
  return r.interrupted ? kInterruptedStatus : 0;
}

}  // namespace samplepool::tool
