// tools/samplepool/stats_json.hpp: a pool's Stats as JSON and as one line.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "samplepool/holders.hpp"
#include "samplepool/stats.hpp"

namespace samplepool::tool {

inline nlohmann::json to_json(const Stats& s) {
  return nlohmann::json{{"count", s.count},         {"free", s.free},
                        {"outstanding", s.outstanding}, {"waiters", s.waiters},
                        {"acquires", s.acquires},   {"waits", s.waits},
                        {"timeouts", s.timeouts},   {"not_committed", s.not_committed},
                        {"high_water", s.high_water}, {"commits", s.commits},
                        {"decommits", s.decommits}, {"misuse", s.misuse},
                        {"committed", s.committed}, {"memory_allocated", s.memory_allocated},
                        {"max_count", s.max_count}, {"growths", s.growths},
                        {"growth_failures", s.growth_failures}, {"oldest_held_ms", s.oldest_held_ms},
                        {"starvation_reports", s.starvation_reports}};
}

inline nlohmann::json to_json(const HolderReport& r) {
  nlohmann::json holders = nlohmann::json::array();
  for (const Holder& h : r.holders) {
    holders.push_back({{"thread_id", h.thread_id}, {"name", h.name}, {"samples", h.samples},
                       {"oldest_ms", h.oldest_age.count()}});
  }
  return nlohmann::json{{"held", r.held}, {"count", r.count}, {"oldest_ms", r.oldest_age.count()},
                        {"holders", holders}, {"text", r.describe()}};
}

inline std::string one_line(const Stats& s) {
  return "count " + std::to_string(s.count) + ", free " + std::to_string(s.free) + ", outstanding " +
         std::to_string(s.outstanding) + ", acquires " + std::to_string(s.acquires) + ", waits " +
         std::to_string(s.waits) + ", timeouts " + std::to_string(s.timeouts) + ", not_committed " +
         std::to_string(s.not_committed) + ", high_water " + std::to_string(s.high_water) + ", commits " +
         std::to_string(s.commits) + ", decommits " + std::to_string(s.decommits) +
         (s.max_count > s.count || s.growths != 0
              ? ", max " + std::to_string(s.max_count) + ", growths " + std::to_string(s.growths) +
                    ", growth failures " + std::to_string(s.growth_failures)
              : std::string());
}

}  // namespace samplepool::tool
