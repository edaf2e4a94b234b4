// The scenarios' shared harness: see harness.hpp.
#include "harness.hpp"

#include <algorithm>

namespace samplepool::scenarios::harness {

using namespace std::chrono_literals;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

void expect_ok(Violations& v, const char* what, Errc e) {
  if (e != Errc::ok) v.add(std::string(what) + ": " + to_string(e));
}

Clock::time_point deadline_after(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

bool running(const Options& o, Clock::time_point deadline) {
  return Clock::now() < deadline && (o.live == nullptr || !o.live->stop.load(std::memory_order_relaxed));
}

void count_live(const Options& o, std::uint64_t done) {
  if (o.live != nullptr && done % Live::kLiveBatch == 0) {
    o.live->operations.fetch_add(Live::kLiveBatch, std::memory_order_relaxed);
  }
}

void note_max(std::atomic<std::int64_t>& a, std::int64_t v) {
  std::int64_t cur = a.load();
  while (v > cur && !a.compare_exchange_weak(cur, v)) {
  }
}

void worker(Arena& a, int id, std::uint64_t seed, Counts& c) {
  std::mt19937_64 rng(seed);
  while (!a.stop.load(std::memory_order_relaxed)) {
    // Release something another thread handed over.
    if (Sample got; rng() % 4 == 0 && a.mailbox.take(got)) {
      Ownership::check_sentinel(got, kShared, a.violations);
      got.reset();
    }
    Sample s;
    const std::int64_t started = now_ns();
    Errc e;
    switch (rng() % 4) {
      case 0: e = a.pool.acquire(s); break;
      case 1: e = a.pool.try_acquire(s); break;
      default: e = a.pool.acquire_for(s, std::chrono::microseconds(rng() % 2000)); break;
    }
    count_live(a.options, ++c.ops);
    if (e == Errc::timeout) {
      ++c.timeouts;
      continue;
    }
    if (e == Errc::not_committed) {
      ++c.not_committed;
      const std::int64_t dec = a.last_decommit_ns.load();
      if (dec > started) {  // it was waiting when the Decommit came
        const std::int64_t late = now_ns() - dec;
        note_max(a.worst_return_ns, late);
        if (late > static_cast<std::int64_t>(a.options.decommit_bound_s * 1e9)) {
          a.violations.add("a waiter returned " + std::to_string(late / 1000) + " us after Decommit");
        }
      }
      std::this_thread::sleep_for(50us);
      continue;
    }
    if (e != Errc::ok) {
      a.violations.add(std::string("acquire returned ") + to_string(e));
      continue;
    }
    ++c.ok;
    a.owners.take(s, id, a.violations);
    const auto r = rng() % 16;
    if (r == 0) {
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
    } else if (r < 4) {
      std::this_thread::yield();
    }
    if (r == 5) {  // hand a copy to another thread, then drop ours
      a.owners.give(s, id, a.violations);
      Ownership::write_sentinel(s, kShared);
      a.mailbox.put(s);
      continue;
    }
    a.owners.give(s, id, a.violations);
  }
}

void check_quiescent(Arena& a, std::uint64_t successes, Report& r) {
  const Stats st = a.pool.stats();
  if (st.outstanding != 0 || st.free != st.count || st.waiters != 0) {
    a.violations.add("at quiescence: outstanding " + std::to_string(st.outstanding) + ", free " +
                     std::to_string(st.free) + " of " + std::to_string(st.count) + ", waiters " +
                     std::to_string(st.waiters));
  }
  if (st.acquires != successes) {
    a.violations.add("pool counted " + std::to_string(st.acquires) + " acquires, threads " +
                     std::to_string(successes));
  }
  r.max_outstanding = std::max<std::uint64_t>(r.max_outstanding, st.high_water);
}

Properties random_props(std::mt19937_64& rng) {
  Properties p{static_cast<std::uint32_t>(2 + rng() % 30), 64 + rng() % 4000, std::size_t{1} << (rng() % 7),
               rng() % 3 == 0 ? 32u : 0u};
  if (rng() % 3 == 0) p.max_count = p.count + static_cast<std::uint32_t>(rng() % 21);
  return p;
}

void sample_stats(Arena& a) {
  const Stats st = a.pool.stats();
  if (st.outstanding > st.count) {
    a.violations.add("outstanding " + std::to_string(st.outstanding) + " > count " + std::to_string(st.count));
  }
  std::uint64_t cur = a.max_outstanding.load();
  while (st.outstanding > cur && !a.max_outstanding.compare_exchange_weak(cur, st.outstanding)) {
  }
}

void check_backend(const alloc::Backend& b, Report& r) {
  const long long left = b.resident_bytes();
  if (left > 0) r.leaked_bytes += left;
}

std::shared_ptr<alloc::Backend> pick_backend(std::mt19937_64& rng) {
  // mmap, jemalloc or memfd from the registry (the counting heap when this
  // build lacks one), or the counting heap: one in four each.
  static constexpr std::string_view kNamed[] = {"mmap", "jemalloc", "memfd"};
  const auto pick = rng() % 4;
  std::shared_ptr<alloc::Backend> b;
  if (pick < 3 && alloc::make_backend(kNamed[pick], {}, &b) == Errc::ok) return b;
  return std::make_shared<CountingBackend>();
}

}  // namespace samplepool::scenarios::harness
