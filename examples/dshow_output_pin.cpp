// A DirectShow-style output pin's delivery loop, written against the
// compatibility API as a ported filter would be.
//
// The streaming thread calls GetDeliveryBuffer (the allocator's GetBuffer),
// fills the sample and Delivers it to the downstream input pin, which
// processes it on its own thread and releases it. Stop() decommits the
// allocator: the streaming thread, blocked in GetBuffer because downstream
// holds every buffer, returns VFW_E_NOT_COMMITTED at once and exits its
// loop; Stop joins it. Run() commits again and restarts streaming.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "samplepool/dshow.hpp"

using namespace samplepool::dshow;
using namespace std::chrono_literals;

// The downstream input pin: a queue and a worker that is slower than the
// source, so the source's GetBuffer blocks (back-pressure).
class InputPin {
 public:
  InputPin() : worker_([this] { work(); }) {}
  ~InputPin() {
    {
      std::lock_guard lock(m_);
      quit_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  HRESULT Receive(IMediaSample* s) {
    s->AddRef();  // the pin keeps the sample until it is rendered
    {
      std::lock_guard lock(m_);
      q_.push_back(s);
    }
    cv_.notify_one();
    return S_OK;
  }
  long rendered() const { return rendered_.load(); }

 private:
  void work() {
    for (;;) {
      IMediaSample* s;
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [this] { return quit_ || !q_.empty(); });
        if (q_.empty()) return;
        s = q_.front();
        q_.pop_front();
      }
      std::this_thread::sleep_for(3ms);  // "render" the frame
      s->Release();
      rendered_.fetch_add(1);
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<IMediaSample*> q_;
  bool quit_ = false;
  std::atomic<long> rendered_{0};
  std::thread worker_;
};

// The output pin of a source filter.
class OutputPin {
 public:
  OutputPin(IMemAllocator* allocator, InputPin* downstream) : alloc_(allocator), downstream_(downstream) {
    alloc_->AddRef();
  }
  ~OutputPin() { alloc_->Release(); }

  void Run() {
    alloc_->Commit();
    thread_ = std::thread([this] { stream(); });
  }
  // Stop as a filter graph does: decommit first, so a streaming thread
  // blocked in GetBuffer returns, then join it.
  void Stop() {
    alloc_->Decommit();
    thread_.join();
  }
  long delivered() const { return delivered_; }
  long stopped_in_getbuffer() const { return stopped_in_getbuffer_; }

 private:
  void stream() {
    for (REFERENCE_TIME t = 0;; t += 41667) {
      IMediaSample* sample = nullptr;
      const HRESULT hr = alloc_->GetBuffer(&sample, nullptr, nullptr, 0);  // GetDeliveryBuffer
      if (hr == VFW_E_NOT_COMMITTED) {  // Stop() was called
        ++stopped_in_getbuffer_;
        return;
      }
      if (FAILED(hr)) {
        std::fprintf(stderr, "GetBuffer failed: %#x\n", static_cast<unsigned>(hr));
        return;
      }
      BYTE* data;
      sample->GetPointer(&data);
      std::memset(data, 0x10, static_cast<std::size_t>(sample->GetSize()));
      sample->SetActualDataLength(sample->GetSize());
      REFERENCE_TIME stop = t + 41667;
      sample->SetTime(&t, &stop);
      sample->SetSyncPoint(TRUE);
      downstream_->Receive(sample);  // Deliver
      sample->Release();             // the pin's own reference
      ++delivered_;
    }
  }
  IMemAllocator* alloc_;
  InputPin* downstream_;
  std::thread thread_;
  long delivered_ = 0;
  long stopped_in_getbuffer_ = 0;
};

int main() {
  IMemAllocator* alloc = nullptr;
  if (CreateMemAllocator(&alloc) != S_OK) return 1;
  ALLOCATOR_PROPERTIES req{4, 640 * 480 * 2, 16, 0}, actual;
  if (alloc->SetProperties(&req, &actual) != S_OK) return 1;
  std::printf("allocator: %ld buffers x %ld bytes\n", static_cast<long>(actual.cBuffers), static_cast<long>(actual.cbBuffer));
  long stops_seen = 0;
  {
    InputPin input;
    OutputPin output(alloc, &input);
    for (int cycle = 0; cycle < 3; ++cycle) {  // Run, stream a while, Stop
      output.Run();
      std::this_thread::sleep_for(100ms);
      const auto t0 = std::chrono::steady_clock::now();
      output.Stop();
      const auto stop_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
      std::printf("cycle %d: Stop returned after %lld us (%ld delivered so far)\n", cycle,
                  static_cast<long long>(stop_us.count()), output.delivered());
    }
    stops_seen = output.stopped_in_getbuffer();
    std::this_thread::sleep_for(50ms);  // let downstream render what it holds
    std::printf("delivered %ld, rendered %ld, streaming thread ended in GetBuffer %ld of 3 times\n",
                output.delivered(), input.rendered(), stops_seen);
  }
  LONG free = 0;
  alloc->GetFreeCount(&free);
  std::printf("free buffers at the end: %ld of %ld\n", static_cast<long>(free), static_cast<long>(actual.cBuffers));
  const bool ok = free == actual.cBuffers && stops_seen == 3;
  alloc->Release();
  return ok ? 0 : 1;
}
