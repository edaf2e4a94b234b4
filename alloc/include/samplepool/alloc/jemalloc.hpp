// samplepool/alloc/jemalloc.hpp: a backend on a dedicated jemalloc arena.
//
// Each backend creates its own arena (mallctl "arenas.create") and allocates
// with mallocx(MALLOCX_ARENA | MALLOCX_ALIGN | MALLOCX_TCACHE_NONE): pool
// memory never mixes with the application's heap and never sits in a thread
// cache, so the arena's statistics ("stats.arenas.<i>.small.allocated" and
// ".large.allocated", read after an "epoch" refresh) show exactly the bytes
// the pools hold. The arena is destroyed with the backend.
//
// Linking note: Debian's libjemalloc is built without a symbol prefix. The
// library links it behind libstdc++ so that libc's malloc and libstdc++'s
// operator new keep serving the embedding process (see README "jemalloc and
// your malloc"); only this backend calls into jemalloc. Build with
// -DSAMPLEPOOL_WITH_JEMALLOC=OFF to drop it; make_jemalloc_backend() then
// returns Errc::not_supported.
#pragma once

#include <memory>

#include "samplepool/alloc/backend.hpp"

namespace samplepool::alloc {

// Creates a backend with a fresh jemalloc arena (a BackendFactory; default
// options only). Errc::not_supported when built without jemalloc,
// Errc::out_of_memory if the arena cannot be made.
Errc make_jemalloc_backend(const BackendOptions& options, std::shared_ptr<Backend>* out);

// True when this build includes the jemalloc backend.
bool jemalloc_available() noexcept;

}  // namespace samplepool::alloc
