// tools/samplepool/shared_frame.hpp: what the multi-process capture writes
// into a frame, and how a consumer process checks it.
//
// A frame starts with its sequence number (8 bytes), then a pattern derived
// from it over the next bytes (up to kCheckedBytes), so that a consumer that
// received another frame's bytes, or bytes written while it read them, sees
// a mismatch. The producer also sets the actual length to the frame size.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace samplepool::tool {

inline constexpr std::size_t kFrameHeaderBytes = sizeof(std::uint64_t);  // the smallest frame
inline constexpr std::size_t kCheckedBytes = 256;

inline std::byte pattern_byte(std::uint64_t seq, std::size_t at) {
  return static_cast<std::byte>((seq * 131 + at * 7) & 0xff);
}

// Writes frame `seq` into the first bytes of `data` (`size` bytes long, at
// least kFrameHeaderBytes).
inline void write_frame(std::byte* data, std::size_t size, std::uint64_t seq) {
  std::memcpy(data, &seq, sizeof seq);
  const std::size_t end = std::min(size, kCheckedBytes);
  for (std::size_t at = sizeof seq; at < end; ++at) data[at] = pattern_byte(seq, at);
}

// The frame's sequence number, and whether its pattern matches it (a frame
// shorter than its header never does).
inline bool check_frame(const std::byte* data, std::size_t size, std::uint64_t* seq) {
  if (size < kFrameHeaderBytes) return false;
  std::memcpy(seq, data, sizeof *seq);
  const std::size_t end = std::min(size, kCheckedBytes);
  for (std::size_t at = sizeof *seq; at < end; ++at) {
    if (data[at] != pattern_byte(*seq, at)) return false;
  }
  return true;
}

}  // namespace samplepool::tool
