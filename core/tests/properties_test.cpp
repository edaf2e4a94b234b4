#include "samplepool/properties.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "samplepool/config.hpp"

namespace samplepool {
namespace {

TEST(Layout, GrantedSizeMakesSizePlusPrefixAMultipleOfTheAlignment) {
  Layout l;
  ASSERT_EQ(compute_layout({3, 100, 32, 8}, &l), Errc::ok);
  EXPECT_EQ(l.actual, (Properties{3, 120, 32, 8}));
  EXPECT_EQ((l.actual.size + l.actual.prefix) % 32, 0u);
  EXPECT_EQ(l.stride, 128u) << "stride rounded to a cache line against false sharing";
  EXPECT_EQ(l.payload_bytes, 3u * 128u);
  EXPECT_EQ(l.payload_alignment, kCacheLine);
}

TEST(Layout, LargeAlignmentsAreKeptWhole) {
  Layout l;
  ASSERT_EQ(compute_layout({2, 5000, 4096, 0}, &l), Errc::ok);
  EXPECT_EQ(l.actual.size, 8192u);
  EXPECT_EQ(l.stride, 8192u);
  EXPECT_EQ(l.payload_alignment, 4096u);
}

TEST(Layout, BadAlignmentAndOverflowAreRefusedWithoutTouchingTheOutput) {
  Layout l;
  l.stride = 77;
  EXPECT_EQ(compute_layout({1, 1, 0, 0}, &l), Errc::bad_alignment);
  EXPECT_EQ(compute_layout({1, 1, 48, 0}, &l), Errc::bad_alignment);
  EXPECT_EQ(compute_layout({1, 1, kMaxAlignment * 2, 0}, &l), Errc::bad_alignment);
  EXPECT_EQ(compute_layout({kMaxSampleCount + 1, 1, 1, 0}, &l), Errc::too_large);
  EXPECT_EQ(compute_layout({1, SIZE_MAX, 1, 1}, &l), Errc::too_large) << "size + prefix wraps";
  if constexpr (sizeof(std::size_t) > 4) {
    EXPECT_EQ(compute_layout({1, 64, 1, kMaxPrefix + 1}, &l), Errc::too_large) << "the header keeps the prefix in 32 bits";
  }
  EXPECT_EQ(compute_layout({1, SIZE_MAX - 3, 8, 0}, &l), Errc::too_large) << "rounding wraps";
  EXPECT_EQ(compute_layout({kMaxSampleCount, SIZE_MAX / 1024, 1, 0}, &l), Errc::too_large)
      << "count x stride wraps";
  EXPECT_EQ(compute_layout({1, 1, 1, 0}, nullptr), Errc::invalid_argument);
  EXPECT_EQ(l.stride, 77u);
  EXPECT_EQ(compute_layout({1, 64, 1, kMaxPrefix}, &l), Errc::ok) << "the largest prefix";
}

TEST(Layout, ZeroCountOrSizeIsAcceptedHere) {
  Layout l;
  EXPECT_EQ(compute_layout({0, 0, 1, 0}, &l), Errc::ok);
  EXPECT_EQ(compute_layout({0, 64, 1, 0}, &l), Errc::ok);
  EXPECT_EQ(compute_layout({4, 0, 16, 16}, &l), Errc::ok);
  EXPECT_EQ(l.actual.size, 0u);
}

}  // namespace
}  // namespace samplepool
