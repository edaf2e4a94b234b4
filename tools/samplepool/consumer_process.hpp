// tools/samplepool/consumer_process.hpp: a child process of this program
// that talks back over its stdout, for `capture --consumer-processes`.
//
// start() runs this program again (/proc/self/exe) with posix_spawn, never
// fork without exec: the child gets `shared_fd` as its fd 3 (a dup2 in the
// child, which clears FD_CLOEXEC, also when the fd already is 3: glibc 2.29
// and later), a pipe as its stdout, our stderr, and nothing else of ours
// (every fd this program opens is close-on-exec). The child runs in a
// process group of its own, so a Ctrl-C at the terminal reaches only this
// process, which then stops its children in order.
//
// The object owns the child: destroying it, or kill(), ends a child that is
// still running with SIGKILL and reaps it, so no path leaves a process or a
// zombie behind. Not thread-safe: one thread drives each child.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace samplepool::tool {

class ConsumerProcess {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kSharedFd = 3;  // where the child finds `shared_fd`

  ConsumerProcess() = default;
  ~ConsumerProcess();
  ConsumerProcess(const ConsumerProcess&) = delete;
  ConsumerProcess& operator=(const ConsumerProcess&) = delete;

  // Starts `this_program args...`; "" or why it could not. Precondition: no
  // child running (after construction, kill() or wait_until()).
  std::string start(const std::vector<std::string>& args, int shared_fd);

  // The next line the child wrote (without its newline); nullopt when none
  // came before `deadline` (a deadline already past looks once, without
  // waiting) or its stdout ended first.
  std::optional<std::string> read_line(Clock::time_point deadline);

  // SIGKILL, then reaps it (at once: nothing can delay a SIGKILL's exit for
  // long). No-op without a child.
  void kill();

  struct Exit {
    int code = 0;    // when it exited
    int signal = 0;  // when a signal ended it
    bool ok() const { return code == 0 && signal == 0; }
    std::string describe() const;  // "exited with status 1", "was killed by signal 9 (Killed)"
  };
  // Waits for the child to exit and reaps it; nullopt when it was still
  // running at `deadline` (it is killed then).
  std::optional<Exit> wait_until(Clock::time_point deadline);

  bool running() const { return pid_ > 0; }

 private:
  std::optional<Exit> reap(bool block);  // waitpid: nullopt while it runs
  void close_out();

  pid_t pid_ = -1;
  int out_ = -1;        // the read end of its stdout
  std::string buffer_;  // what was read past the last line returned
};

}  // namespace samplepool::tool
