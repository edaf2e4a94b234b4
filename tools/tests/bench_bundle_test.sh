#!/bin/sh
# tools/bench_bundle.sh: the bundle runs from any folder with an empty
# environment, as issue 13 starts it and through its `run`; when the
# program has DPDK, rte_mempool runs in it. Where a mount namespace is
# allowed (unshare as root) the script runs its checks again inside one,
# with the system's DPDK drivers (which the EAL would load too) hidden under
# empty mounts: rte_mempool must then run from the bundled driver alone, and
# no library may load from outside the bundle. Elsewhere those two checks
# are skipped and said so. DPDK refuses drivers under a world-writable
# folder: a WORK_DIR there (a clone under /tmp) moves to a private folder in
# $HOME, and without one the DPDK check is skipped and said so.
#   tools/tests/bench_bundle_test.sh SOURCE_DIR PATH/TO/samplepool_bench WORK_DIR
set -u
src=$1 bench=$2 work=$3
fail=0
check() { if [ "$2" -ne 0 ]; then echo "FAIL $1: $3"; fail=1; fi; }
run="$work/moved/run"
hidden=""
for d in /usr/lib/*-linux-gnu/dpdk; do [ -d "$d" ] && hidden="$hidden $d"; done
world_writable_above() {
  p=$(realpath -m "$1")
  while [ "$p" != / ]; do
    p=$(dirname "$p")
    [ -n "$(find "$p" -maxdepth 0 -perm -o+w 2>/dev/null)" ] && return 0
  done
  return 1
}
dpdk_usable=1
if [ -z "${BUNDLE_TEST_NAMESPACE:-}" ]; then
  work=$(realpath -m "$work")
  if world_writable_above "$work"; then
    if [ -n "${HOME:-}" ] && [ -d "$HOME" ] && ! world_writable_above "$HOME/x" &&
       private=$(mktemp -d "$HOME/.samplepool-bundle-test-XXXXXX" 2>/dev/null); then
      work=$private
    else
      dpdk_usable=0
    fi
  fi
  set -- "$src" "$bench" "$work" "$dpdk_usable"
  run="$work/moved/run"
  trap 'rm -rf "$work"' EXIT INT TERM
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
dpdk_usable=${4:-$dpdk_usable}
trap 'rm -rf "$work"' EXIT INT TERM  # again after the exec, which dropped the first
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
if [ -d "$work/moved/lib/dpdk" ] && [ "$dpdk_usable" -eq 0 ]; then
  echo "bench bundle: $work is under a world-writable folder and \$HOME cannot hold a private one:" \
       "DPDK would refuse the bundled driver there, so rte_mempool was not run"
elif [ -d "$work/moved/lib/dpdk" ]; then
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
         sort -u)
  # Something was seen (the bundle's own C library at least), and nothing
  # from elsewhere.
  echo "$libs" | grep -qx "$work/moved/lib/libc.so.6"
  check own_libraries_seen $? "no library seen loading from the bundle: $libs"
  outside=$(echo "$libs" | grep -v "^$work/moved/")
  check own_libraries "$([ -z "$outside" ]; echo $?)" "loaded from outside the bundle: $outside"
else
  echo "bench bundle: the system's DPDK drivers could not be hidden here (unshare needs root): not tested" \
       "that rte_mempool starts from the bundled driver alone, nor where the libraries came from"
fi
[ $fail -eq 0 ] && echo "bench bundle: all passed"
exit $fail
