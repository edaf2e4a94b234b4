#include "capture_report.hpp"

#include <cstdio>

#include "stats_json.hpp"

namespace samplepool::tool {
namespace {

constexpr double kPercentiles[] = {50, 99, 99.9};

// What each histogram measures, for both report forms.
constexpr const char* kColdMeaning =
    "acquire_until() as the capture thread calls it after sleeping a frame period: mostly the cost of waking "
    "on a cold core (caches, predictors, frequency), not the pool's own";
constexpr const char* kWarmMeaning =
    "the buffer given back and acquired again at once, on the now-warm core: the pool's own cost";
constexpr const char* kDroppedMeaning =
    "how long each dropped frame waited before it timed out: a lower bound of its latency";

std::string us(std::uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ns < 10000 ? "%.2f" : "%.1f", static_cast<double>(ns) / 1e3);
  return buf;
}

std::string pct_name(double p) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "p%g", p);
  return buf;
}

// "name (us; N samples): p50 1.20  p99 3.40  p99.9 -  max 9.00" and why a
// percentile is missing.
std::string latency_text(const char* name, const Histogram& h, const char* meaning) {
  std::string line = std::string(name) + " (us; " + std::to_string(h.count()) + " samples):";
  if (h.count() == 0) return line + " none\n           " + meaning + "\n";
  std::string missing;
  for (double p : kPercentiles) {
    line += "  " + pct_name(p) + " " + (h.has_percentile(p) ? us(h.value_at(p)) : std::string("-"));
    if (!h.has_percentile(p) && missing.empty()) {
      missing = " (" + pct_name(p) + " needs " + std::to_string(Histogram::samples_for(p)) + " samples)";
    }
  }
  return line + "  max " + us(h.max()) + missing + "\n           " + meaning + "\n";
}

nlohmann::json latency_json(const Histogram& h, const char* meaning) {
  nlohmann::json j{{"samples", h.count()}, {"measures", meaning}};
  for (double p : kPercentiles) {
    std::string key = pct_name(p);
    for (char& c : key) c = c == '.' ? '_' : c;
    j[key] = h.has_percentile(p) ? nlohmann::json(static_cast<double>(h.value_at(p)) / 1e3) : nlohmann::json();
  }
  j["max"] = static_cast<double>(h.max()) / 1e3;
  j["mean"] = h.mean() / 1e3;
  return j;
}

std::string memory_text(const CaptureOptions& o, const CaptureResult& r) {
  std::string s = "memory:  backend " + o.pool.backend + ", huge pages " + r.arena.huge_pages;
  if (o.pool.huge_pages != "none" && o.pool.huge_pages != r.arena.huge_pages) {
    s += " (asked for " + o.pool.huge_pages + ")";
  }
  s += r.arena.known ? (r.arena.locked ? ", locked" : ", not locked") : ", locked unknown";
  return s + "\n";
}

}  // namespace

CaptureVerdict judge(const CaptureOptions& o, const CaptureResult& r) {
  CaptureVerdict v;
  const std::uint64_t expected = r.expected();
  v.lost_percent = expected ? 100.0 * static_cast<double>(r.lost()) / static_cast<double>(expected) : 0;
  if (r.errors != 0) v.problems.push_back("unexpected acquire errors");
  if (r.pool.outstanding != 0 || r.pool.free != r.pool.count) v.problems.push_back("samples missing at the end");
  if (r.captured != r.consumed) v.problems.push_back("captured frames not all consumed");
  char buf[200];
  if (o.fail_on_drop_percent >= 0 && v.lost_percent > o.fail_on_drop_percent) {
    std::snprintf(buf, sizeof buf, "too many lost frames: %.2f%% > --fail-on-drop %g%%", v.lost_percent,
                  o.fail_on_drop_percent);
    v.problems.push_back(buf);
  } else if (o.fail_on_drop_percent < 0 && v.lost_percent > kDropWarnPercent) {
    std::snprintf(buf, sizeof buf,
                  "%.2f%% of the frames were lost (dropped or late), more than %g%%; add --fail-on-drop PCT to "
                  "make such a run fail",
                  v.lost_percent, kDropWarnPercent);
    v.warnings.push_back(buf);
  }
  if (r.late != 0) {
    v.warnings.push_back("the capture thread fell behind: " + std::to_string(r.late) +
                         " frame(s) were reached only after their deadline and were not captured");
  }
  return v;
}

std::string capture_text(const CaptureOptions& o, const CaptureResult& r, const CaptureVerdict& v) {
  char buf[512];
  std::string s;
  std::snprintf(buf, sizeof buf,
                "capture: %g fps, %u buffers x %zu bytes, %u consumer(s), %.1f s of %.1f s, stop every %g s for %g "
                "ms%s\n",
                o.fps, r.granted.count, r.granted.size, o.consumers, r.elapsed_s, o.seconds, o.stop_every_s,
                o.stop_ms, r.interrupted ? " (interrupted)" : "");
  s += buf;
  s += memory_text(o, r);
  std::snprintf(buf, sizeof buf,
                "frames:  %llu expected, %llu captured, %llu dropped, %llu late (%.2f%% lost), %llu while stopped, "
                "%llu consumed (%llu cut short at the end)\n",
                static_cast<unsigned long long>(r.expected()), static_cast<unsigned long long>(r.captured),
                static_cast<unsigned long long>(r.dropped), static_cast<unsigned long long>(r.late), v.lost_percent,
                static_cast<unsigned long long>(r.stopped), static_cast<unsigned long long>(r.consumed),
                static_cast<unsigned long long>(r.cut_short));
  s += buf;
  s += latency_text("acquire latency, cold", r.cold, kColdMeaning);
  s += latency_text("acquire latency, warm", r.warm, kWarmMeaning);
  s += latency_text("dropped frames waited", r.dropped_wait, kDroppedMeaning);
  std::snprintf(buf, sizeof buf, "starvation: %llu period(s), longest %llu frame(s) (%.1f ms)\n",
                static_cast<unsigned long long>(r.starvation_periods),
                static_cast<unsigned long long>(r.longest_starvation),
                static_cast<double>(r.longest_starvation) * 1000.0 / o.fps);
  s += buf;
  s += "pool:    " + one_line(r.pool) + " (acquires count each frame twice: the warm measurement)\n";
  if (r.pool.max_count > r.granted.count) {
    std::snprintf(buf, sizeof buf, "growth:  %u buffers at the start, grew %llu time(s) to %u of at most %u%s\n",
                  r.granted.count, static_cast<unsigned long long>(r.pool.growths), r.pool.count, r.pool.max_count,
                  r.pool.growth_failures != 0
                      ? (", " + std::to_string(r.pool.growth_failures) + " growth(s) refused by the backend").c_str()
                      : "");
    s += buf;
  }
  if (r.pool.starvation_reports != 0) {
    s += "holders: when the capture first waited half a frame period: " + r.starved.describe() + " (" +
         std::to_string(r.pool.starvation_reports) + " such wait(s))\n";
  } else {
    s += "holders: the capture never waited half a frame period for a buffer\n";
  }
  for (const auto& w : v.warnings) s += "warning: " + w + "\n";
  for (const auto& p : v.problems) s += "problem: " + p + "\n";
  if (r.interrupted) s += "interrupted: the figures cover the part that ran\n";
  s += v.ok() ? (r.interrupted ? "interrupted\n" : "ok\n") : "FAILED\n";
  return s;
}

nlohmann::json capture_json(const CaptureOptions& o, const CaptureResult& r, const CaptureVerdict& v) {
  return nlohmann::json{
      {"command", "capture"},
      {"ok", v.ok() && !r.interrupted},
      {"interrupted", r.interrupted},
      {"problems", v.problems},
      {"warnings", v.warnings},
      {"config", {{"fps", o.fps}, {"frame_bytes", r.granted.size}, {"buffers", r.granted.count},
                  {"max_buffers", r.granted.max_count}, {"hoard", o.hoard},
                  {"consumers", o.consumers}, {"process_us", o.process_us}, {"jitter_us", o.jitter_us},
                  {"distribution", o.distribution}, {"seconds", o.seconds}, {"stop_every_s", o.stop_every_s},
                  {"stop_ms", o.stop_ms}, {"backend", o.pool.backend}, {"free_list", o.pool.fifo ? "fifo" : "lifo"},
                  {"fail_on_drop_percent", o.fail_on_drop_percent >= 0 ? nlohmann::json(o.fail_on_drop_percent)
                                                                        : nlohmann::json()}}},
      {"memory", {{"backend", o.pool.backend}, {"huge_pages_requested", o.pool.huge_pages},
                  {"huge_pages", r.arena.huge_pages}, {"lock_requested", o.pool.lock},
                  {"locked", r.arena.known ? nlohmann::json(r.arena.locked) : nlohmann::json()}}},
      {"elapsed_s", r.elapsed_s},
      {"frames", {{"expected", r.expected()}, {"captured", r.captured}, {"dropped", r.dropped}, {"late", r.late},
                  {"stopped", r.stopped}, {"errors", r.errors}, {"consumed", r.consumed},
                  {"cut_short", r.cut_short}, {"overran", r.overran}}},
      {"lost_percent", v.lost_percent},
      {"stops", r.stops},
      {"starvation", {{"periods", r.starvation_periods}, {"longest_frames", r.longest_starvation},
                      {"longest_ms", static_cast<double>(r.longest_starvation) * 1000.0 / o.fps}}},
      {"acquire_latency_us", {{"cold", latency_json(r.cold, kColdMeaning)},
                              {"warm", latency_json(r.warm, kWarmMeaning)},
                              {"dropped_waited", latency_json(r.dropped_wait, kDroppedMeaning)}}},
      {"pool", to_json(r.pool)},
      {"growth", {{"initial", r.granted.count}, {"max", r.pool.max_count}, {"count", r.pool.count},
                  {"growths", r.pool.growths}, {"failures", r.pool.growth_failures}}},
      {"holders", {{"starvation_reports", r.pool.starvation_reports},
                   {"at_starvation", r.pool.starvation_reports != 0 ? to_json(r.starved) : nlohmann::json()}}},
  };
}

}  // namespace samplepool::tool
