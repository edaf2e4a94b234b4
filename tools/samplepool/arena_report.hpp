// tools/samplepool/arena_report.hpp: what the arena actually got, as the
// kernel tells it, for the report (not what the options asked for).
//
// The mapping that holds a sample is looked up in /proc/self/smaps:
//   huge pages  "hugetlb" (a hugetlbfs mapping: KernelPageSize above 4 KiB),
//               "thp" (some of it backed by transparent huge pages:
//               anonymous, or shmem/file pages mapped by a PMD, as a memfd
//               arena's are), "none";
//               so a hugetlb request that fell back reads "thp" or "none";
//   locked      the mapping is mlock()ed (VmFlags "lo").
// When smaps cannot be read, known is false and the fields say "unknown".
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>

namespace samplepool::tool {

struct ArenaReport {
  bool known = false;
  std::string huge_pages = "unknown";  // hugetlb, thp, none, unknown
  bool locked = false;
};

// The mapping that holds `address` (a sample's data).
ArenaReport inspect_arena(const void* address);
// The same from smaps text (what inspect_arena reads from /proc/self/smaps).
ArenaReport read_arena(std::istream& smaps, std::uintptr_t address);

// Why mlock was refused, for the message: RLIMIT_MEMLOCK against the bytes
// the arena needs (at least `bytes`), and what to do about it.
std::string explain_lock_refusal(std::size_t bytes);

}  // namespace samplepool::tool
