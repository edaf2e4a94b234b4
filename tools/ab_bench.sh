#!/usr/bin/env bash
# Side-by-side A/B of the throughput benchmark: an earlier revision against
# the working tree, the two binaries interleaved round by round (so that a
# noisy neighbour hits both alike), medians and spread of ROUNDS runs.
#   tools/ab_bench.sh BASE_REV [ROUNDS=7] [FILTER]
# FILTER is a Google Benchmark regex; the default is samplepool's own round
# trip (1 and 2 threads) and hand-off, LIFO and FIFO.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: tools/ab_bench.sh BASE_REV [ROUNDS] [FILTER]}
rounds=${2:-7}
filter=${3:-'^(roundtrip|handoff)/samplepool(_fifo)?/64/4096/real_time(/threads:(1|2))?$'}
rev=$(git rev-parse --short "$base")
tools/bootstrap.sh --bench >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/samplepool-ab-XXXXXX")
trap 'git worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT INT TERM
git worktree add --detach "$work/src" "$rev" >/dev/null 2>&1
flags=(-DCMAKE_BUILD_TYPE=Release -DSAMPLEPOOL_BUILD_TESTS=OFF -DSAMPLEPOOL_BUILD_STRESS=OFF -DSAMPLEPOOL_BUILD_TOOLS=OFF)
echo "ab: building $rev and the working tree" >&2
cmake -S "$work/src" -B "$work/base" "${flags[@]}" >/dev/null
cmake --build "$work/base" --target samplepool_bench -j"$(nproc)" >/dev/null
cmake -S . -B "$work/head" "${flags[@]}" >/dev/null
cmake --build "$work/head" --target samplepool_bench -j"$(nproc)" >/dev/null
for r in $(seq 1 "$rounds"); do
  for v in base head; do
    "$work/$v/bench/samplepool_bench" --benchmark_filter="$filter" --benchmark_min_time=0.2 \
      --benchmark_format=json >"$work/$v-$r.json" 2>/dev/null
  done
  echo "ab: round $r of $rounds" >&2
done
python3 - "$work" "$rounds" "$rev" <<'PY'
import json, statistics, sys
work, rounds, rev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
runs = {}
for v in ("base", "head"):
    for r in range(1, rounds + 1):
        for b in json.load(open(f"{work}/{v}-{r}.json"))["benchmarks"]:
            runs.setdefault(b["name"], {}).setdefault(v, []).append(b["items_per_second"] / 1e6)
spread = lambda xs: f"{min(xs):.1f} / {statistics.median(xs):.1f} / {max(xs):.1f}"
print(f"| M buffers/s, min / median / max of {rounds} | {rev} | working tree | ratio of medians |")
print("| --- | ---: | ---: | ---: |")
for name, d in runs.items():
    ratio = statistics.median(d["head"]) / statistics.median(d["base"])
    print(f"| {name} | {spread(d['base'])} | {spread(d['head'])} | {ratio:.2f}x |")
PY
