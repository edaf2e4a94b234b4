#!/bin/sh
# samplepool_bench's own flag, --max_threads=N: which round trips it
# registers (listed, not run), and its refusals.
#   bench/bench_flags_test.sh PATH/TO/samplepool_bench
set -u
bench=$1
fail=0
check() {  # NAME CONDITION-STATUS DETAIL
  if [ "$2" -ne 0 ]; then echo "FAIL $1: $3"; fail=1; fi
}
threads_of() {  # POOL [FLAGS...]: the round trip's thread counts, sorted, space-separated
  pool=$1; shift
  "$bench" "$@" --benchmark_list_tests=true --benchmark_filter="^roundtrip/$pool/" |
    sed -n 's/.*threads:\([0-9]*\)$/\1/p' | sort -n | tr '\n' ' '
}
got=$(threads_of samplepool); [ "$got" = "1 2 4 " ]; check default $? "samplepool: '$got'"
got=$(threads_of samplepool --max_threads=16); [ "$got" = "1 2 4 8 16 " ]; check 16 $? "samplepool: '$got'"
got=$(threads_of samplepool --max_threads=1); [ "$got" = "1 " ]; check 1 $? "samplepool: '$got'"
got=$(threads_of samplepool --max_threads=6); [ "$got" = "1 2 4 " ]; check 6 $? "samplepool: '$got'"
# A peer's own cap stays (GStreamer's pool and DPDK's without a cache: 2);
# DPDK's with its cache follows the run.
all=$("$bench" --benchmark_list_tests=true)
if echo "$all" | grep -q '^roundtrip/gst_buffer_pool/'; then
  got=$(threads_of gst_buffer_pool --max_threads=16); [ "$got" = "1 2 " ]; check cap $? "gst_buffer_pool: '$got'"
fi
if echo "$all" | grep -q '^roundtrip/rte_mempool_nocache/'; then
  got=$(threads_of rte_mempool_nocache --max_threads=16); [ "$got" = "1 2 " ]; check cap $? "rte_mempool_nocache: '$got'"
  got=$(threads_of rte_mempool_cache --max_threads=16); [ "$got" = "1 2 4 8 16 " ]; check dpdk $? "rte_mempool_cache: '$got'"
fi
"$bench" --help | grep -q -- '--max_threads=<1-1024>'
check help $? "--help does not name --max_threads"
for bad in 0 1025 x 4x ""; do
  err=$("$bench" --max_threads="$bad" --benchmark_list_tests=true 2>&1 >/dev/null)
  status=$?
  [ $status -eq 2 ] && echo "$err" | grep -q "max_threads wants a whole number from 1 to 1024"
  check "bad '$bad'" $? "exit $status: $err"
done
[ $fail -eq 0 ] && echo "bench flags: all passed"
exit $fail
