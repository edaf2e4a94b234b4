// Scenario "dshow": the DirectShow face under the same kind of load.
#include "harness.hpp"

#include <algorithm>

#include "samplepool/dshow.hpp"

namespace samplepool::scenarios::harness {

using namespace std::chrono_literals;

// The DirectShow layer: AddRef/Release across threads, NOWAIT, Decommit
// storms, and the allocator released while samples are still out.
namespace {

void expect_s_ok(Violations& v, const char* what, dshow::HRESULT hr) {
  if (hr != dshow::S_OK) v.add(std::string(what) + " failed");
}

}  // namespace

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

}  // namespace samplepool::scenarios::harness
