#include "samplepool/alloc/fd_passing.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace samplepool::alloc {
namespace {

constexpr std::size_t kMaxFds = 8;  // fds one receive_fd() takes from a message

Errc socket_error(int err) noexcept {
  switch (err) {
    case EBADF:
    case ENOTSOCK:
    case ENOTCONN:
    case EDESTADDRREQ:
    case EOPNOTSUPP:
    case EINVAL: return Errc::invalid_argument;
    case EAGAIN: return Errc::timeout;  // EWOULDBLOCK on Linux
    default: return Errc::not_supported;
  }
}

}  // namespace

Errc send_fd(int socket, int fd, const void* payload, std::size_t len) noexcept {
  if (socket < 0 || fd < 0 || (payload == nullptr && len > 0)) return Errc::invalid_argument;
  static constexpr unsigned char kZero = 0;
  const auto* bytes = len > 0 ? static_cast<const unsigned char*>(payload) : &kZero;
  const std::size_t total = len > 0 ? len : 1;

  iovec iov{const_cast<unsigned char*>(bytes), total};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);

  ssize_t n = 0;
  do {
    n = sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return socket_error(errno);
  // Only a stream socket takes part of a message; the fd went with it.
  for (auto sent = static_cast<std::size_t>(n); sent < total;) {
    n = send(socket, bytes + sent, total - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return socket_error(errno);
    sent += static_cast<std::size_t>(n);
  }
  return Errc::ok;
}

Errc receive_fd(int socket, int* fd, void* payload, std::size_t cap, std::size_t* len) noexcept {
  if (socket < 0 || fd == nullptr || (payload == nullptr && cap > 0)) return Errc::invalid_argument;
  unsigned char scratch = 0;  // a stream socket delivers ancillary data only with a byte
  iovec iov{cap > 0 ? payload : &scratch, cap > 0 ? cap : 1};
  alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;

  ssize_t n = 0;
  do {
    n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == ECONNRESET ? Errc::invalid_argument : socket_error(errno);  // no fd arrived

  int got = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;  // e.g. SCM_CREDENTIALS
    const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int f = -1;
      std::memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
      if (got < 0) {
        got = f;
      } else {
        close(f);
      }
    }
  }
  if (n == 0 || got < 0 || (msg.msg_flags & MSG_CTRUNC) != 0) {
    if (got >= 0) close(got);
    return Errc::invalid_argument;
  }
  *fd = got;
  if (len != nullptr) *len = cap > 0 ? static_cast<std::size_t>(n) : 0;
  return Errc::ok;
}

}  // namespace samplepool::alloc
