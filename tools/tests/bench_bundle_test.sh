#!/bin/sh
# tools/bench_bundle.sh: the bundle runs from any folder with an empty
# environment, loads no library from outside itself, and (when the program
# has DPDK) starts rte_mempool from the bundled driver. The system's DPDK
# drivers, which the EAL would load too, are hidden under empty mounts in a
# mount namespace of this test's own (the script runs itself again under
# `unshare -m`); where that is not allowed (unshare needs root), those two
# checks are skipped and said so.
#   tools/tests/bench_bundle_test.sh SOURCE_DIR PATH/TO/samplepool_bench WORK_DIR
set -u
src=$1 bench=$2 work=$3
fail=0
check() { if [ "$2" -ne 0 ]; then echo "FAIL $1: $3"; fail=1; fi; }
run="$work/moved/run"
hidden=""
for d in /usr/lib/*-linux-gnu/dpdk; do [ -d "$d" ] && hidden="$hidden $d"; done
# DPDK loads no driver from under a world-writable folder: a WORK_DIR under
# /tmp (a clone there, say) moves to a private folder in $HOME.
world_writable_above() {
  p=$(realpath -m "$1")
  while [ "$p" != / ]; do
    p=$(dirname "$p")
    [ -n "$(find "$p" -maxdepth 0 -perm -o+w 2>/dev/null)" ] && return 0
  done
  return 1
}
if [ -z "${BUNDLE_TEST_NAMESPACE:-}" ]; then
  if world_writable_above "$work" && [ -n "${HOME:-}" ] && ! world_writable_above "$HOME/x"; then
    work=$(mktemp -d "$HOME/.samplepool-bundle-test-XXXXXX") || exit 1
    set -- "$src" "$bench" "$work"
    run="$work/moved/run"
  fi
  # Made here, then moved: nothing in it may depend on where it was made.
  rm -rf "$work" && mkdir -p "$work" && chmod 700 "$work"
  out=$("$src/tools/bench_bundle.sh" "$work/bundle" "$bench" 2>&1)
  check make $? "$out"
  [ -x "$work/bundle/run" ] && [ -x "$work/bundle/bench" ] && [ -n "$(ls "$work/bundle/lib" | grep '^ld-linux')" ]
  check layout $? "$(ls -R "$work/bundle" | head -20)"
  [ $fail -eq 0 ] || exit 1
  mv "$work/bundle" "$work/moved"
  # The checks, again in a mount namespace of their own where one is allowed.
  if [ -n "$hidden" ] && unshare -m true 2>/dev/null; then
    exec env BUNDLE_TEST_NAMESPACE=1 unshare -m sh "$0" "$@"
  fi
fi
isolated=1
if [ -n "$hidden" ]; then
  if [ -n "${BUNDLE_TEST_NAMESPACE:-}" ]; then
    for d in $hidden; do mount -t tmpfs none "$d" || exit 1; done
  else
    isolated=0
  fi
fi

listed=$(env -i "$run" --max_threads=8 --benchmark_list_tests=true --benchmark_filter='^roundtrip/samplepool/')
echo "$listed" | grep -qx 'roundtrip/samplepool/64/4096/real_time/threads:8'
check flags $? "$listed"
# As issue 13 starts it: in the bundle, its loader by name, lib, ./bench.
loader=$(cd "$work/moved" && ls lib | grep '^ld-linux' | head -n1)
listed=$(cd "$work/moved" && env -i "lib/$loader" --library-path lib ./bench --benchmark_list_tests=true \
           --benchmark_filter='^handoff/samplepool/')
echo "$listed" | grep -q '^handoff/samplepool/'
check by_loader $? "lib/$loader: $listed"
if [ -d "$work/moved/lib/dpdk" ]; then
  # Run, not listed: the EAL starts without the driver too, and only
  # creating the pool fails ("pool unavailable").
  got=$(cd "$work/moved" && env -i "lib/$loader" --library-path lib ./bench \
          --benchmark_filter='^roundtrip/rte_mempool_cache/.*threads:1$' --benchmark_min_time=0.001 2>&1)
  echo "$got" | grep -q '^roundtrip/rte_mempool_cache/.*items_per_second' && ! echo "$got" | grep -q 'ERROR'
  check dpdk $? "$got"
fi
if [ $isolated -eq 1 ]; then
  # LD_DEBUG's lines from the exec of the bundled loader on (the shell's
  # own come first): every library from inside the bundle.
  libs=$(env -i LD_DEBUG=libs "$run" --benchmark_list_tests=true 2>&1 >/dev/null |
         awk -v own="$work/moved/" 'index($0, "calling init: " own) { mine = 1 }
                                    mine && /calling init: / { sub(/.*calling init: /, ""); print }' |
         grep -v "^$work/moved/" | sort -u)
  check own_libraries "$([ -z "$libs" ]; echo $?)" "loaded from outside the bundle: $libs"
else
  echo "bench bundle: the system's DPDK drivers could not be hidden here (unshare needs root): not tested" \
       "that rte_mempool starts from the bundled driver alone, nor where the libraries came from"
fi
rm -rf "$work"
[ $fail -eq 0 ] && echo "bench bundle: all passed"
exit $fail
