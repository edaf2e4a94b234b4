// libFuzzer harness: random single-threaded API call sequences against a
// simple reference model; every return code and observable value must match.
//
// The input is read as a stream of operations (one byte each, then their
// arguments). The model knows only the documented rules (properties,
// commit/decommit, counts, all-or-nothing bulk, metadata), never the
// implementation. Build: the clang preset (-fsanitize=fuzzer,address,undefined);
// run: build/clang/stress/pool_fuzz stress/fuzz/corpus.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <vector>

#include "samplepool/samplepool.hpp"

namespace {

using namespace samplepool;

class Input {
 public:
  Input(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  bool more() const { return i_ < n_; }
  std::uint8_t u8() { return i_ < n_ ? d_[i_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }

 private:
  const std::uint8_t* d_;
  std::size_t n_;
  std::size_t i_ = 0;
};

[[noreturn]] void mismatch(const char* what, long long got, long long want) {
  std::fprintf(stderr, "pool_fuzz: %s: got %lld, model says %lld\n", what, got, want);
  std::abort();
}
void expect(const char* what, long long got, long long want) {
  if (got != want) mismatch(what, got, want);
}
void expect(const char* what, Errc got, Errc want) {
  if (got != want) {
    std::fprintf(stderr, "pool_fuzz: %s: got %s, model says %s\n", what, to_string(got), to_string(want));
    std::abort();
  }
}

struct Meta {
  std::size_t actual = 0;
  bool has_time = false, has_stop = false, has_media = false;
  std::int64_t t0 = 0, t1 = 0, m0 = 0, m1 = 0;
  bool sync = false, preroll = false, disc = false;
};

// The reference model: the documented behaviour only.
struct Model {
  Properties granted{};
  bool committed = false;
  bool memory = false;
  std::uint32_t arena_count = 0;  // samples that exist (kept after decommit; grows)
  std::map<std::uint32_t, int> refs;  // sample index -> references held by handles
  std::map<std::uint32_t, Meta> meta;  // survives recycling (actual length), else reset

  std::uint32_t held() const { return static_cast<std::uint32_t>(refs.size()); }
  std::uint32_t free_count() const { return arena_count - held(); }
  std::uint32_t capacity() const { return std::max(granted.count, granted.max_count); }

  // Growth (the documented rule): an acquire that finds nothing free adds
  // the next step, ceil((max - count) / kMaxGrowthSteps) samples, capped at
  // the maximum. False when at the maximum.
  bool grow() {
    if (arena_count >= capacity()) return false;
    const std::uint32_t step =
        std::max(1u, (capacity() - granted.count + kMaxGrowthSteps - 1) / kMaxGrowthSteps);
    arena_count = std::min(arena_count + step, capacity());
    return true;
  }
  // Trim: the grown samples go; fresh ones come back with actual = size.
  void trim() {
    if (!memory) return;
    arena_count = granted.count;
    for (auto it = meta.begin(); it != meta.end();) it = it->first >= granted.count ? meta.erase(it) : std::next(it);
  }
};

bool pow2(std::size_t a) { return a != 0 && (a & (a - 1)) == 0; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const bool cache = in.u8() & 1;
  auto pool = std::make_unique<Pool>(PoolOptions{in.u8() & 1 ? FreeListPolicy::fifo : FreeListPolicy::lifo,
                                                 nullptr, cache});
  Model m;
  constexpr int kHandles = 8;
  std::vector<Sample> h(kHandles);

  auto drop = [&](int k) {
    if (!h[k]) return;
    const std::uint32_t idx = h[k].index();
    h[k].reset();
    if (--m.refs[idx] == 0) {
      m.refs.erase(idx);
      Meta& mt = m.meta[idx];
      const std::size_t keep = mt.actual;
      mt = Meta{};
      mt.actual = keep;  // the actual length survives recycling
    }
  };
  auto took = [&](int k) {
    const std::uint32_t idx = h[k].index();
    expect("fresh sample has refs", m.refs.count(idx), 0);
    m.refs[idx] = 1;
    if (!m.meta.count(idx)) m.meta[idx].actual = m.granted.size;  // fresh: actual = size
  };

  while (in.more()) {
    const int op = in.u8() % 15;
    const int k = in.u8() % kHandles;
    switch (op) {
      case 0: {  // set_properties
        Properties p{static_cast<std::uint32_t>(in.u8() % 40), in.u16(), 0, in.u8()};
        const std::uint8_t a = in.u8();
        p.alignment = a < 200 ? std::size_t{1} << (a % 13) : a;  // sometimes not a power of two
        const std::uint8_t g = in.u8();  // growth: none, a headroom, or a maximum below the count
        p.max_count = g < 128 ? 0 : g < 220 ? p.count + g % 24 : g % 40;
        Errc want = Errc::ok;
        if (m.committed) want = Errc::already_committed;
        else if (m.held() != 0) want = Errc::buffers_outstanding;
        else if (!pow2(p.alignment) || p.alignment > kMaxAlignment) want = Errc::bad_alignment;
        else if (p.max_count != 0 && p.max_count < p.count) want = Errc::invalid_argument;
        Properties got{};
        expect("set_properties", pool->set_properties(p, &got), want);
        if (want == Errc::ok) {
          const std::size_t unit = (p.size + p.prefix + p.alignment - 1) / p.alignment * p.alignment;
          // A zero size stays zero whatever the prefix's rounding (commit refuses it).
          const Properties gr{p.count, p.size == 0 ? 0 : unit - p.prefix, p.alignment, p.prefix, p.max_count};
          expect("granted size", static_cast<long long>(got.size), static_cast<long long>(gr.size));
          expect("granted max_count", got.max_count, gr.max_count);
          if (!(gr == m.granted)) {  // a new layout drops the kept arena
            m.memory = false;
            m.arena_count = 0;
            m.meta.clear();
          }
          m.granted = gr;
        }
        break;
      }
      case 1: {  // commit
        Errc want = Errc::ok;
        if (!m.committed && (m.granted.count == 0 || m.granted.size == 0)) want = Errc::size_not_set;
        expect("commit", pool->commit(), want);
        if (want == Errc::ok && !m.committed) {
          m.committed = true;
          if (!m.memory) {
            m.memory = true;
            m.arena_count = m.granted.count;
            m.meta.clear();
          }
        }
        break;
      }
      case 2:
        expect("decommit", pool->decommit(), Errc::ok);
        m.committed = false;
        break;
      case 3:
      case 4: {  // try_acquire / acquire_for(0)
        drop(k);
        const Errc want = !m.committed                          ? Errc::not_committed
                          : m.free_count() == 0 && !m.grow()   ? Errc::timeout
                                                               : Errc::ok;
        const Errc got = op == 3 ? pool->try_acquire(h[k]) : pool->acquire_for(h[k], std::chrono::nanoseconds(0));
        expect("acquire", got, want);
        if (got == Errc::ok) took(k);
        break;
      }
      case 5:
        drop(k);
        break;
      case 6: {  // copy = AddRef
        const int j = in.u8() % kHandles;
        if (j == k || !h[k]) break;
        drop(j);
        h[j] = h[k];
        ++m.refs[h[k].index()];
        expect("use count", h[k].use_count_approx(), m.refs[h[k].index()]);
        break;
      }
      case 7: {  // metadata
        if (!h[k]) break;
        Meta& mt = m.meta[h[k].index()];
        const std::size_t len = in.u16();
        const Errc want = len > m.granted.size ? Errc::buffer_overflow : Errc::ok;
        expect("set_actual_length", h[k].set_actual_length(len), want);
        if (want == Errc::ok) mt.actual = len;
        const std::uint8_t f = in.u8();
        const std::int64_t t = in.u16();
        if (f & 1) { h[k].set_time(t); mt.has_time = true; mt.has_stop = false; mt.t0 = t; }
        if (f & 2) { h[k].set_time(t, t + 7); mt.has_time = mt.has_stop = true; mt.t0 = t; mt.t1 = t + 7; }
        if (f & 4) { h[k].clear_time(); mt.has_time = mt.has_stop = false; }
        if (f & 8) { h[k].set_media_time(t, t * 2); mt.has_media = true; mt.m0 = t; mt.m1 = t * 2; }
        if (f & 16) { h[k].set_sync_point(f & 32); mt.sync = f & 32; }
        if (f & 64) { h[k].set_preroll(f & 128); mt.preroll = f & 128; }
        if (f & 128) { h[k].set_discontinuity(f & 1); mt.disc = f & 1; }
        // Observable values must match the model.
        expect("actual length", static_cast<long long>(h[k].actual_length()), static_cast<long long>(mt.actual));
        expect("time set", h[k].time().has_value(), mt.has_time);
        if (mt.has_time) {
          expect("time start", h[k].time()->start, mt.t0);
          expect("time stop", h[k].time()->stop, mt.has_stop ? mt.t1 : mt.t0 + 1);
        }
        expect("media set", h[k].media_time().has_value(), mt.has_media);
        expect("sync", h[k].sync_point(), mt.sync);
        expect("preroll", h[k].preroll(), mt.preroll);
        expect("discontinuity", h[k].discontinuity(), mt.disc);
        break;
      }
      case 8: {  // release_memory
        Errc want = Errc::ok;
        if (m.committed) want = Errc::already_committed;
        else if (m.held() != 0) want = Errc::buffers_outstanding;
        expect("release_memory", pool->release_memory(), want);
        if (want == Errc::ok) {
          m.memory = false;
          m.arena_count = 0;
          m.meta.clear();
        }
        break;
      }
      case 9: {  // stats
        const Stats st = pool->stats();
        expect("stats.count", st.count, m.arena_count);
        expect("stats.max_count", st.max_count, m.memory ? m.capacity() : 0);
        expect("stats.outstanding", st.outstanding, m.held());
        expect("stats.free", st.free, m.free_count());
        expect("stats.committed", st.committed, m.committed);
        expect("stats.waiters", st.waiters, 0);
        break;
      }
      case 10: {  // try_acquire_bulk: all or nothing
        std::vector<Sample> bulk(in.u8() % 12);
        Errc want = Errc::ok;
        if (!bulk.empty()) {
          if (!m.committed) {
            want = Errc::not_committed;
          } else if (bulk.size() > m.capacity()) {
            want = Errc::invalid_argument;  // more than the pool could ever hold
          } else {
            while (m.free_count() < bulk.size() && m.grow()) {
            }
            want = m.free_count() < bulk.size() ? Errc::timeout : Errc::ok;  // the grown samples stay
          }
        }
        expect("try_acquire_bulk", pool->try_acquire_bulk(bulk), want);
        for (Sample& s : bulk) {
          if (!s) continue;
          expect("bulk sample is free in the model", m.refs.count(s.index()), 0);
          if (!m.meta.count(s.index())) m.meta[s.index()].actual = m.granted.size;
          m.refs[s.index()] = 1;
          m.refs.erase(s.index());  // released below, at the end of the scope
          Meta& mt = m.meta[s.index()];
          mt = Meta{mt.actual};
        }
        pool->release_bulk(bulk);
        break;
      }
      case 11: {  // write the whole buffer, prefix included (ASan checks bounds)
        if (!h[k]) break;
        std::memset(h[k].prefix(), in.u8(), h[k].prefix_size() + h[k].size());
        expect("data - prefix", h[k].data() - h[k].prefix(), static_cast<long long>(m.granted.prefix));
        expect("alignment", reinterpret_cast<std::uintptr_t>(h[k].prefix()) % m.granted.alignment, 0);
        break;
      }
      case 12:  // free count
        expect("free_count_approx", pool->free_count_approx(), m.free_count());
        break;
      case 13:  // committed()
        expect("committed", pool->committed(), m.committed);
        break;
      case 14: {  // trim
        Errc want = Errc::ok;
        if (m.committed) want = Errc::already_committed;
        else if (m.held() != 0) want = Errc::buffers_outstanding;
        expect("trim", pool->trim(), want);
        if (want == Errc::ok) m.trim();
        break;
      }
    }
  }
  for (int k = 0; k < kHandles; ++k) drop(k);
  pool.reset();
  return 0;
}
