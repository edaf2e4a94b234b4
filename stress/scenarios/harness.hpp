// stress/scenarios/harness.hpp: what the scenarios share (internal to the
// scenarios library): a counting backend, the violation list, ownership
// tags and sentinels, a mailbox for hand-offs, the worker loop and the
// quiescence checks. Each scenario lives in a file of its own and uses these.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "samplepool/alloc/registry.hpp"
#include "samplepool/samplepool.hpp"
#include "scenarios.hpp"

namespace samplepool::scenarios::harness {

using Clock = std::chrono::steady_clock;

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
  std::shared_ptr<alloc::Backend> heap_ = make_heap();

  static std::shared_ptr<alloc::Backend> make_heap() {
    std::shared_ptr<alloc::Backend> b;
    (void)alloc::make_backend("heap", {}, &b);  // cannot fail
    return b;
  }
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
void expect_ok(Violations& v, const char* what, Errc e);

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

// The time `seconds` from now.
Clock::time_point deadline_after(double seconds);

// True until the deadline, or until someone asked the run to stop early.
bool running(const Options& o, Clock::time_point deadline);

// Counts one more operation (the `done`-th of this thread) in the live view.
void count_live(const Options& o, std::uint64_t done);

// Steady-clock nanoseconds, for timing a waiter against a Decommit.
std::int64_t now_ns();

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

// Raises `a` to `v` if `v` is larger.
void note_max(std::atomic<std::int64_t>& a, std::int64_t v);

// One worker: random acquire flavours, random holds, random hand-offs.
void worker(Arena& a, int id, std::uint64_t seed, Counts& c);

// Checks the quiescent pool: everything back, counts consistent.
// `successes` counts every acquire the pool handed out.
void check_quiescent(Arena& a, std::uint64_t successes, Report& r);

// Random valid properties: 2..31 samples of up to 4 KiB, some with a
// prefix, a third of them growable by up to 20 more.
Properties random_props(std::mt19937_64& rng);

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
void sample_stats(Arena& a);

// The leak check every scenario ends with.
void check_backend(const alloc::Backend& b, Report& r);

// A random backend: mmap, jemalloc (when built with it) or a counting heap.
std::shared_ptr<alloc::Backend> pick_backend(std::mt19937_64& rng);

// The scenarios, one per file; run_scenario() (soak.cpp) names them.
Report mixed(const Options& o);
Report storm(const Options& o);
Report teardown(const Options& o);
Report callback(const Options& o);
Report dshow_api(const Options& o);
Report growth(const Options& o);

}  // namespace samplepool::scenarios::harness
