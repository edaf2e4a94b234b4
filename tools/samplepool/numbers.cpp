#include "numbers.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace samplepool::tool {
namespace {

// The leading number of `text` (strtod's syntax); `rest` gets what follows.
// "" when there is none.
std::string leading_number(const std::string& text, double* v, std::string* rest) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  *v = std::strtod(begin, &end);
  if (end == begin || text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) {
    return "not a number: " + text;
  }
  if (!std::isfinite(*v)) return "not a finite number: " + text;
  *rest = end;
  return {};
}

std::string out_of_range(const std::string& text, double min, double max) {
  if (max == kUnbounded) return "must be at least " + readable(min) + ": " + text;
  return "must be from " + readable(min) + " to " + readable(max) + ": " + text;
}

}  // namespace

std::string readable(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string check_real(const std::string& text, double min, double max, double* out) {
  double v = 0;
  std::string rest;
  if (std::string e = leading_number(text, &v, &rest); !e.empty()) return e;
  if (!rest.empty()) return "not a number: " + text;
  if (v < min || v > max) return out_of_range(text, min, max);
  *out = v;
  return {};
}

std::string check_integer(const std::string& text, std::uint64_t min, std::uint64_t max, std::uint64_t* out) {
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) {
    double v = 0;
    std::string rest;
    if (std::string e = leading_number(text, &v, &rest); !e.empty() || !rest.empty()) {
      return e.empty() ? "not a number: " + text : e;
    }
    if (v != std::floor(v)) return "must be an integer: " + text;
    if (v < 0) {
      return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) + ": " + text;
    }
    return "write it in digits (an integer without sign, point or exponent): " + text;
  }
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE || v < min || v > max) {
    return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) + ": " + text;
  }
  *out = v;
  return {};
}

std::string check_duration(const std::string& text, double min_s, double max_s, double* seconds) {
  double v = 0;
  std::string unit;
  if (std::string e = leading_number(text, &v, &unit); !e.empty()) return e;
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  else if (unit == "ms") scale = 1e-3;
  else if (unit == "m" || unit == "min") scale = 60;
  else if (unit == "h") scale = 3600;
  else return "not a duration (seconds, or a number with ms, s, m or h: 90, 90s, 10m, 2h): " + text;
  const double s = v * scale;
  if (s < min_s || s > max_s) {
    return "must be from " + readable(min_s) + " s to " + readable(max_s) + " s: " + text;
  }
  *seconds = s;
  return {};
}

CLI::Option* add_real(CLI::App& cmd, const std::string& name, double& target, double min, double max,
                      const std::string& description) {
  std::function<std::string(const std::string&, double*)> check = [min, max](const std::string& s, double* out) {
    return check_real(s, min, max, out);
  };
  return add_checked(cmd, name, target, check, description)->type_name("NUMBER")->default_str(readable(target));
}

CLI::Option* add_duration(CLI::App& cmd, const std::string& name, double& seconds, double min_s, double max_s,
                          const std::string& description) {
  std::function<std::string(const std::string&, double*)> check = [min_s, max_s](const std::string& s, double* out) {
    return check_duration(s, min_s, max_s, out);
  };
  return add_checked(cmd, name, seconds, check, description)
      ->type_name("DURATION")
      ->default_str(readable(seconds) + "s");
}

}  // namespace samplepool::tool
