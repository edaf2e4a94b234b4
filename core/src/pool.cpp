// Cold paths of Pool: control operations, the blocking acquire, teardown.
#include "samplepool/pool.hpp"

#include "samplepool/detail/cpu_relax.hpp"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <new>

#include "samplepool/detail/test_hooks.hpp"
#include "samplepool/detail/thread_index.hpp"

namespace samplepool {

using detail::Deadline;
using detail::EpochState;
using detail::kNoDeadline;
using detail::SampleSlot;

Pool::Pool(PoolOptions options)
    : cb_(options.free_list),
      caches_(cb_, options.thread_cache && options.free_list == FreeListPolicy::lifo,
              &Pool::finalize_cb, this),
      arena_(std::move(options.backend)),
      holder_ages_(options.holder_ages) {
  cb_.read_mostly.stamp_time = holder_ages_;
}

Pool::~Pool() {
  (void)decommit();  // never fails: idempotent
  // Every cache empty and closed for good (an owner caught inside drains
  // itself first), then wait for every held sample and every acquire still
  // inside (woken by the decommit) to hand the pool over; see lifetime.hpp
  // for why this is race-free.
  caches_.teardown();
  if (!cb_.hot.life.begin_drain()) cb_.hot.life.wait_drained();
  std::lock_guard lock(control_);
  free_memory_locked();
}

// ---------------------------------------------------------------------------
// Configuration and life cycle (under control_).

Errc Pool::set_properties(const Properties& request, Properties* actual) noexcept {
  std::lock_guard lock(control_);
  if (cb_.read_mostly.state.load().committed()) return Errc::already_committed;
  if (!idle_locked()) return Errc::buffers_outstanding;
  Layout layout;
  if (const Errc e = compute_layout(request, &layout); e != Errc::ok) return e;
  // A kept arena of another layout is useless now; one of the same layout
  // stays for the next commit.
  if (mem_.slots != nullptr && !(mem_.layout == layout)) free_memory_locked();
  props_ = layout.actual;
  if (actual != nullptr) *actual = layout.actual;
  return Errc::ok;
}

bool Pool::idle_locked() noexcept {
  // Decommitted (the callers checked): a sample may still sit in a cache
  // whose owner was inside when decommit swept, and left without seeing it.
  // One more sweep (no system call: the caches are closed and fenced) takes it.
  if ((cb_.hot.life.load() & detail::Lifetime::kCountMask) == 0) return true;
  if (!caches_.exists()) return false;
  (void)caches_.resweep();
  return (cb_.hot.life.load() & detail::Lifetime::kCountMask) == 0;
}

Properties Pool::properties() const noexcept {
  std::lock_guard lock(control_);
  return props_;
}

Errc Pool::commit() noexcept {
  std::lock_guard lock(control_);
  if (cb_.read_mostly.state.load().committed()) return Errc::ok;  // idempotent, as Windows
  if (props_.count == 0 || props_.size == 0) return Errc::size_not_set;
  if (mem_.slots == nullptr) {
    Layout layout;
    const Errc e = compute_layout(props_, &layout);  // props_ were validated: cannot fail
    if (e != Errc::ok) return e;
    if (const Errc a = allocate_memory_locked(layout); a != Errc::ok) return a;
  }
  cb_.counters.commits.fetch_add(1, std::memory_order_relaxed);
  cb_.read_mostly.state.commit();  // seq_cst store: publishes the arena (epoch_state.hpp)
  caches_.reopen();
  return Errc::ok;
}

Errc Pool::decommit() noexcept {
  std::lock_guard lock(control_);
  if (!cb_.read_mostly.state.load().committed()) return Errc::ok;  // idempotent
  cb_.counters.decommits.fetch_add(1, std::memory_order_relaxed);
  // Close the caches before publishing the new state, and keep them closed
  // until it is published (no leaving closer reopens them in between): an
  // acquire that starts after the state reads "decommitted" cannot take a
  // sample from a cache. Idle caches are emptied now; an owner inside
  // empties its own when it leaves; nobody waits for it.
  caches_.close_around([this] {
    detail::run_test_hook(detail::HookPoint::decommit_midway);
    cb_.read_mostly.state.decommit();  // store, then the channel's sleeper load: the store-load pair
  });
  cb_.wake.notify_all();  // every waiter returns at once
  return Errc::ok;
}

Errc Pool::release_memory() noexcept {
  std::lock_guard lock(control_);
  if (cb_.read_mostly.state.load().committed()) return Errc::already_committed;
  if (!idle_locked()) return Errc::buffers_outstanding;
  free_memory_locked();
  return Errc::ok;
}

Errc Pool::set_release_callback(ReleaseCallback callback, void* context) noexcept {
  std::lock_guard lock(control_);
  if (cb_.read_mostly.state.load().committed()) return Errc::already_committed;
  if (!idle_locked()) return Errc::buffers_outstanding;
  // Plain stores: no release can run until a later commit() publishes them.
  cb_.read_mostly.callback = callback;
  cb_.read_mostly.callback_context = callback ? context : nullptr;
  return Errc::ok;
}

// ---------------------------------------------------------------------------
// Acquire: refusals and the blocking path.

Errc Pool::refuse(Errc why) noexcept {
  // Count first: after leave() the pool may be gone (orphaned and finalized).
  (why == Errc::timeout ? cb_.counters.timeouts : cb_.counters.not_committed)
      .fetch_add(1, std::memory_order_relaxed);
  if (cb_.hot.life.leave() == detail::Lifetime::LastUse::finalize) finalize();
  return why;
}

// The shared path: no cache, or the cache is empty and so is its refill.
Errc Pool::acquire_shared(SampleSlot*& out, Deadline deadline, bool may_block) noexcept {
  caches_.claim_for_next_time();
  cb_.hot.life.enter();  // reserve first: see lifetime.hpp
  const EpochState::Word entry = cb_.read_mostly.state.load();
  if (!entry.committed()) [[unlikely]] {
    return refuse(Errc::not_committed);
  }
  std::uint32_t index;
  if (cb_.free.try_pop(index)) [[likely]] {
    return hand_out(index, entry, out);
  }
  return acquire_slow(out, entry, deadline, may_block);
}

namespace detail {

std::uint32_t drop_shared_ref(SampleSlot* s, std::uint32_t refs) noexcept {
  if (refs == 0) [[unlikely]] {  // released twice: report, never recycle twice
#if SAMPLEPOOL_DEBUG_CHECKS
    misuse("a sample was released twice", s);
#endif
    s->pool->note_misuse();
    return 0;
  }
  refs = s->held().refs.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (refs == 0) s->pool->recycle(s);
  return refs;
}

}  // namespace detail

Errc Pool::hand_out(std::uint32_t index, EpochState::Word entry, SampleSlot*& out) noexcept {
  // Validate after the pop (seq_cst, like the pop): if a Decommit came
  // between this call's entry and its pop, the sample may have been freed in
  // a later epoch, and an acquire that was in progress across a Decommit
  // must fail (give_back returns the sample and says not_committed).
  if (cb_.read_mostly.state.load() != entry) [[unlikely]] return give_back(index);
  SampleSlot* s = cb_.slot_at(index);
  // relaxed: the pop's acquire already made the slot ours; this store is
  // published to other holders by whatever hands them the Sample.
  detail::mark_acquired(*s);  // the holder stamp: acquire_impl, inline
  cb_.note_high_water(cb_.hot.life.held_from_in_flight());
  out = s;
  // Statistics, in the thread's slot where it can (slot_counts.hpp); the
  // exception in a tail call, so that the usual path keeps no frame.
  if (detail::CacheSet::count_acquire(cb_)) [[likely]] return Errc::ok;
  return count_acquire_in_pool();
}

Errc Pool::count_acquire_in_pool() noexcept {
  caches_.count_acquire_without_slot();
  return Errc::ok;
}

void Pool::recycle_shared(SampleSlot* s) noexcept {
  // A sole handle's release left the count alone (slot.hpp): samples on the
  // shared list carry exact counts where they come straight from a release,
  // since a FIFO list cannot be walked by holders(). Published by the push.
  s->held().refs.store(0, std::memory_order_relaxed);
  caches_.claim_for_next_time();
  cb_.hot.life.in_flight_from_held();  // before the push: keeps the held count exact
  cb_.free.push(s->index);  // release: publishes this holder's writes to the next acquirer
  cb_.wake.notify_one();    // after the push: see wake_channel.hpp
  if (ReleaseCallback cb = cb_.read_mostly.callback) cb(cb_.read_mostly.callback_context);
  if (cb_.hot.life.leave() == detail::Lifetime::LastUse::finalize) finalize();
  // Nothing after this line may touch *this: its owner may have freed it.
}

Errc Pool::give_back(std::uint32_t index) noexcept {
  cb_.free.push(index);
  cb_.wake.notify_one();  // a waiter of the new epoch may be asleep
  return refuse(Errc::not_committed);
}

Errc Pool::acquire_slow(SampleSlot*& out, EpochState::Word entry, Deadline deadline,
                        bool may_block) noexcept {
  bool closed = false;
  std::uint32_t index = 0;
  const Errc e = find_index(entry, deadline, may_block, closed, index);
  // Reopen before handing out or refusing: either may end the pool's life.
  if (closed) caches_.release();
  return e == Errc::ok ? hand_out(index, entry, out) : refuse(e);
}

Errc Pool::find_index(EpochState::Word entry, Deadline deadline, bool may_block, bool& closed,
                      std::uint32_t& index) noexcept {
  // A deadline already past makes this a poll: it still looks in every
  // cache before it reports a timeout.
  if (may_block && deadline != kNoDeadline && Clock::now() >= deadline) may_block = false;
  if (!may_block) {
    // Empty shared list: look in the other threads' caches before failing,
    // but only when one may hold a sample (a poll on an idle pool makes no
    // system call).
    if (caches_.exists()) {
      if (!caches_.nothing_cached_elsewhere(cb_)) {  // our own cache is empty here
        (void)caches_.close();
        closed = true;
      }
      // Either way pop again: a sweep that cleared the hint after our first
      // pop pushed what it found before it cleared it.
      if (cb_.free.try_pop(index)) return Errc::ok;
    }
    return grow(index) ? Errc::ok : Errc::timeout;
  }
  // Bounded spin: catches a release already in flight (config.hpp).
  for (int i = 0; i < kAcquireSpins; ++i) {
    detail::cpu_relax();
    if (cb_.read_mostly.state.load() != entry) return Errc::not_committed;
    if (cb_.free.try_pop(index)) return Errc::ok;
  }
  cb_.counters.waits.fetch_add(1, std::memory_order_relaxed);  // statistics: it found the pool empty
  std::uint32_t skipped = 0;  // caches the last sweep found an owner inside
  // The starvation report: once, when this wait passes the threshold.
  const Clock::time_point wait_start = Clock::now();
  Deadline report_at = kNoDeadline;
  if (starvation_.callback != nullptr && starvation_.threshold < kNoDeadline - wait_start) {
    report_at = wait_start + std::chrono::ceil<Clock::duration>(starvation_.threshold);
  }
  for (;;) {
    const auto ticket = cb_.wake.prepare();
    // Re-check after registering: a release or decommit that came before our
    // registration is seen here; one that comes after it sees us. The first
    // time round, also close the caches (registered first, so the wake that
    // a releaser's shared push makes cannot be lost), and sweep again while
    // an earlier sweep had to skip a cache whose owner was inside.
    if (cb_.read_mostly.state.load() != entry) {
      cb_.wake.cancel();
      return Errc::not_committed;
    }
    bool got = cb_.free.try_pop(index);
    if (!got && caches_.exists() && (!closed || skipped != 0)) {
      skipped = closed ? caches_.resweep() : caches_.close();
      closed = true;
      got = cb_.free.try_pop(index);
    }
    if (!got) got = grow(index);  // empty after the sweep: add samples instead of waiting
    if (got) {
      cb_.wake.cancel();
      return Errc::ok;
    }
    if (deadline != kNoDeadline && Clock::now() >= deadline) {
      cb_.wake.cancel();
      return Errc::timeout;
    }
    // A skipped owner usually drains on leaving and wakes us; if it looked
    // at reclaim just before we set it, only a later sweep finds its sample.
    Deadline until = std::min(deadline, report_at);
    if (skipped != 0) until = std::min(until, Clock::now() + kResweepInterval);
    cb_.wake.sleep(ticket, until);
    // The state word is the truth, not the wake: re-check both, the epoch
    // first (a waiter from before a Decommit never takes a sample).
    if (cb_.read_mostly.state.load() != entry) return Errc::not_committed;
    if (cb_.free.try_pop(index)) return Errc::ok;
    if (report_at != kNoDeadline && Clock::now() >= report_at) {  // not registered as a sleeper now
      report_at = kNoDeadline;
      cb_.counters.starvation_reports.fetch_add(1, std::memory_order_relaxed);
      report_starvation(Clock::now() - wait_start);
    }
  }
}

// ---------------------------------------------------------------------------
// Statistics.

std::uint32_t Pool::free_count_approx() const noexcept { return stats().free; }

Stats Pool::stats() const noexcept {
  // No lock: stats() never waits for another thread.
  const detail::ControlBlock::Counters& c = cb_.counters;
  Stats s;
  const detail::CacheSet::Totals in_caches = caches_.totals();
  std::uint64_t cached = in_caches.cached;
  // Held counts samples off the shared list: held by callers or cached.
  std::uint64_t held = detail::Lifetime::held(cb_.hot.life.load());
  s.acquires = cb_.hot.acquires.load(std::memory_order_relaxed) + in_caches.acquires;
  s.count = c.count.load(std::memory_order_relaxed);
  s.max_count = c.max_count.load(std::memory_order_relaxed);
  s.growths = cb_.growth.growths.load(std::memory_order_relaxed);
  s.growth_failures = cb_.growth.failures.load(std::memory_order_relaxed);
  s.oldest_held_ms = oldest_held_ms();
  s.starvation_reports = c.starvation_reports.load(std::memory_order_relaxed);
  s.commits = c.commits.load(std::memory_order_relaxed);
  s.decommits = c.decommits.load(std::memory_order_relaxed);
  s.memory_allocated = c.memory.load(std::memory_order_relaxed);
  // The reads above are not one snapshot: clamp so that free + outstanding
  // == count always.
  held = held > cached ? held - cached : 0;
  s.outstanding = static_cast<std::uint32_t>(held > s.count ? s.count : held);
  s.free = s.count - s.outstanding;
  s.cached = static_cast<std::uint32_t>(cached > s.free ? s.free : cached);
  s.waiters = cb_.wake.sleepers_approx();
  s.high_water = cb_.hot.high_water.load(std::memory_order_relaxed);
  s.waits = c.waits.load(std::memory_order_relaxed);
  s.timeouts = c.timeouts.load(std::memory_order_relaxed) + in_caches.timeouts;
  s.not_committed = c.not_committed.load(std::memory_order_relaxed);
  s.misuse = c.misuse.load(std::memory_order_relaxed);
  s.committed = cb_.read_mostly.state.load().committed();
  s.thread_cache = caches_.enabled();
  s.cache_fallback = caches_.fallback();
  return s;
}

// ---------------------------------------------------------------------------
// Bulk.

// try_acquire_bulk's shared path (its caller emptied `out` and found too
// few samples in this thread's cache).
Errc Pool::acquire_bulk_shared(std::span<Sample> out) noexcept {
  // More than the pool could ever hold at once is a bad argument, not a
  // timeout (a kept-but-decommitted pool refuses below, not_committed).
  if (out.size() > kMaxBulk ||
      (cb_.read_mostly.state.load().committed() &&
       out.size() > cb_.counters.max_count.load(std::memory_order_relaxed))) {
    return Errc::invalid_argument;
  }
  const auto k = static_cast<std::uint32_t>(out.size());
  if (k == 0) return Errc::ok;
  caches_.claim_for_next_time();
  std::uint32_t got[kMaxBulk];
  cb_.hot.life.enter();
  const EpochState::Word entry = cb_.read_mostly.state.load();
  if (!entry.committed()) return refuse(Errc::not_committed);
  std::uint32_t n = 0;
  bool closed = false;
  auto pop_more = [&] {
    while (n < k) {
      const std::uint32_t more = cb_.free.pop_bulk(got + n, k - n);
      if (more == 0) break;
      n += more;
    }
  };
  pop_more();
  if (n < k && caches_.exists()) {  // the rest may sit in caches: our own first
    caches_.return_own();
    if (!caches_.nothing_cached_elsewhere(cb_)) {  // another's: sweep (a fence)
      (void)caches_.close();
      closed = true;
    }
    pop_more();  // either way pop once more, as find_index does
  }
  while (n < k && grow(got[n])) {  // still short: grow, a chunk at a time
    ++n;
    pop_more();
  }
  if (closed) caches_.release();
  if (n < k || cb_.read_mostly.state.load() != entry) {  // all or nothing; and validate the epoch
    cb_.free.push_bulk(got, n);
    cb_.wake.notify_n(n);
    return refuse(n < k ? Errc::timeout : Errc::not_committed);
  }
  const detail::HolderStamp stamp(cb_.read_mostly.stamp_time, detail::holder_id());
  for (std::uint32_t i = 0; i < k; ++i) {
    SampleSlot* slot = cb_.slot_at(got[i]);
    detail::mark_acquired(*slot);
    stamp.apply(*slot);
  }
  cb_.note_high_water(cb_.hot.life.held_from_in_flight(k));
  cb_.hot.acquires.fetch_add(k, std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < k; ++i) detail::PoolAccess::fill(out[i], cb_.slot_at(got[i]), stamp.sole());
  return Errc::ok;
}

// release_bulk's shared path: this thread's cache is closed (or it has none).
void Pool::release_bulk_shared(std::span<Sample> samples) noexcept {
  // Sole-held samples of this pool go to the shared list in one push (at
  // most kMaxBulk: release_bulk hands over a span at a time); the rest
  // (shared samples, another pool's, every sample of a pool with a release
  // callback) release one by one.
  assert(samples.size() <= kMaxBulk);
  SampleSlot* slots[kMaxBulk];
  std::uint32_t n = 0;
  for (Sample& s : samples) {
    if (SampleSlot* slot = take_sole<true>(s)) {
      slots[n++] = slot;
    } else {
      s.reset();
    }
  }
  if (n != 0) recycle_bulk_shared(slots, n);
}

void Pool::recycle_bulk_shared(SampleSlot* const* slots, std::uint32_t k) noexcept {
  caches_.claim_for_next_time();
  std::uint32_t batch[kMaxBulk];
  for (std::uint32_t i = 0; i < k; ++i) {
    slots[i]->held().refs.store(0, std::memory_order_relaxed);  // as recycle_shared
    batch[i] = slots[i]->index;
  }
  // One in-flight use keeps the pool alive across the push (lifetime.hpp).
  cb_.hot.life.in_flight_from_held(k);
  cb_.free.push_bulk(batch, k);
  cb_.wake.notify_n(k);
  if (cb_.hot.life.leave() == detail::Lifetime::LastUse::finalize) finalize();
}

// ---------------------------------------------------------------------------

void detail::PoolAccess::orphan(Pool& pool, void (*finalizer)(void*), void* context) noexcept {
  {
    std::lock_guard lock(pool.control_);
    pool.finalizer_ = finalizer;  // published by the orphan RMW (acq_rel)
    pool.finalizer_context_ = context;
  }
  (void)pool.decommit();  // wakes waiters and empties the idle thread caches
  // An owner that was inside its cache at the decommit drains it when it
  // leaves, unless it looked just before the sweep: sweep until none is
  // left, or an orphan could wait for good for a sample parked in a cache.
  pool.caches_.settle();
  if (pool.cb_.hot.life.orphan()) finalizer(context);
}

}  // namespace samplepool
