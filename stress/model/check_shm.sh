#!/usr/bin/env bash
# Model-checks stress/model/shm.pml (the shared-memory pool, shm/) with spin:
# the protocol as written must pass where it is right, fail where this model
# found it wrong (the known bugs, README "Bugs found"), pass with the fixes
# proposed for those, and every deliberately broken variant must fail. Exit
# status 0 only if all outcomes are as expected. check.sh runs it.
#   stress/model/check_shm.sh [WORKDIR]
set -euo pipefail
model=$(cd "$(dirname "$0")" && pwd)/shm.pml
work=${1:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"
command -v spin >/dev/null || { echo "model: spin not installed (apt-get install spin)"; exit 1; }

failures=0
# run EXPECT WHAT [spin -D flags...]: safety (assertions, invalid end
# states). Runs expected to fail stop at the first error: compiled at -O0
# (their compile is most of their time); the passing ones at -O2, and
# scenario 2 with -DCOLLAPSE (17 M states in about 1 GB instead of 3).
run() {
  local expect=$1 what=$2 out opt=-O2 extra=
  shift 2
  [ "$expect" = fail ] && opt=-O0
  case " $* " in *" -DSCENARIO=2 "*) extra=-DCOLLAPSE ;; esac
  spin -a "$@" "$model" >/dev/null
  # -w: gcc's bounds warnings on pan's guarded array stores are noise
  gcc -w $opt -DSAFETY -DNOCLAIM $extra -o pan pan.c
  out=$(./pan -m1000000 2>&1)
  local errors states got=pass
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' <<<"$out" | head -1)
  states=$(sed -n 's/^ *\([0-9e+.]*\) states, stored.*/\1/p' <<<"$out" | head -1)
  [ "${errors:-1}" = 0 ] || got=fail
  grep -q "out of memory" <<<"$out" && got="out of memory"
  if [ "$got" = "$expect" ]; then
    printf 'model shm: %-44s %s as expected (%s states)\n' "$*" "$got" "$states"
  else
    printf 'model shm: %-44s %s, expected %s: %s\n' "$*" "$got" "$expect" "$what"
    grep -E "violated|invalid end|out of memory" <<<"$out" | head -3
    failures=$((failures + 1))
  fi
}

# The code as written (the default, FIX=14): the pool's protocol, with any
# process dying at any step, a reaper's death and its takeover, and
# wait_all_free while committed; the channel, with a subscriber that leaves
# and comes back, and three publishes.
run pass "pool, one death"                  -DSCENARIO=1
run pass "reaper takeover"                  -DSCENARIO=2 -DKILL=6
run pass "wait_all_free while committed"    -DSCENARIO=4
run pass "channel"                          -DSCENARIO=3
run pass "channel, re-subscribing"          -DSCENARIO=3 -DRESUB=1
run pass "channel, re-subscribing, 3 pubs"  -DSCENARIO=3 -DRESUB=1 -DPUBS=3
# The bugs this model found in the channel, fixed since (README "Bugs
# found"): the code before each fix, the others in, must still fail.
run fail "bug A: publisher_gone lost"       -DSCENARIO=3 -DFIX=12
run fail "bug B: a transient charge leaks"  -DSCENARIO=3 -DFIX=10
run fail "bug C: one sample received twice" -DSCENARIO=3 -DFIX=2 -DRESUB=1 -DPUBS=3 -DKILLS=0
run fail "bug D: a stale entry hides an orphan" -DSCENARIO=3 -DFIX=6 -DRESUB=1 -DPUBS=3
# Deliberately broken variants.
run fail "receive: head before the move"    -DSCENARIO=3 -DBROKEN=1
run fail "no hint rebuild, no scan"         -DSCENARIO=1 -DBROKEN=2
run fail "no re-check after registering"    -DSCENARIO=1 -DBROKEN=3
run fail "sleeping counted before prepare"  -DSCENARIO=1 -DBROKEN=4
run fail "no epoch re-check"                -DSCENARIO=1 -DBROKEN=5
run fail "reaper wakes nobody"              -DSCENARIO=1 -DBROKEN=6
run fail "publish: check, then charge"      -DSCENARIO=3 -DBROKEN=7 -DRESUB=1
run fail "wait_all_free on the acquirers' channel" -DSCENARIO=4 -DBROKEN=8
run fail "orphans of subscribers only"      -DSCENARIO=3 -DBROKEN=9 -DRESUB=1

if [ "$failures" -ne 0 ]; then
  echo "model shm: $failures unexpected outcome(s)"
  exit 1
fi
echo "model shm: all outcomes as expected"
