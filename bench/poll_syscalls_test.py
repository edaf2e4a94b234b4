#!/usr/bin/env python3
"""System calls in failing polls of an empty pool (issue 13: "no system call").

    poll_syscalls_test.py POLL_SYSCALLS_PROGRAM [--strict]

Runs bench/poll_syscalls.cpp's program under `strace -f` and counts, for
every face it polls (native LIFO and FIFO, C, DirectShow), the system calls
between its markers:
  first    the first failing poll after the pool went empty
  steady   100,000 more failing polls of the still-empty pool
  refill   1,000 rounds of (give one back, take it again, failing poll)
Always enforced: no system call in the steady polls. With --strict (as
ctest runs it), none in the first poll and the refill rounds either: a
poll sweeps the thread caches (a membarrier) only when a cache other than
the polling thread's own may hold a sample (control_block.hpp's hint). Exit 77 (skipped) when strace is
not installed or cannot trace here (no ptrace permission). Counts calls,
never times them.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

FACES = ("samplepool", "samplepool_fifo", "samplepool_c", "samplepool_dshow")
MARKS = ("BEGIN", "STEADY", "REFILL", "END")
WINDOWS = (("first", "BEGIN", "STEADY", "1 failing poll"), ("steady", "STEADY", "REFILL", "100000 failing polls"),
           ("refill", "REFILL", "END", "1000 rounds of give back, take back, failing poll"))


def main():
    program = os.path.abspath(sys.argv[1])
    strict = "--strict" in sys.argv[2:]
    strace = shutil.which("strace")
    if strace is None:
        print("strace not installed: skipped (apt-get install strace)")
        sys.exit(77)
    with tempfile.TemporaryDirectory(prefix="poll-syscalls-") as tmp:
        trace = os.path.join(tmp, "trace.txt")
        p = subprocess.run([strace, "-f", "-qq", "-s", "64", "-o", trace, program], capture_output=True,
                           timeout=120)
        if not os.path.exists(trace) or os.path.getsize(trace) == 0:
            print("strace cannot trace here: skipped\n" + p.stderr.decode(errors="replace"))
            sys.exit(77)
        with open(trace) as f:
            lines = [line.rstrip("\n") for line in f]
    failures = []
    if p.returncode != 0:
        failures.append(f"the program exited {p.returncode}: {p.stderr.decode(errors='replace').strip()}")
    for face in FACES:
        at = {}
        for mark in MARKS:
            at[mark] = next((i for i, l in enumerate(lines) if re.search(rf'write\(-1, "{mark} {face}"', l)), None)
        if any(v is None for v in at.values()) or sorted(at.values()) != [at[m] for m in MARKS]:
            failures.append(f"{face}: markers not found in order in the trace")
            continue
        for window, start, end, what in WINDOWS:
            calls = lines[at[start] + 1:at[end]]
            names = Counter(re.sub(r"^\d+\s+", "", c).split("(")[0] for c in calls)
            summary = ", ".join(f"{n} {name}" for name, n in names.most_common()) or "none"
            enforced = window == "steady" or strict
            print(f"{face:17} {window:7} {len(calls):5} system calls in {what} ({summary})"
                  + ("" if enforced or not calls else "  [not enforced without --strict]"))
            if calls and enforced:
                failures.append(f"{face}: {len(calls)} system call(s) in {what}, e.g. " + "; ".join(calls[:2]))
    for f in failures:
        print("FAIL " + f)
    sys.exit(1 if failures else 0)


main()
