#!/usr/bin/env bash
# A revision against the working tree, both builds in one program.
#
#   tools/ab_inproc.sh BASE_REV [SCENARIO] [--fifo] [--rounds N] [--processes N] [--iterations N]
#
# SCENARIO: handoff (default), roundtrip, bulk8, bulk32, or handoff_counted
# (the hand-off with each sample released through its count, as the C and
# DirectShow faces release theirs): 64 samples of 4 KiB, as samplepool_bench's. The library's sources of BASE_REV, of
# BASE_REV once more (the control) and of the working tree are compiled
# with the namespace renamed (sp_base, sp_ctrl, sp_head) and linked into one
# program (bench/inproc/), which runs the three in interleaved rounds of a
# few milliseconds, each process making the three pools in a different
# order. On a shared VM whose speed drifts in time, a ratio between
# processes (tools/ab_bench.sh) moves with the drift; here each round's
# ratio pairs runs a few milliseconds apart. --fifo makes every build's
# pool a FIFO one (FreeListPolicy::fifo: the shared path, no caches). The
# report gives, per process and pooled, the median over rounds of
# head/base and ctrl/base (time
# ratios: below 1, the working tree is faster); ctrl/base is the method's
# own noise (two copies of one revision), so a head/base ratio inside
# ctrl's spread shows nothing.
#
# Needs g++ (or $CXX) and git; builds in a temporary folder, removed after.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: tools/ab_inproc.sh BASE_REV [handoff|roundtrip|bulk8|bulk32|handoff_counted] [--fifo] [--rounds N] [--processes N] [--iterations N]" >&2; exit 2; }
[ $# -ge 1 ] || usage
base=$1; shift
scenario=handoff rounds=30 processes=4 iterations="" fifo=0
while [ $# -gt 0 ]; do
  case $1 in
    handoff|roundtrip|bulk8|bulk32|handoff_counted) scenario=$1 ;;
    --fifo) fifo=1 ;;
    --rounds) rounds=${2:?}; shift ;;
    --processes) processes=${2:?}; shift ;;
    --iterations) iterations=${2:?}; shift ;;
    *) usage ;;
  esac
  shift
done
case $scenario in  # scenario number (bench/inproc/scenario.cpp), default iterations per run
  roundtrip) sn=0 it=2000000 ;;
  handoff) sn=1 it=500000 ;;
  bulk8) sn=2 it=400000 ;;
  bulk32) sn=3 it=100000 ;;
  handoff_counted) sn=4 it=500000 ;;
esac
iterations=${iterations:-$it}
for n in "$rounds" "$processes" "$iterations"; do [[ $n =~ ^[1-9][0-9]*$ ]] || usage; done
rev=$(git rev-parse --short "$base^{commit}") || { echo "ab_inproc: no such revision: $base" >&2; exit 2; }
cxx=${CXX:-g++}
work=$(mktemp -d "${TMPDIR:-/tmp}/samplepool-ab-inproc-XXXXXX")
trap 'git worktree remove --force "$work/base-src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT INT TERM
git worktree add --detach "$work/base-src" "$rev" >/dev/null 2>&1
flags=(-std=c++20 -O3 -DNDEBUG -DSAMPLEPOOL_DEBUG_CHECKS=0 -DSAMPLEPOOL_HAVE_JEMALLOC=0 -pthread)
if [ "$(uname -m)" = x86_64 ] && "$cxx" --version | grep -q 'Free Software Foundation'; then
  # As the library is built (cmake/SamplepoolRooms.cmake, cmake/SamplepoolBranchAlignment.cmake).
  flags+=(-mtls-dialect=gnu2 -Wa,-mbranches-within-32B-boundaries)
fi
jobs=()
for build in base ctrl head; do
  src=$PWD
  [ "$build" = head ] || src=$work/base-src
  mkdir -p "$work/$build"
  bf=("${flags[@]}" "-Dsamplepool=sp_$build" -I"$src/core/include" -I"$src/alloc/include")
  for f in "$src"/core/src/*.cpp "$src"/alloc/src/*.cpp; do
    o="$work/$build/$(basename "$(dirname "$(dirname "$f")")")_$(basename "$f" .cpp).o"
    jobs+=("$cxx ${bf[*]} -c $f -o $o")
  done
  # The scenario, its ring and its pinning come from the working tree for all three.
  jobs+=("$cxx ${bf[*]} -DAB_BUILD=$build -DAB_FIFO=$fifo -I$PWD/bench -c $PWD/bench/inproc/scenario.cpp -o $work/$build/scenario.o")
done
echo "ab_inproc: building $rev (twice) and the working tree" >&2
printf '%s\n' "${jobs[@]}" | xargs -P "$(nproc)" -I{} sh -c '{}' || { echo "ab_inproc: a build failed" >&2; exit 1; }
"$cxx" "${flags[@]}" bench/inproc/main.cpp "$work"/{base,ctrl,head}/*.o -o "$work/ab_inproc"
for p in $(seq 1 "$processes"); do
  echo "ab_inproc: process $p of $processes" >&2
  "$work/ab_inproc" "$sn" "$iterations" "$rounds" "$((p - 1))" >"$work/run-$p.txt"
done
python3 - "$work" "$processes" "$rev" "$scenario" "$rounds" "$iterations" "$fifo" <<'PY'
import statistics, sys
work, processes, rev, scenario, rounds, iterations, fifo = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
policy = "fifo" if fifo == "1" else "lifo"
def quart(xs):
    xs = sorted(xs)
    return xs[len(xs) // 4], statistics.median(xs), xs[(3 * len(xs)) // 4]
pooled = {"head": [], "ctrl": []}
fmt = lambda q: " / ".join(f"{x:.3f}" for x in q)
print(f"{scenario} ({policy} pool): {rev} (base) against the working tree (head), one program, "
      f"{rounds} rounds of {iterations} per build, {processes} processes")
print("| process | base ns (median) | head / base: q1 / median / q3 | ctrl / base: q1 / median / q3 |")
print("| ---: | ---: | ---: | ---: |")
for p in range(1, processes + 1):
    by = {}
    for line in open(f"{work}/run-{p}.txt"):
        r, b, t = line.split()
        by.setdefault(int(r), {})[b] = float(t)
    rat = {k: [by[r][k] / by[r]["base"] for r in by] for k in pooled}
    for k in pooled: pooled[k] += rat[k]
    print(f"| {p} | {statistics.median(by[r]['base'] for r in by):.2f} | {fmt(quart(rat['head']))} | {fmt(quart(rat['ctrl']))} |")
print(f"| pooled | | {fmt(quart(pooled['head']))} | {fmt(quart(pooled['ctrl']))} |")
PY
