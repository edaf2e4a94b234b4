// The stress scenarios and the soak driver: see stress.hpp.
#include "stress.hpp"

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "samplepool/dshow.hpp"
#include "samplepool/samplepool.hpp"

namespace samplepool::stress {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------
// Shared helpers.

// Counts every byte a pool takes from the heap, so a scenario can prove it
// all came back.
class CountingBackend final : public alloc::Backend {
 public:
  const char* name() const noexcept override { return "counting-heap"; }
  Errc allocate(std::size_t bytes, std::size_t alignment, void** out) noexcept override {
    const Errc e = heap_->allocate(bytes, alignment, out);
    if (e == Errc::ok) bytes_.fetch_add(static_cast<long long>(bytes));
    return e;
  }
  void deallocate(void* p, std::size_t bytes, std::size_t alignment) noexcept override {
    heap_->deallocate(p, bytes, alignment);
    bytes_.fetch_sub(static_cast<long long>(bytes));
  }
  long long resident_bytes() const noexcept override { return bytes_.load(); }

 private:
  std::shared_ptr<alloc::Backend> heap_ = alloc::make_heap_backend();
  std::atomic<long long> bytes_{0};
};

// Collects violations from any thread.
class Violations {
 public:
  void add(std::string what) {
    std::lock_guard lock(m_);
    if (list_.size() < 20) list_.push_back(std::move(what));
    ++count_;
  }
  void drain_into(Report& r) {
    std::lock_guard lock(m_);
    r.violations.insert(r.violations.end(), list_.begin(), list_.end());
    if (count_ > list_.size()) r.violations.push_back("... and " + std::to_string(count_ - list_.size()) + " more");
  }

 private:
  std::mutex m_;
  std::vector<std::string> list_;
  std::size_t count_ = 0;
};

// A control call that must succeed: anything else is a violation.
void expect_ok(Violations& v, const char* what, Errc e) {
  if (e != Errc::ok) v.add(std::string(what) + ": " + to_string(e));
}

// Owner tags by sample index, plus a sentinel in each buffer: catches a
// sample handed to two holders at once.
class Ownership {
 public:
  explicit Ownership(std::size_t max_samples) : owner_(max_samples) {
    for (auto& o : owner_) o.store(-1);
  }
  // On acquire by `who`: claims the tag and writes the sentinel.
  void take(const Sample& s, int who, Violations& v) {
    int expected = -1;
    if (!owner_[s.index()].compare_exchange_strong(expected, who)) {
      v.add("sample " + std::to_string(s.index()) + " handed to " + std::to_string(who) +
            " while owned by " + std::to_string(expected));
    }
    write_sentinel(s, who);
  }
  // Before the holder gives it up (or hands it to another thread).
  void give(const Sample& s, int who, Violations& v) {
    check_sentinel(s, who, v);
    owner_[s.index()].store(-1);
  }
  static void write_sentinel(const Sample& s, int who) {
    std::memcpy(s.data(), &who, sizeof who);
    std::memcpy(s.data() + s.size() - sizeof who, &who, sizeof who);
  }
  static void check_sentinel(const Sample& s, int who, Violations& v) {
    int head, tail;
    std::memcpy(&head, s.data(), sizeof head);
    std::memcpy(&tail, s.data() + s.size() - sizeof tail, sizeof tail);
    if (head != who || tail != who) {
      v.add("sample " + std::to_string(s.index()) + " of " + std::to_string(who) + " was written by " +
            std::to_string(head) + "/" + std::to_string(tail));
    }
  }

 private:
  std::vector<std::atomic<int>> owner_;
};

// Samples handed between threads (a copy = AddRef; the receiver releases).
class Mailbox {
 public:
  void put(Sample s) {
    std::lock_guard lock(m_);
    q_.push_back(std::move(s));
  }
  bool take(Sample& out) {
    std::lock_guard lock(m_);
    if (q_.empty()) return false;
    out = std::move(q_.front());
    q_.pop_front();
    return true;
  }
  void clear() {
    std::lock_guard lock(m_);
    q_.clear();
  }

 private:
  std::mutex m_;
  std::deque<Sample> q_;
};

constexpr int kShared = 1 << 20;  // sentinel of a sample handed to the mailbox

Clock::time_point deadline_after(double seconds) {
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// True until the deadline, or until someone asked the run to stop early.
bool running(const Options& o, Clock::time_point deadline) {
  return Clock::now() < deadline && (o.live == nullptr || !o.live->stop.load(std::memory_order_relaxed));
}

// Counts one more operation (the `done`-th of this thread) in the live view.
void count_live(const Options& o, std::uint64_t done) {
  if (o.live != nullptr && done % Live::kLiveBatch == 0) {
    o.live->operations.fetch_add(Live::kLiveBatch, std::memory_order_relaxed);
  }
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// Per-thread counters, summed at the end.
struct Counts {
  std::uint64_t ops = 0, ok = 0, timeouts = 0, not_committed = 0;
};

// The state one pool's workers and controller share.
struct Arena {
  explicit Arena(const Options& o, std::shared_ptr<alloc::Backend> backend, FreeListPolicy policy)
      : options(o), pool(PoolOptions{policy, std::move(backend)}), owners(64) {}
  const Options& options;
  Pool pool;
  Ownership owners;
  Mailbox mailbox;
  Violations violations;
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> last_decommit_ns{0};
  std::atomic<std::int64_t> worst_return_ns{0};
  std::atomic<std::uint64_t> max_outstanding{0};
};

void note_max(std::atomic<std::int64_t>& a, std::int64_t v) {
  std::int64_t cur = a.load();
  while (v > cur && !a.compare_exchange_weak(cur, v)) {
  }
}

// One worker: random acquire flavours, random holds, random hand-offs.
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

// Checks the quiescent pool: everything back, counts consistent.
// `successes` counts every acquire the pool handed out.
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
  return Properties{static_cast<std::uint32_t>(2 + rng() % 30), 64 + rng() % 4000,
                    std::size_t{1} << (rng() % 7), rng() % 3 == 0 ? 32u : 0u};
}

// Runs `threads` workers on `a` while `control` runs on this thread until the
// deadline; then stops, drains and checks.
// `extra` (optional) counts acquires made outside the workers (callbacks).
template <class Control>
Report run_workers(Arena& a, const Options& o, const std::string& name, Control control,
                   const std::atomic<std::uint64_t>* extra = nullptr) {
  Report r;
  r.scenario = name;
  std::vector<Counts> counts(o.threads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < o.threads; ++t) {
    threads.emplace_back(worker, std::ref(a), static_cast<int>(t), o.seed * 7919 + t, std::ref(counts[t]));
  }
  const auto deadline = deadline_after(o.seconds);
  control(deadline, r);
  a.stop = true;
  a.last_decommit_ns = now_ns();
  expect_ok(a.violations, "decommit", a.pool.decommit());  // ends every blocked acquire
  for (auto& t : threads) t.join();
  a.mailbox.clear();
  std::uint64_t successes = 0;
  for (const Counts& c : counts) {
    r.operations += c.ops;
    successes += c.ok;
    r.timeouts += c.timeouts;
    r.not_committed += c.not_committed;
  }
  if (extra != nullptr) successes += extra->load();
  r.acquires = successes;
  r.waits = a.pool.stats().waits;
  check_quiescent(a, successes, r);
  r.worst_decommit_return_s = static_cast<double>(a.worst_return_ns.load()) / 1e9;
  r.max_outstanding = std::max<std::uint64_t>(r.max_outstanding, a.max_outstanding.load());
  return r;
}

// Samples outstanding <= count while running.
void sample_stats(Arena& a) {
  const Stats st = a.pool.stats();
  if (st.outstanding > st.count) {
    a.violations.add("outstanding " + std::to_string(st.outstanding) + " > count " + std::to_string(st.count));
  }
  std::uint64_t cur = a.max_outstanding.load();
  while (st.outstanding > cur && !a.max_outstanding.compare_exchange_weak(cur, st.outstanding)) {
  }
}

// The leak check every scenario ends with.
void check_backend(const alloc::Backend& b, Report& r) {
  const long long left = b.resident_bytes();
  if (left > 0) r.leaked_bytes += left;
}

std::shared_ptr<alloc::Backend> pick_backend(std::mt19937_64& rng) {
  switch (rng() % 3) {
    case 0: return alloc::make_mmap_backend();
    case 1:
      if (std::shared_ptr<alloc::Backend> b; alloc::make_jemalloc_backend(&b) == Errc::ok) return b;
      [[fallthrough]];
    default: return std::make_shared<CountingBackend>();
  }
}

// ---------------------------------------------------------------------------
// Scenarios.

Report mixed(const Options& o) {
  std::mt19937_64 rng(o.seed);
  auto backend = std::make_shared<CountingBackend>();
  Report r;
  {
    Arena a(o, backend, rng() % 2 ? FreeListPolicy::lifo : FreeListPolicy::fifo);
    expect_ok(a.violations, "set_properties", a.pool.set_properties({static_cast<std::uint32_t>(4 + rng() % 12), 256, 64, 0}));
    expect_ok(a.violations, "commit", a.pool.commit());
    r = run_workers(a, o, "mixed", [&](Clock::time_point deadline, Report&) {
      while (running(o, deadline)) {
        sample_stats(a);
        std::this_thread::sleep_for(1ms);
      }
    });
    a.violations.drain_into(r);
  }
  check_backend(*backend, r);
  return r;
}

// Decommit/Commit storms, with new properties between some cycles.
Report storm(const Options& o) {
  std::mt19937_64 rng(o.seed ^ 0x5eed);
  auto backend = std::make_shared<CountingBackend>();
  Report r;
  {
    Arena a(o, backend, FreeListPolicy::lifo);
    expect_ok(a.violations, "set_properties", a.pool.set_properties({8, 512, 16, 0}));
    expect_ok(a.violations, "commit", a.pool.commit());
    r = run_workers(a, o, "storm", [&](Clock::time_point deadline, Report& rep) {
      while (running(o, deadline)) {
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
        a.last_decommit_ns = now_ns();
        expect_ok(a.violations, "decommit", a.pool.decommit());
        ++rep.decommit_cycles;
        sample_stats(a);
        if (rng() % 3 == 0) {
          // New properties need every sample back: the workers drop theirs
          // on not_committed; retry briefly, then carry on if still busy.
          const Properties p = random_props(rng);
          for (int i = 0; i < 200; ++i) {
            const Errc e = a.pool.set_properties(p);
            if (e == Errc::ok) break;
            if (e != Errc::buffers_outstanding) {
              a.violations.add(std::string("set_properties: ") + to_string(e));
              break;
            }
            std::this_thread::sleep_for(100us);
          }
        }
        if (rng() % 2) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 500));
        const Errc e = a.pool.commit();
        if (e != Errc::ok) a.violations.add(std::string("commit: ") + to_string(e));
      }
    });
    a.violations.drain_into(r);
  }
  check_backend(*backend, r);
  return r;
}

// Pools destroyed while other threads still hold samples and release late.
Report teardown(const Options& o) {
  std::mt19937_64 rng(o.seed ^ 0x7ea4);
  Report r;
  r.scenario = "teardown";
  Violations v;
  const auto deadline = deadline_after(o.seconds);
  while (running(o, deadline)) {
    auto backend = pick_backend(rng);
    {
      auto pool = std::make_unique<Pool>(PoolOptions{FreeListPolicy::lifo, backend});
      const Properties p = random_props(rng);
      expect_ok(v, "set_properties", pool->set_properties(p));
      if (pool->commit() != Errc::ok) {
        v.add("commit failed");
        continue;
      }
      std::vector<std::thread> late;
      const unsigned holders = std::min<unsigned>(o.threads, p.count);
      for (unsigned t = 0; t < holders; ++t) {
        Sample s;
        if (pool->try_acquire(s) != Errc::ok) {
          v.add("fresh pool had no sample");
          break;
        }
        count_live(o, ++r.acquires);
        const auto delay = std::chrono::microseconds(rng() % 3000);
        late.emplace_back([s = std::move(s), delay]() mutable {
          std::this_thread::sleep_for(delay);
          s.reset();  // may be the sample ~Pool is waiting for
        });
      }
      pool.reset();  // waits for every late release
      ++r.pools_destroyed;
      for (auto& t : late) t.join();
    }
    check_backend(*backend, r);
  }
  v.drain_into(r);
  return r;
}

// Release callbacks that call back into the pool.
struct CallbackState {
  Pool* pool = nullptr;
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> reentries{0};  // successful acquires from the callback
  std::atomic<std::uint64_t> attempts{0};   // acquires tried from the callback
};
thread_local bool t_in_callback = false;

Report callback(const Options& o) {
  auto backend = std::make_shared<CountingBackend>();
  Report r;
  {
    Arena a(o, backend, FreeListPolicy::lifo);
    CallbackState cs;
    cs.pool = &a.pool;
    expect_ok(a.violations, "set_properties", a.pool.set_properties({6, 128, 8, 0}));
    const Errc set_cb = a.pool.set_release_callback(
        [](void* ctx) {
          auto* c = static_cast<CallbackState*>(ctx);
          c->calls.fetch_add(1, std::memory_order_relaxed);
          if (t_in_callback) return;
          t_in_callback = true;
          (void)c->pool->stats();
          Sample again;  // acquire and release from inside the callback
          c->attempts.fetch_add(1, std::memory_order_relaxed);
          if (c->pool->try_acquire(again) == Errc::ok) c->reentries.fetch_add(1, std::memory_order_relaxed);
          again.reset();
          t_in_callback = false;
        },
        &cs);
    expect_ok(a.violations, "set_release_callback", set_cb);
    expect_ok(a.violations, "commit", a.pool.commit());
    r = run_workers(
        a, o, "callback",
        [&](Clock::time_point deadline, Report&) {
          while (running(o, deadline)) {
            sample_stats(a);
            std::this_thread::sleep_for(1ms);
          }
        },
        &cs.reentries);
    r.operations += cs.attempts.load();
    // Every release of every acquired sample called back exactly once.
    if (cs.calls.load() != r.acquires) {
      a.violations.add(std::to_string(cs.calls.load()) + " release callbacks for " + std::to_string(r.acquires) +
                       " releases");
    }
    a.violations.drain_into(r);
  }
  check_backend(*backend, r);
  return r;
}

// The DirectShow layer: AddRef/Release across threads, NOWAIT, Decommit
// storms, and the allocator released while samples are still out.
void expect_s_ok(Violations& v, const char* what, dshow::HRESULT hr) {
  if (hr != dshow::S_OK) v.add(std::string(what) + " failed");
}

Report dshow_api(const Options& o) {
  using namespace samplepool::dshow;
  std::mt19937_64 rng(o.seed ^ 0xd5);
  Report r;
  r.scenario = "dshow";
  Violations v;
  const auto deadline = deadline_after(o.seconds);
  while (running(o, deadline)) {
    IMemAllocator* alloc = nullptr;
    if (CreateMemAllocator(&alloc) != S_OK) {
      v.add("CreateMemAllocator failed");
      break;
    }
    ALLOCATOR_PROPERTIES req{static_cast<LONG>(2 + rng() % 8), 1024, 16, 0}, act;
    expect_s_ok(v, "SetProperties", alloc->SetProperties(&req, &act));
    expect_s_ok(v, "Commit", alloc->Commit());
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> ok{0}, ops{0};
    std::vector<std::thread> threads;
    std::vector<IMediaSample*> leftovers(o.threads, nullptr);
    for (unsigned t = 0; t < o.threads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 trng(o.seed + t);
        std::uint64_t mine = 0;
        while (!stop.load()) {
          IMediaSample* s = nullptr;
          const HRESULT hr = alloc->GetBuffer(&s, nullptr, nullptr, trng() % 2 ? AM_GBF_NOWAIT : 0);
          ops.fetch_add(1);
          count_live(o, ++mine);
          if (hr != S_OK) {
            if (s != nullptr) v.add("GetBuffer failed but set the sample");
            if (hr != VFW_E_TIMEOUT && hr != VFW_E_NOT_COMMITTED) v.add("GetBuffer: unexpected HRESULT");
            std::this_thread::yield();
            continue;
          }
          ok.fetch_add(1);
          if (s->AddRef() != 2) v.add("AddRef on a fresh sample did not return 2");
          expect_s_ok(v, "SetActualDataLength", s->SetActualDataLength(static_cast<LONG>(trng() % 1024)));
          if (s->Release() != 1) v.add("Release of one of two references did not return 1");
          if (trng() % 64 == 0 && leftovers[t] == nullptr) {
            leftovers[t] = s;  // kept past the allocator's own Release
          } else {
            s->Release();
          }
        }
      });
    }
    const auto cycle_end = std::min(deadline, Clock::now() + 50ms);
    while (Clock::now() < cycle_end) {
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 5000));
      expect_s_ok(v, "Decommit", alloc->Decommit());
      ++r.decommit_cycles;
      expect_s_ok(v, "Commit", alloc->Commit());
    }
    stop = true;
    expect_s_ok(v, "Decommit", alloc->Decommit());
    for (auto& t : threads) t.join();
    r.operations += ops.load();
    r.acquires += ok.load();
    if (alloc->Release() != 0) v.add("allocator Release did not return 0");
    for (IMediaSample* s : leftovers) {
      if (s != nullptr) s->Release();  // the last one frees the allocator
    }
    ++r.pools_destroyed;
  }
  v.drain_into(r);
  return r;
}

}  // namespace

void Report::merge(const Report& o) {
  operations += o.operations;
  acquires += o.acquires;
  waits += o.waits;
  timeouts += o.timeouts;
  not_committed += o.not_committed;
  decommit_cycles += o.decommit_cycles;
  pools_destroyed += o.pools_destroyed;
  max_outstanding = std::max(max_outstanding, o.max_outstanding);
  leaked_bytes += o.leaked_bytes;
  worst_decommit_return_s = std::max(worst_decommit_return_s, o.worst_decommit_return_s);
  for (const auto& v : o.violations) violations.push_back(o.scenario + ": " + v);
}

std::string describe(const Report& r) {
  char buf[768];
  std::snprintf(buf, sizeof buf,
                "  operations       %llu\n  acquires         %llu\n  waits            %llu\n"
                "  timeouts         %llu\n  not committed    %llu\n  decommit cycles  %llu\n"
                "  pools destroyed  %llu\n  max outstanding  %llu\n  worst return after Decommit %.3f ms\n"
                "  leaked bytes     %lld\n",
                static_cast<unsigned long long>(r.operations), static_cast<unsigned long long>(r.acquires),
                static_cast<unsigned long long>(r.waits), static_cast<unsigned long long>(r.timeouts),
                static_cast<unsigned long long>(r.not_committed), static_cast<unsigned long long>(r.decommit_cycles),
                static_cast<unsigned long long>(r.pools_destroyed), static_cast<unsigned long long>(r.max_outstanding),
                r.worst_decommit_return_s * 1000, static_cast<long long>(r.leaked_bytes));
  std::string out = buf;
  for (const auto& v : r.violations) out += "  violation: " + v + "\n";
  return out;
}

std::string describe_progress(const SoakProgress& p, double total_seconds) {
  const Report& t = p.finished;
  char line[240];
  std::snprintf(line, sizeof line,
                "soak: %6.0f/%.0f s  %-8s  ops %llu  acquires %llu  waits %llu  timeouts %llu  decommits %llu  "
                "violations %zu",
                p.elapsed_s, total_seconds, p.scenario.c_str(),
                static_cast<unsigned long long>(t.operations + p.live_operations),
                static_cast<unsigned long long>(t.acquires), static_cast<unsigned long long>(t.waits),
                static_cast<unsigned long long>(t.timeouts), static_cast<unsigned long long>(t.decommit_cycles),
                t.violations.size());
  return line;
}

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> names{"mixed", "storm", "teardown", "callback", "dshow"};
  return names;
}

Report run_scenario(const std::string& name, const Options& o) {
  Report r;
  if (name == "mixed") r = mixed(o);
  else if (name == "storm") r = storm(o);
  else if (name == "teardown") r = teardown(o);
  else if (name == "callback") r = callback(o);
  else if (name == "dshow") r = dshow_api(o);
  else r.violations.push_back("unknown scenario '" + name + "'");
  r.scenario = name;
  return r;
}

Report run_soak(double total_seconds, const Options& options,
                const std::function<bool(const SoakProgress&)>& progress) {
  Live live;
  Options o = options;
  o.live = &live;
  std::mutex m;  // guards total, current and done
  std::condition_variable changed;
  Report total;
  total.scenario = "soak";
  std::string current;
  bool done = false;
  const auto start = Clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  std::thread runner([&] {
    for (std::uint64_t round = 0; !live.stop.load(std::memory_order_relaxed); ++round) {
      for (const std::string& name : scenario_names()) {
        if (live.stop.load(std::memory_order_relaxed)) break;
        {
          std::lock_guard lock(m);
          current = name;
          live.operations.store(0, std::memory_order_relaxed);
        }
        o.seed = options.seed + round * 1000003u;
        Report r = run_scenario(name, o);
        std::lock_guard lock(m);
        total.merge(r);
        current.clear();
      }
      if (elapsed() >= total_seconds) break;
    }
    std::lock_guard lock(m);
    done = true;
    changed.notify_all();
  });
  for (bool last = false; !last;) {
    std::unique_lock lock(m);
    changed.wait_for(lock, 200ms, [&] { return done; });
    last = done;
    const SoakProgress p{total, current, live.operations.load(std::memory_order_relaxed), elapsed()};
    if (progress && progress(p)) live.stop.store(true, std::memory_order_relaxed);
  }
  runner.join();
  return total;
}

}  // namespace samplepool::stress
