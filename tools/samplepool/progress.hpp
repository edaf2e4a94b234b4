// tools/samplepool/progress.hpp: progress output for long runs.
//
// On a terminal: one live line, rewritten in place (at most 5 times a
// second). Otherwise (a pipe, a CI log): a plain line at most once a second.
// Always on stderr, so stdout stays clean for --json. Call finish() before
// printing the report: on a terminal both streams share one screen, and the
// report must not start on the progress line.
#pragma once

#include <chrono>
#include <string>

namespace samplepool::tool {

enum class ProgressMode { automatic, live, lines, none };

// Parses "auto", "live", "lines", "none".
bool parse_progress(const std::string& s, ProgressMode* out);

class Progress {
 public:
  explicit Progress(ProgressMode mode);
  ~Progress();  // finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  // Shows `text` if enough time has passed since the last update (or `force`).
  void update(const std::string& text, bool force = false);
  // Ends a live line with a newline (once); later updates start a new one.
  void finish();

 private:
  bool live_ = false;
  bool enabled_ = true;
  bool dirty_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace samplepool::tool
