// samplepool/detail/test_hooks.hpp: seams where a test can stall a thread at
// a racy point of a cold path.
//
// Purpose: a race the stress tests would hit one run in a thousand becomes a
// deterministic test: the test installs a hook, the hook blocks the thread
// that reaches the point until the test has done what it must do meanwhile.
// Only cold paths call run_test_hook() (one relaxed load and a predicted
// branch), never an acquire or release that stays in a thread cache.
//
// Thread safety: set_test_hook() from any thread; the hook runs on whichever
// thread reaches the point and must be thread-safe itself. Production code
// never installs one.
#pragma once

#include <atomic>

namespace samplepool::detail {

enum class HookPoint {
  decommit_midway,  // decommit(): caches closed and swept, state not yet published
  cache_refill,     // a thread-cache owner inside its section, refilling from the shared list
  cache_flush,      // a thread-cache owner inside its section, about to flush a batch to the shared list
  sweep_drained,    // a closer has emptied another thread's cache and not yet pushed its samples
  // Shared pools (shm/): the points where a process killed there must lose nothing.
  shm_acquire_claimed,  // an acquire owns a sample's word and has not yet checked the state again
  shm_release_midway,   // a release has cleared the last holder bit and not yet marked the sample free
  shm_publish_charging, // a publish found room in a subscriber's ring and has not yet charged it
  shm_publish_charged,  // a publish has tried to charge a subscriber and not yet acted on the outcome
  shm_publish_midway,   // a publish has charged a subscriber and not yet written its ring entry
  shm_publish_checked,  // a publish has found its charged subscriber still subscribed, entry not yet written
  shm_publisher_left,   // a leaving publisher has freed the channel's publisher slot
  shm_receive_read,     // a receive has read the entry at its ring's head and not yet taken its charge
  shm_receive_midway,   // a receive has taken its charge and not yet advanced its ring's head
  shm_receive_empty,    // a receive found its ring empty and has not yet asked whether the channel ended
};

using TestHook = void (*)(HookPoint) noexcept;

extern std::atomic<TestHook> g_test_hook;

inline void set_test_hook(TestHook hook) noexcept { g_test_hook.store(hook, std::memory_order_release); }

inline void run_test_hook(HookPoint point) noexcept {
  if (TestHook hook = g_test_hook.load(std::memory_order_acquire)) [[unlikely]] hook(point);
}

}  // namespace samplepool::detail
