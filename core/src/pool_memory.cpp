// Pool's memory: the slot headers and payload made at commit, the chunks a
// growing pool adds while committed, and giving them back. The geometry is
// the control block's (control_block.hpp, "Growth").
#include <algorithm>
#include <new>

#include "samplepool/pool.hpp"

namespace samplepool {

using detail::SampleSlot;
using Growth = detail::ControlBlock::Growth;

void Pool::init_slots(std::uint32_t first, std::uint32_t n, std::byte* payload) noexcept {
  const Layout& l = mem_.layout;
  for (std::uint32_t i = 0; i < n; ++i) {
    SampleSlot* s = detail::build_slot(detail::slot_in(mem_.slots, first + i));
    s->index = first + i;
    s->pool = this;
    s->caches = cb_.read_mostly.caches;
    s->data = payload + std::size_t{i} * l.stride + l.actual.prefix;
    s->size = l.actual.size;
    s->prefix = static_cast<std::uint32_t>(l.actual.prefix);  // <= kMaxPrefix (compute_layout)
    s->held().actual = l.actual.size;  // a fresh sample's actual length is its size
  }
}

Errc Pool::allocate_payload_locked(const Layout& l, void** out, bool* reserved) noexcept {
  // A growing pool keeps its payload in one reservation where the backend
  // can reserve (mmap): growth then commits pages in place.
  *reserved = false;
  if (l.capacity > l.actual.count &&
      arena_.reserve(l.stride * l.capacity, l.payload_alignment, out) == Errc::ok) {
    if (const Errc e = arena_.commit(*out, l.payload_bytes); e != Errc::ok) {
      arena_.release(*out, l.stride * l.capacity, l.payload_alignment);
      return e;
    }
    *reserved = true;
    return Errc::ok;
  }
  return arena_.allocate(l.payload_bytes, l.payload_alignment, out);
}

void Pool::free_payload_locked() noexcept {
  const Layout& l = mem_.layout;
  if (mem_.reserved) {
    arena_.decommit(mem_.payload, l.payload_bytes);
    arena_.release(mem_.payload, l.stride * l.capacity, l.payload_alignment);
  } else {
    arena_.deallocate(mem_.payload, l.payload_bytes, l.payload_alignment);
  }
}

Errc Pool::allocate_memory_locked(const Layout& layout) noexcept {
  const std::uint32_t n = layout.actual.count;
  const std::uint32_t cap = layout.capacity;
  void* slots_raw = nullptr;
  void* payload_raw = nullptr;
  bool reserved = false;
  // Headers for the maximum (256 bytes a sample, slot.hpp), so that growth
  // never moves one; only the initial count is built now.
  const std::size_t slot_bytes = detail::slot_region_bytes(cap);
  if (const Errc e = arena_.allocate(slot_bytes, detail::kSlotRegionAlignment, &slots_raw); e != Errc::ok) {
    return e;
  }
  if (const Errc e = allocate_payload_locked(layout, &payload_raw, &reserved); e != Errc::ok) {
    arena_.deallocate(slots_raw, slot_bytes, detail::kSlotRegionAlignment);
    return e;
  }
  mem_ = Memory{static_cast<SampleSlot*>(slots_raw), static_cast<std::byte*>(payload_raw), layout, reserved};
  try {
    cb_.free.reset(cap, n);  // allocates the links (LIFO) or the ring (FIFO) for the maximum
  } catch (...) {
    free_payload_locked();
    arena_.deallocate(slots_raw, slot_bytes, detail::kSlotRegionAlignment);
    mem_ = Memory{};
    return Errc::out_of_memory;
  }
  init_slots(0, n, mem_.payload);
  Growth& g = cb_.growth;
  g.base = n;
  g.capacity = cap;
  g.step = std::max(1u, (cap - n + kMaxGrowthSteps - 1) / kMaxGrowthSteps);
  g.chunks = (cap - n + g.step - 1) / g.step;
  for (std::uint32_t k = 0; k < kMaxGrowthSteps; ++k) g.state[k].store(Growth::kEmpty, std::memory_order_relaxed);
  cb_.read_mostly.slots = mem_.slots;
  cb_.counters.count.store(n, std::memory_order_relaxed);
  cb_.counters.max_count.store(cap, std::memory_order_relaxed);
  cb_.read_mostly.growable.store(cap > n, std::memory_order_relaxed);
  cb_.counters.memory.store(true, std::memory_order_relaxed);
  // No cache can be open here (decommitted), but an owner that entered its
  // empty cache before the decommit may still read the batch (control_block.hpp).
  const std::uint32_t limit =
      n < 8 ? 0 : std::min(kThreadCacheSize, std::max(n / 4, n > kThreadCacheSpare ? n - kThreadCacheSpare : 0));
  cb_.read_mostly.cache_limit.store(limit, std::memory_order_relaxed);
  cb_.read_mostly.cache_batch.store(std::max(1u, limit * kThreadCacheBatch / kThreadCacheSize),
                                    std::memory_order_relaxed);
  return Errc::ok;
}

namespace {

// True when this acquirer now builds the chunk (empty -> building). A chunk
// another acquirer builds is skipped, never waited for, but marked first
// (kSkipped), so that its builder wakes one sleeper if the allocation fails
// (control_block.hpp); a failed CAS looks at the new state again, so a
// chunk that went back to empty meanwhile is not skipped unmarked.
//
// Memory ordering: a waiter that skips a marked chunk (a mark set by a poll,
// by a timed acquire that has left, or by itself in an earlier round) sleeps
// on the strength of that read alone, so the read and the failed builder's
// exchange are the two halves of a store-load pair with the wake channel's
// sleeper count (waiter: sleepers++ then this load; builder: the exchange
// then notify's sleepers load): all seq_cst, so that either the waiter sees
// the chunk empty again or the builder sees the sleeper. Relaxed, a weakly
// ordered CPU could let both miss (found in review of the spin model, whose
// interleavings are sequentially consistent). Cold: growth only.
bool claim_chunk(std::atomic<std::uint32_t>& state) noexcept {
  std::uint32_t seen = state.load(std::memory_order_seq_cst);
  for (;;) {
    if (seen == Growth::kReady || seen == (Growth::kBuilding | Growth::kSkipped)) return false;
    if (seen == Growth::kBuilding) {
      if (state.compare_exchange_weak(seen, Growth::kBuilding | Growth::kSkipped, std::memory_order_seq_cst)) {
        return false;
      }
      continue;
    }
    if (state.compare_exchange_weak(seen, Growth::kBuilding, std::memory_order_seq_cst)) return true;
  }
}

}  // namespace

bool Pool::grow(std::uint32_t& index) noexcept {
  // The caller holds a lifetime use (it is inside an acquire), so the slots
  // and the layout stay as they are until it leaves.
  Growth& g = cb_.growth;
  const Layout& l = mem_.layout;
  for (std::uint32_t k = 0; k < g.chunks; ++k) {
    if (!claim_chunk(g.state[k])) continue;  // built, or another acquirer builds it
    const std::uint32_t first = g.first(k);
    const std::uint32_t n = g.size(k);
    void* raw = mem_.payload + std::size_t{first} * l.stride;  // in the reservation, if any
    const Errc e = mem_.reserved ? arena_.commit(raw, std::size_t{n} * l.stride)
                                 : arena_.allocate(std::size_t{n} * l.stride, l.payload_alignment, &raw);
    if (e != Errc::ok) {
      g.failures.fetch_add(1, std::memory_order_relaxed);
      // A later acquirer may retry; one that skipped this chunk and sleeps
      // is woken to (it would otherwise wait for a release).
      if (g.state[k].exchange(Growth::kEmpty, std::memory_order_seq_cst) & Growth::kSkipped) {  // see claim_chunk
        cb_.wake.notify_one();
      }
      return false;  // the caller waits, as a fixed pool's would
    }
    g.payload[k] = static_cast<std::byte*>(raw);
    init_slots(first, n, g.payload[k]);
    // release: the control plane that frees the chunk reads payload[k] (it
    // also synchronizes through the lifetime word; this keeps stats honest).
    g.state[k].store(Growth::kReady, std::memory_order_release);
    cb_.counters.count.fetch_add(n, std::memory_order_relaxed);
    g.growths.fetch_add(1, std::memory_order_relaxed);
    // The first is ours; the rest go to the free list (release: publishes
    // their headers to whoever pops them) and may wake waiters.
    if (n > 1) {
      std::uint32_t rest[kMaxBulk];
      for (std::uint32_t done = 1; done < n;) {
        const std::uint32_t m = std::min(n - done, kMaxBulk);
        for (std::uint32_t i = 0; i < m; ++i) rest[i] = first + done + i;
        cb_.free.push_bulk(rest, m);
        cb_.wake.notify_n(m);
        done += m;
      }
    }
    index = first;
    return true;
  }
  return false;  // at the maximum
}

void Pool::free_chunks_locked() noexcept {
  Growth& g = cb_.growth;
  const Layout& l = mem_.layout;
  for (std::uint32_t k = 0; k < g.chunks; ++k) {
    if (g.state[k].load(std::memory_order_acquire) != Growth::kReady) continue;
    const std::uint32_t n = g.size(k);
    for (std::uint32_t i = 0; i < n; ++i) detail::destroy_slot(detail::slot_in(mem_.slots, g.first(k) + i));
    if (mem_.reserved) {
      arena_.decommit(g.payload[k], std::size_t{n} * l.stride);  // the address space stays
    } else {
      arena_.deallocate(g.payload[k], std::size_t{n} * l.stride, l.payload_alignment);
    }
    g.payload[k] = nullptr;
    g.state[k].store(Growth::kEmpty, std::memory_order_relaxed);
    cb_.counters.count.fetch_sub(n, std::memory_order_relaxed);
  }
}

Errc Pool::trim() noexcept {
  std::lock_guard lock(control_);
  if (cb_.read_mostly.state.load().committed()) return Errc::already_committed;
  if (!idle_locked()) return Errc::buffers_outstanding;
  if (mem_.slots == nullptr) return Errc::ok;
  free_chunks_locked();
  // Nothing is in use: the free list starts again from the initial samples.
  const std::uint32_t n = mem_.layout.actual.count;
  try {
    cb_.free.reset(mem_.layout.capacity, n);
  } catch (...) {
    free_memory_locked();  // the list could not be rebuilt: give everything back
  }
  return Errc::ok;
}

void Pool::free_memory_locked() noexcept {
  if (mem_.slots == nullptr) return;
  free_chunks_locked();
  const Layout& l = mem_.layout;
  // The headers are trivially destructible but for their atomics; end their
  // lifetimes formally before handing the bytes back.
  for (std::uint32_t i = 0; i < l.actual.count; ++i) detail::destroy_slot(detail::slot_in(mem_.slots, i));
  free_payload_locked();
  arena_.deallocate(mem_.slots, detail::slot_region_bytes(l.capacity), detail::kSlotRegionAlignment);
  mem_ = Memory{};
  cb_.read_mostly.slots = nullptr;
  cb_.counters.count.store(0, std::memory_order_relaxed);
  cb_.counters.max_count.store(0, std::memory_order_relaxed);
  cb_.counters.memory.store(false, std::memory_order_relaxed);
}

}  // namespace samplepool
