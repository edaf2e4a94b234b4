// samplepool/alloc/registry.hpp: the one place that names arena backends.
//
// A table of {name, factory}, in the spirit of DPDK's mempool ops table:
// every caller that picks a backend by name (the C API, the samplepool tool,
// the stress scenarios, the tests) goes through make_backend(), so a new
// backend is one entry here and one BackendFactory (backend.hpp), and every
// one of those callers knows it at once.
//
// Thread safety: the table is constant; every function may be called
// concurrently.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "samplepool/alloc/backend.hpp"

namespace samplepool::alloc {

struct BackendEntry {
  std::string_view name;  // "heap", "jemalloc", "mmap": Backend::name() of what it makes
  BackendFactory make;
  bool available;         // compiled into this build (jemalloc may not be)
  bool mapping_options;   // honours BackendOptions' populate, huge_pages and lock
};

// Every backend this build knows, compiled out ones included (available
// false), in a stable order: heap (the default) first.
std::span<const BackendEntry> backends() noexcept;

// The entry named `name`, or null.
const BackendEntry* find_backend(std::string_view name) noexcept;

// Makes the backend named `name` with `options`. Errc::ok and *out set, or
// *out untouched and:
//  - Errc::invalid_argument: a null `out`, an unknown name, or options the
//    backend does not honour (huge pages or lock with heap or jemalloc);
//  - Errc::not_supported: the backend is compiled out of this build;
//  - Errc::out_of_memory: the backend could not be set up.
Errc make_backend(std::string_view name, const BackendOptions& options, std::shared_ptr<Backend>* out);

}  // namespace samplepool::alloc
