#!/usr/bin/env python3
"""The samplepool tool from the outside: each case runs the binary and checks
its exit status, stdout and stderr.

    tool_test.py TOOL GROUP

GROUP is one of:
  usage    a table of bad values for every option of every subcommand:
           exit 2, a message naming the option, nothing on stdout, no crash
  runs     short runs: reports, JSON, drop warnings, wall-time bounds,
           what memory was used, failures reported in JSON
  signals  SIGINT/SIGTERM during capture and soak: the report so far,
           marked interrupted, exit 130, never glued to the progress line
  output   a report that cannot be written (full disk, closed pipe) is a
           failure, never a silent success
  processes  `capture --consumer-processes`: consumers in processes of
           their own, the soak that kills them (every sample must come
           back), an interrupt, and a producer that dies
  bench    `samplepool bench`: bad filters and plot paths, an interrupt,
           a plot whose name is hostile (needs samplepool_bench)

Every case is deterministic (it waits for the tool's own progress output
before signalling, never for a guessed time) and takes well under a few
seconds. Exit status 0 when every case passed.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TOOL = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "samplepool"
failures = []

# ---------------------------------------------------------------------------
# Helpers.


def run(args, timeout=30, **kw):
    """Runs the tool; returns (status, stdout, stderr, seconds)."""
    start = time.monotonic()
    try:
        p = subprocess.run([TOOL] + args, capture_output=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired:
        return None, "", f"still running after {timeout} s", time.monotonic() - start
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace"), time.monotonic() - start


def check(name, condition, detail=""):
    if not condition:
        failures.append(f"{name}: {detail}")
        print(f"FAIL {name}: {detail}")


def no_crash(name, err):
    for bad in ("terminate called", "Traceback", "Aborted", "what():", "Segmentation"):
        check(name, bad not in err, f"crash marker {bad!r} in stderr: {err[-400:]}")


def start_and_wait_for(args, marker, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=None):
    """Starts the tool, reads its stderr (or the merged output) until `marker`
    appears; returns the process and what was read."""
    p = subprocess.Popen([TOOL] + args, stdout=stdout, stderr=stderr, env=env)
    stream = p.stderr if stderr == subprocess.PIPE else p.stdout
    seen = b""
    deadline = time.monotonic() + 20
    while marker.encode() not in seen and time.monotonic() < deadline:
        chunk = os.read(stream.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    return p, seen


def interrupt(p, sig, seen, timeout=10):
    """Sends `sig`, waits; returns (status, stdout, stderr) with what was
    read before prepended to the stream it came from."""
    start = time.monotonic()
    p.send_signal(sig)
    out, err = p.communicate(timeout=timeout)
    took = time.monotonic() - start
    return p.returncode, (out or b"").decode(errors="replace"), seen.decode(errors="replace") + (err or b"").decode(
        errors="replace"), took


# ---------------------------------------------------------------------------
# usage: (arguments, text the message must contain).

USAGE = [
    # capture
    ("capture --fps nan", "--fps: not a finite number: nan"),
    ("capture --fps inf", "not a finite number"),
    ("capture --fps abc", "--fps: not a number: abc"),
    ("capture --fps 0", "must be from 1 to 100000: 0"),
    ("capture --fps 1e6", "must be from 1 to 100000"),
    ("capture --fps -3", "must be from 1 to 100000"),
    ("capture --fps 10fps", "not a number"),
    ("capture --frame-bytes 0", "--frame-bytes: must be an integer from 1 to 4294967296"),
    ("capture --frame-bytes 2.5", "must be an integer: 2.5"),
    ("capture --frame-bytes abc", "not a number"),
    ("capture --frame-bytes 4294967297", "must be an integer from 1 to 4294967296"),
    ("capture --frame-bytes -1", "must be an integer"),
    ("capture --buffers 0", "--buffers: must be an integer from 1 to 65536"),
    ("capture --buffers 65537", "from 1 to 65536"),
    ("capture --buffers 1.5", "must be an integer: 1.5"),
    ("capture --max-buffers -1", "--max-buffers: must be an integer from 0 to 65536"),
    ("capture --max-buffers 65537", "from 0 to 65536"),
    ("capture --buffers 8 --max-buffers 4", "--max-buffers: must be 0 (no growth) or at least --buffers (8): 4"),
    ("capture --hoard -1", "--hoard: must be an integer from 0 to 65536"),
    ("capture --hoard x", "not a number"),
    ("capture --consumers 0", "--consumers: must be an integer from 1 to 256"),
    ("capture --consumers 257", "from 1 to 256"),
    ("capture --consumers x", "not a number"),
    ("capture --process-us -1", "--process-us: must be from 0 to 1e+09"),
    ("capture --process-us nan", "not a finite number"),
    ("capture --process-us 1e10", "must be from 0 to 1e+09"),
    ("capture --jitter-us -1", "--jitter-us: must be from 0"),
    ("capture --jitter-us inf", "not a finite number"),
    ("capture --distribution gauss", "--distribution"),
    ("capture --duration nan", "--duration: not a finite number: nan"),
    ("capture --duration inf", "not a finite number"),
    ("capture --duration 0", "must be from 0.01 s"),
    ("capture --duration -1", "must be from 0.01 s"),
    ("capture --duration 10x", "not a duration"),
    ("capture --duration 1e8", "must be from 0.01 s to 1e+07 s"),
    ("capture --stop-every 1e-12", "--stop-every: must be 0 (never) or at least 0.01 s"),
    ("capture --stop-every nan", "not a finite number"),
    ("capture --stop-every -1", "must be from 0 s"),
    ("capture --stop-every 1x", "not a duration"),
    ("capture --stop-ms -1", "--stop-ms: must be from 0 to 10000"),
    ("capture --stop-ms 1e5", "must be from 0 to 10000"),
    ("capture --stop-ms nan", "not a finite number"),
    ("capture --fail-on-drop nan", "--fail-on-drop: not a finite number: nan"),
    ("capture --fail-on-drop -1", "must be from 0 to 100"),
    ("capture --fail-on-drop 101", "must be from 0 to 100"),
    ("capture --seed -1", "--seed: must be an integer from 0 to 18446744073709551615: -1"),
    ("capture --seed 1.5", "must be an integer: 1.5"),
    ("capture --seed abc", "not a number"),
    ("capture --seed 18446744073709551616", "must be an integer from 0"),
    ("capture --backend foo", "--backend"),
    ("capture --huge-pages foo", "--huge-pages"),
    ("capture --huge-pages thp", "--huge-pages: applies to the mmap and memfd backends only"),
    ("capture --backend jemalloc --huge-pages hugetlb", "applies to the mmap and memfd backends only"),
    ("capture --lock", "--lock: applies to the mmap and memfd backends only"),
    ("capture --backend jemalloc --lock", "--lock: applies to the mmap and memfd backends only"),
    ("capture --progress foo", "--progress"),
    ("capture --bogus", "bogus"),
    ("capture --fifo=maybe", "--fifo"),
    ("capture --no-cache=maybe", "--no-cache"),
    ("capture --json=maybe", "--json"),
    ("capture --consumer-processes 31", "--consumer-processes: must be an integer from 0 to 30: 31"),
    ("capture --consumer-processes x", "not a number"),
    ("capture --kill-consumers 1s", "--kill-consumers: needs --consumer-processes"),
    ("capture --consumer-processes 2 --kill-consumers 0", "--kill-consumers: must be from 0.001 s"),
    ("capture --consumer-processes 2 --kill-consumers 1x", "not a duration"),
] + [(f"capture --consumer-processes 2 {option}", f"{option.split()[0]}: has no meaning with --consumer-processes")
     for option in ("--max-buffers 16", "--consumers 2", "--hoard 1", "--stop-every 1", "--stop-ms 5",
                    "--fail-on-drop 5", "--backend mmap", "--lock", "--fifo", "--no-cache")] + [
    # bench
    ("bench --filter (", "--filter: not a valid regular expression"),
    ("bench --filter [a", "not a valid regular expression"),
    ("bench --repetitions 0", "--repetitions: must be an integer from 1 to 100"),
    ("bench --repetitions 101", "from 1 to 100"),
    ("bench --repetitions 1.5", "must be an integer"),
    ("bench --min-time 0", "--min-time: must be from 0.001 to 60"),
    ("bench --min-time nan", "not a finite number"),
    ("bench --min-time -1", "must be from 0.001"),
    ("bench --plot /nonexistent/x.png", "--plot: no such directory: /nonexistent"),
    ("bench --plot chart.txt", "--plot: the chart must be a .png or .svg file"),
    ("bench --full=maybe", "--full"),
    ("bench --max-threads 0", "--max-threads: must be an integer from 1 to 1024"),
    ("bench --max-threads 1025", "from 1 to 1024"),
    ("bench --max-threads two", "--max-threads: not a number: two"),
    ("bench --bogus", "bogus"),
    # soak
    ("soak --duration inf", "--duration: not a finite number: inf"),
    ("soak --duration nan", "not a finite number"),
    ("soak --duration 0", "must be from 0.1 s"),
    ("soak --duration -5", "must be from 0.1 s"),
    ("soak --duration 10x", "not a duration"),
    ("soak --scenario-seconds 0", "--scenario-seconds: must be from 0.05 s"),
    ("soak --scenario-seconds nan", "not a finite number"),
    ("soak --scenario-seconds 1e9", "must be from 0.05 s to 3600 s"),
    ("soak --threads 0", "--threads: must be an integer from 1 to 256"),
    ("soak --threads 257", "from 1 to 256"),
    ("soak --threads 2.5", "must be an integer: 2.5"),
    ("soak --seed -1", "--seed: must be an integer from 0"),
    ("soak --seed x", "not a number"),
    ("soak --progress foo", "--progress"),
    ("soak --bogus", "bogus"),
    # the command itself
    ("", "subcommand"),
    ("frobnicate", "subcommand"),
]


def group_usage():
    for args, message in USAGE:
        name = f"usage[{args}]"
        status, out, err, took = run(args.split(" ") if args else [], timeout=5)
        check(name, status == 2, f"exit {status}, stderr {err!r}")
        check(name, out == "", f"stdout {out!r}")
        check(name, message in err, f"stderr {err!r} lacks {message!r}")
        check(name, "e+308" not in err and "179769" not in err, f"unreadable bound in {err!r}")
        check(name, took < 5, f"took {took:.1f} s")
        no_crash(name, err)
    # --help shows the real defaults, readably.
    status, out, err, _ = run(["capture", "--help"])
    check("help[capture]", status == 0, f"exit {status}")
    for text in ("--duration DURATION=5s", "--fps NUMBER=240", "--stop-every DURATION=2s", "--buffers INT=8",
                 "--frame-bytes INT=4147200"):
        check("help[capture]", text in out, f"{text!r} not in help")
    status, out, err, _ = run(["soak", "--help"])
    check("help[soak]", status == 0 and "--duration DURATION=60s" in out and "--threads INT=6" in out, out)
    status, out, err, _ = run(["bench", "--help"])
    check("help[bench]", status == 0 and "--repetitions INT=21" in out and "poll_empty" in out, out)


# ---------------------------------------------------------------------------
# runs


def capture_json(args, expect_status=0, timeout=30, env=None):
    status, out, err, took = run(["capture", "--json", "--progress", "none"] + args, timeout=timeout, env=env)
    check(f"capture_json{args}", status == expect_status, f"exit {status}, stderr {err[-500:]!r}")
    no_crash(f"capture_json{args}", err)
    try:
        return json.loads(out), err, took
    except ValueError:
        check(f"capture_json{args}", False, f"stdout is not JSON: {out[:300]!r}")
        return {}, err, took


def group_runs():
    # The text report: what was measured, with sample counts.
    status, out, err, _ = run(["capture", "--duration", "0.5", "--frame-bytes", "65536", "--progress", "none"])
    check("text", status == 0, f"exit {status}: {err}")
    for text in ("memory:  backend heap, huge pages ", "acquire latency, cold (us; ", "acquire latency, warm (us; ",
                 "dropped frames waited (us; ", "cold core", "p99.9 -"):
        check("text", text in out, f"{text!r} not in {out!r}")
    # The note names the first percentile the run had too few samples for. A
    # loaded host loses frames, so which one depends on how many were captured.
    cold = re.search(r"acquire latency, cold \(us; (\d+) samples\):[^\n]*", out)
    check("text", cold is not None, out)
    if cold:
        note = "(p99.9 needs 1000 samples)" if int(cold.group(1)) >= 100 else "(p99 needs 100 samples)"
        check("text", cold.group(0).endswith(note), f"{note!r} does not end {cold.group(0)!r}")
    check("text", out.rstrip().endswith("ok"), out)

    # JSON: percentiles with counts; p99.9 null below 1000 samples.
    d, _, _ = capture_json(["--duration", "0.5", "--frame-bytes", "4096", "--stop-every", "0"])
    lat = d.get("acquire_latency_us", {})
    cold = lat.get("cold", {})
    check("json.latency", 0 < cold.get("samples", 0) < 1000 and cold.get("p99_9", 0) is None, cold)
    check("json.latency", lat.get("warm", {}).get("samples", 0) > 0 and "dropped_waited" in lat, lat)
    check("json.memory", d.get("memory", {}).get("backend") == "heap" and d["memory"].get("locked") is False,
          d.get("memory"))
    check("json.ok", d.get("ok") is True and d.get("interrupted") is False, d.get("problems"))

    # --duration bounds wall time; late consumers are cut short; drops warn
    # and name --fail-on-drop.
    d, _, took = capture_json(["--process-us", "8000000", "--duration", "1", "--frame-bytes", "4096"])
    check("wall", took < 2.5, f"--duration 1 took {took:.1f} s")
    check("drops.warn", any("--fail-on-drop" in w for w in d.get("warnings", [])), d.get("warnings"))
    check("drops.warn", d.get("lost_percent", 0) > 50 and d.get("ok") is True, d.get("lost_percent"))
    check("drops.separate", d.get("acquire_latency_us", {}).get("dropped_waited", {}).get("samples", 0) > 0, d)
    check("cut_short", d.get("frames", {}).get("cut_short", 0) > 0, d.get("frames"))
    d, _, _ = capture_json(["--process-us", "8000000", "--duration", "0.3", "--frame-bytes", "4096",
                            "--fail-on-drop", "10"], expect_status=1)
    check("drops.fail", any("--fail-on-drop" in p for p in d.get("problems", [])), d.get("problems"))

    # A hoarding consumer: a fixed pool starves and the report names who
    # holds the buffers; with --max-buffers the pool grows and nothing drops.
    hoard = ["--fps", "120", "--buffers", "8", "--hoard", "8", "--process-us", "2000", "--duration", "0.5",
             "--stop-every", "0", "--frame-bytes", "4096"]
    d, _, _ = capture_json(hoard)
    held = d.get("holders", {}).get("at_starvation") or {}
    top = (held.get("holders") or [{}])[0]
    check("hoard.fixed", d.get("frames", {}).get("dropped", 0) > 0 and d["holders"]["starvation_reports"] > 0, d.get("frames"))
    check("hoard.names", top.get("name") == "consumer-1" and top.get("samples") == 8 and held.get("count") == 8, held)
    check("hoard.text", "consumer-1 held 8 of 8 samples, oldest " in held.get("text", ""), held)
    d, _, _ = capture_json(hoard + ["--max-buffers", "12"])
    g = d.get("growth", {})
    check("hoard.grows", d.get("frames", {}).get("dropped", 1) == 0 and g.get("growths", 0) >= 1 and
          8 < g.get("count", 0) <= 12 and g.get("max") == 12, (d.get("frames"), g))
    check("hoard.grows", d.get("config", {}).get("max_buffers") == 12 and d.get("pool", {}).get("max_count") == 12,
          d.get("config"))
    status, out, _, _ = run(["capture", "--progress", "none"] + hoard)
    check("hoard.text", "holders: when the capture first waited half a frame period: consumer-1 held 8 of 8" in out, out)

    # The capture thread falls behind (a fill longer than a frame period):
    # late frames are not counted as captured, and the report says so.
    d, _, took = capture_json(["--fps", "100000", "--frame-bytes", "16777216", "--buffers", "2", "--duration", "0.5",
                               "--process-us", "0", "--jitter-us", "0", "--stop-every", "0"])
    f = d.get("frames", {})
    check("late", f.get("late", 0) > 0 and f.get("captured", 0) < f.get("expected", 0) / 2, f)
    check("late", any("fell behind" in w for w in d.get("warnings", [])), d.get("warnings"))
    check("late.wall", took < 4, f"took {took:.1f} s")

    # A long run's statistics do not grow with duration x rate: start one
    # that would have reserved 1e12 latencies, stop it at once.
    p, seen = start_and_wait_for(["capture", "--fps", "100000", "--duration", "1e7", "--frame-bytes", "64",
                                  "--progress", "lines", "--json"], "capture:")
    status, out, err, _ = interrupt(p, signal.SIGINT, seen)
    check("bounded", status == 130 and '"interrupted": true' in out, f"exit {status}: {err[-300:]}")

    # The report names what was used; the mmap backend's lock is real.
    d, err, _ = capture_json(["--duration", "0.2", "--frame-bytes", "65536", "--backend", "mmap", "--huge-pages", "thp",
                              "--lock"])
    with open(TOOL, "rb") as binary:
        image = binary.read()  # the sanitizers' runtimes make mlock a no-op
        asan_mlock = b"__asan_init" in image or b"__tsan_init" in image
    m = d.get("memory", {})
    check("memory.mmap", m.get("backend") == "mmap" and m.get("huge_pages") in ("thp", "none")
          and m.get("huge_pages_requested") == "thp" and m.get("lock_requested") is True, m)
    if (os.geteuid() == 0 or m.get("locked")) and not asan_mlock:
        check("memory.locked", m.get("locked") is True, m)

    # Failures with --json: {"ok": false, "error": ...} on stdout too.
    env = dict(os.environ)  # a sanitizer's allocator must fail the allocation, not abort
    for var in ("ASAN_OPTIONS", "TSAN_OPTIONS"):
        env[var] = (env.get(var, "") + ":allocator_may_return_null=1").lstrip(":")
    d, err, _ = capture_json(["--frame-bytes", "4294967296", "--buffers", "65536"], expect_status=1, env=env)
    check("json.fail", d.get("ok") is False and "out_of_memory" in d.get("error", ""), d)
    check("json.fail", "out_of_memory" in err, err)

    # mlock refused for RLIMIT_MEMLOCK: the limit and the bytes needed.
    setpriv, prlimit = shutil.which("setpriv"), shutil.which("prlimit")
    if setpriv and prlimit and not asan_mlock:
        p = subprocess.run([prlimit, "--memlock=65536", setpriv, "--inh-caps=-ipc_lock", "--bounding-set=-ipc_lock",
                            TOOL, "capture", "--backend", "mmap", "--lock", "--duration", "0.2", "--json",
                            "--progress", "none"], capture_output=True, timeout=30)
        out, err = p.stdout.decode(), p.stderr.decode()
        if "setpriv" not in err:  # dropping the capability is allowed here
            check("mlock", p.returncode == 1, f"exit {p.returncode}: {err}")
            check("mlock", "RLIMIT_MEMLOCK is 0.1 MiB" in err and "33177600 bytes" in err, err)
            check("mlock", '"ok": false' in out and "RLIMIT_MEMLOCK" in out, out)

    # capture and soak take the same duration syntax.
    status, out, err, _ = run(["capture", "--duration", "300ms", "--frame-bytes", "4096", "--progress", "none"])
    check("duration.ms", status == 0 and "0.3 s" in out, f"exit {status}: {out}")
    status, out, err, took = run(["soak", "--duration", "100ms", "--scenario-seconds", "50ms", "--threads", "2",
                                  "--progress", "none", "--json"])
    check("soak.ms", status == 0 and json.loads(out or "{}").get("ok") is True, f"exit {status}: {err}")


# ---------------------------------------------------------------------------
# signals


def report_not_glued(name, merged, header):
    """The report's first line starts a line of its own, after the live
    progress line(s)."""
    m = re.search(header, merged)
    check(name, m is not None, f"no report header {header!r} in {merged[-600:]!r}")
    if m:
        check(name, m.start() > 0 and merged[m.start() - 1] == "\n", f"report glued: {merged[max(0, m.start() - 80):m.start() + 40]!r}")


def group_signals():
    # The README's first command on a terminal (progress live): the report
    # begins on a line of its own.
    p = subprocess.run([TOOL, "capture", "--duration", "0.5", "--frame-bytes", "65536", "--progress", "live"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    merged = p.stdout.decode(errors="replace")
    check("glued.capture", p.returncode == 0, merged[-300:])
    report_not_glued("glued.capture", merged, r"capture: \d+ fps")
    p = subprocess.run([TOOL, "soak", "--duration", "0.3", "--scenario-seconds", "0.05", "--threads", "2",
                        "--progress", "live"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    merged = p.stdout.decode(errors="replace")
    check("glued.soak", p.returncode == 0, merged[-300:])
    report_not_glued("glued.soak", merged, r"soak: [\d.]+ s, \d+ threads")

    # SIGINT during capture: the report so far, marked, exit 130, promptly.
    for sig in (signal.SIGINT, signal.SIGTERM):
        p, seen = start_and_wait_for(["capture", "--duration", "30", "--frame-bytes", "65536", "--progress", "live"],
                                     "captured", stderr=subprocess.STDOUT)
        status, merged, _, took = interrupt(p, sig, b"")
        merged = seen.decode(errors="replace") + merged
        name = f"signal.capture.{sig.name}"
        check(name, status == 130, f"exit {status}: {merged[-300:]}")
        check(name, took < 2, f"took {took:.1f} s to stop")
        check(name, "(interrupted)" in merged and merged.rstrip().endswith("interrupted"), merged[-300:])
        report_not_glued(name, merged, r"capture: \d+ fps")
    p, seen = start_and_wait_for(["capture", "--duration", "30", "--frame-bytes", "65536", "--json",
                                  "--progress", "lines"], "captured")
    status, out, err, _ = interrupt(p, signal.SIGTERM, seen)
    d = json.loads(out or "{}")
    check("signal.capture.json", status == 130 and d.get("interrupted") is True and d.get("ok") is False
          and d.get("frames", {}).get("captured", 0) > 0, f"exit {status}: {out[:300]}")
    check("signal.capture.json", d.get("pool", {}).get("outstanding") == 0, d.get("pool"))

    # soak: live counts while the first scenario runs (not only between
    # scenarios), then SIGINT: the report so far, exit 130.
    p, seen = start_and_wait_for(["soak", "--duration", "60", "--scenario-seconds", "3", "--threads", "2",
                                  "--progress", "lines", "--json"], "mixed")
    status, out, err, took = interrupt(p, signal.SIGINT, seen)
    first = err.splitlines()[0] if err else ""
    m = re.search(r"mixed\s+ops (\d+)", first)
    check("soak.live", m is not None and int(m.group(1)) > 0, f"first progress line {first!r}")
    d = json.loads(out or "{}")
    check("signal.soak", status == 130 and d.get("interrupted") is True and d.get("leaked_bytes") == 0
          and d.get("violations") == [], f"exit {status}: {out[:300]} {err[-300:]}")
    check("signal.soak", took < 3, f"took {took:.1f} s to stop")
    p, seen = start_and_wait_for(["soak", "--duration", "60", "--scenario-seconds", "3", "--threads", "2",
                                  "--progress", "live"], "mixed", stderr=subprocess.STDOUT)
    status, merged, _, _ = interrupt(p, signal.SIGTERM, b"")
    merged = seen.decode(errors="replace") + merged
    check("signal.soak.text", status == 130 and "interrupted" in merged, merged[-300:])
    report_not_glued("signal.soak.text", merged, r"soak: [\d.]+ s, \d+ threads")


# ---------------------------------------------------------------------------
# output


def group_output():
    short = ["capture", "--duration", "0.2", "--frame-bytes", "4096", "--progress", "none"]
    for extra in ([], ["--json"]):
        with open("/dev/full", "w") as full:
            p = subprocess.run([TOOL] + short + extra, stdout=full, stderr=subprocess.PIPE, timeout=30)
        err = p.stderr.decode()
        check(f"dev_full{extra}", p.returncode == 1 and "No space left on device" in err, f"exit {p.returncode}: {err}")
    with open("/dev/full", "w") as full:
        p = subprocess.run([TOOL, "--help"], stdout=full, stderr=subprocess.PIPE, timeout=30)
    check("dev_full.help", p.returncode == 1, f"exit {p.returncode}")

    # A closed pipe: with SIGPIPE ignored (as many parents leave it) the
    # write fails with EPIPE: exit 1 with a message; with SIGPIPE at its
    # default the signal ends the tool. Never status 0.
    for ignore in (True, False):
        r, w = os.pipe()
        os.close(r)
        pre = (lambda: signal.signal(signal.SIGPIPE, signal.SIG_IGN)) if ignore else None
        p = subprocess.run([TOOL] + short, stdout=w, stderr=subprocess.PIPE, timeout=30, preexec_fn=pre)
        os.close(w)
        err = p.stderr.decode()
        if ignore:
            check("closed_pipe.ignored", p.returncode == 1 and "Broken pipe" in err, f"exit {p.returncode}: {err}")
        else:
            check("closed_pipe.default", p.returncode == -signal.SIGPIPE, f"exit {p.returncode}: {err}")


# ---------------------------------------------------------------------------
# processes


def children(pid):
    """The pids of a process's children (its consumer processes)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def gone(pids, timeout):
    """True once none of `pids` runs any more (a zombie counts as gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                        alive.append(pid)
            except OSError:
                pass
        if not alive:
            return True
        time.sleep(0.05)
    return False


def group_processes():
    # Two consumer processes: each receives every frame, and every sample
    # comes back.
    status, out, err, took = run(["capture", "--consumer-processes", "2", "--duration", "0.5", "--fps", "200",
                                  "--frame-bytes", "4096", "--progress", "none"])
    check("processes.text", status == 0, f"exit {status}: {err[-500:]}")
    m = re.search(r"received (\d+), (\d+) \(", out)
    check("processes.text", m is not None and int(m.group(1)) > 0 and int(m.group(2)) > 0, out)
    check("processes.text", "\nlost: 0 (every sample came back)\n" in out and out.rstrip().endswith("ok"), out)
    check("processes.text", "content errors 0" in out and "free 8 of 8, held 0, queued 0" in out, out)
    check("processes.wall", took < 3, f"took {took:.1f} s")
    no_crash("processes.text", err)

    # The soak: consumers killed with SIGKILL at random (seeded) and
    # replaced; each kill reaped, every sample back, no wrong content.
    d, err, took = capture_json(["--consumer-processes", "3", "--duration", "2", "--fps", "400", "--frame-bytes",
                                 "4096", "--kill-consumers", "0.1s", "--seed", "7"])
    p = d.get("processes", {})
    check("processes.kill", d.get("ok") is True and d.get("problems") == [], d)
    check("processes.kill", p.get("kills", 0) >= 3 and p.get("reaped") == p.get("kills"), p)
    check("processes.kill", p.get("lost") == 0 and p.get("free") == p.get("count") == 8 and p.get("held") == 0
          and p.get("queued") == 0 and p.get("broken") is False, p)
    check("processes.kill", p.get("content_errors") == 0 and p.get("consumer_errors") == [], p)
    check("processes.kill", p.get("published", 0) > 0 and len(p.get("received_per_consumer", [])) == 3
          and p.get("received") == sum(p.get("received_per_consumer", [])), p)
    check("processes.kill.wall", took < 5, f"took {took:.1f} s")

    # SIGINT: the consumers stop in order, the report so far says every
    # sample came back, exit 130, no consumer left running.
    pr, seen = start_and_wait_for(["capture", "--consumer-processes", "2", "--duration", "30", "--frame-bytes", "4096",
                                   "--kill-consumers", "0.2s", "--json", "--progress", "lines"], "published")
    consumers = children(pr.pid)
    status, out, err, took = interrupt(pr, signal.SIGINT, seen)
    d = json.loads(out or "{}")
    p = d.get("processes", {})
    check("processes.signal", status == 130 and d.get("interrupted") is True and d.get("ok") is False
          and d.get("problems") == [], f"exit {status}: {out[:400]} {err[-300:]}")
    check("processes.signal", p.get("lost") == 0 and p.get("reaped") == p.get("kills"), p)
    check("processes.signal", took < 3, f"took {took:.1f} s to stop")
    check("processes.signal", len(consumers) == 2 and gone(consumers, 1), f"consumers {consumers} still run")

    # A consumer that dies on its own (not killed by the soak) is a failure,
    # named; its samples still come back.
    pr, seen = start_and_wait_for(["capture", "--consumer-processes", "2", "--duration", "1", "--frame-bytes", "4096",
                                   "--progress", "lines"], "published")
    consumers = children(pr.pid)
    if consumers:
        os.kill(consumers[0], signal.SIGKILL)
    out, err = pr.communicate(timeout=20)
    out = out.decode(errors="replace")
    check("processes.consumer_died", pr.returncode == 1 and out.rstrip().endswith("FAILED"), f"exit {pr.returncode}: {out}")
    check("processes.consumer_died", "sent no report" in out and "was killed by signal 9" in out, out)
    check("processes.consumer_died", "\nlost: 0 (every sample came back)\n" in out, out)

    # The producer killed: its consumers see the pool closed and exit.
    pr, seen = start_and_wait_for(["capture", "--consumer-processes", "2", "--duration", "30", "--frame-bytes", "4096",
                                   "--progress", "lines"], "published")
    consumers = children(pr.pid)
    pr.kill()
    pr.communicate(timeout=10)
    check("processes.orphans", len(consumers) == 2 and gone(consumers, 3), f"consumers {consumers} outlive the producer")


# ---------------------------------------------------------------------------
# bench


def group_bench():
    tmp = tempfile.mkdtemp(prefix="tool-test-")
    env = dict(os.environ, TMPDIR=tmp)
    quick = ["--repetitions", "1", "--min-time", "0.01"]

    def leftovers():
        return [n for n in os.listdir(tmp) if n.startswith("samplepool-bench-")]

    status, out, err, _ = run(["bench", "--filter", "nomatch"] + quick, env=env)
    check("bench.nomatch", status == 2 and "--filter matches no benchmark: nomatch" in err and out == "",
          f"exit {status}: {err}")
    no_crash("bench.nomatch", err)
    check("bench.nomatch", leftovers() == [], leftovers())

    # --list: what the quick form runs, nothing run. It holds every goal's
    # pools and the floor experiments of the report's Floors table.
    status, out, err, _ = run(["bench", "--list"], env=env, timeout=60)
    listed = set(out.split())
    check("bench.list", status == 0 and "running" not in err, f"exit {status}: {err[-300:]}")
    for name in ("roundtrip/samplepool/64/4096/real_time/threads:2", "roundtrip/samplepool_dshow/64/4096/real_time/threads:1",
                 "roundtrip/magazine_floor_parts/64/4096/real_time/threads:1",
                 "roundtrip/magazine_floor_parts/64/4096/real_time/threads:2",
                 "handoff/magazine_floor/64/4096/real_time", "handoff/magazine_floor_parts/64/4096/real_time",
                 "bulk/samplepool/64/4096/32", "poll_empty/counted_failed_pop"):
        check("bench.list", name in listed, f"{name} not in: {sorted(listed)[:40]}")
    check("bench.list", not any(n.startswith(("size_scaling/", "growth_step/")) for n in listed),
          "the quick form lists --full's scenarios")
    check("bench.list", leftovers() == [], leftovers())

    # Interrupted while the benchmarks run: says so, cleans up, exit 130.
    p, seen = start_and_wait_for(["bench", "--filter", "^roundtrip/", "--repetitions", "5"], "running",
                                 env=env)
    status, out, err, took = interrupt(p, signal.SIGINT, seen, timeout=20)
    check("bench.interrupted", status == 130 and "interrupted" in err and "failed" not in err,
          f"exit {status}: {err[-300:]}")
    check("bench.interrupted", leftovers() == [], leftovers())

    # --max-threads: the round trips run at 1, 2, 4, ... up to it, and only
    # those (the quick form's default is 1 and 2).
    def roundtrip_threads(extra):
        status, out, err, _ = run(["bench", "--filter", "^roundtrip/samplepool/", "--json"] + quick + extra,
                                  env=env, timeout=120)
        check("bench.max_threads", status == 0, f"exit {status}: {err[-400:]}")
        try:
            keys = json.loads(out)["scenarios"]["roundtrip"]["samplepool"].keys()
        except (ValueError, KeyError) as e:
            check("bench.max_threads", False, f"{e}: {out[-400:]}")
            return set()
        return {int(k.rsplit("threads:", 1)[1]) for k in keys}
    check("bench.max_threads", roundtrip_threads([]) == {1, 2}, "the default")
    got = roundtrip_threads(["--max-threads", "8"])
    check("bench.max_threads", got == {1, 2, 4, 8}, got)

    # A hostile chart name: drawn under exactly that name, nothing injected.
    if shutil.which("gnuplot"):
        hostile = os.path.join(tmp, "a'; system('touch INJECTED'); set output 'b\n\"q\" x.png")
        status, out, err, _ = run(["bench", "--filter", "^roundtrip/samplepool/.*threads:1$", "--plot", hostile]
                                  + quick, env=env, timeout=120)
        check("bench.plot", status == 0, f"exit {status}: {err[-400:]}")
        check("bench.plot", os.path.exists(hostile) and open(hostile, "rb").read(4) == b"\x89PNG", os.listdir(tmp))
        check("bench.plot", not os.path.exists("INJECTED") and not any("INJECTED" == n for n in os.listdir(tmp)),
              "the name ran a gnuplot command")
        check("bench.plot", "\x89PNG" not in out, "PNG bytes on stdout")
        check("bench.plot", leftovers() == [] and not any(n.startswith(".bench-chart-") for n in os.listdir(tmp)),
              os.listdir(tmp))
    shutil.rmtree(tmp, ignore_errors=True)


GROUPS = {"usage": group_usage, "runs": group_runs, "signals": group_signals, "output": group_output,
          "processes": group_processes, "bench": group_bench}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in GROUPS:
        sys.exit(__doc__)
    GROUPS[sys.argv[2]]()
    print(f"{sys.argv[2]}: {'all passed' if not failures else f'{len(failures)} failed'}")
    sys.exit(1 if failures else 0)
