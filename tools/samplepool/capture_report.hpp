// tools/samplepool/capture_report.hpp: the verdict on a capture run and its
// report, as text or JSON.
//
// Problems fail the run (exit 1): unexpected acquire errors, samples missing
// at the end, captured frames not all consumed, and with --fail-on-drop
// more lost frames (dropped + late) than that percentage. Without
// --fail-on-drop, losing more than kDropWarnPercent of the frames is a
// warning that names --fail-on-drop.
//
// Latency lines give each percentile with the sample count behind it; a
// percentile the count cannot support (p99.9 of fewer than 1000 samples is
// only the maximum) is shown as "-" in text and null in JSON, with a note.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "capture_run.hpp"

namespace samplepool::tool {

// Above this share of lost frames a run warns (a capture that loses one
// frame in a hundred is visibly broken).
inline constexpr double kDropWarnPercent = 1.0;

struct CaptureVerdict {
  std::vector<std::string> problems;
  std::vector<std::string> warnings;
  double lost_percent = 0;
  bool ok() const { return problems.empty(); }
};

CaptureVerdict judge(const CaptureOptions& o, const CaptureResult& r);
std::string capture_text(const CaptureOptions& o, const CaptureResult& r, const CaptureVerdict& v);
nlohmann::json capture_json(const CaptureOptions& o, const CaptureResult& r, const CaptureVerdict& v);

}  // namespace samplepool::tool
