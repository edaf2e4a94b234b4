// tools/samplepool/options.hpp: options shared by the subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "progress.hpp"
#include "samplepool/alloc/registry.hpp"
#include "samplepool/samplepool.hpp"

namespace samplepool::tool {

// Which pool to build: free list, caches, arena backend.
struct PoolChoice {
  std::string backend = "heap";     // heap, jemalloc, mmap
  std::string huge_pages = "none";  // mmap, memfd: none, thp, hugetlb
  bool lock = false;                // mmap, memfd: mlock
  bool fifo = false;
  bool no_cache = false;

  // The backend's options as the registry (alloc/registry.hpp) takes them.
  alloc::BackendOptions backend_options() const {
    alloc::BackendOptions b;
    b.huge_pages = huge_pages == "thp"       ? alloc::HugePages::transparent
                   : huge_pages == "hugetlb" ? alloc::HugePages::explicit_
                                             : alloc::HugePages::none;
    b.lock = lock;
    return b;
  }

  // Refuses options that do not apply to the chosen backend (they would be
  // silently ignored, and the registry refuses them): throws
  // CLI::ValidationError, a usage error that names the option.
  void validate() const {
    const alloc::BackendEntry* e = alloc::find_backend(backend);
    if (e == nullptr) throw CLI::ValidationError("--backend", "unknown backend " + backend);
    if (e->mapping_options) return;
    if (lock) throw CLI::ValidationError("--lock", "applies to the mmap and memfd backends only (add --backend mmap)");
    if (huge_pages != "none") {
      throw CLI::ValidationError("--huge-pages", "applies to the mmap and memfd backends only (add --backend mmap)");
    }
  }

  // The PoolOptions; throws CLI::ValidationError if the backend is unavailable.
  PoolOptions options() const {
    PoolOptions o;
    o.free_list = fifo ? FreeListPolicy::fifo : FreeListPolicy::lifo;
    o.thread_cache = !no_cache;
    const Errc e = alloc::make_backend(backend, backend_options(), &o.backend);
    if (e == Errc::not_supported) {
      throw CLI::ValidationError("--backend", backend + " is not available in this build");
    }
    if (e != Errc::ok) throw CLI::ValidationError("--backend", backend + ": " + to_string(e));
    return o;
  }
};

// The registry's backend names, for --backend's check and help.
inline std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const alloc::BackendEntry& e : alloc::backends()) names.emplace_back(e.name);
  return names;
}

inline void add_pool_options(CLI::App& cmd, PoolChoice& p) {
  cmd.add_option("--backend", p.backend, "arena backend: heap, jemalloc, mmap or memfd")
      ->check(CLI::IsMember(backend_names()))->capture_default_str();
  cmd.add_option("--huge-pages", p.huge_pages, "mmap and memfd backends: none, thp or hugetlb (falls back to thp; the report says what was granted)")
      ->check(CLI::IsMember({"none", "thp", "hugetlb"}))->capture_default_str();
  cmd.add_flag("--lock", p.lock, "mmap and memfd backends: mlock the arena");
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
