// The backend registry: names, unknown names, options a backend refuses,
// and every available backend allocating through an Arena.
#include "samplepool/alloc/registry.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "samplepool/alloc/arena.hpp"
#include "samplepool/alloc/jemalloc.hpp"

namespace samplepool::alloc {
namespace {

TEST(Registry, ListsEveryBackendOnceInAStableOrder) {
  std::vector<std::string> names;
  for (const BackendEntry& e : backends()) names.emplace_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"heap", "jemalloc", "mmap", "memfd"}));
  for (const BackendEntry& e : backends()) {
    EXPECT_EQ(find_backend(e.name), &e) << e.name;
    EXPECT_NE(e.make, nullptr) << e.name;
  }
  EXPECT_EQ(find_backend("jemalloc")->available, jemalloc_available());
  EXPECT_TRUE(find_backend("mmap")->mapping_options);
  EXPECT_TRUE(find_backend("memfd")->mapping_options);
  EXPECT_TRUE(find_backend("memfd")->available);
  EXPECT_FALSE(find_backend("heap")->mapping_options);
}

TEST(Registry, UnknownNameIsAnInvalidArgument) {
  std::shared_ptr<Backend> b;
  EXPECT_EQ(find_backend("tcmalloc"), nullptr);
  EXPECT_EQ(make_backend("tcmalloc", {}, &b), Errc::invalid_argument);
  EXPECT_EQ(make_backend("", {}, &b), Errc::invalid_argument);
  EXPECT_EQ(make_backend("Heap", {}, &b), Errc::invalid_argument) << "names are exact";
  EXPECT_EQ(b, nullptr) << "output untouched";
  EXPECT_EQ(make_backend("heap", {}, nullptr), Errc::invalid_argument);
}

TEST(Registry, RefusesOptionsTheBackendDoesNotHonour) {
  BackendOptions locked;
  locked.lock = true;
  BackendOptions huge;
  huge.huge_pages = HugePages::transparent;
  BackendOptions unpopulated;
  unpopulated.populate = false;
  for (const BackendEntry& e : backends()) {
    for (const BackendOptions& o : {locked, huge, unpopulated}) {
      std::shared_ptr<Backend> b;
      const Errc got = make_backend(e.name, o, &b);
      if (e.mapping_options) {
        EXPECT_EQ(got, Errc::ok) << e.name;
      } else {
        // Refused before availability is considered: the same answer with
        // and without jemalloc compiled in.
        EXPECT_EQ(got, Errc::invalid_argument) << e.name;
        EXPECT_EQ(b, nullptr) << e.name;
      }
    }
  }
}

TEST(Registry, CompiledOutBackendIsNotSupported) {
  std::shared_ptr<Backend> b;
  const Errc e = make_backend("jemalloc", {}, &b);
  if (jemalloc_available()) {
    EXPECT_EQ(e, Errc::ok);
  } else {
    EXPECT_EQ(e, Errc::not_supported);
    EXPECT_STREQ(to_string(e), "not_supported");
    EXPECT_EQ(b, nullptr);
  }
}

TEST(Registry, EveryAvailableBackendAllocatesAlignedMemory) {
  for (const BackendEntry& e : backends()) {
    if (!e.available) continue;
    std::shared_ptr<Backend> b;
    ASSERT_EQ(make_backend(e.name, {}, &b), Errc::ok) << e.name;
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(std::string(b->name()), e.name);
    Arena arena(b);
    void* p = nullptr;
    ASSERT_EQ(arena.allocate(100000, 4096, &p), Errc::ok) << e.name;
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 4096, 0u) << e.name;
    std::memset(p, 0xa5, 100000);
    arena.deallocate(p, 100000, 4096);
    EXPECT_EQ(arena.stats().bytes_in_use, 0u) << e.name;
  }
}

}  // namespace
}  // namespace samplepool::alloc
