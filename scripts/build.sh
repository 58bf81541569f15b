#!/usr/bin/env bash
# Installs what is missing and builds stream-tts.
#   scripts/build.sh                 release build in build/
#   scripts/build.sh --sanitize      ASan+UBSan build of the unit tests in build-asan/
#   scripts/build.sh --tsan          ThreadSanitizer build of the threaded unit tests in build-tsan/
#   scripts/build.sh --cuda          the program with the CUDA path (nvcc, sm_90) in build-cuda/
# Safe to run again: every step is skipped when already done (ccache makes rebuilds fast).
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=0
tsan=0
cuda=0
targets=()
for arg in "$@"; do
  case $arg in
    --sanitize) sanitize=1 ;;
    --tsan) tsan=1 ;;
    --cuda) cuda=1 ;;
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
if (( cuda )); then
  # CUDA compiles here but runs only on the lent GPU machine (bench/gpu/nmt); without llama.cpp, whose
  # CPU build in build/ is the one the tests use.
  dir=build-cuda
  command -v nvcc >/dev/null || export PATH=$PATH:/usr/local/cuda/bin
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTREAM_TTS_CUDA=ON -DSTREAM_TTS_LLAMA=OFF \
    -DSTREAM_TTS_TESTS=OFF -DSTREAM_TTS_BENCH=OFF >/dev/null
  (( ${#targets[@]} )) || targets=(stream-tts)
elif (( tsan )); then
  # Only what test.sh runs under TSan: the unit tests whose code runs threads (queues and ring,
  # sinks, the pipeline, the worker manager and synthesizer), the speaker sink against PulseAudio
  # (pulse_play) and the program itself for a few integration tests; not the other unit tests.
  # Without llama.cpp: its prebuilt library and OpenMP runtime are not instrumented.
  dir=build-tsan
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTREAM_TTS_TSAN=ON \
    -DSTREAM_TTS_BENCH=OFF -DSTREAM_TTS_LLAMA=OFF >/dev/null
  (( ${#targets[@]} )) || targets=(core_test audio_tests audio_device_tests engine_test worker_test pulse_play stream-tts)
elif (( sanitize )); then
  dir=build-asan
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTREAM_TTS_SANITIZE=ON -DSTREAM_TTS_BENCH=OFF >/dev/null
else
  dir=build
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
echo "[build] building in $dir" >&2
ninja -C "$dir" -j "$jobs" "${targets[@]}"
