#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and runs every
# test in a release build (g++), a clang build, under AddressSanitizer + UndefinedBehaviorSanitizer
# (with LeakSanitizer), under ThreadSanitizer, and in an AArch64 cross build
# whose unit tests run under qemu-aarch64 (library and unit tests only; all
# but the two tests named, with the reasons, in CMakePresets.json's aarch64
# test preset).
#   tools/check.sh                 all five
#   tools/check.sh release         just one (presets: release debug clang asan tsan aarch64)
set -euo pipefail
cd "$(dirname "$0")/.."
presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(release clang asan tsan aarch64)
bootstrap=(--bench)
for preset in "${presets[@]}"; do
  [ "$preset" = aarch64 ] && bootstrap+=(--aarch64)
done
tools/bootstrap.sh "${bootstrap[@]}"
jobs=$(nproc)
for preset in "${presets[@]}"; do
  echo "== check: $preset build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j"$jobs"
  echo "== check: $preset tests"
  ctest --preset "$preset"
done
echo "check: all of ${presets[*]} passed"
