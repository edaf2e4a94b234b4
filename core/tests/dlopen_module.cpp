// A loadable module (a plugin, as a GStreamer element would be) built from
// the public headers: the inline hot path reads the thread-slot TLS
// variable from this module's code. dlopen_test.cpp loads it at run time.
#include <samplepool/pool.hpp>

#include <thread>

namespace {

// 0 on success, otherwise the number of the step that failed.
int round_trips(samplepool::Pool& pool) {
  using samplepool::Errc;
  for (int i = 0; i < 64; ++i) {  // enough to refill and flush the thread cache
    samplepool::Sample s;
    if (pool.acquire(s) != Errc::ok) return 10;
    if (s.size() < 4096) return 11;
    s.data()[0] = std::byte{42};
  }
  samplepool::Sample a, b;
  if (pool.try_acquire(a) != Errc::ok || pool.try_acquire(b) != Errc::ok) return 12;
  if (a.index() == b.index()) return 13;
  return 0;
}

}  // namespace

// Acquire/release round trips on this thread and on one started here (its
// TLS block is allocated after the module was loaded), then teardown.
extern "C" __attribute__((visibility("default"))) int samplepool_module_round_trip() {
  samplepool::Pool pool;
  if (pool.set_properties({16, 4096, 64, 0}) != samplepool::Errc::ok) return 1;
  if (pool.commit() != samplepool::Errc::ok) return 2;
  int result = round_trips(pool);
  if (result != 0) return result;
  std::thread other([&] { result = round_trips(pool); });
  other.join();
  if (result != 0) return 20 + result;
  if (pool.stats().outstanding != 0) return 3;
  return 0;
}
