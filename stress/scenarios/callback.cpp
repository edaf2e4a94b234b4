// Scenario "callback": release callbacks that call back into the pool.
#include "harness.hpp"

namespace samplepool::scenarios::harness {

using namespace std::chrono_literals;

// Release callbacks that call back into the pool.
namespace {

struct CallbackState {
  Pool* pool = nullptr;
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> reentries{0};  // successful acquires from the callback
  std::atomic<std::uint64_t> attempts{0};   // acquires tried from the callback
};
thread_local bool t_in_callback = false;

}  // namespace

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

}  // namespace samplepool::scenarios::harness
