#include "samplepool/alloc/registry.hpp"

#include <array>

#include "samplepool/alloc/heap.hpp"
#include "samplepool/alloc/jemalloc.hpp"
#include "samplepool/alloc/memfd_backend.hpp"
#include "samplepool/alloc/mmap.hpp"

namespace samplepool::alloc {
namespace {

constexpr bool kHaveJemalloc = SAMPLEPOOL_HAVE_JEMALLOC != 0;

constexpr std::array kBackends{
    BackendEntry{"heap", &make_heap_backend, true, false},
    BackendEntry{"jemalloc", &make_jemalloc_backend, kHaveJemalloc, false},
    BackendEntry{"mmap", &make_mmap_backend, true, true},
    BackendEntry{"memfd", &make_memfd_backend, true, true},
};

}  // namespace

std::span<const BackendEntry> backends() noexcept { return kBackends; }

const BackendEntry* find_backend(std::string_view name) noexcept {
  for (const BackendEntry& e : kBackends) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

Errc make_backend(std::string_view name, const BackendOptions& options, std::shared_ptr<Backend>* out) {
  const BackendEntry* e = find_backend(name);
  if (out == nullptr || e == nullptr) return Errc::invalid_argument;
  // The factory checks the options before anything else, so a compiled-out
  // backend refuses inapplicable options the same way an available one does.
  return e->make(options, out);
}

}  // namespace samplepool::alloc
