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

Errc make_heap_backend(const BackendOptions& options, std::shared_ptr<Backend>* out) {
  if (out == nullptr || !options.is_default()) return Errc::invalid_argument;
  *out = std::make_shared<HeapBackend>();
  return Errc::ok;
}

}  // namespace samplepool::alloc
