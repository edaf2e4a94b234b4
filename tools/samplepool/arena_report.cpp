#include "arena_report.hpp"

#include <sys/resource.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace samplepool::tool {
namespace {

// "7f00-7f80 rw-p ..." -> true and the range, for a mapping's header line.
bool parse_range(const std::string& line, std::uintptr_t* lo, std::uintptr_t* hi) {
  unsigned long long a = 0, b = 0;
  char dash = 0;
  std::istringstream in(line);
  in >> std::hex >> a >> dash >> b;
  if (!in || dash != '-') return false;
  *lo = static_cast<std::uintptr_t>(a);
  *hi = static_cast<std::uintptr_t>(b);
  return true;
}

// The number of kB in "Name:   123 kB".
long long field_kb(const std::string& line) {
  long long v = 0;
  std::sscanf(line.c_str() + line.find(':') + 1, "%lld", &v);
  return v;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string mib(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (1 << 20));
  return buf;
}

}  // namespace

ArenaReport read_arena(std::istream& smaps, std::uintptr_t addr) {
  ArenaReport r;
  bool inside = false;
  long long page_kb = 0, thp_kb = 0;
  std::string line;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    // Field lines start with a capital ("Rss:"), a mapping's header with hex.
    if (!line.empty() && !std::isupper(static_cast<unsigned char>(line[0])) && parse_range(line, &lo, &hi)) {
      if (inside) break;  // past our mapping
      inside = lo <= addr && addr < hi;
      continue;
    }
    if (!inside) continue;
    if (starts_with(line, "KernelPageSize:")) page_kb = field_kb(line);
    // Transparent huge pages: private memory counts them as anonymous, a
    // shared (memfd) arena as shmem or file pages mapped by a PMD.
    else if (starts_with(line, "AnonHugePages:") || starts_with(line, "ShmemPmdMapped:") ||
             starts_with(line, "FilePmdMapped:")) {
      thp_kb += field_kb(line);
    }
    else if (starts_with(line, "VmFlags:")) {
      r.known = true;
      std::istringstream flags(line.substr(8));
      for (std::string f; flags >> f;) r.locked = r.locked || f == "lo";
    }
  }
  if (r.known) r.huge_pages = page_kb > 4 ? "hugetlb" : thp_kb > 0 ? "thp" : "none";
  return r;
}

ArenaReport inspect_arena(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  return read_arena(smaps, reinterpret_cast<std::uintptr_t>(address));
}

std::string explain_lock_refusal(std::size_t bytes) {
  std::string limit = "unknown";
  if (rlimit rl{}; getrlimit(RLIMIT_MEMLOCK, &rl) == 0) {
    limit = rl.rlim_cur == RLIM_INFINITY ? "unlimited" : mib(static_cast<double>(rl.rlim_cur)) + " (ulimit -l " +
                                                             std::to_string(rl.rlim_cur / 1024) + ")";
  }
  return "mlock refused: RLIMIT_MEMLOCK is " + limit + ", the arena needs at least " +
         mib(static_cast<double>(bytes)) + " (" + std::to_string(bytes) +
         " bytes); raise the limit (ulimit -l, LimitMEMLOCK= in a systemd unit, or CAP_IPC_LOCK) or run without "
         "--lock";
}

}  // namespace samplepool::tool
