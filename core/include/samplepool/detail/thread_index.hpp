// samplepool/detail/thread_index.hpp: each thread's slot in the pools'
// cache arrays, and what happens to its caches when it exits.
//
// Purpose: each pool keeps one cache per thread in an array of
// kCacheEntries (kMaxCacheThreads + 1) ThreadCaches; a thread finds its entry
// at a slot it claims on a pool's cold path and gives back when it exits.
// Offset 0 means "no slot" (not yet claimed, all taken, or exiting): such
// a thread takes the shared path (CacheSet::mine returns null; entry 0 of
// every array also stays closed for good, as a second guard). A thread that found every slot taken tries again on its next cold
// path, so it gets a cache once one is free. Two live threads never hold
// the same slot, so a cache has at most one owner at a time. The TLS
// block's offset (CacheTls below) is the slot's byte offset into the array,
// so finding the entry is one add.
//
// Thread exit: every pool with caches registers a CacheUser. When a thread
// that holds a slot exits, a pthread-key destructor (which glibc runs after
// every C++ thread_local destructor, so a Sample released from one of those
// still lands in a cache that is then drained) asks each registered pool to
// drain that thread's cache into its shared list, then frees the slot. A
// pool unregisters in its destructor once its caches are empty and closed
// for good; the registry's mutex makes the two exclusive.
//
// Thread safety: cache_offset() reads the caller's own TLS (one load off
// the thread pointer in an executable). claim_cache_slot() is cold: one load
// of a process-wide bitmap when the caller has no slot, one CAS to take one.
#pragma once

#include <cstdint>

#include "samplepool/config.hpp"

namespace samplepool::detail {

struct ThreadCache;

// This thread's words for the caches, in one TLS block (so that code in the
// shared library, the C and DirectShow faces, reaches both through one TLS
// descriptor call):
//  - offset: the byte offset of this thread's entry in every pool's cache
//    array: 0 (the closed entry) until claimed, then slot *
//    sizeof(ThreadCache) for a slot in 1..kMaxCacheThreads;
//  - release_caches: the cache array this thread's last release went into,
//    a hint that CacheSet::put() checks against the sample's own (never
//    dereferenced unless equal to it, so a stale value is harmless). Never
//    null: it starts as the address of `no_release_caches`, an object no
//    sample's array is, and only a release into a pool with caches changes
//    it, so a hint equal to a sample's array is a real array without a test.
// The default (dynamic) TLS model: a module dlopen()ed later (a GStreamer
// plugin using these headers) then gets the variable from the dynamic TLS
// area instead of failing on a full static TLS block; the linker relaxes
// the access to one %fs-relative load in executables, which is where the
// hot path runs.
extern ThreadCache no_release_caches;
struct CacheTls {
  std::uint32_t offset = 0;
  ThreadCache* release_caches = &no_release_caches;
};
extern constinit thread_local CacheTls tls_cache;

SAMPLEPOOL_HOT_INLINE std::uint32_t cache_offset() noexcept { return tls_cache.offset; }

// Claims a slot for the calling thread if it has none and one is free.
// Called from the cold paths.
void claim_cache_slot() noexcept;

// The kernel thread id of the thread that last claimed the slot at this
// byte offset (0 if none): holder reports resolve a cache take's stamp
// (holder_stamp.hpp) with it.
std::uint32_t thread_of_cache_offset(std::uint32_t offset) noexcept;

// A pool with caches, as the thread-exit drain sees it. drain_exiting runs
// on the exiting thread under the registry mutex with the byte offset of
// that thread's entry; it returns true when the pool is orphaned and that
// drain was its last use: the registry then unlinks it and, after letting
// go of the mutex, calls finalize.
struct CacheUser {
  bool (*drain_exiting)(CacheUser* self, std::uint32_t offset) noexcept = nullptr;
  void (*finalize)(CacheUser* self) noexcept = nullptr;
  void* context = nullptr;    // the pool
  CacheUser* prev = nullptr;  // guarded by the registry mutex
  CacheUser* next = nullptr;
  bool linked = false;
};

void register_cache_user(CacheUser* user) noexcept;
// Idempotent; after it returns no thread exit touches the pool.
void unregister_cache_user(CacheUser* user) noexcept;

}  // namespace samplepool::detail
