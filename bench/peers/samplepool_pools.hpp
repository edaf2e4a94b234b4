// samplepool itself, through its native, its DirectShow-shaped and its C
// APIs.
//
// try_acquire(Item&) (optional in the adapter shape): one non-blocking
// acquire, true when it got a buffer; the poll_empty scenario times it on
// an empty pool, where it must fail.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "adapter.hpp"
#include "samplepool/dshow.hpp"
#include "samplepool/samplepool.h"
#include "samplepool/samplepool.hpp"

namespace samplepool::bench {

// The native pool's variants beside the policy: growable, the same pool with
// room to grow to twice its count (it never needs to in the scenarios: the
// steady state of a growable pool); no_cache, without thread caches (the
// shared path alone, a floor: floor_pools.hpp).
enum class Variant { fixed, growable, no_cache };

template <FreeListPolicy Policy, Variant V = Variant::fixed>
class SamplepoolPool {
 public:
  static constexpr const char* kName = V == Variant::growable         ? "samplepool_growable"
                                       : V == Variant::no_cache        ? "samplepool_nocache"
                                       : Policy == FreeListPolicy::lifo ? "samplepool"
                                                                        : "samplepool_fifo";
  using Item = Sample;
  SamplepoolPool(std::uint32_t count, std::size_t size)
      : pool_(PoolOptions{Policy, nullptr, V != Variant::no_cache}) {
    const std::uint32_t max = V == Variant::growable ? 2 * count : 0;
    if (const Errc e = pool_.set_properties({count, size, 64, 0, max}); e != Errc::ok) {
      fail(e);
    }
    if (const Errc e = pool_.commit(); e != Errc::ok) fail(e);
  }
  // Inline in the scenario loop as a caller's own pool.acquire() is (the hot
  // path is forced inline there); an adapter call would time the wrapper.
  SAMPLEPOOL_HOT_INLINE Item acquire() {
    Sample s;
    // The scenarios never decommit: a blocking acquire can only succeed.
    if (const Errc e = pool_.acquire(s); e != Errc::ok) [[unlikely]] fail(e);
    return s;
  }
  SAMPLEPOOL_HOT_INLINE void release(Item&& s) { s.reset(); }
  SAMPLEPOOL_HOT_INLINE bool try_acquire(Item& s) { return pool_.try_acquire(s) == Errc::ok; }
  std::byte* data(Item& s) { return s.data(); }
  // Bulk API: all or nothing; the scenario's pool always has enough.
  void acquire_bulk(std::vector<Sample>& v) {
    while (pool_.try_acquire_bulk(v) != Errc::ok) std::this_thread::yield();
  }
  void release_bulk(std::vector<Sample>& v) { pool_.release_bulk(v); }
  Pool& pool() { return pool_; }

 private:
  [[noreturn]] static void fail(Errc e) {
    std::fprintf(stderr, "samplepool bench: %s\n", to_string(e));
    std::abort();
  }
  Pool pool_;
};

class DshowPool {
 public:
  static constexpr const char* kName = "samplepool_dshow";
  using Item = dshow::IMediaSample*;
  DshowPool(std::uint32_t count, std::size_t size) {
    dshow::CreateMemAllocator(&alloc_);
    dshow::ALLOCATOR_PROPERTIES req{static_cast<dshow::LONG>(count), static_cast<dshow::LONG>(size), 64, 0}, act;
    alloc_->SetProperties(&req, &act);
    alloc_->Commit();
  }
  ~DshowPool() { alloc_->Release(); }
  Item acquire() {
    dshow::IMediaSample* s = nullptr;
    alloc_->GetBuffer(&s, nullptr, nullptr, 0);
    return s;
  }
  void release(Item&& s) { s->Release(); }
  // GetBuffer with AM_GBF_NOWAIT: VFW_E_TIMEOUT at once on an empty pool.
  bool try_acquire(Item& s) {
    return dshow::SUCCEEDED(alloc_->GetBuffer(&s, nullptr, nullptr, dshow::AM_GBF_NOWAIT));
  }
  std::byte* data(Item& s) {
    dshow::BYTE* p;
    s->GetPointer(&p);
    return reinterpret_cast<std::byte*>(p);
  }

 private:
  dshow::IMemAllocator* alloc_ = nullptr;
};

// The C face (samplepool.h): sp_pool_acquire (blocking) and
// sp_sample_release. The C API has no bulk call, so the bulk scenario loops.
class CApiPool {
 public:
  static constexpr const char* kName = "samplepool_c";
  using Item = sp_sample*;
  CApiPool(std::uint32_t count, std::size_t size) {
    const sp_properties props{count, size, 64, 0, 0};
    if (sp_error e = sp_pool_create(nullptr, &pool_); e != SP_OK) fail(e);
    if (sp_error e = sp_pool_set_properties(pool_, &props, nullptr); e != SP_OK) fail(e);
    if (sp_error e = sp_pool_commit(pool_); e != SP_OK) fail(e);
  }
  ~CApiPool() {
    sp_pool_decommit(pool_);
    sp_pool_destroy(pool_);
  }
  CApiPool(const CApiPool&) = delete;
  CApiPool& operator=(const CApiPool&) = delete;
  Item acquire() {
    sp_sample* s = nullptr;
    // The scenarios never decommit: a blocking acquire can only succeed.
    if (const sp_error e = sp_pool_acquire(pool_, &s); e != SP_OK) [[unlikely]] fail(e);
    return s;
  }
  void release(Item&& s) { sp_sample_release(s); }
  // sp_pool_try_acquire: SP_TIMEOUT at once on an empty pool.
  bool try_acquire(Item& s) { return sp_pool_try_acquire(pool_, &s) == SP_OK; }
  std::byte* data(Item& s) { return static_cast<std::byte*>(sp_sample_data(s)); }

 private:
  [[noreturn]] static void fail(sp_error e) {
    std::fprintf(stderr, "samplepool bench (C API): %s\n", sp_error_name(e));
    std::abort();
  }
  sp_pool* pool_ = nullptr;
};

}  // namespace samplepool::bench
