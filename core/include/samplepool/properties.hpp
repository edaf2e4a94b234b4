// samplepool/properties.hpp: what a pool is asked for, what it grants, and
// how it lays samples out in memory.
//
// Rules (those of IMemAllocator::SetProperties, as Windows applies them):
//  - alignment must be a power of two in [1, kMaxAlignment], else
//    Errc::bad_alignment; it applies to (data - prefix).
//  - the granted size is the requested size rounded up so that
//    size + prefix is a multiple of the alignment; count, alignment and
//    prefix are granted as asked.
//  - a count or size of zero is accepted here and refused by commit()
//    (Errc::size_not_set).
//  - counts above kMaxSampleCount, prefixes above kMaxPrefix, and sizes
//    whose rounding or whose count x stride overflow, give
//    Errc::too_large: nothing ever wraps.
//  - max_count (an extension, after Media Foundation's
//    InitializeSampleAllocatorEx(initial, maximum)): 0 or equal to count
//    keeps the pool fixed; above count, the pool starts with count samples
//    and an acquire that finds it empty adds more, up to max_count (see
//    pool.hpp, "Growth"). Below count (and not 0): Errc::invalid_argument.
//    Granted as asked; the limits above apply to it as to count.
//
// Internally each sample's stride is also rounded up to a cache line, so
// two threads filling neighbouring samples never share a line; the granted
// size does not include that padding.
#pragma once

#include <cstddef>
#include <cstdint>

#include "samplepool/errc.hpp"

namespace samplepool {

struct Properties {
  std::uint32_t count = 0;     // number of samples
  std::size_t size = 0;        // usable bytes per sample (after the prefix)
  std::size_t alignment = 0;   // alignment of (data - prefix); a power of two
  std::size_t prefix = 0;      // bytes reserved in front of each sample's data
  std::uint32_t max_count = 0;  // most samples a growing pool reaches; 0: count (fixed)
  friend bool operator==(const Properties&, const Properties&) = default;
};

// The memory a set of granted properties needs.
struct Layout {
  Properties actual;            // what set_properties() grants
  std::size_t stride = 0;       // bytes from one sample's (data - prefix) to the next
  std::size_t payload_bytes = 0;  // count x stride: the samples made at commit
  std::size_t payload_alignment = 0;
  std::uint32_t capacity = 0;     // max(count, max_count): slots the pool may reach
  friend bool operator==(const Layout&, const Layout&) = default;
};

// Validates `request` and computes its layout. On error `*out` is untouched.
Errc compute_layout(const Properties& request, Layout* out) noexcept;

// Which free-list discipline a pool uses; both are lock-free.
enum class FreeListPolicy : std::uint8_t {
  lifo,  // Treiber stack: the most recently released sample is reused first (cache-warm)
  fifo,  // a ring in release order: samples rotate evenly (DMA targets)
};

}  // namespace samplepool
