// The DirectShow compatibility layer, against what Windows does (Wine's
// quartz memallocator tests, run on Windows, record it).
#include "samplepool/dshow.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "test_util.hpp"

namespace samplepool::dshow {
namespace {

using test::eventually;

struct AllocatorPtr {
  IMemAllocator* p = nullptr;
  AllocatorPtr() { EXPECT_EQ(CreateMemAllocator(&p), S_OK); }
  ~AllocatorPtr() {
    if (p) {
      EXPECT_EQ(p->Release(), 0u);
    }
  }
  IMemAllocator* operator->() const { return p; }
};

HRESULT setup(IMemAllocator* a, LONG count, LONG size, LONG align = 1, LONG prefix = 0) {
  ALLOCATOR_PROPERTIES req{count, size, align, prefix}, act{};
  const HRESULT hr = a->SetProperties(&req, &act);
  return FAILED(hr) ? hr : a->Commit();
}

TEST(DShow, ConstantsHaveTheSdkValues) {
  EXPECT_EQ(static_cast<std::uint32_t>(E_POINTER), 0x80004003u);
  EXPECT_EQ(static_cast<std::uint32_t>(E_INVALIDARG), 0x80070057u);
  EXPECT_EQ(static_cast<std::uint32_t>(E_OUTOFMEMORY), 0x8007000Eu);
  EXPECT_EQ(static_cast<std::uint32_t>(VFW_E_BUFFER_OVERFLOW), 0x8004020Du);
  EXPECT_EQ(static_cast<std::uint32_t>(VFW_E_BADALIGN), 0x8004020Eu);
  EXPECT_EQ(static_cast<std::uint32_t>(VFW_E_ALREADY_COMMITTED), 0x8004020Fu);
  EXPECT_EQ(static_cast<std::uint32_t>(VFW_E_BUFFERS_OUTSTANDING), 0x80040210u);
  EXPECT_EQ(static_cast<std::uint32_t>(VFW_E_NOT_COMMITTED), 0x80040211u);
  EXPECT_EQ(static_cast<std::uint32_t>(VFW_E_SIZENOTSET), 0x80040212u);
  EXPECT_EQ(static_cast<std::uint32_t>(VFW_E_TIMEOUT), 0x8004022Eu);
  EXPECT_EQ(static_cast<std::uint32_t>(VFW_E_SAMPLE_TIME_NOT_SET), 0x80040249u);
  EXPECT_EQ(static_cast<std::uint32_t>(VFW_E_MEDIA_TIME_NOT_SET), 0x80040251u);
  EXPECT_EQ(VFW_S_NO_STOP_TIME, 0x00040270);
  EXPECT_EQ(AM_GBF_PREVFRAMESKIPPED, 1u);
  EXPECT_EQ(AM_GBF_NOTASYNCPOINT, 2u);
  EXPECT_EQ(AM_GBF_NOWAIT, 4u);
  EXPECT_EQ(sizeof(ALLOCATOR_PROPERTIES), 16u);
}

TEST(DShow, NullPointersGiveEPointer) {
  EXPECT_EQ(CreateMemAllocator(nullptr), E_POINTER);
  AllocatorPtr a;
  ALLOCATOR_PROPERTIES props{1, 1, 1, 0};
  EXPECT_EQ(a->SetProperties(nullptr, &props), E_POINTER);
  EXPECT_EQ(a->SetProperties(&props, nullptr), E_POINTER);
  EXPECT_EQ(a->GetProperties(nullptr), E_POINTER);
  EXPECT_EQ(a->GetBuffer(nullptr, nullptr, nullptr, 0), E_POINTER);
  EXPECT_EQ(a->ReleaseBuffer(nullptr), E_POINTER);
  EXPECT_EQ(a->GetFreeCount(nullptr), E_POINTER);
  ASSERT_EQ(setup(a.p, 1, 16), S_OK);
  IMediaSample* s = nullptr;
  ASSERT_EQ(a->GetBuffer(&s, nullptr, nullptr, 0), S_OK);
  REFERENCE_TIME t = 0;
  EXPECT_EQ(s->GetPointer(nullptr), E_POINTER);
  EXPECT_EQ(s->GetTime(nullptr, &t), E_POINTER);
  EXPECT_EQ(s->GetTime(&t, nullptr), E_POINTER);
  EXPECT_EQ(s->GetMediaTime(nullptr, &t), E_POINTER);
  EXPECT_EQ(s->SetMediaTime(&t, nullptr), E_POINTER);
  EXPECT_EQ(s->Release(), 0u);
}

TEST(DShow, FreshAllocatorPropertiesAreZero) {
  AllocatorPtr a;
  ALLOCATOR_PROPERTIES p;
  std::memset(&p, 0xcc, sizeof p);
  ASSERT_EQ(a->GetProperties(&p), S_OK);
  EXPECT_EQ(p.cBuffers, 0);
  EXPECT_EQ(p.cbBuffer, 0);
  EXPECT_EQ(p.cbAlign, 0);
  EXPECT_EQ(p.cbPrefix, 0);
}

TEST(DShow, SetPropertiesRoundsAndNeverModifiesTheRequest) {
  struct Case {
    ALLOCATOR_PROPERTIES req;
    LONG actual_size;
  };
  const Case cases[] = {{{0, 0, 1, 0}, 0},     {{1, 1, 4, 0}, 4},      {{2, 1, 1, 0}, 1},
                        {{1, 17, 16, 0}, 32},  {{1, 1, 16, 1}, 15},    {{1, 15, 16, 1}, 15},
                        {{1, 16, 16, 1}, 31},  {{1, 0, 16, 16}, 0},    {{1, 16, 16, 16}, 16}};
  for (const Case& c : cases) {
    AllocatorPtr a;
    ALLOCATOR_PROPERTIES req = c.req, act{};
    ASSERT_EQ(a->SetProperties(&req, &act), S_OK);
    EXPECT_EQ(std::memcmp(&req, &c.req, sizeof req), 0) << "request untouched";
    EXPECT_EQ(act.cBuffers, c.req.cBuffers);
    EXPECT_EQ(act.cbBuffer, c.actual_size);
    EXPECT_EQ(act.cbAlign, c.req.cbAlign);
    EXPECT_EQ(act.cbPrefix, c.req.cbPrefix);
    EXPECT_EQ((act.cbBuffer + act.cbPrefix) % act.cbAlign, 0);
    ALLOCATOR_PROPERTIES got{};
    ASSERT_EQ(a->GetProperties(&got), S_OK);
    EXPECT_EQ(std::memcmp(&got, &act, sizeof got), 0);
  }
}

TEST(DShow, BadPropertiesAreRefusedAndChangeNothing) {
  AllocatorPtr a;
  const ALLOCATOR_PROPERTIES bad[] = {{1, 1, 0, 0}, {1, 1, 3, 0}, {1, 1, -4, 0}};
  for (ALLOCATOR_PROPERTIES req : bad) {
    ALLOCATOR_PROPERTIES act{7, 7, 7, 7};
    EXPECT_EQ(a->SetProperties(&req, &act), VFW_E_BADALIGN);
    EXPECT_EQ(act.cBuffers, 7) << "actual untouched on error";
  }
  const ALLOCATOR_PROPERTIES invalid[] = {{-1, 1, 1, 0}, {1, -1, 1, 0}, {1, 1, 1, -1},
                                          {1, 0x7fffffff, 16, 0},
                                          {0x7fffffff, 0x7fffffff, 1, 0}};
  for (ALLOCATOR_PROPERTIES req : invalid) {
    ALLOCATOR_PROPERTIES act{};
    EXPECT_EQ(a->SetProperties(&req, &act), E_INVALIDARG) << req.cBuffers << " " << req.cbBuffer;
  }
  ALLOCATOR_PROPERTIES p;
  ASSERT_EQ(a->GetProperties(&p), S_OK);
  EXPECT_EQ(p.cBuffers, 0) << "the allocator is unchanged";
}

TEST(DShow, CommitRules) {
  AllocatorPtr a;
  EXPECT_EQ(a->Commit(), VFW_E_SIZENOTSET);
  ALLOCATOR_PROPERTIES req{1, 0, 1, 0}, act;
  ASSERT_EQ(a->SetProperties(&req, &act), S_OK);
  EXPECT_EQ(a->Commit(), VFW_E_SIZENOTSET);
  req = {0, 16, 1, 0};
  ASSERT_EQ(a->SetProperties(&req, &act), S_OK);
  EXPECT_EQ(a->Commit(), VFW_E_SIZENOTSET);
  req = {2, 65536, 1, 0};
  ASSERT_EQ(a->SetProperties(&req, &act), S_OK);
  IMediaSample* s = reinterpret_cast<IMediaSample*>(0x1);
  EXPECT_EQ(a->GetBuffer(&s, nullptr, nullptr, 0), VFW_E_NOT_COMMITTED);
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(a->Commit(), S_OK);
  EXPECT_EQ(a->Commit(), S_OK);
  EXPECT_EQ(a->SetProperties(&req, &act), VFW_E_ALREADY_COMMITTED);
  ASSERT_EQ(a->GetBuffer(&s, nullptr, nullptr, 0), S_OK);
  BYTE* data = nullptr;
  ASSERT_EQ(s->GetPointer(&data), S_OK);
  EXPECT_EQ(a->Decommit(), S_OK);
  EXPECT_EQ(a->Decommit(), S_OK);
  std::memset(data, 0xcc, 65536);  // held samples stay valid after Decommit
  IMediaSample* s2 = nullptr;
  EXPECT_EQ(a->GetBuffer(&s2, nullptr, nullptr, 0), VFW_E_NOT_COMMITTED);
  EXPECT_EQ(s2, nullptr);
  EXPECT_EQ(a->SetProperties(&req, &act), VFW_E_BUFFERS_OUTSTANDING);
  EXPECT_EQ(s->Release(), 0u);
  EXPECT_EQ(a->SetProperties(&req, &act), S_OK);
}

TEST(DShow, NoWaitOnEmptyPoolTimesOutAtOnceAndFreeCountTracks) {
  AllocatorPtr a;
  ASSERT_EQ(setup(a.p, 2, 100), S_OK);
  LONG free = -1;
  ASSERT_EQ(a->GetFreeCount(&free), S_OK);
  EXPECT_EQ(free, 2);
  IMediaSample *s1, *s2, *s3 = reinterpret_cast<IMediaSample*>(0x1);
  ASSERT_EQ(a->GetBuffer(&s1, nullptr, nullptr, AM_GBF_NOWAIT), S_OK);
  ASSERT_EQ(a->GetBuffer(&s2, nullptr, nullptr, AM_GBF_NOTASYNCPOINT | AM_GBF_PREVFRAMESKIPPED), S_OK);
  EXPECT_EQ(a->GetBuffer(&s3, nullptr, nullptr, AM_GBF_NOWAIT), VFW_E_TIMEOUT);
  EXPECT_EQ(s3, nullptr);
  ASSERT_EQ(a->GetFreeCount(&free), S_OK);
  EXPECT_EQ(free, 0);
  EXPECT_EQ(s1->AddRef(), 2u);
  EXPECT_EQ(s1->Release(), 1u);
  EXPECT_EQ(a->ReleaseBuffer(s1), S_OK);  // drops the last reference
  EXPECT_EQ(s2->Release(), 0u);
  ASSERT_EQ(a->GetFreeCount(&free), S_OK);
  EXPECT_EQ(free, 2);
}

TEST(DShow, ReleaseBufferRefusesAnotherAllocatorsSample) {
  AllocatorPtr a, b;
  ASSERT_EQ(setup(a.p, 1, 16), S_OK);
  ASSERT_EQ(setup(b.p, 1, 16), S_OK);
  IMediaSample* s;
  ASSERT_EQ(a->GetBuffer(&s, nullptr, nullptr, 0), S_OK);
  EXPECT_EQ(b->ReleaseBuffer(s), E_INVALIDARG);
  EXPECT_EQ(s->Release(), 0u);
}

TEST(DShow, SampleTimes) {
  AllocatorPtr a;
  ASSERT_EQ(setup(a.p, 1, 65536), S_OK);
  IMediaSample* s;
  REFERENCE_TIME start = 0x123, end = 0x321;
  ASSERT_EQ(a->GetBuffer(&s, &start, &end, 0), S_OK);
  start = 0xdeadbeef;
  end = 0xdeadf00d;
  EXPECT_EQ(s->GetTime(&start, &end), VFW_E_SAMPLE_TIME_NOT_SET) << "GetBuffer's times are hints";
  EXPECT_EQ(start, 0xdeadbeef);
  EXPECT_EQ(end, 0xdeadf00d);
  EXPECT_EQ(s->SetTime(nullptr, nullptr), S_OK);
  EXPECT_EQ(s->GetTime(&start, &end), VFW_E_SAMPLE_TIME_NOT_SET);
  start = 0x123;
  EXPECT_EQ(s->SetTime(&start, nullptr), S_OK);
  start = end = 0;
  EXPECT_EQ(s->GetTime(&start, &end), VFW_S_NO_STOP_TIME);
  EXPECT_EQ(start, 0x123);
  EXPECT_EQ(end, 0x124);
  end = 0x321;
  EXPECT_EQ(s->SetTime(nullptr, &end), S_OK);
  EXPECT_EQ(s->GetTime(&start, &end), VFW_E_SAMPLE_TIME_NOT_SET);
  start = 0x123;
  end = 0x321;
  EXPECT_EQ(s->SetTime(&start, &end), S_OK);
  start = end = 0;
  EXPECT_EQ(s->GetTime(&start, &end), S_OK);
  EXPECT_EQ(start, 0x123);
  EXPECT_EQ(end, 0x321);

  LONGLONG ms = 0xdeadbeef, me = 0xdeadf00d;
  EXPECT_EQ(s->GetMediaTime(&ms, &me), VFW_E_MEDIA_TIME_NOT_SET);
  EXPECT_EQ(ms, 0xdeadbeef);
  EXPECT_EQ(me, 0xdeadf00d);
  EXPECT_EQ(s->SetMediaTime(nullptr, nullptr), S_OK);
  EXPECT_EQ(s->GetMediaTime(&ms, &me), VFW_E_MEDIA_TIME_NOT_SET);
  me = 0x321;
  EXPECT_EQ(s->SetMediaTime(nullptr, &me), S_OK);
  EXPECT_EQ(s->GetMediaTime(&ms, &me), VFW_E_MEDIA_TIME_NOT_SET);
  ms = 0x123;
  me = 0x321;
  EXPECT_EQ(s->SetMediaTime(&ms, &me), S_OK);
  ms = me = 0;
  EXPECT_EQ(s->GetMediaTime(&ms, &me), S_OK);
  EXPECT_EQ(ms, 0x123);
  EXPECT_EQ(me, 0x321);
  EXPECT_EQ(s->Release(), 0u);

  ASSERT_EQ(a->GetBuffer(&s, nullptr, nullptr, 0), S_OK);
  EXPECT_EQ(s->GetTime(&start, &end), VFW_E_SAMPLE_TIME_NOT_SET) << "recycling clears validity";
  EXPECT_EQ(s->GetMediaTime(&ms, &me), VFW_E_MEDIA_TIME_NOT_SET);
  EXPECT_EQ(s->Release(), 0u);
}

TEST(DShow, SamplePropertiesFlagsAndActualLength) {
  AllocatorPtr a;
  ASSERT_EQ(setup(a.p, 1, 65536, 16, 16), S_OK);
  IMediaSample* s;
  ASSERT_EQ(a->GetBuffer(&s, nullptr, nullptr, 0), S_OK);
  BYTE* data;
  ASSERT_EQ(s->GetPointer(&data), S_OK);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(data - 16) % 16, 0u) << "alignment at pointer - prefix";
  EXPECT_EQ(s->GetSize(), 65536);
  EXPECT_EQ(s->GetActualDataLength(), 65536);
  EXPECT_EQ(s->SetActualDataLength(65537), VFW_E_BUFFER_OVERFLOW);
  EXPECT_EQ(s->SetActualDataLength(-1), VFW_E_BUFFER_OVERFLOW);
  EXPECT_EQ(s->GetActualDataLength(), 65536) << "old value kept";
  EXPECT_EQ(s->SetActualDataLength(0), S_OK);
  EXPECT_EQ(s->SetActualDataLength(123), S_OK);
  for (auto [is, set] : {std::pair{&IMediaSample::IsPreroll, &IMediaSample::SetPreroll},
                         std::pair{&IMediaSample::IsDiscontinuity, &IMediaSample::SetDiscontinuity},
                         std::pair{&IMediaSample::IsSyncPoint, &IMediaSample::SetSyncPoint}}) {
    EXPECT_EQ((s->*is)(), S_FALSE);
    EXPECT_EQ((s->*set)(1), S_OK);
    EXPECT_EQ((s->*is)(), S_OK);
    EXPECT_EQ((s->*set)(0), S_OK);
    EXPECT_EQ((s->*is)(), S_FALSE);
    EXPECT_EQ((s->*set)(1), S_OK);
  }
  EXPECT_EQ(s->Release(), 0u);
  ASSERT_EQ(a->GetBuffer(&s, nullptr, nullptr, 0), S_OK);
  EXPECT_EQ(s->GetActualDataLength(), 123) << "actual length survives recycling";
  EXPECT_EQ(s->IsPreroll(), S_FALSE) << "recycling clears the flags";
  EXPECT_EQ(s->IsDiscontinuity(), S_FALSE);
  EXPECT_EQ(s->IsSyncPoint(), S_FALSE);
  EXPECT_EQ(s->Release(), 0u);
}

TEST(DShow, RefCountsAndReleasingTheAllocatorWithSamplesOut) {
  IMemAllocator* a = nullptr;
  ASSERT_EQ(CreateMemAllocator(&a), S_OK);
  EXPECT_EQ(a->AddRef(), 2u);
  EXPECT_EQ(a->Release(), 1u);
  ASSERT_EQ(setup(a, 2, 4096), S_OK);
  IMediaSample *s1, *s2;
  ASSERT_EQ(a->GetBuffer(&s1, nullptr, nullptr, 0), S_OK);
  ASSERT_EQ(a->GetBuffer(&s2, nullptr, nullptr, 0), S_OK);
  EXPECT_EQ(a->Release(), 0u);  // samples out: the allocator lives on for them
  BYTE* data;
  ASSERT_EQ(s1->GetPointer(&data), S_OK);
  std::memset(data, 1, 4096);
  EXPECT_EQ(s1->Release(), 0u);
  std::thread late([s2] { EXPECT_EQ(s2->Release(), 0u); });  // the last one frees it
  late.join();
}

TEST(DShow, DecommitReturnsBlockedGetBufferAtOnce) {
  AllocatorPtr a;
  ASSERT_EQ(setup(a.p, 1, 64), S_OK);
  IMediaSample* held;
  ASSERT_EQ(a->GetBuffer(&held, nullptr, nullptr, 0), S_OK);
  std::vector<std::thread> threads;
  std::atomic<int> not_committed{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      IMediaSample* s = reinterpret_cast<IMediaSample*>(0x1);
      if (a->GetBuffer(&s, nullptr, nullptr, 0) == VFW_E_NOT_COMMITTED && s == nullptr) {
        not_committed.fetch_add(1);
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return a->NativePool().stats().waiters == 4; }));
  ASSERT_EQ(a->Decommit(), S_OK);
  ASSERT_EQ(a->Commit(), S_OK);  // a quick restart must not keep them waiting
  for (auto& t : threads) t.join();
  EXPECT_EQ(not_committed.load(), 4);
  EXPECT_EQ(held->Release(), 0u);
}

class Notify final : public IMemAllocatorNotifyCallbackTemp {
 public:
  ULONG AddRef() override { return ++refs; }
  ULONG Release() override { return --refs; }
  HRESULT NotifyRelease() override {
    ++calls;
    return S_OK;
  }
  int refs = 1;
  int calls = 0;
};

TEST(DShow, SetNotifyCallsBackOnEveryRelease) {
  Notify n;
  {
    AllocatorPtr a;
    ALLOCATOR_PROPERTIES req{2, 64, 1, 0}, act;
    ASSERT_EQ(a->SetProperties(&req, &act), S_OK);
    ASSERT_EQ(a->SetNotify(&n), S_OK);
    EXPECT_EQ(n.refs, 2) << "the allocator holds a reference";
    ASSERT_EQ(a->Commit(), S_OK);
    EXPECT_EQ(a->SetNotify(nullptr), VFW_E_ALREADY_COMMITTED);
    IMediaSample* s;
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(a->GetBuffer(&s, nullptr, nullptr, 0), S_OK);
      EXPECT_EQ(s->Release(), 0u);
    }
    EXPECT_EQ(n.calls, 3);
  }
  EXPECT_EQ(n.refs, 1) << "released with the allocator";
}

TEST(DShow, InitializeSampleAllocatorExGrowsFromInitialToMaximum) {
  AllocatorPtr a;
  ALLOCATOR_PROPERTIES req{99, 1000, 16, 0}, actual{};
  EXPECT_EQ(a->InitializeSampleAllocatorEx(2, 4, nullptr, &actual), E_POINTER);
  EXPECT_EQ(a->InitializeSampleAllocatorEx(-1, 4, &req, &actual), E_INVALIDARG);
  EXPECT_EQ(a->InitializeSampleAllocatorEx(3, 2, &req, &actual), E_INVALIDARG);
  ALLOCATOR_PROPERTIES unchanged{};
  ASSERT_EQ(a->GetProperties(&unchanged), S_OK);
  EXPECT_EQ(unchanged.cBuffers, 0);  // refusals changed nothing
  ASSERT_EQ(a->InitializeSampleAllocatorEx(2, 4, &req, &actual), S_OK);
  EXPECT_EQ(actual.cBuffers, 2);  // the initial count, not the request's cBuffers
  EXPECT_EQ(req.cBuffers, 99);    // the request is never modified
  ASSERT_EQ(a->Commit(), S_OK);
  IMediaSample* s[5] = {};
  for (int i = 0; i < 4; ++i) ASSERT_EQ(a->GetBuffer(&s[i], nullptr, nullptr, AM_GBF_NOWAIT), S_OK) << i;
  EXPECT_EQ(a->GetBuffer(&s[4], nullptr, nullptr, AM_GBF_NOWAIT), VFW_E_TIMEOUT);
  const Stats st = a->NativePool().stats();
  EXPECT_EQ(st.count, 4u);
  EXPECT_EQ(st.max_count, 4u);
  EXPECT_EQ(st.growths, 2u);
  for (int i = 0; i < 4; ++i) s[i]->Release();
  EXPECT_EQ(a->Decommit(), S_OK);
}

TEST(DShow, SetStarvationReportFiresFromAWaitingGetBuffer) {
  AllocatorPtr a;
  ASSERT_EQ(setup(a.p, 1, 64), S_OK);
  struct Seen {
    std::atomic<int> calls{0};
    std::uint32_t held = 0;  // written before calls' increment, read after it
  } seen;
  const auto cb = [](void* c, const HolderReport& r, std::chrono::nanoseconds) {
    auto* s = static_cast<Seen*>(c);
    s->held = r.held;
    s->calls.fetch_add(1);
  };
  EXPECT_EQ(a->SetStarvationReport(100'000, cb, &seen), VFW_E_ALREADY_COMMITTED);
  ASSERT_EQ(a->Decommit(), S_OK);
  EXPECT_EQ(a->SetStarvationReport(-1, cb, &seen), E_INVALIDARG);
  ASSERT_EQ(a->SetStarvationReport(100'000, cb, &seen), S_OK);  // 10 ms
  ASSERT_EQ(a->Commit(), S_OK);
  IMediaSample* held = nullptr;
  ASSERT_EQ(a->GetBuffer(&held, nullptr, nullptr, 0), S_OK);
  std::thread stopper([&] {
    ASSERT_TRUE(eventually([&] { return seen.calls == 1; }));
    EXPECT_EQ(a->Decommit(), S_OK);
  });
  IMediaSample* s = nullptr;
  EXPECT_EQ(a->GetBuffer(&s, nullptr, nullptr, 0), VFW_E_NOT_COMMITTED);
  stopper.join();
  EXPECT_EQ(seen.calls.load(), 1);
  EXPECT_EQ(seen.held, 1u);
  held->Release();
}

}  // namespace
}  // namespace samplepool::dshow
