#!/usr/bin/env bash
# The whole test suite: installs what is missing, then builds and runs every
# test in a release build (g++), a clang build, under AddressSanitizer + UndefinedBehaviorSanitizer
# (with LeakSanitizer), and under ThreadSanitizer.
#   tools/check.sh                 all four
#   tools/check.sh release         just one (presets: release debug clang asan tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh --bench
presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(release clang asan tsan)
jobs=$(nproc)
for preset in "${presets[@]}"; do
  echo "== check: $preset build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j"$jobs"
  echo "== check: $preset tests"
  ctest --preset "$preset"
done
echo "check: all of ${presets[*]} passed"
