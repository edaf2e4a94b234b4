// tools/samplepool/histogram.hpp: a latency histogram of fixed size.
//
// Log-linear buckets, in the spirit of HdrHistogram: values below 2^kBits
// (128 ns) have a bucket each; above, every power of two is split into
// 2^(kBits-1) equal buckets. A recorded value is therefore known to within
// 1/64 of itself, from 1 ns to 2^64 ns, in 3,776 counters (30 KiB) whatever
// the number of samples: a run's statistics never need memory in proportion
// to its duration x rate.
//
// Percentiles: value_at(p) is the middle of the bucket that holds the
// p-th percentile sample (by rank, ceil(p/100 * count)), clamped to the exact
// minimum and maximum. has_percentile(p) says whether the count supports it:
// p99.9 of fewer than 1000 samples is only the maximum under another name.
//
// Thread safety: none; one thread records, and reads after it is done.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace samplepool::tool {

class Histogram {
 public:
  static constexpr int kBits = 7;
  static constexpr std::uint64_t kHalf = std::uint64_t{1} << (kBits - 1);
  static constexpr std::size_t kBuckets = (64 - kBits) * kHalf + (std::uint64_t{1} << kBits);

  void record(std::uint64_t ns) noexcept {
    ++counts_[index_of(ns)];
    ++count_;
    sum_ += static_cast<double>(ns);
    min_ = std::min(min_, ns);
    max_ = std::max(max_, ns);
  }

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }
  double mean() const noexcept { return count_ ? sum_ / static_cast<double>(count_) : 0; }

  // True when at least one sample lies above the p-th percentile, so that it
  // differs from the maximum: count * (1 - p/100) >= 1.
  bool has_percentile(double p) const noexcept {
    return static_cast<double>(count_) * (1 - p / 100) >= 1 - 1e-9;
  }
  // The smallest count for which has_percentile(p) holds.
  static std::uint64_t samples_for(double p) noexcept {
    return static_cast<std::uint64_t>(std::ceil(1 / (1 - p / 100) - 1e-9));
  }

  std::uint64_t value_at(double p) const noexcept {
    if (count_ == 0) return 0;
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(p / 100 * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::clamp(middle_of(i), min(), max_);
    }
    return max_;
  }

  // Exposed for the tests.
  static std::size_t index_of(std::uint64_t v) noexcept {
    const int width = std::bit_width(v);
    if (width <= kBits) return static_cast<std::size_t>(v);
    const int shift = width - kBits;
    return static_cast<std::size_t>(static_cast<std::uint64_t>(shift) * kHalf + (v >> shift));
  }
  static std::uint64_t lowest_of(std::size_t i) noexcept {
    if (i < (std::size_t{1} << kBits)) return i;
    const std::uint64_t shift = i / kHalf - 1;
    const std::uint64_t mantissa = i - shift * kHalf;
    return mantissa << shift;
  }

 private:
  static std::uint64_t middle_of(std::size_t i) noexcept {
    const std::uint64_t lo = lowest_of(i);
    const std::uint64_t width = i < (std::size_t{1} << kBits) ? 1 : std::uint64_t{1} << (i / kHalf - 1);
    return lo + (width - 1) / 2;
  }

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

}  // namespace samplepool::tool
