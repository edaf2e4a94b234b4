// tools/samplepool/shared_capture_report.hpp: the verdict on a capture
// across processes (shared_capture_run.hpp) and its report, as text or JSON.
//
// Problems fail the run (exit 1): a sample that did not come back (lost:
// count - free after the wait), a frame whose content was wrong, a consumer
// that failed (an error, no report, a nonzero exit, or no exit in time), a
// killed consumer the pool never reaped, a segment found corrupted. The
// last line of the text says "lost: K" and then "ok", "interrupted" or
// "FAILED".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shared_capture_run.hpp"

namespace samplepool::tool {

std::vector<std::string> judge_shared(const SharedCaptureResult& r);
std::string shared_capture_text(const CaptureOptions& o, const SharedCaptureOptions& so, const SharedCaptureResult& r,
                                const std::vector<std::string>& problems);
nlohmann::json shared_capture_json(const CaptureOptions& o, const SharedCaptureOptions& so,
                                   const SharedCaptureResult& r, const std::vector<std::string>& problems);

}  // namespace samplepool::tool
