#include "samplepool/alloc/arena.hpp"

#include <bit>
#include <cstdint>

#include "samplepool/alloc/heap.hpp"

namespace samplepool::alloc {

Arena::Arena(std::shared_ptr<Backend> backend) : backend_(std::move(backend)) {
  if (!backend_) (void)make_heap_backend(BackendOptions{}, &backend_);  // cannot fail
}

namespace {

// What allocate() and reserve() refuse before the backend sees it.
Errc check_request(std::size_t bytes, std::size_t alignment, void** out) noexcept {
  if (out == nullptr || bytes == 0) return Errc::invalid_argument;
  if (!std::has_single_bit(alignment)) return Errc::bad_alignment;
  // Backends round sizes up to pages or alignment; refuse anything whose
  // rounding could wrap rather than let a backend wrap it.
  if (bytes > static_cast<std::size_t>(PTRDIFF_MAX) - alignment) return Errc::too_large;
  return Errc::ok;
}

// What the caller asked for; the pool relies on it (the slot region's pages,
// slot.hpp; the payload's alignment, properties.hpp).
bool aligned(const void* p, std::size_t alignment) noexcept {
  return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

}  // namespace

Errc Arena::allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept {
  if (const Errc e = check_request(bytes, alignment, out); e != Errc::ok) return e;
  void* p = nullptr;
  Errc e = backend_->allocate(bytes, alignment, &p);
  if (e == Errc::ok && !aligned(p, alignment)) {  // a backend that broke its promise (backend.hpp)
    backend_->deallocate(p, bytes, alignment);
    e = Errc::not_supported;
  }
  if (e != Errc::ok) {
    failures_.fetch_add(1, std::memory_order_relaxed);  // statistics: relaxed throughout
    return e;
  }
  allocations_.fetch_add(1, std::memory_order_relaxed);
  count_in(bytes);
  *out = p;
  return Errc::ok;
}

void Arena::count_in(std::size_t bytes) noexcept {
  const std::uint64_t now = in_use_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  std::uint64_t peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

Errc Arena::reserve(std::size_t max_bytes, std::size_t alignment, void** out) noexcept {
  if (const Errc e = check_request(max_bytes, alignment, out); e != Errc::ok) return e;
  void* p = nullptr;
  if (const Errc e = backend_->reserve(max_bytes, alignment, &p); e != Errc::ok) return e;
  if (!aligned(p, alignment)) {
    backend_->release(p, max_bytes, alignment);
    return Errc::not_supported;
  }
  *out = p;
  return Errc::ok;
}

Errc Arena::commit(void* p, std::size_t bytes) noexcept {
  if (p == nullptr || bytes == 0) return Errc::invalid_argument;
  const Errc e = backend_->commit(p, bytes);
  if (e != Errc::ok) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return e;
  }
  allocations_.fetch_add(1, std::memory_order_relaxed);
  count_in(bytes);
  return Errc::ok;
}

void Arena::decommit(void* p, std::size_t bytes) noexcept {
  if (p == nullptr || bytes == 0) return;
  backend_->decommit(p, bytes);
  in_use_.fetch_sub(bytes, std::memory_order_relaxed);
}

void Arena::release(void* p, std::size_t max_bytes, std::size_t alignment) noexcept {
  if (p != nullptr) backend_->release(p, max_bytes, alignment);
}

void Arena::deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept {
  if (p == nullptr) return;
  backend_->deallocate(p, bytes, alignment);
  in_use_.fetch_sub(bytes, std::memory_order_relaxed);
}

ArenaStats Arena::stats() const noexcept {
  return ArenaStats{in_use_.load(std::memory_order_relaxed), peak_.load(std::memory_order_relaxed),
                    allocations_.load(std::memory_order_relaxed),
                    failures_.load(std::memory_order_relaxed)};
}

}  // namespace samplepool::alloc
