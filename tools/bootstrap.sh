#!/usr/bin/env bash
# Installs the Debian packages samplepool needs to build, test and benchmark.
# Idempotent and quiet: when everything is present it only checks (no
# apt-get update, no network) and prints one line.
set -euo pipefail

packages=(
  cmake g++ make pkg-config          # toolchain
  libconcurrentqueue-dev             # moodycamel ConcurrentQueue (free-list policy)
  libjemalloc-dev                    # jemalloc arena backend
  libgtest-dev                       # unit tests
  libbenchmark-dev                   # benchmarks
)

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
