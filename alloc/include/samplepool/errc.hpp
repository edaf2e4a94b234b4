// samplepool/errc.hpp: the error codes every samplepool call returns.
//
// No samplepool function throws on a hot path: each returns an Errc, and
// Errc::ok (zero) is success. to_string() names every code; the names are
// stable and meant for logs and the --json output of the tools.
#pragma once

#include <cstdint>

namespace samplepool {

enum class [[nodiscard]] Errc : std::int32_t {
  ok = 0,
  not_committed,        // pool not committed, or decommitted while waiting
  timeout,              // no sample became free before the deadline (or at once, for try_*)
  size_not_set,         // commit with a sample count or size of zero
  bad_alignment,        // alignment zero, not a power of two, or above kMaxAlignment
  already_committed,    // the call needs a decommitted pool
  buffers_outstanding,  // the call needs every sample back (and no acquire in progress)
  invalid_argument,     // a null pointer or an out-of-range value
  too_large,            // count, size or count x stride beyond the limits; never wrapped
  out_of_memory,        // the arena backend could not allocate
  buffer_overflow,      // actual length above the sample size
  not_supported,        // the backend cannot do what the options ask (e.g. MAP_HUGETLB)
  corrupted,            // shared memory failed a check (bad magic, layout, index): the pool is marked broken
  busy,                 // a shared pool's every process slot is taken, or its channel has another publisher
};
// The last code, for tables and loops over every code.
inline constexpr Errc kLastErrc = Errc::busy;

// Stable lower_snake name of the code ("ok", "not_committed", ...); never null.
const char* to_string(Errc e) noexcept;

}  // namespace samplepool
