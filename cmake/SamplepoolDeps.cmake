# Third-party dependencies, all from Debian packages (see README "Set-up").
find_package(Threads REQUIRED)

# moodycamel ConcurrentQueue (libconcurrentqueue-dev): header only, no CMake package in Debian.
find_path(SAMPLEPOOL_CONCURRENTQUEUE_INCLUDE concurrentqueue/concurrentqueue.h REQUIRED)

if(SAMPLEPOOL_WITH_JEMALLOC)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()

# GoogleTest: the installed package (libgtest-dev), or, when
# SAMPLEPOOL_GTEST_SOURCE_DIR names a googletest source tree (Debian's
# googletest package puts one in /usr/src/googletest), built here with this
# build's compiler: the cross build uses that, since libgtest-dev holds host
# binaries only.
set(SAMPLEPOOL_GTEST_SOURCE_DIR "" CACHE PATH "Build GoogleTest from this source tree instead of find_package(GTest)")
function(_samplepool_gtest_from_source dir)
  set(BUILD_SHARED_LIBS OFF)
  set(INSTALL_GTEST OFF)
  add_subdirectory(${dir}/googletest ${PROJECT_BINARY_DIR}/googletest EXCLUDE_FROM_ALL SYSTEM)
  target_compile_options(gtest PRIVATE -w)  # its warnings are not ours to fix
endfunction()
if(SAMPLEPOOL_BUILD_TESTS OR SAMPLEPOOL_BUILD_STRESS)
  if(SAMPLEPOOL_GTEST_SOURCE_DIR)
    _samplepool_gtest_from_source(${SAMPLEPOOL_GTEST_SOURCE_DIR})
  else()
    find_package(GTest REQUIRED)
  endif()
  include(GoogleTest)
endif()
if(SAMPLEPOOL_BUILD_BENCHMARKS)
  find_package(benchmark REQUIRED)
endif()
