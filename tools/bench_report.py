#!/usr/bin/env python3
"""Turns Google Benchmark JSON from bench/ into a Markdown report and a chart.

    tools/bench_report.py RESULTS.json [LATENCY.json] [--markdown OUT.md] [--chart OUT.png|OUT.svg] [--json OUT.json|-]

Every figure is shown with its spread, as min / median / max over the
repetitions (--benchmark_repetitions=N; every repetition must be in the
JSON, so run without --benchmark_report_aggregates_only). A file written
with aggregates only (older runs) still reads: its figures show the median
alone. The goal table lists each goal of issue 13 as a ratio of medians
from this run, with its threshold and whether it is met; the peers the
benchmark program was built without (its "peers_missing" context) are
listed as "not built here". --json writes the same as a digest: per
scenario, pool and variant the min / median / max, the goal rows, the
peers. The chart (gnuplot, from Debian's gnuplot-nox) has one panel per
scenario: round trip by thread count, hand-off, bulk 8 / 32, each bar with
an error bar from min to max.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile


# ---------------------------------------------------------------------------
# Reading.


def load(paths):
    """Returns ({name: figure}, context). A figure is the benchmark's JSON
    object (the median aggregate when there is one, else its last
    repetition) with "_reps": every repetition's JSON object that did not
    fail. Runs that failed or were skipped (error_occurred) are left out."""
    runs = {}
    context = {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        for key, value in data.get("context", {}).items():
            context.setdefault(key, value)
        iterations, medians = {}, {}
        for b in data["benchmarks"]:
            if b.get("error_occurred"):
                continue
            name = b["run_name"] if "run_name" in b else b["name"]
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") == "median":
                    medians[name] = b
            else:
                iterations.setdefault(name, []).append(b)
        for name in list(iterations) + [n for n in medians if n not in iterations]:
            reps = iterations.get(name, [])
            figure = dict(medians.get(name) or reps[-1])
            figure["_reps"] = reps or [medians[name]]
            runs[name] = figure
    return runs, context


def spread(b, key="items_per_second"):
    """(min, median, max) of `key` over the repetitions, or None."""
    if not b:
        return None
    values = [r[key] for r in b.get("_reps", [b]) if r.get(key) is not None]
    if not values:
        return None
    return min(values), statistics.median(values), max(values)


def rate(b):
    """The median throughput (items per second), or None."""
    s = spread(b)
    return s[1] if s else None


def ns_spread(b):
    """(min, median, max) time per item in ns, from the rates."""
    s = spread(b)
    if not s or not s[0]:
        return None
    return 1e9 / s[2], 1e9 / s[1], 1e9 / s[0]


def fmt3(s, digits=1, scale=1.0):
    """min / median / max; the median alone for a single value."""
    if s is None:
        return "–"
    lo, mid, hi = (v / scale for v in s)
    if lo == hi:
        return f"{mid:.{digits}f}"
    return f"{lo:.{digits}f} / {mid:.{digits}f} / {hi:.{digits}f}"


def fmt_rate(b):
    return fmt3(spread(b), 1, 1e6)


def fmt_ns(b):
    return fmt3(ns_spread(b), 1)


def parse(runs):
    """Groups benchmark names into scenario -> pool -> variant -> figure."""
    table = {}
    for name, b in runs.items():
        parts = name.split("/")
        if len(parts) < 2:
            continue
        scenario, pool = parts[0], parts[1]
        variant = "/".join(p for p in parts[2:] if p not in ("real_time", "manual_time") and not p.startswith("iterations"))
        table.setdefault(scenario, {}).setdefault(pool, {})[variant] = b
    return table


def threads_of(variant):
    m = re.search(r"threads:(\d+)", variant)
    return int(m.group(1)) if m else 1


def roundtrip_rows(table):
    rows = []
    for pool, variants in sorted(table.get("roundtrip", {}).items()):
        by_threads = {threads_of(v): b for v, b in variants.items()}
        rows.append((pool, by_threads))
    return rows


# handoff/no_pool: the hand-off with no pool at all (the ring and the two
# threads), shown as the floor, never a peer to beat.
FLOOR = "no_pool"
# The floor experiments (bench/peers/floor_pools.hpp) are not peers to beat.
FLOOR_PEERS = ("rte_mempool_refcounted", "magazine_floor", "magazine_floor_spares", "magazine_floor_parts")


def only(variants):
    """The figure of a scenario that has one variant per pool."""
    return next(iter(variants.values()), None)


def bulk_of(variants, k):
    return next((b for v, b in variants.items() if v.split("/")[-1] == str(k)), None)


def peer_list(context, key):
    value = context.get(key, "")
    if not value or value == "none":
        return []
    return [p.strip() for p in re.split(r",\s*(?![^()]*\))", value) if p.strip()]


def repetitions(runs):
    return max((len(b.get("_reps", [])) for b in runs.values()), default=0)


# ---------------------------------------------------------------------------
# The tables.


def markdown(table, context, reps):
    out = []
    spread_note = (f"min / median / max of {reps} repetitions" if reps > 1 else "one repetition: no spread")
    out.append(f"Every figure: {spread_note}, every pool in the same run.\n")
    rt = roundtrip_rows(table)
    if rt:
        counts = sorted({t for _, bt in rt for t in bt})
        out.append("**Round trip** (acquire + write one byte + release; 64 samples x 4 KiB; "
                   "M buffers/s, total over all threads)\n")
        out.append("| pool | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}" for t in counts) + " |")
        out.append("| --- | " + " | ".join("---:" for _ in counts) + " |")
        for pool, bt in sorted(rt, key=lambda r: -(rate(r[1].get(counts[0])) or 0)):
            out.append(f"| {pool} | " + " | ".join(fmt_rate(bt.get(t)) for t in counts) + " |")
        out.append("")
    rows = table.get("handoff", {})
    if rows:
        out.append("**Capture hand-off** (one thread acquires, an SPSC ring carries each buffer to a second "
                   "thread that releases it)\n")
        ours = rate(only(rows.get("samplepool", {})))
        out.append("| pool | M buffers/s | ns per buffer | samplepool / this (medians) |")
        out.append("| --- | ---: | ---: | ---: |")
        for pool, variants in sorted(rows.items(), key=lambda kv: -(rate(only(kv[1])) or 0)):
            b = only(variants)
            name = f"{pool} (the floor: ring and threads, no pool)" if pool == FLOOR else pool
            times = f"{ours / rate(b):.2f}x" if ours and rate(b) else "–"
            out.append(f"| {name} | {fmt_rate(b)} | {fmt_ns(b)} | {times} |")
        out.append("")
        if FLOOR in rows:
            out.append(f"The floor, {fmt_ns(only(rows[FLOOR]))} ns per buffer in this run, is what moving a "
                       "pointer and a cache line between the two CPUs costs here; on a VM it moves with where the "
                       "host places the vCPUs, and every pool's hand-off moves with it.\n")
    bulk = table.get("bulk", {})
    if bulk:
        out.append("**Bulk** (acquire k, release k; M buffers/s)\n")
        out.append("| pool | k = 8 | k = 32 |")
        out.append("| --- | ---: | ---: |")
        for pool, variants in sorted(bulk.items(), key=lambda kv: -(max((rate(b) or 0) for b in kv[1].values()))):
            out.append(f"| {pool} | {fmt_rate(bulk_of(variants, 8))} | {fmt_rate(bulk_of(variants, 32))} |")
        out.append("")
    poll = table.get("poll_empty", {})
    if poll:
        floor = rate(only(poll.get("failed_pop", {})))
        out.append("**Failing poll of an empty pool** (every buffer held; one non-blocking acquire that fails: "
                   "try_acquire, GetBuffer(AM_GBF_NOWAIT), sp_pool_try_acquire, rte_mempool_get, try_dequeue; "
                   "failed_pop: a pop of the engine's empty LIFO free list, the floor; counted_failed_pop: the "
                   "same pop with an exact count of its failures in memory, as a pool's statistics keep it)\n")
        out.append("| pool | ns per poll | x failed pop (medians) |")
        out.append("| --- | ---: | ---: |")
        for pool, variants in sorted(poll.items(), key=lambda kv: -(rate(only(kv[1])) or 0)):
            b = only(variants)
            r = rate(b)
            times = f"{floor / r:.2f}x" if floor and r else "–"
            out.append(f"| {pool} | {fmt_ns(b)} | {times} |")
        out.append("")
    scaling = table.get("size_scaling", {}).get("samplepool", {})
    if scaling:
        out.append("**Pool-size scaling** (samplepool, cycling 64 buffers of a pool of N; ns per buffer)\n")
        out.append("| N | ns per buffer |")
        out.append("| ---: | ---: |")
        for v, b in sorted(scaling.items(), key=lambda kv: int(kv[0].split("/")[0])):
            out.append(f"| {v.split('/')[0]} | {fmt_ns(b)} |")
        out.append("")
    wake = table.get("wake", {})
    if wake:
        out.append("**Wake latency** (release to the blocked acquirer's return; µs, each repetition's "
                   "percentile)\n")
        out.append("| mechanism | p50 | p99 |")
        out.append("| --- | ---: | ---: |")
        for pool, variants in sorted(wake.items()):
            b = only(variants)
            out.append(f"| {pool} | {fmt3(spread(b, 'p50_us'))} | {fmt3(spread(b, 'p99_us'))} |")
        out.append("")
    dec = table.get("decommit", {})
    if dec:
        out.append("**Decommit latency** (Decommit to the return of the last of N blocked acquirers; µs)\n")
        out.append("| pool | N | p50 | p99 |")
        out.append("| --- | ---: | ---: | ---: |")
        for pool, variants in sorted(dec.items()):
            for v, b in sorted(variants.items(), key=lambda kv: int(kv[0].split("/")[0])):
                out.append(f"| {pool} | {v.split('/')[0]} | {fmt3(spread(b, 'p50_us'), 0)} | "
                           f"{fmt3(spread(b, 'p99_us'), 0)} |")
        out.append("")
    out.extend(goal_table(goals(table, context)))
    out.extend(floor_table(floors(table)))
    out.extend(peer_lines(context))
    return "\n".join(out)


def peer_lines(context):
    built, missing = peer_list(context, "peers"), peer_list(context, "peers_missing")
    lines = []
    if built:
        lines.append("Peers built into this samplepool_bench: " + ", ".join(built) + ".")
    if missing:
        lines.append("Not built here: " + ", ".join(missing)
                     + " (tools/bootstrap.sh --bench installs them; then rebuild samplepool_bench).")
    elif "peers_missing" in context:
        lines.append("Not built here: none.")
    if lines:
        lines.append("")
    return lines


# ---------------------------------------------------------------------------
# Goals (issue 13), as ratios of medians.


def goals(table, context):
    """The goal rows: dicts with id, goal, ours/theirs (pool, figure), the
    ratio of medians, the threshold and whether it is met (None when a side
    was not measured)."""
    rt = dict(roundtrip_rows(table))
    handoff = {p: only(v) for p, v in table.get("handoff", {}).items()}
    bulk = table.get("bulk", {})
    poll = {p: only(v) for p, v in table.get("poll_empty", {}).items()}
    missing = " ".join(peer_list(context, "peers_missing"))
    rows = []

    def add(gid, text, ours_pool, ours, theirs_pool, theirs, threshold, kind="at_least"):
        """kind: at_least (throughput ratio >= threshold), at_most_time (time
        ratio <= threshold), within (throughput ratio within threshold of 1)."""
        if ours is None:
            return  # the scenario was not in this run
        ratio = None
        if rate(ours) and theirs is not None and rate(theirs):
            ratio = rate(theirs) / rate(ours) if kind == "at_most_time" else rate(ours) / rate(theirs)
        met = None
        if ratio is not None:
            met = (ratio >= threshold if kind == "at_least" else ratio <= threshold if kind == "at_most_time"
                   else abs(ratio - 1) <= threshold)
        why = None
        if theirs is None:
            why = f"{theirs_pool} not built here" if theirs_pool in missing else f"{theirs_pool} not in this run"
        rows.append({"id": gid, "goal": text, "kind": kind, "threshold": threshold, "ratio": ratio, "met": met,
                     "ours": (ours_pool, ours), "theirs": (theirs_pool, theirs), "why": why})

    def rt_of(pool, t):
        return rt.get(pool, {}).get(t)

    for t in (1, 2):
        add(f"roundtrip/threads:{t}/samplepool:rte_mempool_cache",
            f"round trip, {t} thread{'s' if t > 1 else ''}: native >= 1.1x rte_mempool_cache",
            "samplepool", rt_of("samplepool", t), "rte_mempool_cache", rt_of("rte_mempool_cache", t), 1.1)
    for face, name in (("samplepool_dshow", "DirectShow"), ("samplepool_c", "C")):
        for t in (1, 2, 4):
            if rt_of(face, t) is not None:
                add(f"roundtrip/threads:{t}/{face}:samplepool",
                    f"round trip, {t} thread{'s' if t > 1 else ''}: {name} face >= 0.9x native",
                    face, rt_of(face, t), "samplepool", rt_of("samplepool", t), 0.9)
    add("handoff/samplepool:rte_mempool_cache", "hand-off: >= 1.2x rte_mempool_cache", "samplepool",
        handoff.get("samplepool"), "rte_mempool_cache", handoff.get("rte_mempool_cache"), 1.2)
    # ">= 2x every other peer" is one goal, decided by the closest peer: one
    # row for it (the hand-off table shows the ratio to each peer).
    others = [p for p in handoff
              if not p.startswith("samplepool") and p not in ("rte_mempool_cache", FLOOR) and p not in FLOOR_PEERS]
    closest = min(others, key=lambda p: -(rate(handoff[p]) or 0), default=None)
    if closest is not None:
        add("handoff/samplepool:every_other_peer", f"hand-off: >= 2x every other peer (closest: {closest})",
            "samplepool", handoff.get("samplepool"), closest, handoff[closest], 2.0)
    for t in (1, 2, 4):
        if rt_of("samplepool_fifo", t) is not None:
            add(f"roundtrip/threads:{t}/samplepool_fifo:moodycamel_bcq",
                f"FIFO round trip, {t} thread{'s' if t > 1 else ''}: >= 1.5x moodycamel_bcq", "samplepool_fifo",
                rt_of("samplepool_fifo", t), "moodycamel_bcq", rt_of("moodycamel_bcq", t), 1.5)
    add("handoff/samplepool_fifo:moodycamel_bcq", "FIFO hand-off: >= 1.5x moodycamel_bcq", "samplepool_fifo",
        handoff.get("samplepool_fifo"), "moodycamel_bcq", handoff.get("moodycamel_bcq"), 1.5)
    for k in (8, 32):
        add(f"bulk/{k}/samplepool:rte_mempool_cache", f"bulk {k}: >= 1.0x rte_mempool_cache get/put_bulk",
            "samplepool", bulk_of(bulk.get("samplepool", {}), k), "rte_mempool_cache",
            bulk_of(bulk.get("rte_mempool_cache", {}), k), 1.0)
    for face, name in (("samplepool", "native"), ("samplepool_fifo", "FIFO"), ("samplepool_dshow", "DirectShow NOWAIT"),
                       ("samplepool_c", "C")):
        add(f"poll_empty/{face}:failed_pop", f"failing poll of an empty pool, {name}: <= 2x a failed pop (time)",
            face, poll.get(face), "failed_pop", poll.get("failed_pop"), 2.0, "at_most_time")
    for t in (1, 2, 4):
        if rt_of("samplepool_growable", t) is not None:
            add(f"roundtrip/threads:{t}/samplepool_growable:samplepool",
                f"growable pool, round trip, {t} thread{'s' if t > 1 else ''}: within 5% of the fixed pool",
                "samplepool_growable", rt_of("samplepool_growable", t), "samplepool", rt_of("samplepool", t), 0.05,
                "within")
    latency_goals(table, rows)
    return rows


def latency_goals(table, rows):
    """The goals already met that must stay met: wake and decommit latency."""
    wake = table.get("wake", {})
    if "samplepool" in wake and "futex_pingpong" in wake:
        ours, floor = only(wake["samplepool"]), only(wake["futex_pingpong"])
        o, f = spread(ours, "p50_us"), spread(floor, "p50_us")
        if o and f and f[1]:
            rows.append({"id": "wake/p50/samplepool:futex_pingpong", "goal": "wake p50: <= 1.5x the raw futex ping-pong",
                         "kind": "at_most_time", "threshold": 1.5, "ratio": o[1] / f[1], "met": o[1] <= 1.5 * f[1],
                         "ours": ("samplepool", ours), "theirs": ("futex_pingpong", floor), "unit": "p50_us",
                         "why": None})
    dec = table.get("decommit", {})
    ours64 = next((b for v, b in dec.get("samplepool", {}).items() if v.split("/")[0] == "64"), None)
    cb64 = next((b for v, b in dec.get("cbase_allocator", {}).items() if v.split("/")[0] == "64"), None)
    if ours64:
        p99 = spread(ours64, "p99_us")
        if p99:
            rows.append({"id": "decommit/64/p99", "goal": "decommit, 64 waiters: p99 under 2 ms (ratio to 2 ms)",
                         "kind": "at_most_time", "threshold": 1.0, "ratio": p99[1] / 2000, "met": p99[1] < 2000,
                         "ours": ("samplepool", ours64), "theirs": ("2 ms", None), "unit": "p99_us", "why": None})
        o, c = spread(ours64, "p50_us"), spread(cb64, "p50_us")
        if o and c and c[1]:
            rows.append({"id": "decommit/64/p50/samplepool:cbase_allocator",
                         "goal": "decommit, 64 waiters: p50 no slower than cbase_allocator (+5%)",
                         "kind": "at_most_time", "threshold": 1.05, "ratio": o[1] / c[1], "met": o[1] <= 1.05 * c[1],
                         "ours": ("samplepool", ours64), "theirs": ("cbase_allocator", cb64), "unit": "p50_us",
                         "why": None})


def fmt_threshold(row):
    t = row["threshold"]
    if row["kind"] == "within":
        return f"within {t * 100:.0f}%"
    if row["kind"] == "at_most_time":
        return f"<= {t:.2f}x"
    return f">= {t:.2f}x"


def fmt_side(row, side):
    pool, b = row[side]
    if b is None:
        return pool if side == "theirs" and row["why"] is None else "–"
    unit = row.get("unit")
    if unit:
        return f"{pool} {fmt3(spread(b, unit))} µs"
    if pool in ("failed_pop",) or row["id"].startswith("poll_empty/"):
        return f"{pool} {fmt_ns(b)} ns"
    return f"{pool} {fmt_rate(b)} M/s"


def goal_table(rows):
    if not rows:
        return []
    lines = ["**Goals** (issue 13; ratios of medians from this run: throughput ours / theirs, or time where "
             "marked; each side min / median / max)\n",
             "| goal | ours | theirs | ratio | goal | met |", "| --- | --- | --- | ---: | ---: | :---: |"]
    for row in rows:
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] is not None else "–"
        met = "met" if row["met"] else "not met" if row["met"] is not None else (row["why"] or "not measured")
        lines.append(f"| {row['goal']} | {fmt_side(row, 'ours')} | {fmt_side(row, 'theirs')} | {ratio} | "
                     f"{fmt_threshold(row)} | {met} |")
    counted = [r for r in rows if r["met"] is not None]
    lines.append("")
    lines.append(f"{sum(1 for r in counted if r['met'])} of {len(counted)} measured goals met"
                 + (f"; {len(rows) - len(counted)} not measured" if len(rows) != len(counted) else "")
                 + ". \"No system call\" for the failing poll is a test, not a timing: ctest -R "
                 "bench.poll_empty.no_syscall.")
    lines.append("")
    return lines


# ---------------------------------------------------------------------------
# Floors: for the goals a design with per-buffer reference counts cannot
# reach, the experiment that bounds them (bench/peers/floor_pools.hpp): the
# best ratio any pool of that kind gets, measured in the same run.


def floors(table):
    """Rows: goal, the floor experiment (a ratio of medians of two peers in
    this run), and ours, the same ratio for samplepool."""
    rt = dict(roundtrip_rows(table))
    handoff = {p: only(v) for p, v in table.get("handoff", {}).items()}
    bulk = table.get("bulk", {})
    rows = []

    def ratio(a, b):
        return rate(a) / rate(b) if a is not None and b is not None and rate(a) and rate(b) else None

    def add(goal, experiment, floor, ours_text, ours):
        if floor is not None:
            rows.append({"goal": goal, "experiment": experiment, "floor": floor, "ours_text": ours_text,
                         "ours": ours})

    for t in (1, 2):
        theirs = rt.get("rte_mempool_cache", {}).get(t)
        add(f"round trip, {t} thread{'s' if t > 1 else ''} >= 1.1x rte_mempool_cache",
            "magazine_floor_parts / rte_mempool_cache: a magazine per thread plus samplepool's per-call parts "
            "(header marked and checked, the caches' handshake)",
            ratio(rt.get("magazine_floor_parts", {}).get(t), theirs),
            "samplepool / rte_mempool_cache", ratio(rt.get("samplepool", {}).get(t), theirs))
    for t in (1, 2):
        native = rt.get("samplepool", {}).get(t)
        add(f"faces >= 0.9x native ({t} thread{'s' if t > 1 else ''})",
            "samplepool_virtual / samplepool: the native pool behind three indirect calls",
            ratio(rt.get("samplepool_virtual", {}).get(t), native),
            "samplepool_dshow / samplepool", ratio(rt.get("samplepool_dshow", {}).get(t), native))
        add(f"faces >= 0.9x native ({t} thread{'s' if t > 1 else ''}), from a shared library",
            "samplepool_virtual_so / samplepool: the same interface in a shared library, as the faces are",
            ratio(rt.get("samplepool_virtual_so", {}).get(t), native),
            "samplepool_c / samplepool", ratio(rt.get("samplepool_c", {}).get(t), native))
    ours_handoff = ratio(handoff.get("samplepool"), handoff.get("rte_mempool_cache"))
    add("hand-off >= 1.2x rte_mempool_cache",
        "magazine_floor / rte_mempool_cache: pointers in per-thread magazines, nothing else, holding exactly "
        "the count (rte_mempool has spares for its caches)",
        ratio(handoff.get("magazine_floor"), handoff.get("rte_mempool_cache")),
        "samplepool / rte_mempool_cache", ours_handoff)
    add("hand-off >= 1.2x rte_mempool_cache, with samplepool's guarantees",
        "magazine_floor_parts / rte_mempool_cache: the same floor plus samplepool's per-call parts (each "
        "acquire marks the buffer's header, each release checks it, each call is a section of the caches' "
        "handshake)",
        ratio(handoff.get("magazine_floor_parts"), handoff.get("rte_mempool_cache")),
        "samplepool / rte_mempool_cache", ours_handoff)
    add("FIFO round trip >= 1.5x moodycamel_bcq (1 thread)",
        "samplepool_nocache / moodycamel_bcq: the shared path alone, no queue",
        ratio(rt.get("samplepool_nocache", {}).get(1), rt.get("moodycamel_bcq", {}).get(1)),
        "samplepool_fifo / moodycamel_bcq",
        ratio(rt.get("samplepool_fifo", {}).get(1), rt.get("moodycamel_bcq", {}).get(1)))
    poll = {p: only(v) for p, v in table.get("poll_empty", {}).items()}
    # A time goal: the ratios are of times (the failed pop's rate over each one's).
    add("failing poll <= 2x a failed pop (time)",
        "counted_failed_pop / failed_pop: the failed pop with an exact failure count, as a pool keeps",
        ratio(poll.get("failed_pop"), poll.get("counted_failed_pop")),
        "samplepool / failed_pop", ratio(poll.get("failed_pop"), poll.get("samplepool")))
    for k in (8, 32):
        theirs = bulk_of(bulk.get("rte_mempool_cache", {}), k)
        add(f"bulk {k} >= 1.0x rte_mempool_cache",
            "rte_mempool_refcounted / rte_mempool_cache: get/put_bulk plus each buffer's count",
            ratio(bulk_of(bulk.get("rte_mempool_refcounted", {}), k), theirs),
            "samplepool / rte_mempool_cache", ratio(bulk_of(bulk.get("samplepool", {}), k), theirs))
    return rows


def floor_table(rows):
    if not rows:
        return []
    lines = ["**Floors** (for the goals above, the experiment that bounds each (bench/peers/floor_pools.hpp): "
             "the ratio the best pool of that kind gets in this run, beside ours; for the failing poll, "
             "the least time, as a multiple of a failed pop's)\n",
             "| goal | floor experiment | floor | ours |", "| --- | --- | ---: | ---: |"]
    for r in rows:
        ours = f"{r['ours']:.2f}x ({r['ours_text']})" if r["ours"] is not None else "–"
        lines.append(f"| {r['goal']} | {r['experiment']} | {r['floor']:.2f}x | {ours} |")
    lines.append("")
    return lines


# ---------------------------------------------------------------------------
# The JSON digest.


def digest_figure(b):
    entry = {}
    s = spread(b)
    if s:
        entry["items_per_second"] = s[1]
        entry["min"], entry["median"], entry["max"] = s
        entry["repetitions"] = len([r for r in b.get("_reps", []) if r.get("items_per_second") is not None])
    for k in ("p50_us", "p99_us"):
        ks = spread(b, k)
        if ks:
            entry[k] = ks[1]
            entry[k + "_min"], entry[k + "_max"] = ks[0], ks[2]
    return entry


def summary(table, context):
    """A machine-readable digest: per scenario, pool and variant the median
    rate with its min and max (or latencies), the goal rows, the peers."""
    scenarios = {}
    for scenario, pools in table.items():
        for pool, variants in pools.items():
            for variant, b in variants.items():
                scenarios.setdefault(scenario, {}).setdefault(pool, {})[variant or "default"] = digest_figure(b)
    goal_rows = []
    for row in goals(table, context):
        entry = {k: row[k] for k in ("id", "goal", "kind", "threshold", "ratio", "met")}
        for side in ("ours", "theirs"):
            pool, b = row[side]
            unit = row.get("unit", "items_per_second")
            s = spread(b, unit) if b is not None else None
            entry[side] = {"pool": pool, "unit": unit}
            if s:
                entry[side].update(min=s[0], median=s[1], max=s[2])
        if row["why"]:
            entry["why"] = row["why"]
        goal_rows.append(entry)
    return {"ok": True, "scenarios": scenarios, "goals": goal_rows, "floors": floors(table),
            "peers": peer_list(context, "peers"), "peers_missing": peer_list(context, "peers_missing")}


# ---------------------------------------------------------------------------
# The chart.


class ReportError(Exception):
    """A failure to report, with the exit status: 2 for a bad argument (an
    unwritable output path), 1 otherwise."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def label(pool):
    """A pool name as a chart label: printable, no quote that could end the
    gnuplot string it sits in."""
    return re.sub(r'[^A-Za-z0-9_.+-]', "_", pool)


def bar_cells(b):
    """median min max in M/s for one bar; NaN (no bar) when not measured."""
    s = spread(b)
    if not s:
        return "NaN NaN NaN"
    return " ".join(f"{v / 1e6:.4f}" for v in (s[1], s[0], s[2]))


def panels(table):
    """(title, series titles, rows of (pool, [figure per series])) per panel."""
    out = []
    rt = roundtrip_rows(table)
    if rt:
        counts = sorted({t for _, bt in rt for t in bt})
        rows = sorted(rt, key=lambda r: -(rate(r[1].get(counts[0])) or 0))
        out.append(("Round trip, 64 x 4 KiB samples, all threads",
                    [f"{t} thread{'s' if t > 1 else ''}" for t in counts],
                    [(pool, [bt.get(t) for t in counts]) for pool, bt in rows]))
    handoff = table.get("handoff", {})
    if handoff:
        rows = sorted(handoff.items(), key=lambda kv: -(rate(only(kv[1])) or 0))
        out.append(("Hand-off: acquire on one thread, release on another", ["hand-off"],
                    [(pool, [only(v)]) for pool, v in rows]))
    bulk = table.get("bulk", {})
    if bulk:
        rows = sorted(bulk.items(), key=lambda kv: -(max((rate(b) or 0) for b in kv[1].values())))
        out.append(("Bulk: acquire k, release k", ["k = 8", "k = 32"],
                    [(pool, [bulk_of(v, 8), bulk_of(v, 32)]) for pool, v in rows]))
    return out


def chart_script(table, term):
    """The gnuplot script: the data inline (datablocks), the image on
    gnuplot's standard output. It names no file, so no file name can change
    what it does."""
    newline = "\n"
    blocks, plots = [], []
    chosen = panels(table)
    for i, (title, series, rows) in enumerate(chosen):
        data = [f'"{label(pool)}" ' + " ".join(bar_cells(b) for b in figures) for pool, figures in rows]
        blocks.append(f"$panel{i} << EOD\n{newline.join(data)}\nEOD")
        using = []
        for j, name in enumerate(series):
            c = 2 + 3 * j
            source = f"$panel{i}" if j == 0 else "''"
            xtic = ":xtic(1)" if j == 0 else ""
            using.append(f"{source} using {c}:{c + 1}:{c + 2}{xtic} title '{name}'")
        plots.append(f"set title '{title} (M buffers/s, log scale; bars: median, whiskers: min to max)'\n"
                     f"plot {', '.join(using)}")
    return f"""
set terminal {term} noenhanced
set multiplot layout {max(len(chosen), 1)},1
set ylabel 'million buffers per second'
set logscale y
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -35 scale 0 font ',9'
set key top right
set grid ytics
set datafile missing NaN
{newline.join(blocks)}
{newline.join(plots)}
unset multiplot
"""


def chart(table, path):
    """Draws the chart into `path` (.png or .svg). gnuplot writes the image
    to its standard output: a temporary file beside `path`, renamed over it
    once gnuplot succeeded. A failed run leaves nothing behind and writes
    nothing to our standard output."""
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        print("bench_report: gnuplot not found (apt-get install gnuplot-nox); no chart", file=sys.stderr)
        return False
    if not panels(table):
        print("bench_report: no round-trip, hand-off or bulk results; no chart", file=sys.stderr)
        return False
    directory = os.path.dirname(os.path.abspath(path))
    svg = path.endswith(".svg")
    height = 480 * len(panels(table))
    term = f"svg size 1100,{height}" if svg else f"pngcairo size 1100,{height}" if subprocess.run(
        [gnuplot, "-e", "set terminal pngcairo"], capture_output=True).returncode == 0 else f"png size 1100,{height}"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".bench-chart-", suffix=".svg" if svg else ".png", dir=directory)
    except OSError as e:
        raise ReportError(f"cannot write the chart {path!r}: {e.strerror}", 2)
    try:
        with os.fdopen(fd, "wb") as out:
            done = subprocess.run([gnuplot], input=chart_script(table, term).encode(), stdout=out,
                                  stderr=subprocess.PIPE)
        if done.returncode != 0:
            raise ReportError("gnuplot failed: " + done.stderr.decode(errors="replace").strip())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as open() would have made it, not mkstemp's 0600
        try:
            os.replace(tmp, path)
        except OSError as e:
            raise ReportError(f"cannot write the chart {path!r}: {e.strerror}", 2)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return True


# ---------------------------------------------------------------------------


def write_text(path, text):
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError as e:
        raise ReportError(f"cannot write {path!r}: {e.strerror}", 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+", help="Google Benchmark JSON files")
    ap.add_argument("--markdown", help="write the Markdown report here (default: stdout)")
    ap.add_argument("--chart", help="write a PNG or SVG chart here")
    ap.add_argument("--json", help="write a JSON digest here ('-' for stdout, instead of the Markdown)")
    args = ap.parse_args()
    try:
        report(args)
    except ReportError as e:
        print(f"bench_report: {e}", file=sys.stderr)
        sys.exit(e.status)


def report(args):
    try:
        runs, context = load(args.inputs)
        table = parse(runs)
    except OSError as e:
        raise ReportError(f"cannot read {e.filename!r}: {e.strerror}", 2)
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ReportError(f"not Google Benchmark JSON: {e}")
    if not table:
        raise ReportError("no benchmark results in " + ", ".join(args.inputs))
    md = markdown(table, context, repetitions(runs))
    if args.json:
        digest = json.dumps(summary(table, context), indent=2)
        if args.json == "-":
            print(digest)
        else:
            write_text(args.json, digest + "\n")
    if args.markdown:
        write_text(args.markdown, md + "\n")
    elif args.json != "-":
        print(md)
    if args.chart:
        chart(table, args.chart)


if __name__ == "__main__":
    main()
