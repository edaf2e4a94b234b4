#include "samplepool/errc.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace samplepool {
namespace {

TEST(Errc, EveryCodeHasADistinctStableName) {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(kLastErrc); ++i) {
    const std::string n = to_string(static_cast<Errc>(i));
    EXPECT_NE(n, "unknown") << i;
    names.insert(n);
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(kLastErrc) + 1);
  EXPECT_STREQ(to_string(Errc::ok), "ok");
  EXPECT_STREQ(to_string(Errc::not_committed), "not_committed");
  EXPECT_STREQ(to_string(static_cast<Errc>(999)), "unknown");
}

}  // namespace
}  // namespace samplepool
