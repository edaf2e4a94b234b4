#!/usr/bin/env bash
# Runs every benchmark scenario with every peer side by side (REPS
# repetitions, default 5, interleaved at random; the report shows min /
# median / max of each), stores the JSON under bench/results/ named by
# commit and machine, and writes the Markdown report and chart beside it.
#   tools/bench.sh [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-5}
tools/bootstrap.sh --bench
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target samplepool_bench samplepool_latency_bench >/dev/null
tag="$(git rev-parse --short HEAD 2>/dev/null || echo nogit)-$(hostname -s)"
out=bench/results
mkdir -p "$out"
# Every repetition goes into the JSON (no --benchmark_report_aggregates_only):
# bench_report.py takes each figure's spread from them.
common=(--benchmark_repetitions="$reps" --benchmark_out_format=json)
build/release/bench/samplepool_bench --benchmark_min_time=0.2 --benchmark_enable_random_interleaving=true \
  "${common[@]}" --benchmark_out="$out/$tag-throughput.json"
build/release/bench/samplepool_latency_bench "${common[@]}" --benchmark_out="$out/$tag-latency.json"
python3 tools/bench_report.py "$out/$tag-throughput.json" "$out/$tag-latency.json" \
  --markdown "$out/$tag.md" --chart "$out/$tag.svg"
cp "$out/$tag.md" "$out/latest.md"
cp "$out/$tag.svg" "$out/latest.svg"
echo "bench: report in $out/$tag.md, chart in $out/$tag.svg (also latest.md / latest.svg)"
