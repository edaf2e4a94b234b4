#!/usr/bin/env bash
# The main job: installs what is missing, builds a release build and runs
# `samplepool capture` with its defaults (1080p frames at 240 fps, a Stop/Run
# cycle every 2 s) for a few seconds. Arguments go to `samplepool capture`
# (default: --duration 5).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
cmake --preset release >/dev/null
# The tool (with `samplepool decode` when FFmpeg is there), the GStreamer
# plugin, so that gst-launch-1.0 samplepoolsrc works afterwards too, and the
# benchmark program, so that `samplepool bench` does (with the peers that are
# installed; tools/bootstrap.sh --bench adds the rest).
targets=(samplepool_tool)
# (The target list is read whole first: grep -q in a pipe would stop cmake
# early, which pipefail reports as a failure.)
all_targets=$(cmake --build --preset release --target help 2>/dev/null || true)
if grep -q gstsamplepool <<<"$all_targets"; then targets+=(gstsamplepool); fi
if grep -qw samplepool_bench <<<"$all_targets"; then targets+=(samplepool_bench); fi
cmake --build --preset release -j"$(nproc)" --target "${targets[@]}" >/dev/null
if [ $# -eq 0 ]; then set -- --duration 5; fi
exec build/release/tools/samplepool capture "$@"
