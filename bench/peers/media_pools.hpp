// The pools media applications use today: GStreamer's GstBufferPool and
// FFmpeg's AVBufferPool; and no pool at all (malloc/free per frame, glibc's
// and jemalloc's).
#pragma once

#include <cstddef>
#include <cstdint>

#include "adapter.hpp"

#if SAMPLEPOOL_BENCH_HAVE_GST
#include <gst/gst.h>
#endif
#if SAMPLEPOOL_BENCH_HAVE_AVUTIL
extern "C" {
#include <libavutil/buffer.h>
}
#endif
#if SAMPLEPOOL_BENCH_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

extern "C" void* __libc_malloc(std::size_t);  // glibc's own, even when jemalloc is linked
extern "C" void __libc_free(void*);

namespace samplepool::bench {

#if SAMPLEPOOL_BENCH_HAVE_GST
// GstBufferPool 1.22 with min = max = count: acquire blocks when all are out.
// Not run with 4 threads: on 2 cores its lock-free queue's push spins on a
// preempted thread's progress, and a 4-thread round-trip run here stayed
// inside gst_atomic_queue_push for over 11 minutes (every thread's stack in
// it), so it would stall the whole suite.
class GstPool {
 public:
  static constexpr const char* kName = "gst_buffer_pool";
  static constexpr int kMaxThreads = 2;
  using Item = GstBuffer*;
  GstPool(std::uint32_t count, std::size_t size) {
    gst_init(nullptr, nullptr);
    pool_ = gst_buffer_pool_new();
    GstStructure* config = gst_buffer_pool_get_config(pool_);
    gst_buffer_pool_config_set_params(config, nullptr, static_cast<guint>(size), count, count);
    gst_buffer_pool_set_config(pool_, config);
    gst_buffer_pool_set_active(pool_, TRUE);
  }
  ~GstPool() {
    gst_buffer_pool_set_active(pool_, FALSE);
    gst_object_unref(pool_);
  }
  Item acquire() {
    GstBuffer* b = nullptr;
    gst_buffer_pool_acquire_buffer(pool_, &b, nullptr);
    return b;
  }
  void release(Item&& b) { gst_buffer_unref(b); }
  std::byte* data(Item& b) {
    GstMapInfo map;
    gst_buffer_map(b, &map, GST_MAP_WRITE);
    auto* p = reinterpret_cast<std::byte*>(map.data);
    gst_buffer_unmap(b, &map);
    return p;
  }

 private:
  GstBufferPool* pool_ = nullptr;
};
#endif

#if SAMPLEPOOL_BENCH_HAVE_AVUTIL
// AVBufferPool: never blocks; allocates when empty (the scenarios never
// hold more than `count` at once, so it stays at `count`).
class AvPool {
 public:
  static constexpr const char* kName = "av_buffer_pool";
  using Item = AVBufferRef*;
  AvPool(std::uint32_t, std::size_t size) : pool_(av_buffer_pool_init(size, nullptr)) {}
  ~AvPool() { av_buffer_pool_uninit(&pool_); }
  Item acquire() { return av_buffer_pool_get(pool_); }
  void release(Item&& b) { av_buffer_unref(&b); }
  std::byte* data(Item& b) { return reinterpret_cast<std::byte*>(b->data); }

 private:
  AVBufferPool* pool_;
};
#endif

class GlibcMalloc {
 public:
  static constexpr const char* kName = "glibc_malloc";
  using Item = std::byte*;
  GlibcMalloc(std::uint32_t, std::size_t size) : size_(size) {}
  Item acquire() { return static_cast<std::byte*>(__libc_malloc(size_)); }
  void release(Item&& b) { __libc_free(b); }
  std::byte* data(Item& b) { return b; }

 private:
  std::size_t size_;
};

#if SAMPLEPOOL_BENCH_HAVE_JEMALLOC
class JemallocMalloc {
 public:
  static constexpr const char* kName = "jemalloc_mallocx";
  using Item = std::byte*;
  JemallocMalloc(std::uint32_t, std::size_t size) : size_(size) {}
  Item acquire() { return static_cast<std::byte*>(mallocx(size_, 0)); }
  void release(Item&& b) { dallocx(b, 0); }
  std::byte* data(Item& b) { return b; }

 private:
  std::size_t size_;
};
#endif

}  // namespace samplepool::bench
