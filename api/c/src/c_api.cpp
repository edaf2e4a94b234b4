// The C API (samplepool.h): thin wrappers over Pool and the sample slots.
#include "samplepool/samplepool.h"

#include <chrono>
#include <limits>
#include <algorithm>
#include <new>
#include <vector>

#include "samplepool/alloc/registry.hpp"
#include "samplepool/samplepool.hpp"

using samplepool::Errc;
using samplepool::Pool;
using samplepool::Sample;
using samplepool::detail::PoolAccess;
using samplepool::detail::SampleSlot;

struct sp_pool {
  Pool pool;
  sp_starvation_callback starved = nullptr;  // set with the pool's report, under its rules
  void* starved_context = nullptr;
  explicit sp_pool(samplepool::PoolOptions o) : pool(std::move(o)) {}
};

namespace {

static_assert(static_cast<int>(Errc::not_supported) == SP_NOT_SUPPORTED, "sp_error mirrors Errc");
static_assert(static_cast<int>(Errc::corrupted) == SP_CORRUPTED, "sp_error mirrors Errc");
static_assert(static_cast<int>(samplepool::kLastErrc) == SP_BUSY, "sp_error mirrors Errc");

sp_error c(Errc e) { return static_cast<sp_error>(e); }

// The registry's name (alloc/registry.hpp) of a C backend constant, or null.
const char* backend_name(int b) {
  switch (b) {
    case SP_BACKEND_HEAP: return "heap";
    case SP_BACKEND_JEMALLOC: return "jemalloc";
    case SP_BACKEND_MMAP: return "mmap";
    case SP_BACKEND_MEMFD: return "memfd";
    default: return nullptr;
  }
}
SampleSlot* slot(sp_sample* s) { return reinterpret_cast<SampleSlot*>(s); }
const SampleSlot* slot(const sp_sample* s) { return reinterpret_cast<const SampleSlot*>(s); }
sp_sample* handle(SampleSlot* s) { return reinterpret_cast<sp_sample*>(s); }

// A non-owning view of a slot, to reuse Sample's accessors.
template <class F>
auto with_view(const sp_sample* s, F f) {
  Sample view = PoolAccess::adopt(const_cast<SampleSlot*>(slot(s)));
  struct Detach {
    Sample& v;
    ~Detach() { PoolAccess::detach(v); }
  } guard{view};
  return f(view);
}

// A getter's result, or `neutral` for a null sample (as the header says).
template <class T, class F>
T get_or(const sp_sample* s, T neutral, F f) {
  return s == nullptr ? neutral : with_view(s, f);
}

// A setter: SP_INVALID_ARGUMENT for a null sample, else what `f` returns.
template <class F>
sp_error set_with(sp_sample* s, F f) {
  return s == nullptr ? SP_INVALID_ARGUMENT : with_view(s, f);
}

// A caller's timeout: 2^63 ns and more do not fit std::chrono::nanoseconds
// (they would wrap negative and time out at once): they mean no deadline.
Errc acquire_within(Pool& pool, Sample& s, std::uint64_t ns) {
  if (ns > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return pool.acquire(s);
  return pool.acquire_for(s, std::chrono::nanoseconds(static_cast<std::int64_t>(ns)));
}

// `how` is a callable, not a function pointer: each acquire flavour gets its
// own inlined copy of the pool's hot path (through a pointer it was an
// indirect call to an out-of-line acquire).
template <class How>
SAMPLEPOOL_HOT_INLINE sp_error acquire_with(sp_pool* p, sp_sample** out, How how) {
  if (out == nullptr) return SP_INVALID_ARGUMENT;
  *out = nullptr;
  if (p == nullptr) return SP_INVALID_ARGUMENT;
  Sample s;
  const Errc e = how(p->pool, s);
  if (e == Errc::ok) *out = handle(PoolAccess::detach(s));
  return c(e);
}

}  // namespace

extern "C" {

const char* sp_error_name(sp_error e) { return samplepool::to_string(static_cast<Errc>(e)); }

sp_error sp_pool_create(const sp_pool_options* o, sp_pool** out) {
  if (out == nullptr) return SP_INVALID_ARGUMENT;
  *out = nullptr;
  samplepool::PoolOptions opts;
  if (o != nullptr) {
    opts.free_list = o->fifo ? samplepool::FreeListPolicy::fifo : samplepool::FreeListPolicy::lifo;
    opts.thread_cache = o->no_thread_cache == 0;
    opts.holder_ages = o->holder_ages != 0;
    const char* name = backend_name(o->backend);
    if (name == nullptr || o->mmap_huge_pages < 0 || o->mmap_huge_pages > 2) return SP_INVALID_ARGUMENT;
    samplepool::alloc::BackendOptions b;
    b.huge_pages = static_cast<samplepool::alloc::HugePages>(o->mmap_huge_pages);
    b.lock = o->mmap_lock != 0;
    // The registry refuses the mmap_* fields for another backend: refused,
    // not ignored.
    if (const Errc e = samplepool::alloc::make_backend(name, b, &opts.backend); e != Errc::ok) return c(e);
  }
  *out = new (std::nothrow) sp_pool(std::move(opts));
  return *out != nullptr ? SP_OK : SP_OUT_OF_MEMORY;
}

void sp_pool_destroy(sp_pool* p) { delete p; }

namespace {
sp_properties to_c(const samplepool::Properties& g) {
  return sp_properties{g.count, g.size, g.alignment, g.prefix, g.max_count};
}
}  // namespace

sp_error sp_pool_set_properties(sp_pool* p, const sp_properties* r, sp_properties* actual) {
  if (p == nullptr || r == nullptr) return SP_INVALID_ARGUMENT;
  samplepool::Properties granted;
  const Errc e = p->pool.set_properties({r->count, r->size, r->alignment, r->prefix, r->max_count}, &granted);
  if (e == Errc::ok && actual != nullptr) *actual = to_c(granted);
  return c(e);
}

sp_error sp_pool_get_properties(const sp_pool* p, sp_properties* out) {
  if (p == nullptr || out == nullptr) return SP_INVALID_ARGUMENT;
  *out = to_c(p->pool.properties());
  return SP_OK;
}

sp_error sp_pool_commit(sp_pool* p) { return p ? c(p->pool.commit()) : SP_INVALID_ARGUMENT; }
sp_error sp_pool_decommit(sp_pool* p) { return p ? c(p->pool.decommit()) : SP_INVALID_ARGUMENT; }
sp_error sp_pool_release_memory(sp_pool* p) { return p ? c(p->pool.release_memory()) : SP_INVALID_ARGUMENT; }
sp_error sp_pool_trim(sp_pool* p) { return p ? c(p->pool.trim()) : SP_INVALID_ARGUMENT; }

sp_error sp_pool_stats(const sp_pool* p, sp_stats* out) {
  if (p == nullptr || out == nullptr) return SP_INVALID_ARGUMENT;
  const samplepool::Stats s = p->pool.stats();
  *out = sp_stats{s.count, s.free, s.outstanding, s.waiters, s.acquires, s.waits, s.timeouts,
                  s.not_committed, s.high_water, s.commits, s.decommits, s.misuse, s.committed ? 1 : 0,
                  s.max_count, s.growths, s.growth_failures, s.oldest_held_ms, s.starvation_reports,
                  s.memory_allocated ? 1 : 0};
  return SP_OK;
}

sp_error sp_pool_set_release_callback(sp_pool* p, void (*cb)(void*), void* ctx) {
  return p ? c(p->pool.set_release_callback(cb, ctx)) : SP_INVALID_ARGUMENT;
}

namespace {

sp_holder holder_to_c(const samplepool::Holder& h) {
  sp_holder c{h.thread_id, {}, h.samples, static_cast<std::uint64_t>(h.oldest_age.count())};
  h.name.copy(c.name, sizeof c.name - 1);  // truncated, NUL-terminated (zero-filled)
  return c;
}

void on_starved(void* context, const samplepool::HolderReport& r, std::chrono::nanoseconds waited) {
  const auto* p = static_cast<const sp_pool*>(context);
  std::vector<sp_holder> hs;
  try {
    hs.reserve(r.holders.size());
    for (const samplepool::Holder& h : r.holders) hs.push_back(holder_to_c(h));
  } catch (const std::bad_alloc&) {
    hs.clear();  // report what we can: the wait itself
  }
  p->starved(p->starved_context, hs.data(), hs.size(), static_cast<std::uint64_t>(waited.count()));
}

}  // namespace

sp_error sp_pool_holders(const sp_pool* p, sp_holder* out, size_t capacity, size_t* count) {
  if (p == nullptr || count == nullptr || (out == nullptr && capacity != 0)) return SP_INVALID_ARGUMENT;
  const samplepool::HolderReport r = p->pool.holders();
  *count = r.holders.size();
  for (size_t i = 0; i < r.holders.size() && i < capacity; ++i) out[i] = holder_to_c(r.holders[i]);
  return SP_OK;
}

sp_error sp_pool_set_starvation_callback(sp_pool* p, uint64_t threshold_ns, sp_starvation_callback cb,
                                         void* context) {
  if (p == nullptr) return SP_INVALID_ARGUMENT;
  const auto limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const std::chrono::nanoseconds threshold(static_cast<std::int64_t>(std::min(threshold_ns, limit)));
  const Errc e = p->pool.set_starvation_report(threshold, cb != nullptr ? &on_starved : nullptr, p);
  if (e == Errc::ok) {  // nothing in use: no waiter reads these now
    p->starved = cb;
    p->starved_context = cb != nullptr ? context : nullptr;
  }
  return c(e);
}

sp_error sp_pool_acquire(sp_pool* p, sp_sample** out) {
  return acquire_with(p, out, [](Pool& pool, Sample& s) { return pool.acquire(s); });
}
sp_error sp_pool_try_acquire(sp_pool* p, sp_sample** out) {
  return acquire_with(p, out, [](Pool& pool, Sample& s) { return pool.try_acquire(s); });
}
sp_error sp_pool_acquire_timeout(sp_pool* p, std::uint64_t ns, sp_sample** out) {
  return acquire_with(p, out, [ns](Pool& pool, Sample& s) { return acquire_within(pool, s, ns); });
}

sp_error sp_pool_release_sample(sp_pool* p, sp_sample* s) {
  if (p == nullptr || s == nullptr) return SP_INVALID_ARGUMENT;
  if (slot(s)->pool != &p->pool) return SP_INVALID_ARGUMENT;
  samplepool::detail::drop_ref(slot(s));
  return SP_OK;
}

sp_error sp_sample_note_holder(sp_sample* s) {
  return set_with(s, [](Sample& v) {
    v.note_holder();
    return SP_OK;
  });
}

sp_error sp_sample_add_ref(sp_sample* s) {
  return set_with(s, [](Sample& v) {
    Sample copy = v;  // the copy's reference is the caller's new one
    PoolAccess::detach(copy);
    return SP_OK;
  });
}
void sp_sample_release(sp_sample* s) {
  if (s != nullptr) samplepool::detail::drop_ref(slot(s));
}

void* sp_sample_data(const sp_sample* s) {
  return get_or(s, static_cast<void*>(nullptr), [](Sample& v) { return static_cast<void*>(v.data()); });
}
size_t sp_sample_size(const sp_sample* s) { return get_or(s, size_t{0}, [](Sample& v) { return v.size(); }); }
void* sp_sample_prefix(const sp_sample* s) {
  return get_or(s, static_cast<void*>(nullptr), [](Sample& v) { return static_cast<void*>(v.prefix()); });
}
size_t sp_sample_prefix_size(const sp_sample* s) {
  return get_or(s, size_t{0}, [](Sample& v) { return v.prefix_size(); });
}
size_t sp_sample_actual_length(const sp_sample* s) {
  return get_or(s, size_t{0}, [](Sample& v) { return v.actual_length(); });
}
sp_error sp_sample_set_actual_length(sp_sample* s, size_t n) {
  return set_with(s, [n](Sample& v) { return c(v.set_actual_length(n)); });
}

int sp_sample_get_time(const sp_sample* s, int64_t* start, int64_t* stop) {
  return get_or(s, 0, [&](Sample& v) {
    const auto t = v.time();
    if (!t) return 0;
    if (start) *start = t->start;
    if (stop) *stop = t->stop;
    return v.has_stop_time() ? SP_TIME_START | SP_TIME_STOP : SP_TIME_START;
  });
}
sp_error sp_sample_set_time(sp_sample* s, const int64_t* start, const int64_t* stop) {
  return set_with(s, [&](Sample& v) {
    if (start == nullptr) {
      v.clear_time();
    } else if (stop == nullptr) {
      v.set_time(*start);
    } else {
      v.set_time(*start, *stop);
    }
    return SP_OK;
  });
}
int sp_sample_get_media_time(const sp_sample* s, int64_t* start, int64_t* stop) {
  return get_or(s, 0, [&](Sample& v) {
    const auto t = v.media_time();
    if (!t) return 0;
    if (start) *start = t->start;
    if (stop) *stop = t->stop;
    return SP_TIME_START | SP_TIME_STOP;
  });
}
sp_error sp_sample_set_media_time(sp_sample* s, const int64_t* start, const int64_t* stop) {
  if ((start == nullptr) != (stop == nullptr)) return SP_INVALID_ARGUMENT;  // SetMediaTime's E_POINTER
  return set_with(s, [&](Sample& v) {
    if (start == nullptr) {
      v.clear_media_time();
    } else {
      v.set_media_time(*start, *stop);
    }
    return SP_OK;
  });
}

unsigned sp_sample_flags(const sp_sample* s) {
  return get_or(s, 0u, [](Sample& v) {
    return (v.sync_point() ? SP_SAMPLE_SYNC_POINT : 0u) | (v.preroll() ? SP_SAMPLE_PREROLL : 0u) |
           (v.discontinuity() ? SP_SAMPLE_DISCONTINUITY : 0u);
  });
}
sp_error sp_sample_set_flags(sp_sample* s, unsigned f) {
  constexpr unsigned kAll = SP_SAMPLE_SYNC_POINT | SP_SAMPLE_PREROLL | SP_SAMPLE_DISCONTINUITY;
  if ((f & ~kAll) != 0) return SP_INVALID_ARGUMENT;
  return set_with(s, [f](Sample& v) {
    v.set_sync_point(f & SP_SAMPLE_SYNC_POINT);
    v.set_preroll(f & SP_SAMPLE_PREROLL);
    v.set_discontinuity(f & SP_SAMPLE_DISCONTINUITY);
    return SP_OK;
  });
}

}  // extern "C"
