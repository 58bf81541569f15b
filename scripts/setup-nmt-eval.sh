#!/usr/bin/env bash
# Creates the Python environment that the nmt parity generator (tools/nmt/make_golden.py) and the CPU
# benchmark (bench/e2e/nmt_cpu_bench.py) use: torch, transformers, sentencepiece, safetensors and
# ctranslate2 from PyPI, in a venv outside the repository. CI does not need it: the golden files it
# produces are committed. Idempotent: an existing venv with every package importable is left alone.
#   STREAM_TTS_NMT_VENV   where the venv lives (default ~/.cache/stream-tts/venv-nmt)
set -euo pipefail

VENV=${STREAM_TTS_NMT_VENV:-$HOME/.cache/stream-tts/venv-nmt}
# Pinned so that the golden files can be regenerated bit for bit; torch is the PyPI wheel (large).
PACKAGES=(
  "torch==2.5.1"
  "transformers==4.46.3"
  "tokenizers==0.20.3"
  "sentencepiece==0.2.0"
  "safetensors==0.4.5"
  "ctranslate2==4.5.0"
  "protobuf==5.28.3"
  "numpy<2.2"
)

if [[ -x $VENV/bin/python ]] && "$VENV/bin/python" -c \
    "import torch, transformers, sentencepiece, safetensors, ctranslate2" 2>/dev/null; then
  echo "[setup-nmt-eval] $VENV is ready" >&2
  exit 0
fi
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip >&2
"$VENV/bin/pip" install -q "${PACKAGES[@]}" >&2
"$VENV/bin/python" -c "import torch, transformers, sentencepiece, safetensors, ctranslate2; \
print('torch', torch.__version__, 'transformers', transformers.__version__, 'ctranslate2', ctranslate2.__version__)"
echo "[setup-nmt-eval] $VENV is ready" >&2
