#!/usr/bin/env python3
"""Instructions per item of samplepool_bench's single-thread scenarios.

    tools/bench_icount.py [--bench PATH] [--filter REGEX] [--iterations N]
                          [--json] [--max REGEX=COUNT ...]

Runs each benchmark the filter selects under valgrind's callgrind twice, with
samplepool_bench's --iterations=N and 2N, collecting only inside the scenario
function (RoundTrip, Bulk, TryRoundTrip, PollEmpty, FailedPop), and reports the difference
divided by N and by the items an iteration moves: what one more item costs,
with whatever the scenario does once (making the pool, holding every buffer
for a poll) taken out. A count is exact and the same from run to run and
from machine to machine for one binary, where a time on a shared VM moves
with its neighbours: on a host whose sibling hyperthread is busy, a hot path
of many instructions slows more than one of few (README, "Performance").

Only scenarios that one thread runs alone: a hand-off's counts depend on how
the two threads were scheduled (the consumer's wait), and so do round trips
of two threads or more.

--max REGEX=COUNT (repeatable): exit 1 when a benchmark whose name matches
REGEX (re.search) costs more than COUNT instructions per item, or when none
matches. Exit 2 on a usage error or when nothing could be counted.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# The quick form's single-thread goals (tools/samplepool/bench.cpp): the
# round trip of samplepool's faces and policies and of the peers they are
# held against, bulk, the failing polls with their reference, and the round
# trip through a poll that succeeds (try_roundtrip, no goal of its own).
DEFAULT_FILTER = (
    r"^(roundtrip/(samplepool(_fifo|_growable|_dshow|_c)?|rte_mempool_cache|moodycamel_bcq|magazine_floor_parts)"
    r"/.*/threads:1|bulk/(samplepool|rte_mempool_cache)/.*|poll_empty/.*"
    r"|try_roundtrip/(samplepool(_dshow|_c)?|rte_mempool_cache)/.*)$"
)
# The function each scenario's loop runs in (bench/scenarios.hpp), by prefix.
SCENARIOS = {"roundtrip": "RoundTrip", "bulk": "Bulk", "poll_empty": None, "try_roundtrip": "TryRoundTrip"}
ITERATIONS_PART = re.compile(r"/iterations:\d+")


def find_bench(given):
    if given:
        return given
    here = os.path.dirname(os.path.abspath(__file__))
    for c in (os.path.join(here, "..", "build", "release", "bench", "samplepool_bench"),
              os.path.join(here, "..", "libexec", "samplepool", "samplepool_bench")):
        if os.access(c, os.X_OK):
            return os.path.normpath(c)
    return shutil.which("samplepool_bench")


def list_benchmarks(bench, pattern):
    """Names (without their iterations part) the filter selects, one thread only."""
    out = subprocess.run([bench, "--max_threads=1", "--iterations=1", "--benchmark_list_tests=true",
                          "--benchmark_filter=" + pattern], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        usage_error(f"{bench} --benchmark_list_tests failed: {out.stderr.strip()}")
    names = [ITERATIONS_PART.sub("", line.strip()) for line in out.stdout.splitlines() if line.strip()]
    return [n for n in names if n.split("/", 1)[0] in SCENARIOS and re.search(pattern, n)]


def items_per_iteration(name):
    """bulk/POOL/COUNT/SIZE/K moves K items an iteration; the others one."""
    parts = name.split("/")
    return int(parts[4]) if parts[0] == "bulk" else 1


def toggles(name):
    kind = name.split("/", 1)[0]
    if kind == "poll_empty":
        fn = "FailedPop" if name.split("/")[1] in ("failed_pop", "counted_failed_pop") else "PollEmpty"
    else:
        fn = SCENARIOS[kind]
    return [f"--toggle-collect=*::{fn}<*"]


def instructions(bench, name, iterations, workdir):
    """Instructions collected inside the scenario's function at `iterations`."""
    # The exact name again, whatever iteration count it now carries.
    pattern = "^" + re.escape(name).replace(r"/real_time", r"/iterations:[0-9]+/real_time", 1) + "$"
    if "/real_time" not in name:
        pattern = "^" + re.escape(name) + "/iterations:[0-9]+$"
    out_file = os.path.join(workdir, f"cg.{abs(hash((name, iterations)))}.out")
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file, "--collect-atstart=no",
           *toggles(name), bench, "--max_threads=1", f"--iterations={iterations}", "--benchmark_repetitions=1",
           "--benchmark_filter=" + pattern]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if run.returncode != 0 or not os.path.exists(out_file):
        raise RuntimeError(f"{name}: callgrind run failed ({run.returncode}): {run.stderr.strip()[-400:]}")
    if "iterations:" not in run.stdout:
        raise RuntimeError(f"{name}: the benchmark did not run ({pattern})")
    if "ERROR OCCURRED" in run.stdout:
        raise RuntimeError(f"{name}: the benchmark was skipped: {run.stdout.strip()[-300:]}")
    with open(out_file) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise RuntimeError(f"{name}: no totals in {out_file}")


def count(bench, name, iterations, workdir):
    once = instructions(bench, name, iterations, workdir)
    twice = instructions(bench, name, 2 * iterations, workdir)
    return (twice - once) / iterations / items_per_iteration(name)


def usage_error(message):
    print(f"bench_icount: {message}", file=sys.stderr)
    raise SystemExit(2)


def parse_max(specs):
    limits = []
    for spec in specs:
        pattern, sep, value = spec.rpartition("=")
        try:
            limits.append((re.compile(pattern), float(value)))
        except (re.error, ValueError):
            usage_error(f"--max wants REGEX=COUNT, not '{spec}'")
        if not sep or not pattern:
            usage_error(f"--max wants REGEX=COUNT, not '{spec}'")
    return limits


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", help="samplepool_bench (default: the release build's, then the installed one)")
    ap.add_argument("--filter", default=DEFAULT_FILTER, help="benchmarks to count (a Python regex)")
    ap.add_argument("--iterations", type=int, default=20000, help="N: runs at N and 2N iterations (default 20000)")
    ap.add_argument("--json", action="store_true", help="print {benchmark: instructions per item}")
    ap.add_argument("--max", action="append", default=[], metavar="REGEX=COUNT", help="fail above this count")
    args = ap.parse_args()
    if args.iterations < 1:
        ap.error("--iterations must be at least 1")
    try:
        re.compile(args.filter)
    except re.error as e:
        ap.error(f"--filter is not a regular expression: {e}")
    limits = parse_max(args.max)
    bench = find_bench(args.bench)
    if not bench or not os.access(bench, os.X_OK):
        print("bench_icount: samplepool_bench not found (--bench PATH)", file=sys.stderr)
        return 2
    if shutil.which("valgrind") is None:
        print("bench_icount: valgrind not found (apt-get install valgrind)", file=sys.stderr)
        return 2
    names = list_benchmarks(bench, args.filter)
    if not names:
        print(f"bench_icount: the filter matches no single-thread round trip, bulk or poll: {args.filter}",
              file=sys.stderr)
        return 2
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-icount-") as workdir:
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            futures = {n: pool.submit(count, bench, n, args.iterations, workdir) for n in names}
            for n in names:
                try:
                    results[n] = futures[n].result()
                except RuntimeError as e:
                    print(f"bench_icount: {e}", file=sys.stderr)
    if not results:
        return 2
    if args.json:
        json.dump({n: round(v, 2) for n, v in results.items()}, sys.stdout, indent=1)
        print()
    else:
        print("| benchmark | instructions per item |\n| --- | ---: |")
        for n, v in results.items():
            print(f"| {n} | {v:.1f} |")
    status = 0 if len(results) == len(names) else 2
    for pattern, most in limits:
        hits = {n: v for n, v in results.items() if pattern.search(n)}
        if not hits:
            print(f"bench_icount: --max {pattern.pattern}: no benchmark counted matches", file=sys.stderr)
            status = max(status, 1)
        for n, v in hits.items():
            if v > most:
                print(f"bench_icount: {n}: {v:.1f} instructions per item, above the budget of {most:g}",
                      file=sys.stderr)
                status = max(status, 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
