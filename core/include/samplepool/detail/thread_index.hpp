// samplepool/detail/thread_index.hpp: each thread's slot in the pools'
// cache arrays.
//
// Purpose: each pool keeps one cache per thread in an array of
// kCacheEntries (kMaxCacheThreads + 1) ThreadCaches; a thread finds its entry
// at a slot it claims on first use of a pool's cold path and gives back when
// it exits. Entry 0 of every array is closed for good (its reclaim flag
// stays set), so a thread without a slot (not yet claimed, or all taken)
// simply fails to enter entry 0 and takes the shared path: the hot path has
// no branch for it. Two live threads never hold the same slot, so a cache
// has at most one owner at a time. The TLS word holds the slot's byte offset
// into the array, so finding the entry is one add.
//
// Thread safety: cache_offset() reads the caller's own TLS (one load off
// the thread pointer in an executable). claim_cache_slot() is cold: an atomic RMW on a process-wide
// bitmap, once per thread.
#pragma once

#include <cstdint>

#include "samplepool/config.hpp"

namespace samplepool::detail {

// constinit: no dynamic initialization, so no TLS wrapper call on access.
// The default (dynamic) TLS model: a module dlopen()ed later (a GStreamer
// plugin using these headers) then gets the variable from the dynamic TLS
// area instead of failing on a full static TLS block; the linker relaxes
// the access to one %fs-relative load in executables, which is where the
// hot path runs.
extern constinit thread_local std::uint32_t tls_cache_slot;

// Byte offset of this thread's entry: 0 (the closed entry) until claimed,
// then slot * sizeof(ThreadCache) for a slot in 1..kMaxCacheThreads.
inline std::uint32_t cache_offset() noexcept { return tls_cache_slot; }

// Claims a slot for the calling thread if it has none and one is free (and
// it has not already found them all taken). Called from the cold paths.
void claim_cache_slot() noexcept;

}  // namespace samplepool::detail
