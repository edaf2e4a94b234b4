# Third-party dependencies, all from Debian packages (see README "Set-up").
find_package(Threads REQUIRED)

# moodycamel ConcurrentQueue (libconcurrentqueue-dev): header only, no CMake package in Debian.
# The tool's frame queue, the C++ example and the benchmarks' peers use it;
# the library itself does not.
find_path(SAMPLEPOOL_CONCURRENTQUEUE_INCLUDE concurrentqueue/concurrentqueue.h REQUIRED)
add_library(samplepool_concurrentqueue INTERFACE)
target_include_directories(samplepool_concurrentqueue SYSTEM INTERFACE ${SAMPLEPOOL_CONCURRENTQUEUE_INCLUDE})

if(SAMPLEPOOL_WITH_JEMALLOC)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()

# FFmpeg (libavcodec-dev, libavformat-dev, libavutil-dev): the FFmpeg face
# (api/ffmpeg) and `samplepool decode`, built whenever found.
option(SAMPLEPOOL_WITH_FFMPEG "Build the FFmpeg adapter and `samplepool decode` when FFmpeg is found" ON)
set(SAMPLEPOOL_HAVE_FFMPEG OFF)
if(SAMPLEPOOL_WITH_FFMPEG)
  find_package(PkgConfig)
  if(PkgConfig_FOUND)
    pkg_check_modules(SAMPLEPOOL_FFMPEG IMPORTED_TARGET libavcodec libavformat libavutil)
  endif()
  if(SAMPLEPOOL_FFMPEG_FOUND)
    set(SAMPLEPOOL_HAVE_FFMPEG ON)
  else()
    message(STATUS "samplepool: FFmpeg's libraries not found: no FFmpeg adapter, no `samplepool decode`")
  endif()
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

# GStreamer (libgstreamer1.0-dev, libgstreamer-plugins-base1.0-dev): the
# GStreamer face (api/gst) and its plugin, built whenever found.
option(SAMPLEPOOL_WITH_GSTREAMER "Build the GStreamer buffer pool and plugin when GStreamer is found" ON)
set(SAMPLEPOOL_HAVE_GSTREAMER OFF)
if(SAMPLEPOOL_WITH_GSTREAMER)
  find_package(PkgConfig)
  if(PkgConfig_FOUND)
    pkg_check_modules(SAMPLEPOOL_GST IMPORTED_TARGET gstreamer-1.0 gstreamer-base-1.0 gstreamer-video-1.0)
  endif()
  if(SAMPLEPOOL_GST_FOUND)
    set(SAMPLEPOOL_HAVE_GSTREAMER ON)
  else()
    message(STATUS "samplepool: GStreamer's development files not found: no buffer pool, no plugin")
  endif()
endif()
