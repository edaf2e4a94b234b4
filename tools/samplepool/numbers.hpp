// tools/samplepool/numbers.hpp: strict parsing of the numbers and durations
// the subcommands take, with messages a user can act on.
//
// Every numeric option of the tool goes through these checks, so that they
// all say the same thing for the same mistake:
//   "abc"      -> "not a number: abc"
//   "nan"      -> "not a finite number: nan"  (also inf)
//   "2.5"      -> "must be an integer: 2.5"   (integer options)
//   "0"        -> "must be from 1 to 100000: 0"  (bounds printed with %g,
//                 "at least 0" when there is no upper bound)
// Durations: plain seconds or a number with a unit: 500ms, 90s, 10m, 2h.
//
// Each check returns "" on success (and stores the value) or the message;
// the add_* helpers wrap them as CLI11 options (validated before they are
// stored), showing the current value as the default in --help.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

namespace samplepool::tool {

inline constexpr double kUnbounded = std::numeric_limits<double>::infinity();

// A bound as people write it (%g: 100000, 1e+07, 0.01).
std::string readable(double v);

std::string check_real(const std::string& text, double min, double max, double* out);
std::string check_integer(const std::string& text, std::uint64_t min, std::uint64_t max, std::uint64_t* out);
std::string check_duration(const std::string& text, double min_s, double max_s, double* seconds);

// An option whose text `check` validates (before anything is stored) and
// converts into `target`; check returns "" or the message.
template <class T>
CLI::Option* add_checked(CLI::App& cmd, const std::string& name, T& target,
                         std::function<std::string(const std::string&, T*)> check, const std::string& description) {
  CLI::Option* opt = cmd.add_option_function<std::string>(
      name, [&target, check](const std::string& s) { check(s, &target); }, description);
  opt->check(CLI::Validator(
      [check](std::string& s) {
        T scratch{};
        return check(s, &scratch);
      },
      ""));
  return opt;
}

// A real option in [min, max].
CLI::Option* add_real(CLI::App& cmd, const std::string& name, double& target, double min, double max,
                      const std::string& description);

// A duration option in [min_s, max_s] seconds (the target is in seconds).
CLI::Option* add_duration(CLI::App& cmd, const std::string& name, double& seconds, double min_s, double max_s,
                          const std::string& description);

// An unsigned integer option in [min, max] (which must fit in T).
template <class T>
CLI::Option* add_integer(CLI::App& cmd, const std::string& name, T& target, T min, T max,
                         const std::string& description) {
  static_assert(std::is_unsigned_v<T>, "the tool's integer options are unsigned");
  const auto lo = static_cast<std::uint64_t>(min), hi = static_cast<std::uint64_t>(max);
  std::function<std::string(const std::string&, T*)> check = [lo, hi](const std::string& s, T* out) {
    std::uint64_t v = 0;
    std::string e = check_integer(s, lo, hi, &v);
    if (e.empty()) *out = static_cast<T>(v);
    return e;
  };
  return add_checked(cmd, name, target, check, description)->type_name("INT")->default_str(std::to_string(target));
}

}  // namespace samplepool::tool
