#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace samplepool::tool {

bool parse_progress(const std::string& s, ProgressMode* out) {
  if (s == "auto") *out = ProgressMode::automatic;
  else if (s == "live") *out = ProgressMode::live;
  else if (s == "lines") *out = ProgressMode::lines;
  else if (s == "none") *out = ProgressMode::none;
  else return false;
  return true;
}

Progress::Progress(ProgressMode mode) {
  enabled_ = mode != ProgressMode::none;
  live_ = mode == ProgressMode::live || (mode == ProgressMode::automatic && isatty(STDERR_FILENO) == 1);
}

Progress::~Progress() { finish(); }

void Progress::finish() {
  if (live_ && dirty_) {
    std::fputc('\n', stderr);
    std::fflush(stderr);
  }
  dirty_ = false;
}

void Progress::update(const std::string& text, bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const auto every = live_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(1000);
  if (!force && now - last_ < every) return;
  last_ = now;
  if (live_) {
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    dirty_ = true;
  } else {
    std::fprintf(stderr, "%s\n", text.c_str());
  }
  std::fflush(stderr);
}

}  // namespace samplepool::tool
