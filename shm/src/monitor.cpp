#include "monitor.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "samplepool/alloc/fd_passing.hpp"

namespace samplepool::shm::detail {
namespace {

int open_pidfd(int pid) noexcept {
#ifdef SYS_pidfd_open
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

}  // namespace

Attachment::Monitor::Monitor(Attachment& a, int listen_fd) : a_(a), listen_fd_(listen_fd) {
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  if (stop_fd_ < 0) throw std::system_error(errno, std::generic_category());
  try {
    thread_ = std::thread([this] { run(); });
  } catch (...) {
    close(stop_fd_);
    listen_fd_ = -1;  // the caller closes it
    throw;
  }
}

Attachment::Monitor::~Monitor() {
  const std::uint64_t one = 1;
  if (stop_fd_ >= 0) (void)!write(stop_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  for (std::uint32_t r = 0; r < kMaxProcesses; ++r) forget(r);
  if (stop_fd_ >= 0) close(stop_fd_);
  if (listen_fd_ >= 0) close(listen_fd_);
}

void Attachment::Monitor::forget(std::uint32_t r) noexcept {
  if (watch_[r].pidfd >= 0) close(watch_[r].pidfd);
  watch_[r] = Watch{};
}

// Opens a pidfd for every record seen for the first time, and reaps what is
// dead already (a process that died before we looked, a reaper that died).
void Attachment::Monitor::refresh() noexcept {
  for (std::uint32_t r = 0; r < a_.geometry().max_processes; ++r) {
    if (r == a_.me()) continue;
    const LifeWord l{a_.record(r).life.load(std::memory_order_acquire)};
    if (!l.valid()) {
      (void)a_.corrupted();
      forget(r);
      continue;
    }
    if (!l.occupied()) {
      forget(r);
      if (a_.orphaned(r, l)) a_.reap(r, l);  // a reaping whose reaper died
      continue;
    }
    Watch& w = watch_[r];
    if (w.life == l.raw && w.pidfd >= 0) continue;  // the pidfd will tell
    forget(r);
    w.life = l.raw;
    w.pidfd = open_pidfd(l.pid());
    // The pidfd is for whoever has the pid now: check the recorded process
    // is still there (its token) after opening it, and check at every
    // refresh where no pidfd could be had.
    if (a_.orphaned(r, l)) {
      a_.reap(r, l);
      forget(r);
    }
  }
}

void Attachment::Monitor::serve() noexcept {
  const int conn = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) return;
  ucred peer{};
  socklen_t len = sizeof peer;
  if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &len) == 0 && peer.uid == geteuid()) {
    const char tag = 'S';
    (void)alloc::send_fd(conn, a_.fd(), &tag, 1);
  }
  close(conn);
}

void Attachment::Monitor::run() noexcept {
  pollfd fds[2 + kMaxProcesses];
  std::uint32_t who[2 + kMaxProcesses];
  for (;;) {
    refresh();
    nfds_t n = 0;
    fds[n++] = pollfd{stop_fd_, POLLIN, 0};
    if (listen_fd_ >= 0) fds[n++] = pollfd{listen_fd_, POLLIN, 0};
    const nfds_t first_pid = n;
    for (std::uint32_t r = 0; r < kMaxProcesses; ++r) {
      if (watch_[r].pidfd < 0) continue;
      who[n] = r;
      fds[n++] = pollfd{watch_[r].pidfd, POLLIN, 0};
    }
    const int ready = poll(fds, n, static_cast<int>(kRosterRefresh.count()));
    if (ready < 0 && errno != EINTR) return;
    if (ready <= 0) continue;
    if (fds[0].revents != 0) return;
    if (listen_fd_ >= 0 && fds[1].revents != 0) serve();
    for (nfds_t k = first_pid; k < n; ++k) {
      if (fds[k].revents == 0) continue;
      const std::uint32_t r = who[k];
      const LifeWord l{a_.record(r).life.load(std::memory_order_acquire)};
      // It exited without detaching; its token tells whether a child it
      // forked still shares its description (then the next refresh looks again).
      if (l.raw == watch_[r].life && a_.orphaned(r, l)) a_.reap(r, l);
      forget(r);
    }
  }
}

}  // namespace samplepool::shm::detail
