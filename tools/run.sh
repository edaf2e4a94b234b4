#!/usr/bin/env bash
# The main job: installs what is missing, builds a release build and runs a
# capture loop for a few seconds (arguments are passed on to it).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target capture_loop >/dev/null
exec build/release/examples/capture_loop "${@:-3}"
