#!/usr/bin/env python3
"""bench_report.py on canned Google Benchmark JSON: its tables, goal rows,
digest and chart, and its errors.

    bench_report_test.py BENCH_REPORT_PY

The report (no gnuplot needed): every figure as min / median / max of its
repetitions (failed runs left out; a file with aggregates only shows the
median alone), the goal table with ratios of medians, thresholds and
met / not met, a goal whose peer was not built said so, the peers not built
here listed, the JSON digest with the same goal rows and spreads.
The chart (skipped without gnuplot): one SVG with the round-trip, hand-off
and bulk panels; a chart name with quotes, a newline, spaces and a gnuplot
command in it is drawn under exactly that name and runs nothing; an
unwritable path is a usage error (exit 2) with a one-line message, no
traceback, no image bytes on stdout and no temporary file left.
Deterministic: canned numbers, nothing timed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

REPORT = os.path.abspath(sys.argv[1])
failures = []


def check(name, cond, detail=""):
    if not cond:
        failures.append(name)
        print(f"FAIL {name}: {detail}")


def report(args, cwd):
    p = subprocess.run([sys.executable, REPORT] + args, capture_output=True, cwd=cwd, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def runs_of(name, rates, aggregates=True):
    """Google Benchmark's objects for one benchmark: a repetition per rate
    (M/s), then mean / median / stddev aggregates, as written without
    --benchmark_report_aggregates_only."""
    out = []
    for i, r in enumerate(rates):
        out.append({"name": name, "run_name": name, "run_type": "iteration", "repetitions": len(rates),
                    "repetition_index": i, "threads": 1, "items_per_second": r * 1e6})
    if aggregates:
        s = sorted(rates)
        med = s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2
        for agg, v in (("mean", sum(rates) / len(rates)), ("median", med), ("stddev", 1.0)):
            out.append({"name": f"{name}_{agg}", "run_name": name, "run_type": "aggregate", "aggregate_name": agg,
                        "items_per_second": v * 1e6})
    return out


# M buffers/s per repetition. Goals (ratios of medians): 1-thread round trip
# 200 / 160 = 1.25x (met, >= 1.1); 2 threads 320 / 320 = 1.00x (not met);
# DirectShow 1 thread 190 / 200 = 0.95x (met, >= 0.9); C 1 thread 100 / 200
# = 0.50x (not met); hand-off 30 / 20 = 1.5x (met, >= 1.2), vs atomic_queue
# 30 / 10 = 3x (met, >= 2); poll: native 1.5 ns vs 1 ns = 1.5x time (met,
# <= 2), DirectShow 3 ns = 3x (not met); growable 202 / 200 (within 5%).
RATES = {
    "roundtrip/samplepool/64/4096/real_time/threads:1": [190, 200, 210],
    "roundtrip/samplepool/64/4096/real_time/threads:2": [300, 320, 340],
    "roundtrip/rte_mempool_cache/64/4096/real_time/threads:1": [150, 160, 170],
    "roundtrip/rte_mempool_cache/64/4096/real_time/threads:2": [310, 320, 330],
    "roundtrip/samplepool_dshow/64/4096/real_time/threads:1": [180, 190, 195],
    "roundtrip/samplepool_virtual/64/4096/real_time/threads:1": [110, 120, 130],
    "roundtrip/samplepool_virtual_so/64/4096/real_time/threads:1": [100, 110, 120],
    "roundtrip/samplepool_nocache/64/4096/real_time/threads:1": [35, 36, 37],
    "handoff/rte_mempool_refcounted/64/4096/real_time": [9, 10, 11],
    # The hand-off's floor experiments: faster than atomic_queue, and still
    # no peer to beat (the closest peer stays atomic_queue).
    "handoff/magazine_floor/64/4096/real_time": [19, 21, 23],
    "handoff/magazine_floor_spares/64/4096/real_time": [23, 24, 25],
    "handoff/magazine_floor_parts/64/4096/real_time": [15, 16, 17],
    "roundtrip/magazine_floor_parts/64/4096/real_time/threads:1": [170, 176, 180],
    "roundtrip/magazine_floor_parts/64/4096/real_time/threads:2": [330, 336, 340],
    "roundtrip/samplepool_c/64/4096/real_time/threads:1": [90, 100, 110],
    "roundtrip/samplepool_growable/64/4096/real_time/threads:1": [199, 202, 205],
    "roundtrip/samplepool_fifo/64/4096/real_time/threads:1": [40, 45, 50],
    "roundtrip/moodycamel_bcq/64/4096/real_time/threads:1": [20, 30, 40],
    "handoff/samplepool/64/4096/real_time": [25, 30, 35],
    "handoff/rte_mempool_cache/64/4096/real_time": [18, 20, 22],
    "handoff/atomic_queue/64/4096/real_time": [9, 10, 11],
    "handoff/glibc_malloc/64/4096/real_time": [1, 2, 3],
    "handoff/no_pool/64/4096/real_time": [90, 100, 110],
    "bulk/samplepool/64/4096/8": [100, 110, 120],
    "bulk/samplepool/64/4096/32": [130, 140, 150],
    "bulk/rte_mempool_cache/64/4096/8": [1000, 1100, 1200],
    "bulk/rte_mempool_cache/64/4096/32": [2000, 2100, 2200],
    "poll_empty/failed_pop": [900, 1000, 1100],
    "poll_empty/counted_failed_pop": [500, 555.5555555555555, 600],
    "poll_empty/samplepool/64/4096": [600, 666.6666666666666, 700],
    "poll_empty/samplepool_dshow/64/4096": [300, 333.3333333333333, 350],
}
CONTEXT = {"host_name": "test", "peers": "samplepool, samplepool_dshow, rte_mempool_cache, atomic_queue",
           "peers_missing": "gst_buffer_pool (libgstreamer1.0-dev not installed), "
                            "tbb_bounded_queue (libtbb-dev not installed)"}


def canned(path, rates=RATES, context=CONTEXT, aggregates=True):
    benchmarks = []
    for name, r in rates.items():
        benchmarks.extend(runs_of(name, r, aggregates))
    # A failed run: left out of every table.
    benchmarks.append({"name": "roundtrip/broken_pool/64/4096/real_time/threads:1",
                       "run_name": "roundtrip/broken_pool/64/4096/real_time/threads:1", "run_type": "iteration",
                       "error_occurred": True, "error_message": "pool unavailable"})
    with open(path, "w") as f:
        json.dump({"context": context, "benchmarks": benchmarks}, f)


def goal_line(md, text):
    return next((line for line in md.splitlines() if line.startswith(f"| {text} |")), "")


def test_tables(tmp):
    canned(os.path.join(tmp, "r.json"))
    status, out, err = report(["r.json"], tmp)
    md = out.decode()
    check("report.status", status == 0, err)
    check("report.spread", "| samplepool | 190.0 / 200.0 / 210.0 | 300.0 / 320.0 / 340.0 |" in md, md)
    check("report.spread.handoff", "| samplepool | 25.0 / 30.0 / 35.0 | 28.6 / 33.3 / 40.0 | 1.00x |" in md, md)
    check("report.handoff.ratio", "| glibc_malloc | 1.0 / 2.0 / 3.0 | 333.3 / 500.0 / 1000.0 | 15.00x |" in md, md)
    check("report.spread.bulk", "| rte_mempool_cache | 1000.0 / 1100.0 / 1200.0 | 2000.0 / 2100.0 / 2200.0 |" in md,
          md)
    check("report.floor", "| hand-off >= 1.2x rte_mempool_cache | magazine_floor / rte_mempool_cache: pointers in "
          "per-thread magazines, nothing else, holding exactly the count (rte_mempool has spares for its caches) "
          "| 1.05x | 1.50x (samplepool / rte_mempool_cache) |" in md, md)
    check("report.floor.roundtrip", "| round trip, 2 threads >= 1.1x rte_mempool_cache | magazine_floor_parts / "
          "rte_mempool_cache: a magazine per thread plus samplepool's per-call parts (header marked and checked, "
          "the caches' handshake) | 1.05x | 1.00x (samplepool / rte_mempool_cache) |" in md, md)
    check("report.floor.parts", "| hand-off >= 1.2x rte_mempool_cache, with samplepool's guarantees | "
          "magazine_floor_parts / rte_mempool_cache: the same floor plus samplepool's per-call parts (each acquire "
          "marks the buffer's header, each release checks it, each call is a section of the caches' handshake) "
          "| 0.80x | 1.50x (samplepool / rte_mempool_cache) |" in md, md)
    check("report.poll", "| samplepool_dshow | 2.9 / 3.0 / 3.3 | 3.00x |" in md, md)
    check("report.failed_run", "broken_pool" not in md, md)
    check("report.floor", "| no_pool (the floor: ring and threads, no pool) | 90.0 / 100.0 / 110.0 |" in md
          and "The floor, 9.1 / 10.0 / 11.1 ns per buffer" in md, md)
    check("goal.floor_is_no_peer", "no_pool" not in goal_line(md, "hand-off: >= 2x every other peer (closest: "
                                                                  "atomic_queue)"), md)
    check("report.repetitions", "min / median / max of 3 repetitions" in md, md)
    expect = {
        "round trip, 1 thread: native >= 1.1x rte_mempool_cache": ("1.25x", ">= 1.10x", "met"),
        "round trip, 2 threads: native >= 1.1x rte_mempool_cache": ("1.00x", ">= 1.10x", "not met"),
        "round trip, 1 thread: DirectShow face >= 0.9x native": ("0.95x", ">= 0.90x", "met"),
        "round trip, 1 thread: C face >= 0.9x native": ("0.50x", ">= 0.90x", "not met"),
        "hand-off: >= 1.2x rte_mempool_cache": ("1.50x", ">= 1.20x", "met"),
        "hand-off: >= 2x every other peer (closest: atomic_queue)": ("3.00x", ">= 2.00x", "met"),
        "FIFO round trip, 1 thread: >= 1.5x moodycamel_bcq": ("1.50x", ">= 1.50x", "met"),
        "bulk 8: >= 1.0x rte_mempool_cache get/put_bulk": ("0.10x", ">= 1.00x", "not met"),
        "bulk 32: >= 1.0x rte_mempool_cache get/put_bulk": ("0.07x", ">= 1.00x", "not met"),
        "failing poll of an empty pool, native: <= 2x a failed pop (time)": ("1.50x", "<= 2.00x", "met"),
        "failing poll of an empty pool, DirectShow NOWAIT: <= 2x a failed pop (time)": ("3.00x", "<= 2.00x",
                                                                                       "not met"),
        "growable pool, round trip, 1 thread: within 5% of the fixed pool": ("1.01x", "within 5%", "met"),
    }
    for text, (ratio, threshold, met) in expect.items():
        line = goal_line(md, text)
        check(f"goal[{text}]", line.endswith(f"| {ratio} | {threshold} | {met} |"), line or md)
    check("goal.sides", "| samplepool 190.0 / 200.0 / 210.0 M/s | rte_mempool_cache 150.0 / 160.0 / 170.0 M/s |"
          in goal_line(md, "round trip, 1 thread: native >= 1.1x rte_mempool_cache"), md)
    check("goal.fifo_handoff_unmeasured",
          goal_line(md, "FIFO hand-off: >= 1.5x moodycamel_bcq") == "", "samplepool_fifo has no hand-off here")
    check("goal.count", "7 of 12 measured goals met" in md, md)
    check("peers.missing", "Not built here: gst_buffer_pool (libgstreamer1.0-dev not installed), "
          "tbb_bounded_queue (libtbb-dev not installed)" in md, md)

    # The digest: the same goal rows, each side's min / median / max.
    status, out, err = report(["r.json", "--json", "-"], tmp)
    check("digest.status", status == 0, err)
    try:
        d = json.loads(out)
    except ValueError as e:
        d = {}
        check("digest.json", False, f"{e}: {out[:200]!r}")
    rt1 = d.get("scenarios", {}).get("roundtrip", {}).get("samplepool", {}).get("64/4096/threads:1", {})
    check("digest.spread", (rt1.get("min"), rt1.get("median"), rt1.get("max")) == (190e6, 200e6, 210e6), rt1)
    goals = {g["id"]: g for g in d.get("goals", [])}
    g = goals.get("roundtrip/threads:1/samplepool:rte_mempool_cache", {})
    check("digest.goal", g.get("met") is True and abs(g.get("ratio", 0) - 1.25) < 1e-9
          and g.get("ours", {}).get("min") == 190e6 and g.get("theirs", {}).get("max") == 170e6, g)
    g = goals.get("poll_empty/samplepool_dshow:failed_pop", {})
    check("digest.goal.time", g.get("met") is False and abs(g.get("ratio", 0) - 3.0) < 1e-9, g)
    # Floors (bench/peers/floor_pools.hpp): the virtual face 120 / 200 =
    # 0.60x beside DirectShow's 0.95x; the refcounted hand-off 10 / 20 =
    # 0.50x beside ours 1.50x; the cacheless shared path 36 / 30 = 1.20x
    # beside FIFO's 1.50x; no refcounted bulk in the canned run: no row.
    floors = {f["goal"]: f for f in d.get("floors", [])}
    f = floors.get("faces >= 0.9x native (1 thread)", {})
    check("digest.floor.face", abs(f.get("floor", 0) - 0.6) < 1e-9 and abs(f.get("ours", 0) - 0.95) < 1e-9, f)
    # The same face in a shared library: 110 / 200 = 0.55x beside the C
    # face's 100 / 200 = 0.50x.
    f = floors.get("faces >= 0.9x native (1 thread), from a shared library", {})
    check("digest.floor.face_so", abs(f.get("floor", 0) - 0.55) < 1e-9 and abs(f.get("ours", 0) - 0.5) < 1e-9, f)
    f = floors.get("hand-off >= 1.2x rte_mempool_cache", {})
    check("digest.floor.handoff", abs(f.get("floor", 0) - 1.05) < 1e-9 and abs(f.get("ours", 0) - 1.5) < 1e-9, f)
    # The poll's floor, in time: a failed pop with its count 1.8 ns against the
    # pop's 1 ns; ours 1.5 ns.
    f = floors.get("failing poll <= 2x a failed pop (time)", {})
    check("digest.floor.poll", abs(f.get("floor", 0) - 1.8) < 1e-9 and abs(f.get("ours", 0) - 1.5) < 1e-9, f)
    f = floors.get("FIFO round trip >= 1.5x moodycamel_bcq (1 thread)", {})
    check("digest.floor.fifo", abs(f.get("floor", 0) - 1.2) < 1e-9, f)
    check("digest.floor.none", not any(k.startswith("bulk") for k in floors), list(floors))
    check("digest.peers", d.get("peers_missing") == ["gst_buffer_pool (libgstreamer1.0-dev not installed)",
                                                     "tbb_bounded_queue (libtbb-dev not installed)"], d.get("peers_missing"))

    # A peer that was not built: its goals say so instead of a ratio.
    rates = {k: v for k, v in RATES.items() if "rte_mempool" not in k}
    context = dict(CONTEXT, peers_missing="rte_mempool_cache (libdpdk-dev not installed), "
                                          "rte_mempool_nocache (libdpdk-dev not installed)")
    canned(os.path.join(tmp, "nodpdk.json"), rates, context)
    status, out, err = report(["nodpdk.json"], tmp)
    md = out.decode()
    check("missing.status", status == 0, err)
    check("missing.goal", goal_line(md, "hand-off: >= 1.2x rte_mempool_cache").endswith(
        "| – | >= 1.20x | rte_mempool_cache not built here |"), md)
    check("missing.list", "Not built here: rte_mempool_cache (libdpdk-dev not installed), rte_mempool_nocache" in md, md)

    # An older file, medians only: the median alone, still a goal table.
    canned(os.path.join(tmp, "old.json"), {k: v for k, v in RATES.items()}, {}, aggregates=True)
    with open(os.path.join(tmp, "old.json")) as f:
        data = json.load(f)
    data["benchmarks"] = [b for b in data["benchmarks"] if b.get("run_type") == "aggregate"]
    with open(os.path.join(tmp, "old.json"), "w") as f:
        json.dump(data, f)
    status, out, err = report(["old.json"], tmp)
    md = out.decode()
    check("aggregates_only", status == 0 and "| samplepool | 200.0 | 320.0 |" in md
          and goal_line(md, "round trip, 1 thread: native >= 1.1x rte_mempool_cache").endswith("| met |"), md + err)


def test_chart(tmp):
    canned(os.path.join(tmp, "r.json"))
    path = os.path.join(tmp, "panels.svg")
    status, out, err = report(["r.json", "--chart", path], tmp)
    check("chart.status", status == 0, err)
    svg = open(path, encoding="utf-8", errors="replace").read() if os.path.exists(path) else ""
    for title in ("Round trip", "Hand-off", "Bulk"):
        check(f"chart.panel[{title}]", title in svg, svg[:300])
    check("chart.labels", "rte_mempool_cache" in svg and "k = 32" in svg and "2 threads" in svg, svg[:300])

    for name in ("a'; system('touch INJECTED'); set output 'b.png", "two words \"and\" 'quotes'.svg",
                 "new\nline.png", "back\\slash $(touch INJECTED).png"):
        path = os.path.join(tmp, name)
        status, out, err = report(["r.json", "--chart", path], tmp)
        check(f"chart[{name!r}]", status == 0, err)
        head = b""
        if os.path.exists(path):
            with open(path, "rb") as f:
                head = f.read(5)
        check(f"chart[{name!r}]", head in (b"\x89PNG\r", b"<?xml") or head.startswith(b"<svg"), head)
        check(f"chart[{name!r}]", b"\x89PNG" not in out, "image bytes on stdout")
    check("no injection", not os.path.exists(os.path.join(tmp, "INJECTED")) and not os.path.exists(
        os.path.join(tmp, "b.png")), os.listdir(tmp))

    status, out, err = report(["r.json", "--chart", "/nonexistent/x.png"], tmp)
    check("unwritable", status == 2 and "cannot write the chart" in err and "Traceback" not in err, err)
    check("unwritable", b"\x89PNG" not in out, "image bytes on stdout")
    check("no leftovers", not any(n.startswith(".bench-chart-") for n in os.listdir(tmp)), os.listdir(tmp))


def main():
    tmp = tempfile.mkdtemp(prefix="bench-report-test-")
    try:
        test_tables(tmp)
        status, out, err = report(["missing.json"], tmp)
        check("missing input", status == 2 and "cannot read" in err and "Traceback" not in err, err)
        if shutil.which("gnuplot") is None:
            print("gnuplot not installed: the chart cases are skipped")
        else:
            test_chart(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("bench_report: all passed" if not failures else f"bench_report: {len(failures)} failed")
    sys.exit(1 if failures else 0)


main()
