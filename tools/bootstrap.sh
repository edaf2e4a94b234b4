#!/usr/bin/env bash
# Installs the Debian packages samplepool needs. Idempotent and quiet: when
# everything is present it only checks (no apt-get update, no network) and
# prints one line.
#   tools/bootstrap.sh            build and test the library, tools and examples
#   tools/bootstrap.sh --bench    also the benchmark peers (DPDK's rte_mempool
#                                 included: issue 13's goals are ratios to it) and gnuplot
#   tools/bootstrap.sh --dpdk     DPDK alone (kept for older instructions)
#   tools/bootstrap.sh --aarch64  also the AArch64 cross compiler, QEMU to run
#                                 its tests, and GoogleTest's sources to build for it
set -euo pipefail

packages=(
  cmake g++ make pkg-config clang-14 # toolchains (clang for the clang build and fuzzing)
  libcli11-dev nlohmann-json3-dev    # command-line parsing and JSON output (tools, stress)
  spin valgrind                      # model check; memcheck run of the stress program
  libclang-rt-14-dev                 # clang's sanitizer and libFuzzer runtimes
  libconcurrentqueue-dev             # moodycamel ConcurrentQueue (FIFO free-list policy)
  libjemalloc-dev                    # jemalloc arena backend
  libgtest-dev                       # unit tests
  libbenchmark-dev                   # benchmarks
  libavcodec-dev libavformat-dev libavutil-dev ffmpeg   # the FFmpeg adapter, `samplepool decode` and its tests
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools gstreamer1.0-plugins-base
                                     # the GStreamer buffer pool, plugin and pipeline tests
  dpkg-dev                           # cpack -G DEB (dpkg-shlibdeps)
  strace                             # bench.poll_empty.no_syscall counts a failing poll's system calls
)
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(libboost-dev libtbb-dev libatomic-queue-dev libgstreamer1.0-dev libavutil-dev gnuplot-nox
                        libdpdk-dev) ;;
    --dpdk) packages+=(libdpdk-dev) ;;
    --aarch64) packages+=(g++-aarch64-linux-gnu qemu-user googletest) ;;
    *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
