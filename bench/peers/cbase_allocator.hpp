// A CBaseAllocator-style pool: the DirectShow base classes' design
// (amfilter.cpp), reproduced faithfully as the reference peer.
//
// One critical section guards a LIFO free list, the committed flag and a
// count of waiters; a waiter increments the count under the lock, leaves it,
// and waits on a semaphore; every release (NotifySample) posts the semaphore
// once per waiter and zeroes the count (wake-all); Decommit does the same.
// As in the base classes, a woken waiter re-checks only "committed", so one
// that wakes after a quick Decommit+Commit keeps waiting.
#pragma once

#include <semaphore.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "adapter.hpp"

namespace samplepool::bench {

class CBaseStylePool {
 public:
  static constexpr const char* kName = "cbase_allocator";
  using Item = std::byte*;

  CBaseStylePool(std::uint32_t count, std::size_t size)
      : storage_(std::make_unique<std::byte[]>(std::size_t{count} * size)) {
    sem_init(&sem_, 0, 0);
    for (std::uint32_t i = 0; i < count; ++i) free_.push_back(storage_.get() + std::size_t{i} * size);
  }
  ~CBaseStylePool() { sem_destroy(&sem_); }

  // GetBuffer: nullptr when decommitted.
  Item acquire() {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (!committed_) return nullptr;
      if (!free_.empty()) {
        std::byte* b = free_.back();
        free_.pop_back();
        return b;
      }
      ++waiting_;
      lock.unlock();
      while (sem_wait(&sem_) != 0) {
      }
      lock.lock();
    }
  }
  // ReleaseBuffer + NotifySample.
  void release(Item&& b) {
    std::lock_guard lock(mutex_);
    free_.push_back(b);
    notify_locked();
  }
  void decommit() {
    std::lock_guard lock(mutex_);
    committed_ = false;
    notify_locked();
  }
  void commit() {
    std::lock_guard lock(mutex_);
    committed_ = true;
  }
  std::byte* data(Item& b) { return b; }
  long waiting() {
    std::lock_guard lock(mutex_);
    return waiting_;
  }

 private:
  void notify_locked() {
    for (; waiting_ > 0; --waiting_) sem_post(&sem_);
  }

  std::mutex mutex_;
  std::vector<std::byte*> free_;
  std::unique_ptr<std::byte[]> storage_;
  sem_t sem_;
  long waiting_ = 0;
  bool committed_ = true;
};

}  // namespace samplepool::bench
