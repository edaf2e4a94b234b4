// Reports: merging, the text form and the soak's progress line (scenarios.hpp).
#include <algorithm>
#include <cstdio>

#include "scenarios.hpp"

namespace samplepool::scenarios {

void Report::merge(const Report& o) {
  operations += o.operations;
  acquires += o.acquires;
  waits += o.waits;
  timeouts += o.timeouts;
  not_committed += o.not_committed;
  decommit_cycles += o.decommit_cycles;
  pools_destroyed += o.pools_destroyed;
  max_outstanding = std::max(max_outstanding, o.max_outstanding);
  leaked_bytes += o.leaked_bytes;
  worst_decommit_return_s = std::max(worst_decommit_return_s, o.worst_decommit_return_s);
  for (const auto& v : o.violations) violations.push_back(o.scenario + ": " + v);
}

std::string describe(const Report& r) {
  char buf[768];
  std::snprintf(buf, sizeof buf,
                "  operations       %llu\n  acquires         %llu\n  waits            %llu\n"
                "  timeouts         %llu\n  not committed    %llu\n  decommit cycles  %llu\n"
                "  pools destroyed  %llu\n  max outstanding  %llu\n  worst return after Decommit %.3f ms\n"
                "  leaked bytes     %lld\n",
                static_cast<unsigned long long>(r.operations), static_cast<unsigned long long>(r.acquires),
                static_cast<unsigned long long>(r.waits), static_cast<unsigned long long>(r.timeouts),
                static_cast<unsigned long long>(r.not_committed), static_cast<unsigned long long>(r.decommit_cycles),
                static_cast<unsigned long long>(r.pools_destroyed), static_cast<unsigned long long>(r.max_outstanding),
                r.worst_decommit_return_s * 1000, static_cast<long long>(r.leaked_bytes));
  std::string out = buf;
  for (const auto& v : r.violations) out += "  violation: " + v + "\n";
  return out;
}

std::string describe_progress(const SoakProgress& p, double total_seconds) {
  const Report& t = p.finished;
  char line[240];
  std::snprintf(line, sizeof line,
                "soak: %6.0f/%.0f s  %-8s  ops %llu  acquires %llu  waits %llu  timeouts %llu  decommits %llu  "
                "violations %zu",
                p.elapsed_s, total_seconds, p.scenario.c_str(),
                static_cast<unsigned long long>(t.operations + p.live_operations),
                static_cast<unsigned long long>(t.acquires), static_cast<unsigned long long>(t.waits),
                static_cast<unsigned long long>(t.timeouts), static_cast<unsigned long long>(t.decommit_cycles),
                t.violations.size());
  return line;
}

}  // namespace samplepool::scenarios
