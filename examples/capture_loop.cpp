// A capture loop on samplepool: a capture thread acquires a frame buffer at a
// fixed rate, stamps it and hands it to a consumer thread, which processes
// and releases it. Half-way through, the stream is stopped and restarted
// (Decommit/Commit, as a DirectShow graph's Stop/Run does); the capture
// thread sees not_committed and waits for the restart. The pool's stats are
// printed at the end.
//
// Usage: capture_loop [seconds=3] [fps=240] [frame_bytes=4147200] [buffers=8]
#include <concurrentqueue/blockingconcurrentqueue.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "samplepool/samplepool.hpp"

using namespace std::chrono;
using samplepool::Errc;

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  const int fps = argc > 2 ? std::atoi(argv[2]) : 240;
  const std::size_t frame_bytes = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1920 * 1080 * 2;
  const auto buffers = static_cast<std::uint32_t>(argc > 4 ? std::atoi(argv[4]) : 8);
  if (seconds <= 0 || fps <= 0 || frame_bytes == 0 || buffers == 0) {
    std::fprintf(stderr, "usage: %s [seconds>0] [fps>0] [frame_bytes>0] [buffers>0]\n", argv[0]);
    return 2;
  }

  samplepool::Pool pool;
  samplepool::Properties granted;
  if (Errc e = pool.set_properties({buffers, frame_bytes, 64, 0}, &granted); e != Errc::ok) {
    std::fprintf(stderr, "set_properties: %s\n", samplepool::to_string(e));
    return 1;
  }
  if (Errc e = pool.commit(); e != Errc::ok) {
    std::fprintf(stderr, "commit: %s\n", samplepool::to_string(e));
    return 1;
  }
  std::printf("pool: %u buffers x %zu bytes, %d fps for %.1f s\n", granted.count, granted.size,
              fps, seconds);

  moodycamel::BlockingConcurrentQueue<samplepool::Sample> handoff;
  std::atomic<bool> running{true};
  std::atomic<long> captured{0}, dropped{0}, consumed{0}, stopped_waits{0};
  const auto period = duration_cast<steady_clock::duration>(duration<double>(1.0 / fps));

  std::thread capture([&] {
    auto next = steady_clock::now();
    for (std::int64_t frame = 0; running.load(std::memory_order_relaxed); ++frame) {
      next += period;
      samplepool::Sample s;
      // A frame that cannot get a buffer before its deadline is dropped.
      switch (pool.acquire_until(s, next)) {
        case Errc::ok:
          std::memset(s.data(), static_cast<int>(frame), 64);  // "DMA" the frame header
          s.set_time(frame * period.count(), (frame + 1) * period.count());
          s.set_media_time(frame, frame + 1);
          s.set_sync_point(true);
          captured.fetch_add(1, std::memory_order_relaxed);
          handoff.enqueue(std::move(s));
          break;
        case Errc::timeout:
          dropped.fetch_add(1, std::memory_order_relaxed);
          break;
        default:  // not_committed: the stream is stopped; wait for Run
          stopped_waits.fetch_add(1, std::memory_order_relaxed);
          std::this_thread::sleep_for(milliseconds(1));
          next = steady_clock::now();
          break;
      }
      std::this_thread::sleep_until(next);
    }
  });
  std::thread consumer([&] {
    samplepool::Sample s;
    while (running.load(std::memory_order_relaxed) || handoff.size_approx() > 0) {
      if (handoff.wait_dequeue_timed(s, milliseconds(10))) {
        volatile std::byte sink = s.data()[0];  // "process" the frame
        (void)sink;
        std::this_thread::sleep_for(period / 2);
        s.reset();  // back to the pool; wakes the capture thread if it waits
        consumed.fetch_add(1, std::memory_order_relaxed);
      }
    }
  });

  const auto half = duration_cast<steady_clock::duration>(duration<double>(seconds / 2));
  std::this_thread::sleep_for(half);
  (void)pool.decommit();  // Stop: a blocked acquire returns not_committed at once (never fails)
  std::printf("stream stopped (decommit), %ld frames so far\n", captured.load());
  std::this_thread::sleep_for(milliseconds(50));
  if (const Errc e = pool.commit(); e != Errc::ok) {  // Run again: same memory, no allocation
    std::fprintf(stderr, "commit: %s\n", to_string(e));
    running = false;
    capture.join();
    return 1;
  }
  std::printf("stream restarted (commit)\n");
  std::this_thread::sleep_for(half);
  running = false;
  capture.join();
  consumer.join();

  const samplepool::Stats st = pool.stats();
  std::printf("captured %ld, consumed %ld, dropped %ld, stopped waits %ld\n", captured.load(),
              consumed.load(), dropped.load(), stopped_waits.load());
  std::printf(
      "pool stats: count %u free %u outstanding %u | acquires %llu waits %llu timeouts %llu "
      "not_committed %llu high_water %llu commits %llu decommits %llu\n",
      st.count, st.free, st.outstanding, static_cast<unsigned long long>(st.acquires),
      static_cast<unsigned long long>(st.waits), static_cast<unsigned long long>(st.timeouts),
      static_cast<unsigned long long>(st.not_committed),
      static_cast<unsigned long long>(st.high_water), static_cast<unsigned long long>(st.commits),
      static_cast<unsigned long long>(st.decommits));
  return st.outstanding == 0 && captured.load() == consumed.load() ? 0 : 1;
}
