// samplepool/shm/detail/owner_word.hpp: who holds a shared sample.
//
// Purpose: one 64-bit word per sample says, by itself, whether the sample is
// free and which processes it is charged to, so that claiming a sample and
// charging it to a process is one CAS, and a dead process's charges can be
// taken back by clearing its bits (reaper.cpp), with nothing else to repair.
//
//   bits  0..31  held by process r (record r): r has a SharedSample for it
//   bits 32..63  queued to process r: an entry in r's ring names it
//   0            free: any acquire may claim it (CAS 0 -> held by me)
//
// Invariants:
//  - a process holds a sample at most once, and has it queued at most once
//    (publish refuses a subscriber that already has it either way), so a bit
//    is exactly one charge and no process-local count is needed;
//  - the word goes to 0 only by clearing the last bit, and whoever clears it
//    marks the sample free (free_hint) and wakes a waiter; a process killed
//    between the two leaves a free sample that only the hint misses, and the
//    acquire's scan and the reaper's hint rebuild find it.
#pragma once

#include <cstdint>

namespace samplepool::shm::detail {

constexpr std::uint64_t held_bit(std::uint32_t r) noexcept { return std::uint64_t{1} << r; }
constexpr std::uint64_t queued_bit(std::uint32_t r) noexcept { return std::uint64_t{1} << (32 + r); }
constexpr std::uint64_t charges_of(std::uint32_t r) noexcept { return held_bit(r) | queued_bit(r); }

// `old` had some of `mine` and nothing else: clearing `mine` freed the sample.
constexpr bool freed_by(std::uint64_t old, std::uint64_t mine) noexcept {
  return (old & mine) != 0 && (old & ~mine) == 0;
}

}  // namespace samplepool::shm::detail
