#!/usr/bin/env bash
# Installs a build tree into a scratch prefix, then builds and runs a consumer
# against it twice: through find_package(samplepool CONFIG) and through
# pkg-config from a plain compiler line.
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
echo "install: find_package and pkg-config consumers work"
