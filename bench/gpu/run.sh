#!/usr/bin/env bash
# The `llama` translator on the lent GPU machine. Every stage is skipped when its result exists, so a call
# cut off by the per-command limit is simply run again on the same (warm) machine.
#   bench/gpu/run.sh build      CUDA build of llama.cpp + our translator benchmark (needs .gpu/, see prepare.sh)
#   bench/gpu/run.sh models     random-weight Qwen2.5 7B, 1.5B, 0.5B in Q4_K_M
#   bench/gpu/run.sh bench      ours vs llama-bench vs transformers bf16; JSON under $OUT
#   bench/gpu/run.sh spec       speculative decoding: 7B with a 0.5B draft (random weights, so almost no
#                               draft is accepted: the cost side), and the step costs that decide when it pays
#   bench/gpu/run.sh all
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${GPU_WORK:-/tmp/st-gpu}
out=${OUT:-$work/out}
mkdir -p "$work" "$out"
b="$work/build"
log() { echo "[gpu $(date +%T)] $*" >&2; }

build() {
  if [[ -x $b/bench_llama_translate && -x $b/bin/llama-bench && -x $b/bin/llama-quantize ]]; then return; fi
  log "configure"
  cmake -S bench/gpu -B "$b" -G Ninja -DLLAMA_SRC="$PWD/.gpu/llama.cpp" -DDEPS_INCLUDE="$PWD/.gpu/include" \
    >"$work/configure.log" 2>&1 || { tail -40 "$work/configure.log"; exit 1; }
  log "build ($(nproc) cores)"
  ninja -C "$b" -j "$(nproc)" bench_llama_translate llama-bench llama-quantize >"$work/build.log" 2>&1 ||
    { tail -60 "$work/build.log"; exit 1; }
  log "built"
}

models() {
  for arch in 0.5b 1.5b 7b; do
    local q="$work/qwen2.5-$arch-q4_k_m.gguf" f="$work/qwen2.5-$arch-f16.gguf"
    [[ -f $q ]] && continue
    if [[ ! -f $f ]]; then
      log "random $arch (f16)"
      PYTHONPATH=.gpu/gguf-py python3 bench/gpu/make_random_gguf.py --arch "$arch" --vocab .gpu/qwen2.5-vocab.gguf "$f.tmp"
      mv "$f.tmp" "$f"
    fi
    log "quantize $arch"
    "$b/bin/llama-quantize" "$f" "$q.tmp" Q4_K_M "$(nproc)" >"$work/quantize-$arch.log" 2>&1 ||
      { tail -20 "$work/quantize-$arch.log"; exit 1; }
    mv "$q.tmp" "$q"
    rm -f "$f"
  done
  ls -la "$work"/*.gguf >&2
}

bench() {
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$out/gpu.txt"
  for arch in 1.5b 7b; do
    log "bench $arch"
    python3 bench/gpu/llama_gpu_bench.py --bench "$b/bench_llama_translate" --llama-bench "$b/bin/llama-bench" \
      --model "$work/qwen2.5-$arch-q4_k_m.gguf" --rounds 3 --reps 20 | tee "$out/llama-$arch.json"
  done
  for arch in 1.5b 7b; do
    log "transformers $arch"
    python3 bench/gpu/hf_qwen2_baseline.py --arch "$arch" --reps 10 | tee "$out/hf-$arch.json"
  done
}

spec() {
  local t="$work/qwen2.5-7b-q4_k_m.gguf" d="$work/qwen2.5-0.5b-q4_k_m.gguf"
  for arch in 7b 1.5b; do
    for k in 2 4; do
      log "speculative $arch + 0.5b draft, k=$k"
      "$b/bench_llama_translate" --model "$work/qwen2.5-$arch-q4_k_m.gguf" --draft-model "$d" --draft-tokens "$k" \
        --gpu-layers 99 --threads 4 --reps 20 --no-translate | tee "$out/spec-$arch-k$k.json"
    done
  done
  log "step costs (llama-bench, depth 321 = prefix + sentence)"
  local lb=("$b/bin/llama-bench" -ngl 99 -fa 1 -t 4 -r 10 -o json -d 321)
  "${lb[@]}" -m "$t" -p 3,5 -n 32 >"$work/steps-target.json"
  "${lb[@]}" -m "$d" -p 0 -n 32 >"$work/steps-draft.json"
  python3 -c '
import json, sys
rows = json.load(open(sys.argv[1])) + json.load(open(sys.argv[2]))
keys = ("model_filename", "n_prompt", "n_gen", "n_depth", "avg_ns", "avg_ts")
print(json.dumps([{k: r[k] for k in keys} for r in rows]))
' "$work/steps-target.json" "$work/steps-draft.json" | tee "$out/spec-steps.json"
}

case ${1:-all} in
  build) build ;;
  models) build; models ;;
  bench) bench ;;
  spec) spec ;;
  all) build; models; bench; spec ;;
  *) echo "usage: $0 build|models|bench|spec|all" >&2; exit 2 ;;
esac
