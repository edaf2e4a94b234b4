#!/usr/bin/env python3
"""bench_report.py's chart under hostile output names, and its errors.

    bench_report_test.py BENCH_REPORT_PY

A chart name with quotes, a newline, spaces and a gnuplot command in it is
drawn under exactly that name and runs nothing; an unwritable path is a
usage error (exit 2) with a one-line message, no traceback, no image bytes
on stdout and no temporary file left. Exit 77 (skipped) without gnuplot.
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


def main():
    if shutil.which("gnuplot") is None:
        print("gnuplot not installed: skipped")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="bench-report-test-")
    runs = []
    for pool in ("samplepool", "moodycamel_bcq", "we\"ird'pool"):
        for t in (1, 2, 4):
            name = f"roundtrip/{pool}/real_time/threads:{t}"
            runs.append({"name": name, "run_name": name, "run_type": "aggregate", "aggregate_name": "median",
                         "items_per_second": 1e7 * t})
    with open(os.path.join(tmp, "r.json"), "w") as f:
        json.dump({"benchmarks": runs}, f)

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
    status, out, err = report(["missing.json"], tmp)
    check("missing input", status == 2 and "cannot read" in err and "Traceback" not in err, err)
    check("no leftovers", not any(n.startswith(".bench-chart-") for n in os.listdir(tmp)), os.listdir(tmp))
    shutil.rmtree(tmp, ignore_errors=True)
    print("bench_report: all passed" if not failures else f"bench_report: {len(failures)} failed")
    sys.exit(1 if failures else 0)


main()
