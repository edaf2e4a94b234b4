#include "liveness.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace samplepool::shm::detail {
namespace {

flock byte(std::uint32_t r, short type) noexcept {
  flock l{};
  l.l_type = type;
  l.l_whence = SEEK_SET;
  l.l_start = static_cast<off_t>(r);
  l.l_len = 1;
  return l;
}

}  // namespace

Liveness::~Liveness() {
  if (fd_ >= 0) close(fd_);
}

bool Liveness::open(int segment_fd) noexcept {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/fd/%d", segment_fd);
  fd_ = ::open(path, O_RDWR | O_CLOEXEC);
  return fd_ >= 0;
}

bool Liveness::take(std::uint32_t r) noexcept {
  flock l = byte(r, F_WRLCK);
  return fd_ >= 0 && fcntl(fd_, F_OFD_SETLK, &l) == 0;
}

void Liveness::drop(std::uint32_t r) noexcept {
  flock l = byte(r, F_UNLCK);
  if (fd_ >= 0) (void)fcntl(fd_, F_OFD_SETLK, &l);
}

bool Liveness::held_elsewhere(std::uint32_t r) const noexcept {
  flock l = byte(r, F_WRLCK);
  // An error (it cannot happen on a valid fd) counts as held: never reap on doubt.
  return fcntl(fd_, F_OFD_GETLK, &l) != 0 || l.l_type != F_UNLCK;
}

}  // namespace samplepool::shm::detail
