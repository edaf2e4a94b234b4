// What the tool reports of an arena's pages, from smaps text
// (tools/samplepool/arena_report.hpp).
#include "arena_report.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace samplepool::tool {
namespace {

// One mapping at 0x7f0000000000, 4 MiB, with `fields` and the flags line.
ArenaReport report_of(const std::string& fields, const std::string& flags = "rd wr sh mr mw me ms") {
  std::istringstream smaps("7effff000000-7f0000000000 r--p 00000000 00:00 0\n"
                           "KernelPageSize:        4 kB\n"
                           "AnonHugePages:      2048 kB\n"
                           "VmFlags: rd mr mw me\n"
                           "7f0000000000-7f0000400000 rw-s 00000000 00:01 42   /memfd:samplepool (deleted)\n" +
                           fields + "VmFlags: " + flags + "\n" +
                           "7f0000400000-7f0000401000 rw-p 00000000 00:00 0\n"
                           "AnonHugePages:      2048 kB\n"
                           "VmFlags: rd wr mr mw me\n");
  return read_arena(smaps, 0x7f0000001000);
}

TEST(ArenaReport, SmallPagesAreNone) {
  const ArenaReport r = report_of("KernelPageSize:        4 kB\nAnonHugePages:         0 kB\n");
  EXPECT_TRUE(r.known);
  EXPECT_EQ(r.huge_pages, "none");  // the neighbours' huge pages are not ours
  EXPECT_FALSE(r.locked);
}

TEST(ArenaReport, TransparentHugePagesOfPrivateAndSharedMemory) {
  EXPECT_EQ(report_of("KernelPageSize: 4 kB\nAnonHugePages: 2048 kB\n").huge_pages, "thp");
  EXPECT_EQ(report_of("KernelPageSize: 4 kB\nAnonHugePages: 0 kB\nShmemPmdMapped: 4096 kB\n").huge_pages, "thp");
  EXPECT_EQ(report_of("KernelPageSize: 4 kB\nFilePmdMapped: 2048 kB\n").huge_pages, "thp");
}

TEST(ArenaReport, HugetlbAndLocked) {
  const ArenaReport r = report_of("KernelPageSize:     2048 kB\n", "rd wr sh mr mw me ms lo ht");
  EXPECT_EQ(r.huge_pages, "hugetlb");
  EXPECT_TRUE(r.locked);
}

TEST(ArenaReport, AnAddressInNoMappingIsUnknown) {
  std::istringstream smaps("7f0000000000-7f0000001000 rw-p 00000000 00:00 0\nVmFlags: rd wr\n");
  const ArenaReport r = read_arena(smaps, 0x1000);
  EXPECT_FALSE(r.known);
  EXPECT_EQ(r.huge_pages, "unknown");
}

}  // namespace
}  // namespace samplepool::tool
