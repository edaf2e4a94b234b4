// tools/samplepool/run_clock.hpp: the clock of the capture runs
// (capture_run.hpp, shared_capture_run.hpp), a duration from the options'
// seconds, and the one way they sleep.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace samplepool::tool {

using RunClock = std::chrono::steady_clock;

// `s` seconds (an option's value) as the clock's duration.
inline RunClock::duration from_seconds(double s) {
  return std::chrono::duration_cast<RunClock::duration>(std::chrono::duration<double>(s));
}

// Sleeps until `t`, or until `stop()` holds (checked every 20 ms); false
// when stopped. Every wait of a run goes through here, so none outlasts the
// end of the run (or an interrupt) by more than 20 ms.
template <class Stop>
bool sleep_until_or(RunClock::time_point t, Stop stop) {
  using namespace std::chrono_literals;
  for (;;) {
    if (stop()) return false;
    const RunClock::time_point now = RunClock::now();
    if (now >= t) return true;
    std::this_thread::sleep_until(std::min(t, now + 20ms));
  }
}

}  // namespace samplepool::tool
