#!/usr/bin/env python3
"""`samplepool decode --framemd5` against `ffmpeg -f framemd5`: the hash
column must match line by line, for clips the ffmpeg CLI generates in several
codecs, an odd size (642x362), and frame and slice threading; the pool's
statistics must show every frame came from a sample.

usage: decode_test.py SAMPLEPOOL_TOOL SCRATCH_DIR
"""
import json
import os
import subprocess
import sys

TOOL, SCRATCH = sys.argv[1], sys.argv[2]
os.makedirs(SCRATCH, exist_ok=True)
failures = []


def encoders():
    out = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    return {line.split()[1] for line in out.splitlines() if line.startswith(" V")}


def clip(name, codec_args, size="642x362", frames=40):
    path = os.path.join(SCRATCH, name)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size={size}:rate=25", "-frames:v", str(frames)] + codec_args + [path], check=True)
    return path


def hashes(lines):
    return [line.rsplit(",", 1)[1].strip() for line in lines.splitlines() if line and not line.startswith("#")]


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + str(detail)[:400]))
    if not ok:
        failures.append(name)


have = encoders()
clips = [("h264_bframes.mp4", ["-c:v", "libx264", "-bf", "3", "-pix_fmt", "yuv420p"], "libx264"),
         ("h264_422.mkv", ["-c:v", "libx264", "-pix_fmt", "yuv422p"], "libx264"),
         ("mpeg2.mpg", ["-c:v", "mpeg2video", "-bf", "2", "-q:v", "4"], "mpeg2video"),
         ("mpeg4.avi", ["-c:v", "mpeg4", "-bf", "1", "-q:v", "4"], "mpeg4"),
         ("vp9.webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-b:v", "1M"], "libvpx-vp9")]
for name, args, encoder in clips:
    if encoder not in have:
        print(f"skip {name}: this ffmpeg has no {encoder}")
        continue
    path = clip(name, args)
    want = hashes(subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", path, "-fps_mode",
                                  "passthrough", "-f", "framemd5", "-"], capture_output=True, text=True,
                                 check=True).stdout)
    for threads in ("1", "4"):
        p = subprocess.run([TOOL, "decode", path, "--framemd5", "--threads", threads], capture_output=True,
                           text=True, timeout=120)
        got = hashes(p.stdout)
        check(f"{name} threads {threads}: exit 0", p.returncode == 0, p.stderr)
        check(f"{name} threads {threads}: {len(want)} frames, hashes equal to ffmpeg's", got == want and len(want) == 40,
              f"{len(got)} vs {len(want)}; first difference at "
              f"{next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))}")
        p = subprocess.run([TOOL, "decode", path, "--threads", threads, "--json"], capture_output=True, text=True,
                           timeout=120)
        try:
            d = json.loads(p.stdout)
        except ValueError:
            d = {}
        pool = d.get("pool", {})
        check(f"{name} threads {threads}: every frame from a sample, none refused",
              d.get("ok") is True and d.get("frames") == 40 and pool.get("exhausted") == 0 and
              pool.get("fallbacks") == 0 and pool.get("frames", 0) >= 40 and pool.get("high_water", 0) >= 1, d)

# FFmpeg's own allocator, for the side-by-side rate, decodes the same frames.
path = os.path.join(SCRATCH, "mpeg4.avi")
if os.path.exists(path):
    p = subprocess.run([TOOL, "decode", path, "--default-allocator", "--json"], capture_output=True, text=True)
    d = json.loads(p.stdout or "{}")
    check("default allocator: same frame count, no pool", d.get("frames") == 40 and "pool" not in d, d)

# A caller that keeps more frames than the pool may hold: the decode fails at
# once with an error naming the limit (never a hang); with room to grow it
# decodes, growing the pool.
if os.path.exists(path):
    p = subprocess.run([TOOL, "decode", path, "--hold", "30", "--max-buffers", "8", "--json"], capture_output=True,
                       text=True, timeout=60)
    d = json.loads(p.stdout or "{}")
    check("exhausted: exit 1, refused frames counted, the limit named in the log",
          p.returncode == 1 and d.get("pool", {}).get("exhausted", 0) >= 1 and "every buffer is held" in p.stderr,
          (p.returncode, d, p.stderr[-300:]))
    p = subprocess.run([TOOL, "decode", path, "--hold", "30", "--max-buffers", "64", "--json"], capture_output=True,
                       text=True, timeout=60)
    d = json.loads(p.stdout or "{}")
    check("held frames: the pool grows and every frame decodes",
          p.returncode == 0 and d.get("frames") == 40 and d.get("pool", {}).get("growths", 0) >= 1 and
          d["pool"].get("high_water", 0) >= 30, d)

# Bad input: a clear error, exit 1 (not a crash); usage errors exit 2.
junk = os.path.join(SCRATCH, "junk.mp4")
with open(junk, "wb") as f:
    f.write(b"not a media file" * 100)
p = subprocess.run([TOOL, "decode", junk], capture_output=True, text=True)
check("junk file: exit 1 with the file named", p.returncode == 1 and "junk.mp4" in p.stderr, (p.returncode, p.stderr))
p = subprocess.run([TOOL, "decode", os.path.join(SCRATCH, "missing.mp4")], capture_output=True, text=True)
check("missing file: usage error", p.returncode == 2, (p.returncode, p.stderr))
p = subprocess.run([TOOL, "decode", junk, "--threads", "0"], capture_output=True, text=True)
check("--threads 0: usage error", p.returncode == 2 and "--threads" in p.stderr, (p.returncode, p.stderr))

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
