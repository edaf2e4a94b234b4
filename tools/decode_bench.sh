#!/usr/bin/env bash
# Decode rate with FFmpeg's own get_buffer2 and with samplepool's, side by
# side: the same clip decoded by `samplepool decode` and by
# `samplepool decode --default-allocator`, interleaved round by round, medians
# and spread (frames/s, min / median / max).
#   tools/decode_bench.sh [ROUNDS=7] [THREADS=1] [CLIP]
# Without CLIP it makes one: 1080p H.264 with B-frames, 10 s at 30 fps.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
threads=${2:-1}
clip=${3:-}
tool=${SAMPLEPOOL_TOOL:-build/release/tools/samplepool}
[ -x "$tool" ] || { echo "decode_bench: no $tool (build the release preset, or set SAMPLEPOOL_TOOL)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/samplepool-decode-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
if [ -z "$clip" ]; then
  clip=$work/clip.mp4
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1920x1080:rate=30 -t 10 \
    -c:v libx264 -bf 3 -pix_fmt yuv420p "$clip"
fi
for r in $(seq 1 "$rounds"); do
  "$tool" decode "$clip" --threads "$threads" --json >"$work/sp-$r.json"
  "$tool" decode "$clip" --threads "$threads" --default-allocator --json >"$work/ff-$r.json"
  echo "decode_bench: round $r of $rounds" >&2
done
python3 - "$work" "$rounds" "$threads" "$clip" <<'PY'
import json, statistics, sys
work, rounds, threads, clip = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def fps(kind):
    return sorted(json.load(open(f"{work}/{kind}-{r}.json"))["fps"] for r in range(1, rounds + 1))
sp, ff = fps("sp"), fps("ff")
print(f"| decode, {threads} thread(s), fps (min / median / max of {rounds}) | FFmpeg's get_buffer2 | samplepool's | ratio of medians |")
print("| --- | ---: | ---: | ---: |")
print(f"| {clip.split('/')[-1]} | {ff[0]:.0f} / {statistics.median(ff):.0f} / {ff[-1]:.0f} | "
      f"{sp[0]:.0f} / {statistics.median(sp):.0f} / {sp[-1]:.0f} | {statistics.median(sp) / statistics.median(ff):.2f}x |")
PY
