// samplepool/detail/fifo_free_list.hpp: the FIFO free-list policy, a ring of
// tickets over the pool's fixed set of indices.
//
// Purpose: rotate buffers evenly (each sample rests as long as possible
// between uses), as DMA engines and some capture drivers want. The order is
// strict: indices come out in the order their pushes claimed tickets, across
// all threads.
//
// Shape: `tail_` counts the tickets pushes have claimed, `head_` the tickets
// pops have consumed; both are 64-bit and never wrap. A ring of R entries
// (R = capacity rounded up to a power of two) holds {ticket, index} words:
// push t writes entry t % R as {t, index}; a pop at head h reads entry h % R
// and, if it carries ticket h, consumes it by moving head_ from h to h + 1
// with a CAS. The CAS validates the read: entry h is rewritten only by push
// h + R, which cannot claim its ticket while head_ <= h (the invariant).
// Tickets in an entry keep their low 32 bits (so R <= 2^31): a pop whose
// head_ is stale by laps fails its CAS, which compares all 64; one whose
// head_ is current reads, after its acquire load of head_, an entry at most
// one lap old, whose low bits differ.
//
// Invariant: an index is on the list at most once, and every index is below
// the capacity C <= R. The tickets in [head_, tail_) are claimed and not
// consumed; each carries a distinct index, and none carries the index a push
// is about to claim a ticket for. So a push claims ticket t only while
// t - head_ < C: the entry's previous ticket, t - R, has been consumed, and a
// push never waits for room nor overwrites an entry a pop could still take.
//
// Progress: push is wait-free (a fetch_add, then a store per entry). A pop is
// lock-free (its CAS fails only because another pop consumed), save in one
// window: a push between claiming its tickets and writing their entries
// (the next instructions; for push_bulk, up to kMaxBulk entries) holds up the
// pops that reach them, so only a push preempted there stalls anyone.
// Such a pop does not answer "empty": "empty" is exactly head_ == tail_, and
// a blocking acquirer that believed a false "empty" would sleep beside a
// free sample. It waits for the entry instead, a few pauses, then
// sched_yield, then short sleeps, so that a higher-priority popper never
// starves the pusher it waits for. (moodycamel's queue, which this policy
// used before, had the same window on its consumers' side.) For the same
// reason a pop is not async-signal-safe: a signal handler that pops from a
// list its own thread was pushing to when interrupted may wait for itself.
//
// Thread safety: push/try_pop from any thread; reset() as for LifoFreeList.
// reset() allocates the ring (8 bytes an index, on whole 128-byte prefetch
// pairs of its own, config.hpp: every push writes an entry, and no
// neighbour on the heap may share its first or last line, nor their pairs;
// cold path); steady state and growth allocate nothing.
//
// Memory ordering:
//  - tail_'s fetch_add (push) is seq_cst: the free list's seq_cst point for
//    the wake channel's store-load pair (wake_channel.hpp). A pop that finds
//    no entry reads tail_ with seq_cst: a waiter's re-check either sees the
//    claim (and waits for its entry) or the pusher sees the waiter.
//  - The entry's store (release) pairs with the pop's load of it (acquire):
//    the releaser's writes to the sample pass to the next holder.
//  - head_'s CAS is seq_cst: a successful pop's seq_cst point. A pop loads
//    head_ with acquire (the bound on a stale entry, above).
//  - Push t's store lands after push t - R's in the entry's modification
//    order, by happens-before alone: among tickets t - C .. t two carry one
//    index (C + 1 tickets, C indices), say a < b; the pop of a happens before
//    push b (the index passed through a holder), push b's claim before push
//    t's (tail_ changes only by read-modify-writes), and the pop of t - R
//    (t - R <= a) before the pop of a (head_ too changes only by them); and
//    the pop of t - R read push t - R's entry with acquire.
#pragma once

#include <sched.h>
#include <time.h>

#include <atomic>
#include <bit>
#include <cassert>
#include <cstdint>
#include <memory>
#include <new>

#include "samplepool/config.hpp"
#include "samplepool/detail/cpu_relax.hpp"

namespace samplepool::detail {

class FifoFreeList {
 public:
  // `first` is the first ticket: a test starts near 2^32 to cross the
  // entries' 32-bit wrap.
  void reset(std::uint32_t capacity, std::uint32_t filled, std::uint64_t first = 0) {
    assert(capacity <= kMaxCapacity && filled <= capacity);
    const std::uint64_t size = std::bit_ceil(std::uint64_t{capacity > 0 ? capacity : 1});
    if (size != mask_ + 1 || !ring_) {
      ring_ = make_ring(size);
      mask_ = size - 1;
    }
    // Every entry carries the ticket one lap before its first: unwritten.
    for (std::uint64_t t = first; t < first + size; ++t) {
      ring_[t & mask_].store(entry(t - size, 0), std::memory_order_relaxed);
    }
    head_.store(first, std::memory_order_relaxed);
    tail_.store(first, std::memory_order_relaxed);
    for (std::uint32_t i = 0; i < filled; ++i) push(i);
  }
  void reset(std::uint32_t n) { reset(n, n); }

  using Entry = std::atomic<std::uint64_t>;
  struct RingFree {
    void operator()(Entry* p) const noexcept { ::operator delete(p, std::align_val_t{kPrefetchPair}); }
  };
  using Ring = std::unique_ptr<Entry[], RingFree>;
  // `size` entries (a power of two), zeroed, on whole prefetch pairs of
  // their own (header comment): at least a pair's worth, starting on one.
  static Ring make_ring(std::uint64_t size) {
    constexpr std::uint64_t kPerPair = kPrefetchPair / sizeof(Entry);
    const std::uint64_t n = size > kPerPair ? size : kPerPair;
    auto* p = static_cast<Entry*>(::operator new(n * sizeof(Entry), std::align_val_t{kPrefetchPair}));
    for (std::uint64_t i = 0; i < n; ++i) new (p + i) Entry(0);  // trivially destructible: nothing to end
    return Ring(p);
  }

  // The entries' ticket bits tell laps apart only while R <= 2^31.
  static constexpr std::uint32_t kMaxCapacity = 1u << 31;

  SAMPLEPOOL_HOT_INLINE bool try_pop(std::uint32_t& index) noexcept {
    // acquire: the entry read next is at most a lap older than h (above);
    // the CAS validates h.
    std::uint64_t h = head_.load(std::memory_order_acquire);
    // acquire: pairs with publish()'s release (the sample's contents).
    const std::uint64_t e = ring_[h & mask_].load(std::memory_order_acquire);
    if (ticket_of(e) == static_cast<std::uint32_t>(h) &&
        head_.compare_exchange_strong(h, h + 1, std::memory_order_seq_cst, std::memory_order_relaxed)) [[likely]] {
      index = index_of(e);
      return true;
    }
    return try_pop_again(index);  // no entry, or another pop came first
  }

  SAMPLEPOOL_HOT_INLINE void push(std::uint32_t index) noexcept { publish(claim(1), index); }

  // Up to `max` indices, oldest first; returns how many (0: empty).
  std::uint32_t pop_bulk(std::uint32_t* out, std::uint32_t max) noexcept {
    if (max == 0) return 0;
    std::atomic<std::uint64_t>* const ring = ring_.get();  // loaded once: the loads would reload them
    const std::uint64_t mask = mask_;
    for (std::uint32_t attempt = 0;;) {
      std::uint64_t h = head_.load(std::memory_order_acquire);  // as in try_pop
      std::uint32_t n = 0;
      while (n < max) {
        const std::uint64_t e = ring[(h + n) & mask].load(std::memory_order_acquire);  // as in try_pop
        if (ticket_of(e) != static_cast<std::uint32_t>(h + n)) break;
        out[n++] = index_of(e);
      }
      if (n > 0) {
        if (head_.compare_exchange_strong(h, h + n, std::memory_order_seq_cst,
                                          std::memory_order_relaxed)) {
          return n;
        }
      } else if (!await_entry(h, attempt)) {
        return 0;
      }
    }
  }

  void push_bulk(const std::uint32_t* in, std::uint32_t n) noexcept {
    if (n == 0) return;
    const std::uint64_t t = claim(n);
    std::atomic<std::uint64_t>* const ring = ring_.get();  // loaded once: the stores would reload them
    const std::uint64_t mask = mask_;
    for (std::uint32_t i = 0; i < n; ++i) write(ring, mask, t + i, in[i]);
  }

  // True when no ticket is unconsumed at the second load (both seq_cst, as a
  // failed pop's). head_ is read first: it only grows and never passes
  // tail_, so equal values mean the list was empty when tail_ was read.
  SAMPLEPOOL_HOT_INLINE bool empty() const noexcept {
    const std::uint64_t h = head_.load(std::memory_order_seq_cst);
    return tail_.load(std::memory_order_seq_cst) == h;
  }

  // The two halves of a push, public so that a test can stall a pusher
  // between them: claim(n) takes n consecutive tickets, publish() writes one.
  std::uint64_t claim(std::uint32_t n) noexcept {
    const std::uint64_t t = tail_.fetch_add(n, std::memory_order_seq_cst);  // see the header comment
    // The invariant: room for the n without passing an unconsumed entry.
    assert(t + n - head_.load(std::memory_order_relaxed) <= mask_ + 1);
    return t;
  }
  void publish(std::uint64_t ticket, std::uint32_t index) noexcept { write(ring_.get(), mask_, ticket, index); }

 private:
  static void write(std::atomic<std::uint64_t>* ring, std::uint64_t mask, std::uint64_t ticket,
                    std::uint32_t index) noexcept {
    ring[ticket & mask].store(entry(ticket, index), std::memory_order_release);  // pairs with the pop's acquire
  }

  static constexpr std::uint64_t entry(std::uint64_t ticket, std::uint32_t index) noexcept {
    return (ticket << 32) | index;
  }
  static constexpr std::uint32_t ticket_of(std::uint64_t e) noexcept { return static_cast<std::uint32_t>(e >> 32); }
  static constexpr std::uint32_t index_of(std::uint64_t e) noexcept { return static_cast<std::uint32_t>(e); }

  // try_pop's loop, out of line: the usual pop keeps no frame.
  [[gnu::noinline]] bool try_pop_again(std::uint32_t& index) noexcept { return pop_bulk(&index, 1) == 1; }

  // A pop found no entry for ticket h. Returns false when the list is empty
  // (the seq_cst load of tail_, the failed pop's point in the wake protocol,
  // reads h: head_ == h == tail_ then). Otherwise a push holds ticket h and
  // has not written its entry, or head_ has moved on: backs off in the first
  // case (counting `attempt`, the waits for this pop) and returns true (look
  // again).
  [[gnu::noinline, gnu::cold]] bool await_entry(std::uint64_t h, std::uint32_t& attempt) const noexcept {
    if (tail_.load(std::memory_order_seq_cst) == h) return false;
    if (head_.load(std::memory_order_relaxed) != h) return true;
    const std::uint32_t waited = attempt++;
    if (waited < 64) {
      cpu_relax();
    } else if (waited < 128) {
      sched_yield();
    } else {
      const timespec pause{0, 50'000};  // 50 us: lets any priority run
      nanosleep(&pause, nullptr);
    }
    return true;
  }

  // Read-mostly: set by reset(), read by every push and pop.
  alignas(kCacheLine) Ring ring_;
  std::uint64_t mask_ = 0;
  alignas(kCacheLine) std::atomic<std::uint64_t> head_{0};  // pops' line
  alignas(kCacheLine) std::atomic<std::uint64_t> tail_{0};  // pushes' line
};
static_assert(kMaxSampleCount <= FifoFreeList::kMaxCapacity);

}  // namespace samplepool::detail
