// samplepool/shm/detail/life_word.hpp: a process record's state, one word.
//
// Purpose: attaching, living, dying and being reaped are transitions of one
// 64-bit word, each a CAS, so that two processes never both take a record,
// and exactly one reaps a dead one (or takes over from a reaper that died
// too).
//
//   bits  0..3   state: free, attaching, alive, reaping
//   bits  4..8   the reaper's record index (reaping only)
//   bits  9..14  the reaper's record generation, modulo 64 (reaping only):
//                a reaper that died and whose record was freed and taken
//                again is not mistaken for its record's new process
//   bit  15      the reaper has no record (attach's last resort, reaping
//                only): bits 32..63 are then the reaper's pid
//   bits 16..31  generation: incremented each time the record is freed, so a
//                word seen before a free never matches one after it
//   bits 32..63  the process's pid (attaching, alive, reaping)
//
// Transitions: free -> attaching (CAS with the attacher's pid) -> alive;
// attaching/alive -> reaping (CAS, by a process that saw it dead) -> free;
// reaping -> reaping (CAS, a new reaper replacing a dead one); alive -> free
// (the process detaching cleanly).
#pragma once

#include <cstdint>

namespace samplepool::shm::detail {

struct LifeWord {
  enum State : std::uint32_t { kFree = 0, kAttaching = 1, kAlive = 2, kReaping = 3 };
  std::uint64_t raw = 0;

  State state() const noexcept { return static_cast<State>(raw & 0xf); }
  std::uint32_t reaper() const noexcept { return static_cast<std::uint32_t>(raw >> 4) & 0x1f; }
  std::uint32_t reaper_generation() const noexcept {
    return static_cast<std::uint32_t>(raw >> 9) & kReaperGenerationMask;
  }
  bool reaper_has_no_record() const noexcept { return (raw & kNoRecord) != 0; }
  std::uint32_t generation() const noexcept { return static_cast<std::uint32_t>(raw >> 16) & 0xffff; }
  std::int32_t pid() const noexcept { return static_cast<std::int32_t>(raw >> 32); }
  // A state this build knows (a peer's scribble may not be).
  bool valid() const noexcept { return (raw & 0xf) <= kReaping && (state() == kFree || pid() > 0); }
  // Someone is or was there: watched for death.
  bool occupied() const noexcept { return state() == kAttaching || state() == kAlive; }

  static LifeWord make(State s, std::uint32_t gen, std::int32_t pid, std::uint32_t reaper = 0) noexcept {
    return LifeWord{(std::uint64_t{static_cast<std::uint32_t>(pid)} << 32) |
                    (std::uint64_t{gen & 0xffff} << 16) | (std::uint64_t{reaper & 0x1f} << 4) | s};
  }
  LifeWord freed() const noexcept { return make(kFree, generation() + 1, 0); }
  // Reaped by record r's process, whose life word is `reaper`.
  LifeWord reaped_by(std::uint32_t r, LifeWord reaper) const noexcept {
    const std::uint64_t tag = reaper.generation() & kReaperGenerationMask;
    return LifeWord{make(kReaping, generation(), pid(), r).raw | (tag << 9)};
  }
  // Reaped by process `pid`, which has no record.
  LifeWord reaped_by_process(std::int32_t reaper_pid) const noexcept {
    return LifeWord{make(kReaping, generation(), reaper_pid).raw | kNoRecord};
  }
  // The reaping word names `reaper` (record r's word now) as its reaper.
  bool reaper_is(LifeWord reaper) const noexcept {
    return !reaper_has_no_record() && reaper.occupied() &&
           (reaper.generation() & kReaperGenerationMask) == reaper_generation();
  }

 private:
  static constexpr std::uint32_t kReaperGenerationMask = 0x3f;  // bits 9..14
  static constexpr std::uint64_t kNoRecord = std::uint64_t{1} << 15;
};

}  // namespace samplepool::shm::detail
