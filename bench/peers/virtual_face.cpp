// samplepool_virtual's implementation, in its own translation unit so that
// the benchmark's calls through VirtualFace stay indirect (floor_pools.hpp).
// bench/CMakeLists.txt compiles it twice: into the benchmark program
// (make_virtual_face) and into a shared library of its own, built as
// libsamplepool is, where SAMPLEPOOL_VIRTUAL_FACE_FACTORY names the factory
// make_virtual_face_so (samplepool_virtual_so).
#include <cstdlib>

#include "floor_pools.hpp"

namespace samplepool::bench {
namespace {

class Face final : public VirtualFace {
 public:
  Face(std::uint32_t count, std::size_t size) {
    if (pool_.set_properties({count, size, 64, 0}) != Errc::ok || pool_.commit() != Errc::ok) std::abort();
  }
  void* acquire() override {
    Sample s;
    if (pool_.acquire(s) != Errc::ok) [[unlikely]] std::abort();
    return detail::PoolAccess::detach(s);
  }
  std::byte* data(void* sample) override { return static_cast<detail::SampleSlot*>(sample)->data; }
  void release(void* sample) override { detail::drop_ref(static_cast<detail::SampleSlot*>(sample)); }

 private:
  Pool pool_;
};

}  // namespace

#ifndef SAMPLEPOOL_VIRTUAL_FACE_FACTORY
#define SAMPLEPOOL_VIRTUAL_FACE_FACTORY make_virtual_face
#endif
VirtualFace* SAMPLEPOOL_VIRTUAL_FACE_FACTORY(std::uint32_t count, std::size_t size) { return new Face(count, size); }

}  // namespace samplepool::bench
