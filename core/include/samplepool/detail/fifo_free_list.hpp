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
// Tickets in an entry keep their low 32 bits; the CAS compares all 64, so a
// pop that slept through 2^32 tickets fails it.
//
// Invariant: an index is on the list at most once, and every index is below
// the capacity C <= R. The tickets in [head_, tail_) are claimed and not
// consumed; each carries a distinct index, and none carries the index a push
// is about to claim a ticket for. So a push claims ticket t only while
// t - head_ < C: the entry's previous ticket, t - R, has been consumed, and a
// push never waits for room nor overwrites an entry a pop could still take.
//
// Progress: push is wait-free (a fetch_add, a load and a store). A pop is
// lock-free (its CAS fails only because another pop consumed), save in one
// window: a push between claiming its ticket and writing its entry (adjacent
// instructions, so only a push preempted there) holds up the pops behind it.
// Such a pop does not answer "empty": "empty" is exactly head_ == tail_, and
// a blocking acquirer that believed a false "empty" would sleep beside a
// free sample. It waits for the entry instead, a few pauses, then
// sched_yield, then short sleeps, so that a higher-priority popper never
// starves the pusher it waits for. (moodycamel's queue, which this policy
// used before, had the same window on its consumers' side.)
//
// Thread safety: push/try_pop from any thread; reset() as for LifoFreeList.
// reset() allocates the ring (8 bytes an index, cold path); steady state and
// growth allocate nothing.
//
// Memory ordering:
//  - tail_'s fetch_add (push) is seq_cst: the free list's seq_cst point for
//    the wake channel's store-load pair (wake_channel.hpp). A pop that finds
//    no entry reads tail_ with seq_cst: a waiter's re-check either sees the
//    claim (and waits for its entry) or the pusher sees the waiter.
//  - The entry's store (release) pairs with the pop's load of it (acquire):
//    the releaser's writes to the sample pass to the next holder.
//  - head_'s CAS is seq_cst: a successful pop's seq_cst point.
//  - A push reads its entry before writing it and expects ticket t - R. By
//    read-write coherence that orders its store after the store the pop of
//    t - R consumed; nothing else relates the two pushes' stores in the C++
//    model, though the hardware would. The read finds t - R at once (the
//    invariant: its pop happened before this push's claim in the seq_cst
//    order); the loop around it only waits for that store to be visible.
#pragma once

#include <sched.h>
#include <time.h>

#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>

#include "samplepool/config.hpp"
#include "samplepool/detail/cpu_relax.hpp"

namespace samplepool::detail {

class FifoFreeList {
 public:
  void reset(std::uint32_t capacity, std::uint32_t filled) {
    const std::uint64_t size = std::bit_ceil(std::uint64_t{capacity > 0 ? capacity : 1});
    if (size != mask_ + 1 || !ring_) {
      ring_ = std::make_unique<std::atomic<std::uint64_t>[]>(size);
      mask_ = size - 1;
    }
    // Every entry carries the ticket one lap before its first: unwritten.
    for (std::uint64_t i = 0; i <= mask_; ++i) {
      ring_[i].store(entry(i - size, 0), std::memory_order_relaxed);
    }
    head_.store(0, std::memory_order_relaxed);
    tail_.store(0, std::memory_order_relaxed);
    for (std::uint32_t i = 0; i < filled; ++i) push(i);
  }
  void reset(std::uint32_t n) { reset(n, n); }

  bool try_pop(std::uint32_t& index) noexcept {
    // relaxed: h only picks the entry to read; the CAS validates it.
    std::uint64_t h = head_.load(std::memory_order_relaxed);
    // acquire: pairs with publish()'s release (the sample's contents).
    const std::uint64_t e = ring_[h & mask_].load(std::memory_order_acquire);
    if (ticket_of(e) == static_cast<std::uint32_t>(h) &&
        head_.compare_exchange_strong(h, h + 1, std::memory_order_seq_cst, std::memory_order_relaxed)) [[likely]] {
      index = index_of(e);
      return true;
    }
    return try_pop_again(index);  // no entry, or another pop came first
  }

  void push(std::uint32_t index) noexcept { publish(claim(1), index); }

  // Up to `max` indices, oldest first; returns how many (0: empty).
  std::uint32_t pop_bulk(std::uint32_t* out, std::uint32_t max) noexcept {
    if (max == 0) return 0;
    std::atomic<std::uint64_t>* const ring = ring_.get();  // loaded once: the loads would reload them
    const std::uint64_t mask = mask_;
    for (std::uint32_t attempt = 0;;) {
      std::uint64_t h = head_.load(std::memory_order_relaxed);  // as in try_pop
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
      } else if (!await_entry(h, attempt++)) {
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
    return tail_.fetch_add(n, std::memory_order_seq_cst);  // see the header comment
  }
  void publish(std::uint64_t ticket, std::uint32_t index) noexcept { write(ring_.get(), mask_, ticket, index); }

 private:
  static void write(std::atomic<std::uint64_t>* ring, std::uint64_t mask, std::uint64_t ticket,
                    std::uint32_t index) noexcept {
    std::atomic<std::uint64_t>& slot = ring[ticket & mask];
    const auto previous = static_cast<std::uint32_t>(ticket - (mask + 1));
    // relaxed: coherence alone orders this store after the one it reads.
    while (ticket_of(slot.load(std::memory_order_relaxed)) != previous) cpu_relax();
    slot.store(entry(ticket, index), std::memory_order_release);  // pairs with the pop's acquire
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
  // case and returns true (look again).
  [[gnu::noinline, gnu::cold]] bool await_entry(std::uint64_t h, std::uint32_t attempt) const noexcept {
    if (tail_.load(std::memory_order_seq_cst) == h) return false;
    if (head_.load(std::memory_order_relaxed) != h) return true;
    if (attempt < 64) {
      cpu_relax();
    } else if (attempt < 128) {
      sched_yield();
    } else {
      const timespec pause{0, 50'000};  // 50 us: lets any priority run
      nanosleep(&pause, nullptr);
    }
    return true;
  }

  // Read-mostly: set by reset(), read by every push and pop.
  alignas(kCacheLine) std::unique_ptr<std::atomic<std::uint64_t>[]> ring_;
  std::uint64_t mask_ = 0;
  alignas(kCacheLine) std::atomic<std::uint64_t> head_{0};  // pops' line
  alignas(kCacheLine) std::atomic<std::uint64_t> tail_{0};  // pushes' line
};

}  // namespace samplepool::detail
