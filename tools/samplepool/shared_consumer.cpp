// `samplepool shm-consumer`: see shared_consumer.hpp.
#include "shared_consumer.hpp"

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "consumer_process.hpp"
#include "numbers.hpp"
#include "run_clock.hpp"
#include "samplepool/shm/shared_pool.hpp"
#include "shared_frame.hpp"
#include "workload.hpp"

namespace samplepool::tool {
namespace {

using Clock = RunClock;
using namespace std::chrono_literals;

std::string exact(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Holds the frame for `d`, or less if the pool is decommitted meanwhile:
// the run is over, nobody waits for the work.
void hold(const shm::SharedPool& pool, std::chrono::nanoseconds d) {
  const Clock::time_point until = Clock::now() + d;
  if (d < 100us) {  // below a sleep's resolution
    while (Clock::now() < until) {
    }
    return;
  }
  sleep_until_or(until, [&pool] { return !pool.committed(); });
}

int run_consumer(const ConsumerArgs& a) {
  nlohmann::json report{{"received", 0}, {"content_errors", 0}};
  const auto finish = [&report](const std::string& error) {
    if (!error.empty()) report["error"] = error;
    std::printf("%s\n", report.dump().c_str());
    std::fflush(stdout);
    return error.empty() ? 0 : 1;
  };
  std::unique_ptr<shm::SharedPool> pool;
  if (const Errc e = shm::SharedPool::attach(ConsumerProcess::kSharedFd, &pool); e != Errc::ok) {
    return finish(std::string("attach: ") + to_string(e));
  }
  if (const Errc e = pool->subscribe(); e != Errc::ok) return finish(std::string("subscribe: ") + to_string(e));
  std::printf("%s\n", kReadyLine);
  std::fflush(stdout);
  Workload work(a.process_us, a.jitter_us, a.distribution, a.seed);
  std::uint64_t received = 0, errors = 0;
  Errc e = Errc::ok;
  for (shm::SharedSample s; (e = pool->receive(s)) == Errc::ok; s.reset()) {
    std::uint64_t seq = 0;
    if (!check_frame(s.data(), s.actual_length(), &seq)) ++errors;
    ++received;
    hold(*pool, work.next());
  }
  report["received"] = received;
  report["content_errors"] = errors;
  return finish(e == Errc::not_committed ? "" : std::string("receive: ") + to_string(e));
}

}  // namespace

std::vector<std::string> consumer_args(const ConsumerArgs& a) {
  return {"shm-consumer",   "--process-us", exact(a.process_us), "--jitter-us", exact(a.jitter_us),
          "--distribution", a.distribution, "--seed",            std::to_string(a.seed)};
}

bool parse_consumer_report(const std::string& line, ConsumerReport* out) {
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("received") || !j["received"].is_number_unsigned() ||
      !j.contains("content_errors") || !j["content_errors"].is_number_unsigned()) {
    return false;
  }
  out->received = j["received"].get<std::uint64_t>();
  out->content_errors = j["content_errors"].get<std::uint64_t>();
  out->error = j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
  return true;
}

void add_shared_consumer_command(CLI::App& app, int* status) {
  auto a = std::make_shared<ConsumerArgs>();
  CLI::App* cmd = app.add_subcommand("shm-consumer", "a consumer process of capture --consumer-processes");
  cmd->group("");  // hidden: only the producer starts it
  add_real(*cmd, "--process-us", a->process_us, 0, 1e9, "mean processing time per frame (us)");
  add_real(*cmd, "--jitter-us", a->jitter_us, 0, 1e9, "uniform distribution's half-width (us)");
  cmd->add_option("--distribution", a->distribution, "processing time: fixed, uniform or exponential")
      ->check(CLI::IsMember({"fixed", "uniform", "exponential"}));
  add_integer<std::uint64_t>(*cmd, "--seed", a->seed, 0, UINT64_MAX, "seed of the processing times");
  cmd->callback([a, status] { *status = run_consumer(*a); });
}

}  // namespace samplepool::tool
