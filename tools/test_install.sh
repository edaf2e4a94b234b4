#!/usr/bin/env bash
# Installs a build tree into a scratch prefix, then builds and runs consumers
# against it: a C++ program through find_package(samplepool CONFIG) and
# through pkg-config, and the C capture loop (examples/capture_loop.c) from a
# plain C compiler line with pkg-config.
#   tools/test_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
cmake -S "$src/examples/consumer" -B "$scratch/cmake" -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/cmake" >/dev/null
LD_LIBRARY_PATH="$scratch/prefix/lib" "$scratch/cmake/consumer"
pcdir=$(dirname "$(find "$scratch/prefix" -name samplepool.pc)")
flags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs samplepool)
${CXX:-c++} -std=c++20 "$src/examples/consumer/main.cpp" $flags -o "$scratch/pc-consumer"
LD_LIBRARY_PATH="$(dirname "$pcdir")" "$scratch/pc-consumer"
${CC:-cc} -std=c99 -Wall -Wextra -pedantic "$src/examples/capture_loop.c" $(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags --libs samplepool) -o "$scratch/c-capture"
LD_LIBRARY_PATH="$(dirname "$pcdir")" "$scratch/c-capture"
echo "install: find_package, pkg-config (C++) and pkg-config (C) consumers work"
