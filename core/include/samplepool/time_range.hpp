// samplepool/time_range.hpp: a sample's stream or media time span
// (IMediaSample::GetTime / GetMediaTime), shared by the in-process Sample
// and the shared pool's SharedSample.
#pragma once

#include <cstdint>

namespace samplepool {

struct TimeRange {
  std::int64_t start = 0;
  std::int64_t stop = 0;
  friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

}  // namespace samplepool
