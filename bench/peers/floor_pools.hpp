// Floors: pools that isolate one cost the performance goals run into, so that
// a goal that cannot be met is shown by an experiment, not argued.
//
//   samplepool_nocache       the native pool with its thread caches off: what
//                            every acquire and release costs on the shared
//                            path (the FIFO policy's only path, whose order
//                            forbids per-thread caches). SamplepoolPool's
//                            no_cache variant (samplepool_pools.hpp).
//   samplepool_virtual       the native pool behind a COM-shaped interface
//                            (acquire, data, release as virtual calls into
//                            another translation unit): the floor of any face
//                            that is an interface, as IMediaSample is.
//   samplepool_virtual_so    the same interface, implemented in a shared
//                            library of its own (libsamplepool_bench_face),
//                            built as libsamplepool is (position-independent,
//                            TLS descriptors): the floor of a face that lives
//                            in a shared library, as the C and DirectShow
//                            faces do. Its cache lookups read libsamplepool's
//                            thread-local through a descriptor call, where
//                            samplepool_virtual, linked into the program,
//                            reads it at a fixed offset.
//   rte_mempool_refcounted   rte_mempool with its cache, plus a reference count
//                            in a header line in front of each buffer, set on
//                            get and checked and cleared on put, as every
//                            refcounted buffer (IMediaSample, GstBuffer,
//                            AVBufferRef, samplepool's Sample) does: the floor
//                            of a hand-off whose buffers carry a count.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "adapter.hpp"
#include "dpdk_pool.hpp"
#include "samplepool/samplepool.hpp"

namespace samplepool::bench {

// The interface of samplepool_virtual and samplepool_virtual_so, implemented
// in virtual_face.cpp.
class VirtualFace {
 public:
  virtual ~VirtualFace() = default;
  virtual void* acquire() = 0;
  virtual std::byte* data(void* sample) = 0;
  virtual void release(void* sample) = 0;
};
VirtualFace* make_virtual_face(std::uint32_t count, std::size_t size);     // in this program
VirtualFace* make_virtual_face_so(std::uint32_t count, std::size_t size);  // in libsamplepool_bench_face

// Where the face's code lives: linked into the program, or in a shared library.
enum class FaceHome { program, shared_library };

template <FaceHome kHome>
class SamplepoolVirtualPool {
 public:
  static constexpr const char* kName = kHome == FaceHome::program ? "samplepool_virtual" : "samplepool_virtual_so";
  using Item = void*;
  SamplepoolVirtualPool(std::uint32_t count, std::size_t size)
      : face_(kHome == FaceHome::program ? make_virtual_face(count, size) : make_virtual_face_so(count, size)) {}
  ~SamplepoolVirtualPool() { delete face_; }
  SamplepoolVirtualPool(const SamplepoolVirtualPool&) = delete;
  SamplepoolVirtualPool& operator=(const SamplepoolVirtualPool&) = delete;
  Item acquire() { return face_->acquire(); }
  void release(Item&& s) { face_->release(s); }
  std::byte* data(Item& s) { return face_->data(s); }

 private:
  VirtualFace* face_;
};

#if SAMPLEPOOL_BENCH_HAVE_DPDK
// Each element is a 64-byte header line (the count) and then the buffer, so
// that the count does not share a line with the data, as samplepool's
// headers do not.
class DpdkRefcountedPool {
 public:
  static constexpr const char* kName = "rte_mempool_refcounted";
  static constexpr int kMaxThreads = DpdkPool<32>::kMaxThreads;
  using Item = void*;
  DpdkRefcountedPool(std::uint32_t count, std::size_t size) : pool_(count, size + kCacheLine) {}
  bool ok() const { return pool_.ok(); }
  void thread_init() { pool_.thread_init(); }
  void thread_fini() { pool_.thread_fini(); }
  Item acquire() {
    void* obj = pool_.acquire();
    refs(obj).store(1, std::memory_order_relaxed);
    return obj;
  }
  void release(Item&& obj) {
    // As samplepool's sole-holder release: look, then clear without a
    // read-modify-write (a count of 0 would be a double release).
    if (refs(obj).load(std::memory_order_acquire) == 1) refs(obj).store(0, std::memory_order_relaxed);
    pool_.release(std::move(obj));
  }
  // Bulk: rte_mempool's get_bulk/put_bulk, and the count of every buffer.
  void acquire_bulk(std::vector<void*>& v) {
    pool_.acquire_bulk(v);
    for (void* obj : v) refs(obj).store(1, std::memory_order_relaxed);
  }
  void release_bulk(std::vector<void*>& v) {
    for (void* obj : v) {
      if (refs(obj).load(std::memory_order_acquire) == 1) refs(obj).store(0, std::memory_order_relaxed);
    }
    pool_.release_bulk(v);
  }
  std::byte* data(Item& obj) { return static_cast<std::byte*>(obj) + kCacheLine; }

 private:
  static std::atomic<std::uint32_t>& refs(void* obj) { return *static_cast<std::atomic<std::uint32_t>*>(obj); }
  DpdkPool<32> pool_;
};
#endif

}  // namespace samplepool::bench
