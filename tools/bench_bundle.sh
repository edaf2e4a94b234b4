#!/usr/bin/env bash
# Packs the benchmark program into a folder that runs on another x86-64 Linux
# machine with nothing installed (a many-core box reachable only to run one
# command): the built samplepool_bench as DIR/bench, every shared library
# `ldd` lists in DIR/lib, this machine's own dynamic loader beside them
# under its own name, and DPDK's mempool ring driver in DIR/lib/dpdk (a
# plugin the EAL loads at start-up, which ldd cannot see; the program finds
# it beside the loader). Started through the bundled loader, the program
# loads none of the other machine's libraries:
#   tools/bench_bundle.sh [DIR [PROGRAM]]
# then, there, in DIR:
#   lib/ld-linux-x86-64.so.2 --library-path lib ./bench --max_threads=16 --benchmark_out=x.json ...
# or DIR/run ARGS, which does the same from any folder. The arguments are
# samplepool_bench's (`./bench --help` lists Google Benchmark's; --max_threads=N
# is its own).
# DIR defaults to build/bench-bundle, PROGRAM to the release build's
# samplepool_bench (built first when missing). DPDK loads no driver from
# under a world-writable folder (/tmp, say): keep DIR out of one, or
# rte_mempool is skipped there ("DPDK's EAL did not start here").
set -euo pipefail
dir=$(realpath -m "${1:-$(dirname "$0")/../build/bench-bundle}")
bench=${2:+$(realpath -m "$2")}
cd "$(dirname "$0")/.."
bench=${bench:-build/release/bench/samplepool_bench}
if [ -z "${2:-}" ] && [ ! -x "$bench" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release -j"$(nproc)" --target samplepool_bench >/dev/null
fi
# Replaces an earlier bundle, never anything else.
if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ] && ! { [ -e "$dir/run" ] && [ -e "$dir/bench" ]; }; then
  echo "bench_bundle: $dir exists and is not a bundle; give an empty or new folder" >&2
  exit 2
fi
rm -rf "$dir"
mkdir -p "$dir/lib"
cp "$bench" "$dir/bench"
# copy_libraries FILE: every library ldd resolves for FILE into lib/ (once);
# prints the dynamic loader ldd names (an absolute path with no "=>"). A
# library ldd cannot find stops the bundle: it would not run elsewhere.
copy_libraries() {
  local name arrow path
  while read -r name arrow path _; do
    if [ "$arrow" = "=>" ] && [ "$path" = "not" ]; then
      echo "bench_bundle: $1 needs $name, which ldd cannot find here" >&2
      return 1
    elif [ "$arrow" = "=>" ] && [ -e "$path" ]; then
      [ -e "$dir/lib/$name" ] || cp -L "$path" "$dir/lib/$name"
    elif [[ "$name" == /* ]] && [ -e "$name" ]; then
      echo "$name"
    fi
  done < <(ldd "$1")
}
loader=$(copy_libraries "$bench")
if [ -z "$loader" ]; then
  echo "bench_bundle: ldd named no dynamic loader for $bench" >&2
  exit 1
fi
loader_name=$(basename "$loader")
cp -L "$loader" "$dir/lib/$loader_name"
# DPDK's ring mempool driver, from the driver folder of the librte_mempool
# the program links (<its folder>/dpdk/pmds-<ABI>), and what it needs.
mempool=$(ldd "$bench" | awk '$1 ~ /^librte_mempool\.so\./ && $2 == "=>" { print $3 }')
if [ -n "$mempool" ]; then
  abi=${mempool##*.so.}
  driver=$(ls "$(dirname "$mempool")"/dpdk/pmds-"$abi".*/librte_mempool_ring.so."$abi"* 2>/dev/null | head -n1 || true)
  if [ -z "$driver" ]; then
    echo "bench_bundle: the program uses DPDK ($mempool) but no librte_mempool_ring.so.$abi was found in" \
         "$(dirname "$mempool")/dpdk/pmds-$abi.*; rte_mempool would not run" >&2
    exit 1
  fi
  mkdir -p "$dir/lib/dpdk"
  # The EAL loads only files named *.so (or *.so.<its ABI>.0) from a driver
  # directory.
  cp -L "$driver" "$dir/lib/dpdk/librte_mempool_ring.so"
  copy_libraries "$driver" >/dev/null
fi
cat >"$dir/run" <<RUN
#!/bin/sh
# Runs the bundled samplepool_bench through the bundled loader and libraries.
here=\$(cd "\$(dirname "\$0")" && pwd)
exec "\$here/lib/$loader_name" --library-path "\$here/lib" "\$here/bench" "\$@"
RUN
chmod +x "$dir/run"
# DPDK refuses a driver that is world-writable or under a world-writable
# folder: the bundle's own files are not, whatever the umask.
chmod -R go-w "$dir"
if [ -d "$dir/lib/dpdk" ]; then
  p=$dir
  while [ "$p" != / ]; do
    p=$(dirname "$p")
    if [ -n "$(find "$p" -maxdepth 0 -perm -o+w 2>/dev/null)" ]; then
      echo "bench_bundle: warning: $p is world-writable, so DPDK will not load its driver from the bundle" \
           "(rte_mempool is then skipped); make the bundle elsewhere" >&2
      break
    fi
  done
fi
echo "bench_bundle: $dir ($(du -sh "$dir" | cut -f1)); run it as $dir/run [samplepool_bench flags]," \
     "or in $dir as lib/$loader_name --library-path lib ./bench [flags]"
