// tools/samplepool/options.hpp: options shared by the subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "progress.hpp"
#include "samplepool/samplepool.hpp"

namespace samplepool::tool {

// Which pool to build: free list, caches, arena backend.
struct PoolChoice {
  std::string backend = "heap";     // heap, jemalloc, mmap
  std::string huge_pages = "none";  // mmap: none, thp, hugetlb
  bool lock = false;                // mmap: mlock
  bool fifo = false;
  bool no_cache = false;

  // Refuses options that do not apply to the chosen backend (they would be
  // silently ignored): throws CLI::ValidationError, a usage error.
  void validate() const {
    if (backend == "mmap") return;
    if (lock) throw CLI::ValidationError("--lock", "applies to the mmap backend only (add --backend mmap)");
    if (huge_pages != "none") {
      throw CLI::ValidationError("--huge-pages", "applies to the mmap backend only (add --backend mmap)");
    }
  }

  // The PoolOptions; throws CLI::ValidationError if the backend is unavailable.
  PoolOptions options() const {
    PoolOptions o;
    o.free_list = fifo ? FreeListPolicy::fifo : FreeListPolicy::lifo;
    o.thread_cache = !no_cache;
    if (backend == "jemalloc") {
      if (alloc::make_jemalloc_backend(&o.backend) != Errc::ok) {
        throw CLI::ValidationError("--backend", "jemalloc is not available in this build");
      }
    } else if (backend == "mmap") {
      alloc::MmapOptions m;
      m.huge_pages = huge_pages == "thp" ? alloc::HugePages::transparent
                     : huge_pages == "hugetlb" ? alloc::HugePages::explicit_
                                               : alloc::HugePages::none;
      m.lock = lock;
      o.backend = alloc::make_mmap_backend(m);
    }
    return o;
  }
};

inline void add_pool_options(CLI::App& cmd, PoolChoice& p) {
  cmd.add_option("--backend", p.backend, "arena backend: heap, jemalloc or mmap")
      ->check(CLI::IsMember({"heap", "jemalloc", "mmap"}))->capture_default_str();
  cmd.add_option("--huge-pages", p.huge_pages, "mmap backend: none, thp or hugetlb (falls back to thp; the report says what was granted)")
      ->check(CLI::IsMember({"none", "thp", "hugetlb"}))->capture_default_str();
  cmd.add_flag("--lock", p.lock, "mmap backend: mlock the arena");
  cmd.add_flag("--fifo", p.fifo, "FIFO free list (even rotation) instead of LIFO");
  cmd.add_flag("--no-cache", p.no_cache, "no per-thread caches");
}

inline void add_output_options(CLI::App& cmd, bool& json, std::string& progress) {
  cmd.add_flag("--json", json, "print the result as JSON on stdout");
  cmd.add_option("--progress", progress, "progress on stderr: auto (live on a terminal), live, lines, none")
      ->check(CLI::IsMember({"auto", "live", "lines", "none"}))->capture_default_str();
}

inline ProgressMode parse_mode(const std::string& s) {
  ProgressMode m = ProgressMode::automatic;
  parse_progress(s, &m);
  return m;
}

}  // namespace samplepool::tool
