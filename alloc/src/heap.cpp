#include "samplepool/alloc/heap.hpp"

#include <new>

namespace samplepool::alloc {
namespace {

class HeapBackend final : public Backend {
 public:
  const char* name() const noexcept override { return "heap"; }
  Errc allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept override {
    void* p = ::operator new(bytes, std::align_val_t{alignment}, std::nothrow);
    if (p == nullptr) return Errc::out_of_memory;
    *out = p;
    return Errc::ok;
  }
  void deallocate(void* p, std::size_t, std::size_t alignment) noexcept override {
    // Unsized: clang 14 does not enable sized deallocation by default.
    ::operator delete(p, std::align_val_t{alignment});
  }
};

}  // namespace

std::shared_ptr<Backend> make_heap_backend() { return std::make_shared<HeapBackend>(); }

}  // namespace samplepool::alloc
