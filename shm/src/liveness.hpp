// shm/src/liveness.hpp: the token that says a process is alive.
//
// Purpose: each attached process holds an open-file-description (OFD) write
// lock on one byte of the segment's file, the byte of its record. The kernel
// drops the lock when the last descriptor of that description closes, which
// a process's death does; so "nobody holds byte r" means record r's process
// is gone, with no pid involved (a reused pid cannot fool it). The lock is
// taken through a description of our own, opened anew through
// /proc/self/fd: the fd a process received over a socket shares the
// creator's description, and locks of one description never conflict.
//
// Caveat, documented for users: a child made by fork() shares the parent's
// descriptions, so it keeps the parent's token until it exits or closes
// them (an exec closes them: close-on-exec).
//
// Without /proc the token cannot be had; then liveness falls back to the pid
// (kill(pid, 0)) and the monitor's pidfds.
#pragma once

#include <cstdint>

namespace samplepool::shm::detail {

class Liveness {
 public:
  Liveness() noexcept = default;
  ~Liveness();
  Liveness(const Liveness&) = delete;
  Liveness& operator=(const Liveness&) = delete;

  // Opens our own description of `segment_fd`'s file. False without /proc.
  bool open(int segment_fd) noexcept;
  bool available() const noexcept { return fd_ >= 0; }
  // Takes record r's token; false when another description holds it.
  bool take(std::uint32_t r) noexcept;
  void drop(std::uint32_t r) noexcept;
  // Whether some other description holds record r's token now.
  bool held_elsewhere(std::uint32_t r) const noexcept;

 private:
  int fd_ = -1;
};

}  // namespace samplepool::shm::detail
