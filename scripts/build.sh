#!/usr/bin/env bash
# Installs what is missing and builds stream-tts.
#   scripts/build.sh                 release build in build/
#   scripts/build.sh --sanitize      ASan+UBSan build of the unit tests in build-asan/
# Safe to run again: every step is skipped when already done (ccache makes rebuilds fast).
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=0
targets=()
for arg in "$@"; do
  case $arg in
    --sanitize) sanitize=1 ;;
    *) targets+=("$arg") ;;
  esac
done

scripts/install-deps.sh
scripts/fetch-openjtalk.sh
scripts/fetch-llama.sh

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/stream-tts/ccache}
# Paths below the checkout are hashed relative to it, so a fresh clone elsewhere hits the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=1
jobs=$(nproc)
if (( sanitize )); then
  dir=build-asan
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTREAM_TTS_SANITIZE=ON -DSTREAM_TTS_BENCH=OFF >/dev/null
else
  dir=build
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
echo "[build] building in $dir" >&2
ninja -C "$dir" -j "$jobs" "${targets[@]}"
