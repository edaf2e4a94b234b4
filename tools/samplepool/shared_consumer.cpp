// `samplepool shm-consumer` (hidden): one consumer process of the
// multi-process capture (shared_capture.hpp). It attaches to the pool on
// --fd, subscribes, says "ready" on stdout, then receives, checks, holds for
// --process-us and releases each frame until the producer decommits; last, it
// writes one JSON line with its counts and exits (0, or 1 when it could not
// attach or found the pool corrupted).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "numbers.hpp"
#include "samplepool/shm/shared_pool.hpp"
#include "shared_capture.hpp"
#include "shared_frame.hpp"

namespace samplepool::tool {
namespace {

struct ConsumerOptions {
  unsigned fd = 3;
  double process_us = 0;
};

void hold_for(double us) {
  if (us <= 0) return;
  const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(static_cast<long long>(us * 1e3));
  if (us >= 100) {
    std::this_thread::sleep_until(until);
  } else {
    while (std::chrono::steady_clock::now() < until) {  // below a sleep's resolution
    }
  }
}

int run_consumer(const ConsumerOptions& o) {
  // A Ctrl-C reaches the whole process group: the producer decides when we
  // stop (its decommit), so that what we hold goes back in order.
  signal(SIGINT, SIG_IGN);
  std::unique_ptr<shm::SharedPool> pool;
  nlohmann::json report{{"received", 0}, {"content_errors", 0}};
  auto finish = [&report](int status) {
    std::printf("%s\n", report.dump().c_str());
    std::fflush(stdout);
    return status;
  };
  if (const Errc e = shm::SharedPool::attach(static_cast<int>(o.fd), &pool); e != Errc::ok) {
    report["error"] = std::string("attach: ") + to_string(e);
    return finish(1);
  }
  if (const Errc e = pool->subscribe(); e != Errc::ok) {
    report["error"] = std::string("subscribe: ") + to_string(e);
    return finish(1);
  }
  std::printf("ready\n");
  std::fflush(stdout);
  std::uint64_t received = 0, errors = 0;
  Errc e = Errc::ok;
  for (shm::SharedSample s; (e = pool->receive(s)) == Errc::ok; s.reset()) {
    std::uint64_t seq = 0;
    if (!check_frame(s.data(), s.actual_length(), &seq)) ++errors;
    ++received;
    hold_for(o.process_us);
  }
  report["received"] = received;
  report["content_errors"] = errors;
  if (e != Errc::not_committed) {
    report["error"] = std::string("receive: ") + to_string(e);
    return finish(1);
  }
  return finish(0);
}

}  // namespace

void add_shared_consumer_command(CLI::App& app, int* status) {
  auto o = std::make_shared<ConsumerOptions>();
  CLI::App* cmd = app.add_subcommand("shm-consumer", "a consumer process of capture --consumer-processes");
  cmd->group("");  // hidden: the producer starts it
  add_integer<unsigned>(*cmd, "--fd", o->fd, 0, 1u << 20, "the shared pool's fd");
  add_real(*cmd, "--process-us", o->process_us, 0, 1e9, "time each frame is held (us)");
  cmd->callback([o, status] { *status = run_consumer(*o); });
}

}  // namespace samplepool::tool
