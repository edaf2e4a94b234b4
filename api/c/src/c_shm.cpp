// The C face of shared pools (samplepool/shm.h) over SharedPool.
//
// A C handle is the sample's index + 1. A process holds a sample at most
// once (shared_pool.hpp), so each sp_shm_pool keeps its process's holds in
// an array indexed by sample: acquire and receive move the SharedSample
// there, release resets it. A handle whose slot is empty is not held: its
// release is refused and counted (misuse), its accessors answer NULL / 0.
// Only the thread that holds a sample touches its slot.
#include "samplepool/shm.h"

#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <new>

#include "samplepool/shm/shared_pool.hpp"

using samplepool::Errc;
using samplepool::shm::SharedPool;
using samplepool::shm::SharedSample;

struct sp_shm_pool {
  std::unique_ptr<SharedPool> pool;
  std::unique_ptr<SharedSample[]> held;  // by sample index
  std::uint32_t count = 0;
  std::atomic<std::uint64_t> misuse{0};
};

namespace {

sp_error c(Errc e) { return static_cast<sp_error>(e); }

sp_error wrap(Errc made, std::unique_ptr<SharedPool> pool, sp_shm_pool** out) {
  if (made != Errc::ok) return c(made);
  auto* p = new (std::nothrow) sp_shm_pool;
  if (p == nullptr) return SP_OUT_OF_MEMORY;
  p->count = pool->properties().count;
  p->held.reset(new (std::nothrow) SharedSample[p->count]);
  if (!p->held) {
    delete p;
    return SP_OUT_OF_MEMORY;
  }
  p->pool = std::move(pool);
  *out = p;
  return SP_OK;
}

// The held sample a handle names, or null.
SharedSample* held(const sp_shm_pool* p, const sp_shm_sample* s) {
  const auto h = reinterpret_cast<std::uintptr_t>(s);
  if (p == nullptr || h == 0 || h > p->count || !p->held[h - 1]) return nullptr;
  return &p->held[h - 1];
}

// Runs `take` (an acquire or receive into a SharedSample) and hands out a handle.
template <class Take>
sp_error hand_out(sp_shm_pool* p, sp_shm_sample** out, Take take) {
  if (out == nullptr) return SP_INVALID_ARGUMENT;
  *out = nullptr;
  if (p == nullptr) return SP_INVALID_ARGUMENT;
  SharedSample s;
  const Errc e = take(*p->pool, s);
  if (e != Errc::ok) return c(e);
  const std::uint32_t i = s.index();
  p->held[i] = std::move(s);
  *out = reinterpret_cast<sp_shm_sample*>(std::uintptr_t{i} + 1);
  return SP_OK;
}

// 2^63 ns and more mean no deadline (as samplepool.h's timeouts): the
// longest duration, which SharedPool's *_for turn into no deadline.
std::chrono::nanoseconds timeout_of(std::uint64_t ns) {
  const auto longest = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  return std::chrono::nanoseconds(static_cast<std::int64_t>(ns < longest ? ns : longest));
}

}  // namespace

extern "C" {

sp_error sp_shm_create(const sp_properties* props, const sp_shm_options* options, sp_shm_pool** out) {
  if (props == nullptr || out == nullptr) return SP_INVALID_ARGUMENT;
  samplepool::Properties p;
  p.count = props->count;
  p.size = props->size;
  p.alignment = props->alignment;
  p.prefix = props->prefix;
  p.max_count = props->max_count;
  samplepool::shm::SharedOptions o;
  if (options != nullptr) {
    if (options->max_processes != 0) o.max_processes = options->max_processes;
    o.channel_capacity = options->channel_capacity;
    switch (options->huge_pages) {
      case 0: o.huge_pages = samplepool::alloc::HugePages::none; break;
      case 1: o.huge_pages = samplepool::alloc::HugePages::transparent; break;
      case 2: o.huge_pages = samplepool::alloc::HugePages::explicit_; break;
      default: return SP_INVALID_ARGUMENT;
    }
    if (options->name != nullptr) o.name = options->name;
  }
  std::unique_ptr<SharedPool> pool;
  const Errc e = SharedPool::create(p, o, &pool);
  return wrap(e, std::move(pool), out);
}

sp_error sp_shm_attach(int fd, sp_shm_pool** out) {
  if (out == nullptr) return SP_INVALID_ARGUMENT;
  std::unique_ptr<SharedPool> pool;
  const Errc e = SharedPool::attach(fd, &pool);
  return wrap(e, std::move(pool), out);
}

sp_error sp_shm_attach_named(const char* name, sp_shm_pool** out) {
  if (name == nullptr || out == nullptr) return SP_INVALID_ARGUMENT;
  std::unique_ptr<SharedPool> pool;
  const Errc e = SharedPool::attach_named(name, &pool);
  return wrap(e, std::move(pool), out);
}

void sp_shm_destroy(sp_shm_pool* p) {
  if (p == nullptr) return;
  p->held.reset();  // this process's holds go back first
  delete p;
}

int sp_shm_fd(const sp_shm_pool* p) { return p != nullptr ? p->pool->fd() : -1; }

sp_error sp_shm_get_properties(const sp_shm_pool* p, sp_properties* out) {
  if (p == nullptr || out == nullptr) return SP_INVALID_ARGUMENT;
  const samplepool::Properties g = p->pool->properties();
  *out = sp_properties{g.count, g.size, g.alignment, g.prefix, g.max_count};
  return SP_OK;
}

sp_error sp_shm_commit(sp_shm_pool* p) { return p != nullptr ? c(p->pool->commit()) : SP_INVALID_ARGUMENT; }
sp_error sp_shm_decommit(sp_shm_pool* p) { return p != nullptr ? c(p->pool->decommit()) : SP_INVALID_ARGUMENT; }

sp_error sp_shm_acquire(sp_shm_pool* p, sp_shm_sample** out) {
  return hand_out(p, out, [](SharedPool& pool, SharedSample& s) { return pool.acquire(s); });
}
sp_error sp_shm_try_acquire(sp_shm_pool* p, sp_shm_sample** out) {
  return hand_out(p, out, [](SharedPool& pool, SharedSample& s) { return pool.try_acquire(s); });
}
sp_error sp_shm_acquire_timeout(sp_shm_pool* p, uint64_t timeout_ns, sp_shm_sample** out) {
  const auto timeout = timeout_of(timeout_ns);
  return hand_out(p, out, [timeout](SharedPool& pool, SharedSample& s) { return pool.acquire_for(s, timeout); });
}

sp_error sp_shm_release(sp_shm_pool* p, sp_shm_sample* s) {
  SharedSample* h = held(p, s);
  if (h == nullptr) {
    if (p != nullptr) p->misuse.fetch_add(1, std::memory_order_relaxed);
    return SP_INVALID_ARGUMENT;
  }
  h->reset();
  return SP_OK;
}

void* sp_shm_sample_data(const sp_shm_pool* p, const sp_shm_sample* s) {
  const SharedSample* h = held(p, s);
  return h != nullptr ? h->data() : nullptr;
}
size_t sp_shm_sample_size(const sp_shm_pool* p, const sp_shm_sample* s) {
  const SharedSample* h = held(p, s);
  return h != nullptr ? h->size() : 0;
}
uint32_t sp_shm_sample_index(const sp_shm_pool* p, const sp_shm_sample* s) {
  const SharedSample* h = held(p, s);
  return h != nullptr ? h->index() : 0;
}
size_t sp_shm_sample_actual_length(const sp_shm_pool* p, const sp_shm_sample* s) {
  const SharedSample* h = held(p, s);
  return h != nullptr ? h->actual_length() : 0;
}
sp_error sp_shm_sample_set_actual_length(sp_shm_pool* p, sp_shm_sample* s, size_t length) {
  SharedSample* h = held(p, s);
  return h != nullptr ? c(h->set_actual_length(length)) : SP_INVALID_ARGUMENT;
}

sp_error sp_shm_publish(sp_shm_pool* p, const sp_shm_sample* s, uint32_t* delivered) {
  if (delivered != nullptr) *delivered = 0;
  const SharedSample* h = held(p, s);
  return h != nullptr ? c(p->pool->publish(*h, delivered)) : SP_INVALID_ARGUMENT;
}
sp_error sp_shm_subscribe(sp_shm_pool* p) { return p != nullptr ? c(p->pool->subscribe()) : SP_INVALID_ARGUMENT; }
sp_error sp_shm_unsubscribe(sp_shm_pool* p) {
  return p != nullptr ? c(p->pool->unsubscribe()) : SP_INVALID_ARGUMENT;
}
sp_error sp_shm_receive(sp_shm_pool* p, sp_shm_sample** out) {
  return hand_out(p, out, [](SharedPool& pool, SharedSample& s) { return pool.receive(s); });
}
sp_error sp_shm_try_receive(sp_shm_pool* p, sp_shm_sample** out) {
  return hand_out(p, out, [](SharedPool& pool, SharedSample& s) { return pool.try_receive(s); });
}
sp_error sp_shm_receive_timeout(sp_shm_pool* p, uint64_t timeout_ns, sp_shm_sample** out) {
  const auto timeout = timeout_of(timeout_ns);
  return hand_out(p, out, [timeout](SharedPool& pool, SharedSample& s) { return pool.receive_for(s, timeout); });
}

sp_error sp_shm_get_stats(const sp_shm_pool* p, sp_shm_stats* out) {
  if (p == nullptr || out == nullptr) return SP_INVALID_ARGUMENT;
  const samplepool::shm::SharedStats s = p->pool->stats();
  *out = sp_shm_stats{};
  out->count = s.count;
  out->free = s.free;
  out->held = s.held;
  out->queued = s.queued;
  out->processes = s.processes;
  out->subscribers = s.subscribers;
  out->waiters = s.waiters;
  out->acquires = s.acquires;
  out->releases = s.releases;
  out->waits = s.waits;
  out->timeouts = s.timeouts;
  out->not_committed = s.not_committed;
  out->published = s.published;
  out->received = s.received;
  out->dropped = s.dropped;
  out->processes_reaped = s.processes_reaped;
  out->samples_reclaimed = s.samples_reclaimed;
  out->misuse = p->misuse.load(std::memory_order_relaxed);
  out->committed = s.committed;
  out->broken = s.broken;
  out->closed = s.closed;
  return SP_OK;
}

}  // extern "C"
