// tools/samplepool/interrupt.hpp: SIGINT and SIGTERM as a request to stop.
//
// A long run (capture, soak, bench) polls interrupted() where it can stop
// cleanly: it then decommits, joins its threads, frees what it allocated,
// prints the report so far marked as interrupted, and exits with
// kInterruptedStatus. The handler only sets a lock-free atomic flag
// (async-signal-safe) and restores the default action, so a second Ctrl-C
// ends a run that does not stop at once.
#pragma once

namespace samplepool::tool {

// The exit status of an interrupted run (128 + SIGINT, as shells report it).
inline constexpr int kInterruptedStatus = 130;

// Installs the handlers; call once, before any thread starts.
void install_interrupt_handlers();

// True once SIGINT or SIGTERM has arrived. Any thread may poll it.
bool interrupted() noexcept;

}  // namespace samplepool::tool
