// tools/samplepool/output.hpp: the report on stdout, and failures in the
// same shape.
//
// A report that could not be written is a failed run: emit() remembers the
// first write error (a full disk, a closed pipe when SIGPIPE is ignored) and
// finish_output() -- which main() calls last, after CLI11's help text went
// out too -- says so on stderr and turns the exit status into 1. A closed
// pipe with SIGPIPE at its default ends the process by that signal, quietly,
// never with status 0.
#pragma once

#include <string>

namespace samplepool::tool {

// Writes `text` to stdout and flushes it.
void emit(const std::string& text);

// A run that could not start or finish (commit refused, out of memory,
// mlock refused): the message on stderr as "samplepool COMMAND: MESSAGE",
// and with --json also {"command": ..., "ok": false, "error": MESSAGE} on
// stdout. Returns 1, the status of a failed run.
int fail(const char* command, const std::string& message, bool json);

// Flushes stdout; returns `status`, or 1 after reporting a write error.
int finish_output(int status);

}  // namespace samplepool::tool
