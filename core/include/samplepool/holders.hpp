// samplepool/holders.hpp: "who holds my buffers", as a snapshot.
//
// Each sample records the thread that acquired it and when (a hand-off
// re-attributes it with Sample::note_holder() on the receiving thread). A
// report groups the samples held now by thread: how many each holds and the
// age of its oldest, most samples first. Built on the cold path only
// (Pool::holders(), the starvation report); the hot path just stamps.
//
// Accuracy: a snapshot of racing holders, each sample read once; ages have
// the coarse clock's resolution (a few ms). A thread is named by its kernel
// id and, while it lives, by its name (pthread_setname_np); an exited
// thread's id may be reused.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace samplepool {

struct Holder {
  std::uint32_t thread_id = 0;              // kernel thread id (gettid) of the holder
  std::string name;                         // its name; empty once it exited
  std::uint32_t samples = 0;                // samples it holds
  std::chrono::milliseconds oldest_age{0};  // how long it has held its oldest
};

struct HolderReport {
  std::vector<Holder> holders;              // most samples first
  std::uint32_t held = 0;                   // samples held, all holders
  std::uint32_t count = 0;                  // samples in the pool
  std::chrono::milliseconds oldest_age{0};  // the oldest held sample's age
  bool complete = true;                     // false: no memory to build it all

  // One line: "consumer-1 held 6 of 8 samples, oldest 120 ms; capture held
  // 2 of 8 samples, oldest 3 ms" ("no samples held" when empty).
  std::string describe() const;
};

// The starvation report (Pool::set_starvation_report): called from an
// acquire that has waited longer than the threshold, on that thread, once
// per acquire, with the snapshot and how long it had waited. It may call
// back into the pool (stats, holders, decommit). It must not throw.
using StarvationCallback = void (*)(void* context, const HolderReport& report,
                                    std::chrono::nanoseconds waited);

}  // namespace samplepool
