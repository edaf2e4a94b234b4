// samplepool itself, through its native and its DirectShow-shaped APIs.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "adapter.hpp"
#include "samplepool/dshow.hpp"
#include "samplepool/samplepool.hpp"

namespace samplepool::bench {

// Growable: the same pool with room to grow to twice its count (it never
// needs to in the scenarios: the steady state of a growable pool).
template <FreeListPolicy Policy, bool Growable = false>
class SamplepoolPool {
 public:
  static constexpr const char* kName = Growable                        ? "samplepool_growable"
                                       : Policy == FreeListPolicy::lifo ? "samplepool"
                                                                        : "samplepool_fifo";
  using Item = Sample;
  SamplepoolPool(std::uint32_t count, std::size_t size) : pool_(PoolOptions{Policy, nullptr}) {
    if (const Errc e = pool_.set_properties({count, size, 64, 0, Growable ? 2 * count : 0}); e != Errc::ok) {
      fail(e);
    }
    if (const Errc e = pool_.commit(); e != Errc::ok) fail(e);
  }
  Item acquire() {
    Sample s;
    // The scenarios never decommit: a blocking acquire can only succeed.
    if (const Errc e = pool_.acquire(s); e != Errc::ok) [[unlikely]] fail(e);
    return s;
  }
  void release(Item&& s) { s.reset(); }
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
  std::byte* data(Item& s) {
    dshow::BYTE* p;
    s->GetPointer(&p);
    return reinterpret_cast<std::byte*>(p);
  }

 private:
  dshow::IMemAllocator* alloc_ = nullptr;
};

}  // namespace samplepool::bench
