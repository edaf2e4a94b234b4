#include "samplepool/detail/thread_index.hpp"

#include <pthread.h>

#include <atomic>
#include <bit>
#include <cassert>
#include <mutex>

#include "samplepool/detail/holder_stamp.hpp"
#include "samplepool/detail/thread_cache.hpp"

namespace samplepool::detail {

static_assert(kMaxCacheThreads <= 64, "the slot bitmap is one 64-bit word");

ThreadCache no_release_caches;  // only its address: CacheTls's first hint
constinit thread_local CacheTls tls_cache;

namespace {

std::atomic<std::uint64_t> g_used{0};  // bit i: slot i + 1 is held by a live thread
// The kernel id of the thread that last claimed each slot (holder reports):
// written at the claim, read racily by reports. relaxed.
std::atomic<std::uint32_t> g_slot_thread[kCacheEntries];

// Set once this thread's exit drain has begun: from then on it takes the
// shared path (a pool finalized by the drain may release samples of other
// pools) and claims no slot again.
constinit thread_local bool tls_exiting = false;

// The registry of pools with caches: a doubly linked list under a mutex
// (cold: pool construction and destruction, thread exit).
struct Registry {
  std::mutex mutex;
  CacheUser* head = nullptr;

  void unlink_locked(CacheUser* u) noexcept {
    if (!u->linked) return;
    (u->prev != nullptr ? u->prev->next : head) = u->next;
    if (u->next != nullptr) u->next->prev = u->prev;
    u->prev = u->next = nullptr;
    u->linked = false;
  }
};

Registry& registry() noexcept {
  static Registry& r = *new Registry;  // never destroyed: threads may exit after main
  return r;
}

void on_thread_exit(void*) noexcept {
  const std::uint32_t offset = tls_cache.offset;
  if (offset == 0) return;
  tls_exiting = true;
  tls_cache.offset = 0;  // whatever runs from here on bypasses the caches being drained
  CacheUser* finalize_list = nullptr;  // orphaned pools whose last use was this drain
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    for (CacheUser* u = r.head; u != nullptr;) {
      CacheUser* next = u->next;
      if (u->drain_exiting(u, offset)) {
        r.unlink_locked(u);
        u->next = finalize_list;  // reused as the finalize chain: unlinked now
        finalize_list = u;
      }
      u = next;
    }
  }
  while (finalize_list != nullptr) {
    CacheUser* u = finalize_list;
    finalize_list = u->next;
    u->next = nullptr;
    u->finalize(u);  // may destroy the pool (and *u with it)
  }
  const std::uint32_t slot = cache_slot(offset);
  assert(slot >= 1 && slot <= kMaxCacheThreads);
  // release: this thread's last use of its caches happens-before the next
  // owner's claim (acquire in claim_cache_slot).
  g_used.fetch_and(~(std::uint64_t{1} << (slot - 1)), std::memory_order_release);
}

// The key whose destructor runs on_thread_exit, or null if none could be
// created (PTHREAD_KEYS_MAX reached): exiting threads' caches are then
// drained by their pools' sweeps only.
const pthread_key_t* exit_key() noexcept {
  static pthread_key_t key{};
  static const bool created =
      pthread_key_create(&key, [](void* p) { on_thread_exit(p); }) == 0;
  return created ? &key : nullptr;
}

}  // namespace

void claim_cache_slot() noexcept {
  if (tls_cache.offset != 0 || tls_exiting) return;
  const std::uint64_t all = kMaxCacheThreads == 64 ? ~std::uint64_t{0}
                                                   : (std::uint64_t{1} << kMaxCacheThreads) - 1;
  std::uint64_t used = g_used.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint64_t free = ~used & all;
    if (free == 0) return;  // all taken: the shared path for now, a new try next time
    const auto bit = static_cast<std::uint32_t>(std::countr_zero(free));
    if (g_used.compare_exchange_weak(used, used | (std::uint64_t{1} << bit),
                                     std::memory_order_acquire, std::memory_order_relaxed)) {
      // Any non-null value: glibc then runs on_thread_exit for this thread.
      if (const pthread_key_t* key = exit_key()) pthread_setspecific(*key, &g_used);
      g_slot_thread[bit + 1].store(holder_id(), std::memory_order_relaxed);
      tls_cache.offset = (bit + 1) * static_cast<std::uint32_t>(sizeof(ThreadCache));
      return;
    }
  }
}

std::uint32_t thread_of_cache_offset(std::uint32_t offset) noexcept {
  const std::uint32_t slot = cache_slot(offset);
  return slot < kCacheEntries ? g_slot_thread[slot].load(std::memory_order_relaxed) : 0;
}

void register_cache_user(CacheUser* user) noexcept {
  Registry& r = registry();
  (void)exit_key();  // created before any thread can need it
  std::lock_guard lock(r.mutex);
  user->prev = nullptr;
  user->next = r.head;
  if (r.head != nullptr) r.head->prev = user;
  r.head = user;
  user->linked = true;
}

void unregister_cache_user(CacheUser* user) noexcept {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.unlink_locked(user);
}

}  // namespace samplepool::detail
