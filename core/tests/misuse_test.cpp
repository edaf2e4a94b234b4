// Misuse: double releases, stale handles, samples used after release, bad
// input. Debug builds (SAMPLEPOOL_DEBUG_CHECKS) report each and abort;
// release builds never corrupt the pool on a double release they can see.
// (The DirectShow face's own misuse: api/dshow/tests/dshow_misuse_test.cpp.)
#include <gtest/gtest.h>

#include "test_util.hpp"

namespace samplepool {
namespace {

using test::configure;

TEST(Misuse, AbsurdPropertiesAreRefusedAndChangeNothing) {
  Pool pool;
  EXPECT_EQ(pool.set_properties({4, 64, 16, SIZE_MAX / 2}), Errc::too_large);
  EXPECT_EQ(pool.set_properties({4, SIZE_MAX / 2, 16, SIZE_MAX / 2}), Errc::too_large);
  EXPECT_EQ(pool.set_properties({UINT32_MAX, 64, 16, 0}), Errc::too_large);
  EXPECT_EQ(pool.set_properties({4, 64, std::size_t{1} << 40, 0}), Errc::bad_alignment);
  EXPECT_EQ(pool.properties(), Properties{});
  EXPECT_EQ(pool.commit(), Errc::size_not_set);
}

#if SAMPLEPOOL_DEBUG_CHECKS

// Each misuse runs in a function of its own (EXPECT_DEATH's statement is a
// macro argument, where braces do not protect commas).
void release_twice() {
  Pool pool;
  configure(pool, 2);
  Sample s;
  ASSERT_EQ(pool.acquire(s), Errc::ok);
  detail::SampleSlot* slot = detail::PoolAccess::detach(s);
  detail::drop_ref(slot);
  detail::drop_ref(slot);
}

void use_stale_handle() {
  Pool pool;
  configure(pool, 2);
  Sample s;
  ASSERT_EQ(pool.acquire(s), Errc::ok);
  Sample stale = detail::PoolAccess::adopt(detail::PoolAccess::peek(s));  // no reference of its own
  s.reset();                                                             // the sample goes back
  (void)stale.data();                                                    // use after release
}

void use_stale_handle_after_reuse() {
  Pool pool(PoolOptions{FreeListPolicy::lifo, nullptr, false});
  configure(pool, 1);
  Sample s;
  ASSERT_EQ(pool.acquire(s), Errc::ok);
  Sample stale = detail::PoolAccess::adopt(detail::PoolAccess::peek(s));
  s.reset();
  Sample again;
  ASSERT_EQ(pool.acquire(again), Errc::ok);  // the same buffer, handed out anew
  stale.set_sync_point(true);  // the generation tag tells them apart
}

TEST(MisuseDeathTest, DoubleReleaseIsReported) {
  EXPECT_DEATH(release_twice(), "misuse: a sample was released twice");
}

TEST(MisuseDeathTest, StaleHandleIsReported) {
  EXPECT_DEATH(use_stale_handle(), "misuse: a Sample was used after its sample went back to the pool");
}

TEST(MisuseDeathTest, StaleHandleIsReportedEvenAfterReuse) {
  EXPECT_DEATH(use_stale_handle_after_reuse(), "stale handle");
}

#else

TEST(Misuse, ReleaseBuildCountsDoubleReleaseAndStaysConsistent) {
  for (bool cache : {true, false}) {
    Pool pool(PoolOptions{FreeListPolicy::lifo, nullptr, cache});
    configure(pool, 2);
    Sample s;
    ASSERT_EQ(pool.acquire(s), Errc::ok);
    detail::SampleSlot* slot = detail::PoolAccess::detach(s);
    detail::drop_ref(slot);
    detail::drop_ref(slot);  // detected (refs == 0): ignored
    EXPECT_EQ(pool.stats().misuse, 1u);
    Sample a, b, c;
    EXPECT_EQ(pool.try_acquire(a), Errc::ok);
    EXPECT_EQ(pool.try_acquire(b), Errc::ok);
    EXPECT_NE(a.index(), b.index());
    EXPECT_EQ(pool.try_acquire(c), Errc::timeout) << "the sample was not returned twice";
  }
}

#endif

}  // namespace
}  // namespace samplepool
