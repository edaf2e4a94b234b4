// samplepool/config.hpp: every tuning knob and hard limit, in one place.
//
// Each constant states the constraint it must keep and what chose its value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace samplepool {

// Destructive-interference size used to keep hot atomics apart. 64 bytes on
// every x86-64 and most AArch64 parts; static_asserts in the headers check
// that the shared words sit on lines of their own.
inline constexpr std::size_t kCacheLine = 64;

// Largest sample count one pool accepts. Sample indices are 32-bit with
// 0xffffffff reserved as "none", and the held-sample field of the lifetime
// word (see lifetime.hpp) is 32 bits wide; 2^24 keeps the per-sample header
// array (128 bytes a sample) under 2 GiB.
inline constexpr std::uint32_t kMaxSampleCount = 1u << 24;

// Largest alignment a pool accepts: one 1 GiB huge page. Larger requests are
// almost certainly a unit mix-up and are refused with Errc::bad_alignment.
inline constexpr std::size_t kMaxAlignment = std::size_t{1} << 30;

// Spins (each one CPU pause) a blocking acquire makes after finding the pool
// empty and before it registers as a sleeper. A futex round trip costs
// 12-17 us here (FIELD-NOTES.md), so a short spin catches a release that is
// already in flight; it stays short because on 2 oversubscribed cores the
// releasing thread may need this core to make progress.
inline constexpr int kAcquireSpins = 64;

}  // namespace samplepool
