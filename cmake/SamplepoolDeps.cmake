# Third-party dependencies, all from Debian packages (see README "Set-up").
find_package(Threads REQUIRED)

# moodycamel ConcurrentQueue (libconcurrentqueue-dev): header only, no CMake package in Debian.
find_path(SAMPLEPOOL_CONCURRENTQUEUE_INCLUDE concurrentqueue/concurrentqueue.h REQUIRED)

if(SAMPLEPOOL_WITH_JEMALLOC)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()

if(SAMPLEPOOL_BUILD_TESTS OR SAMPLEPOOL_BUILD_STRESS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(SAMPLEPOOL_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
