#!/usr/bin/env python3
"""Turns Google Benchmark JSON from bench/ into a Markdown report and a chart.

    tools/bench_report.py RESULTS.json [LATENCY.json] [--markdown OUT.md] [--chart OUT.png|OUT.svg] [--json OUT.json|-]

Reads the medians of repeated runs (--benchmark_repetitions=N with
--benchmark_report_aggregates_only=true), or single runs when there are no
aggregates. Writes the tables the README's Performance section shows: every
scenario with every peer, and the goal ratios (samplepool / peer). The chart
(gnuplot, from Debian's gnuplot-nox) shows round-trip throughput by thread
count, one bar group per pool.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile


def load(paths):
    """Returns {(name): {"value": ..., "counters": {...}}} using medians when present."""
    runs = {}
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        has_aggregates = any(b.get("run_type") == "aggregate" for b in data["benchmarks"])
        for b in data["benchmarks"]:
            if has_aggregates and b.get("aggregate_name") != "median":
                continue
            if b.get("error_occurred"):
                continue
            name = b["run_name"] if "run_name" in b else b["name"]
            runs[name] = b
    return runs


def rate(b):
    return b.get("items_per_second")


def fmt_rate(r):
    if r is None:
        return "–"
    return f"{r / 1e6:.1f} M/s"


def ns_per_item(b):
    r = rate(b)
    return 1e9 / r if r else None


def parse(runs):
    """Groups benchmark names into scenario -> pool -> variant -> run."""
    table = {}
    for name, b in runs.items():
        parts = name.split("/")
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


def markdown(table):
    out = []
    rt = roundtrip_rows(table)
    if rt:
        out.append("**Round trip** (acquire + write one byte + release; 64 samples x 4 KiB; total over all threads, median)\n")
        out.append("| pool | 1 thread | 2 threads | 4 threads |")
        out.append("| --- | ---: | ---: | ---: |")
        for pool, bt in sorted(rt, key=lambda r: -(rate(r[1].get(1, {})) or 0)):
            out.append(f"| {pool} | " + " | ".join(fmt_rate(rate(bt[t])) if t in bt else "–" for t in (1, 2, 4)) + " |")
        out.append("")
    for scenario, title in (("handoff", "Capture handoff** (one thread acquires, an SPSC ring carries each buffer to a second thread that releases it"),):
        rows = table.get(scenario, {})
        if rows:
            out.append(f"**{title})\n")
            out.append("| pool | throughput | per buffer |")
            out.append("| --- | ---: | ---: |")
            for pool, variants in sorted(rows.items(), key=lambda kv: -(rate(next(iter(kv[1].values()))) or 0)):
                b = next(iter(variants.values()))
                out.append(f"| {pool} | {fmt_rate(rate(b))} | {ns_per_item(b):.1f} ns |")
            out.append("")
    bulk = table.get("bulk", {})
    if bulk:
        out.append("**Bulk** (acquire k, release k; buffers per second)\n")
        out.append("| pool | k = 8 | k = 32 |")
        out.append("| --- | ---: | ---: |")
        for pool, variants in sorted(bulk.items(), key=lambda kv: -(max((rate(b) or 0) for b in kv[1].values()))):
            cells = []
            for k in ("8", "32"):
                b = next((b for v, b in variants.items() if v.endswith("/" + k)), None)
                cells.append(fmt_rate(rate(b)) if b else "–")
            out.append(f"| {pool} | " + " | ".join(cells) + " |")
        out.append("")
    scaling = table.get("size_scaling", {}).get("samplepool", {})
    if scaling:
        out.append("**Pool-size scaling** (samplepool, cycling 64 buffers of a pool of N; time per buffer)\n")
        items = sorted(scaling.items(), key=lambda kv: int(kv[0].split("/")[0]))
        out.append("| N | " + " | ".join(v.split("/")[0] for v, _ in items) + " |")
        out.append("| --- | " + " | ".join("---:" for _ in items) + " |")
        out.append("| ns/buffer | " + " | ".join(f"{ns_per_item(b):.1f}" for _, b in items) + " |")
        out.append("")
    wake = table.get("wake", {})
    if wake:
        out.append("**Wake latency** (release to the blocked acquirer's return; µs)\n")
        out.append("| mechanism | p50 | p99 |")
        out.append("| --- | ---: | ---: |")
        for pool, variants in wake.items():
            b = next(iter(variants.values()))
            out.append(f"| {pool} | {b.get('p50_us', 0):.1f} | {b.get('p99_us', 0):.1f} |")
        out.append("")
    dec = table.get("decommit", {})
    if dec:
        out.append("**Decommit latency** (Decommit to the return of the last of N blocked acquirers; µs)\n")
        out.append("| pool | N | p50 | p99 |")
        out.append("| --- | ---: | ---: | ---: |")
        for pool, variants in sorted(dec.items()):
            for v, b in sorted(variants.items(), key=lambda kv: int(kv[0].split("/")[0])):
                out.append(f"| {pool} | {v.split('/')[0]} | {b.get('p50_us', 0):.0f} | {b.get('p99_us', 0):.0f} |")
        out.append("")
    out.extend(goals(table))
    return "\n".join(out)


def goals(table):
    """The issue's goal ratios, computed from this run."""
    rt = dict(roundtrip_rows(table))
    sp = rt.get("samplepool")
    if not sp:
        return []
    lines = ["**Goals** (ratios of medians from this run)\n", "| goal | measured | met |", "| --- | ---: | :---: |"]

    def ratio(ours, theirs):
        return ours / theirs if ours and theirs else None

    def row(text, value, target):
        if value is None:
            return
        lines.append(f"| {text} | {value:.2f}x | {'yes' if value >= target else 'no'} |")

    def rt_rate(pool, t):
        b = rt.get(pool, {}).get(t)
        return rate(b) if b else None

    targets1 = {"rte_mempool_cache": 1.2, "cbase_allocator": 3, "moodycamel_bcq": 2.5,
                "gst_buffer_pool": 20, "av_buffer_pool": 20}
    for peer, target in targets1.items():
        row(f"1 thread: >= {target}x {peer}", ratio(rt_rate("samplepool", 1), rt_rate(peer, 1)), target)
    row("2 threads: >= 1.0x rte_mempool_cache", ratio(rt_rate("samplepool", 2), rt_rate("rte_mempool_cache", 2)), 1.0)
    others = [p for p in rt if not p.startswith("samplepool") and not p.startswith("rte_mempool")]
    worst = None
    for p in others:
        r = ratio(rt_rate("samplepool", 2), rt_rate(p, 2))
        if r is not None and (worst is None or r < worst[1]):
            worst = (p, r)
    if worst:
        row(f"2 threads: >= 4x every other peer (lowest: {worst[0]})", worst[1], 4.0)
    row("4 threads: >= 0.8x samplepool's own 2-thread total", ratio(rt_rate("samplepool", 4), rt_rate("samplepool", 2)), 0.8)
    ho = {p: rate(next(iter(v.values()))) for p, v in table.get("handoff", {}).items()}
    row("handoff: >= 1.5x moodycamel_bcq", ratio(ho.get("samplepool"), ho.get("moodycamel_bcq")), 1.5)
    row("handoff: >= 1.0x rte_mempool_cache", ratio(ho.get("samplepool"), ho.get("rte_mempool_cache")), 1.0)
    wake = table.get("wake", {})
    if "samplepool" in wake and "futex_pingpong" in wake:
        ours = next(iter(wake["samplepool"].values())).get("p50_us")
        floor = next(iter(wake["futex_pingpong"].values())).get("p50_us")
        if ours and floor:
            lines.append(f"| wake p50 within 1.5x the raw futex ping-pong | {ours / floor:.2f}x | {'yes' if ours <= 1.5 * floor else 'no'} |")
    dec = table.get("decommit", {})
    ours64 = next((b for v, b in dec.get("samplepool", {}).items() if v.split("/")[0] == "64"), None)
    cb64 = next((b for v, b in dec.get("cbase_allocator", {}).items() if v.split("/")[0] == "64"), None)
    if ours64:
        p99 = ours64.get("p99_us", 0)
        lines.append(f"| decommit, 64 waiters: p99 under 2 ms | {p99 / 1000:.2f} ms | {'yes' if p99 < 2000 else 'no'} |")
        if cb64:
            lines.append(f"| decommit, 64 waiters: no slower than cbase_allocator (p50) | {ours64.get('p50_us', 0):.0f} vs {cb64.get('p50_us', 0):.0f} us | {'yes' if ours64.get('p50_us', 0) <= cb64.get('p50_us', 0) * 1.05 else 'no'} |")
    lines.append("")
    return lines


def summary(table):
    """A machine-readable digest: per scenario, pool and variant, the rate or latencies."""
    out = {}
    for scenario, pools in table.items():
        for pool, variants in pools.items():
            for variant, b in variants.items():
                entry = {}
                if rate(b) is not None:
                    entry["items_per_second"] = rate(b)
                for k in ("p50_us", "p99_us"):
                    if k in b:
                        entry[k] = b[k]
                out.setdefault(scenario, {}).setdefault(pool, {})[variant or "default"] = entry
    return out


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


def chart_script(table, term):
    """The gnuplot script: the data inline (a datablock), the image on
    gnuplot's standard output. It names no file, so no file name can change
    what it does."""
    rows = sorted(roundtrip_rows(table), key=lambda r: -(rate(r[1].get(1, {})) or 0))
    data = []
    for pool, bt in rows:
        vals = [(rate(bt[t]) or 0) / 1e6 if t in bt else 0 for t in (1, 2, 4)]
        data.append(f'"{label(pool)}" {vals[0]:.3f} {vals[1]:.3f} {vals[2]:.3f}')
    newline = "\n"
    return f"""
set terminal {term} noenhanced
set title 'Round trip throughput, 64 x 4 KiB samples (higher is better)'
set ylabel 'million buffers per second (log scale)'
set logscale y
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics rotate by -35 scale 0 font ',9'
set key top right
set grid ytics
$data << EOD
{newline.join(data)}
EOD
plot $data using 2:xtic(1) title '1 thread', '' using 3 title '2 threads', '' using 4 title '4 threads'
"""


def chart(table, path):
    """Draws the round-trip chart into `path` (.png or .svg). gnuplot writes
    the image to its standard output: a temporary file beside `path`, renamed
    over it once gnuplot succeeded. A failed run leaves nothing behind and
    writes nothing to our standard output."""
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        print("bench_report: gnuplot not found (apt-get install gnuplot-nox); no chart", file=sys.stderr)
        return False
    directory = os.path.dirname(os.path.abspath(path))
    svg = path.endswith(".svg")
    term = "svg size 1000,520" if svg else "pngcairo size 1000,520" if subprocess.run(
        [gnuplot, "-e", "set terminal pngcairo"], capture_output=True).returncode == 0 else "png size 1000,520"
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
        table = parse(load(args.inputs))
    except OSError as e:
        raise ReportError(f"cannot read {e.filename!r}: {e.strerror}", 2)
    except (ValueError, KeyError) as e:
        raise ReportError(f"not Google Benchmark JSON: {e}")
    if not table:
        raise ReportError("no benchmark results in " + ", ".join(args.inputs))
    md = markdown(table)
    if args.json:
        digest = json.dumps(summary(table), indent=2)
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
