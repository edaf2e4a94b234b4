#!/usr/bin/env bash
# Installs a build tree into a scratch prefix and uses it as its users
# would, with no LD_LIBRARY_PATH anywhere:
#  - the installed samplepool tool runs (--help, a short capture), finding
#    libsamplepool.so in that prefix through its relative RUNPATH;
#  - consumers build and run against it: a C++ program through
#    find_package(samplepool CONFIG) (with samplepool::align_branches, whose
#    flag must reach its compile line) and through pkg-config, and the C capture
#    loop (examples/capture_loop.c) from a plain C compiler line with
#    pkg-config (a plain compiler line names the RUNPATH to a prefix outside
#    the linker's search path itself, as for any library there);
#  - then the prefix moves to another directory, and the tool and the
#    find_package and pkg-config consumers run from there: it is relocatable.
#   tools/test_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
unset LD_LIBRARY_PATH
build=$1
src=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null

# use_package PREFIX WORKDIR [c]: runs the tool installed in PREFIX and
# builds and runs the consumers against PREFIX in WORKDIR (with "c", the C
# capture loop too).
use_package() {
  local prefix=$1 work=$2 tool=$1/bin/samplepool
  mkdir -p "$work"
  # grep reads all of ldd's output (no -q): an early exit could kill ldd
  # with SIGPIPE, which pipefail reports as a failure.
  if ! ldd "$tool" | grep "libsamplepool\.so.* => $prefix/" >/dev/null; then
    echo "install: $tool does not find libsamplepool.so in $prefix:" >&2
    ldd "$tool" >&2
    return 1
  fi
  "$tool" --help >/dev/null
  "$tool" capture --duration 0.3 --frame-bytes 65536 --progress none >/dev/null

  cmake -S "$src/examples/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
  cmake --build "$work/cmake" --verbose >"$work/cmake-build.log"
  "$work/cmake/consumer"
  # The consumer opts in to samplepool::align_branches: on x86-64 its
  # compile line carries the flag.
  if [ "$(uname -m)" = x86_64 ] && ! grep -q "mbranches-within-32B-boundaries" "$work/cmake-build.log"; then
    echo "install: samplepool::align_branches did not reach the consumer's compile line" >&2
    return 1
  fi

  local pcdir libdir
  pcdir=$(dirname "$(find "$prefix" -name samplepool.pc)")
  export PKG_CONFIG_PATH=$pcdir
  libdir=$(pkg-config --variable=libdir samplepool)
  ${CXX:-c++} -std=c++20 "$src/examples/consumer/main.cpp" $(pkg-config --cflags --libs samplepool) \
    -Wl,-rpath,"$libdir" -o "$work/pc-consumer"
  "$work/pc-consumer"
  if [ -f "$pcdir/samplepool-ffmpeg.pc" ] && command -v ffmpeg >/dev/null; then
    # The FFmpeg face from a plain C compiler line, and the tool's decode.
    ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=320x240 -frames:v 20 -c:v mpeg4 "$work/clip.avi"
    ${CC:-cc} -std=c99 "$src/examples/ffmpeg_decode.c" $(pkg-config --cflags --libs samplepool-ffmpeg libavformat) \
      -Wl,-rpath,"$libdir" -o "$work/ffmpeg-decode"
    "$work/ffmpeg-decode" "$work/clip.avi" >/dev/null
    "$tool" decode "$work/clip.avi" >/dev/null
  fi
  if [ "${3:-}" = c ]; then
    ${CC:-cc} -std=c99 -Wall -Wextra -pedantic "$src/examples/capture_loop.c" \
      $(pkg-config --cflags --libs samplepool) -Wl,-rpath,"$libdir" -o "$work/c-capture"
    "$work/c-capture"
  fi
}

use_package "$scratch/prefix" "$scratch/here" c
mkdir "$scratch/elsewhere"
mv "$scratch/prefix" "$scratch/elsewhere/moved"
use_package "$scratch/elsewhere/moved" "$scratch/there"
echo "install: the tool, find_package, pkg-config (C++) and pkg-config (C) consumers work without LD_LIBRARY_PATH, also from a moved prefix"
