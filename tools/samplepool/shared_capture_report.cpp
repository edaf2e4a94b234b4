// The report of a capture across processes: see shared_capture_report.hpp.
#include "shared_capture_report.hpp"

#include <cstdio>

namespace samplepool::tool {
namespace {

using ull = unsigned long long;

std::string joined(const std::vector<std::uint64_t>& v) {
  std::string s;
  for (const std::uint64_t x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return s;
}

}  // namespace

std::vector<std::string> judge_shared(const SharedCaptureResult& r) {
  std::vector<std::string> p;
  char buf[200];
  if (r.lost() != 0 || !r.all_back) {
    std::snprintf(buf, sizeof buf,
                  "%u of %u samples did not come back within %lld s of the end (held %u, queued %u)", r.lost(),
                  r.end.count, static_cast<long long>(kReturnTimeout.count()), r.end.held, r.end.queued);
    p.push_back(buf);
  }
  if (r.content_errors != 0) p.push_back(std::to_string(r.content_errors) + " frame(s) received with wrong content");
  for (const std::string& e : r.consumer_errors) p.push_back(e);
  if (r.end.processes_reaped < r.kills) {
    p.push_back("only " + std::to_string(r.end.processes_reaped) + " of " + std::to_string(r.kills) +
                " killed consumers were reaped by the pool");
  }
  if (r.end.broken) p.push_back("the shared pool's segment was found corrupted");
  return p;
}

std::string shared_capture_text(const CaptureOptions& o, const SharedCaptureOptions& so, const SharedCaptureResult& r,
                                const std::vector<std::string>& problems) {
  char buf[512];
  std::string s;
  std::snprintf(buf, sizeof buf,
                "capture: %g fps, %u buffers x %zu bytes in a shared pool, %u consumer process(es), %.1f s of %.1f "
                "s%s\n",
                o.fps, r.granted.count, r.granted.size, so.consumer_processes, r.elapsed_s, o.seconds,
                r.interrupted ? " (interrupted)" : "");
  s += buf;
  s += "memory:     memfd, huge pages " + r.arena.huge_pages;
  if (o.pool.huge_pages != "none" && o.pool.huge_pages != r.arena.huge_pages) {
    s += " (asked for " + o.pool.huge_pages + ")";
  }
  s += "\n";
  std::snprintf(buf, sizeof buf,
                "frames:     %llu published, %llu with no free buffer, %llu skipped (the producer was late)\n",
                static_cast<ull>(r.published), static_cast<ull>(r.no_buffer), static_cast<ull>(r.skipped));
  s += buf;
  std::snprintf(buf, sizeof buf,
                "delivered:  %llu (each frame to each subscribed consumer), %llu not (the consumer's ring was full)\n",
                static_cast<ull>(r.delivered), static_cast<ull>(r.end.dropped));
  s += buf;
  std::snprintf(buf, sizeof buf, "consumers:  received %s (by each consumer running at the end), content errors %llu\n",
                joined(r.received).c_str(), static_cast<ull>(r.content_errors));
  s += buf;
  if (so.kill_every_s > 0) {
    std::snprintf(buf, sizeof buf,
                  "kills:      %llu consumers killed (SIGKILL) and replaced; reaped %llu, samples reclaimed %llu\n",
                  static_cast<ull>(r.kills), static_cast<ull>(r.end.processes_reaped),
                  static_cast<ull>(r.end.samples_reclaimed));
    s += buf;
  }
  std::snprintf(buf, sizeof buf, "pool:       free %u of %u, held %u, queued %u\n", r.end.free, r.end.count,
                r.end.held, r.end.queued);
  s += buf;
  for (const auto& p : problems) s += "problem: " + p + "\n";
  s += "lost: " + std::to_string(r.lost()) + (r.lost() == 0 && r.all_back ? " (every sample came back)\n" : "\n");
  if (r.interrupted) s += "interrupted: the figures cover the part that ran\n";
  s += problems.empty() ? (r.interrupted ? "interrupted\n" : "ok\n") : "FAILED\n";
  return s;
}

nlohmann::json shared_capture_json(const CaptureOptions& o, const SharedCaptureOptions& so,
                                   const SharedCaptureResult& r, const std::vector<std::string>& problems) {
  return nlohmann::json{
      {"command", "capture"},
      {"ok", problems.empty() && !r.interrupted},
      {"interrupted", r.interrupted},
      {"problems", problems},
      {"config", {{"fps", o.fps}, {"frame_bytes", r.granted.size}, {"buffers", r.granted.count},
                  {"process_us", o.process_us}, {"jitter_us", o.jitter_us}, {"distribution", o.distribution},
                  {"seconds", o.seconds}, {"seed", o.seed}}},
      {"memory", {{"backend", "memfd"}, {"huge_pages_requested", o.pool.huge_pages},
                  {"huge_pages", r.arena.huge_pages}}},
      {"elapsed_s", r.elapsed_s},
      {"processes",
       {{"consumers", so.consumer_processes},
        {"kill_every_s", so.kill_every_s},
        {"published", r.published},
        {"no_buffer", r.no_buffer},
        {"skipped", r.skipped},
        {"delivered", r.delivered},
        {"ring_full", r.end.dropped},
        {"received", r.received_total()},
        {"received_per_consumer", r.received},
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

}  // namespace samplepool::tool
