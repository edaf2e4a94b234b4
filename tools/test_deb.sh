#!/usr/bin/env bash
# The Debian packages, as a user gets them: `cpack -G DEB` in the build tree,
# every package unpacked with dpkg -x into a scratch root (no root rights, no
# apt), then, from there and with no LD_LIBRARY_PATH: the tool runs a short
# capture (and a decode when the FFmpeg package exists, a GStreamer pipeline
# when the plugin's does), and the C capture
# loop builds against the -dev package through pkg-config and runs.
#   tools/test_deb.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
unset LD_LIBRARY_PATH
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && cpack -G DEB --config "$build/CPackConfig.cmake" >/dev/null)
root=$scratch/root
for deb in "$scratch"/*.deb; do
  dpkg-deb --field "$deb" Package Version Depends >/dev/null  # a well-formed control file
  dpkg -x "$deb" "$root"
done
for p in libsamplepool0 libsamplepool-dev samplepool-tools; do
  ls "$scratch/${p}_"*.deb >/dev/null || { echo "deb: no $p package" >&2; exit 1; }
done
tool=$root/usr/bin/samplepool
"$tool" --help >/dev/null
"$tool" capture --duration 0.3 --frame-bytes 65536 --progress none >/dev/null
pc=$(dirname "$(find "$root" -name samplepool.pc)")
export PKG_CONFIG_PATH=$pc
libdir=$(pkg-config --variable=libdir samplepool)
${CC:-cc} -std=c99 -Wall -Wextra "$src/examples/capture_loop.c" $(pkg-config --cflags --libs samplepool) \
  -Wl,-rpath,"$libdir" -o "$scratch/c-capture"
"$scratch/c-capture" >/dev/null
if ls "$scratch"/libsamplepool-ffmpeg0_*.deb >/dev/null 2>&1 && command -v ffmpeg >/dev/null; then
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=320x240 -frames:v 20 -c:v mpeg4 "$scratch/clip.avi"
  "$tool" decode "$scratch/clip.avi" >/dev/null
fi
if ls "$scratch"/gstreamer1.0-samplepool_*.deb >/dev/null 2>&1 && command -v gst-launch-1.0 >/dev/null; then
  # The plugin from the unpacked package, in a pipeline.
  GST_PLUGIN_PATH=$(dirname "$(find "$root" -name libgstsamplepool.so)") GST_REGISTRY=$scratch/registry.bin \
    gst-launch-1.0 -q samplepoolsrc num-buffers=10 ! queue ! fakesink
fi
echo "deb: $(ls "$scratch"/*.deb | xargs -n1 basename | tr "\n" " ")unpacked; the tool and a pkg-config consumer ran from them"
