// samplepool/alloc/backend.hpp: the arena backend interface.
//
// A backend hands out large, aligned, zero-or-more-times-reused regions: one
// for the sample headers and one for the payload of each committed layout
// (and one per growth step of a growing pool, or one reservation it commits
// pages of, see reserve()).
// It is called only from a pool's control path (commit, release_memory,
// destruction), never per sample.
//
// A backend is responsible for:
//  - providing the arena's bytes and giving them back (allocate/deallocate);
//  - the alignment it is asked for (a power of two; Arena checks it first);
//  - how the memory is provided: huge pages, locking in RAM, pre-faulting
//    (BackendOptions; a backend refuses the options it cannot honour).
// A backend is NOT responsible for, and must not assume anything about:
//  - the layout of samples inside a region (headers, prefixes, strides:
//    the engine's properties.hpp);
//  - free lists, reference counts, commit/decommit, waiting;
//  - the lifetime of what it handed out beyond deallocate (the engine
//    returns every region before it lets the backend go);
//  - thread safety beyond what is stated below.
//
// Backends are named and made through one registry (registry.hpp); each
// backend's factory has the BackendFactory shape below.
//
// Mandatory operations are pure virtual (a backend without them does not
// compile); optional ones have defaults here. Argument checks and the byte
// accounting every backend shares live in one place, Arena (arena.hpp), not
// in each backend.
//
// Thread safety: a backend may be shared by several pools (a shared_ptr), so
// allocate/deallocate must be safe to call concurrently.
#pragma once

#include <cstddef>
#include <memory>

#include "samplepool/errc.hpp"

namespace samplepool::alloc {

enum class HugePages { none, transparent, explicit_ };

// False for a value cast from outside the enum (a factory refuses it).
constexpr bool is_known(HugePages h) noexcept {
  return h == HugePages::none || h == HugePages::transparent || h == HugePages::explicit_;
}

// How a backend provides its memory. Every field but the defaults applies to
// the mmap backend only; the others refuse non-default values with
// Errc::invalid_argument rather than ignore them.
struct BackendOptions {
  bool populate = true;                    // pre-fault each region
  HugePages huge_pages = HugePages::none;  // see mmap.hpp
  bool lock = false;                       // mlock each region

  bool is_default() const noexcept {
    return populate && huge_pages == HugePages::none && !lock;
  }
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Short stable name for logs and --json output ("heap", "jemalloc", "mmap").
  virtual const char* name() const noexcept = 0;

  // Allocates `bytes` (> 0, a multiple of nothing in particular) aligned to
  // `alignment` (a power of two). Returns Errc::ok and sets *out, or
  // Errc::out_of_memory / Errc::not_supported and leaves *out untouched.
  virtual Errc allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept = 0;

  // Returns a region from allocate() with the same bytes and alignment.
  virtual void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept = 0;

  // Optional: growable regions. A pool that may grow keeps its payload in one
  // reserved range when the backend can reserve one, so that growing commits
  // pages instead of allocating a region per step (the mmap backend); a
  // backend that cannot answers reserve() with Errc::not_supported and the
  // pool allocates each growth step with allocate() instead.
  //  - reserve: address space for `max_bytes`, aligned to `alignment`, with
  //    nothing usable yet;
  //  - commit: makes [p, p + bytes) usable (rounded out to pages) under the
  //    backend's options (huge pages, locking, pre-faulting): Errc::ok, or
  //    out_of_memory / not_supported (an mlock refused) with nothing changed;
  //  - decommit: gives the pages wholly inside [p, p + bytes) back (rounded
  //    in), keeping the address space;
  //  - release: ends a reservation (with whatever is still committed).
  virtual Errc reserve(std::size_t max_bytes, std::size_t alignment, void** out) noexcept {
    (void)max_bytes, (void)alignment, (void)out;
    return Errc::not_supported;
  }
  virtual Errc commit(void* p, std::size_t bytes) noexcept {
    (void)p, (void)bytes;
    return Errc::not_supported;
  }
  virtual void decommit(void* p, std::size_t bytes) noexcept { (void)p, (void)bytes; }
  virtual void release(void* p, std::size_t max_bytes, std::size_t alignment) noexcept {
    (void)p, (void)max_bytes, (void)alignment;
  }

  // Optional: bytes the backend's own allocator still holds for this backend,
  // as it measures them (jemalloc's arena stats). -1 when it cannot tell.
  virtual long long resident_bytes() const noexcept { return -1; }

  // Optional: a one-line description of how the memory is provided
  // (page size, locking), for logs.
  virtual const char* describe() const noexcept { return name(); }
};

// The one shape of every backend factory: Errc::ok and *out set, or an error
// and *out untouched (Errc::invalid_argument for a null `out` or options the
// backend does not honour, Errc::not_supported when compiled out,
// Errc::out_of_memory when the backend cannot be set up).
using BackendFactory = Errc (*)(const BackendOptions& options, std::shared_ptr<Backend>* out);

}  // namespace samplepool::alloc
