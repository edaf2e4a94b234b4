#!/bin/sh
# samplepool_bench's own flags: --max_threads=N, which round trips it
# registers (listed, not run); --iterations=N, how many iterations each
# benchmark then runs; and their refusals.
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
# A flag's range in --help, and its refusal of each value out of it.
refuses() {  # FLAG MOST BAD...
  flag=$1 most=$2; shift 2
  "$bench" --help | grep -q -- "--$flag=<1-$most>"
  check "help $flag" $? "--help does not name --$flag"
  for bad in "$@"; do
    err=$("$bench" --"$flag"="$bad" --benchmark_list_tests=true 2>&1 >/dev/null)
    status=$?
    [ $status -eq 2 ] && echo "$err" | grep -q "$flag wants a whole number from 1 to $most"
    check "bad $flag '$bad'" $? "exit $status: $err"
  done
}
refuses max_threads 1024 0 1025 x 4x ""
refuses iterations 1000000000 0 1000000001 x 4x ""
# Exactly N iterations, whatever the time: each of two repetitions of a round
# trip and of a failing poll reports 7 (the console table's sixth column:
# name, time, unit, CPU time, unit, iterations). The names gain "iterations:7".
got=$("$bench" --iterations=7 --benchmark_repetitions=2 --benchmark_min_time=5 \
  --benchmark_filter='^(roundtrip/samplepool/.*threads:1|poll_empty/failed_pop/.*)$' 2>/dev/null |
  awk '/^(roundtrip|poll_empty)\/.*iterations:7/ && $1 !~ /_(mean|median|stddev|cv)$/ { print $6 }' | sort | uniq -c | tr -s ' ')
[ "$got" = " 4 7" ]; check iterations $? "'$got'"
[ $fail -eq 0 ] && echo "bench flags: all passed"
exit $fail
