#include "samplepool/properties.hpp"

#include <bit>
#include <cstdint>

#include "samplepool/config.hpp"

namespace samplepool {
namespace {

// a + b, or false on overflow.
bool add(std::size_t a, std::size_t b, std::size_t* out) noexcept {
  return !__builtin_add_overflow(a, b, out);
}

// n rounded up to a multiple of `to` (a power of two), or false on overflow.
bool round_up(std::size_t n, std::size_t to, std::size_t* out) noexcept {
  std::size_t t;
  if (!add(n, to - 1, &t)) return false;
  *out = t & ~(to - 1);
  return true;
}

}  // namespace

Errc compute_layout(const Properties& request, Layout* out) noexcept {
  if (out == nullptr) return Errc::invalid_argument;
  const std::size_t align = request.alignment;
  if (!std::has_single_bit(align) || align > kMaxAlignment) return Errc::bad_alignment;
  if (request.count > kMaxSampleCount || request.max_count > kMaxSampleCount || request.prefix > kMaxPrefix) {
    return Errc::too_large;
  }
  if (request.max_count != 0 && request.max_count < request.count) return Errc::invalid_argument;
  const std::uint32_t capacity = request.max_count > request.count ? request.max_count : request.count;

  std::size_t unit = 0;     // size + prefix, rounded to the alignment
  std::size_t stride = 0;   // ... and to a cache line, against false sharing
  std::size_t payload = 0;  // at the capacity: growth must not overflow either
  if (!add(request.size, request.prefix, &unit) || !round_up(unit, align, &unit) ||
      !round_up(unit, align > kCacheLine ? align : kCacheLine, &stride) ||
      __builtin_mul_overflow(stride, std::size_t{capacity}, &payload) ||
      payload > static_cast<std::size_t>(PTRDIFF_MAX) / 2) {
    return Errc::too_large;
  }
  Layout l;
  l.actual = request;
  // Size zero stays zero (commit refuses it), whatever the prefix's rounding.
  l.actual.size = request.size == 0 ? 0 : unit - request.prefix;
  l.stride = stride;
  l.payload_bytes = stride * request.count;
  l.capacity = capacity;
  l.payload_alignment = align > kCacheLine ? align : kCacheLine;
  *out = l;
  return Errc::ok;
}

}  // namespace samplepool
