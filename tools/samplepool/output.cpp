#include "output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

namespace samplepool::tool {
namespace {

int g_write_errno = 0;  // the first write error; main thread only

void note_error() {
  if (g_write_errno == 0) g_write_errno = errno != 0 ? errno : EIO;
}

}  // namespace

void emit(const std::string& text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) note_error();
}

int fail(const char* command, const std::string& message, bool json) {
  std::fprintf(stderr, "samplepool %s: %s\n", command, message.c_str());
  if (json) emit(nlohmann::json{{"command", command}, {"ok", false}, {"error", message}}.dump(2) + "\n");
  return 1;
}

int finish_output(int status) {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) note_error();
  if (g_write_errno == 0) return status;
  std::fprintf(stderr, "samplepool: cannot write the output: %s\n", std::strerror(g_write_errno));
  return 1;
}

}  // namespace samplepool::tool
