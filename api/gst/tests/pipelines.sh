#!/usr/bin/env bash
# samplepoolsrc in pipelines run by gst-launch-1.0, each under the leaks
# tracer (no GstBuffer, GstMemory or any other object left alive), with a
# time limit (a deadlock fails the test instead of hanging it):
#  - the basic chain: samplepoolsrc ! queue ! videoconvert ! fakesink, in
#    every format samplepoolsrc offers, at an odd size;
#  - a tee to two branches;
#  - a live source;
#  - downstream holding more buffers than the pool's minimum (a queue that
#    keeps 12 before it lets any through): with max-buffers the pool grows,
#    and the stats message says so.
#   pipelines.sh PLUGIN_DIR SCRATCH_DIR
set -euo pipefail
export GST_PLUGIN_PATH=$1
export GST_REGISTRY=$2/registry.bin
mkdir -p "$2"
rm -f "$GST_REGISTRY"  # fresh: GStreamer remembers a plugin that once failed to load
failures=0

run() {  # NAME PIPELINE...
  local name=$1
  shift
  local log=$2/../$name.log
  log="$GST_REGISTRY.$name.log"
  if ! GST_TRACERS=leaks GST_DEBUG=GST_TRACER:7 timeout 60 gst-launch-1.0 -m "$@" >"$log" 2>&1; then
    echo "FAIL $name: gst-launch failed"; tail -5 "$log"; failures=$((failures + 1)); return
  fi
  if grep -Eq "object-alive, type-name=\(string\)[A-Za-z]" "$log"; then
    echo "FAIL $name: leaked objects"; grep -E "object-alive, type-name=\(string\)[A-Za-z]" "$log" | head -5; failures=$((failures + 1)); return
  fi
  if ! grep -q "samplepool-stats" "$log"; then
    echo "FAIL $name: no samplepool-stats message at EOS"; failures=$((failures + 1)); return
  fi
  echo "ok   $name"
}

for fmt in I420 NV12 YUY2 BGRx; do
  run "basic-$fmt" samplepoolsrc num-buffers=40 ! "video/x-raw,format=$fmt,width=642,height=362" ! queue ! \
    videoconvert ! fakesink
done
run tee samplepoolsrc num-buffers=40 ! tee name=t t. ! queue ! fakesink t. ! queue ! videoconvert ! fakesink
run live samplepoolsrc is-live=true num-buffers=10 ! video/x-raw,framerate=100/1 ! queue ! fakesink
run hoarding-queue samplepoolsrc num-buffers=60 max-buffers=32 ! queue min-threshold-buffers=12 ! fakesink
log="$GST_REGISTRY.hoarding-queue.log"
if ! grep "samplepool-stats" "$log" | grep -Eq "count=\(uint\)(1[3-9]|[2-3][0-9])"; then
  echo "FAIL hoarding-queue: the pool did not grow past the queue's 12"; grep "samplepool-stats" "$log"
  failures=$((failures + 1))
fi
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
