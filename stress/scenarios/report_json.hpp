// stress/scenarios/report_json.hpp: a stress or soak Report as JSON (nlohmann-json).
#pragma once

#include <nlohmann/json.hpp>

#include "scenarios.hpp"

namespace samplepool::scenarios {

inline nlohmann::json to_json(const Report& r, const Options& o) {
  return nlohmann::json{
      {"run", r.scenario},
      {"ok", r.ok()},
      {"seed", o.seed},
      {"threads", o.threads},
      {"operations", r.operations},
      {"acquires", r.acquires},
      {"waits", r.waits},
      {"timeouts", r.timeouts},
      {"not_committed", r.not_committed},
      {"decommit_cycles", r.decommit_cycles},
      {"pools_destroyed", r.pools_destroyed},
      {"max_outstanding", r.max_outstanding},
      {"leaked_bytes", r.leaked_bytes},
      {"worst_decommit_return_s", r.worst_decommit_return_s},
      {"violations", r.violations},
  };
}

}  // namespace samplepool::scenarios
