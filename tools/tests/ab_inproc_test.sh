#!/bin/sh
# tools/ab_inproc.sh: builds the revision given (twice) and the working tree
# into one program, runs a few short rounds and prints its table: one row
# per process and the pooled row, each with three ratios per column. Bad
# arguments answer 2 with the usage. Never asserts on a time.
#   tools/tests/ab_inproc_test.sh SOURCE_DIR
set -u
src=$1
fail=0
# The hand-off whose consumer releases through the count, as the C and
# DirectShow faces do: two threads and the ring; the header names it.
out=$("$src/tools/ab_inproc.sh" HEAD handoff_counted --rounds 3 --processes 2 --iterations 2000 2>/dev/null)
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: exit $rc"; fail=1; }
echo "$out"
rows=$(echo "$out" | grep -cE '^\| [0-9]+ \| [0-9.]+ \| [0-9.]+ / [0-9.]+ / [0-9.]+ \| [0-9.]+ / [0-9.]+ / [0-9.]+ \|$')
[ "$rows" -eq 2 ] || { echo "FAIL: $rows process rows, not 2"; fail=1; }
echo "$out" | grep -q '^handoff_counted (lifo pool): ' || { echo "FAIL: the header does not name the scenario"; fail=1; }
echo "$out" | grep -qE '^\| pooled \| \| [0-9.]+ / [0-9.]+ / [0-9.]+ \| [0-9.]+ / [0-9.]+ / [0-9.]+ \|$' ||
  { echo "FAIL: no pooled row"; fail=1; }
# --fifo: the same A/B over FIFO pools (the scenario aborts if the pool it
# made has another policy), and the header says so.
out=$("$src/tools/ab_inproc.sh" HEAD roundtrip --fifo --rounds 2 --processes 1 --iterations 2000 2>/dev/null)
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: --fifo: exit $rc"; fail=1; }
echo "$out"
echo "$out" | grep -q '^roundtrip (fifo pool): ' || { echo "FAIL: --fifo: the header does not name the FIFO pool"; fail=1; }
echo "$out" | grep -qE '^\| pooled \| \| [0-9.]+ / [0-9.]+ / [0-9.]+ \| [0-9.]+ / [0-9.]+ / [0-9.]+ \|$' ||
  { echo "FAIL: --fifo: no pooled row"; fail=1; }
"$src/tools/ab_inproc.sh" HEAD nosuchscenario >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: an unknown scenario is not a usage error"; fail=1; }
"$src/tools/ab_inproc.sh" no-such-revision-xyz >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: an unknown revision is not a usage error"; fail=1; }
"$src/tools/ab_inproc.sh" HEAD --rounds 0 >/dev/null 2>&1
[ $? -eq 2 ] || { echo "FAIL: --rounds 0 is not a usage error"; fail=1; }
exit $fail
