// Misuse of the DirectShow face: an IMediaSample used after its last
// Release. Debug builds (SAMPLEPOOL_DEBUG_CHECKS) report it and abort.
#include <gtest/gtest.h>

#include "samplepool/dshow.hpp"

namespace samplepool::dshow {
namespace {

#if SAMPLEPOOL_DEBUG_CHECKS

// In a function of its own: EXPECT_DEATH's statement is a macro argument,
// where braces do not protect commas.
void use_imediasample_after_release() {
  IMemAllocator* a;
  CreateMemAllocator(&a);
  ALLOCATOR_PROPERTIES req{1, 64, 1, 0}, act;
  a->SetProperties(&req, &act);
  a->Commit();
  IMediaSample* s;
  a->GetBuffer(&s, nullptr, nullptr, 0);
  s->Release();
  s->SetSyncPoint(1);
}

TEST(MisuseDeathTest, IMediaSampleUsedAfterItsLastReleaseIsReported) {
  EXPECT_DEATH(use_imediasample_after_release(), "misuse: an IMediaSample was used after its last Release");
}

#endif

}  // namespace
}  // namespace samplepool::dshow
