// stress/scenarios/scenarios.hpp: the scenarios library (target
// samplepool_scenarios): randomized multi-thread scenarios that check the
// pool's promises while they run, and the soak driver that cycles them. The
// stress program (stress/) and `samplepool soak` (tools/) both run them.
//
// Each scenario runs for a given time with a given number of threads and a
// seed (every thread's random schedule derives from it), checks invariants
// continuously, and reports what it did and every violation it saw:
//  - no sample has two owners (an owner-tag array, and a sentinel written
//    into each buffer and verified before release);
//  - outstanding <= count whenever sampled; free + outstanding == count and
//    nothing outstanding or waiting at quiescence;
//  - every acquire is accounted for (the threads' successes equal the pool's
//    acquires counter at quiescence);
//  - every waiter blocked at a Decommit returns within a bound;
//  - nothing leaks: every arena byte comes back (counted by a wrapping
//    backend, and by jemalloc's own arena statistics when built with it).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace samplepool::scenarios {

// A running scenario's view to the outside: how far it got, and a request
// to end early. Display and control only, so relaxed: the counter is added
// to in batches of kLiveBatch operations (one shared write per batch, not
// per operation), and a scenario looks at `stop` between operations and
// ends within milliseconds, checked like one that ran its full time.
struct Live {
  static constexpr std::uint64_t kLiveBatch = 64;
  std::atomic<std::uint64_t> operations{0};
  std::atomic<bool> stop{false};
};

struct Options {
  double seconds = 2.0;     // per scenario
  unsigned threads = 6;     // worker threads (more than cores on purpose)
  std::uint64_t seed = 1;
  double decommit_bound_s = 2.0;  // how long a waiter may take to return after a Decommit
  Live* live = nullptr;     // optional; run_soak sets its own
};

struct Report {
  std::string scenario;
  std::uint64_t operations = 0;    // acquire attempts
  std::uint64_t acquires = 0;      // successful ones
  std::uint64_t waits = 0;         // acquires that blocked
  std::uint64_t timeouts = 0;
  std::uint64_t not_committed = 0;
  std::uint64_t decommit_cycles = 0;
  std::uint64_t pools_destroyed = 0;
  std::uint64_t max_outstanding = 0;
  std::int64_t leaked_bytes = 0;   // must be zero
  double worst_decommit_return_s = 0;
  std::vector<std::string> violations;

  void merge(const Report& other);
  bool ok() const { return violations.empty() && leaked_bytes == 0; }
};

// The report as indented "name value" lines (one per counter), ending with
// the violations, if any.
std::string describe(const Report& r);

// The scenario names, in the order the soak cycles them.
const std::vector<std::string>& scenario_names();

// Runs one scenario; an unknown name is reported as a violation.
Report run_scenario(const std::string& name, const Options& options);

// What a running soak shows.
struct SoakProgress {
  const Report& finished;          // the finished scenarios, merged
  const std::string& scenario;     // the one running now ("" when none)
  std::uint64_t live_operations;   // its acquire attempts so far (batched)
  double elapsed_s;
};

// One progress line: elapsed of total seconds, the running scenario, and
// the counts so far (operations include the running scenario's).
std::string describe_progress(const SoakProgress& p, double total_seconds);

// Runs every scenario in turn, `options.seconds` each, until `total_seconds`
// have passed (at least one full cycle). The scenarios run on a thread of
// their own; `progress` is called on the calling thread about every 200 ms
// while they run, and once more at the end. When it returns true the soak
// stops early: the running scenario ends at its next check, is checked and
// merged like any other, and run_soak returns the total so far.
Report run_soak(double total_seconds, const Options& options,
                const std::function<bool(const SoakProgress&)>& progress);

}  // namespace samplepool::scenarios
