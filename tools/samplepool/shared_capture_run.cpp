// The capture pipeline across processes: see shared_capture_run.hpp.
#include "shared_capture_run.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <numeric>
#include <random>
#include <thread>

#include "consumer_process.hpp"
#include "interrupt.hpp"
#include "progress.hpp"
#include "run_clock.hpp"
#include "shared_consumer.hpp"
#include "shared_frame.hpp"

namespace samplepool::tool {
namespace {

using Clock = RunClock;
using namespace std::chrono_literals;

// The consumer processes, one per slot; a killed one's replacement takes
// its slot. Each is started with a seed of its own and subscribes in the
// background: the producer goes on meanwhile and looks for its "ready" line
// in check_started().
class Consumers {
 public:
  Consumers(const CaptureOptions& o, const shm::SharedPool& pool, unsigned n) : o_(o), pool_(pool), slots_(n) {}

  // Starts the consumer of `slot`; "" or why it could not.
  std::string start(std::size_t slot) {
    const ConsumerArgs args{o_.process_us, o_.jitter_us, o_.distribution, o_.seed * 31 + started_++};
    Slot& s = slots_[slot];
    s.ready = false;
    s.ready_by = Clock::now() + kConsumerStart;
    if (std::string why = s.process.start(consumer_args(args), pool_.fd()); !why.empty()) {
      return failed(slot, why);
    }
    return {};
  }

  // SIGKILL, wherever it is, and a replacement.
  std::string kill_and_replace(std::size_t slot) {
    slots_[slot].process.kill();
    return start(slot);
  }

  // Looks for the "ready" line of each consumer still starting, waiting for
  // it (up to kConsumerStart after the start) if `wait`; "" or why one
  // failed to subscribe.
  std::string check_started(bool wait) {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      Slot& s = slots_[i];
      if (s.ready) continue;
      const std::optional<std::string> line = s.process.read_line(wait ? s.ready_by : Clock::now());
      if (line && *line == kReadyLine) {
        s.ready = true;
        continue;
      }
      ConsumerReport report;
      if (line && parse_consumer_report(*line, &report) && !report.error.empty()) return failed(i, report.error);
      if (line) return failed(i, "it said " + *line);
      if (Clock::now() >= s.ready_by) {
        return failed(i, "it did not subscribe within " + std::to_string(kConsumerStart.count()) + " s");
      }
    }
    return {};
  }

  // After the decommit: each one's report and exit, into `r`.
  void collect(SharedCaptureResult& r) {
    r.received.assign(slots_.size(), 0);
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      ConsumerProcess& c = slots_[i].process;
      const std::string name = "consumer " + std::to_string(i + 1);
      const Clock::time_point deadline = Clock::now() + kConsumerExit;
      const std::optional<std::string> line = c.read_line(deadline);
      const std::optional<ConsumerProcess::Exit> exit = c.wait_until(deadline);
      ConsumerReport report;
      if (line && parse_consumer_report(*line, &report)) {
        r.received[i] = report.received;
        r.content_errors += report.content_errors;
        if (!report.error.empty()) r.consumer_errors.push_back(name + ": " + report.error);
      } else {
        r.consumer_errors.push_back(name + " sent no report");
      }
      if (!exit) {
        r.consumer_errors.push_back(name + " did not exit within " + std::to_string(kConsumerExit.count()) +
                                    " s of the decommit (killed)");
      } else if (!exit->ok()) {
        r.consumer_errors.push_back(name + " " + exit->describe());
      }
    }
  }

  std::size_t size() const { return slots_.size(); }

  // The slots whose consumer has subscribed (and so has a record in the
  // pool, which its death must free).
  std::vector<std::size_t> ready() const {
    std::vector<std::size_t> v;
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].ready) v.push_back(i);
    }
    return v;
  }

 private:
  struct Slot {
    ConsumerProcess process;
    Clock::time_point ready_by;
    bool ready = false;  // it said "ready": it has subscribed
  };

  std::string failed(std::size_t slot, const std::string& why) {
    slots_[slot].process.kill();
    return "consumer " + std::to_string(slot + 1) + " could not start: " + why;
  }

  const CaptureOptions& o_;
  const shm::SharedPool& pool_;
  std::vector<Slot> slots_;  // never resized: a ConsumerProcess does not move
  std::uint64_t started_ = 0;
};

// The soak's schedule: when the next kill is due, and whom it hits.
class KillSchedule {
 public:
  KillSchedule(double mean_s, std::uint64_t seed, Clock::time_point t0)
      : rng_(seed), gap_(mean_s > 0 ? 1.0 / mean_s : 1.0), next_(mean_s > 0 ? t0 + draw() : Clock::time_point::max()) {}
  bool due(Clock::time_point now) const { return now >= next_; }
  // The victim among `candidates` (not empty); schedules the next kill.
  std::size_t victim(const std::vector<std::size_t>& candidates, Clock::time_point now) {
    next_ = now + draw();
    return candidates[std::uniform_int_distribution<std::size_t>(0, candidates.size() - 1)(rng_)];
  }

 private:
  Clock::duration draw() { return from_seconds(gap_(rng_)); }
  std::mt19937_64 rng_;
  std::exponential_distribution<double> gap_;
  Clock::time_point next_;
};

std::string progress_line(const CaptureOptions& o, double elapsed, const SharedCaptureResult& r,
                          const shm::SharedStats& s) {
  char line[240];
  std::snprintf(line, sizeof line,
                "capture: %5.1f/%.1f s  published %llu  no buffer %llu  ring full %llu  killed %llu  reaped %llu  "
                "free %u/%u",
                std::max(0.0, elapsed), o.seconds, static_cast<unsigned long long>(r.published),
                static_cast<unsigned long long>(r.no_buffer), static_cast<unsigned long long>(s.dropped),
                static_cast<unsigned long long>(r.kills), static_cast<unsigned long long>(s.processes_reaped), s.free,
                s.count);
  return line;
}

// Where the samples live, as the kernel says: one sample taken and given back.
ArenaReport probe_arena(shm::SharedPool& pool) {
  shm::SharedSample s;
  if (pool.try_acquire(s) != Errc::ok) return {};
  return inspect_arena(s.data());
}

}  // namespace

std::uint64_t SharedCaptureResult::received_total() const {
  return std::accumulate(received.begin(), received.end(), std::uint64_t{0});
}

std::string run_shared_pipeline(const CaptureOptions& o, const SharedCaptureOptions& so, SharedCaptureResult* out) {
  SharedCaptureResult& r = *out;
  shm::SharedOptions options;
  // The producer, the consumers, and a killed one not reaped yet when its
  // replacement attaches (attach reaps the dead when the records run out).
  options.max_processes = so.consumer_processes + 2;
  options.huge_pages = o.pool.backend_options().huge_pages;
  const std::size_t size = std::max(o.frame_bytes, kFrameHeaderBytes);
  std::unique_ptr<shm::SharedPool> pool;
  if (const Errc e = shm::SharedPool::create({o.buffers, size, 64, 0, 0}, options, &pool); e != Errc::ok) {
    return std::string("shared pool: ") + to_string(e) + " (" + std::to_string(o.buffers) + " x " +
           std::to_string(size) + " bytes, " + std::to_string(options.max_processes) + " processes)";
  }
  r.granted = pool->properties();
  if (const Errc e = pool->commit(); e != Errc::ok) return std::string("commit: ") + to_string(e);
  r.arena = probe_arena(*pool);
  Consumers consumers(o, *pool, so.consumer_processes);  // after the pool: killed before it goes
  for (std::size_t i = 0; i < consumers.size(); ++i) {
    if (std::string why = consumers.start(i); !why.empty()) return why;
  }
  if (std::string why = consumers.check_started(true); !why.empty()) return why;

  const Clock::time_point t0 = Clock::now();
  const Clock::time_point end = t0 + from_seconds(o.seconds);
  const Clock::duration period = from_seconds(1.0 / o.fps);
  KillSchedule kills(so.kill_every_s, o.seed, t0);
  Progress progress(parse_mode(o.progress));
  const auto elapsed = [t0] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  std::uint64_t seq = 0;
  Clock::time_point next_progress = t0;
  for (Clock::time_point arrival = t0; arrival < end && !interrupted();) {
    sleep_until_or(arrival, interrupted);
    const Clock::time_point due = std::min(arrival + period, end);  // the next frame's arrival
    shm::SharedSample s;
    const Errc e = pool->acquire_until(s, due);
    if (e == Errc::timeout) {
      ++r.no_buffer;  // every sample held: the consumers are behind
    } else if (e != Errc::ok) {
      return std::string("acquire: ") + to_string(e);
    } else {
      write_frame(s.data(), s.size(), seq++);
      (void)s.set_actual_length(s.size());  // exactly the size: cannot overflow
      std::uint32_t delivered = 0;
      if (const Errc p = pool->publish(s, &delivered); p != Errc::ok) return std::string("publish: ") + to_string(p);
      ++r.published;
      r.delivered += delivered;
    }
    s.reset();
    // Only a consumer that has subscribed is a victim: each one killed had
    // a record, so the pool must reap exactly as many as were killed.
    if (kills.due(Clock::now())) {
      if (const std::vector<std::size_t> ready = consumers.ready(); !ready.empty()) {
        if (std::string why = consumers.kill_and_replace(kills.victim(ready, Clock::now())); !why.empty()) return why;
        ++r.kills;
      }
    }
    if (std::string why = consumers.check_started(false); !why.empty()) return why;
    if (Clock::now() >= next_progress) {  // stats() reads every sample's word: not per frame
      progress.update(progress_line(o, elapsed(), r, pool->stats()));
      next_progress = Clock::now() + 100ms;
    }
    arrival += period;
    if (const Clock::time_point now = Clock::now(); now > arrival + period) {  // behind: skip the frames missed
      const auto missed = (now - arrival) / period;
      r.skipped += static_cast<std::uint64_t>(missed);
      arrival += missed * period;
    }
  }
  r.interrupted = interrupted();
  r.elapsed_s = std::max(0.0, elapsed());
  progress.update(progress_line(o, r.elapsed_s, r, pool->stats()), true);
  progress.finish();

  // Every consumer subscribed, so that each one's report covers the same end.
  if (std::string why = consumers.check_started(true); !why.empty()) return why;
  (void)pool->decommit();  // each consumer's receive ends once its queue is empty
  consumers.collect(r);
  // The killed ones are reaped by the pool's monitor (at once, on their
  // pidfds); then every sample must be free.
  const Clock::time_point deadline = Clock::now() + kReturnTimeout;
  while (pool->stats().processes_reaped < r.kills && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  r.all_back = pool->wait_all_free_until(deadline) == Errc::ok;
  r.end = pool->stats();
  return {};
}

}  // namespace samplepool::tool
