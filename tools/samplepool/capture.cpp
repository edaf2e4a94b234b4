// `samplepool capture`: a capture thread acquires a frame buffer per frame
// period (default: 1080p YUY2 at 240 fps) and hands it to consumer threads,
// which process it for a random time and release it. The stream is stopped
// and restarted (Decommit/Commit) on a schedule, as a graph's Stop/Run does.
// Reports acquire latency percentiles, dropped frames (no buffer before the
// next frame arrived), starvation periods and the pool's stats.
#include "capture.hpp"

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <vector>

#include "options.hpp"
#include "progress.hpp"
#include "samplepool/samplepool.hpp"
#include "stats_json.hpp"

namespace samplepool::tool {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct CaptureOptions {
  PoolChoice pool;
  double fps = 240;
  std::size_t frame_bytes = 1920 * 1080 * 2;  // 1080p YUY2
  std::uint32_t buffers = 8;
  unsigned consumers = 1;
  double process_us = 2000;   // mean processing time per frame
  double jitter_us = 1000;    // half-width (uniform) of the processing time
  std::string distribution = "uniform";
  double seconds = 5;
  double stop_every_s = 2;    // 0: never stop
  double stop_ms = 20;
  double fail_on_drop_percent = -1;  // < 0: drops never fail the run
  std::uint64_t seed = 1;
  std::string progress = "auto";
  bool json = false;
};

struct Frames {
  std::atomic<std::uint64_t> captured{0}, dropped{0}, stopped{0}, consumed{0}, errors{0};
  std::uint64_t starvation_periods = 0, longest_starvation = 0;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// Processing time for one frame, by the chosen distribution.
class Workload {
 public:
  Workload(const CaptureOptions& o, std::uint64_t seed) : o_(o), rng_(seed) {}
  std::chrono::microseconds next() {
    double us = o_.process_us;
    if (o_.distribution == "uniform") {
      us = std::uniform_real_distribution<double>(o_.process_us - o_.jitter_us, o_.process_us + o_.jitter_us)(rng_);
    } else if (o_.distribution == "exponential") {
      us = std::exponential_distribution<double>(1.0 / std::max(1.0, o_.process_us))(rng_);
    }
    return std::chrono::microseconds(static_cast<long>(std::max(0.0, us)));
  }

 private:
  const CaptureOptions& o_;
  std::mt19937_64 rng_;
};

int run_capture(const CaptureOptions& o) {
  Pool pool(o.pool.options());
  Properties granted;
  if (const Errc e = pool.set_properties({o.buffers, o.frame_bytes, 64, 0}, &granted); e != Errc::ok) {
    std::fprintf(stderr, "samplepool capture: set_properties: %s\n", to_string(e));
    return 1;
  }
  if (const Errc e = pool.commit(); e != Errc::ok) {
    std::fprintf(stderr, "samplepool capture: commit: %s (%zu bytes x %u)\n", to_string(e), o.frame_bytes, o.buffers);
    return 1;
  }
  const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / o.fps));
  const auto total_frames = static_cast<std::uint64_t>(o.seconds * o.fps);
  moodycamel::BlockingConcurrentQueue<Sample> queue;
  Frames f;
  std::vector<double> latency_us;
  latency_us.reserve(total_frames);
  std::atomic<bool> capturing{true};
  std::atomic<std::uint64_t> stops{0};
  const Clock::time_point t0 = Clock::now() + 10ms;

  std::vector<std::thread> consumers;
  for (unsigned c = 0; c < o.consumers; ++c) {
    consumers.emplace_back([&, c] {
      Workload work(o, o.seed * 31 + c);
      Sample s;
      while (capturing.load() || queue.size_approx() > 0) {
        if (!queue.wait_dequeue_timed(s, 5ms)) continue;
        volatile std::byte sink = s.data()[0];  // read the frame header
        (void)sink;
        std::this_thread::sleep_for(work.next());
        s.reset();  // back to the pool: wakes the capture thread if it waits
        f.consumed.fetch_add(1);
      }
    });
  }

  std::thread capture([&] {
    std::uint64_t run_of_drops = 0;
    for (std::uint64_t i = 0; i < total_frames; ++i) {
      const Clock::time_point arrival = t0 + period * static_cast<long>(i);
      std::this_thread::sleep_until(arrival);
      Sample s;
      // The buffer must be ours before the next frame arrives. The latency
      // is the acquire call's own (the wake-up from sleep_until is not the
      // pool's).
      const Clock::time_point asked = Clock::now();
      const Errc e = pool.acquire_until(s, arrival + period);
      const double waited = std::chrono::duration<double, std::micro>(Clock::now() - asked).count();
      if (e == Errc::ok) {
        latency_us.push_back(std::max(0.0, waited));
        for (std::size_t off = 0; off < s.size(); off += 4096) s.data()[off] = std::byte(i);  // "DMA"
        s.set_time(static_cast<std::int64_t>(i) * period.count(), static_cast<std::int64_t>(i + 1) * period.count());
        s.set_media_time(static_cast<std::int64_t>(i), static_cast<std::int64_t>(i + 1));
        s.set_sync_point(true);
        s.set_actual_length(s.size());
        queue.enqueue(std::move(s));
        f.captured.fetch_add(1);
        if (run_of_drops != 0) {
          ++f.starvation_periods;
          f.longest_starvation = std::max(f.longest_starvation, run_of_drops);
          run_of_drops = 0;
        }
      } else if (e == Errc::timeout) {
        f.dropped.fetch_add(1);
        ++run_of_drops;
      } else if (e == Errc::not_committed) {
        f.stopped.fetch_add(1);  // the stream is stopped: this frame is not captured
      } else {
        f.errors.fetch_add(1);
      }
    }
    if (run_of_drops != 0) {
      ++f.starvation_periods;
      f.longest_starvation = std::max(f.longest_starvation, run_of_drops);
    }
  });

  // Stop/Run schedule and progress, on this thread.
  Progress progress(parse_mode(o.progress));
  const Clock::time_point end = t0 + period * static_cast<long>(total_frames);
  Clock::time_point next_stop = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.stop_every_s));
  while (Clock::now() < end) {
    const auto step = std::min(end, Clock::now() + 100ms);
    if (o.stop_every_s > 0 && next_stop < step) {
      std::this_thread::sleep_until(next_stop);
      pool.decommit();  // Stop: a blocked acquire returns not_committed at once
      std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(o.stop_ms));
      pool.commit();    // Run: same memory, nothing allocated
      stops.fetch_add(1);
      next_stop += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.stop_every_s));
    } else {
      std::this_thread::sleep_until(step);
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    char line[200];
    std::snprintf(line, sizeof line, "capture: %5.1f/%.1f s  captured %llu  dropped %llu  stopped %llu  stops %llu  out %u/%u",
                  std::max(0.0, elapsed), o.seconds, static_cast<unsigned long long>(f.captured.load()),
                  static_cast<unsigned long long>(f.dropped.load()), static_cast<unsigned long long>(f.stopped.load()),
                  static_cast<unsigned long long>(stops.load()), pool.stats().outstanding, granted.count);
    progress.update(line);
  }
  capture.join();
  capturing = false;
  for (auto& t : consumers) t.join();

  const Stats st = pool.stats();
  const double p50 = percentile(latency_us, 50), p99 = percentile(latency_us, 99),
               p999 = percentile(latency_us, 99.9);
  const double max = latency_us.empty() ? 0 : *std::max_element(latency_us.begin(), latency_us.end());
  const double drop_pct = total_frames ? 100.0 * static_cast<double>(f.dropped.load()) / static_cast<double>(total_frames) : 0;
  std::vector<std::string> problems;
  if (f.errors.load() != 0) problems.push_back("unexpected acquire errors");
  if (st.outstanding != 0 || st.free != st.count) problems.push_back("samples missing at the end");
  if (f.captured.load() != f.consumed.load()) problems.push_back("captured frames not all consumed");
  if (o.fail_on_drop_percent >= 0 && drop_pct > o.fail_on_drop_percent) problems.push_back("too many dropped frames");

  if (o.json) {
    nlohmann::json j{
        {"command", "capture"},
        {"ok", problems.empty()},
        {"problems", problems},
        {"config", {{"fps", o.fps}, {"frame_bytes", granted.size}, {"buffers", granted.count},
                    {"consumers", o.consumers}, {"process_us", o.process_us}, {"jitter_us", o.jitter_us},
                    {"distribution", o.distribution}, {"seconds", o.seconds}, {"stop_every_s", o.stop_every_s},
                    {"stop_ms", o.stop_ms}, {"backend", o.pool.backend}, {"free_list", o.pool.fifo ? "fifo" : "lifo"}}},
        {"frames", {{"expected", total_frames}, {"captured", f.captured.load()}, {"dropped", f.dropped.load()},
                    {"stopped", f.stopped.load()}, {"consumed", f.consumed.load()}}},
        {"drop_percent", drop_pct},
        {"stops", stops.load()},
        {"starvation", {{"periods", f.starvation_periods}, {"longest_frames", f.longest_starvation},
                        {"longest_ms", static_cast<double>(f.longest_starvation) * 1000.0 / o.fps}}},
        {"acquire_latency_us", {{"p50", p50}, {"p99", p99}, {"p99_9", p999}, {"max", max}}},
        {"pool", to_json(st)},
    };
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("capture: %.0f fps, %u buffers x %zu bytes, %u consumer(s), %.1f s, stop every %.1f s for %.0f ms\n",
                o.fps, granted.count, granted.size, o.consumers, o.seconds, o.stop_every_s, o.stop_ms);
    std::printf("frames:  %llu expected, %llu captured, %llu dropped (%.2f%%), %llu while stopped, %llu consumed\n",
                static_cast<unsigned long long>(total_frames), static_cast<unsigned long long>(f.captured.load()),
                static_cast<unsigned long long>(f.dropped.load()), drop_pct,
                static_cast<unsigned long long>(f.stopped.load()), static_cast<unsigned long long>(f.consumed.load()));
    std::printf("acquire latency (us): p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", p50, p99, p999, max);
    std::printf("starvation: %llu period(s), longest %llu frame(s) (%.1f ms)\n",
                static_cast<unsigned long long>(f.starvation_periods), static_cast<unsigned long long>(f.longest_starvation),
                static_cast<double>(f.longest_starvation) * 1000.0 / o.fps);
    std::printf("pool:    %s\n", one_line(st).c_str());
    for (const auto& p : problems) std::printf("problem: %s\n", p.c_str());
    std::printf("%s\n", problems.empty() ? "ok" : "FAILED");
  }
  return problems.empty() ? 0 : 1;
}

}  // namespace

void add_capture_command(CLI::App& app, int* status) {
  auto o = std::make_shared<CaptureOptions>();
  CLI::App* cmd = app.add_subcommand("capture", "Simulate a low-latency capture pipeline on a pool");
  cmd->add_option("--fps", o->fps, "frame rate")->check(CLI::Range(1.0, 100000.0))->capture_default_str();
  cmd->add_option("--frame-bytes", o->frame_bytes, "bytes per frame (default: 1920x1080 YUY2)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 32))->capture_default_str();
  cmd->add_option("--buffers", o->buffers, "samples in the pool")->check(CLI::Range(1u, 65536u))->capture_default_str();
  cmd->add_option("--consumers", o->consumers, "consumer threads")->check(CLI::Range(1u, 256u))->capture_default_str();
  cmd->add_option("--process-us", o->process_us, "mean processing time per frame (us)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--jitter-us", o->jitter_us, "uniform distribution's half-width (us)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--distribution", o->distribution, "processing time: fixed, uniform or exponential")
      ->check(CLI::IsMember({"fixed", "uniform", "exponential"}))->capture_default_str();
  cmd->add_option("--duration", o->seconds, "seconds to run")->check(CLI::Range(0.01, 1e7))->capture_default_str();
  cmd->add_option("--stop-every", o->stop_every_s, "seconds between Stop/Run cycles (0: never)")
      ->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--stop-ms", o->stop_ms, "how long each Stop lasts (ms)")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--fail-on-drop", o->fail_on_drop_percent, "exit 1 if more than this percent of frames drop");
  cmd->add_option("--seed", o->seed, "seed of the processing times")->capture_default_str();
  add_pool_options(*cmd, o->pool);
  add_output_options(*cmd, o->json, o->progress);
  cmd->callback([o, status] { *status = run_capture(*o); });
}

}  // namespace samplepool::tool
