#!/usr/bin/env bash
# Model-checks stress/model/pool.pml with spin: every scenario must pass,
# and every deliberately broken variant must fail in the scenario that
# exposes it; then stress/model/check_shm.sh does the same for shm.pml (the
# shared-memory pool). Exit status 0 only if all outcomes are as expected.
#   stress/model/check.sh [WORKDIR]
set -euo pipefail
model=$(cd "$(dirname "$0")" && pwd)/pool.pml
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"
command -v spin >/dev/null || { echo "model: spin not installed (apt-get install spin)"; exit 1; }

failures=0
# run SCENARIO BROKEN MODE EXPECT [FIFO] [GROW] [CHUNK] [FAILS]
#   MODE safety: assertions and invalid end states; liveness: acceptance cycles
#   under weak fairness for the scenario's LTL property. GROW: grown slots
#   (0: a fixed pool), in chunks of CHUNK (default 2); FAILS: refused
#   allocations in a run (default 1).
run() {
  local sc=$1 br=$2 mode=$3 expect=$4 fifo=${5:-0} grow=${6:-0} chunk=${7:-2} fails=${8:-1} out
  if [ "$grow" -lt 2 ]; then chunk=1; fi
  spin -a -DSCENARIO="$sc" -DBROKEN="$br" -DFIFO="$fifo" -DGROW="$grow" -DCHUNK="$chunk" -DFAILS="$fails" \
    "$model" >/dev/null
  # -w: gcc's bounds warnings on pan's guarded array stores are noise
  if [ "$mode" = safety ]; then
    gcc -w -O2 -DSAFETY -DNOCLAIM -o pan pan.c
    out=$(./pan -m1000000 2>&1)
  else
    gcc -w -O2 -o pan pan.c
    out=$(./pan -a -f -m1000000 2>&1)
  fi
  local errors states
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' <<<"$out" | head -1)
  states=$(sed -n 's/^ *\([0-9e+.]*\) states, stored.*/\1/p' <<<"$out" | head -1)
  local got=pass cfg
  [ "${errors:-1}" = 0 ] || got=fail
  cfg="scenario $sc fifo $fifo"
  [ "$grow" = 0 ] || cfg="$cfg grow $grow/$chunk"
  [ "$grow" = 0 ] || [ "$fails" = 1 ] || cfg="$cfg fails $fails"
  if [ "$got" = "$expect" ]; then
    printf 'model: %s broken %s %-8s %s as expected (%s states)\n' "$cfg" "$br" "$mode" "$got" "$states"
  else
    printf 'model: %s broken %s %-8s %s, expected %s\n' "$cfg" "$br" "$mode" "$got" "$expect"
    grep -E "violated|invalid end|acceptance" <<<"$out" | head -3
    failures=$((failures + 1))
  fi
}

for sc in 1 2 3 4; do run "$sc" 0 safety pass; done
for sc in 1 2 3; do run "$sc" 0 safety pass 1; done   # the FIFO policy
run 1 0 liveness pass
# Growth: 2 grown slots, one chunk of 2 (the CAS loser must be woken by the
# builder's push) or two chunks of 1 (the loser builds the next chunk).
run 1 0 safety pass 0 2          # release/wake, waiters may grow
run 1 0 safety pass 1 2
run 1 0 liveness pass 0 2
run 3 0 safety pass 1 2          # teardown under a growth (FIFO: the cheap one)
run 5 0 safety pass 0 2          # served by growth alone; decommit, trim, commit
run 5 0 safety pass 1 2
run 5 0 safety pass 0 2 1
run 1 0 safety pass 1 2 2 3      # refused three times (FIFO: the cheap one)
# A builder that gives up (a poll or timed acquire refused memory): the
# blocking waiter that skipped its chunk must be woken to build it.
run 6 0 safety pass 0 1          # one chunk of one (GrowthRace's deterministic test)
run 6 0 safety pass 0 2
run 6 0 safety pass 1 2
run 6 0 safety pass 0 2 1
run 1 1 safety fail    # wake before publish: a waiter sleeps for good
run 1 1 liveness fail
run 1 2 safety fail    # no re-check after registering: lost wake-up
run 3 3 safety fail    # lifetime dropped before the push: use after free
run 2 4 safety fail    # no epoch re-check: a sample across a Decommit
run 4 5 safety fail    # a closer that waits for a stalled cache owner never finishes
run 1 6 safety fail 1  # FIFO believing a false "empty": a waiter sleeps beside the sample
run 5 7 safety fail 0 2  # a grower's push without a wake: the CAS loser sleeps beside it
run 5 7 safety fail 1 2
run 6 8 safety fail 0 1  # a failed builder that wakes nobody: the skipper sleeps beside an empty chunk
run 5 8 safety fail 0 2
run 6 9 safety fail 0 1  # a failed mark CAS believed: the chunk went back to empty, skipped unmarked
run 5 9 safety fail 0 2

# The shared-memory pool (shm.pml): its own script, in a work folder of its own.
"$(dirname "$model")/check_shm.sh" "$work/shm" || failures=$((failures + 1))

if [ "$failures" -ne 0 ]; then
  echo "model: $failures unexpected outcome(s)"
  exit 1
fi
echo "model: all outcomes as expected"
