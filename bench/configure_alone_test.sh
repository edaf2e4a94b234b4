#!/bin/sh
# The benchmark program configures in a build of its own, without the tests,
# stress programs and tools (GoogleTest then is not looked for), as
# tools/ab_bench.sh builds it for each revision. Configure only: the build
# is the ordinary one's.
#   configure_alone_test.sh SOURCE_DIR CXX_COMPILER
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! cmake -S "$1" -B "$work" -DCMAKE_CXX_COMPILER="$2" -DCMAKE_BUILD_TYPE=Release -DSAMPLEPOOL_BUILD_BENCHMARKS=ON \
     -DSAMPLEPOOL_BUILD_TESTS=OFF -DSAMPLEPOOL_BUILD_STRESS=OFF -DSAMPLEPOOL_BUILD_TOOLS=OFF >"$work/configure.log" 2>&1; then
  cat "$work/configure.log" >&2
  exit 1
fi
echo "bench: configures alone"
