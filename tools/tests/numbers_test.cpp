// The tool's number and duration parsing (tools/samplepool/numbers.hpp).
#include "numbers.hpp"

#include <gtest/gtest.h>

namespace samplepool::tool {
namespace {

TEST(Numbers, Reals) {
  double v = -1;
  EXPECT_EQ(check_real("240", 1, 1e5, &v), "");
  EXPECT_EQ(v, 240);
  EXPECT_EQ(check_real("nan", 1, 1e5, &v), "not a finite number: nan");
  EXPECT_EQ(check_real("-inf", 1, 1e5, &v), "not a finite number: -inf");
  EXPECT_EQ(check_real("abc", 1, 1e5, &v), "not a number: abc");
  EXPECT_EQ(check_real("", 1, 1e5, &v), "not a number: ");
  EXPECT_EQ(check_real(" 5", 1, 1e5, &v), "not a number:  5");
  EXPECT_EQ(check_real("5x", 1, 1e5, &v), "not a number: 5x");
  EXPECT_EQ(check_real("0", 1, 100000, &v), "must be from 1 to 100000: 0");
  EXPECT_EQ(check_real("-1", 0, kUnbounded, &v), "must be at least 0: -1");
  EXPECT_EQ(v, 240);  // untouched by the refusals
}

TEST(Numbers, Integers) {
  std::uint64_t v = 0;
  EXPECT_EQ(check_integer("18446744073709551615", 0, UINT64_MAX, &v), "");
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_EQ(check_integer("18446744073709551616", 0, UINT64_MAX, &v),
            "must be an integer from 0 to 18446744073709551615: 18446744073709551616");
  EXPECT_EQ(check_integer("2.5", 1, 9, &v), "must be an integer: 2.5");
  EXPECT_EQ(check_integer("-1", 0, 9, &v), "must be an integer from 0 to 9: -1");
  EXPECT_EQ(check_integer("x", 0, 9, &v), "not a number: x");
  EXPECT_EQ(check_integer("nan", 0, 9, &v), "not a finite number: nan");
  EXPECT_EQ(check_integer("1e3", 0, 9999, &v), "write it in digits (an integer without sign, point or exponent): 1e3");
  EXPECT_EQ(check_integer("10", 1, 9, &v), "must be an integer from 1 to 9: 10");
}

TEST(Numbers, Durations) {
  double s = 0;
  EXPECT_EQ(check_duration("90", 0, 1e7, &s), "");
  EXPECT_EQ(s, 90);
  EXPECT_EQ(check_duration("90s", 0, 1e7, &s), "");
  EXPECT_EQ(s, 90);
  EXPECT_EQ(check_duration("10m", 0, 1e7, &s), "");
  EXPECT_EQ(s, 600);
  EXPECT_EQ(check_duration("2h", 0, 1e7, &s), "");
  EXPECT_EQ(s, 7200);
  EXPECT_EQ(check_duration("250ms", 0, 1e7, &s), "");
  EXPECT_EQ(s, 0.25);
  EXPECT_EQ(check_duration("inf", 0, 1e7, &s), "not a finite number: inf");
  EXPECT_EQ(check_duration("5d", 0, 1e7, &s).rfind("not a duration", 0), 0u);
  EXPECT_EQ(check_duration("0", 0.01, 1e7, &s), "must be from 0.01 s to 1e+07 s: 0");
}

}  // namespace
}  // namespace samplepool::tool
