// A peer process for the multi-process tests: samplepool_shm_peer started
// with posix_spawn (fork + exec: safe in a threaded test process and under
// the sanitizers), with the segment's fd as its fd 3, a pipe for its stdin
// (closing it ends the peer's wait) and one for its stdout (its reports).
#pragma once

#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace samplepool::shm::test {

// Polls `pred` (what the survivors see of a peer's fate: a stats condition)
// until it holds or `timeout` passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class PeerProcess {
 public:
  // Starts the peer with `args` after the fd number; `fd` becomes its fd 3.
  PeerProcess(int fd, const std::vector<std::string>& args) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return;
    std::vector<std::string> argv;
    // A cross build's tests run under an emulator; so must the peer.
    if (const char* emu = std::getenv("SAMPLEPOOL_PEER_EMULATOR"); emu != nullptr && *emu != '\0') {
      std::istringstream words(emu);
      for (std::string w; words >> w;) argv.push_back(w);
    }
    argv.push_back(SAMPLEPOOL_SHM_PEER);
    argv.push_back("3");
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, fd, 3);
    const int r = posix_spawn(&pid_, cargv[0], &actions, nullptr, cargv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (r != 0) pid_ = -1;
  }
  ~PeerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      wait_exit();
    }
    if (stdin_ >= 0) close(stdin_);
    if (stdout_ >= 0) close(stdout_);
  }
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  bool started() const { return pid_ > 0; }
  int pid() const { return pid_; }

  // The peer's next line, or "" when none came within `timeout`.
  std::string read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return "";
      pollfd p{stdout_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[256];
      const ssize_t n = read(stdout_, chunk, sizeof chunk);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Writes `text` to the peer's stdin.
  bool send(const std::string& text) { return write(stdin_, text.data(), text.size()) == static_cast<ssize_t>(text.size()); }
  // Ends the peer's wait for stdin EOF; returns its exit status (waits).
  int finish() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
    return wait_exit();
  }
  // kill -9, and waits for it (the test then checks what survivors did).
  void kill9() {
    kill(pid_, SIGKILL);
    wait_exit();
  }

 private:
  int wait_exit() {
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, 0) == pid_) pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string buffer_;
};

}  // namespace samplepool::shm::test
