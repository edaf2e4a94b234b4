// tools/samplepool/workload.hpp: how long a consumer of `samplepool capture`
// "processes" a frame (--process-us, --jitter-us, --distribution), drawn
// from a seeded generator so that a run can be repeated.
//
// fixed        always the mean;
// uniform      from mean - jitter to mean + jitter;
// exponential  exponential with that mean (at least 1 us);
// a negative draw counts as zero. One Workload per consumer (not thread-safe).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <utility>

namespace samplepool::tool {

class Workload {
 public:
  Workload(double process_us, double jitter_us, std::string distribution, std::uint64_t seed)
      : process_us_(process_us), jitter_us_(jitter_us), distribution_(std::move(distribution)), rng_(seed) {}

  std::chrono::nanoseconds next() {
    double us = process_us_;
    if (distribution_ == "uniform") {
      us = std::uniform_real_distribution<double>(process_us_ - jitter_us_, process_us_ + jitter_us_)(rng_);
    } else if (distribution_ == "exponential") {
      us = std::exponential_distribution<double>(1.0 / std::max(1.0, process_us_))(rng_);
    }
    return std::chrono::nanoseconds(static_cast<std::int64_t>(std::max(0.0, us) * 1e3));
  }

 private:
  double process_us_;
  double jitter_us_;
  std::string distribution_;
  std::mt19937_64 rng_;
};

}  // namespace samplepool::tool
