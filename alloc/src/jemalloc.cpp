#include "samplepool/alloc/jemalloc.hpp"

#if SAMPLEPOOL_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>

#include <cstdint>
#include <cstdio>
#endif

namespace samplepool::alloc {

#if SAMPLEPOOL_HAVE_JEMALLOC
namespace {

class JemallocBackend final : public Backend {
 public:
  explicit JemallocBackend(unsigned arena) noexcept : arena_(arena) {
    std::snprintf(describe_, sizeof describe_, "jemalloc arena %u", arena_);
  }
  ~JemallocBackend() override {
    // Every pool using this backend has returned its regions (Arena's owners
    // hold the backend alive until then), so the arena is empty: destroy it
    // and let jemalloc recycle its index.
    char name[64];
    std::snprintf(name, sizeof name, "arena.%u.destroy", arena_);
    mallctl(name, nullptr, nullptr, nullptr, 0);
  }
  const char* name() const noexcept override { return "jemalloc"; }
  const char* describe() const noexcept override { return describe_; }

  Errc allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept override {
    void* p = mallocx(bytes, MALLOCX_ARENA(arena_) | MALLOCX_ALIGN(alignment) | MALLOCX_TCACHE_NONE);
    if (p == nullptr) return Errc::out_of_memory;
    *out = p;
    return Errc::ok;
  }
  void deallocate(void* p, std::size_t, std::size_t) noexcept override {
    dallocx(p, MALLOCX_TCACHE_NONE);
  }

  long long resident_bytes() const noexcept override {
    // Refresh jemalloc's cached statistics, then add the arena's small and
    // large allocated bytes.
    std::uint64_t epoch = 1;
    std::size_t sz = sizeof epoch;
    if (mallctl("epoch", &epoch, &sz, &epoch, sz) != 0) return -1;
    long long total = 0;
    for (const char* kind : {"small", "large"}) {
      char name[96];
      std::snprintf(name, sizeof name, "stats.arenas.%u.%s.allocated", arena_, kind);
      std::size_t value = 0;
      sz = sizeof value;
      if (mallctl(name, &value, &sz, nullptr, 0) != 0) return -1;
      total += static_cast<long long>(value);
    }
    return total;
  }

 private:
  unsigned arena_;
  char describe_[48];
};

}  // namespace

Errc make_jemalloc_backend(const BackendOptions& options, std::shared_ptr<Backend>* out) {
  if (out == nullptr || !options.is_default()) return Errc::invalid_argument;
  unsigned arena = 0;
  std::size_t sz = sizeof arena;
  if (mallctl("arenas.create", &arena, &sz, nullptr, 0) != 0) return Errc::out_of_memory;
  *out = std::make_shared<JemallocBackend>(arena);
  return Errc::ok;
}

bool jemalloc_available() noexcept { return true; }

#else  // built with SAMPLEPOOL_WITH_JEMALLOC=OFF

Errc make_jemalloc_backend(const BackendOptions& options, std::shared_ptr<Backend>* out) {
  return out == nullptr || !options.is_default() ? Errc::invalid_argument : Errc::not_supported;
}

bool jemalloc_available() noexcept { return false; }

#endif

}  // namespace samplepool::alloc
