// Smallest embedding: configure, commit, acquire, release, tear down.
#include <samplepool/samplepool.hpp>

#include <cstdio>

int main() {
  samplepool::Pool pool;
  if (pool.set_properties({4, 4096, 64, 0}) != samplepool::Errc::ok) return 1;
  if (pool.commit() != samplepool::Errc::ok) return 1;
  samplepool::Sample s;
  const samplepool::Errc e = pool.acquire(s);
  std::printf("acquire: %s, %zu bytes\n", samplepool::to_string(e), s ? s.size() : 0);
  return e == samplepool::Errc::ok ? 0 : 1;
}
