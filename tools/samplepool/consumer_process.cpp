// A child process of this program: see consumer_process.hpp.
#include "consumer_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace samplepool::tool {

ConsumerProcess::~ConsumerProcess() { kill(); }

std::string ConsumerProcess::start(const std::vector<std::string>& args, int shared_fd) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
  std::vector<std::string> words = {"/proc/self/exe"};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, shared_fd, kSharedFd);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // a group of its own
  const int r = posix_spawn(&pid_, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  out_ = out[0];
  buffer_.clear();
  if (r != 0) {
    pid_ = -1;
    close_out();
    return std::string("posix_spawn /proc/self/exe: ") + std::strerror(r);
  }
  return {};
}

std::optional<std::string> ConsumerProcess::read_line(Clock::time_point deadline) {
  for (;;) {
    if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    if (out_ < 0) return std::nullopt;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{out_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::max<decltype(left)>(left, 0)));
    if (ready < 0 && errno != EINTR) return std::nullopt;
    if (ready <= 0) {
      if (Clock::now() >= deadline) return std::nullopt;
      continue;
    }
    char chunk[512];
    const ssize_t n = read(out_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;  // its stdout ended (it exited) or failed
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

void ConsumerProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  (void)reap(true);
}

std::optional<ConsumerProcess::Exit> ConsumerProcess::wait_until(Clock::time_point deadline) {
  using namespace std::chrono_literals;
  for (;;) {
    if (std::optional<Exit> e = reap(false)) return e;
    if (Clock::now() >= deadline) {
      kill();
      return std::nullopt;
    }
    std::this_thread::sleep_for(2ms);
  }
}

std::optional<ConsumerProcess::Exit> ConsumerProcess::reap(bool block) {
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return std::nullopt;  // still running
  pid_ = -1;
  close_out();
  Exit e;
  if (r < 0) {
    e.code = -1;  // not our child any more: cannot happen, counts as a failure
  } else if (WIFEXITED(status)) {
    e.code = WEXITSTATUS(status);
  } else {
    e.signal = WTERMSIG(status);
  }
  return e;
}

std::string ConsumerProcess::Exit::describe() const {
  if (signal != 0) return "was killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exited with status " + std::to_string(code);
}

void ConsumerProcess::close_out() {
  if (out_ >= 0) close(out_);
  out_ = -1;
}

}  // namespace samplepool::tool
