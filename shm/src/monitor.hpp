// shm/src/monitor.hpp: the thread that watches the other processes.
//
// Purpose: every attachment runs one. It keeps a pidfd for each process
// recorded in the segment (opened when it first sees the record's word) and
// sleeps in poll() on them; a pidfd becomes readable when its process exits,
// and the monitor reaps it at once (reaper.cpp). It re-reads the records
// every kRosterRefresh for processes that attached since, and takes over a
// reaping whose reaper died. The creator's monitor also serves the pool's
// name: it answers a connection on the abstract socket with the segment's fd
// (SCM_RIGHTS), to processes of the same user only (SO_PEERCRED).
//
// Nothing on the hot path waits for it: it only makes a dead process's
// samples come back and its waiters wake.
#pragma once

#include <thread>

#include "attachment.hpp"

namespace samplepool::shm::detail {

class Attachment::Monitor {
 public:
  // Takes `listen_fd` (or -1). Starts the thread; throws what std::thread
  // throws (start_monitor catches it).
  Monitor(Attachment& a, int listen_fd);
  ~Monitor();  // stops and joins the thread, closes every fd
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

 private:
  struct Watch {
    std::uint64_t life = 0;  // the record word the pidfd was opened for
    int pidfd = -1;
  };
  void run() noexcept;
  void refresh() noexcept;
  void forget(std::uint32_t r) noexcept;
  void serve() noexcept;

  Attachment& a_;
  int stop_fd_ = -1;    // an eventfd: the destructor's "stop"
  int listen_fd_ = -1;  // the name service, creator only
  Watch watch_[kMaxProcesses];
  std::thread thread_;
};

// The abstract socket address that serves `name`; false when it does not fit.
bool name_address(const std::string& name, struct sockaddr_un* addr, unsigned* len) noexcept;

}  // namespace samplepool::shm::detail
