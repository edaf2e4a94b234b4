// `samplepool capture --consumer-processes N` (shared_capture.hpp).
#include "shared_capture.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "interrupt.hpp"
#include "numbers.hpp"
#include "options.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "samplepool/shm/shared_pool.hpp"
#include "shared_frame.hpp"

extern char** environ;

namespace samplepool::tool {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kPoolFd = 3;  // the pool's fd in a consumer

// One consumer process: its pid and the read end of its stdout.
struct Consumer {
  pid_t pid = -1;
  int out = -1;
  std::string buffer;

  // The next line it wrote, or "" when none came before `deadline`.
  std::string read_line(Clock::time_point deadline) {
    for (;;) {
      if (const auto nl = buffer.find('\n'); nl != std::string::npos) {
        std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return "";
      pollfd p{out, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char chunk[512];
      const ssize_t n = read(out, chunk, sizeof chunk);
      if (n <= 0) return "";
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }
  // Waits for it to exit; its status, or -1 when it was still running at `deadline` (then killed).
  int reap(Clock::time_point deadline) {
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        close_out();
        return -1;
      }
      std::this_thread::sleep_for(2ms);
    }
    close_out();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  void close_out() {
    if (out >= 0) close(out);
    out = -1;
  }
};

// Starts a consumer (this program, `shm-consumer`) with the pool as fd 3 and
// waits for its "ready" (it has subscribed). Empty on success, else why not.
std::string start_consumer(int pool_fd, double process_us, Consumer* c) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return "pipe failed";
  c->buffer.clear();
  std::ostringstream us;
  us << process_us;
  std::vector<std::string> args = {"/proc/self/exe", "shm-consumer", "--fd", std::to_string(kPoolFd),
                                   "--process-us", us.str()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pool_fd, kPoolFd);
  const int r = posix_spawn(&c->pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  c->out = out[0];
  if (r != 0) {
    c->close_out();
    c->pid = -1;
    return "could not start a consumer process";
  }
  if (c->read_line(Clock::now() + 10s) != "ready") {
    c->reap(Clock::now());
    return "a consumer process did not subscribe";
  }
  return {};
}

struct SharedCaptureResult {
  std::uint64_t published = 0, delivered = 0, no_buffer = 0;
  std::uint64_t kills = 0;
  std::uint64_t received = 0, content_errors = 0;
  std::vector<std::string> consumer_errors;
  shm::SharedStats end;  // after every consumer is gone and every sample came back (or the wait ended)
  bool all_back = false;
  bool interrupted = false;
  std::uint32_t lost() const { return end.count - end.free; }
  bool ok() const {
    return all_back && lost() == 0 && content_errors == 0 && consumer_errors.empty() && !end.broken &&
           end.processes_reaped >= kills;
  }
};

std::string progress_line(double t, const SharedCaptureResult& r, const shm::SharedStats& s) {
  std::ostringstream line;
  line << "t=" << readable(t) << "s published " << r.published << ", delivered " << r.delivered
       << ", ring full " << s.dropped << ", killed " << r.kills << ", reaped " << s.processes_reaped
       << ", free " << s.free << "/" << s.count;
  return line.str();
}

std::string run(const CaptureOptions& o, const SharedCaptureOptions& so, SharedCaptureResult* r) {
  Properties props;
  props.count = o.buffers;
  props.size = o.frame_bytes < sizeof(std::uint64_t) ? sizeof(std::uint64_t) : o.frame_bytes;
  props.alignment = 64;
  shm::SharedOptions options;
  options.max_processes = so.consumer_processes + 2;  // the producer, the consumers, one replacement
  options.huge_pages = o.pool.backend_options().huge_pages;
  std::unique_ptr<shm::SharedPool> pool;
  if (const Errc e = shm::SharedPool::create(props, options, &pool); e != Errc::ok) {
    return std::string("shared pool: ") + to_string(e);
  }
  if (const Errc e = pool->commit(); e != Errc::ok) return std::string("commit: ") + to_string(e);
  std::vector<Consumer> consumers(so.consumer_processes);
  for (auto& c : consumers) {
    if (std::string why = start_consumer(pool->fd(), o.process_us, &c); !why.empty()) return why;
  }

  std::mt19937_64 rng(o.seed);
  std::exponential_distribution<double> kill_gap(so.kill_every_s > 0 ? 1.0 / so.kill_every_s : 1.0);
  const auto gap = [&] { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kill_gap(rng))); };
  const Clock::time_point t0 = Clock::now();
  const Clock::time_point end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / o.fps));
  Clock::time_point next_frame = t0;
  Clock::time_point next_kill = so.kill_every_s > 0 ? t0 + gap() : Clock::time_point::max();
  Progress progress(parse_mode(o.progress));
  std::uint64_t seq = 0;
  while (Clock::now() < end && !interrupted()) {
    std::this_thread::sleep_until(next_frame);
    next_frame += interval;
    shm::SharedSample s;
    const Errc e = pool->acquire_for(s, 100ms);
    if (e == Errc::timeout) {
      ++r->no_buffer;  // every sample held: the consumers are behind
    } else if (e != Errc::ok) {
      return std::string("acquire: ") + to_string(e);
    } else {
      write_frame(s.data(), s.size(), seq++);
      (void)s.set_actual_length(s.size());
      std::uint32_t delivered = 0;
      if (const Errc p = pool->publish(s, &delivered); p != Errc::ok) return std::string("publish: ") + to_string(p);
      ++r->published;
      r->delivered += delivered;
    }
    if (Clock::now() >= next_kill) {
      Consumer& victim = consumers[rng() % consumers.size()];
      kill(victim.pid, SIGKILL);
      victim.reap(Clock::now() + 5s);
      ++r->kills;
      if (std::string why = start_consumer(pool->fd(), o.process_us, &victim); !why.empty()) return why;
      next_kill += gap();
    }
    progress.update(progress_line(std::chrono::duration<double>(Clock::now() - t0).count(), *r, pool->stats()));
  }
  r->interrupted = interrupted();
  progress.finish();

  // Stop: every consumer drains what was queued to it, then its receive ends.
  (void)pool->decommit();
  for (auto& c : consumers) {
    const std::string line = c.read_line(Clock::now() + 10s);
    const int status = c.reap(Clock::now() + 5s);
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object()) {
      r->received += j.value("received", std::uint64_t{0});
      r->content_errors += j.value("content_errors", std::uint64_t{0});
      if (j.contains("error")) r->consumer_errors.push_back(j["error"].get<std::string>());
    }
    if (status != 0) r->consumer_errors.push_back("a consumer process ended with status " + std::to_string(status));
  }
  // The killed ones are reaped by this process's monitor (at once, on their
  // pidfds); then every sample must be free.
  const Clock::time_point deadline = Clock::now() + 5s;
  while (pool->stats().processes_reaped < r->kills && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  r->all_back = pool->wait_all_free_until(deadline) == Errc::ok;
  r->end = pool->stats();
  return {};
}

std::string report_text(const CaptureOptions& o, const SharedCaptureOptions& so, const SharedCaptureResult& r) {
  std::ostringstream t;
  t << "samplepool capture: " << so.consumer_processes << " consumer processes, a shared pool of " << o.buffers
    << " x " << o.frame_bytes << " bytes, " << readable(o.fps) << " fps for " << readable(o.seconds) << " s\n";
  t << "  frames:     published " << r.published << ", delivered " << r.delivered << " (to every consumer), "
    << "no free buffer " << r.no_buffer << ", ring full " << r.end.dropped << "\n";
  t << "  consumers:  received " << r.received << " (by those that ran to the end), content errors "
    << r.content_errors << "\n";
  if (so.kill_every_s > 0) {
    t << "  kills:      " << r.kills << " consumers killed (SIGKILL) and replaced; reaped " << r.end.processes_reaped
      << ", samples reclaimed from them " << r.end.samples_reclaimed << "\n";
  }
  for (const auto& e : r.consumer_errors) t << "  error:      " << e << "\n";
  t << "  pool:       free " << r.end.free << " of " << r.end.count << ", held " << r.end.held << ", queued "
    << r.end.queued << (r.end.broken ? ", BROKEN (corrupted)" : "") << "\n";
  t << "  lost: " << r.lost() << (r.lost() == 0 && r.all_back ? " (every sample came back)" : " SAMPLES LOST") << "\n";
  t << (r.ok() ? "ok\n" : "FAILED\n");
  return t.str();
}

nlohmann::json report_json(const SharedCaptureOptions& so, const SharedCaptureResult& r) {
  return nlohmann::json{
      {"command", "capture"},
      {"ok", r.ok()},
      {"interrupted", r.interrupted},
      {"processes",
       {{"consumers", so.consumer_processes},
        {"kill_every_s", so.kill_every_s},
        {"published", r.published},
        {"delivered", r.delivered},
        {"no_buffer", r.no_buffer},
        {"ring_full", r.end.dropped},
        {"received", r.received},
        {"content_errors", r.content_errors},
        {"consumer_errors", r.consumer_errors},
        {"kills", r.kills},
        {"reaped", r.end.processes_reaped},
        {"reclaimed", r.end.samples_reclaimed},
        {"count", r.end.count},
        {"free", r.end.free},
        {"held", r.end.held},
        {"queued", r.end.queued},
        {"broken", r.end.broken},
        {"lost", r.lost()}}}};
}

}  // namespace

void add_shared_capture_options(CLI::App& capture, SharedCaptureOptions& o) {
  add_integer<unsigned>(capture, "--consumer-processes", o.consumer_processes, 0, 30,
                        "consumers in processes of their own, over a shared pool (0: threads, --consumers)");
  add_checked<double>(
      capture, "--kill-consumers", o.kill_every_s,
      [](const std::string& s, double* out) { return check_duration(s, 0.001, 1e7, out); },
      "with --consumer-processes: kill a random consumer (SIGKILL) every DURATION on average and "
      "replace it; the report proves every sample came back")
      ->type_name("DURATION");
}

void validate_shared_capture(const CLI::App& capture, const CaptureOptions& o, const SharedCaptureOptions& so) {
  if (so.consumer_processes == 0) {
    if (capture.count("--kill-consumers") != 0) {
      throw CLI::ValidationError("--kill-consumers", "needs --consumer-processes");
    }
    return;
  }
  for (const char* name : {"--max-buffers", "--consumers", "--hoard", "--stop-every", "--fifo", "--no-cache",
                           "--backend", "--lock"}) {
    if (capture.count(name) != 0) {
      throw CLI::ValidationError(name, "has no meaning with --consumer-processes (a shared pool: fixed, in a memfd)");
    }
  }
  (void)o;
}

int run_shared_capture(const CaptureOptions& o, const SharedCaptureOptions& so) {
  SharedCaptureResult r;
  if (const std::string why = run(o, so, &r); !why.empty()) return fail("capture", why, o.json);
  emit(o.json ? report_json(so, r).dump(2) + "\n" : report_text(o, so, r));
  if (r.interrupted) return kInterruptedStatus;
  return r.ok() ? 0 : 1;
}

}  // namespace samplepool::tool
