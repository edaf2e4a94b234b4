// The capture pipeline: see capture_run.hpp.
#include "capture_run.hpp"

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <cstdio>
#include <thread>
#include <vector>

#include "interrupt.hpp"
#include "progress.hpp"
#include "run_clock.hpp"
#include "workload.hpp"

namespace samplepool::tool {
namespace {

using Clock = RunClock;
using namespace std::chrono_literals;

std::uint64_t ns_since(Clock::time_point t) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, std::chrono::nanoseconds(Clock::now() - t).count()));
}

// What the threads share while the run goes on. The counters are atomics
// for the progress line only (relaxed: nobody orders anything by them);
// the histograms belong to the capture thread until it is joined.
struct Shared {
  std::atomic<bool> stop{false};       // past the end, or interrupted: wind down
  std::atomic<bool> capturing{true};   // the capture thread still enqueues
  std::atomic<std::uint64_t> captured{0}, dropped{0}, late{0}, stopped{0}, errors{0}, overran{0};
  std::atomic<std::uint64_t> consumed{0}, cut_short{0};
  std::atomic<std::uint64_t> stops{0};
  bool stopping() const { return stop.load(std::memory_order_relaxed); }
};

void bump(std::atomic<std::uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }

// "DMA" into the frame, a byte per page; false if the run ended meanwhile
// (a huge frame's fill never holds the end up by more than one MiB).
bool fill(Sample& s, std::uint64_t frame, const Shared& sh) {
  for (std::size_t off = 0; off < s.size(); off += 4096) {
    s.data()[off] = std::byte(frame);
    if (off % (1 << 20) == 0 && off != 0 && sh.stopping()) return false;
  }
  return true;
}

// The warm measurement: the frame's buffer given back and acquired again at
// once, on the core the first acquire just warmed up. Only a Decommit in
// between can make it fail (nobody else acquires): its result is the
// frame's outcome.
Errc reacquire_warm(Pool& pool, Sample& s, Clock::time_point deadline, Histogram& warm) {
  s.reset();
  const Clock::time_point again = Clock::now();
  const Errc e = pool.acquire_until(s, deadline);
  if (e == Errc::ok) warm.record(ns_since(again));
  return e;
}

// One frame per period from t0 until `end`; see capture_run.hpp for the
// outcomes.
void capture_frames(Pool& pool, Clock::time_point t0, Clock::time_point end, Clock::duration period,
                    moodycamel::BlockingConcurrentQueue<Sample>& queue, Shared& sh, CaptureResult& r) {
  pthread_setname_np(pthread_self(), "capture");
  std::uint64_t run_of_drops = 0;
  const auto end_starvation = [&] {
    if (run_of_drops == 0) return;
    ++r.starvation_periods;
    r.longest_starvation = std::max(r.longest_starvation, run_of_drops);
    run_of_drops = 0;
  };
  for (std::uint64_t i = 0;; ++i) {
    const Clock::time_point arrival = t0 + period * static_cast<long>(i);
    if (arrival >= end || !sleep_until_or(arrival, [&] { return sh.stopping(); })) break;
    const Clock::time_point deadline = arrival + period;
    if (Clock::now() >= deadline) {  // behind: this frame's buffer is due already
      bump(sh.late);
      continue;
    }
    Sample s;
    const Clock::time_point asked = Clock::now();
    Errc e = pool.acquire_until(s, deadline);
    const std::uint64_t waited = ns_since(asked);
    if (e == Errc::ok) {
      r.cold.record(waited);
      e = reacquire_warm(pool, s, deadline, r.warm);
    }
    if (e == Errc::not_committed && sh.stopping()) break;  // interrupted: no outcome
    if (e == Errc::timeout) {
      bump(sh.dropped);
      r.dropped_wait.record(waited);
      ++run_of_drops;
      continue;
    }
    if (e == Errc::not_committed) {
      bump(sh.stopped);  // the stream is stopped: this frame is not captured
      continue;
    }
    if (e != Errc::ok) {
      bump(sh.errors);
      continue;
    }
    end_starvation();
    if (!fill(s, i, sh)) break;  // the run ended during the fill: not captured
    s.set_time(static_cast<std::int64_t>(i) * period.count(), static_cast<std::int64_t>(i + 1) * period.count());
    s.set_media_time(static_cast<std::int64_t>(i), static_cast<std::int64_t>(i + 1));
    s.set_sync_point(true);
    (void)s.set_actual_length(s.size());  // exactly the size: cannot overflow
    queue.enqueue(std::move(s));
    bump(sh.captured);
    if (Clock::now() > deadline) bump(sh.overran);
  }
  end_starvation();
}

// Processes frames until capturing ends and the queue is empty; at the end
// of the run a frame still in processing is cut short.
void consume_frames(const CaptureOptions& o, unsigned id, moodycamel::BlockingConcurrentQueue<Sample>& queue,
                    Shared& sh) {
  const std::string name = "consumer-" + std::to_string(id + 1);
  pthread_setname_np(pthread_self(), name.c_str());
  Workload work(o.process_us, o.jitter_us, o.distribution, o.seed * 31 + id);
  std::deque<Sample> kept;  // consumer-1's hoard: the newest --hoard frames
  const std::size_t hoard = id == 0 ? o.hoard : 0;
  Sample s;
  while (sh.capturing.load() || queue.size_approx() > 0) {
    if (!queue.wait_dequeue_timed(s, 5ms)) continue;
    s.note_holder();  // this thread holds it now, for the pool's holder report
    volatile std::byte sink = s.data()[0];  // read the frame header
    (void)sink;
    if (!sleep_until_or(Clock::now() + work.next(), [&] { return sh.stopping(); })) bump(sh.cut_short);
    if (hoard != 0) {
      kept.push_back(std::move(s));
      if (kept.size() > hoard) kept.pop_front();  // the oldest goes back to the pool
    }
    s.reset();  // back to the pool: wakes the capture thread if it waits
    bump(sh.consumed);
  }
}

// The pool's starvation report, on the capture thread: the first one is kept.
void on_starved(void* context, const HolderReport& report, std::chrono::nanoseconds) {
  auto* r = static_cast<CaptureResult*>(context);
  if (r->starved.holders.empty()) r->starved = report;
}

std::string progress_line(const CaptureOptions& o, const Shared& sh, double elapsed, Pool& pool, std::uint32_t count) {
  char line[240];
  std::snprintf(line, sizeof line,
                "capture: %5.1f/%.1f s  captured %llu  dropped %llu  late %llu  stopped %llu  stops %llu  out %u/%u",
                std::max(0.0, elapsed), o.seconds, static_cast<unsigned long long>(sh.captured.load()),
                static_cast<unsigned long long>(sh.dropped.load()), static_cast<unsigned long long>(sh.late.load()),
                static_cast<unsigned long long>(sh.stopped.load()), static_cast<unsigned long long>(sh.stops.load()),
                pool.stats().outstanding, count);
  return line;
}

// The Stop/Run schedule and the progress line, on the calling thread, until
// the end or an interrupt.
void control(const CaptureOptions& o, Pool& pool, Clock::time_point t0, Clock::time_point end, Shared& sh,
             std::uint32_t count, CaptureResult& r) {
  Progress progress(parse_mode(o.progress));
  const auto was_interrupted = [] { return interrupted(); };
  Clock::time_point next_stop = t0 + from_seconds(o.stop_every_s);
  while (Clock::now() < end && !interrupted()) {
    const Clock::time_point step = std::min(end, Clock::now() + 100ms);
    if (o.stop_every_s > 0 && next_stop < step) {
      if (sleep_until_or(next_stop, was_interrupted)) {
        (void)pool.decommit();  // Stop: a blocked acquire returns not_committed at once
        sleep_until_or(Clock::now() + from_seconds(o.stop_ms / 1e3), was_interrupted);
        (void)pool.commit();    // Run: same memory, nothing allocated (cannot fail once committed)
        bump(sh.stops);
      }
      next_stop += from_seconds(o.stop_every_s);
    } else {
      sleep_until_or(step, was_interrupted);
    }
    progress.update(progress_line(o, sh, std::chrono::duration<double>(Clock::now() - t0).count(), pool, count));
  }
  r.interrupted = interrupted();
  sh.stop = true;
  if (r.interrupted) (void)pool.decommit();  // a blocked acquire returns at once
  progress.update(progress_line(o, sh, std::chrono::duration<double>(Clock::now() - t0).count(), pool, count), true);
  progress.finish();
}

// Where the samples live, as the kernel says: one sample taken and given back.
ArenaReport probe_arena(Pool& pool) {
  Sample s;
  if (pool.try_acquire(s) != Errc::ok) return {};
  return inspect_arena(s.data());
}

}  // namespace

std::string run_capture_pipeline(const CaptureOptions& o, CaptureResult* out) {
  CaptureResult& r = *out;
  PoolOptions options = o.pool.options();
  options.holder_ages = true;  // the report says how long each holder has kept its oldest
  Pool pool(options);
  if (const Errc e = pool.set_properties({o.buffers, o.frame_bytes, 64, 0, o.max_buffers}, &r.granted);
      e != Errc::ok) {
    return std::string("set_properties: ") + to_string(e) + " (" + std::to_string(o.buffers) + " x " +
           std::to_string(o.frame_bytes) + " bytes)";
  }
  const Clock::duration period = from_seconds(1.0 / o.fps);
  // Half a frame period without a buffer: say who holds them (once, kept).
  (void)pool.set_starvation_report(period / 2, on_starved, &r);  // decommitted, nothing out: cannot fail
  if (const Errc e = pool.commit(); e != Errc::ok) {
    std::string why = std::string("commit: ") + to_string(e) + " (" + std::to_string(r.granted.count) + " x " +
                      std::to_string(r.granted.size) + " bytes)";
    if (e == Errc::not_supported && o.pool.lock) {
      why += ": " + explain_lock_refusal(static_cast<std::size_t>(r.granted.count) * r.granted.size);
    }
    return why;
  }
  r.arena = probe_arena(pool);
  const Clock::time_point t0 = Clock::now() + 10ms;
  const Clock::time_point end = t0 + from_seconds(o.seconds);
  moodycamel::BlockingConcurrentQueue<Sample> queue;
  Shared sh;
  std::vector<std::thread> consumers;
  for (unsigned c = 0; c < o.consumers; ++c) consumers.emplace_back(consume_frames, std::cref(o), c, std::ref(queue), std::ref(sh));
  std::thread capture(capture_frames, std::ref(pool), t0, end, period, std::ref(queue), std::ref(sh), std::ref(r));
  control(o, pool, t0, end, sh, r.granted.count, r);
  capture.join();
  sh.capturing = false;
  for (auto& t : consumers) t.join();
  r.elapsed_s = std::max(0.0, std::chrono::duration<double>(Clock::now() - t0).count());
  r.captured = sh.captured;
  r.dropped = sh.dropped;
  r.late = sh.late;
  r.stopped = sh.stopped;
  r.errors = sh.errors;
  r.overran = sh.overran;
  r.consumed = sh.consumed;
  r.cut_short = sh.cut_short;
  r.stops = sh.stops;
  r.pool = pool.stats();
  return {};
}

}  // namespace samplepool::tool
