#!/usr/bin/env bash
# The nmt CUDA path on the lent GPU machine (after bench/gpu/nmt/prepare.sh here). Call through the
# device tool with carry [".gpu-nmt"]:
#   bench/gpu/nmt/run.sh [build|check|bench|diag|profile|all]...  (stages in order; default all)
#     build  standalone CMake build of libnmt_cuda_bench.so (kernels, runner, safetensors/nmt loaders)
#     check  tiny random M2M100 and Marian models: compute-sanitizer memcheck of ours, then logits parity
#            (CHECK_ARCHS="tiny-m2m-hd64 tiny-m2m tiny-marian" by default)
#     bench  random NLLB-600M (seeded, fp32 safetensors in /tmp): speed and parity, JSON + PNG in $OUT
#     diag   ours vs transformers per position: final residual stream, then norm + LM head
#     profile  ncu per-kernel durations of one decode step
#     chain  the floor of a decode-step link: chains of near-empty kernels against grid barriers
#     cli    the product binary (after bench/gpu/nmt/prepare-cli.sh here, carry [".gpu-cli"]):
#            `stream-tts translate --device cuda` on the golden models against transformers' outputs
# Results land in $OUT (copied back into bench/gpu/nmt/results/ by whoever called).
set -euo pipefail
cd "$(dirname "$0")/../../.."
work=${GPU_WORK:-/tmp/st-nmt}
out=${OUT:-$work/out}
mkdir -p "$work" "$out"
b="$work/build"
py=bench/gpu/nmt/nmt_gpu_bench.py
export PYTHONUNBUFFERED=1
log() { echo "[nmt-gpu $(date +%T)] $*" >&2; }

build() {
  [[ -x $b/libnmt_cuda_bench.so && -x $b/nmt_chain_bench && ${REBUILD:-0} == 0 ]] && return
  log "configure"
  cmake -S bench/gpu/nmt -B "$b" -G Ninja -DDEPS="$PWD/.gpu-nmt" >"$work/configure.log" 2>&1 ||
    { tail -40 "$work/configure.log"; exit 1; }
  log "build ($(nproc) cores)"
  ninja -C "$b" -j "$(nproc)" >"$work/build.log" 2>&1 || { tail -60 "$work/build.log"; exit 1; }
  cp "$work/build.log" "$out/build.log"
}

check() {
  # tiny-m2m-hd64: head_dim 64, the shape the persistent decode kernel serves (the others fall back).
  python3 $py make-model --arch tiny-m2m --dir "$work/tiny-m2m-hd64" \
    --set d_model=256 encoder_attention_heads=4 decoder_attention_heads=4 encoder_ffn_dim=512 decoder_ffn_dim=512
  for arch in ${CHECK_ARCHS:-tiny-m2m-hd64 tiny-m2m tiny-marian}; do
    [[ $arch == tiny-m2m-hd64 ]] || python3 $py make-model --arch $arch --dir "$work/$arch"
    log "memcheck $arch"
    compute-sanitizer --tool memcheck --error-exitcode 9 python3 $py smoke --lib "$b/libnmt_cuda_bench.so" \
      --dir "$work/$arch" >"$work/memcheck-$arch.log" 2>&1 && log "memcheck $arch clean" ||
      { tail -30 "$work/memcheck-$arch.log"; log "memcheck $arch FAILED"; }
    log "parity $arch"
    python3 $py parity --lib "$b/libnmt_cuda_bench.so" --dir "$work/$arch" --out "$out/parity-$arch.json" ||
      log "parity $arch FAILED"
  done
}

bench() {
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$out/gpu.txt"
  python3 $py make-model --arch nllb600m --dir "$work/nllb600m"
  python3 $py bench --lib "$b/libnmt_cuda_bench.so" --dir "$work/nllb600m" --out-dir "$out" ${BENCH_ARGS:-}
}

diag() {
  python3 $py make-model --arch nllb600m --dir "$work/nllb600m"
  python3 $py diag --lib "$b/libnmt_cuda_bench.so" --dir "$work/nllb600m" 2>&1 | grep -v "Loading weights" | tee "$out/diag.txt"
  python3 $py make-model --arch tiny-m2m --dir "$work/tiny-m2m" >/dev/null 2>&1
  python3 $py diag --lib "$b/libnmt_cuda_bench.so" --dir "$work/tiny-m2m" 2>&1 | grep -v "Loading weights" | head -8
}

# Per-kernel durations of one decode step (isolated: ncu serializes kernels, so PDL overlap is absent).
# PROFILE_ARGS: more arguments of the python profile command (--int8, --variant N); PROFILE_TAG: a
# suffix of the output files (ncu-step-TAG.txt), for several profiles in one call.
profile() {
  python3 $py make-model --arch nllb600m --dir "$work/nllb600m"
  # Kernels matching the filter: 13 per encoder (embed + attention), then per decoder step (NLLB-600M)
  # 61 with the fused layers (the first step one more, its embedding), 97 unfused (PROFILE_STEP=97),
  # 49 with the cross-attention in one launch (variant 16384).
  local step=${PROFILE_STEP:-61} first=${PROFILE_FIRST:-1} tag=${PROFILE_TAG:+-$PROFILE_TAG}
  ncu --metrics gpu__time_duration.sum --csv --cache-control none --clock-control none \
    --kernel-name-base function -k regex:"gemv|attention|lm_head|embed|ffn" --launch-skip $((13 + first + step * 5)) \
    --launch-count $step python3 $py profile --lib "$b/libnmt_cuda_bench.so" --dir "$work/nllb600m" ${PROFILE_ARGS:-} \
    >"$out/ncu-step$tag.csv" 2>"$work/ncu.err" || { tail -20 "$work/ncu.err"; return 0; }
  sed -i '/^==/d' "$out/ncu-step$tag.csv"
  python3 $py ncu-summary --csv "$out/ncu-step$tag.csv" | tee "$out/ncu-step$tag.txt"
}

# What a link of a decode step costs with (almost) no work in it, chained four ways (chain_bench.cu).
chain() {
  "$b/nmt_chain_bench" ${CHAIN_ARGS:-} | tee "$out/chain.txt"
}

# Tiny M2M100 models grown one dimension at a time towards NLLB-600M: which size breaks parity.
sweep() {
  local i=0
  for set in "d_model=1024 encoder_attention_heads=16 decoder_attention_heads=16" "encoder_ffn_dim=4096 decoder_ffn_dim=4096" \
      "vocab_size=256206" "encoder_layers=12 decoder_layers=12" "init_std=0.02" \
      "d_model=256 encoder_attention_heads=4 decoder_attention_heads=4"; do
    i=$((i + 1))
    python3 $py make-model --arch tiny-m2m --dir "$work/sweep$i" --set $set >/dev/null 2>&1
    echo "sweep $i: $set"
    python3 $py parity --lib "$b/libnmt_cuda_bench.so" --dir "$work/sweep$i" --out "$work/sweep$i.json" 2>&1 | grep "^parity"
  done
}

# The user's path end to end: `stream-tts translate --translate nmt --device cuda` (fp16, int8, the
# shortlist) on the tiny golden models, whose cases transformers' greedy outputs were recorded for;
# tests/integration/nmt_translate_check.py compares every case whose steps are all clear of near-ties.
cli() {
  [[ -x .gpu-cli/stream-tts ]] || { echo "cli: no .gpu-cli/ (bench/gpu/nmt/prepare-cli.sh, carry .gpu-cli)" >&2; exit 1; }
  rm -rf "$work/cli" && mkdir -p "$work/cli" && tar -C "$work/cli" -xJf .gpu-cli/lib.tar.xz
  local cuda_lib
  cuda_lib=$(dirname "$(find /usr /opt -name 'libcublas.so.13*' 2>/dev/null | head -1)")
  export LD_LIBRARY_PATH="$work/cli/lib:$cuda_lib:${LD_LIBRARY_PATH:-}"
  local bin=.gpu-cli/stream-tts g=tests/golden/nmt fails=0
  echo "cli: libcublas from $cuda_lib" | tee "$out/cli.txt"
  echo "A cat is sleeping over there." | $bin translate --translate nmt --model $g/tiny-nllb --device cuda \
    --max-tokens 16 --log-level debug 2>&1 | tail -5 | tee -a "$out/cli.txt"
  for model in tiny-nllb tiny-marian; do
    for args in "" "--int8" "--shortlist $g/$model.shortlist.txt"; do
      # int8 is not held to fp32 transformers' text (as on the CPU: reported, not required).
      if python3 tests/integration/nmt_translate_check.py $bin $g/$model.golden.json $g/$model --device cuda $args \
          >"$work/cli/check.txt" 2>&1; then r=PASS; else r=FAIL; [[ $args == --int8 ]] || fails=$((fails + 1)); fi
      echo "cli $model --device cuda $args: $r $(tail -1 "$work/cli/check.txt")" | tee -a "$out/cli.txt"
    done
  done
  # Time through the CLI: 24 golden sentences a run, on the GPU and on the CPU.
  for dev in cuda cpu; do
    local t0=$EPOCHREALTIME
    python3 -c "import json;[print(c['text']) for c in json.load(open('$g/tiny-nllb.golden.json'))['cases']]" |
      $bin translate --translate nmt --model $g/tiny-nllb --device $dev --max-tokens 32 >/dev/null
    echo "cli tiny-nllb --device $dev: 24 sentences (load included) $(python3 -c "print(round($EPOCHREALTIME - $t0, 2))") s" | tee -a "$out/cli.txt"
  done
  return $fails
}

[[ $# -eq 0 ]] && set -- all
for stage in "$@"; do
  case $stage in
    build) build ;;
    check|bench|diag|profile|sweep|chain) build; $stage ;;
    cli) cli ;;
    all) build; check; bench ;;
    *) echo "usage: $0 [build|check|bench|diag|profile|chain|cli|all]..." >&2; exit 2 ;;
  esac
done
