#!/usr/bin/env bash
# Are the quick `samplepool bench` figures stable? Runs `samplepool bench
# --json` twice back to back and prints, for every goal ratio of issue 13
# (bench_report.py's goal rows), both runs' ratio of medians and how far
# apart they are (max / min - 1). Exits 1 when any pair differs by more than
# 10% (or a goal was measured in one run only), 0 when all agree.
#   tools/bench_stability.sh [BENCH ARGS...]     e.g. --repetitions 9 --min-time 0.1
# The tool is $SAMPLEPOOL_TOOL, else build/release/tools/samplepool, else
# `samplepool` on the PATH. Each run's JSON is kept in $TMPDIR (printed).
set -euo pipefail
cd "$(dirname "$0")/.."
tool=${SAMPLEPOOL_TOOL:-}
if [ -z "$tool" ]; then
  if [ -x build/release/tools/samplepool ]; then tool=build/release/tools/samplepool; else tool=samplepool; fi
fi
out=$(mktemp -d "${TMPDIR:-/tmp}/bench-stability-XXXXXX")
for run in 1 2; do
  echo "bench_stability: run $run of 2: $tool bench --json $*" >&2
  start=$(date +%s)
  "$tool" bench --json "$@" >"$out/run$run.json"
  echo "bench_stability: run $run took $(( $(date +%s) - start )) s" >&2
done
status=0
python3 - "$out/run1.json" "$out/run2.json" <<'PY' || status=$?
import json
import sys

LIMIT = 0.10
runs = []
for path in sys.argv[1:3]:
    with open(path) as f:
        runs.append({g["id"]: g for g in json.load(f)["goals"]})
ids = list(runs[0]) + [i for i in runs[1] if i not in runs[0]]
width = max((len(i) for i in ids), default=10)
print(f"{'goal ratio (ratio of medians)':{width}}  {'run 1':>8}  {'run 2':>8}  {'apart':>7}")
bad = 0
for i in ids:
    a, b = (r.get(i, {}).get("ratio") for r in runs)
    if a is None and b is None:
        print(f"{i:{width}}  {'–':>8}  {'–':>8}  {'':>7}  not measured")
        continue
    if a is None or b is None or a <= 0 or b <= 0:
        bad += 1
        print(f"{i:{width}}  {a if a is not None else '–':>8}  {b if b is not None else '–':>8}  {'':>7}  MISSING")
        continue
    apart = max(a, b) / min(a, b) - 1
    flag = "" if apart <= LIMIT else "  DIFFERS"
    bad += apart > LIMIT
    print(f"{i:{width}}  {a:8.3f}  {b:8.3f}  {apart * 100:6.1f}%{flag}")
n = len(ids)
print(f"\nbench_stability: {n - bad} of {n} goal ratios within {LIMIT * 100:.0f}% between the two runs"
      + ("" if bad == 0 else f"; {bad} differ"))
sys.exit(1 if bad else 0)
PY
echo "bench_stability: the runs' JSON: $out/run1.json $out/run2.json" >&2
exit $status
