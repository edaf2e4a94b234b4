// The capture report's latency histogram (tools/samplepool/histogram.hpp).
#include "histogram.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace samplepool::tool {
namespace {

TEST(Histogram, BucketsCoverEveryValueInOrder) {
  std::size_t last = 0;
  for (std::uint64_t v = 0; v < 100000; ++v) {
    const std::size_t i = Histogram::index_of(v);
    ASSERT_GE(i, last) << v;
    ASSERT_LE(Histogram::lowest_of(i), v) << v;
    last = i;
  }
  EXPECT_LT(Histogram::index_of(std::numeric_limits<std::uint64_t>::max()), Histogram::kBuckets);
  EXPECT_EQ(Histogram::index_of(std::numeric_limits<std::uint64_t>::max()), Histogram::kBuckets - 1);
}

TEST(Histogram, RelativeErrorBelowOneIn64) {
  for (std::uint64_t v : {1ull, 127ull, 128ull, 1000ull, 123456ull, 987654321ull, 1ull << 62}) {
    Histogram one;
    one.record(v);
    one.record(v + v / 2 + 1);  // so that value_at(1) is not clamped to both ends
    const double got = static_cast<double>(one.value_at(1));
    EXPECT_NEAR(got, static_cast<double>(v), static_cast<double>(v) / 64 + 1) << v;
  }
}

TEST(Histogram, PercentilesAndCounts) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 1000; ++v) h.record(v * 1000);  // 1 us .. 1 ms
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_EQ(h.max(), 1000000u);
  EXPECT_NEAR(static_cast<double>(h.value_at(50)), 500000, 500000 / 64.0);
  EXPECT_NEAR(static_cast<double>(h.value_at(99)), 990000, 990000 / 64.0);
  EXPECT_NEAR(h.mean(), 500500, 1);
  EXPECT_TRUE(h.has_percentile(99.9));
}

TEST(Histogram, PercentilesNeedEnoughSamples) {
  Histogram h;
  EXPECT_EQ(h.value_at(50), 0u);
  for (int i = 0; i < 120; ++i) h.record(5);
  EXPECT_TRUE(h.has_percentile(50));
  EXPECT_TRUE(h.has_percentile(99));
  EXPECT_FALSE(h.has_percentile(99.9));  // of 120 samples: only the maximum
  EXPECT_EQ(Histogram::samples_for(99.9), 1000u);
  EXPECT_EQ(Histogram::samples_for(99), 100u);
  EXPECT_EQ(Histogram::samples_for(50), 2u);
}

TEST(Histogram, SizeDoesNotGrowWithSamples) {
  static_assert(sizeof(Histogram) < 32 * 1024, "fixed size, whatever the run's duration x rate");
  Histogram h;
  for (int i = 0; i < 1000000; ++i) h.record(static_cast<std::uint64_t>(i) * 7919);
  EXPECT_EQ(h.count(), 1000000u);
}

}  // namespace
}  // namespace samplepool::tool
