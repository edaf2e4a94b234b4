// An experiment (README, Performance, Hand-off): what samplepool's parts cost
// the magazine floor in the capture hand-off. The floor is magazine_floor
// (bench/peers/floor_pools.hpp) cut down to a switchable copy: buffers are
// 64 headers of samplepool's layout (a fixed line, then the holder's line)
// with 4 KiB payloads, in magazines of 16 or 32 exchanged whole through two
// of the engine's lock-free stacks. Switches add, one at a time,
//  - header: what every samplepool acquire writes (the count, the flags, the
//    holder stamp) and the release's check of the buffer's pool;
//  - handshake: what every call into a samplepool thread cache does so that a
//    closer (a blocked acquirer, Decommit) can empty the cache without waiting
//    for its owner: a busy flag stored before and cleared after, and the
//    closed flag loaded on entry and on exit (thread_cache.hpp), on the
//    acquiring side, the releasing side or both;
// and samplepool's own pool runs the same loop. Every variant runs once per
// round, in a rotating order, all in one process; the report is the median
// over rounds of each variant's time divided by the plain floor's (16) in the
// same round. Not part of the build. From the repository root:
//   g++ -std=c++20 -O3 -DNDEBUG -DSAMPLEPOOL_DEBUG_CHECKS=0 -DSAMPLEPOOL_HAVE_JEMALLOC=0 -pthread \
//     -mtls-dialect=gnu2 -Icore/include -Ialloc/include -Ibench core/src/*.cpp alloc/src/*.cpp \
//     bench/results/experiments/handshake_floor.cpp -o /tmp/handshake_floor && /tmp/handshake_floor 30
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "pinning.hpp"
#include "samplepool/detail/lifo_free_list.hpp"
#include "samplepool/pool.hpp"
#include "spsc_ring.hpp"

namespace {

using samplepool::Errc;
using samplepool::Pool;
using samplepool::Sample;
using samplepool::bench::cpu_for;
using samplepool::bench::PinnedTo;
using samplepool::bench::SpscRing;
using samplepool::detail::LifoFreeList;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kCount = 64;
constexpr long kIterations = 300000;

struct alignas(128) Header {
  std::byte* data = nullptr;  // fixed line
  const void* pool = nullptr;
  alignas(64) std::atomic<std::uint32_t> refs{0};  // holder's line
  std::uint32_t flags = 0;
  std::atomic<std::uint32_t> holder{0};
};
struct alignas(128) Handshake {
  std::atomic<std::uint32_t> busy{0};
  std::atomic<std::uint32_t> closed{0};
};

enum Side : int { kNone = 0, kAcquire = 1, kRelease = 2, kBoth = 3 };

template <std::uint32_t kCap, bool kHeader, int kShake>
class Floor {
 public:
  Floor() : payload_(std::size_t{kCount} * 4096 + 4096), headers_(new Header[kCount]) {
    auto* base = reinterpret_cast<std::byte*>((reinterpret_cast<std::uintptr_t>(payload_.data()) + 4095) & ~std::uintptr_t{4095});
    const std::uint32_t loaded = (kCount + kCap - 1) / kCap, total = loaded + 3;
    mags_.reset(new Magazine[total]);
    for (std::uint32_t b = 0; b < kCount; ++b) {
      headers_[b].data = base + std::size_t{b} * 4096;
      headers_[b].pool = this;
      Magazine& m = mags_[b / kCap];
      m.items[m.n++] = &headers_[b];
    }
    loaded_.reset(total, loaded);
    empty_.reset(total, 0);
    for (std::uint32_t m = loaded; m < total; ++m) empty_.push(m);
  }
  void thread_init(int k) {
    t_mag_ = &mags_[pop_waiting(empty_)];
    t_shake_ = &shakes_[k];
  }
  void thread_fini() { (t_mag_->n != 0 ? loaded_ : empty_).push(index(t_mag_)); }
  Header* acquire() {
    enter<kAcquire>();
    Magazine* m = t_mag_;
    if (m->n == 0) [[unlikely]] m = exchange(m, empty_, loaded_);
    Header* h = m->items[--m->n];
    if (kHeader) {
      h->refs.store(1, std::memory_order_relaxed);
      h->flags = 0;
      h->holder.store(1, std::memory_order_relaxed);
    }
    leave<kAcquire>();
    return h;
  }
  void release(Header* h) {
    if (kHeader && h->pool != this) std::abort();
    enter<kRelease>();
    Magazine* m = t_mag_;
    if (m->n == kCap) [[unlikely]] m = exchange(m, loaded_, empty_);
    m->items[m->n++] = h;
    leave<kRelease>();
  }

 private:
  struct alignas(128) Magazine {
    std::uint32_t n = 0;
    Header* items[kCap] = {};
  };
  // As ThreadCache::enter() and end_section(): no closer ever comes here, so
  // a closed flag would be a bug.
  template <int kSide>
  void enter() {
    if (!(kShake & kSide)) return;
    t_shake_->busy.store(1, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);  // the light fence (asymmetric_fence.hpp)
    if (t_shake_->closed.load(std::memory_order_acquire) != 0) std::abort();
  }
  template <int kSide>
  void leave() {
    if (!(kShake & kSide)) return;
    if (t_shake_->closed.load(std::memory_order_relaxed) != 0) std::abort();
    t_shake_->busy.store(0, std::memory_order_release);
  }
  Magazine* exchange(Magazine* m, LifoFreeList& put_on, LifoFreeList& take_from) {
    Magazine* next = &mags_[pop_waiting(take_from)];
    put_on.push(index(m));
    t_mag_ = next;
    return next;
  }
  static std::uint32_t pop_waiting(LifoFreeList& from) {
    std::uint32_t i = 0;
    while (!from.try_pop(i)) std::this_thread::yield();
    return i;
  }
  std::uint32_t index(const Magazine* m) const { return static_cast<std::uint32_t>(m - mags_.get()); }

  static inline thread_local Magazine* t_mag_ = nullptr;
  static inline thread_local Handshake* t_shake_ = nullptr;
  std::vector<std::byte> payload_;
  std::unique_ptr<Header[]> headers_;
  std::unique_ptr<Magazine[]> mags_;
  std::unique_ptr<Handshake[]> shakes_{new Handshake[2]};
  LifoFreeList loaded_;
  LifoFreeList empty_;
};

// The hand-off of bench/scenarios.hpp's Handoff: this thread acquires,
// writes a byte and passes the buffer through an SPSC ring of 64 to a
// consumer on the other CPU, which releases it. Returns ns per buffer.
template <class Item, class Acquire, class Release, class Init, class Fini>
double hand_off(Acquire acquire, Release release, Init init, Fini fini) {
  const PinnedTo producer_pin(cpu_for(0));
  SpscRing<Item> ring(64);
  std::atomic<bool> stop{false};
  std::thread consumer([&] {
    const PinnedTo consumer_pin(cpu_for(1));
    init(1);
    Item item{};
    for (;;) {
      if (ring.pop(item)) {
        release(item);
      } else if (stop.load(std::memory_order_acquire)) {
        if (!ring.pop(item)) break;
        release(item);
      } else {
        std::this_thread::yield();
      }
    }
    fini();
  });
  init(0);
  const auto t0 = Clock::now();
  for (long i = 0; i < kIterations; ++i) {
    Item item = acquire();
    while (!ring.push(item)) std::this_thread::yield();
  }
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / kIterations;
  stop.store(true, std::memory_order_release);
  consumer.join();
  fini();
  return ns;
}

template <class F>
double floor_run(F& f) {
  return hand_off<Header*>(
      [&f] {
        Header* h = f.acquire();
        *static_cast<volatile std::byte*>(h->data) = std::byte{1};
        return h;
      },
      [&f](Header*& h) { f.release(h); }, [&f](int k) { f.thread_init(k); }, [&f] { f.thread_fini(); });
}

double samplepool_run(Pool& pool) {
  return hand_off<Sample>(
      [&pool] {
        Sample s;
        if (pool.acquire(s) != Errc::ok) std::abort();
        *static_cast<volatile std::byte*>(static_cast<void*>(s.data())) = std::byte{1};
        return s;
      },
      [](Sample& s) { s.reset(); }, [](int) {}, [] {});
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 30;
  if (rounds < 1 || samplepool::bench::allowed_cpus().size() < 2) {
    std::fprintf(stderr, "usage: handshake_floor [ROUNDS >= 1], on two CPUs or more\n");
    return 2;
  }
  Pool pool;
  samplepool::Properties p;
  p.count = kCount;
  p.size = 4096;
  p.alignment = 64;
  if (pool.set_properties(p) != Errc::ok || pool.commit() != Errc::ok) return 1;
  Floor<16, false, kNone> floor16;
  Floor<32, false, kNone> floor32;
  Floor<16, true, kNone> header;
  Floor<16, false, kAcquire> shake_acquire;
  Floor<16, false, kRelease> shake_release;
  Floor<16, false, kBoth> shake;
  Floor<16, true, kBoth> both;
  const char* names[] = {"magazine floor, magazines of 16",
                         "magazine floor, magazines of 32",
                         "floor + header",
                         "floor + handshake, acquiring side",
                         "floor + handshake, releasing side",
                         "floor + handshake",
                         "floor + header + handshake",
                         "samplepool"};
  constexpr int kVariants = 8;
  std::vector<std::vector<double>> ns(kVariants);
  for (int r = 0; r < rounds; ++r) {
    for (int j = 0; j < kVariants; ++j) {
      const int k = (j + r) % kVariants;
      switch (k) {
        case 0: ns[k].push_back(floor_run(floor16)); break;
        case 1: ns[k].push_back(floor_run(floor32)); break;
        case 2: ns[k].push_back(floor_run(header)); break;
        case 3: ns[k].push_back(floor_run(shake_acquire)); break;
        case 4: ns[k].push_back(floor_run(shake_release)); break;
        case 5: ns[k].push_back(floor_run(shake)); break;
        case 6: ns[k].push_back(floor_run(both)); break;
        default: ns[k].push_back(samplepool_run(pool)); break;
      }
    }
  }
  std::printf("hand-off, %u buffers of 4 KiB, %d rounds of %ld buffers\n", kCount, rounds, kIterations);
  std::printf("| variant | ns per buffer (median) | time / floor of 16, per round (median) |\n| --- | ---: | ---: |\n");
  for (int k = 0; k < kVariants; ++k) {
    std::vector<double> ratio;
    for (int r = 0; r < rounds; ++r) ratio.push_back(ns[k][r] / ns[0][r]);
    std::printf("| %s | %.2f | %.3f |\n", names[k], median(ns[k]), median(ratio));
  }
  return 0;
}
