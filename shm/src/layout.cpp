#include "samplepool/shm/detail/layout.hpp"

#include <bit>
#include <cstring>

namespace samplepool::shm::detail {
namespace {

constexpr std::size_t kPage = 4096;

// n rounded up to a multiple of `to` (a power of two); false on overflow.
bool round_up(std::size_t n, std::size_t to, std::size_t* out) noexcept {
  std::size_t t;
  if (__builtin_add_overflow(n, to - 1, &t)) return false;
  *out = t & ~(to - 1);
  return true;
}

// Places `bytes` at the next multiple of `align` after *at; false on overflow.
bool place(std::size_t* at, std::size_t bytes, std::size_t align, std::size_t* offset) noexcept {
  return round_up(*at, align, offset) && !__builtin_add_overflow(*offset, bytes, at);
}

std::uint64_t fnv1a(const void* p, std::size_t n) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  const auto* b = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

std::uint64_t checksum(const Header& h) noexcept { return fnv1a(&h, offsetof(Header, checksum)); }

}  // namespace

Errc compute(const Properties& props, std::uint32_t max_processes, std::uint32_t ring_capacity,
             Geometry* out) noexcept {
  if (out == nullptr || max_processes == 0 || max_processes > kMaxProcesses) return Errc::invalid_argument;
  if (props.max_count != 0 && props.max_count != props.count) return Errc::invalid_argument;  // no growth
  if (props.count > kMaxSharedCount || ring_capacity > kMaxRingCapacity) return Errc::too_large;
  Layout layout;
  if (const Errc e = compute_layout(props, &layout); e != Errc::ok) return e;
  if (props.count == 0 || props.size == 0) return Errc::size_not_set;

  Geometry g;
  g.layout = layout;
  g.count = props.count;
  g.max_processes = max_processes;
  g.ring_capacity = std::bit_ceil(ring_capacity == 0 ? props.count : ring_capacity);
  if (g.ring_capacity > kMaxRingCapacity) g.ring_capacity = kMaxRingCapacity;
  g.hint_words = (props.count + 63) / 64;

  std::size_t at = sizeof(Header) + sizeof(Control);
  std::size_t payload_align = layout.payload_alignment > kPage ? layout.payload_alignment : kPage;
  const bool ok =
      place(&at, sizeof(Record) * max_processes, kCacheLine, &g.records) &&
      place(&at, sizeof(Ring) * max_processes, kCacheLine, &g.rings) &&
      place(&at, sizeof(std::uint64_t) * g.hint_words, kCacheLine, &g.free_hint) &&
      place(&at, sizeof(SampleMeta) * g.count, kCacheLine, &g.meta) &&
      place(&at, sizeof(std::uint64_t) * std::size_t{g.ring_capacity} * max_processes, kCacheLine,
            &g.entries) &&
      place(&at, layout.payload_bytes, payload_align, &g.payload) && round_up(at, kPage, &g.total_bytes);
  if (!ok) return Errc::too_large;
  *out = g;
  return Errc::ok;
}

void write_header(const Geometry& g, Header* h) noexcept {
  Header w{};
  w.magic = kMagic;
  w.version = kLayoutVersion;
  w.header_bytes = sizeof(Header);
  w.total_bytes = g.total_bytes;
  w.count = g.count;
  w.max_processes = g.max_processes;
  w.ring_capacity = g.ring_capacity;
  w.size = g.layout.actual.size;
  w.alignment = g.layout.actual.alignment;
  w.prefix = g.layout.actual.prefix;
  w.checksum = checksum(w);
  std::memcpy(static_cast<void*>(h), &w, sizeof w);
}

Errc validate(const Header& shared, std::size_t segment_bytes, Geometry* out) noexcept {
  if (out == nullptr || segment_bytes < sizeof(Header)) return Errc::corrupted;
  Header h;  // one copy: a peer writing meanwhile cannot make two reads disagree
  std::memcpy(&h, static_cast<const void*>(&shared), sizeof h);
  if (h.magic != kMagic || h.version != kLayoutVersion || h.header_bytes != sizeof(Header) ||
      h.checksum != checksum(h)) {
    return Errc::corrupted;
  }
  Properties p;
  p.count = h.count;
  p.size = h.size;
  p.alignment = h.alignment;
  p.prefix = h.prefix;
  Geometry g;
  if (compute(p, h.max_processes, h.ring_capacity, &g) != Errc::ok || g.layout.actual.size != h.size ||
      g.ring_capacity != h.ring_capacity || g.total_bytes != h.total_bytes || h.total_bytes > segment_bytes) {
    return Errc::corrupted;
  }
  *out = g;
  return Errc::ok;
}

}  // namespace samplepool::shm::detail
