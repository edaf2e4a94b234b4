// Cold paths of Pool: control operations, the blocking acquire, teardown.
#include "samplepool/pool.hpp"

#include <immintrin.h>

#include <new>

namespace samplepool {

using detail::Deadline;
using detail::EpochState;
using detail::kNoDeadline;
using detail::SampleSlot;

Pool::Pool(PoolOptions options)
    : free_(options.free_list), arena_(std::move(options.backend)) {}

Pool::~Pool() {
  {
    std::lock_guard lock(control_);
    if (rm_.state.load().committed()) {
      rm_.state.decommit();
      wake_.notify_all();
    }
  }
  // Wait for every held sample and every acquire still inside (woken above)
  // to hand the pool over; see lifetime.hpp for why this is race-free.
  if (!hot_.life.begin_drain()) hot_.life.wait_drained();
  std::lock_guard lock(control_);
  free_memory_locked();
}

// ---------------------------------------------------------------------------
// Configuration and life cycle (under control_).

Errc Pool::set_properties(const Properties& request, Properties* actual) noexcept {
  std::lock_guard lock(control_);
  if (rm_.state.load().committed()) return Errc::already_committed;
  if ((hot_.life.load() & detail::Lifetime::kCountMask) != 0) return Errc::buffers_outstanding;
  Layout layout;
  if (const Errc e = compute_layout(request, &layout); e != Errc::ok) return e;
  // A kept arena of another layout is useless now; one of the same layout
  // stays for the next commit.
  if (mem_.slots != nullptr && !(mem_.layout == layout)) free_memory_locked();
  props_ = layout.actual;
  if (actual != nullptr) *actual = layout.actual;
  return Errc::ok;
}

Properties Pool::properties() const noexcept {
  std::lock_guard lock(control_);
  return props_;
}

Errc Pool::commit() noexcept {
  std::lock_guard lock(control_);
  if (rm_.state.load().committed()) return Errc::ok;  // idempotent, as Windows
  if (props_.count == 0 || props_.size == 0) return Errc::size_not_set;
  if (mem_.slots == nullptr) {
    Layout layout;
    const Errc e = compute_layout(props_, &layout);  // props_ were validated: cannot fail
    if (e != Errc::ok) return e;
    if (const Errc a = allocate_memory_locked(layout); a != Errc::ok) return a;
  }
  ++commits_;
  rm_.state.commit();  // seq_cst store: publishes the arena (epoch_state.hpp)
  return Errc::ok;
}

Errc Pool::decommit() noexcept {
  std::lock_guard lock(control_);
  if (!rm_.state.load().committed()) return Errc::ok;  // idempotent
  ++decommits_;
  rm_.state.decommit();  // store, then the channel's sleeper load: the store-load pair
  wake_.notify_all();
  return Errc::ok;
}

Errc Pool::release_memory() noexcept {
  std::lock_guard lock(control_);
  if (rm_.state.load().committed()) return Errc::already_committed;
  if ((hot_.life.load() & detail::Lifetime::kCountMask) != 0) return Errc::buffers_outstanding;
  free_memory_locked();
  return Errc::ok;
}

Errc Pool::set_release_callback(ReleaseCallback callback, void* context) noexcept {
  std::lock_guard lock(control_);
  if (rm_.state.load().committed()) return Errc::already_committed;
  if ((hot_.life.load() & detail::Lifetime::kCountMask) != 0) return Errc::buffers_outstanding;
  // Plain stores: no release can run until a later commit() publishes them.
  rm_.callback = callback;
  rm_.callback_context = callback ? context : nullptr;
  return Errc::ok;
}

Errc Pool::allocate_memory_locked(const Layout& layout) noexcept {
  const std::uint32_t n = layout.actual.count;
  void* slots_raw = nullptr;
  void* payload_raw = nullptr;
  if (const Errc e = arena_.allocate(sizeof(SampleSlot) * n, alignof(SampleSlot), &slots_raw);
      e != Errc::ok) {
    return e;
  }
  if (const Errc e = arena_.allocate(layout.payload_bytes, layout.payload_alignment, &payload_raw);
      e != Errc::ok) {
    arena_.deallocate(slots_raw, sizeof(SampleSlot) * n, alignof(SampleSlot));
    return e;
  }
  auto* slots = static_cast<SampleSlot*>(slots_raw);
  auto* payload = static_cast<std::byte*>(payload_raw);
  for (std::uint32_t i = 0; i < n; ++i) {
    SampleSlot* s = new (&slots[i]) SampleSlot;
    s->index = i;
    s->pool = this;
    s->data = payload + std::size_t{i} * layout.stride + layout.actual.prefix;
    s->size = layout.actual.size;
    s->prefix = layout.actual.prefix;
    s->actual = layout.actual.size;  // a fresh sample's actual length is its size
  }
  try {
    free_.reset(slots, n);  // the FIFO policy allocates its queue here
  } catch (...) {
    arena_.deallocate(payload_raw, layout.payload_bytes, layout.payload_alignment);
    arena_.deallocate(slots_raw, sizeof(SampleSlot) * n, alignof(SampleSlot));
    return Errc::out_of_memory;
  }
  mem_ = Memory{slots, payload, layout};
  rm_.slots = slots;
  return Errc::ok;
}

void Pool::free_memory_locked() noexcept {
  if (mem_.slots == nullptr) return;
  const Layout& l = mem_.layout;
  // SampleSlot is trivially destructible but for its atomics; end their
  // lifetimes formally before handing the bytes back.
  for (std::uint32_t i = 0; i < l.actual.count; ++i) mem_.slots[i].~SampleSlot();
  arena_.deallocate(mem_.payload, l.payload_bytes, l.payload_alignment);
  arena_.deallocate(mem_.slots, sizeof(SampleSlot) * l.actual.count, alignof(SampleSlot));
  mem_ = Memory{};
  rm_.slots = nullptr;
}

// ---------------------------------------------------------------------------
// Acquire: refusals and the blocking path.

Errc Pool::refuse(Errc why) noexcept {
  // Count first: after leave() the pool may be gone (orphaned and finalized).
  (why == Errc::timeout ? timeouts_ : not_committed_).fetch_add(1, std::memory_order_relaxed);
  if (hot_.life.leave() == detail::Lifetime::LastUse::finalize) finalize();
  return why;
}

Errc Pool::give_back(std::uint32_t index) noexcept {
  free_.push(index);
  wake_.notify_one();  // a waiter of the new epoch may be asleep
  return refuse(Errc::not_committed);
}

Errc Pool::acquire_slow(Sample& out, EpochState::Word entry, Deadline deadline,
                        bool may_block) noexcept {
  if (!may_block) return refuse(Errc::timeout);
  std::uint32_t index;
  // Bounded spin: catches a release already in flight (config.hpp).
  for (int i = 0; i < kAcquireSpins; ++i) {
    _mm_pause();
    if (rm_.state.load() != entry) return refuse(Errc::not_committed);
    if (free_.try_pop(index)) return hand_out(index, entry, out);
  }
  waits_.fetch_add(1, std::memory_order_relaxed);  // statistics
  for (;;) {
    if (deadline != kNoDeadline && Clock::now() >= deadline) return refuse(Errc::timeout);
    const auto ticket = wake_.prepare();
    // Re-check after registering: a release or decommit that came before our
    // registration is seen here; one that comes after it sees us.
    if (rm_.state.load() != entry) {
      wake_.cancel();
      return refuse(Errc::not_committed);
    }
    if (free_.try_pop(index)) {
      wake_.cancel();
      return hand_out(index, entry, out);
    }
    wake_.sleep(ticket, deadline);
    // The state word is the truth, not the wake: re-check both, the epoch
    // first (a waiter from before a Decommit never takes a sample).
    if (rm_.state.load() != entry) return refuse(Errc::not_committed);
    if (free_.try_pop(index)) return hand_out(index, entry, out);
  }
}

// ---------------------------------------------------------------------------
// Statistics.

std::uint32_t Pool::free_count_approx() const noexcept {
  const std::uint64_t w = hot_.life.load();
  std::lock_guard lock(control_);
  const std::uint32_t count = mem_.layout.actual.count;
  const std::uint32_t held = detail::Lifetime::held(w);
  return held >= count ? 0 : count - held;
}

Stats Pool::stats() const noexcept {
  Stats s;
  const std::uint64_t w = hot_.life.load();
  {
    std::lock_guard lock(control_);
    s.count = mem_.layout.actual.count;
    s.commits = commits_;
    s.decommits = decommits_;
    s.memory_allocated = mem_.slots != nullptr;
  }
  // A held count can briefly exceed the arena (a release pushes before it
  // decrements): clamp so free + outstanding == count always.
  const std::uint32_t held = detail::Lifetime::held(w);
  s.outstanding = held > s.count ? s.count : held;
  s.free = s.count - s.outstanding;
  s.waiters = wake_.sleepers_approx();
  s.acquires = hot_.acquires.load(std::memory_order_relaxed);
  s.high_water = hot_.high_water.load(std::memory_order_relaxed);
  s.waits = waits_.load(std::memory_order_relaxed);
  s.timeouts = timeouts_.load(std::memory_order_relaxed);
  s.not_committed = not_committed_.load(std::memory_order_relaxed);
  s.misuse = misuse_.load(std::memory_order_relaxed);
  s.committed = rm_.state.load().committed();
  return s;
}

// ---------------------------------------------------------------------------

void detail::PoolAccess::orphan(Pool& pool, void (*finalizer)(void*), void* context) noexcept {
  {
    std::lock_guard lock(pool.control_);
    pool.finalizer_ = finalizer;  // published by the orphan RMW (acq_rel)
    pool.finalizer_context_ = context;
    if (pool.rm_.state.load().committed()) {
      pool.rm_.state.decommit();
      pool.wake_.notify_all();
    }
  }
  if (pool.hot_.life.orphan()) finalizer(context);
}

}  // namespace samplepool
