// tools/samplepool/process.hpp: running a helper program without a shell.
//
// The arguments go to the program as they are (posix_spawnp: no shell, so
// no quoting and nothing in a name or a filter can become a command).
// While it runs, interrupted() is polled every 20 ms; on SIGINT or SIGTERM
// the child gets SIGTERM (a Ctrl-C on a terminal reaches it directly too)
// and is waited for, so it never outlives the tool.
#pragma once

#include <string>
#include <vector>

namespace samplepool::tool {

struct ProcessResult {
  bool started = false;
  int exit_code = -1;      // when it exited
  int signal = 0;          // when a signal ended it
  bool interrupted = false;  // the tool was interrupted meanwhile
  bool ok() const { return started && exit_code == 0 && !interrupted; }
};

// Runs argv (argv[0] looked up in PATH when it has no slash) with its
// stdout written to `stdout_path` (created or truncated), or to ours when
// that is empty; stderr is ours.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& stdout_path = "");

}  // namespace samplepool::tool
