#!/usr/bin/env bash
# Assembles .gpu-cli/, the product binary for an end-to-end check of `stream-tts translate --device cuda`
# on the lent GPU machine (bench/gpu/nmt/run.sh cli): build-cuda/apps/stream-tts (scripts/build.sh
# --cuda) and its shared libraries from this machine's Debian packages as lib.tar.xz, without glibc,
# libstdc++ and the CUDA libraries, which the GPU machine has in newer versions. .gpu-cli/ is ignored
# by git (.git/info/exclude). Then run bench/gpu/nmt/run.sh cli there with carry [".gpu-cli"].
set -euo pipefail
cd "$(dirname "$0")/../../.."
dst=.gpu-cli
grep -qx '/.gpu-cli/' .git/info/exclude 2>/dev/null || echo '/.gpu-cli/' >> .git/info/exclude
[[ -x build-cuda/apps/stream-tts ]] || scripts/build.sh --cuda
rm -rf "$dst"
mkdir -p "$dst/lib"
cp build-cuda/apps/stream-tts "$dst/"
ldd build-cuda/apps/stream-tts | awk '$3 ~ /^\// {print $3}' |
  grep -vE '/(libc|libm|libpthread|libdl|librt|libstdc\+\+|libgcc_s|libcudart|libcublas|libcublasLt)\.so' |
  while read -r lib; do cp -L "$lib" "$dst/lib/"; done
tar -C "$dst" -cJf "$dst/lib.tar.xz" lib
rm -rf "$dst/lib"
du -sh "$dst"
