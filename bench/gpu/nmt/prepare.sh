#!/usr/bin/env bash
# Assembles .gpu-nmt/, what the nmt GPU benchmark needs on the lent GPU machine besides the sources:
#   .gpu-nmt/include/  simdjson.h and fmt/ (Debian's libsimdjson-dev and libfmt-dev; fmt header-only)
#   .gpu-nmt/lib/      libsimdjson.so.14 (Debian's build; the machine's glibc and libstdc++ are newer)
# .gpu-nmt/ is ignored by git (.git/info/exclude). Run from anywhere; then bench/gpu/nmt/run.sh there.
set -euo pipefail
cd "$(dirname "$0")/../../.."
dst=.gpu-nmt
grep -qx '/.gpu-nmt/' .git/info/exclude 2>/dev/null || echo '/.gpu-nmt/' >> .git/info/exclude
rm -rf "$dst"
mkdir -p "$dst/include" "$dst/lib"
cp /usr/include/simdjson.h "$dst/include/"
cp -r /usr/include/fmt "$dst/include/"
cp -L /usr/lib/x86_64-linux-gnu/libsimdjson.so.14 "$dst/lib/libsimdjson.so.14"
du -sh "$dst"
