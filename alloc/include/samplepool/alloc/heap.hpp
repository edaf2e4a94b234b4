// samplepool/alloc/heap.hpp: the default backend, aligned operator new.
#pragma once

#include <memory>

#include "samplepool/alloc/backend.hpp"

namespace samplepool::alloc {

// Uses ::operator new(size, align_val_t, nothrow): whatever malloc the process
// runs (glibc, or jemalloc when it is linked in; see jemalloc.hpp). Takes
// default options only (a BackendFactory).
Errc make_heap_backend(const BackendOptions& options, std::shared_ptr<Backend>* out);

}  // namespace samplepool::alloc
