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
//   magazine_floor           the least a pool can do in the hand-off: a
//                            buffer is a pointer and nothing else (no
//                            header, no count, no blocking), each thread
//                            keeps one magazine of buffers, and whole
//                            magazines change hands through two lock-free
//                            stacks (Bonwick's magazines, on the engine's own
//                            stack), one CAS each per magazine; exactly
//                            `count` buffers, as a samplepool pool holds.
//                            A pool of `count` buffers that hands them from
//                            one thread to another can hardly do less per
//                            buffer: its hand-off against rte_mempool's
//                            (sized with spares) is the bound such a pool
//                            meets on this machine.
//   magazine_floor_spares    the same, sized as rte_mempool is: what the
//                            spares alone buy.
//   magazine_floor_parts     magazine_floor plus what samplepool's guarantees
//                            cost each call, in samplepool's own code: every
//                            buffer has a sample header (detail::SampleSlot),
//                            which each acquire marks as held (the count, the
//                            flags, the holder stamp) and each release checks
//                            is this pool's; and each call is a section of
//                            the thread's cache handshake (ThreadCache's
//                            enter, reclaimed, leave), which lets a closer
//                            empty a cache without waiting for its owner.
//                            DPDK's caches do neither: this is the floor of
//                            a hand-off with samplepool's guarantees.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <type_traits>
#include <vector>

#include "adapter.hpp"
#include "block.hpp"
#include "dpdk_pool.hpp"
#include "samplepool/detail/holder_stamp.hpp"
#include "samplepool/detail/lifo_free_list.hpp"
#include "samplepool/detail/slot.hpp"
#include "samplepool/detail/thread_cache.hpp"
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

// The magazine floors (the hand-off only). A magazine belongs to one thread
// (its t_mag_) or sits on one of the two stacks: `loaded` (n > 0) or
// `empty` (n == 0). Its n and items are plain: the stacks' CAS (seq_cst: a
// release on push, an acquire on pop, lifo_free_list.hpp) hands a
// magazine's contents from the thread that pushed it to the one that pops
// it. One pool per thread at a time (thread_init .. thread_fini), as the
// hand-off uses it.
//
// Sizing. magazine_floor holds exactly `count` buffers, as every samplepool
// pool does (a capture app's count is its memory budget and its
// back-pressure): magazines of count / 4 (16 for the scenarios' 64; at 64
// buffers, 16 ran faster than 8 or 32). magazine_floor_spares is sized as
// rte_mempool is (dpdk_pool.hpp): `count` plus a magazine of 32, DPDK's cache
// size, for every thread. magazine_floor_parts is sized as magazine_floor.
//
// Parts (magazine_floor_parts). Buffer i has header i; the headers are
// plain SampleSlots (only data and caches set) in a region laid out as a
// pool's (slot.hpp), never shared with a Pool.
// Each thread that holds a magazine also holds a ThreadCache of its own
// (taken from `free_caches`, given back by thread_fini) for its handshake
// words alone: its reclaim stays 0, since no closer ever comes, so a
// section that fails to open or is reclaimed is a bug and aborts.
enum class Floor { exact, spares, parts };

template <Floor kFloor>
class MagazineFloorPool {
  static constexpr bool kSpares = kFloor == Floor::spares;
  static constexpr bool kParts = kFloor == Floor::parts;

 public:
  static constexpr const char* kName = kFloor == Floor::exact    ? "magazine_floor"
                                       : kFloor == Floor::spares ? "magazine_floor_spares"
                                                                 : "magazine_floor_parts";
  using Item = std::conditional_t<kParts, detail::SampleSlot*, std::byte*>;
  // The round trip (magazine_floor_parts runs it): a thread's first acquire
  // takes a loaded magazine, which its round trips then neither empty nor
  // fill, so each thread keeps one for good and the scenarios' 64 buffers
  // (4 magazines of 16) serve 4 threads; a fifth would wait forever.
  static constexpr int kMaxThreads = 4;
  MagazineFloorPool(std::uint32_t count, std::size_t size)
      : cap_(kSpares ? kMost : std::clamp(count / 4, 1u, kMost)),
        threads_(static_cast<std::uint32_t>(std::max(run_max_threads(), 2))),
        buffers_(count + (kSpares ? threads_ * cap_ : 0)),
        block_(buffers_, size) {
    const std::uint32_t loaded = (buffers_ + cap_ - 1) / cap_;
    const std::uint32_t total = loaded + threads_ + 1;  // an empty one for every thread, and one more
    mags_ = std::make_unique<Magazine[]>(total);
    if constexpr (kParts) {
      slots_ = SlotRegion(static_cast<detail::SampleSlot*>(::operator new(
                              detail::slot_region_bytes(buffers_), std::align_val_t{detail::kSlotRegionAlignment})),
                          RegionDeleter{buffers_});
      for (std::uint32_t b = 0; b < buffers_; ++b) detail::build_slot(detail::slot_in(slots_.get(), b));
      caches_ = std::make_unique<detail::ThreadCache[]>(threads_);
      free_caches_.reset(threads_, 0);
      for (std::uint32_t t = 0; t < threads_; ++t) {
        caches_[t].reclaim.store(0, std::memory_order_relaxed);  // open (published by the push)
        free_caches_.push(t);
      }
    }
    for (std::uint32_t b = 0; b < buffers_; ++b) {
      Magazine& m = mags_[b / cap_];
      m.items[m.n++] = item_of(b);
    }
    loaded_.reset(total, loaded);
    empty_.reset(total, 0);
    for (std::uint32_t m = loaded; m < total; ++m) empty_.push(m);
  }
  void thread_init() {
    t_mag_ = &mags_[pop_waiting(empty_)];
    if constexpr (kParts) t_cache_ = &caches_[pop_waiting(free_caches_)];
  }
  void thread_fini() {
    (t_mag_->n != 0 ? loaded_ : empty_).push(index(t_mag_));
    t_mag_ = nullptr;
    if constexpr (kParts) {
      free_caches_.push(static_cast<std::uint32_t>(t_cache_ - caches_.get()));
      t_cache_ = nullptr;
    }
  }
  Item acquire() {
    enter();
    Magazine* m = t_mag_;
    if (m->n == 0) [[unlikely]] m = exchange(m, empty_, loaded_);
    Item it = m->items[--m->n];
    if constexpr (kParts) {
      // As a take from samplepool's cache: held by one, stamped with the
      // cache's offset (holder_stamp.hpp).
      detail::mark_acquired(*it);
      it->held().holder.store(detail::kHolderFromCache, std::memory_order_relaxed);
    }
    leave();
    return it;
  }
  void release(Item&& it) {
    if constexpr (kParts) {
      // As samplepool's release finds the cache array a sample goes to: by
      // its header, compared with the thread's.
      if (it->caches != caches_.get()) std::abort();
    }
    enter();
    Magazine* m = t_mag_;
    if (m->n == cap_) [[unlikely]] m = exchange(m, loaded_, empty_);
    m->items[m->n++] = it;
    leave();
  }
  std::byte* data(Item& it) {
    if constexpr (kParts) {
      return it->data;
    } else {
      return it;
    }
  }

 private:
  static constexpr std::uint32_t kMost = 32;
  struct alignas(kPrefetchPair) Magazine {
    std::uint32_t n = 0;
    Item items[kMost] = {};
  };
  Item item_of(std::uint32_t b) {
    if constexpr (kParts) {
      detail::SampleSlot* s = detail::slot_in(slots_.get(), b);  // built with the region
      s->data = block_.at(b);
      s->caches = caches_.get();
      return s;
    } else {
      return block_.at(b);
    }
  }
  // The handshake of a call into the thread's cache (magazine_floor_parts).
  void enter() {
    if constexpr (kParts) {
      if (!t_cache_->enter()) std::abort();
    }
  }
  void leave() {
    if constexpr (kParts) {
      if (t_cache_->reclaimed()) std::abort();
      t_cache_->leave();
    }
  }
  // Gives `m` to `put_on` and takes one from `take_from`, waiting (with a
  // yield, as rte_mempool's adapter does) while that stack is empty.
  Magazine* exchange(Magazine* m, detail::LifoFreeList& put_on, detail::LifoFreeList& take_from) {
    Magazine* next = &mags_[pop_waiting(take_from)];
    put_on.push(index(m));
    t_mag_ = next;
    return next;
  }
  static std::uint32_t pop_waiting(detail::LifoFreeList& from) {
    std::uint32_t i = 0;
    while (!from.try_pop(i)) std::this_thread::yield();
    return i;
  }
  std::uint32_t index(const Magazine* m) const { return static_cast<std::uint32_t>(m - mags_.get()); }

  static inline thread_local Magazine* t_mag_ = nullptr;
  static inline thread_local detail::ThreadCache* t_cache_ = nullptr;  // parts only
  const std::uint32_t cap_;      // buffers a full magazine holds
  const std::uint32_t threads_;  // the most threads that may hold a magazine
  const std::uint32_t buffers_;  // count, and the spares
  Block block_;
  std::unique_ptr<Magazine[]> mags_;
  detail::LifoFreeList loaded_;
  detail::LifoFreeList empty_;
  // parts only: buffer i's header, the threads' handshake words, and those free
  // Laid out as a pool's (slot.hpp): fixed lines and holders' lines on pages of their own.
  struct RegionDeleter {
    std::uint32_t n = 0;
    void operator()(detail::SampleSlot* region) const {
      for (std::uint32_t b = 0; b < n; ++b) detail::destroy_slot(detail::slot_in(region, b));
      ::operator delete(region, std::align_val_t{detail::kSlotRegionAlignment});
    }
  };
  using SlotRegion = std::unique_ptr<detail::SampleSlot, RegionDeleter>;
  SlotRegion slots_;
  std::unique_ptr<detail::ThreadCache[]> caches_;
  detail::LifoFreeList free_caches_;
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
