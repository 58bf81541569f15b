#!/usr/bin/env bash
# The main job: installs what is missing, builds, and speaks.
#   ./run.sh                  speaks the bundled sample (a Claude Code session answering in Japanese)
#   cmd | ./run.sh [OPTIONS]  speaks stdin (Claude stream-json, JSONL or text: detected)
#   ./run.sh [OPTIONS]        any stream-tts options, e.g. --out wav:out.wav
# Plays through the speakers; where there is no sound device it writes stream-tts-demo.wav instead.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/scripts/build.sh" stream-tts >&2

args=(--fallback-out "wav:${STREAM_TTS_FALLBACK_WAV:-stream-tts-demo.wav}")
if [[ -p /dev/stdin || -f /dev/stdin ]]; then
  exec "$here/build/apps/stream-tts" "${args[@]}" "$@"
fi
exec "$here/build/apps/stream-tts" --demo "${args[@]}" "$@"
